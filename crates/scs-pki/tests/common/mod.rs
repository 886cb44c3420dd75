//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use scs_crypto::{KeyKind, Passphrase};
use scs_pki::{Ca, InitOptions};

pub const PASS: &str = "correct horse battery staple";

pub fn pass() -> Passphrase {
    Passphrase::from(PASS)
}

pub fn new_ca(dir: &Path, kind: KeyKind, intermediate: bool) -> Ca {
    Ca::init(
        dir,
        &InitOptions {
            name: "Test Root CA".into(),
            key_kind: kind,
            days: 3650,
            intermediate,
        },
        &pass(),
    )
    .expect("init CA")
}

/// A CA in a fresh temporary directory (the directory itself is `ca`).
pub fn temp_ca(kind: KeyKind, intermediate: bool) -> (tempfile::TempDir, Ca) {
    let tmp = tempfile::tempdir().unwrap();
    let ca = new_ca(&tmp.path().join("ca"), kind, intermediate);
    (tmp, ca)
}

/// Every file of a CA directory with its bytes, for before/after checks.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != ".lock"))
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    out.sort();
    out
}

/// `openssl` if it runs; otherwise prints why the test is skipped.
pub fn openssl() -> Option<&'static str> {
    match Command::new("openssl").arg("version").output() {
        Ok(o) if o.status.success() => Some("openssl"),
        _ => {
            eprintln!("SKIPPED: the openssl command is not available");
            None
        }
    }
}

/// Runs openssl with `args` in `cwd`; returns (success, stdout+stderr).
pub fn run_openssl(cwd: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run openssl");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

pub fn must_openssl(cwd: &Path, args: &[&str]) -> String {
    let (ok, text) = run_openssl(cwd, args);
    assert!(ok, "openssl {args:?} failed:\n{text}");
    text
}

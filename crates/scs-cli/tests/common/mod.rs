#![allow(dead_code)]
//! Helpers for driving the real `scs` binary and the real `openssl`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// `scs` with this environment's home and no inherited passphrase.
    pub fn scs(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scs"));
        c.env("SCS_HOME", self.home())
            .env_remove("SCS_PASSPHRASE")
            .env_remove("SCS_NEW_PASSPHRASE")
            .current_dir(self.dir.path());
        c
    }

    /// `scs` with SCS_PASSPHRASE set.
    pub fn scs_pw(&self, pass: &str) -> Command {
        let mut c = self.scs();
        c.env("SCS_PASSPHRASE", pass);
        c
    }
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("spawn")
}

/// Runs and asserts success, returning stdout.
pub fn ok(cmd: &mut Command) -> Vec<u8> {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "command failed: {cmd:?}\nstatus: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs, expecting exit `code` and exactly one `error:` line on stderr
/// (optionally followed by `hint:` lines). Returns stderr.
pub fn fails(cmd: &mut Command, code: i32) -> String {
    let out = run(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code} from {cmd:?}; stderr: {stderr}"
    );
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "expected one error line, got: {stderr}");
    for l in stderr.lines() {
        assert!(
            l.starts_with("error: ") || l.starts_with("hint: ") || l.starts_with("warning: "),
            "unexpected stderr line {l:?} in {stderr}"
        );
    }
    stderr
}

/// The real openssl, or None (with a printed reason) when absent.
pub fn openssl() -> Option<PathBuf> {
    match which("openssl") {
        Some(p) => Some(p),
        None => {
            eprintln!("skipping: `openssl` is not installed");
            None
        }
    }
}

pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

pub fn ossl(args: &[&str], cwd: &Path) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("spawn openssl")
}

pub fn ossl_ok(args: &[&str], cwd: &Path) -> Vec<u8> {
    let out = ossl(args, cwd);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

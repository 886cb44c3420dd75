//! Several threads and several processes issuing from one CA at once: every
//! issued serial ends up in the records exactly once.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use common::{pass, temp_ca};
use scs_crypto::KeyKind;
use scs_pki::{Ca, Profile};

const CHILD_ENV: &str = "SCS_PKI_CONCURRENCY_CHILD_DIR";
const PER_WORKER: usize = 6;

fn issue_some(dir: &Path, tag: &str) -> Vec<String> {
    let ca = Ca::open(dir).unwrap();
    let signer = ca.unlock(&pass()).unwrap();
    (0..PER_WORKER)
        .map(|i| {
            let (_k, c) = signer
                .issue(
                    &format!("{tag}-{i}"),
                    Profile::Client,
                    &[],
                    KeyKind::Ed25519,
                    1,
                )
                .unwrap();
            if i % 2 == 0 {
                // Interleave CRL production (also a read-modify-write).
                signer.crl(1).unwrap();
            }
            c.serial
        })
        .collect()
}

/// Runs only as a child of `threads_and_processes_issue_at_once`.
#[test]
fn concurrency_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let tag = format!("p{}", std::process::id());
    for s in issue_some(Path::new(&dir), &tag) {
        println!("SERIAL:{s}");
    }
}

#[test]
fn threads_and_processes_issue_at_once() {
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, true);
    let dir = ca.dir().to_path_buf();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "concurrency_child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, &dir)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let dir = dir.clone();
            std::thread::spawn(move || issue_some(&dir, &format!("t{t}")))
        })
        .collect();

    let mut issued = Vec::new();
    for t in threads {
        issued.extend(t.join().unwrap());
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let serials: Vec<String> = text
            .lines()
            .filter_map(|l| l.split_once("SERIAL:").map(|(_, s)| s.trim()))
            .map(str::to_owned)
            .collect();
        assert_eq!(serials.len(), PER_WORKER, "{text}");
        issued.extend(serials);
    }
    assert_eq!(issued.len(), 6 * PER_WORKER);

    let records = ca.list().unwrap();
    let recorded: Vec<&str> = records.iter().map(|r| r.serial.as_str()).collect();
    assert_eq!(recorded.len(), issued.len(), "records lost or duplicated");
    let unique: HashSet<&str> = recorded.iter().copied().collect();
    assert_eq!(unique.len(), recorded.len(), "a serial recorded twice");
    for s in &issued {
        assert!(unique.contains(s.as_str()), "{s} not recorded");
    }
    // Every CRL took its own number.
    assert_eq!(ca.crl_number().unwrap(), 6 * PER_WORKER.div_ceil(2) as u64);
    // And the records still parse as a whole.
    assert_eq!(Ca::open(&dir).unwrap().list().unwrap(), records);
}

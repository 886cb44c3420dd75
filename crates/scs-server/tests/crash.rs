//! Crash safety: the server runs as a child process (this test binary
//! re-executed), registrations stream in, and the child is killed with
//! SIGKILL mid-way. After a restart every registration that was answered
//! exists whole (account, password, certificate) and nothing exists half.
//! The second child is stopped with SIGTERM and must exit cleanly.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use scs_api::paths;

const CHILD_ENV: &str = "SCS_TEST_CHILD_SERVER_DIR";

/// The child: serves the directory named in the environment and prints
/// `listening on https://ADDR` as `scs server run` does.
#[test]
fn child_server() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let pass = scs_crypto::Passphrase::new(std::env::var("SCS_PASSPHRASE").unwrap());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(scs_server::run(
        Path::new(&dir),
        scs_server::RunOptions::new(pass).listen("127.0.0.1:0".parse().unwrap()),
        |a| {
            println!("listening on https://{a}");
            let _ = std::io::stdout().flush();
        },
    ))
    .unwrap();
}

/// Starts `scs server run` as a child process on `dir`; returns it and
/// its address once it listens.
fn spawn_server(dir: &Path) -> (Child, SocketAddr) {
    let log_path = dir.with_extension(format!("child-{}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .env("SCS_PASSPHRASE", PASS)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // The test harness may print "test child_server ... " first.
            if let Some((_, a)) = line.split_once("listening on https://") {
                let _ = tx.send(a.trim().parse::<SocketAddr>().unwrap());
            }
        }
    });
    let Ok(addr) = rx.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        panic!(
            "the child server did not start:\n{}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
    };
    (child, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_are_whole_or_absent_after_sigkill() {
    init_tracing();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("server");
    init_dir(&dir, |_| {}).await;
    let root =
        scs_pki::parse_certificate(&std::fs::read(dir.join("ca/root.crt")).unwrap()).unwrap();

    let (mut child, addr) = spawn_server(&dir);
    let answered: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..6 {
        let client = reqwest_client(tls_config_for(&root, None, &[&rustls::version::TLS13]));
        let answered = answered.clone();
        let stop = stop.clone();
        workers.spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let name = format!("w{w}-u{i}");
                i += 1;
                let key = scs_crypto::PrivateKey::generate(scs_crypto::KeyKind::Ed25519).unwrap();
                let csr = scs_pki::make_csr(&key, &name, &[]).unwrap();
                let r = client
                    .post(format!("https://{addr}{}", paths::REGISTER))
                    .json(&serde_json::json!({"username": name, "password": PASSWORD, "csr_pem": csr}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 201 => answered.lock().unwrap().push(name),
                    Ok(r) => panic!("register {name}: {}", r.status()),
                    Err(_) => break, // the server died
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    while workers.join_next().await.is_some() {}
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() >= 3,
        "some registrations went through: {answered:?}"
    );

    // Restart on the same directory.
    let (child2, addr2) = spawn_server(&dir);
    let d = dir.clone();
    let users = tokio::task::spawn_blocking(move || scs_server::admin::list_users(&d))
        .await
        .unwrap()
        .unwrap();
    println!(
        "{} registrations answered before SIGKILL, {} accounts after the restart",
        answered.len(),
        users.len()
    );
    let ca = scs_pki::Ca::open(&dir.join("ca")).unwrap();
    let issued: Vec<String> = ca.list().unwrap().into_iter().map(|r| r.serial).collect();
    for name in &answered {
        assert!(
            users.iter().any(|u| &u.username == name),
            "{name} was answered but is missing"
        );
    }
    for u in &users {
        let serial = u
            .certificate_serial
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no certificate", u.username));
        assert!(u.key_fingerprint.is_some());
        assert!(
            issued.contains(serial),
            "{}'s certificate is in the CA records",
            u.username
        );
    }
    // Every stored account logs in (its password hash is whole).
    let client = reqwest_client(tls_config_for(&root, None, &[&rustls::version::TLS13]));
    for u in users.iter().take(5) {
        let r = client
            .post(format!("https://{addr2}{}", paths::LOGIN))
            .json(&serde_json::json!({"username": u.username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", u.username);
    }

    // SIGTERM: a clean exit.
    let status = Command::new("kill")
        .args(["-TERM", &child2.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child2.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "exit after SIGTERM: {:?}", out.status);
}

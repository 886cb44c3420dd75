//! Crash safety: the server is killed with SIGKILL in the middle of a burst
//! of registrations by real `scs register` processes. After a restart every
//! account exists whole (with its certificate) or not at all, every
//! registration a client saw succeed is there, and the server serves.

mod common;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::{fails, ok};
use server::{Fixture, Server, admin_accounts, client, client_pw};

const CLIENTS: usize = 40;

fn password(name: &str) -> String {
    format!("password of {name}")
}

fn spawn(home: &Path, name: &str, args: &[&str]) -> Child {
    client_pw(home, &password(name))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn connect(home: &Path, srv: &Server) {
    ok(client(home)
        .args(["connect", &srv.url, "--ca"])
        .arg(srv.ca_pem()));
}

fn keys_of(home: &Path, name: &str) -> Vec<String> {
    match std::fs::read_dir(home.join("keys")) {
        Ok(d) => d
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(&format!("{name}.")))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The value after `prefix` in the output of `scs register`.
fn printed(out: &Output, prefix: &str) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
        .unwrap_or_else(|| panic!("no {prefix:?} in the output"))
}

#[test]
fn sigkill_during_a_burst_of_registrations_loses_nothing_committed() {
    let mut f = Fixture::new("");
    let dir = f.srv.dir.clone();
    let names: Vec<String> = (0..CLIENTS).map(|i| format!("u{i:02}")).collect();
    let homes: Vec<PathBuf> = names.iter().map(|n| f.connected(n)).collect();

    // The burst.
    let mut children: Vec<Option<Child>> = names
        .iter()
        .zip(&homes)
        .map(|(n, h)| Some(spawn(h, n, &["register", n])))
        .collect();
    let mut outputs: Vec<Option<Output>> = vec![None; CLIENTS];
    let collect = |children: &mut Vec<Option<Child>>, outputs: &mut Vec<Option<Output>>| {
        for (i, c) in children.iter_mut().enumerate() {
            if c.as_mut().is_some_and(|c| c.try_wait().unwrap().is_some()) {
                outputs[i] = Some(c.take().unwrap().wait_with_output().unwrap());
            }
        }
    };
    // Kill once a few have gone through, while the rest are in flight.
    let start = Instant::now();
    loop {
        collect(&mut children, &mut outputs);
        let done = outputs
            .iter()
            .filter(|o| o.as_ref().is_some_and(|o| o.status.success()))
            .count();
        if done >= 3 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no registration succeeded"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    f.srv.kill();
    let in_flight = children.iter().filter(|c| c.is_some()).count();
    assert!(
        in_flight > 0,
        "every registration finished before the kill; nothing was interrupted"
    );
    for (i, c) in children.iter_mut().enumerate() {
        if let Some(c) = c.take() {
            outputs[i] = Some(c.wait_with_output().unwrap());
        }
    }
    let outputs: Vec<Output> = outputs.into_iter().map(Option::unwrap).collect();
    let succeeded: Vec<usize> = (0..CLIENTS)
        .filter(|&i| outputs[i].status.success())
        .collect();
    eprintln!(
        "{} of {CLIENTS} registrations succeeded, {in_flight} were running at the kill",
        succeeded.len()
    );

    // Restart on the same data directory.
    f.srv = Server::start(&dir);
    let accounts: BTreeMap<String, serde_json::Value> = admin_accounts(&dir)
        .into_iter()
        .map(|a| (a["username"].as_str().unwrap().to_owned(), a))
        .collect();
    eprintln!("{} accounts after the restart", accounts.len());
    // Whole or nothing: every account has its certificate.
    for (name, a) in &accounts {
        assert!(names.contains(name), "unexpected account {name}");
        assert!(
            a["certificate_serial"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{name} has no certificate: {a}"
        );
        assert!(a["key_fingerprint"].as_str().is_some(), "{a}");
        assert_eq!(a["certificate_revoked"], false, "{a}");
    }
    // Every success the clients saw is there, with the certificate they got.
    for &i in &succeeded {
        let a = accounts
            .get(&names[i])
            .unwrap_or_else(|| panic!("{} registered but is gone", names[i]));
        assert_eq!(
            a["certificate_serial"].as_str().unwrap(),
            printed(&outputs[i], "certificate serial ")
        );
        let key_line = printed(&outputs[i], "key '");
        assert!(
            key_line.ends_with(a["key_fingerprint"].as_str().unwrap()),
            "{key_line} vs {a}"
        );
    }
    // A client whose registration failed kept no key.
    for i in (0..CLIENTS).filter(|i| !succeeded.contains(i)) {
        assert_eq!(
            outputs[i].status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&outputs[i].stderr)
        );
        assert!(keys_of(&homes[i], &names[i]).is_empty());
    }

    // The server serves: everyone reconnects; the failed ones register
    // again (or learn that their account was committed after all), the
    // others log in with their password.
    for h in &homes {
        connect(h, &f.srv);
    }
    let retries: Vec<(usize, Child)> = (0..CLIENTS)
        .map(|i| {
            let args: Vec<&str> = if succeeded.contains(&i) {
                vec!["login", &names[i]]
            } else {
                vec!["register", &names[i]]
            };
            (i, spawn(&homes[i], &names[i], &args))
        })
        .collect();
    for (i, c) in retries {
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if succeeded.contains(&i) || !accounts.contains_key(&names[i]) {
            assert!(out.status.success(), "{}: {err}", names[i]);
        } else {
            // Committed, but the answer was lost in the crash.
            assert_eq!(out.status.code(), Some(2), "{err}");
            assert!(err.contains("this username is taken"), "{err}");
        }
    }
    let after = f.user("after", &password("after"));
    ok(client_pw(&after, &password("after")).args(["login", "after"]));
    ok(client(&after).arg("whoami"));
    let users: serde_json::Value =
        serde_json::from_slice(&ok(client(&after).args(["users", "--json"]))).unwrap();
    let listed = users.as_array().unwrap().len();
    assert_eq!(listed, admin_accounts(&dir).len());
    assert!(listed > accounts.len(), "the new registrations are there");
    // And a wrong password is still a wrong password.
    fails(
        client_pw(&after, "not the password").args(["login", "after"]),
        1,
    );
}

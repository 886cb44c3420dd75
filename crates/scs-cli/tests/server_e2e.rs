//! End to end: the real `scs server run` on 127.0.0.1:0 in a temporary
//! directory, driven by the real `scs` binary as a user drives it.

mod common;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{fails, ok, run};
use server::{Fixture, client, client_pw, profile_dir, session_token, toml_lite};

const ALICE_PW: &str = "alice's long password";
const BOB_PW: &str = "bob's other password";
/// What the server answers for any refused session token.
const NO_SESSION: &str = "no valid session";

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(ok(cmd)).unwrap()
}

fn json(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_slice(&ok(cmd)).unwrap()
}

/// The value after `prefix` on the line starting with it.
fn line_value(text: &str, prefix: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in {text}"))
        .trim()
        .to_owned()
}

fn account<'a>(accounts: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    accounts
        .iter()
        .find(|a| a["username"] == name)
        .unwrap_or_else(|| panic!("no account {name} in {accounts:?}"))
}

#[test]
fn connect_register_login_whoami_users_passwd_logout() {
    let f = Fixture::new("");
    let url = &f.srv.url;
    let alice = f.connected("alice");

    // Not logged in yet.
    let err = fails(client(&alice).arg("whoami"), 1);
    assert!(err.contains("not logged in"), "{err}");

    // Register: the key is made here, the certificate comes back.
    let out = stdout(client_pw(&alice, ALICE_PW).args(["register", "alice"]));
    assert!(out.contains(&format!("registered alice on {url}")), "{out}");
    let serial = line_value(&out, "certificate serial ");
    let key_line = out.lines().find(|l| l.starts_with("key '")).unwrap();
    let key_fp = key_line.rsplit("SHA256:").next().unwrap().to_owned();
    let key_name = key_line.split('\'').nth(1).unwrap().to_owned();
    assert!(key_name.starts_with("alice."), "{key_name}");
    let keys = stdout(client(&alice).args(["key", "list"]));
    assert!(keys.contains(&key_name), "{keys}");
    assert!(
        alice
            .join("keys")
            .join(&key_name)
            .join("cert.pem")
            .is_file(),
        "the certificate is kept beside the key"
    );
    // What the server recorded is what the client was given.
    let accounts = f.accounts();
    let a = account(&accounts, "alice");
    assert_eq!(a["certificate_serial"], serial.as_str());
    assert_eq!(a["key_fingerprint"], key_fp.as_str());
    assert_eq!(a["locked"], false);

    // A second user, from a home of their own; a taken name is refused.
    let bob = f.user("bob", BOB_PW);
    let out = run(client_pw(&bob, BOB_PW).args(["register", "alice"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error: this username is taken"), "{err}");
    let keys = stdout(client(&bob).args(["key", "list"]));
    assert!(
        !keys.contains("alice."),
        "no key is kept for a refused name: {keys}"
    );

    // Login by password, read from --password-file.
    let pwfile = f.tmp.path().join("alice.pw");
    std::fs::write(&pwfile, format!("{ALICE_PW}\n")).unwrap();
    let out = stdout(
        client(&alice)
            .args(["login", "alice", "--password-file"])
            .arg(&pwfile),
    );
    assert!(
        out.contains(&format!("logged in to {url} as alice")),
        "{out}"
    );
    let session = profile_dir(&alice).join("session.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&session).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "session file must be private");
    }
    let token = session_token(&alice);
    assert_eq!(token.len(), 43, "256 bits, base64url without padding");

    let out = stdout(client(&alice).arg("whoami"));
    assert!(out.contains(&format!("alice on {url}")), "{out}");
    assert!(out.contains("logged in by password"), "{out}");
    assert!(out.contains(&serial), "{out}");
    let me = json(client(&alice).args(["whoami", "--json"]));
    assert_eq!(me["username"], "alice");
    assert_eq!(me["auth_method"], "password");
    assert_eq!(me["certificate_serial"], serial.as_str());
    assert_eq!(me["key_fingerprint"], key_fp.as_str());

    // The directory.
    let users = json(client(&alice).args(["users", "--json"]));
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    let table = stdout(client(&alice).arg("users"));
    assert!(table.contains(&key_fp), "{table}");
    let bob_entry = json(client(&alice).args(["user", "show", "bob", "--json"]));
    assert_eq!(bob_entry["username"], "bob");
    assert_eq!(bob_entry["certificate_revoked"], false);
    let bob_pem = std::fs::read_to_string(
        bob.join("keys")
            .join(
                std::fs::read_dir(bob.join("keys"))
                    .unwrap()
                    .next()
                    .unwrap()
                    .unwrap()
                    .file_name(),
            )
            .join("cert.pem"),
    )
    .unwrap();
    assert_eq!(
        bob_entry["certificate_pem"].as_str().unwrap().trim(),
        bob_pem.trim(),
        "the directory serves the certificate bob was issued"
    );
    let err = fails(client(&alice).args(["user", "show", "nobody"]), 2);
    assert!(err.contains("no user named 'nobody'"), "{err}");

    // A second session of alice, elsewhere.
    let laptop = f.connected("alice-laptop");
    ok(client_pw(&laptop, ALICE_PW).args(["login", "alice"]));
    ok(client(&laptop).arg("whoami"));

    // passwd: old from SCS_PASSWORD, new from SCS_NEW_PASSWORD.
    let new_pw = "alice's brand new password";
    let out = stdout(
        client_pw(&alice, ALICE_PW)
            .env("SCS_NEW_PASSWORD", new_pw)
            .arg("passwd"),
    );
    assert!(out.contains("password of alice changed"), "{out}");
    // This session lives on; the other one was closed by the server.
    ok(client(&alice).arg("whoami"));
    let err = fails(client(&laptop).arg("whoami"), 1);
    assert!(
        err.contains("unauthorized") || err.contains("session"),
        "{err}"
    );
    // The old password no longer works, the new one does.
    let err = fails(client_pw(&laptop, ALICE_PW).args(["login", "alice"]), 1);
    assert!(err.contains("wrong username or password"), "{err}");
    ok(client_pw(&laptop, new_pw).args(["login", "alice"]));
    // A wrong old password changes nothing.
    let err = fails(
        client_pw(&alice, "not the password")
            .env("SCS_NEW_PASSWORD", "yet another password")
            .arg("passwd"),
        1,
    );
    assert!(err.contains("wrong password"), "{err}");
    ok(client(&alice).arg("whoami"));
    ok(client_pw(&laptop, new_pw).args(["login", "alice"]));

    // Logout ends the session here and on the server.
    let out = stdout(client(&alice).arg("logout"));
    assert!(out.contains(&format!("logged out of {url}")), "{out}");
    assert!(!session.exists(), "the session file is removed");
    let err = fails(client(&alice).arg("whoami"), 1);
    assert!(err.contains("not logged in"), "{err}");
    let out = stdout(client(&alice).arg("logout"));
    assert!(out.contains("not logged in"), "{out}");
    // The token itself is dead: put it back and the server refuses it.
    std::fs::write(
        &session,
        format!("username = \"alice\"\ntoken = \"{token}\"\nexpires_at = 9999999999\n"),
    )
    .unwrap();
    let err = fails(client(&alice).arg("whoami"), 1);
    assert!(err.contains(NO_SESSION), "{err}");
}

#[test]
fn first_use_pinning_shows_the_fingerprint_and_certificate_login_works() {
    let f = Fixture::new("");
    let url = &f.srv.url;
    let info = json(
        client(f.tmp.path())
            .args(["cert", "show", "--json"])
            .arg(f.srv.ca_pem()),
    );
    let fingerprint = info["fingerprint_sha256"].as_str().unwrap().to_owned();
    let home = f.home("carol");
    std::fs::create_dir_all(&home).unwrap();

    // Without a terminal and without --yes nothing is pinned.
    let out = run(client(&home)
        .args(["connect", url])
        .stdin(std::process::Stdio::null()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("SHA256:{fingerprint}")), "{err}");
    assert!(err.contains("error: not pinning"), "{err}");
    assert!(!home.join("profiles").join("current").exists());

    // --yes pins the root the fingerprint names.
    let out = run(client(&home).args(["connect", url, "--yes"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(&format!("SHA256:{fingerprint}")), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&fingerprint),
        "connect reports the pinned fingerprint"
    );
    let pinned = std::fs::read_to_string(profile_dir(&home).join("ca.pem")).unwrap();
    let root = std::fs::read_to_string(f.srv.ca_pem()).unwrap();
    assert_eq!(pinned.trim(), root.trim(), "the root itself is pinned");
    let profile = toml_lite::parse(
        &std::fs::read_to_string(profile_dir(&home).join("profile.toml")).unwrap(),
    );
    assert_eq!(profile["ca_fingerprint"], fingerprint);
    // Connecting again to the same server is fine.
    ok(client(&home).args(["connect", url, "--yes"]));

    // Register, then log in with the certificate (mutual TLS), no password.
    let out = stdout(client_pw(&home, "carol's password").args(["register", "carol"]));
    let serial = line_value(&out, "certificate serial ");
    let out = stdout(client(&home).args(["login", "--cert"]));
    assert!(
        out.contains(&format!("logged in to {url} as carol")),
        "{out}"
    );
    let me = json(client(&home).args(["whoami", "--json"]));
    assert_eq!(me["username"], "carol");
    assert_eq!(me["auth_method"], "certificate");
    assert_eq!(me["certificate_serial"], serial.as_str());
    let out = stdout(client(&home).arg("whoami"));
    assert!(out.contains("logged in by certificate"), "{out}");
    // The key passphrase is needed to use the key.
    let err = fails(
        client(&home)
            .env("SCS_PASSPHRASE", "wrong passphrase")
            .args(["login", "--cert"]),
        1,
    );
    assert!(err.contains("wrong passphrase"), "{err}");
}

#[test]
fn sessions_expire() {
    let f = Fixture::new("[auth]\nsession_ttl_secs = 2\n");
    let home = f.logged_in("dave", "dave's password");
    let token = session_token(&home);
    let session = profile_dir(&home).join("session.toml");
    let saved = std::fs::read_to_string(&session).unwrap();
    let expires: i64 = toml_lite::parse(&saved)["expires_at"].parse().unwrap();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    assert!(expires - now() <= 3, "the configured 2 s lifetime");
    ok(client(&home).arg("whoami"));

    // Poll until the client sees the expiry (2 s, with slack for a slow host).
    let start = Instant::now();
    let err = loop {
        let out = run(client(&home).arg("whoami"));
        if !out.status.success() {
            break String::from_utf8_lossy(&out.stderr).into_owned();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "never expired");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(now() >= expires, "expired early");
    assert!(err.contains("has expired"), "{err}");
    assert!(!session.exists(), "an expired session is forgotten");

    // The server does not rely on the client: the same token, with the
    // expiry in the file pushed far ahead, is refused.
    std::fs::write(&session, toml_lite::set(&saved, "expires_at", "9999999999")).unwrap();
    assert_eq!(session_token(&home), token);
    let err = fails(client(&home).arg("whoami"), 1);
    assert!(err.contains(NO_SESSION), "{err}");
    // Logging in again opens a new session.
    ok(client_pw(&home, "dave's password").args(["login", "dave"]));
    ok(client(&home).arg("whoami"));
}

#[test]
fn administrator_lock_and_unlock() {
    let f = Fixture::new("[auth]\nlockout_threshold = 2\nlockout_secs = 600\nbase_delay_ms = 1\n");
    let pw = "erin's password";
    let home = f.logged_in("erin", pw);
    ok(client(&home).arg("whoami"));

    let out = f.admin(&["lock", "erin"]);
    assert!(out.contains("locked erin"), "{out}");
    assert_eq!(account(&f.accounts(), "erin")["locked"], true);
    // The lock ends the running session…
    let err = fails(client(&home).arg("whoami"), 1);
    assert!(err.contains(NO_SESSION), "{err}");
    // …and refuses both logins. The lock shows only to the right password.
    let err = fails(client_pw(&home, pw).args(["login", "erin"]), 1);
    assert!(err.contains("locked"), "{err}");
    assert!(
        err.contains("hint: ask the server's administrator"),
        "{err}"
    );
    let err = fails(
        client_pw(&home, "a wrong password").args(["login", "erin"]),
        1,
    );
    assert!(err.contains("wrong username or password"), "{err}");
    assert!(!err.contains("locked"), "{err}");
    let err = fails(client(&home).args(["login", "--cert"]), 1);
    assert!(err.contains("locked"), "{err}");

    let out = f.admin(&["unlock", "erin"]);
    assert!(out.contains("unlocked erin"), "{out}");
    assert_eq!(account(&f.accounts(), "erin")["locked"], false);
    ok(client_pw(&home, pw).args(["login", "erin"]));
    ok(client(&home).args(["login", "--cert"]));
    ok(client(&home).arg("whoami"));

    // Unlocking also lifts a lockout after failed logins (here 600 s).
    for _ in 0..2 {
        fails(
            client_pw(&home, "a wrong password").args(["login", "erin"]),
            1,
        );
    }
    let err = fails(client_pw(&home, pw).args(["login", "erin"]), 1);
    assert!(err.contains("too many"), "{err}");
    let until = account(&f.accounts(), "erin")["throttled_until"].as_i64();
    assert!(until.is_some(), "the lockout shows in the account list");
    f.admin(&["unlock", "erin"]);
    assert!(account(&f.accounts(), "erin")["throttled_until"].is_null());
    ok(client_pw(&home, pw).args(["login", "erin"]));

    // Unknown accounts cannot be locked or unlocked.
    let out = run(Command::new(env!("CARGO_BIN_EXE_scs"))
        .args(["server", "user", "lock", "nobody", "--dir"])
        .arg(&f.srv.dir));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));
    audit_mentions(&f.srv.dir, &["admin.lock", "admin.unlock", "lockout"]);
}

/// The audit log records each of `events`.
fn audit_mentions(dir: &Path, events: &[&str]) {
    let out = ok(Command::new(env!("CARGO_BIN_EXE_scs"))
        .args(["server", "audit", "--json", "--limit", "500", "--dir"])
        .arg(dir));
    let records: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    for e in events {
        assert!(
            records
                .iter()
                .any(|r| r["event"].as_str().is_some_and(|v| v.contains(e))),
            "no {e} in the audit log: {records:?}"
        );
    }
}

//! Security properties of the server and its client, shown through the
//! real `scs` binary (and `curl` / `openssl` where a test must speak the
//! protocol without the scs client's own checks).

mod common;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{fails, ok, run};
use server::{Fixture, Server, client, client_pw, have_curl, profile_dir, session_token};

const ALICE_PW: &str = "alice's long password";
const NO_SESSION: &str = "no valid session";
const WRONG: &str = "error: wrong username or password";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn timed(cmd: &mut Command) -> (Output, Duration) {
    let start = Instant::now();
    let out = run(cmd);
    (out, start.elapsed())
}

#[test]
fn a_wrong_password_does_not_reveal_whether_the_user_exists() {
    let f = Fixture::new("[auth]\nbase_delay_ms = 1\n");
    let home = f.user("alice", ALICE_PW);

    let known = fails(
        client_pw(&home, "not her password").args(["login", "alice"]),
        1,
    );
    let unknown = fails(
        client_pw(&home, "not her password").args(["login", "nobody"]),
        1,
    );
    assert!(known.contains(WRONG), "{known}");
    assert_eq!(known, unknown, "the same words for both");
    // The right password of one account tried on another name.
    let other = fails(client_pw(&home, ALICE_PW).args(["login", "alice2"]), 1);
    assert_eq!(other, known);

    // On the wire: the same status, the same body, the same headers but
    // the date.
    if !have_curl() {
        return;
    }
    let headers = |name: &str| {
        let out = f
            .srv
            .curl()
            .args(["-i", "-X", "POST", "-H", "Content-Type: application/json"])
            .arg("--data-binary")
            .arg(format!(
                r#"{{"username":"{name}","password":"not her password"}}"#
            ))
            .arg(format!("{}/api/v1/login", f.srv.url))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.to_ascii_lowercase().starts_with("date:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let k = headers("alice");
    let u = headers("nobody");
    assert!(k.contains("401"), "{k}");
    assert_eq!(k, u);
}

#[test]
fn failed_logins_lock_the_account_and_the_lock_lifts_as_configured() {
    let f = Fixture::new(
        "[auth]\nlockout_threshold = 3\nlockout_secs = 3\nbase_delay_ms = 100\nmax_delay_ms = 2000\n",
    );
    let home = f.user("alice", ALICE_PW);
    let wrong = || {
        client_pw(&home, "a wrong password")
            .args(["login", "alice"])
            .output()
            .unwrap()
    };
    let right = || {
        client_pw(&home, ALICE_PW)
            .args(["login", "alice"])
            .output()
            .unwrap()
    };

    // Below the threshold a success forgets the failures.
    for _ in 0..2 {
        assert_eq!(wrong().status.code(), Some(1));
    }
    assert!(right().status.success());

    // Three failures in a row, each answered later than the one before
    // (100, 200, 400 ms).
    let mut times = Vec::new();
    for _ in 0..3 {
        let (out, t) = timed(client_pw(&home, "a wrong password").args(["login", "alice"]));
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains(WRONG), "{}", stderr(&out));
        times.push(t);
    }
    let locked_at = Instant::now();
    assert!(
        times[2] >= times[0] + Duration::from_millis(200),
        "delays grow: {times:?}"
    );
    // Now even the right password is refused, without being checked.
    let out = right();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error: too many failed attempts"), "{err}");
    let secs: u64 = err
        .split("try again in ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no retry time in {err}"));
    assert!((1..=3).contains(&secs), "retry after {secs} s: {err}");
    assert!(
        f.accounts()[0]["throttled_until"].is_i64(),
        "the administrator sees the lockout"
    );

    // An unknown name is counted and locked exactly the same way.
    for _ in 0..3 {
        let e = fails(
            client_pw(&home, "a wrong password").args(["login", "nobody"]),
            1,
        );
        assert!(e.contains(WRONG), "{e}");
    }
    let e = fails(
        client_pw(&home, "a wrong password").args(["login", "nobody"]),
        1,
    );
    assert!(e.contains("error: too many failed attempts"), "{e}");

    // The lock lifts after lockout_secs (3 s, counted in whole seconds).
    let lifted = loop {
        if right().status.success() {
            break locked_at.elapsed();
        }
        assert!(
            locked_at.elapsed() < Duration::from_secs(3 + 3),
            "the lockout did not lift"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(lifted >= Duration::from_secs(1), "lifted after {lifted:?}");
    ok(client(&home).arg("whoami"));
}

#[test]
fn a_burst_of_right_passwords_locks_nothing() {
    // Attempts are counted before they are checked; more in flight than the
    // threshold are refused for a second, but must not lock the account
    // (or the address) for lockout_secs.
    let f = Fixture::new(
        "[auth]\nlockout_threshold = 2\naddress_lockout_threshold = 4\nlockout_secs = 600\n",
    );
    let home = f.user("alice", ALICE_PW);
    let burst: Vec<_> = (0..16)
        .map(|_| {
            client_pw(&home, ALICE_PW)
                .args(["login", "alice"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut refused = 0;
    for c in burst {
        let out = c.wait_with_output().unwrap();
        if !out.status.success() {
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{err}");
            assert!(err.contains("try again in 1 s"), "{err}");
            refused += 1;
        }
    }
    eprintln!("{refused} of 16 simultaneous logins were asked to retry");
    assert!(f.accounts()[0]["throttled_until"].is_null());
    let start = Instant::now();
    loop {
        let out = right_login(&home);
        if out.status.success() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "still refused: {}",
            stderr(&out)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn right_login(home: &std::path::Path) -> Output {
    run(client_pw(home, ALICE_PW).args(["login", "alice"]))
}

#[test]
fn a_client_certificate_from_another_ca_is_refused() {
    // B's CA has the same name as A's: only the keys tell them apart.
    let a = Fixture::new("");
    let b = Fixture::new("");
    let on_b = b.user("alice", ALICE_PW);
    a.user("alice", ALICE_PW);

    // Point the B client at A (trusting A's CA, so that the server is
    // accepted) and present B's certificate: A refuses it in the handshake.
    let pdir = profile_dir(&on_b);
    let a_root = std::fs::read_to_string(a.srv.ca_pem()).unwrap();
    let a_fp = json_of(
        client(&on_b)
            .args(["cert", "show", "--json"])
            .arg(a.srv.ca_pem()),
    )["fingerprint_sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let profile = std::fs::read_to_string(pdir.join("profile.toml")).unwrap();
    let profile = server::toml_lite::set(&profile, "url", &format!("\"{}\"", a.srv.url));
    let profile = server::toml_lite::set(&profile, "ca_fingerprint", &format!("\"{a_fp}\""));
    std::fs::write(pdir.join("profile.toml"), profile).unwrap();
    std::fs::write(pdir.join("ca.pem"), a_root).unwrap();
    let err = fails(client(&on_b).args(["login", "--cert"]), 1);
    assert!(err.contains("the server refused the certificate"), "{err}");
    assert!(!pdir.join("session.toml").exists());
    // The password of A's alice still works from there: only the
    // certificate was refused.
    ok(client_pw(&on_b, ALICE_PW).args(["login", "alice"]));

    // Raw, with curl: no answer at all, let alone a token.
    if !have_curl() {
        return;
    }
    let (key, cert) = export_identity(&b, &on_b, "alice");
    let out = a
        .srv
        .curl()
        .arg("--cert")
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .args(["-X", "POST"])
        .arg(format!("{}/api/v1/login/cert", a.srv.url))
        .output()
        .unwrap();
    let (status, body) = server::curl_result(out.clone());
    assert!(!out.status.success(), "curl succeeded: {body}");
    assert_eq!(status, 0, "no HTTP answer: {body}");
    assert!(!body.contains("token"), "{body}");
    assert!(a.srv.metric("scs_tls_handshake_failures_total") >= 1.0);
}

#[test]
fn a_client_pinned_to_another_ca_refuses_the_server() {
    let mut a = Fixture::new("");
    let mut b = Fixture::new("");
    let home = a.user("alice", ALICE_PW);
    let err_untrusted = "error: the server's certificate is not trusted";

    // Given the wrong CA, connect refuses and pins nothing.
    let fresh = b.home("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    let err = fails(
        client(&fresh)
            .args(["connect", &b.srv.url, "--ca"])
            .arg(a.srv.ca_pem()),
        1,
    );
    assert!(err.contains(err_untrusted), "{err}");
    assert!(
        err.contains("hint: the server is not the one whose CA you pinned"),
        "{err}"
    );
    assert!(!fresh.join("profiles").join("current").exists());
    // The same with a CA of another name (the issuer is not even found).
    let c_dir = b.tmp.path().join("server-c");
    server::init_named(&c_dir, "Another CA", "");
    let c = Server::start(&c_dir);
    let err = fails(
        client(&fresh)
            .args(["connect", &c.url, "--ca"])
            .arg(a.srv.ca_pem()),
        1,
    );
    assert!(err.contains(err_untrusted), "{err}");
    assert!(err.contains("not issued by the pinned CA"), "{err}");
    drop(c);

    // A man in the middle takes over A's address with another server (its
    // CA even has the same name). The pinned client refuses it before
    // sending anything.
    let listen = a.srv.addr();
    a.srv.kill();
    b.srv.kill();
    let mitm = Server::start_at(&b.srv.dir, &listen);
    assert_eq!(mitm.url, a.srv.url);
    let err = fails(client_pw(&home, ALICE_PW).args(["login", "alice"]), 1);
    assert!(err.contains(err_untrusted), "{err}");
    let err = fails(client(&home).args(["login", "--cert"]), 1);
    assert!(err.contains(err_untrusted), "{err}");
    // Re-pinning on first use is refused too: the CA differs from the pin.
    let out = run(client(&home).args(["connect", &a.srv.url, "--yes"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("possible man in the middle"), "{err}");
    assert!(
        err.contains("hint: if the server's CA really changed"),
        "{err}"
    );
    let err = fails(
        client(&home)
            .args(["connect", &a.srv.url, "--ca"])
            .arg(b.srv.ca_pem()),
        1,
    );
    assert!(err.contains("possible man in the middle"), "{err}");
    // Nothing of alice's reached the impostor.
    let audit = ok(Command::new(env!("CARGO_BIN_EXE_scs"))
        .args(["server", "audit", "--json", "--dir"])
        .arg(&b.srv.dir));
    let audit: Vec<serde_json::Value> = serde_json::from_slice(&audit).unwrap();
    assert!(
        audit
            .iter()
            .all(|r| r["event"].as_str().is_some_and(|e| !e.starts_with("login"))),
        "{audit:?}"
    );
}

#[test]
fn a_revoked_certificate_cannot_log_in() {
    let f = Fixture::new("[tls]\ncrl_reload_secs = 1\n");
    let home = f.user("alice", ALICE_PW);
    ok(client(&home).args(["login", "--cert"]));
    ok(client(&home).arg("whoami"));
    let accounts = f.accounts();
    let serial = accounts[0]["certificate_serial"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = f.admin(&["revoke-cert", "alice"]);
    assert!(
        out.contains(&format!("revoked certificate {serial} of alice")),
        "{out}"
    );
    assert_eq!(f.accounts()[0]["certificate_revoked"], true);
    // The session opened with it has ended.
    let err = fails(client(&home).arg("whoami"), 1);
    assert!(err.contains(NO_SESSION), "{err}");
    // Refused at once (by the database, or by the handshake once the new
    // CRL is loaded).
    let err = fails(client(&home).args(["login", "--cert"]), 1);
    assert!(
        err.contains("does not log in to any account")
            || err.contains("the server refused the certificate"),
        "{err}"
    );
    // Within crl_reload_secs the handshake itself refuses it.
    let start = Instant::now();
    loop {
        let err = fails(client(&home).args(["login", "--cert"]), 1);
        if err.contains("the server refused the certificate") {
            assert!(err.contains("hint: it may have been revoked"), "{err}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "CRL never reloaded: {err}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The directory says so; the password still opens the account.
    ok(client_pw(&home, ALICE_PW).args(["login", "alice"]));
    let shown = String::from_utf8(ok(client(&home).args(["user", "show", "alice"]))).unwrap();
    assert!(
        shown.contains(&format!("serial {serial} (REVOKED)")),
        "{shown}"
    );
    // Revoking twice is an error, not a second CRL entry.
    let out = run(Command::new(env!("CARGO_BIN_EXE_scs"))
        .args(["server", "user", "revoke-cert", "alice", "--dir"])
        .arg(&f.srv.dir)
        .env("SCS_PASSPHRASE", server::CA_PASS));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already revoked"));
}

#[test]
fn tokens_of_others_forged_and_after_logout_are_refused() {
    let f = Fixture::new("");
    let alice = f.logged_in("alice", ALICE_PW);
    let bob = f.logged_in("bob", "bob's password!");
    let other = Fixture::new("");
    let alice_elsewhere = other.logged_in("alice", ALICE_PW);

    let alice_token = session_token(&alice);
    let bob_token = session_token(&bob);
    let session_file = profile_dir(&alice).join("session.toml");
    let with_token = |token: &str| {
        std::fs::write(
            &session_file,
            format!("username = \"alice\"\ntoken = \"{token}\"\nexpires_at = 9999999999\n"),
        )
        .unwrap();
    };

    // The server, not the session file, says whose session it is: bob's
    // token in alice's file is bob.
    with_token(&bob_token);
    let me: serde_json::Value =
        serde_json::from_slice(&ok(client(&alice).args(["whoami", "--json"]))).unwrap();
    assert_eq!(me["username"], "bob");
    // A token alice got from another server means nothing here.
    with_token(&session_token(&alice_elsewhere));
    let err = fails(client(&alice).arg("whoami"), 1);
    assert!(err.contains(NO_SESSION), "{err}");
    // Nor does her own token with one character changed.
    let mut forged = alice_token.clone().into_bytes();
    forged[10] = if forged[10] == b'A' { b'B' } else { b'A' };
    with_token(std::str::from_utf8(&forged).unwrap());
    let err = fails(client(&alice).arg("whoami"), 1);
    assert!(err.contains(NO_SESSION), "{err}");
    with_token(&alice_token);
    ok(client(&alice).arg("whoami"));

    if have_curl() {
        let (status, body) = f.srv.call("GET", "/api/v1/me", Some(&bob_token), None);
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(r#""username":"bob""#), "{body}");
        // bob's session cannot change alice's password.
        let change = format!(r#"{{"old_password":"{ALICE_PW}","new_password":"chosen by bob!"}}"#);
        let (status, body) = f.srv.call(
            "POST",
            "/api/v1/me/password",
            Some(&bob_token),
            Some(&change),
        );
        assert_eq!(status, 401, "{body}");
        // No token, a token in the URL, or another scheme: refused.
        let (status, _) = f.srv.call("GET", "/api/v1/me", None, None);
        assert_eq!(status, 401);
        let (status, _) = f.srv.call(
            "GET",
            &format!("/api/v1/me?token={alice_token}"),
            None,
            None,
        );
        assert_eq!(status, 401);
        let out = f
            .srv
            .curl()
            .arg("-H")
            .arg(format!("Authorization: Basic {alice_token}"))
            .arg(format!("{}/api/v1/me", f.srv.url))
            .output()
            .unwrap();
        assert_eq!(server::curl_result(out).0, 401);
    }
    ok(client_pw(&alice, ALICE_PW).args(["login", "alice"]));

    // After logout the token is dead on the server, not just forgotten.
    let token = session_token(&alice);
    ok(client(&alice).arg("logout"));
    with_token(&token);
    let err = fails(client(&alice).arg("whoami"), 1);
    assert!(err.contains(NO_SESSION), "{err}");
    if have_curl() {
        let (status, body) = f.srv.call("GET", "/api/v1/me", Some(&token), None);
        assert_eq!(status, 401, "{body}");
        assert!(body.contains(r#""code":"unauthorized""#), "{body}");
        // bob is unaffected.
        assert_eq!(
            f.srv.call("GET", "/api/v1/me", Some(&bob_token), None).0,
            200
        );
    }
}

#[test]
fn oversized_bodies_are_refused() {
    let f = Fixture::new("[limits]\nmax_body_bytes = 4096\n");
    let home = f.user("alice", ALICE_PW);
    // A password that fits the limit but not the rules: 400, exit 2.
    let err = fails(
        client_pw(&home, &"p".repeat(2000)).args(["login", "alice"]),
        2,
    );
    assert!(err.contains("at most 1024 bytes"), "{err}");
    // A password that makes the body too large: 413, exit 2.
    let err = fails(
        client_pw(&home, &"p".repeat(8000)).args(["login", "alice"]),
        2,
    );
    assert!(err.contains("larger than the server accepts"), "{err}");

    if !have_curl() {
        return;
    }
    // 20 kB: over the limit, yet small enough that curl has sent it all
    // (within the HTTP/2 window and the socket buffers) when the server
    // answers early, so that curl reads the answer.
    let big = format!(
        r#"{{"username":"alice","password":"{}"}}"#,
        "x".repeat(20_000)
    );
    let (status, body) = f.srv.call("POST", "/api/v1/login", None, Some(&big));
    assert_eq!(status, 413, "{body}");
    assert!(body.contains(r#""code":"too_large""#), "{body}");
    let (status, _) = f.srv.call("POST", "/api/v1/register", None, Some(&big));
    assert_eq!(status, 413);
    // Without a Content-Length (chunked), the limit holds while reading.
    let out = server::pipe(
        f.srv
            .curl()
            .args(["-X", "POST", "-H", "Content-Type: application/json"])
            .args(["-H", "Transfer-Encoding: chunked", "--data-binary", "@-"])
            .arg(format!("{}/api/v1/login", f.srv.url)),
        big.as_bytes(),
    );
    assert_eq!(server::curl_result(out).0, 413);
    // Just under the limit is an ordinary request.
    let fits = format!(
        r#"{{"username":"alice","password":"{ALICE_PW}","pad":"{}"}}"#,
        "x".repeat(3000)
    );
    let (status, body) = f.srv.call("POST", "/api/v1/login", None, Some(&fits));
    assert_eq!(status, 200, "{body}");
    assert_eq!(f.srv.call("GET", "/healthz", None, None).0, 200);
    ok(client_pw(&home, ALICE_PW).args(["login", "alice"]));
}

/// Names that must never reach a file system path, an SQL statement or a
/// terminal unescaped.
fn hostile_names() -> Vec<String> {
    vec![
        "../../etc/passwd".into(),
        "a/b".into(),
        "..".into(),
        "a\\b".into(),
        "ali\nce".into(),
        "ali\rce".into(),
        "bob\u{1b}[31mred".into(),
        "tab\there".into(),
        "alice'; DROP TABLE users; --".into(),
        "\" OR 1=1 --".into(),
        "x%00y".into(),
        "Alice".into(),
        "al ice".into(),
        "ab".into(),
        "äöü".into(),
        "a".repeat(33),
        "a".repeat(10_000),
    ]
}

#[test]
fn hostile_usernames_are_refused_cleanly() {
    let f = Fixture::new("");
    let home = f.logged_in("alice", ALICE_PW);
    for name in hostile_names() {
        let shown: String = name.chars().take(40).collect();
        for args in [
            vec!["register", name.as_str()],
            vec!["login", name.as_str()],
            vec!["user", "show", name.as_str()],
        ] {
            let err = fails(client_pw(&home, ALICE_PW).args(&args), 2);
            assert!(err.contains("username"), "{shown:?} {args:?}: {err}");
            assert!(
                !err.contains('\u{1b}') && err.len() < 400,
                "the name is not echoed raw: {err:?}"
            );
        }
    }
    // Nothing was created in the client home for them.
    let keys = String::from_utf8(ok(client(&home).args(["key", "list"]))).unwrap();
    assert_eq!(
        keys.lines().filter(|l| l.contains("alice.")).count(),
        1,
        "{keys}"
    );

    if have_curl() {
        let token = session_token(&home);
        for name in hostile_names() {
            let esc = serde_json::to_string(&name).unwrap();
            let (status, body) = f.srv.call(
                "POST",
                "/api/v1/login",
                None,
                Some(&format!(
                    r#"{{"username":{esc},"password":"whatever password"}}"#
                )),
            );
            assert_eq!(status, 400, "login {name:?}: {body}");
            assert!(body.contains(r#""code":"bad_request""#), "{body}");
            let (status, body) = f.srv.call(
                "POST",
                "/api/v1/register",
                None,
                Some(&format!(
                    r#"{{"username":{esc},"password":"whatever password","csr_pem":"x"}}"#
                )),
            );
            assert_eq!(status, 400, "register {name:?}: {body}");
            let path = format!("/api/v1/users/{}", percent_encode(&name));
            let (status, body) = f.srv.call("GET", &path, Some(&token), None);
            assert_eq!(status, 400, "GET {path}: {body}");
        }
        // A NUL inside the JSON string, which no command line can carry.
        let (status, _) = f.srv.call(
            "POST",
            "/api/v1/login",
            None,
            Some(r#"{"username":"ali\u0000ce","password":"whatever password"}"#),
        );
        assert_eq!(status, 400);
    }
    // The server is unharmed: the same accounts, and it serves.
    let accounts = f.accounts();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    ok(client(&home).arg("whoami"));
    ok(client(&home).arg("users"));
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn json_of(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_slice(&ok(cmd)).unwrap()
}

/// The user's key (unencrypted PKCS#1) and certificate as files.
fn export_identity(
    f: &Fixture,
    home: &std::path::Path,
    name: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let key_name = std::fs::read_dir(home.join("keys"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with(&format!("{name}.")))
        .unwrap();
    let key = f.tmp.path().join(format!("{name}.key.pem"));
    ok(client(home)
        .args(["key", "export", &key_name, "--private", "--pkcs1", "-o"])
        .arg(&key));
    (key, home.join("keys").join(&key_name).join("cert.pem"))
}

//! The server speaks plain TLS 1.3 and HTTPS: OpenSSL's `s_client` and
//! `curl` use it with a user's certificate and the suite CA, and cannot
//! use it with TLS 1.2.

mod common;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{ok, openssl};
use server::{Fixture, client, have_curl, pipe};

const PW: &str = "alice's long password";

/// A server with alice registered, her key exported unencrypted (PKCS#1)
/// and her certificate, as OpenSSL and curl want them.
struct Alice {
    f: Fixture,
    key: PathBuf,
    cert: PathBuf,
}

fn alice() -> Alice {
    let f = Fixture::new("");
    let home = f.user("alice", PW);
    let key_name = std::fs::read_dir(home.join("keys"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("alice."))
        .unwrap();
    let key = f.tmp.path().join("alice.key.pem");
    ok(client(&home)
        .args(["key", "export", &key_name, "--private", "--pkcs1", "-o"])
        .arg(&key));
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(
        text.starts_with("-----BEGIN RSA PRIVATE KEY-----"),
        "PKCS#1"
    );
    let cert = home.join("keys").join(&key_name).join("cert.pem");
    assert!(cert.is_file());
    Alice { f, key, cert }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `openssl s_client` to the server, sending `request` once connected.
fn s_client(a: &Alice, extra: &[&str], request: &str) -> Output {
    let mut c = Command::new("openssl");
    c.args(["s_client", "-connect", &a.f.srv.addr(), "-CAfile"])
        .arg(a.f.srv.ca_pem())
        .args([
            "-verify_return_error",
            "-verify_ip",
            "127.0.0.1",
            "-ign_eof",
        ])
        .args(extra);
    pipe(&mut c, request.as_bytes())
}

fn http(method: &str, path: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

#[test]
fn openssl_s_client_tls13_with_a_users_certificate() {
    if openssl().is_none() {
        return;
    }
    let a = alice();
    let cert = a.cert.to_str().unwrap();
    let key = a.key.to_str().unwrap();

    let out = s_client(
        &a,
        &["-tls1_3", "-cert", cert, "-key", key],
        &http("GET", "/healthz"),
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("Protocol  : TLSv1.3"), "{t}");
    assert!(t.contains("Verify return code: 0 (ok)"), "{t}");
    assert!(t.contains("HTTP/1.1 200 OK"), "{t}");
    assert!(t.contains(r#""status":"ok""#), "{t}");

    // The certificate logs alice in over OpenSSL's mutual TLS.
    let out = s_client(
        &a,
        &["-tls1_3", "-cert", cert, "-key", key],
        &http("POST", "/api/v1/login/cert"),
    );
    let t = text(&out);
    assert!(t.contains("HTTP/1.1 200 OK"), "{t}");
    assert!(t.contains(r#""username":"alice""#), "{t}");
    assert!(t.contains(r#""token":""#), "{t}");

    // Without a certificate the same call is refused (401), not crashed.
    let out = s_client(&a, &["-tls1_3"], &http("POST", "/api/v1/login/cert"));
    let t = text(&out);
    assert!(t.contains("HTTP/1.1 401"), "{t}");

    // The chain verifies with OpenSSL as well.
    let chain = a.f.tmp.path().join("chain.pem");
    if have_curl() {
        let (status, pem) = a.f.srv.call("GET", "/api/v1/ca", None, None);
        assert_eq!(status, 200);
        std::fs::write(&chain, pem).unwrap();
        let out = Command::new("openssl")
            .args(["verify", "-purpose", "sslclient", "-CAfile"])
            .arg(a.f.srv.ca_pem())
            .arg("-untrusted")
            .arg(&chain)
            .arg(&a.cert)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
}

#[test]
fn tls_1_2_is_refused() {
    let a = alice();
    if openssl().is_some() {
        let out = s_client(&a, &["-tls1_2"], &http("GET", "/healthz"));
        let t = text(&out);
        assert!(!out.status.success(), "{t}");
        assert!(t.contains("alert protocol version"), "{t}");
        assert!(!t.contains("HTTP/1.1"), "{t}");
        // With its certificate too.
        let out = s_client(
            &a,
            &[
                "-tls1_2",
                "-cert",
                a.cert.to_str().unwrap(),
                "-key",
                a.key.to_str().unwrap(),
            ],
            &http("POST", "/api/v1/login/cert"),
        );
        assert!(!out.status.success());
        assert!(!text(&out).contains("token"));
    }
    if have_curl() {
        let out =
            a.f.srv
                .curl()
                .args(["--tlsv1.2", "--tls-max", "1.2"])
                .arg(format!("{}/healthz", a.f.srv.url))
                .output()
                .unwrap();
        assert_eq!(
            out.status.code(),
            Some(35),
            "handshake failure: {}",
            text(&out)
        );
        // TLS 1.3 from the same curl works.
        let out =
            a.f.srv
                .curl()
                .args(["--tlsv1.3"])
                .arg(format!("{}/healthz", a.f.srv.url))
                .output()
                .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        assert!(a.f.srv.metric("scs_tls_handshake_failures_total") >= 1.0);
    }
}

#[test]
fn curl_with_the_users_certificate() {
    if !have_curl() {
        return;
    }
    let a = alice();
    let srv = &a.f.srv;
    let mtls = || {
        let mut c = srv.curl();
        c.arg("--cert").arg(&a.cert).arg("--key").arg(&a.key);
        c
    };

    // /healthz, over HTTP/2 and HTTP/1.1, by IP and by name.
    for (flag, version) in [("--http2", "2"), ("--http1.1", "1.1")] {
        let out = mtls()
            .args([flag, "-o", "/dev/null", "-w", "%{http_version}"])
            .arg(format!("{}/healthz", srv.url))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with(version));
    }
    let by_name = srv.url.replace("127.0.0.1", "localhost");
    let (status, body) =
        server::curl_result(mtls().arg(format!("{by_name}/healthz")).output().unwrap());
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""status":"ok""#), "{body}");

    // Certificate login, then whoami with the token.
    let (status, body) = server::curl_result(
        mtls()
            .args(["-X", "POST"])
            .arg(format!("{}/api/v1/login/cert", srv.url))
            .output()
            .unwrap(),
    );
    assert_eq!(status, 200, "{body}");
    let session: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(session["username"], "alice");
    let token = session["token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    let (status, body) = srv.call("GET", "/api/v1/me", Some(token), None);
    assert_eq!(status, 200, "{body}");
    let me: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["auth_method"], "certificate");
    // The directory, with the same token.
    let (status, body) = srv.call("GET", "/api/v1/users/alice", Some(token), None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("BEGIN CERTIFICATE"), "{body}");
    // Password login works from curl just the same.
    let (status, body) = srv.call(
        "POST",
        "/api/v1/login",
        None,
        Some(&format!(r#"{{"username":"alice","password":"{PW}"}}"#)),
    );
    assert_eq!(status, 200, "{body}");

    // curl with the system's roots does not trust the suite CA.
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "30"])
        .arg(format!("{}/healthz", srv.url))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(60), "{}", text(&out));
}

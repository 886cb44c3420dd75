//! `scs ca` and `scs cert` as a user runs them, with `openssl` checking.

mod common;
use common::*;

const CA_PW: &str = "ca passphrase";

fn ca_env() -> Env {
    let env = Env::new();
    ok(env
        .scs_pw(CA_PW)
        .args(["ca", "init", "--name", "Test Root", "--intermediate"]));
    env
}

fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn issue_verify_revoke_with_openssl_agreeing() {
    let Some(_) = openssl() else { return };
    let env = ca_env();
    let d = env.dir.path();
    ok(env.scs().args(["ca", "export", "-o", "chain.pem"]));
    std::fs::copy(env.home().join("ca/root.crt"), env.path("root.pem")).unwrap();
    std::fs::copy(
        env.home().join("ca/intermediate.crt"),
        env.path("inter.pem"),
    )
    .unwrap();

    // A CSR made by openssl, signed by scs.
    ossl_ok(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "srv.key",
        ],
        d,
    );
    ossl_ok(
        &[
            "req",
            "-new",
            "-key",
            "srv.key",
            "-subj",
            "/CN=srv.test",
            "-addext",
            "subjectAltName=DNS:srv.test",
            "-out",
            "srv.csr",
        ],
        d,
    );
    ok(env.scs_pw(CA_PW).args([
        "cert",
        "sign",
        "srv.csr",
        "--profile",
        "server",
        "-o",
        "srv.pem",
    ]));
    ossl_ok(
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "inter.pem",
            "-purpose",
            "sslserver",
            "-verify_hostname",
            "srv.test",
            "srv.pem",
        ],
        d,
    );
    ok(env.scs().args([
        "cert",
        "verify",
        "srv.pem",
        "--purpose",
        "server",
        "--host",
        "srv.test",
    ]));
    fails(
        env.scs()
            .args(["cert", "verify", "srv.pem", "--purpose", "client"]),
        1,
    );
    fails(
        env.scs()
            .args(["cert", "verify", "srv.pem", "--host", "other.test"]),
        1,
    );
    fails(
        env.scs()
            .args(["cert", "verify", "srv.pem", "--ca", "root.pem"]),
        1,
    ); // missing intermediate
    ok(env.scs().args([
        "cert",
        "verify",
        "srv.pem",
        "--ca",
        "root.pem",
        "--untrusted",
        "inter.pem",
    ]));
    fails(
        env.scs()
            .args(["cert", "verify", "srv.pem", "--at", "2099-01-01T00:00:00Z"]),
        1,
    );

    // An scs CSR, accepted by openssl req -verify.
    ok(env
        .scs_pw("kp")
        .args(["key", "gen", "--type", "ed25519", "--name", "client"]));
    ok(env.scs_pw("kp").args([
        "cert",
        "csr",
        "--key",
        "client",
        "--cn",
        "alice",
        "-o",
        "alice.csr",
    ]));
    ossl_ok(&["req", "-verify", "-noout", "-in", "alice.csr"], d);
    ok(env.scs_pw(CA_PW).args([
        "cert",
        "sign",
        "alice.csr",
        "--profile",
        "client",
        "-o",
        "alice.pem",
    ]));
    ossl_ok(
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "inter.pem",
            "-purpose",
            "sslclient",
            "alice.pem",
        ],
        d,
    );

    // Revocation: scs and openssl both refuse the revoked certificate.
    let list: serde_json::Value =
        serde_json::from_slice(&ok(env.scs().args(["cert", "list", "--json"]))).unwrap();
    let serial = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == "srv.test")
        .unwrap()["serial"]
        .as_str()
        .unwrap()
        .to_owned();
    let ossl_serial =
        String::from_utf8(ossl_ok(&["x509", "-in", "srv.pem", "-noout", "-serial"], d)).unwrap();
    assert_eq!(ossl_serial.trim(), format!("serial={serial}"));
    ok(env
        .scs_pw(CA_PW)
        .args(["cert", "revoke", &serial, "--reason", "keyCompromise"]));
    ok(env.scs_pw(CA_PW).args(["ca", "crl", "-o", "crl.pem"]));
    let err = fails(
        env.scs()
            .args(["cert", "verify", "srv.pem", "--crl", "crl.pem"]),
        1,
    );
    assert!(err.contains("revoked"), "{err}");
    ok(env
        .scs()
        .args(["cert", "verify", "alice.pem", "--crl", "crl.pem"]));
    std::fs::write(
        env.path("bundle.pem"),
        [
            std::fs::read(env.path("root.pem")).unwrap(),
            std::fs::read(env.path("inter.pem")).unwrap(),
        ]
        .concat(),
    )
    .unwrap();
    let out = ossl(
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "bundle.pem",
            "-CRLfile",
            "crl.pem",
            "srv.pem",
        ],
        d,
    );
    assert!(!out.status.success());
    let listed = String::from_utf8(ok(env.scs().args(["cert", "list"]))).unwrap();
    assert!(listed.contains("revoked"), "{listed}");
}

#[test]
fn bad_input_leaves_the_ca_unchanged() {
    let env = ca_env();
    let ca_dir = env.home().join("ca");
    env.write(
        "garbage.csr",
        b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    );
    ok(env
        .scs_pw("kp")
        .args(["key", "gen", "--type", "ed25519", "--name", "k"]));
    ok(env
        .scs_pw("kp")
        .args(["cert", "csr", "--key", "k", "--cn", "bob", "-o", "bob.csr"]));
    ok(env.scs_pw("kp").args([
        "cert",
        "csr",
        "--key",
        "k",
        "--cn",
        "bob",
        "--san",
        "ip:10.0.0.1",
        "-o",
        "ip.csr",
    ]));
    let before = snapshot(&ca_dir);

    fails(
        env.scs_pw(CA_PW)
            .args(["cert", "sign", "garbage.csr", "--profile", "user"]),
        2,
    );
    // A CSR whose signature no longer matches its content.
    let mut csr = std::fs::read_to_string(env.path("bob.csr")).unwrap();
    let pos = csr.find("MI").unwrap() + 40;
    let flipped = if &csr[pos..=pos] == "A" { "B" } else { "A" };
    csr.replace_range(pos..=pos, flipped);
    env.write("bad.csr", csr);
    let out = run(env
        .scs_pw(CA_PW)
        .args(["cert", "sign", "bad.csr", "--profile", "user"]));
    assert_ne!(out.status.code(), Some(0));
    let err = fails(
        env.scs_pw("wrong")
            .args(["cert", "sign", "bob.csr", "--profile", "user"]),
        1,
    );
    assert!(err.contains("passphrase"), "{err}");
    fails(
        env.scs_pw(CA_PW).args([
            "cert",
            "revoke",
            "0123456789ABCDEF",
            "--reason",
            "superseded",
        ]),
        2,
    );
    fails(env.scs_pw(CA_PW).args(["cert", "revoke", "not-hex"]), 2);
    // A user certificate may not name an IP address.
    fails(
        env.scs_pw(CA_PW)
            .args(["cert", "sign", "ip.csr", "--profile", "user"]),
        2,
    );
    assert_eq!(before, snapshot(&ca_dir), "the CA directory changed");

    ok(env.scs_pw(CA_PW).args([
        "cert",
        "sign",
        "bob.csr",
        "--profile",
        "user",
        "-o",
        "bob.pem",
    ]));
    assert_ne!(before, snapshot(&ca_dir));
    let show: serde_json::Value =
        serde_json::from_slice(&ok(env.scs().args(["cert", "show", "bob.pem", "--json"]))).unwrap();
    assert_eq!(show["common_name"], "bob");
    fails(env.scs().args(["cert", "show", "garbage.csr"]), 2);
}

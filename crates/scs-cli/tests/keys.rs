//! Keys, signatures and RSA-OAEP against the real `openssl`, and bad input.

mod common;
use common::*;

const PW: &str = "correct horse battery";

#[test]
fn scs_private_keys_open_with_openssl() {
    let Some(_) = openssl() else { return };
    let env = Env::new();
    for (kind, name) in [("rsa2048", "r"), ("ed25519", "e"), ("x25519", "x")] {
        ok(env
            .scs_pw(PW)
            .args(["key", "gen", "--type", kind, "--name", name]));
        let stored = env.home().join(format!("keys/{name}/private.pem"));
        let pem = std::fs::read_to_string(&stored).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let pubout = ossl_ok(
            &[
                "pkey",
                "-in",
                stored.to_str().unwrap(),
                "-passin",
                &format!("pass:{PW}"),
                "-pubout",
            ],
            env.dir.path(),
        );
        let ours = ok(env.scs().args(["key", "export", name]));
        assert_eq!(
            String::from_utf8(pubout).unwrap(),
            String::from_utf8(ours).unwrap(),
            "{kind}"
        );
        // Wrong passphrase: openssl refuses too.
        assert!(
            !ossl(
                &[
                    "pkey",
                    "-in",
                    stored.to_str().unwrap(),
                    "-passin",
                    "pass:nope",
                    "-noout"
                ],
                env.dir.path()
            )
            .status
            .success()
        );
    }
    // Exported private key (encrypted PKCS#8) and PKCS#1 open with openssl.
    ok(env
        .scs()
        .args(["key", "export", "r", "--private", "-o", "r.p8.pem"]));
    ossl_ok(
        &[
            "pkey",
            "-in",
            "r.p8.pem",
            "-passin",
            &format!("pass:{PW}"),
            "-noout",
        ],
        env.dir.path(),
    );
    ok(env.scs_pw(PW).args([
        "key",
        "export",
        "r",
        "--private",
        "--pkcs1",
        "-o",
        "r.p1.pem",
    ]));
    assert!(
        std::fs::read_to_string(env.path("r.p1.pem"))
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
    ossl_ok(
        &["rsa", "-in", "r.p1.pem", "-check", "-noout"],
        env.dir.path(),
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(env.path("r.p1.pem"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

#[test]
fn openssl_keys_import_into_scs() {
    let Some(_) = openssl() else { return };
    let env = Env::new();
    let d = env.dir.path();
    ossl_ok(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "plain.pem",
        ],
        d,
    );
    ossl_ok(
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "plain.pem",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:filepw",
            "-out",
            "enc.pem",
        ],
        d,
    );
    ossl_ok(
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "plain.pem",
            "-scrypt",
            "-passout",
            "pass:filepw",
            "-out",
            "scrypt.pem",
        ],
        d,
    );
    ossl_ok(
        &[
            "rsa",
            "-in",
            "plain.pem",
            "-traditional",
            "-out",
            "pkcs1.pem",
        ],
        d,
    );
    ossl_ok(
        &[
            "pkey",
            "-in",
            "plain.pem",
            "-outform",
            "DER",
            "-out",
            "plain.der",
        ],
        d,
    );
    ossl_ok(
        &["pkey", "-in", "plain.pem", "-pubout", "-out", "pub.pem"],
        d,
    );
    ossl_ok(
        &[
            "pkey",
            "-in",
            "plain.pem",
            "-pubout",
            "-outform",
            "DER",
            "-out",
            "pub.der",
        ],
        d,
    );
    ossl_ok(
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "plain.pem",
            "-subj",
            "/CN=test",
            "-days",
            "1",
            "-out",
            "cert.pem",
        ],
        d,
    );
    ossl_ok(&["genpkey", "-algorithm", "ED25519", "-out", "ed.pem"], d);
    let want_pub = String::from_utf8(std::fs::read(env.path("pub.pem")).unwrap()).unwrap();

    for (file, name, pass) in [
        ("plain.pem", "k1", PW),
        ("enc.pem", "k2", "filepw"),
        ("scrypt.pem", "k3", "filepw"),
        ("pkcs1.pem", "k4", PW),
        ("plain.der", "k5", PW),
        ("pub.pem", "k6", PW),
        ("pub.der", "k7", PW),
        ("cert.pem", "k8", PW),
    ] {
        ok(env
            .scs_pw(pass)
            .args(["key", "import", file, "--name", name]));
        let exported = String::from_utf8(ok(env.scs().args(["key", "export", name]))).unwrap();
        assert_eq!(exported, want_pub, "{file}");
    }
    // The imported encrypted key keeps its passphrase and now opens with openssl.
    let stored = env.home().join("keys/k2/private.pem");
    ossl_ok(
        &[
            "pkey",
            "-in",
            stored.to_str().unwrap(),
            "-passin",
            "pass:filepw",
            "-noout",
        ],
        d,
    );
    ok(env
        .scs_pw(PW)
        .args(["key", "import", "ed.pem", "--name", "ed"]));
    let show = String::from_utf8(ok(env.scs().args(["key", "show", "ed", "--json"]))).unwrap();
    let v: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(v["algorithm"], "Ed25519");
    // The fingerprint is the SHA-256 of the DER SubjectPublicKeyInfo.
    let der = ossl_ok(&["pkey", "-in", "ed.pem", "-pubout", "-outform", "DER"], d);
    assert_eq!(v["fingerprint_sha256"], scs_sha256_hex(&der));
}

fn scs_sha256_hex(data: &[u8]) -> String {
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(data)?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn signatures_interoperate_with_openssl() {
    let Some(_) = openssl() else { return };
    let env = Env::new();
    let d = env.dir.path();
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "rsa3072", "--name", "r"]));
    ok(env.scs().args(["key", "export", "r", "-o", "r.pub"]));
    env.write(
        "data",
        (0..2_000_000u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<_>>(),
    );
    let key_pem = env.home().join("keys/r/private.pem");
    let key = key_pem.to_str().unwrap();
    let pass = format!("pass:{PW}");
    let pss = [
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:32",
    ];

    // scs signs, openssl verifies.
    ok(env
        .scs_pw(PW)
        .args(["sign", "--key", "r", "-o", "pss.sig", "data"]));
    let mut a = vec!["dgst", "-sha256", "-verify", "r.pub"];
    a.extend(pss);
    a.extend(["-signature", "pss.sig", "data"]);
    assert!(
        String::from_utf8(ossl_ok(&a, d))
            .unwrap()
            .contains("Verified OK")
    );
    ok(env.scs_pw(PW).args([
        "sign", "--key", "r", "--scheme", "pkcs1", "-o", "p1.sig", "data",
    ]));
    ossl_ok(
        &[
            "dgst",
            "-sha256",
            "-verify",
            "r.pub",
            "-signature",
            "p1.sig",
            "data",
        ],
        d,
    );

    // openssl signs, scs verifies (raw and base64 signature files).
    let mut a = vec!["dgst", "-sha256", "-sign", key, "-passin", &pass];
    a.extend(pss);
    a.extend(["-out", "o-pss.sig", "data"]);
    ossl_ok(&a, d);
    ok(env.scs().args([
        "verify",
        "--key",
        "r.pub",
        "--signature",
        "o-pss.sig",
        "data",
    ]));
    ossl_ok(
        &[
            "dgst", "-sha256", "-sign", key, "-passin", &pass, "-out", "o-p1.sig", "data",
        ],
        d,
    );
    ok(env.scs().args([
        "verify",
        "--key",
        "r",
        "--scheme",
        "pkcs1",
        "--signature",
        "o-p1.sig",
        "data",
    ]));
    ok(env
        .scs_pw(PW)
        .args(["sign", "--key", "r", "-a", "-o", "b64.sig", "data"]));
    ok(env
        .scs()
        .args(["verify", "--key", "r", "--signature", "b64.sig", "data"]));
    // Wrong scheme, and the signature of another file: exit 1.
    fails(
        env.scs().args([
            "verify",
            "--key",
            "r",
            "--scheme",
            "pkcs1",
            "--signature",
            "pss.sig",
            "data",
        ]),
        1,
    );
    env.write("other", b"other file");
    fails(
        env.scs()
            .args(["verify", "--key", "r", "--signature", "pss.sig", "other"]),
        1,
    );

    // Ed25519 both ways (openssl signs raw input with pkeyutl -rawin).
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "ed25519", "--name", "e"]));
    ok(env.scs().args(["key", "export", "e", "-o", "e.pub"]));
    ok(env
        .scs_pw(PW)
        .args(["sign", "--key", "e", "-o", "ed.sig", "data"]));
    ossl_ok(
        &[
            "pkeyutl", "-verify", "-pubin", "-inkey", "e.pub", "-rawin", "-in", "data", "-sigfile",
            "ed.sig",
        ],
        d,
    );
    let ekey = env.home().join("keys/e/private.pem");
    ossl_ok(
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            ekey.to_str().unwrap(),
            "-passin",
            &pass,
            "-rawin",
            "-in",
            "data",
            "-out",
            "o-ed.sig",
        ],
        d,
    );
    ok(env.scs().args([
        "verify",
        "--key",
        "e.pub",
        "--signature",
        "o-ed.sig",
        "data",
    ]));
}

#[test]
fn oaep_interoperates_with_openssl() {
    let Some(_) = openssl() else { return };
    let env = Env::new();
    let d = env.dir.path();
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "rsa2048", "--name", "r"]));
    ok(env.scs().args(["key", "export", "r", "-o", "r.pub"]));
    let key = env.home().join("keys/r/private.pem");
    let pass = format!("pass:{PW}");
    let opts = [
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        "rsa_oaep_md:sha256",
        "-pkeyopt",
        "rsa_mgf1_md:sha256",
    ];
    env.write("msg", b"a short secret message");
    ok(env
        .scs()
        .args(["pkey", "encrypt", "--key", "r", "-o", "ct", "msg"]));
    let mut a = vec![
        "pkeyutl",
        "-decrypt",
        "-inkey",
        key.to_str().unwrap(),
        "-passin",
        &pass,
        "-in",
        "ct",
    ];
    a.extend(opts);
    assert_eq!(ossl_ok(&a, d), b"a short secret message");

    let mut a = vec![
        "pkeyutl", "-encrypt", "-pubin", "-inkey", "r.pub", "-in", "msg", "-out", "oct",
    ];
    a.extend(opts);
    ossl_ok(&a, d);
    let out = ok(env
        .scs_pw(PW)
        .args(["pkey", "decrypt", "--key", "r", "oct"]));
    assert_eq!(out, b"a short secret message");

    // Too long for the key: a clear error naming the limit.
    env.write("long", vec![b'x'; 191]);
    let err = fails(env.scs().args(["pkey", "encrypt", "--key", "r", "long"]), 2);
    assert!(err.contains("at most 190 for a 2048-bit key"), "{err}");
    // Tampered ciphertext: exit 1.
    let mut ct = std::fs::read(env.path("ct")).unwrap();
    ct[10] ^= 1;
    env.write("bad", ct);
    fails(
        env.scs_pw(PW)
            .args(["pkey", "decrypt", "--key", "r", "bad"]),
        1,
    );
}

#[test]
fn bad_input_is_one_error_line_and_overwrites_nothing() {
    let env = Env::new();
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "ed25519", "--name", "e"]));
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "x25519", "--name", "x"]));
    env.write("data", b"payload");

    // Wrong passphrase: exit 1, and the existing output file is untouched.
    env.write("out.sig", b"keep me");
    let err = fails(
        env.scs_pw("wrong")
            .args(["sign", "--key", "e", "-o", "new.sig", "data"]),
        1,
    );
    assert!(err.contains("wrong passphrase"), "{err}");
    assert!(!env.path("new.sig").exists());
    fails(
        env.scs_pw(PW)
            .args(["sign", "--key", "e", "-o", "out.sig", "data"]),
        2,
    );
    assert_eq!(std::fs::read(env.path("out.sig")).unwrap(), b"keep me");
    ok(env
        .scs_pw(PW)
        .args(["sign", "--key", "e", "-o", "out.sig", "--force", "data"]));
    assert_ne!(std::fs::read(env.path("out.sig")).unwrap(), b"keep me");

    // No partial files left behind by failures.
    let leftovers: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".scs-partial"))
        .collect();
    assert!(leftovers.is_empty());

    // A key of the wrong type.
    let err = fails(
        env.scs_pw(PW)
            .args(["sign", "--key", "x", "-o", "x.sig", "data"]),
        2,
    );
    assert!(err.contains("X25519"), "{err}");
    fails(env.scs().args(["pkey", "encrypt", "--key", "e", "data"]), 2);

    // A corrupted PEM: import refuses, the keystore is unchanged.
    env.write("broken.pem", "-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEA\n-----END PRIVATE KEY-----\n");
    fails(
        env.scs_pw(PW)
            .args(["key", "import", "broken.pem", "--name", "b"]),
        2,
    );
    assert!(!env.home().join("keys/b").exists());
    env.write("junk.pem", b"not a key at all");
    fails(
        env.scs_pw(PW)
            .args(["key", "import", "junk.pem", "--name", "b"]),
        2,
    );

    // Missing input and unknown key.
    fails(
        env.scs_pw(PW)
            .args(["sign", "--key", "e", "-o", "s", "missing-file"]),
        2,
    );
    let err = fails(
        env.scs().args([
            "verify",
            "--key",
            "nobody",
            "--signature",
            "out.sig",
            "data",
        ]),
        2,
    );
    assert!(err.contains("no key named 'nobody'"), "{err}");

    // No passphrase source and no terminal: a clear error, not a hang.
    let out = run(env
        .scs()
        .args(["sign", "--key", "e", "-o", "t.sig", "data"])
        .stdin(std::process::Stdio::null()));
    assert_eq!(out.status.code(), Some(2));

    // Passphrase from a file: first line only.
    env.write("pwfile", format!("{PW}\nignored second line\n"));
    ok(env.scs().args([
        "--passphrase-file",
        "pwfile",
        "sign",
        "--key",
        "e",
        "-o",
        "f.sig",
        "data",
    ]));
}

#[test]
fn passwd_and_delete() {
    let env = Env::new();
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "ed25519", "--name", "e"]));
    ok(env
        .scs_pw(PW)
        .env("SCS_NEW_PASSPHRASE", "new pass")
        .args(["key", "passwd", "e"]));
    fails(
        env.scs_pw(PW).args(["sign", "--key", "e", "-o", "s", "-"]),
        1,
    );
    env.write("d", b"x");
    ok(env
        .scs_pw("new pass")
        .args(["sign", "--key", "e", "-o", "s", "d"]));
    fails(
        env.scs()
            .args(["key", "delete", "e"])
            .stdin(std::process::Stdio::null()),
        2,
    );
    ok(env.scs().args(["key", "delete", "e", "--yes"]));
    fails(env.scs().args(["key", "show", "e"]), 2);
}

#[test]
fn special_files_are_written_in_place_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let env = Env::new();
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "ed25519", "--name", "e"]));
    env.write("data", b"payload");
    let fifo = env.path("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    ok(env
        .scs_pw(PW)
        .args(["sign", "--key", "e", "-o", "pipe", "data"]));
    assert_eq!(reader.join().unwrap().len(), 64);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

//! `scs encrypt` / `scs decrypt` as a user runs them.

mod common;
use common::*;

const PW: &str = "key passphrase";
const CHUNK: usize = 1 << 20;

fn keys(env: &Env) {
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "rsa2048", "--name", "rsa"]));
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "x25519", "--name", "x"]));
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "ed25519", "--name", "signer"]));
}

fn data(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn no_partial_files(env: &Env) {
    let left: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".scs-partial"))
        .collect();
    assert!(left.is_empty(), "partial files left: {left:?}");
}

#[test]
fn round_trips_for_every_way_to_seal() {
    let env = Env::new();
    keys(&env);
    for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7] {
        let plain = env.write("plain", data(len));
        for (label, args) in [
            ("rsa", vec!["-r", "rsa"]),
            ("x25519", vec!["-r", "x"]),
            (
                "both+signed",
                vec!["-r", "rsa", "-r", "x", "--sign", "signer"],
            ),
            ("passphrase+armor", vec!["-p", "-a"]),
        ] {
            let mut a = vec!["encrypt", "-o", "sealed", "--force"];
            a.extend(args);
            a.push("plain");
            ok(env.scs_pw(PW).args(&a));
            ok(env
                .scs_pw(PW)
                .args(["decrypt", "-o", "out", "--force", "sealed"]));
            assert_eq!(
                std::fs::read(env.path("out")).unwrap(),
                std::fs::read(&plain).unwrap(),
                "{label} {len}"
            );
        }
    }
    // Streams: stdin to stdout both ways.
    let sealed = {
        let mut c = env.scs();
        c.args(["encrypt", "-r", "rsa"])
            .stdin(std::fs::File::open(env.write("s", data(5000))).unwrap());
        ok(&mut c)
    };
    env.write("sealed-stream", &sealed);
    let mut c = env.scs_pw(PW);
    c.args(["decrypt", "-"])
        .stdin(std::fs::File::open(env.path("sealed-stream")).unwrap());
    assert_eq!(ok(&mut c), data(5000));
    no_partial_files(&env);
}

#[test]
fn tampering_truncation_and_wrong_keys_fail_and_leave_no_output() {
    let env = Env::new();
    keys(&env);
    env.write("plain", data(2 * CHUNK + 100));
    ok(env.scs_pw(PW).args([
        "encrypt", "-r", "rsa", "--sign", "signer", "-o", "sealed", "plain",
    ]));
    let sealed = std::fs::read(env.path("sealed")).unwrap();
    let header_len = 600; // inside the header for an RSA-2048 stanza and a signer
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for pos in [
        0usize,
        10,
        20,
        40,
        100,
        300,
        header_len,
        header_len + 5000,
        CHUNK + 17,
        sealed.len() - 1,
    ] {
        let mut b = sealed.clone();
        b[pos] ^= 0x20;
        cases.push((format!("flip {pos}"), b));
    }
    for cut in [sealed.len() - 1, sealed.len() - 64, CHUNK, 100, 20] {
        cases.push((format!("truncate {cut}"), sealed[..cut].to_vec()));
    }
    let mut appended = sealed.clone();
    appended.extend_from_slice(b"trailing");
    cases.push(("append".into(), appended));
    for (label, bytes) in cases {
        env.write("bad", bytes);
        let out = run(env.scs_pw(PW).args(["decrypt", "-o", "out", "bad"]));
        assert_eq!(
            out.status.code(),
            Some(1),
            "{label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !env.path("out").exists(),
            "{label}: output file left behind"
        );
    }
    no_partial_files(&env);

    // Wrong passphrase: one line naming what was tried, never the secret.
    ok(env
        .scs()
        .env("SCS_PASSPHRASE", "file pass")
        .args(["encrypt", "-p", "-o", "pw.scs", "plain"]));
    let err = fails(
        env.scs()
            .env("SCS_PASSPHRASE", "not it")
            .args(["decrypt", "-o", "out", "pw.scs"]),
        1,
    );
    assert!(
        err.contains("passphrase") && !err.contains("not it"),
        "{err}"
    );
    assert!(!env.path("out").exists());
    // No matching key: names the recipients.
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "rsa2048", "--name", "other"]));
    ok(env
        .scs()
        .args(["key", "export", "other", "-o", "other.pub"]));
    ok(env
        .scs()
        .args(["encrypt", "-r", "other.pub", "-o", "o.scs", "plain"]));
    ok(env.scs().args(["key", "delete", "other", "--yes"]));
    let err = fails(env.scs_pw(PW).args(["decrypt", "-o", "out", "o.scs"]), 1);
    assert!(err.contains("SHA256:"), "{err}");
    // The wrong sender.
    ok(env
        .scs_pw(PW)
        .args(["key", "gen", "--type", "ed25519", "--name", "mallory"]));
    fails(
        env.scs_pw(PW)
            .args(["decrypt", "--verify-from", "mallory", "-o", "out", "sealed"]),
        1,
    );
    assert!(!env.path("out").exists());
    ok(env
        .scs_pw(PW)
        .args(["decrypt", "--verify-from", "signer", "-o", "out", "sealed"]));
    // An unsigned file when a signature is required.
    ok(env
        .scs()
        .args(["encrypt", "-r", "rsa", "-o", "unsigned.scs", "plain"]));
    fails(
        env.scs_pw(PW).args([
            "decrypt",
            "--verify-from",
            "signer",
            "-o",
            "out2",
            "unsigned.scs",
        ]),
        1,
    );
    assert!(!env.path("out2").exists());
    // Not sealed data at all: it does not verify (exit 1), nothing written.
    env.write("junk", b"just some text");
    let err = fails(env.scs_pw(PW).args(["decrypt", "-o", "out3", "junk"]), 1);
    assert!(err.contains("not scs sealed data"), "{err}");
    assert!(!env.path("out3").exists());
    // Existing output is not overwritten.
    env.write("keep", b"keep");
    fails(env.scs_pw(PW).args(["decrypt", "-o", "keep", "sealed"]), 2);
    assert_eq!(std::fs::read(env.path("keep")).unwrap(), b"keep");
}

#[test]
fn unencrypted_identity_files_work() {
    let Some(_) = openssl() else { return };
    let env = Env::new();
    ossl_ok(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:3072",
            "-out",
            "id.pem",
        ],
        env.dir.path(),
    );
    ossl_ok(
        &["pkey", "-in", "id.pem", "-pubout", "-out", "id.pub"],
        env.dir.path(),
    );
    env.write("plain", data(100_000));
    ok(env
        .scs()
        .args(["encrypt", "-r", "id.pub", "-o", "s", "plain"]));
    ok(env
        .scs()
        .args(["decrypt", "-i", "id.pem", "-o", "out", "s"]));
    assert_eq!(std::fs::read(env.path("out")).unwrap(), data(100_000));
}

#[test]
fn openssl_enc_interop_both_ways() {
    let Some(_) = openssl() else { return };
    let env = Env::new();
    let d = env.dir.path();
    env.write("plain", data(300_001));
    let pass = "enc pass";
    // scs writes, openssl reads.
    let out = run(env.scs().env("SCS_PASSPHRASE", pass).args([
        "encrypt",
        "--openssl",
        "--iter",
        "10000",
        "-o",
        "s.enc",
        "plain",
    ]));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not authenticated"));
    ossl_ok(
        &[
            "enc",
            "-d",
            "-aes-256-cbc",
            "-pbkdf2",
            "-md",
            "sha256",
            "-iter",
            "10000",
            "-pass",
            &format!("pass:{pass}"),
            "-in",
            "s.enc",
            "-out",
            "o.out",
        ],
        d,
    );
    assert_eq!(std::fs::read(env.path("o.out")).unwrap(), data(300_001));
    // openssl writes (default scs iteration count), scs reads.
    ossl_ok(
        &[
            "enc",
            "-aes-256-cbc",
            "-pbkdf2",
            "-md",
            "sha256",
            "-iter",
            "600000",
            "-pass",
            &format!("pass:{pass}"),
            "-in",
            "plain",
            "-out",
            "o.enc",
        ],
        d,
    );
    ok(env.scs().env("SCS_PASSPHRASE", pass).args([
        "decrypt",
        "--openssl",
        "-o",
        "s.out",
        "o.enc",
    ]));
    assert_eq!(std::fs::read(env.path("s.out")).unwrap(), data(300_001));
    fails(
        env.scs().env("SCS_PASSPHRASE", "wrong").args([
            "decrypt",
            "--openssl",
            "-o",
            "w.out",
            "o.enc",
        ]),
        1,
    );
    assert!(!env.path("w.out").exists());
}

#[test]
fn an_interrupted_write_leaves_no_partial_file() {
    use std::io::Write;
    let env = Env::new();
    keys(&env);
    let mut child = env
        .scs()
        .args(["encrypt", "-r", "rsa", "-o", "out.scs", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Enough for a few chunks to be written, then the input stalls.
    stdin.write_all(&data(3 * CHUNK + 5)).unwrap();
    stdin.flush().unwrap();
    let partial = || {
        std::fs::read_dir(env.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().starts_with(".scs-partial"))
    };
    let start = std::time::Instant::now();
    while !partial() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "no partial file appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The partial file exists while the input is open; interrupt now.
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(130));
    assert!(!partial(), "partial file left behind");
    assert!(!env.path("out.scs").exists());
}

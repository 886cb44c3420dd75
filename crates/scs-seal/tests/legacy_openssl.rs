//! Interoperability of the legacy module with the real `openssl enc`.

mod common;

use std::path::Path;
use std::process::Command;

use common::data;
use scs_crypto::Passphrase;
use scs_seal::legacy;

const PASS: &str = "pässwörd with spaces";

fn openssl_available() -> bool {
    match Command::new("openssl").arg("version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!("skipping: the openssl command is not available");
            false
        }
    }
}

fn openssl_enc(decrypt: bool, iter: u32, pass_file: &Path, input: &Path, output: &Path) {
    let mut cmd = Command::new("openssl");
    cmd.arg("enc");
    if decrypt {
        cmd.arg("-d");
    }
    let out = cmd
        .args(["-aes-256-cbc", "-pbkdf2", "-md", "sha256", "-iter"])
        .arg(iter.to_string())
        .arg("-pass")
        .arg(format!("file:{}", pass_file.display()))
        .arg("-in")
        .arg(input)
        .arg("-out")
        .arg(output)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl enc failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn openssl_reads_what_we_write_and_we_read_what_it_writes() {
    if !openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pass_file = dir.path().join("pass");
    std::fs::write(&pass_file, format!("{PASS}\n")).unwrap();
    let pass = Passphrase::from(PASS);
    let cases = [
        (0usize, 1000u32),
        (1, 1000),
        (16, 1000),
        (1000, 1),
        ((1 << 20) + 3, 1000),
        (4097, legacy::DEFAULT_ITERATIONS),
    ];
    for (len, iter) in cases {
        let pt = data(len, len as u64 + 7);
        let plain = dir.path().join("plain");
        std::fs::write(&plain, &pt).unwrap();

        // scs writes, openssl reads.
        let ours = dir.path().join("ours.enc");
        let mut ct = Vec::new();
        let n = legacy::encrypt(&pass, iter, &pt[..], &mut ct).unwrap();
        assert_eq!(n as usize, ct.len());
        assert!(legacy::looks_like_openssl_enc(&ct));
        std::fs::write(&ours, &ct).unwrap();
        let back = dir.path().join("back");
        openssl_enc(true, iter, &pass_file, &ours, &back);
        assert!(std::fs::read(&back).unwrap() == pt, "len {len} iter {iter}");

        // openssl writes, scs reads.
        let theirs = dir.path().join("theirs.enc");
        openssl_enc(false, iter, &pass_file, &plain, &theirs);
        let ct = std::fs::read(&theirs).unwrap();
        let mut out = Vec::new();
        let n = legacy::decrypt(&pass, iter, &ct[..], &mut out).unwrap();
        assert_eq!(n as usize, len);
        assert!(out == pt, "len {len} iter {iter}");

        // The sealed-format reader points at the legacy reader.
        let e = scs_seal::Decryptor::new(&ct[..]).unwrap_err();
        assert!(e.to_string().contains("OpenSSL"), "{e}");
    }
}

#[test]
fn wrong_iteration_count_or_passphrase_is_an_error_or_garbage() {
    if !openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pass_file = dir.path().join("pass");
    std::fs::write(&pass_file, format!("{PASS}\n")).unwrap();
    let plain = dir.path().join("plain");
    let pt = data(5000, 1);
    std::fs::write(&plain, &pt).unwrap();
    let enc = dir.path().join("x.enc");
    openssl_enc(false, 1000, &pass_file, &plain, &enc);
    let ct = std::fs::read(&enc).unwrap();
    for (pass, iter) in [(PASS, 999u32), ("other", 1000)] {
        let mut out = Vec::new();
        match legacy::decrypt(&Passphrase::from(pass), iter, &ct[..], &mut out) {
            Err(e) => assert!(e.is_verification_failure(), "{e}"),
            // CBC without a MAC cannot always tell: at least it is not the plaintext.
            Ok(_) => assert_ne!(out, pt),
        }
    }
}

//! `scs hash` output is byte-identical to coreutils, and `--check` works.

mod common;
use common::*;
use std::process::Command;

fn coreutils(tool: &str, files: &[&str], cwd: &std::path::Path) -> Vec<u8> {
    let out = Command::new(tool)
        .args(files)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn identical_to_sha256sum_and_md5sum() {
    let env = Env::new();
    env.write("empty", b"");
    env.write("one", b"a");
    env.write("big", vec![0x5a; 3 * 1024 * 1024 + 17]);
    env.write("with space", b"space");
    env.write("back\\slash", b"bs");
    env.write("new\nline", b"nl");
    let files = [
        "empty",
        "one",
        "big",
        "with space",
        "back\\slash",
        "new\nline",
    ];
    for (alg, tool) in [
        ("sha256", "sha256sum"),
        ("md5", "md5sum"),
        ("sha512", "sha512sum"),
    ] {
        let mut args = vec!["hash", "-a", alg];
        args.extend(files);
        let ours = ok(env.scs().args(&args));
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&coreutils(tool, &files, env.dir.path())),
            "{alg}"
        );
    }
    // Default algorithm and standard input.
    let mut c = env.scs();
    c.arg("hash")
        .stdin(std::fs::File::open(env.path("big")).unwrap());
    let mut s = Command::new("sha256sum");
    s.stdin(std::fs::File::open(env.path("big")).unwrap());
    assert_eq!(ok(&mut c), ok(&mut s));
}

#[test]
fn other_algorithms_match_known_answers() {
    let env = Env::new();
    env.write("abc", b"abc");
    let cases = [
        (
            "sha3-256",
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
        ),
        (
            "blake3",
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
        ),
    ];
    for (alg, hex) in cases {
        let out = ok(env.scs().args(["hash", "-a", alg, "abc"]));
        assert_eq!(String::from_utf8(out).unwrap(), format!("{hex}  abc\n"));
    }
}

#[test]
fn hmac_matches_openssl() {
    let Some(_) = openssl() else { return };
    let env = Env::new();
    env.write("key", b"secret key bytes");
    env.write("data", vec![7u8; 100_000]);
    let ours = String::from_utf8(ok(env.scs().args([
        "hash",
        "--hmac-key-file",
        "key",
        "data",
    ])))
    .unwrap();
    let theirs = String::from_utf8(ossl_ok(
        &[
            "dgst",
            "-sha256",
            "-mac",
            "HMAC",
            "-macopt",
            &format!("hexkey:{}", hex::encode(b"secret key bytes")),
            "-r",
            "data",
        ],
        env.dir.path(),
    ))
    .unwrap();
    assert_eq!(
        ours.split_whitespace().next(),
        theirs.split_whitespace().next()
    );
}

#[test]
fn check_reports_each_file_and_fails_on_mismatch() {
    let env = Env::new();
    env.write("a", b"alpha");
    env.write("b", b"beta");
    let list = coreutils("sha256sum", &["a", "b"], env.dir.path());
    env.write("SUMS", &list);
    let out = ok(env.scs().args(["hash", "--check", "SUMS"]));
    assert_eq!(String::from_utf8(out).unwrap(), "a: OK\nb: OK\n");

    // md5sum lists are recognised by their digest length.
    env.write("MD5SUMS", coreutils("md5sum", &["a", "b"], env.dir.path()));
    ok(env.scs().args(["hash", "-c", "MD5SUMS"]));

    env.write("b", b"BETA");
    let out = run(env.scs().args(["hash", "--check", "SUMS"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "a: OK\nb: FAILED\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 computed checksum did NOT match"));

    std::fs::remove_file(env.path("a")).unwrap();
    let out = run(env.scs().args(["hash", "--check", "SUMS"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("a: FAILED open or read\n")
    );
}

#[test]
fn missing_file_is_one_error_line_and_exit_2() {
    let env = Env::new();
    let err = fails(env.scs().args(["hash", "does-not-exist"]), 2);
    assert!(
        err.contains("does-not-exist: no such file or directory"),
        "{err}"
    );
    std::fs::create_dir(env.path("dir")).unwrap();
    fails(env.scs().args(["hash", "dir"]), 2);
}

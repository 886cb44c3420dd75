//! What errors say: what was tried, never a secret; how they classify.

mod common;

use std::cell::Cell;
use std::io;

use common::{FAST, Kind, PASSWORD, keys, seal_kind, unlocker};
use scs_crypto::Passphrase;
use scs_crypto::keys::{KeyKind, PrivateKey};
use scs_seal::{Decryptor, Error, SealOptions, Unlocker, open, open_slice, seal_to_vec};

#[test]
fn wrong_passphrase_names_the_passphrase_and_not_its_value() {
    let sealed = seal_kind(Kind::Password, b"data");
    let wrong = "hunter2-wrong";
    let mut out = Vec::new();
    let r = open(
        &sealed[..],
        &mut Unlocker::new().passphrase(Passphrase::from(wrong)),
        &mut out,
    );
    let e = r.unwrap_err();
    assert!(matches!(e, Error::NoMatch { .. }), "{e:?}");
    assert!(e.is_verification_failure());
    let msg = e.to_string();
    assert!(msg.contains("tried a passphrase"), "{msg}");
    assert!(!msg.contains(wrong) && !msg.contains(PASSWORD), "{msg}");
    assert!(!format!("{e:?}").contains(wrong));
    assert!(out.is_empty());
}

#[test]
fn no_matching_key_names_what_was_tried_and_what_would_open_it() {
    let k = keys();
    let sealed = seal_kind(Kind::Rsa, b"data");
    let e = open_slice(&sealed, &mut Unlocker::new().keys([&k.rsa2, &k.x25519])).unwrap_err();
    assert!(e.is_verification_failure());
    let msg = e.to_string();
    assert!(
        msg.contains(&k.rsa2.public_key().fingerprint_hex()),
        "{msg}"
    );
    assert!(
        msg.contains(&k.x25519.public_key().fingerprint_hex()),
        "{msg}"
    );
    assert!(msg.contains(&k.rsa.public_key().fingerprint_hex()), "{msg}");
    assert!(
        msg.starts_with("no key or passphrase opens this file"),
        "{msg}"
    );

    let sealed = seal_kind(Kind::X25519, b"data");
    let e = open_slice(&sealed, &mut Unlocker::new().key(&k.x25519_b)).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("anonymous X25519"), "{msg}");
    assert!(
        msg.contains(&k.x25519_b.public_key().fingerprint_hex()),
        "{msg}"
    );
}

#[test]
fn passphrase_is_asked_for_only_when_needed() {
    let calls = Cell::new(0);
    let source = || {
        calls.set(calls.get() + 1);
        Ok(Passphrase::from(PASSWORD))
    };
    let sealed = seal_kind(Kind::X25519, b"data");
    let mut u = Unlocker::new()
        .key(&keys().x25519)
        .passphrase_callback(source);
    let _ = open_slice(&sealed, &mut u).unwrap();
    assert_eq!(calls.get(), 0);

    let sealed = seal_kind(Kind::Password, b"data");
    let mut u = Unlocker::new().passphrase_callback(source);
    let _ = open_slice(&sealed, &mut u).unwrap();
    assert_eq!(calls.get(), 1);

    // A failing prompt is reported as such, not as a wrong passphrase.
    let mut u = Unlocker::new()
        .passphrase_callback(|| Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled")));
    let e = open_slice(&sealed, &mut u).unwrap_err();
    assert!(matches!(e, Error::PassphraseInput(_)), "{e:?}");
    assert!(!e.is_verification_failure());
}

#[test]
fn unlock_can_be_retried_with_another_passphrase() {
    let sealed = seal_kind(Kind::Password, b"data");
    let dec = Decryptor::new(&sealed[..]).unwrap();
    let mut tries = vec!["nope", PASSWORD].into_iter();
    let mut u =
        Unlocker::new().passphrase_callback(move || Ok(Passphrase::from(tries.next().unwrap())));
    assert!(matches!(dec.unlock(&mut u), Err(Error::NoMatch { .. })));
    let unlocked = dec.unlock(&mut u).unwrap();
    let mut out = Vec::new();
    let _ = dec.open(unlocked, &mut out).unwrap();
    assert_eq!(out, b"data");
}

#[test]
fn missing_identities_are_usage_errors() {
    let sealed = seal_kind(Kind::Password, b"data");
    let e = open_slice(&sealed, &mut Unlocker::new().key(&keys().rsa)).unwrap_err();
    assert!(matches!(e, Error::PassphraseRequired), "{e:?}");
    assert!(!e.is_verification_failure());

    let sealed = seal_kind(Kind::Multi, b"data");
    let e = open_slice(&sealed, &mut Unlocker::new()).unwrap_err();
    assert!(matches!(e, Error::NoIdentity { .. }), "{e:?}");
    assert!(!e.is_verification_failure());
    assert!(
        e.to_string()
            .contains(&keys().rsa.public_key().fingerprint_hex())
    );
}

#[test]
fn an_unlocked_key_only_opens_its_own_file() {
    let a = seal_kind(Kind::X25519, b"aaa");
    let b = seal_kind(Kind::X25519, b"bbb");
    let da = Decryptor::new(&a[..]).unwrap();
    let db = Decryptor::new(&b[..]).unwrap();
    let ua = da.unlock(&mut unlocker(Kind::X25519)).unwrap();
    let mut out = Vec::new();
    let e = db.open(ua, &mut out).unwrap_err();
    assert!(matches!(e, Error::InvalidOptions(_)), "{e:?}");
    assert!(out.is_empty());
}

#[test]
fn other_formats_are_recognised() {
    let cases: [(&[u8], &str); 5] = [
        (b"age-encryption.org/v1\n-> X25519 abc\n", "age file"),
        (b"Salted__12345678abcdefabcdefabcd", "OpenSSL"),
        (
            b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n",
            "armored age",
        ),
        (b"", "empty"),
        (b"hello world, this is plain text", "not scs sealed data"),
    ];
    for (input, want) in cases {
        let e = Decryptor::new(input).unwrap_err();
        assert!(matches!(e, Error::NotSealed { .. }), "{e:?}");
        assert!(e.to_string().contains(want), "{e}");
        // Input that does not verify as sealed data is a failed
        // verification, like an altered magic line.
        assert!(e.is_verification_failure());
    }
    let e = Decryptor::new(&b"scs-sealed/v2\n\0\0\0\0"[..]).unwrap_err();
    assert!(
        matches!(e, Error::UnsupportedVersion(ref v) if v == "v2"),
        "{e:?}"
    );
    assert!(matches!(
        Decryptor::new(&b"scs-sea"[..]),
        Err(Error::Truncated)
    ));
}

#[test]
fn invalid_options_are_refused() {
    let k = keys();
    let ed = k.ed25519.public_key().clone();
    let x = k.x25519.public_key().clone();
    let cases: Vec<(&str, SealOptions<'_>)> = vec![
        ("ed25519 recipient", SealOptions::for_recipients([ed])),
        ("no recipients", SealOptions::for_recipients([])),
        (
            "x25519 signer",
            SealOptions::for_recipients([x.clone()]).signed_by(&k.x25519),
        ),
        (
            "empty passphrase",
            SealOptions::for_passphrase(Passphrase::from("")),
        ),
        (
            "argon2 with recipients",
            SealOptions::for_recipients([x]).argon2_params(FAST),
        ),
        (
            "bad argon2",
            SealOptions::for_passphrase(Passphrase::from("p")).argon2_params(
                scs_crypto::kdf::Argon2Params {
                    m_kib: 1,
                    t: 0,
                    p: 0,
                },
            ),
        ),
    ];
    for (name, opts) in cases {
        let e = seal_to_vec(&opts, b"x").unwrap_err();
        assert!(matches!(e, Error::InvalidOptions(_)), "{name}: {e:?}");
        assert!(!e.is_verification_failure());
    }
    let many: Vec<_> = (0..257)
        .map(|_| {
            PrivateKey::generate(KeyKind::X25519)
                .unwrap()
                .public_key()
                .clone()
        })
        .collect();
    let e = seal_to_vec(&SealOptions::for_recipients(many.clone()), b"x").unwrap_err();
    assert!(matches!(e, Error::InvalidOptions(_)), "{e:?}");
    // 256 is allowed, and the last recipient can open it.
    let last = PrivateKey::generate(KeyKind::X25519).unwrap();
    let mut list = many[..255].to_vec();
    list.push(last.public_key().clone());
    let sealed = seal_to_vec(&SealOptions::for_recipients(list), b"x").unwrap();
    assert_eq!(
        open_slice(&sealed, &mut Unlocker::new().key(&last))
            .unwrap()
            .0,
        b"x"
    );
}

#[test]
fn messages_are_lowercase_without_trailing_period() {
    let k = keys();
    let errors = vec![
        Error::Truncated,
        Error::PayloadAuthentication,
        Error::HeaderAuthentication,
        Error::BadSignature,
        Error::PassphraseRequired,
        Error::LegacyDecrypt,
        Error::NotSealed { hint: None },
        open_slice(
            &seal_kind(Kind::Rsa, b"x"),
            &mut Unlocker::new().key(&k.rsa2),
        )
        .unwrap_err(),
    ];
    for e in errors {
        let m = e.to_string();
        let first = m.chars().next().unwrap();
        assert!(first.is_lowercase(), "{m}");
        assert!(!m.ends_with('.'), "{m}");
    }
}

#[test]
fn debug_output_holds_no_secret() {
    let opts = SealOptions::for_passphrase(Passphrase::from("topsecret-pass"));
    assert!(!format!("{opts:?}").contains("topsecret"));
    let u = Unlocker::new().passphrase(Passphrase::from("topsecret-pass"));
    assert!(!format!("{u:?}").contains("topsecret"));
    let sealed = seal_kind(Kind::X25519, b"x");
    let dec = Decryptor::new(&sealed[..]).unwrap();
    let unlocked = dec.unlock(&mut unlocker(Kind::X25519)).unwrap();
    let dbg = format!("{unlocked:?}");
    assert!(
        dbg.contains("Unlocked") && !dbg.contains("file_key"),
        "{dbg}"
    );
}

/// A reader that fails after `ok` bytes.
struct FailingReader<'a> {
    data: &'a [u8],
    ok: usize,
}

impl io::Read for FailingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.ok).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.ok -= n;
        Ok(n)
    }
}

/// A writer that fails after `ok` bytes (as a closed pipe would).
struct FailingWriter {
    ok: usize,
}

impl io::Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        let n = buf.len().min(self.ok);
        self.ok -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn io_failures_stop_the_pipeline_cleanly() {
    use scs_seal::format::CHUNK_SIZE;
    let pt = common::data(6 * CHUNK_SIZE + 17, 12);
    let opts = common::options(Kind::SignedEd25519);
    for ok in [0usize, 10, CHUNK_SIZE, 3 * CHUNK_SIZE + 5] {
        let e = scs_seal::seal(&opts, FailingReader { data: &pt, ok }, io::sink()).unwrap_err();
        assert!(matches!(e, Error::Read(_)), "{e:?}");
        assert!(!e.is_verification_failure());
        let e = scs_seal::seal(&opts, &pt[..], FailingWriter { ok }).unwrap_err();
        assert!(
            matches!(e, Error::Write(ref w) if w.kind() == io::ErrorKind::BrokenPipe),
            "{e:?}"
        );
    }
    let sealed = seal_to_vec(&opts, &pt).unwrap();
    for ok in [2000usize, CHUNK_SIZE, 4 * CHUNK_SIZE + 5] {
        let mut u = unlocker(Kind::SignedEd25519);
        let e = open(FailingReader { data: &sealed, ok }, &mut u, io::sink()).unwrap_err();
        assert!(matches!(e, Error::Read(_)), "{e:?}");
        let mut u = unlocker(Kind::SignedEd25519);
        let e = open(&sealed[..], &mut u, FailingWriter { ok }).unwrap_err();
        assert!(matches!(e, Error::Write(_)), "{e:?}");
        assert!(!e.is_verification_failure());
    }
}

//! Round trips for every stanza kind, size, signer and armor.

mod common;

use std::io::{Read, Write};

use common::{ALL_KINDS, FAST, Kind, data, keys, options, seal_kind, sizes, unlocker};
use proptest::prelude::*;
use scs_crypto::Passphrase;
use scs_crypto::kdf::Argon2Params;
use scs_crypto::sign::Scheme;
use scs_seal::format::{CHUNK_SIZE, TAG_LEN};
use scs_seal::{
    Attempt, Decryptor, SealOptions, StanzaKind, Unlocker, open, open_slice, seal, seal_to_vec,
};

fn expected_chunks(len: usize) -> u64 {
    len.div_ceil(CHUNK_SIZE).max(1) as u64
}

#[test]
fn every_kind_and_size() {
    for kind in ALL_KINDS {
        for (i, len) in sizes().into_iter().enumerate() {
            let pt = data(len, i as u64 + 1);
            let sealed = seal_kind(kind, &pt);
            let dec = Decryptor::new(&sealed[..]).unwrap();
            let header_len = dec.header().as_bytes().len();
            let sig_len = match kind {
                Kind::SignedRsaPss => 256,
                Kind::SignedEd25519 => 64,
                _ => 0,
            };
            let chunks = expected_chunks(len);
            assert_eq!(
                sealed.len(),
                header_len + len + chunks as usize * TAG_LEN + sig_len,
                "{kind:?} {len}"
            );
            let unlocked = dec.unlock(&mut unlocker(kind)).unwrap();
            let mut out = Vec::new();
            let opened = dec.open(unlocked, &mut out).unwrap();
            assert!(out == pt, "{kind:?} {len}: plaintext differs");
            assert_eq!(opened.plaintext_len(), len as u64);
            assert_eq!(opened.chunks(), chunks, "{kind:?} {len}");
            match kind {
                Kind::SignedRsaPss => {
                    let s = opened.signer().expect("signed");
                    assert_eq!(s.fingerprint(), keys().rsa2.public_key().fingerprint());
                    assert_eq!(s.scheme(), Scheme::RsaPssSha256);
                }
                Kind::SignedEd25519 => {
                    let s = opened.signer().expect("signed");
                    assert!(opened.is_signed_by(keys().ed25519.public_key()));
                    assert_eq!(s.scheme(), Scheme::Ed25519);
                }
                _ => assert!(opened.signer().is_none()),
            }
        }
    }
}

#[test]
fn armored_round_trips_and_detection() {
    for kind in [Kind::X25519, Kind::SignedEd25519, Kind::Password] {
        for len in [0usize, 1, 47, 48, CHUNK_SIZE + 1] {
            let pt = data(len, 9);
            let sealed = seal_to_vec(&options(kind).armor(true), &pt).unwrap();
            let text = std::str::from_utf8(&sealed).expect("armor is text");
            assert!(text.starts_with("-----BEGIN SCS ENCRYPTED FILE-----\n"));
            assert!(text.ends_with("-----END SCS ENCRYPTED FILE-----\n"));
            assert!(text.lines().all(|l| l.len() <= 64));
            let dec = Decryptor::new(&sealed[..]).unwrap();
            assert!(dec.is_armored());
            let (out, _) = open_slice(&sealed, &mut unlocker(kind)).unwrap();
            assert!(out == pt, "{kind:?} {len}");
            // The armor carries exactly the binary form.
            let binary = seal_kind(kind, &pt);
            assert_eq!(binary.len(), armored_payload_len(&sealed), "{kind:?} {len}");
        }
    }
}

fn armored_payload_len(text: &[u8]) -> usize {
    let mut out = Vec::new();
    scs_seal::armor::ArmorReader::new(text)
        .read_to_end(&mut out)
        .unwrap();
    out.len()
}

#[test]
fn header_inspection_before_unlocking() {
    let k = keys();
    let sealed = seal_kind(Kind::Multi, b"hi");
    let dec = Decryptor::new(&sealed[..]).unwrap();
    let h = dec.header();
    assert_eq!(h.version(), 1);
    let kinds: Vec<StanzaKind> = h.stanzas().iter().map(|s| s.kind()).collect();
    assert_eq!(
        kinds,
        [
            StanzaKind::Rsa,
            StanzaKind::X25519,
            StanzaKind::Rsa,
            StanzaKind::X25519
        ]
    );
    assert_eq!(
        h.recipient_fingerprints(),
        vec![
            k.rsa2.public_key().fingerprint(),
            k.rsa.public_key().fingerprint()
        ]
    );
    assert_eq!(h.x25519_recipients(), 2);
    assert!(!h.is_passphrase_protected());
    assert!(!h.is_signed());

    let sealed = seal_kind(Kind::SignedEd25519, b"hi");
    let dec = Decryptor::new(&sealed[..]).unwrap();
    let claim = dec.header().signer().expect("signer named in header");
    assert_eq!(claim.fingerprint(), k.ed25519.public_key().fingerprint());
    assert_eq!(claim.scheme(), Scheme::Ed25519);

    let sealed = seal_kind(Kind::Password, b"hi");
    let dec = Decryptor::new(&sealed[..]).unwrap();
    assert!(dec.header().is_passphrase_protected());
    assert_eq!(dec.header().passphrase_params(), Some(FAST));
    assert_eq!(dec.header().stanzas().len(), 1);
}

#[test]
fn every_recipient_of_a_multi_recipient_file_opens_it() {
    let k = keys();
    let pt = data(5000, 3);
    let sealed = seal_kind(Kind::Multi, &pt);
    for key in [&k.rsa, &k.rsa2, &k.x25519, &k.x25519_b] {
        let (out, opened) = open_slice(&sealed, &mut Unlocker::new().key(key)).unwrap();
        assert_eq!(out, pt);
        assert_eq!(
            opened.unlocked_by(),
            &Attempt::Key {
                algorithm: key.algorithm(),
                fingerprint: key.public_key().fingerprint()
            }
        );
    }
    // Irrelevant keys alongside the right one do no harm.
    let mut u = Unlocker::new().keys([&k.ed25519, &k.ed25519_b, &k.x25519_b]);
    assert_eq!(open_slice(&sealed, &mut u).unwrap().0, pt);
}

#[test]
fn default_argon2_parameters_round_trip() {
    let opts = SealOptions::for_passphrase(Passphrase::from("pw"));
    let sealed = seal_to_vec(&opts, b"secret").unwrap();
    let dec = Decryptor::new(&sealed[..]).unwrap();
    assert_eq!(
        dec.header().passphrase_params(),
        Some(Argon2Params::INTERACTIVE)
    );
    let mut calls = 0;
    let mut u = Unlocker::new().passphrase_callback(|| {
        calls += 1;
        Ok(Passphrase::from("pw"))
    });
    let (out, opened) = open_slice(&sealed, &mut u).unwrap();
    assert_eq!(out, b"secret");
    assert_eq!(opened.unlocked_by(), &Attempt::Passphrase);
    drop(u);
    assert_eq!(calls, 1);
}

/// A reader that hands out data in odd-sized pieces.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.1 = (self.1 * 31 + 7) % 9973 + 1;
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// A writer that accepts a few bytes at a time.
struct Dribble(Vec<u8>);

impl Write for Dribble {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(4093);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn short_reads_and_writes() {
    let pt = data(2 * CHUNK_SIZE + 999, 4);
    for armor in [false, true] {
        let opts = options(Kind::SignedEd25519).armor(armor);
        let mut sealed = Dribble(Vec::new());
        let summary = seal(&opts, Trickle(&pt, 1), &mut sealed).unwrap();
        assert_eq!(summary.plaintext_len, pt.len() as u64);
        assert_eq!(summary.output_len, sealed.0.len() as u64);
        assert_eq!(summary.chunks, 3);
        let mut out = Dribble(Vec::new());
        let opened = open(
            Trickle(&sealed.0, 2),
            &mut unlocker(Kind::SignedEd25519),
            &mut out,
        )
        .unwrap();
        assert!(out.0 == pt);
        assert!(opened.signer().is_some());
    }
}

#[test]
fn summary_reports_recipients_and_signer() {
    let k = keys();
    let s = seal(&options(Kind::SignedRsaPss), &b"x"[..], std::io::sink()).unwrap();
    assert_eq!(s.recipients, vec![k.rsa.public_key().fingerprint()]);
    assert_eq!(s.signer, Some(k.rsa2.public_key().fingerprint()));
    assert!(!s.passphrase);
    // Duplicate recipients are sealed to once.
    let dup =
        SealOptions::for_recipients([k.x25519.public_key().clone(), k.x25519.public_key().clone()]);
    let sealed = seal_to_vec(&dup, b"x").unwrap();
    assert_eq!(
        Decryptor::new(&sealed[..])
            .unwrap()
            .header()
            .stanzas()
            .len(),
        1
    );
}

#[test]
fn sealing_twice_differs() {
    let a = seal_kind(Kind::X25519, b"same");
    let b = seal_kind(Kind::X25519, b"same");
    assert_ne!(a, b);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn small_messages_round_trip(pt in proptest::collection::vec(any::<u8>(), 0..5000), armor: bool) {
        let sealed = seal_to_vec(&options(Kind::X25519).armor(armor), &pt).unwrap();
        let (out, opened) = open_slice(&sealed, &mut unlocker(Kind::X25519)).unwrap();
        prop_assert_eq!(out, pt);
        prop_assert_eq!(opened.chunks(), 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn large_messages_round_trip(len in 0usize..(3 * CHUNK_SIZE + 2), seed: u64) {
        let pt = data(len, seed);
        let sealed = seal_kind(Kind::SignedEd25519, &pt);
        let (out, opened) = open_slice(&sealed, &mut unlocker(Kind::SignedEd25519)).unwrap();
        prop_assert!(out == pt);
        prop_assert_eq!(opened.chunks(), expected_chunks(len));
        prop_assert!(opened.signer().is_some());
    }

    #[test]
    fn header_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = scs_seal::Header::parse(&bytes);
        let mut with_magic = b"scs-sealed/v1\n".to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = scs_seal::Header::parse(&with_magic);
        let _ = Decryptor::new(&with_magic[..]);
    }
}

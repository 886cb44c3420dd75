//! Hostile and broken input: clear typed errors, never a panic, and the CA
//! directory byte-for-byte unchanged afterwards.

mod common;

use common::{pass, snapshot, temp_ca};
use scs_crypto::{KeyKind, Passphrase, PrivateKey};
use scs_pki::{
    Ca, Csr, Error, Profile, RevocationReason, make_csr, parse_certificates, parse_crls, show,
    verify,
};

fn garbage() -> Vec<Vec<u8>> {
    vec![
        b"".to_vec(),
        b"hello".to_vec(),
        b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n".to_vec(),
        b"-----BEGIN CERTIFICATE REQUEST-----\n%%%%\n-----END CERTIFICATE REQUEST-----\n".to_vec(),
        b"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n".to_vec(),
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec(),
        vec![0x30, 0x82, 0xff, 0xff],
        vec![0x30, 0x80, 0x00, 0x00],
        vec![0x30, 0x03, 0x02, 0x01, 0x00],
        vec![0xff; 100],
        vec![b'A'; scs_pki::MAX_INPUT + 1],
    ]
}

#[test]
fn malformed_input_is_a_typed_error_and_changes_nothing() {
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, true);
    let signer = ca.unlock(&pass()).unwrap();
    let before = snapshot(ca.dir());
    for input in garbage() {
        let e = signer.sign_csr(&input, Profile::Server, 30).unwrap_err();
        assert!(
            matches!(e, Error::Malformed { .. } | Error::TooLarge { .. }),
            "{e}"
        );
        assert!(!e.is_verification_failure());
        assert!(show(&input).is_err());
        assert!(parse_certificates(&input).is_err());
        assert!(parse_crls(&input).is_err());
        assert!(Csr::parse(&input).is_err());
        let e = verify(
            &input,
            &[],
            &[ca.root_der().to_vec()],
            &[],
            None,
            None,
            None,
        )
        .unwrap_err();
        assert!(e.is_verification_failure() || matches!(e, scs_pki::VerifyError::InvalidInput(_)));
    }
    assert_eq!(before, snapshot(ca.dir()));
}

#[test]
fn truncated_and_bit_flipped_der_never_panics() {
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, false);
    let signer = ca.unlock(&pass()).unwrap();
    let key = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let csr = Csr::parse(make_csr(&key, "t.example", &[]).unwrap().as_bytes()).unwrap();
    let (_k, cert) = signer
        .issue("t.example", Profile::Server, &[], KeyKind::Ed25519, 1)
        .unwrap();
    let crl = signer.crl(1).unwrap();
    let before = snapshot(ca.dir());
    let root = vec![ca.root_der().to_vec()];
    for der in [csr.der(), &cert.der[..], &crl.der[..]] {
        for n in 0..der.len() {
            let cut = &der[..n];
            let _ = show(cut);
            let _ = Csr::parse(cut);
            let _ = parse_crls(cut);
            let _ = verify(cut, &[], &root, &[], None, None, None);
            let _ = verify(&cert.der, &[], &root, &[cut.to_vec()], None, None, None);
        }
        for i in (0..der.len()).step_by(7) {
            let mut flipped = der.to_vec();
            flipped[i] ^= 0x40;
            let _ = show(&flipped);
            let _ = Csr::parse(&flipped);
            let _ = verify(&flipped, &[], &root, &[], None, None, None);
            let _ = signer.sign_csr(&flipped, Profile::Server, 1);
        }
    }
    // Nothing above may have issued anything: a flipped request either fails
    // to parse or fails its signature check.
    assert_eq!(before, snapshot(ca.dir()));
}

#[test]
fn bad_request_signature_is_a_verification_failure() {
    let (_tmp, ca) = temp_ca(KeyKind::Rsa3072, false);
    let signer = ca.unlock(&pass()).unwrap();
    let before = snapshot(ca.dir());
    for kind in [KeyKind::Rsa2048, KeyKind::Ed25519] {
        let key = PrivateKey::generate(kind).unwrap();
        let csr = Csr::parse(make_csr(&key, "victim.example", &[]).unwrap().as_bytes()).unwrap();
        // Flip a bit of the signature (the last bytes of the request).
        let mut der = csr.der().to_vec();
        let n = der.len();
        der[n - 3] ^= 0x01;
        let e = signer.sign_csr(&der, Profile::Server, 30).unwrap_err();
        assert!(matches!(e, Error::BadCsrSignature), "{kind}: {e}");
        assert!(e.is_verification_failure());
        // Change the requested name: the signature no longer covers it.
        let mut der = csr.der().to_vec();
        let pos = der.windows(6).position(|w| w == b"victim").unwrap();
        der[pos..pos + 6].copy_from_slice(b"attack");
        let e = signer.sign_csr(&der, Profile::Server, 30).unwrap_err();
        assert!(matches!(e, Error::BadCsrSignature), "{kind}: {e}");
        // Swap in another key: the signature is by the first one.
        let other = PrivateKey::generate(kind).unwrap();
        let other_csr =
            Csr::parse(make_csr(&other, "victim.example", &[]).unwrap().as_bytes()).unwrap();
        let sig_len = match kind {
            KeyKind::Ed25519 => 64,
            _ => 256,
        };
        let mut mixed = other_csr.der()[..other_csr.der().len() - sig_len].to_vec();
        mixed.extend_from_slice(&csr.der()[csr.der().len() - sig_len..]);
        let e = signer.sign_csr(&mixed, Profile::Server, 30).unwrap_err();
        assert!(matches!(e, Error::BadCsrSignature), "{kind}: {e}");
    }
    assert_eq!(before, snapshot(ca.dir()));
}

#[test]
fn wrong_passphrase_and_unknown_serial_change_nothing() {
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, true);
    let signer = ca.unlock(&pass()).unwrap();
    let (_k, issued) = signer
        .issue("alice", Profile::Client, &[], KeyKind::Ed25519, 10)
        .unwrap();
    let before = snapshot(ca.dir());

    for wrong in ["", "Correct horse battery staple", "x"] {
        let e = ca.unlock(&Passphrase::from(wrong)).unwrap_err();
        assert!(matches!(e, Error::WrongPassphrase), "{e}");
        assert!(e.is_verification_failure());
    }
    let e = signer
        .revoke("0123456789ABCDEF", RevocationReason::KeyCompromise)
        .unwrap_err();
    assert!(matches!(e, Error::UnknownSerial(_)), "{e}");
    assert!(!e.is_verification_failure());
    assert_eq!(
        e.to_string(),
        "no certificate with serial 0123456789ABCDEF in this CA"
    );
    for bad in ["", "not-hex", "12 34 zz"] {
        assert!(matches!(
            signer.revoke(bad, RevocationReason::Unspecified),
            Err(Error::InvalidName { .. })
        ));
    }
    assert!(matches!(
        signer.revoke(&issued.serial, RevocationReason::RemoveFromCrl),
        Err(Error::Policy(_))
    ));
    assert!(matches!(ca.record("ABCD"), Err(Error::UnknownSerial(_))));
    assert_eq!(before, snapshot(ca.dir()));
}

#[test]
fn leftovers_of_a_crash_do_not_matter_and_corruption_is_reported() {
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, false);
    let signer = ca.unlock(&pass()).unwrap();
    signer
        .issue("bob", Profile::Client, &[], KeyKind::Ed25519, 10)
        .unwrap();
    let records = std::fs::read(ca.dir().join("records.json")).unwrap();
    // A crash between writing the temporary file and renaming it leaves a
    // half-written temporary file; the committed state is untouched.
    std::fs::write(ca.dir().join(".tmp-crashed"), &records[..records.len() / 2]).unwrap();
    let reopened = Ca::open(ca.dir()).unwrap();
    assert_eq!(reopened.list().unwrap().len(), 1);
    let (_k, _c) = reopened
        .unlock(&pass())
        .unwrap()
        .issue("carol", Profile::Client, &[], KeyKind::Ed25519, 10)
        .unwrap();
    assert_eq!(reopened.list().unwrap().len(), 2);

    // A records file damaged by something else is an error, not a panic,
    // and nothing is written over it.
    std::fs::write(ca.dir().join("records.json"), b"{\"version\":1,\"crl_").unwrap();
    let e = reopened.list().unwrap_err();
    assert!(matches!(e, Error::Corrupt(_)), "{e}");
    let e = signer
        .issue("dave", Profile::Client, &[], KeyKind::Ed25519, 10)
        .unwrap_err();
    assert!(matches!(e, Error::Corrupt(_)), "{e}");
    assert_eq!(
        std::fs::read(ca.dir().join("records.json")).unwrap(),
        b"{\"version\":1,\"crl_"
    );

    // A directory that is not a CA.
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(Ca::open(empty.path()), Err(Error::NotACa { .. })));
    assert!(matches!(
        Ca::open(&empty.path().join("missing")),
        Err(Error::NotACa { .. })
    ));
}

//! The CA from init to CRL, checked through the crate's own reader and
//! verifier.

mod common;

use common::{pass, snapshot, temp_ca};
use scs_crypto::pem_io::{KeyFile, parse_key_file};
use scs_crypto::{KeyKind, Passphrase, PrivateKey};
use scs_pki::{
    Ca, Error, Profile, Purpose, RevocationReason, San, Status, VerifyError, make_csr,
    parse_certificates, show, verify,
};

fn sans(list: &[&str]) -> Vec<San> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

#[test]
fn directory_layout_and_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, true);
    let dir = ca.dir();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700);
    for f in [
        "ca.json",
        "root.crt",
        "root.key",
        "intermediate.crt",
        "intermediate.key",
        "records.json",
    ] {
        let p = dir.join(f);
        assert!(p.exists(), "{f} missing");
        assert_eq!(mode(&p), 0o600, "{f}");
    }
    // No temporary files are left behind.
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name();
        assert!(!name.to_string_lossy().starts_with(".tmp-"), "{name:?}");
    }
    // Keys are encrypted PKCS#8 that the passphrase opens.
    for f in ["root.key", "intermediate.key"] {
        let text = std::fs::read(dir.join(f)).unwrap();
        assert!(text.starts_with(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let KeyFile::Encrypted(enc) = parse_key_file(&text).unwrap() else {
            panic!("{f} is not encrypted");
        };
        enc.decrypt(&pass()).unwrap();
    }
    // init refuses a directory that is not empty.
    let again = Ca::init(
        dir,
        &scs_pki::InitOptions {
            name: "Other".into(),
            key_kind: KeyKind::Ed25519,
            days: 10,
            intermediate: false,
        },
        &pass(),
    );
    assert!(matches!(again, Err(Error::AlreadyExists(_))));
}

#[test]
fn ca_certificates_have_the_documented_extensions() {
    for (kind, inter) in [(KeyKind::Ed25519, true), (KeyKind::Rsa3072, false)] {
        let (_tmp, ca) = temp_ca(kind, inter);
        let root = show(ca.root_der()).unwrap();
        assert!(root.is_ca);
        assert_eq!(root.path_len, Some(u32::from(inter)));
        assert_eq!(root.key_usage, ["keyCertSign", "cRLSign"]);
        assert!(root.subject_key_id.is_some());
        assert!(root.self_issued);
        assert_eq!(root.subject, "CN=Test Root CA");
        match kind {
            KeyKind::Ed25519 => assert_eq!(root.signature_algorithm, "ED25519"),
            _ => {
                assert_eq!(root.signature_algorithm, "sha256WithRSAEncryption");
                assert_eq!((root.key_algorithm.as_str(), root.key_bits), ("RSA", 3072));
            }
        }
        if inter {
            let i = show(ca.intermediate_der().unwrap()).unwrap();
            assert!(i.is_ca);
            assert_eq!(i.path_len, Some(0));
            assert_eq!(i.authority_key_id, root.subject_key_id);
            assert_eq!(i.issuer, root.subject);
            assert!(i.not_after <= root.not_after);
        }
        // The exported chain is intermediate first, then root.
        let chain = parse_certificates(ca.export_chain().as_bytes()).unwrap();
        assert_eq!(chain.last().unwrap(), ca.root_der());
        assert_eq!(chain.len(), 1 + usize::from(inter));
    }
}

#[test]
fn issue_sign_revoke_crl_verify() {
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, true);
    let ca = Ca::open(ca.dir()).unwrap();
    let signer = ca.unlock(&pass()).unwrap();
    let root = vec![ca.root_der().to_vec()];
    let inter = vec![ca.intermediate_der().unwrap().to_vec()];

    // Server certificate from a CSR (RSA key): CN copied into the SAN.
    let key = PrivateKey::generate(KeyKind::Rsa2048).unwrap();
    let csr = make_csr(&key, "www.example.test", &[]).unwrap();
    let server = signer
        .sign_csr(csr.as_bytes(), Profile::Server, 90)
        .unwrap();
    let info = show(&server.der).unwrap();
    assert_eq!(info.serial, server.serial);
    assert_eq!(info.serial.len(), 32);
    assert!(
        info.serial
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    );
    assert_eq!(info.subject_alt_names, ["dns:www.example.test"]);
    assert_eq!(info.key_usage, ["digitalSignature", "keyEncipherment"]);
    assert_eq!(info.extended_key_usage, ["serverAuth"]);
    assert!(!info.is_ca);
    // BasicConstraints, critical, `cA` left at its DEFAULT (strict DER).
    let bc = [
        0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x02, 0x30, 0x00,
    ];
    assert!(server.der.windows(bc.len()).any(|w| w == bc));
    assert_eq!(info.key_bits, 2048);
    assert_eq!(info.signature_algorithm, "ED25519");
    let inter_info = show(&inter[0]).unwrap();
    assert_eq!(info.authority_key_id, inter_info.subject_key_id);
    assert!(info.subject_key_id.is_some());
    let days = (info.not_after - info.not_before).whole_days();
    assert!((90..=91).contains(&days), "{days}");
    assert_eq!(server.chain, inter);

    let ok = verify(
        &server.der,
        &inter,
        &root,
        &[],
        Some(Purpose::Server),
        Some("www.example.test"),
        None,
    )
    .unwrap();
    assert_eq!(ok.leaf().serial, server.serial);
    assert_eq!(ok.intermediates().len(), 1);
    assert_eq!(ok.anchor_subject(), "CN=Test Root CA");

    // User certificate issued with a generated key.
    let (ukey, user) = signer
        .issue(
            "alice",
            Profile::User,
            &sans(&["email:alice@example.test"]),
            KeyKind::Ed25519,
            30,
        )
        .unwrap();
    let uinfo = show(&user.der).unwrap();
    assert_eq!(uinfo.extended_key_usage, ["clientAuth", "emailProtection"]);
    assert_eq!(uinfo.key_usage, ["digitalSignature", "contentCommitment"]);
    assert_eq!(
        uinfo.key_fingerprint_sha256,
        ukey.public_key().fingerprint_hex()
    );
    let chain = verify(
        &user.der,
        &inter,
        &root,
        &[],
        Some(Purpose::Client),
        None,
        None,
    )
    .unwrap();
    assert!(chain.has_email("alice@EXAMPLE.test"));
    assert!(!chain.has_email("bob@example.test"));
    // Wrong purpose.
    let e = verify(
        &user.der,
        &inter,
        &root,
        &[],
        Some(Purpose::Server),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e, VerifyError::WrongPurpose(Purpose::Server));

    // Records: two certificates, in order.
    let list = ca.list().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].serial, server.serial);
    assert_eq!(list[0].profile, Profile::Server);
    assert_eq!(list[1].subject, "alice");
    assert_eq!(list[1].sans, sans(&["email:alice@example.test"]));
    assert_eq!(list[1].key_algorithm, "Ed25519");

    // First CRL: nothing revoked; the server certificate passes a CRL check.
    let crl1 = signer.crl(7).unwrap();
    assert_eq!(crl1.number, 1);
    assert!(crl1.revoked.is_empty());
    verify(
        &server.der,
        &inter,
        &root,
        std::slice::from_ref(&crl1.der),
        Some(Purpose::Server),
        None,
        None,
    )
    .unwrap();

    // Revoke (serial typed in lower case with colons) and check.
    let spelled = server
        .serial
        .to_lowercase()
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(":");
    let rec = signer
        .revoke(&spelled, RevocationReason::KeyCompromise)
        .unwrap();
    assert_eq!(rec.status, Status::Revoked);
    assert!(matches!(
        signer.revoke(&server.serial, RevocationReason::Superseded),
        Err(Error::AlreadyRevoked(_))
    ));
    let crl2 = signer.crl(7).unwrap();
    assert_eq!(crl2.number, 2);
    assert_eq!(crl2.revoked, std::slice::from_ref(&server.serial));
    assert!(crl2.pem().starts_with("-----BEGIN X509 CRL-----"));
    let e = verify(
        &server.der,
        &inter,
        &root,
        std::slice::from_ref(&crl2.der),
        Some(Purpose::Server),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e, VerifyError::Revoked);
    assert_eq!(e.to_string(), "certificate has been revoked");
    // The user certificate is not on the CRL.
    verify(
        &user.der,
        &inter,
        &root,
        std::slice::from_ref(&crl2.der),
        Some(Purpose::Client),
        None,
        None,
    )
    .unwrap();
    // A CRL past its nextUpdate is refused.
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(8);
    let e = verify(
        &user.der,
        &inter,
        &root,
        std::slice::from_ref(&crl2.der),
        None,
        None,
        Some(later),
    )
    .unwrap_err();
    assert!(matches!(e, VerifyError::CrlExpired { .. }), "{e}");
    // A CRL from another CA leaves the revocation status unknown.
    let (_t2, other) = temp_ca(KeyKind::Ed25519, false);
    let other_crl = other.unlock(&pass()).unwrap().crl(1).unwrap();
    let e = verify(&user.der, &inter, &root, &[other_crl.der], None, None, None).unwrap_err();
    assert_eq!(e, VerifyError::RevocationUnknown);
    assert_eq!(ca.crl_number().unwrap(), 2);
    assert_eq!(
        ca.record(&server.serial).unwrap().revocation_reason,
        Some(RevocationReason::KeyCompromise)
    );
}

#[test]
fn verification_failures_have_the_right_reason() {
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, true);
    let signer = ca.unlock(&pass()).unwrap();
    let root = vec![ca.root_der().to_vec()];
    let inter = vec![ca.intermediate_der().unwrap().to_vec()];
    let (_k, cert) = signer
        .issue_server_tls(&["api.example.test", "127.0.0.1"], KeyKind::Ed25519, 10)
        .unwrap();
    let v = |inters: &[Vec<u8>], host: Option<&str>, at| {
        verify(
            &cert.der,
            inters,
            &root,
            &[],
            Some(Purpose::Server),
            host,
            at,
        )
    };
    v(&inter, Some("api.example.test"), None).unwrap();
    v(&inter, Some("127.0.0.1"), None).unwrap();
    let e = v(&inter, Some("other.example.test"), None).unwrap_err();
    assert!(matches!(e, VerifyError::NameMismatch { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "certificate is not valid for other.example.test (it names dns:api.example.test, ip:127.0.0.1)"
    );
    assert!(matches!(
        v(&inter, Some("127.0.0.2"), None).unwrap_err(),
        VerifyError::NameMismatch { .. }
    ));
    assert_eq!(v(&[], None, None).unwrap_err(), VerifyError::UnknownIssuer);
    let expired = time::OffsetDateTime::now_utc() + time::Duration::days(11);
    assert!(matches!(
        v(&inter, None, Some(expired)).unwrap_err(),
        VerifyError::Expired { .. }
    ));
    let early = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    assert!(matches!(
        v(&inter, None, Some(early)).unwrap_err(),
        VerifyError::NotYetValid { .. }
    ));
    // A root with the same name but another key: the signature fails.
    let (_t2, same_name) = temp_ca(KeyKind::Ed25519, false);
    let e = verify(
        &cert.der,
        &inter,
        &[same_name.root_der().to_vec()],
        &[],
        None,
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e, VerifyError::BadSignature);
    // Another CA's root: unknown issuer.
    let t3 = tempfile::tempdir().unwrap();
    let other = Ca::init(
        &t3.path().join("ca"),
        &scs_pki::InitOptions {
            name: "Other CA".into(),
            key_kind: KeyKind::Ed25519,
            days: 10,
            intermediate: false,
        },
        &pass(),
    )
    .unwrap();
    let e = verify(
        &cert.der,
        &inter,
        &[other.root_der().to_vec()],
        &[],
        None,
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e, VerifyError::UnknownIssuer);
    // A flipped bit in the signature.
    let mut bad = cert.der.clone();
    let n = bad.len();
    bad[n - 5] ^= 1;
    let e = verify(&bad, &inter, &root, &[], None, None, None).unwrap_err();
    assert_eq!(e, VerifyError::BadSignature);
    // An invalid host is a usage error, not a verification failure.
    let e = v(&inter, Some("not a host"), None).unwrap_err();
    assert!(!e.is_verification_failure(), "{e}");
}

#[test]
fn profiles_are_enforced_on_requests() {
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, false);
    let signer = ca.unlock(&pass()).unwrap();
    let key = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let before = snapshot(ca.dir());
    let cases: &[(&str, &[&str], Profile)] = &[
        ("My Server", &[], Profile::Server),
        ("srv", &["email:a@b.test"], Profile::Server),
        ("Alice Smith", &[], Profile::Client),
        ("alice", &["dns:alice.test"], Profile::User),
        ("alice", &["ip:10.0.0.1"], Profile::Client),
    ];
    for (cn, names, profile) in cases {
        let csr = make_csr(&key, cn, &sans(names)).unwrap();
        let e = signer.sign_csr(csr.as_bytes(), *profile, 30).unwrap_err();
        assert!(!e.is_verification_failure(), "{e}");
    }
    // Validity limits.
    let csr = make_csr(&key, "srv.test", &[]).unwrap();
    for days in [0, 826] {
        assert!(
            signer
                .sign_csr(csr.as_bytes(), Profile::Server, days)
                .is_err()
        );
    }
    assert_eq!(
        before,
        snapshot(ca.dir()),
        "a refused request changed the CA"
    );
    // The leaf never outlives the issuer.
    let (_t2, short) = {
        let tmp = tempfile::tempdir().unwrap();
        let ca = Ca::init(
            &tmp.path().join("ca"),
            &scs_pki::InitOptions {
                name: "Short CA".into(),
                key_kind: KeyKind::Ed25519,
                days: 10,
                intermediate: false,
            },
            &pass(),
        )
        .unwrap();
        (tmp, ca)
    };
    let issued = short
        .unlock(&pass())
        .unwrap()
        .sign_csr(csr.as_bytes(), Profile::Server, 825)
        .unwrap();
    let root = show(short.root_der()).unwrap();
    assert_eq!(show(&issued.der).unwrap().not_after, root.not_after);
}

#[test]
fn wrong_passphrase_is_a_verification_failure() {
    let (_tmp, ca) = temp_ca(KeyKind::Ed25519, true);
    let before = snapshot(ca.dir());
    let e = ca.unlock(&Passphrase::from("wrong")).unwrap_err();
    assert!(matches!(e, Error::WrongPassphrase), "{e}");
    assert!(e.is_verification_failure());
    assert_eq!(e.to_string(), "wrong CA passphrase");
    assert!(!format!("{e:?}").contains("wrong\""));
    // The unlocked signer never prints its key.
    let dbg = format!("{:?}", ca.unlock(&pass()).unwrap());
    assert!(dbg.contains("secret elided"), "{dbg}");
    assert!(!dbg.contains(common::PASS));
    assert_eq!(before, snapshot(ca.dir()));
}

#[test]
fn rsa_ca_signs_rsa_and_ed25519() {
    let (_tmp, ca) = temp_ca(KeyKind::Rsa3072, false);
    let signer = ca.unlock(&pass()).unwrap();
    let root = vec![ca.root_der().to_vec()];
    for kind in [KeyKind::Rsa2048, KeyKind::Ed25519] {
        let (_k, c) = signer.issue("bob", Profile::Client, &[], kind, 5).unwrap();
        let info = show(&c.der).unwrap();
        assert_eq!(info.signature_algorithm, "sha256WithRSAEncryption");
        assert_eq!(info.key_usage, ["digitalSignature"]);
        verify(&c.der, &[], &root, &[], Some(Purpose::Client), None, None).unwrap();
    }
    assert!(
        signer
            .issue("bob", Profile::Client, &[], KeyKind::X25519, 5)
            .is_err()
    );
    // The CA's RSA key is refused as an X25519 certificate subject etc.;
    // rsa2048 is not offered for CA keys.
    let tmp = tempfile::tempdir().unwrap();
    let e = Ca::init(
        &tmp.path().join("x"),
        &scs_pki::InitOptions {
            name: "Weak".into(),
            key_kind: KeyKind::Rsa2048,
            days: 10,
            intermediate: false,
        },
        &pass(),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Unsupported(_)), "{e}");
}

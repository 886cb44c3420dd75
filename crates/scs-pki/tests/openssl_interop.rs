//! Interoperability with the real `openssl` command (3.x): OpenSSL accepts
//! what scs issues, and scs accepts (and rejects, for the right reason) what
//! OpenSSL makes. Each test is skipped, with a printed reason, only when
//! `openssl` is not installed.

mod common;

use std::path::Path;

use common::{must_openssl, openssl, pass, run_openssl, temp_ca};
use scs_crypto::{KeyKind, PrivateKey};
use scs_pki::{
    Csr, Profile, Purpose, RevocationReason, San, VerifyError, certificate_pem, make_csr,
    parse_certificate, parse_crls, show, verify,
};

fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), data).unwrap();
}

#[test]
fn openssl_verifies_scs_certificates_and_crls() {
    if openssl().is_none() {
        return;
    }
    for kind in [KeyKind::Rsa3072, KeyKind::Ed25519] {
        let (tmp, ca) = temp_ca(kind, true);
        let d = tmp.path();
        let signer = ca.unlock(&pass()).unwrap();
        let (_k, server) = signer
            .issue_server_tls(&["srv.example.test", "10.9.8.7"], KeyKind::Rsa2048, 30)
            .unwrap();
        let (_k, client) = signer
            .issue(
                "alice",
                Profile::User,
                &["email:alice@example.test".parse().unwrap()],
                KeyKind::Ed25519,
                30,
            )
            .unwrap();
        write(d, "root.pem", ca.root_pem());
        write(
            d,
            "inter.pem",
            certificate_pem(ca.intermediate_der().unwrap()),
        );
        write(d, "chain.pem", ca.export_chain());
        write(d, "server.pem", server.pem());
        write(d, "client.pem", client.pem());

        let base = ["verify", "-CAfile", "root.pem", "-untrusted", "inter.pem"];
        let with = |extra: &[&str]| -> Vec<String> {
            base.iter().chain(extra).map(|s| (*s).to_owned()).collect()
        };
        let run = |args: Vec<String>| {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            run_openssl(d, &refs)
        };
        let (ok, out) = run(with(&[
            "-purpose",
            "sslserver",
            "-verify_hostname",
            "srv.example.test",
            "server.pem",
        ]));
        assert!(ok, "{kind}: {out}");
        let (ok, out) = run(with(&[
            "-purpose",
            "sslserver",
            "-verify_ip",
            "10.9.8.7",
            "server.pem",
        ]));
        assert!(ok, "{kind}: {out}");
        let (ok, out) = run(with(&["-purpose", "sslclient", "client.pem"]));
        assert!(ok, "{kind}: {out}");
        // Sanity: OpenSSL does refuse the wrong purpose and the wrong host.
        assert!(!run(with(&["-purpose", "sslserver", "client.pem"])).0);
        assert!(
            !run(with(&[
                "-purpose",
                "sslserver",
                "-verify_hostname",
                "evil.example.test",
                "server.pem"
            ]))
            .0
        );

        // Serial numbers print the same way.
        let out = must_openssl(d, &["x509", "-in", "server.pem", "-noout", "-serial"]);
        assert_eq!(out.trim(), format!("serial={}", server.serial));
        // The CA key opens with OpenSSL and the same passphrase.
        let pass_arg = format!("pass:{}", common::PASS);
        let key_path = ca.dir().join("intermediate.key");
        must_openssl(
            d,
            &[
                "pkey",
                "-in",
                key_path.to_str().unwrap(),
                "-passin",
                &pass_arg,
                "-noout",
            ],
        );

        // Revoke the server certificate; CRL checking rejects it, the
        // client certificate still passes.
        signer
            .revoke(&server.serial, RevocationReason::Superseded)
            .unwrap();
        let crl = signer.crl(7).unwrap();
        write(d, "crl.pem", crl.pem());
        let text = must_openssl(d, &["crl", "-in", "crl.pem", "-noout", "-text"]);
        assert!(text.contains("X509v3 CRL Number"), "{text}");
        assert!(text.contains(&server.serial), "{text}");
        assert!(text.contains("Superseded"), "{text}");
        assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
        // The CRL's signature verifies with the intermediate's key.
        must_openssl(
            d,
            &["crl", "-in", "crl.pem", "-noout", "-CAfile", "chain.pem"],
        );
        let (ok, out) = run(with(&[
            "-crl_check",
            "-CRLfile",
            "crl.pem",
            "-purpose",
            "sslserver",
            "server.pem",
        ]));
        assert!(!ok, "{kind}: revoked certificate accepted: {out}");
        assert!(out.contains("certificate revoked"), "{out}");
        let (ok, out) = run(with(&[
            "-crl_check",
            "-CRLfile",
            "crl.pem",
            "-purpose",
            "sslclient",
            "client.pem",
        ]));
        assert!(ok, "{kind}: {out}");
    }
}

#[test]
fn openssl_accepts_scs_requests() {
    if openssl().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for kind in [KeyKind::Rsa2048, KeyKind::Ed25519] {
        let key = PrivateKey::generate(kind).unwrap();
        let sans: Vec<San> = vec![
            "dns:req.example.test".parse().unwrap(),
            "ip:2001:db8::5".parse().unwrap(),
        ];
        let csr = make_csr(&key, "req.example.test", &sans).unwrap();
        write(tmp.path(), "req.pem", &csr);
        let out = must_openssl(tmp.path(), &["req", "-verify", "-noout", "-in", "req.pem"]);
        assert!(
            out.contains("verify OK") || out.contains("self-signature ok"),
            "{out}"
        );
        let text = must_openssl(tmp.path(), &["req", "-noout", "-text", "-in", "req.pem"]);
        assert!(text.contains("DNS:req.example.test"), "{text}");
        assert!(text.contains("IP Address:2001:DB8:0:0:0:0:0:5"), "{text}");
    }
}

#[test]
fn scs_signs_openssl_requests() {
    if openssl().is_none() {
        return;
    }
    let (tmp, ca) = temp_ca(KeyKind::Ed25519, true);
    let d = tmp.path();
    let signer = ca.unlock(&pass()).unwrap();
    write(d, "chain.pem", ca.export_chain());
    write(d, "root.pem", ca.root_pem());
    write(
        d,
        "inter.pem",
        certificate_pem(ca.intermediate_der().unwrap()),
    );

    // RSA server request with SANs.
    must_openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.key",
        ],
    );
    must_openssl(
        d,
        &[
            "req",
            "-new",
            "-key",
            "rsa.key",
            "-subj",
            "/O=Ignored Org/CN=host.example.test",
            "-addext",
            "subjectAltName=DNS:host.example.test,IP:10.1.2.3",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-out",
            "rsa.csr",
        ],
    );
    let csr = std::fs::read(d.join("rsa.csr")).unwrap();
    let issued = signer.sign_csr(&csr, Profile::Server, 30).unwrap();
    let info = show(&issued.der).unwrap();
    assert_eq!(info.subject, "CN=host.example.test");
    assert_eq!(
        info.subject_alt_names,
        ["dns:host.example.test", "ip:10.1.2.3"]
    );
    // The request asked for CA:TRUE; the profile decides.
    assert!(!info.is_ca);
    write(d, "rsa.pem", issued.pem());
    must_openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "inter.pem",
            "-purpose",
            "sslserver",
            "-verify_hostname",
            "host.example.test",
            "rsa.pem",
        ],
    );

    // Ed25519 user request with an e-mail SAN, in DER.
    must_openssl(d, &["genpkey", "-algorithm", "ed25519", "-out", "ed.key"]);
    must_openssl(
        d,
        &[
            "req",
            "-new",
            "-key",
            "ed.key",
            "-subj",
            "/CN=carol",
            "-addext",
            "subjectAltName=email:carol@example.test",
            "-outform",
            "DER",
            "-out",
            "ed.csr",
        ],
    );
    let csr = std::fs::read(d.join("ed.csr")).unwrap();
    let parsed = Csr::parse(&csr).unwrap();
    assert_eq!(parsed.common_name(), "carol");
    let issued = signer.sign_csr(&csr, Profile::User, 30).unwrap();
    write(d, "ed.pem", issued.pem());
    must_openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "inter.pem",
            "-purpose",
            "sslclient",
            "ed.pem",
        ],
    );
    // A request signed with SHA-1 is refused as unsupported, not accepted.
    must_openssl(
        d,
        &[
            "req",
            "-new",
            "-sha1",
            "-key",
            "rsa.key",
            "-subj",
            "/CN=old.test",
            "-out",
            "sha1.csr",
        ],
    );
    let csr = std::fs::read(d.join("sha1.csr")).unwrap();
    let e = signer.sign_csr(&csr, Profile::Server, 30).unwrap_err();
    assert!(matches!(e, scs_pki::Error::Unsupported(_)), "{e}");
}

/// Builds root (RSA) → intermediate (P-256) → leaves (P-256) with OpenSSL,
/// and revokes one of them with `openssl ca`.
fn openssl_chain(d: &Path) {
    must_openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-subj",
            "/CN=OpenSSL Root",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    let ec_req = |name: &str, cn: &str| {
        must_openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
    };
    let sign = |name: &str, ca: &str, ext: &str, days: &str| {
        write(d, &format!("{name}.ext"), ext);
        must_openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                &format!("{ca}.pem"),
                "-CAkey",
                &format!("{ca}.key"),
                "-CAcreateserial",
                "-out",
                &format!("{name}.pem"),
                "-days",
                days,
                "-extfile",
                &format!("{name}.ext"),
            ],
        );
    };
    ec_req("inter", "OpenSSL Intermediate");
    sign(
        "inter",
        "root",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        "30",
    );
    for (name, eku) in [
        ("server", "serverAuth"),
        ("client", "clientAuth"),
        ("revoked", "serverAuth"),
    ] {
        ec_req(name, &format!("{name}.openssl.test"));
        sign(
            name,
            "inter",
            &format!(
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage={eku}\nsubjectAltName=DNS:{name}.openssl.test\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
            ),
            "10",
        );
    }
    write(d, "index.txt", "");
    write(d, "crlnumber", "1000\n");
    write(
        d,
        "ca.cnf",
        "[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndir = .\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\nnew_certs_dir = .\npolicy = policy_any\n[ policy_any ]\ncommonName = supplied\n",
    );
    let ca_args = [
        "ca",
        "-config",
        "ca.cnf",
        "-keyfile",
        "inter.key",
        "-cert",
        "inter.pem",
    ];
    let mut revoke: Vec<&str> = ca_args.to_vec();
    revoke.extend(["-revoke", "revoked.pem", "-crl_reason", "keyCompromise"]);
    must_openssl(d, &revoke);
    let mut gencrl: Vec<&str> = ca_args.to_vec();
    gencrl.extend(["-gencrl", "-out", "crl.pem"]);
    must_openssl(d, &gencrl);
}

#[test]
fn scs_verifies_an_openssl_chain() {
    if openssl().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    openssl_chain(d);
    let read = |name: &str| parse_certificate(&std::fs::read(d.join(name)).unwrap()).unwrap();
    let root = vec![read("root.pem")];
    let inter = vec![read("inter.pem")];
    let server = read("server.pem");
    let client = read("client.pem");
    let revoked = read("revoked.pem");
    let crls = parse_crls(&std::fs::read(d.join("crl.pem")).unwrap()).unwrap();

    // Accepted.
    let ok = verify(
        &server,
        &inter,
        &root,
        &crls,
        Some(Purpose::Server),
        Some("server.openssl.test"),
        None,
    )
    .unwrap();
    assert_eq!(ok.leaf().key_algorithm, "EC P-256");
    assert_eq!(ok.anchor_subject(), "CN=OpenSSL Root");
    verify(
        &client,
        &inter,
        &root,
        &crls,
        Some(Purpose::Client),
        None,
        None,
    )
    .unwrap();

    // Expired.
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(12);
    let e = verify(
        &server,
        &inter,
        &root,
        &[],
        Some(Purpose::Server),
        None,
        Some(later),
    )
    .unwrap_err();
    assert!(matches!(e, VerifyError::Expired { .. }), "{e}");
    assert!(e.to_string().starts_with("certificate has expired"), "{e}");
    // Wrong purpose.
    let e = verify(
        &client,
        &inter,
        &root,
        &[],
        Some(Purpose::Server),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e, VerifyError::WrongPurpose(Purpose::Server));
    assert_eq!(
        e.to_string(),
        "certificate is not valid for server authentication (extended key usage)"
    );
    // Wrong host.
    let e = verify(
        &server,
        &inter,
        &root,
        &[],
        Some(Purpose::Server),
        Some("client.openssl.test"),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, VerifyError::NameMismatch { .. }), "{e}");
    // Missing intermediate.
    let e = verify(&server, &[], &root, &[], Some(Purpose::Server), None, None).unwrap_err();
    assert_eq!(e, VerifyError::UnknownIssuer);
    assert!(e.to_string().contains("missing intermediate"), "{e}");
    // Revoked.
    let e = verify(
        &revoked,
        &inter,
        &root,
        &crls,
        Some(Purpose::Server),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e, VerifyError::Revoked);
    // Without the CRL it would pass: the rejection is the CRL's doing.
    verify(
        &revoked,
        &inter,
        &root,
        &[],
        Some(Purpose::Server),
        None,
        None,
    )
    .unwrap();
    // Every failure above is a verification failure (exit code 1).
    assert!(e.is_verification_failure());
}

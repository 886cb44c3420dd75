//! PKCS#10 certificate signing requests: [`make_csr`] and [`Csr::parse`].
//!
//! A request is only believed after its self-signature verifies with the
//! key it carries: `sha256WithRSAEncryption` for RSA keys, Ed25519 for
//! Ed25519 keys, checked by scs-crypto over the exact
//! `CertificationRequestInfo` bytes. Of its contents scs takes the subject
//! common name, the subject alternative names (`dns`, `ip`, `email`) and the
//! public key; other requested extensions are ignored, because the profile
//! decides them.

use core::fmt;

use rcgen::{CertificateParams, DistinguishedName, DnType};
use scs_crypto::keys::KeyAlgorithm;
use scs_crypto::sign::Scheme;
use scs_crypto::{PrivateKey, PublicKey};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry;
use x509_parser::prelude::FromDer;

use crate::info::ip_from_bytes;
use crate::input::{LABEL_CSR, csr_der, to_pem};
use crate::profile::{MAX_SANS, check_cn};
use crate::san::San;
use crate::signer::KeySigner;
use crate::{Error, Result};

/// A certificate request whose signature has been verified.
#[derive(Clone)]
pub struct Csr {
    der: Vec<u8>,
    common_name: String,
    sans: Vec<San>,
    public_key: PublicKey,
}

impl fmt::Debug for Csr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Csr")
            .field("common_name", &self.common_name)
            .field("sans", &self.sans)
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl Csr {
    /// Parses a request (PEM or DER) and verifies its self-signature.
    ///
    /// A signature that does not verify is [`Error::BadCsrSignature`]; a
    /// key or signature algorithm scs does not handle is
    /// [`Error::Unsupported`]; anything that does not parse is
    /// [`Error::Malformed`].
    pub fn parse(bytes: &[u8]) -> Result<Csr> {
        let der = csr_der(bytes)?;
        let (rest, req) = X509CertificationRequest::from_der(&der)
            .map_err(|e| Error::malformed("certificate request", e))?;
        if !rest.is_empty() {
            return Err(Error::malformed(
                "certificate request",
                "trailing data after the request",
            ));
        }
        check_shape(&der)?;
        let info = &req.certification_request_info;
        if info.version.0 != 0 {
            return Err(Error::malformed(
                "certificate request",
                format!("version {} (expected 1)", info.version.0 + 1),
            ));
        }

        // 1. The signature, before anything in the request is believed.
        let public_key = PublicKey::from_spki_der(info.subject_pki.raw).map_err(|e| match e {
            scs_crypto::Error::Unsupported(what) => {
                Error::Unsupported(format!("{what} in the request (use an RSA or Ed25519 key)"))
            }
            other => Error::malformed("certificate request public key", other),
        })?;
        let alg = &req.signature_algorithm;
        let params_ok = alg
            .parameters
            .as_ref()
            .is_none_or(|p| p.tag() == x509_parser::der_parser::asn1_rs::Tag::Null);
        let scheme = match public_key.algorithm() {
            KeyAlgorithm::Rsa { .. }
                if alg.algorithm == oid_registry::OID_PKCS1_SHA256WITHRSA && params_ok =>
            {
                Scheme::RsaPkcs1Sha256
            }
            KeyAlgorithm::Ed25519
                if alg.algorithm == oid_registry::OID_SIG_ED25519 && alg.parameters.is_none() =>
            {
                Scheme::Ed25519
            }
            KeyAlgorithm::X25519 => {
                return Err(Error::Unsupported(
                    "X25519 key in the request (it cannot sign; use an RSA or Ed25519 key)".into(),
                ));
            }
            _ => {
                return Err(Error::Unsupported(format!(
                    "request signature algorithm {} with a {} key (expected sha256WithRSAEncryption or Ed25519)",
                    alg.algorithm,
                    public_key.algorithm().family()
                )));
            }
        };
        if req.signature_value.unused_bits != 0 {
            return Err(Error::BadCsrSignature);
        }
        public_key
            .verify(scheme, info.raw, &req.signature_value.data)
            .map_err(|_| Error::BadCsrSignature)?;

        // 2. The names.
        let common_name = {
            let mut cns = info.subject.iter_common_name();
            (cns.next(), cns.next())
        };
        let common_name = match common_name {
            (Some(cn), None) => cn
                .as_str()
                .map_err(|e| Error::malformed("certificate request common name", e))?
                .to_owned(),
            (None, _) => {
                return Err(Error::Policy(
                    "the certificate request has no common name (CN)".into(),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(Error::Policy(
                    "the certificate request has more than one common name (CN)".into(),
                ));
            }
        };
        check_cn(&common_name)?;

        let mut sans = Vec::new();
        if let Some(exts) = req.requested_extensions() {
            for ext in exts {
                match ext {
                    ParsedExtension::SubjectAlternativeName(san) => {
                        for name in &san.general_names {
                            if sans.len() == MAX_SANS {
                                return Err(Error::TooLarge {
                                    what: "number of subject alternative names",
                                    limit: MAX_SANS,
                                });
                            }
                            sans.push(san_of(name)?);
                        }
                    }
                    ParsedExtension::ParseError { error } => {
                        return Err(Error::malformed("certificate request extension", error));
                    }
                    _ => {}
                }
            }
        }

        Ok(Csr {
            der,
            common_name,
            sans,
            public_key,
        })
    }

    /// The request's DER.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The request as PEM (`CERTIFICATE REQUEST`).
    #[must_use]
    pub fn to_pem(&self) -> String {
        to_pem(LABEL_CSR, &self.der)
    }

    /// The subject common name.
    #[must_use]
    pub fn common_name(&self) -> &str {
        &self.common_name
    }

    /// The requested subject alternative names, in request order.
    #[must_use]
    pub fn sans(&self) -> &[San] {
        &self.sans
    }

    /// The key to be certified.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
}

/// The outer structure, strictly: x509-parser checks tag numbers but not
/// tag classes there, and the signature does not cover these bytes, so
/// without this check one request would have many accepted encodings.
///
/// `SEQUENCE { SEQUENCE info, SEQUENCE { OID, params? }, BIT STRING }`.
fn check_shape(der: &[u8]) -> Result<()> {
    use x509_parser::asn1_rs::{Any, Class, FromDer as _, Tag};
    let bad = || Error::malformed("certificate request", "not DER");
    let universal =
        |a: &Any<'_>, tag: Tag| a.header.class() == Class::Universal && a.header.tag() == tag;
    let (rest, outer) = Any::from_der(der).map_err(|_| bad())?;
    if !rest.is_empty() || !universal(&outer, Tag::Sequence) {
        return Err(bad());
    }
    let (rest, info) = Any::from_der(outer.data).map_err(|_| bad())?;
    let (rest, alg) = Any::from_der(rest).map_err(|_| bad())?;
    let (rest, sig) = Any::from_der(rest).map_err(|_| bad())?;
    if !rest.is_empty()
        || !universal(&info, Tag::Sequence)
        || !universal(&alg, Tag::Sequence)
        || !universal(&sig, Tag::BitString)
    {
        return Err(bad());
    }
    let (rest, oid) = Any::from_der(alg.data).map_err(|_| bad())?;
    if !universal(&oid, Tag::Oid) {
        return Err(bad());
    }
    if !rest.is_empty() {
        let (rest, params) = Any::from_der(rest).map_err(|_| bad())?;
        if !rest.is_empty() || params.header.class() != Class::Universal {
            return Err(bad());
        }
    }
    Ok(())
}

fn san_of(name: &GeneralName<'_>) -> Result<San> {
    match name {
        GeneralName::DNSName(d) => San::dns(d, true),
        GeneralName::RFC822Name(e) => San::email(e),
        GeneralName::IPAddress(b) => ip_from_bytes(b).map(San::Ip).ok_or_else(|| {
            Error::malformed(
                "certificate request",
                "an IP address SAN that is neither 4 nor 16 bytes",
            )
        }),
        other => Err(Error::Unsupported(format!(
            "subject alternative name type in the request ({}); scs issues dns, ip and email names",
            match other {
                GeneralName::URI(_) => "URI",
                GeneralName::DirectoryName(_) => "directoryName",
                GeneralName::OtherName(_, _) => "otherName",
                GeneralName::RegisteredID(_) => "registeredID",
                _ => "other",
            }
        ))),
    }
}

/// Makes a PEM certificate request for `key` (RSA: PKCS#1 v1.5 SHA-256;
/// Ed25519) with subject `CN=cn` and the given SANs. The names are checked
/// for form here; whether a profile accepts them is decided when signing.
pub fn make_csr(key: &PrivateKey, cn: &str, sans: &[San]) -> Result<String> {
    check_cn(cn)?;
    if sans.len() > MAX_SANS {
        return Err(Error::TooLarge {
            what: "number of subject alternative names",
            limit: MAX_SANS,
        });
    }
    let signer = KeySigner::new(key)?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    params.subject_alt_names = sans.iter().map(San::to_rcgen).collect::<Result<_>>()?;
    let csr = params.serialize_request(&signer)?;
    Ok(to_pem(LABEL_CSR, csr.der()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scs_crypto::KeyKind;

    #[test]
    fn round_trip_ed25519() {
        let key = PrivateKey::generate(KeyKind::Ed25519).unwrap();
        let sans: Vec<San> = vec![
            "dns:host.example".parse().unwrap(),
            "ip:192.0.2.7".parse().unwrap(),
            "email:a@b.example".parse().unwrap(),
        ];
        let pem = make_csr(&key, "host.example", &sans).unwrap();
        let csr = Csr::parse(pem.as_bytes()).unwrap();
        assert_eq!(csr.common_name(), "host.example");
        assert_eq!(csr.sans(), &sans[..]);
        assert_eq!(csr.public_key(), key.public_key());
        // DER works too.
        let again = Csr::parse(csr.der()).unwrap();
        assert_eq!(again.sans(), &sans[..]);
    }

    #[test]
    fn tampered_request_is_a_bad_signature() {
        let key = PrivateKey::generate(KeyKind::Ed25519).unwrap();
        let pem = make_csr(&key, "alice", &[]).unwrap();
        let csr = Csr::parse(pem.as_bytes()).unwrap();
        let mut der = csr.der().to_vec();
        let pos = der.windows(5).position(|w| w == b"alice").unwrap();
        der[pos] = b'b';
        let err = Csr::parse(&der).unwrap_err();
        assert!(matches!(err, Error::BadCsrSignature), "{err}");
        assert!(err.is_verification_failure());
    }

    #[test]
    fn x25519_cannot_make_a_request() {
        let key = PrivateKey::generate(KeyKind::X25519).unwrap();
        assert!(matches!(
            make_csr(&key, "x", &[]),
            Err(Error::Unsupported(_))
        ));
    }
}

//! What a certificate says, read with x509-parser: [`show`].

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{self, Oid};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey as X509PublicKey;

use crate::input::check_certificate;
use crate::{Error, Result};

/// Most subject alternative names [`show`] reports before refusing the
/// certificate as unreasonable.
pub const MAX_SHOWN_SANS: usize = 1024;

/// The facts of one certificate, for people (`scs ca show`) and for
/// `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CertInfo {
    /// Subject distinguished name, RFC 4514 style (`CN=…, O=…`).
    pub subject: String,
    /// The subject's common name, when there is exactly one.
    pub common_name: Option<String>,
    pub issuer: String,
    /// Serial number as `openssl x509 -serial` prints it: upper-case hex,
    /// no colons (a `-` in front of a negative one).
    pub serial: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// `dns:…`, `ip:…`, `email:…`, and `uri:…`, `dirname:…`, `othername:OID`
    /// for kinds scs does not issue.
    pub subject_alt_names: Vec<String>,
    /// `RSA`, `Ed25519`, `Ed448`, `EC P-256`, `EC P-384`, `EC P-521`, `DSA` or an OID.
    pub key_algorithm: String,
    pub key_bits: usize,
    /// e.g. `sha256WithRSAEncryption`, `ED25519`, `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    /// RFC 5280 names: `digitalSignature`, `keyCertSign`, …
    pub key_usage: Vec<String>,
    /// `serverAuth`, `clientAuth`, `emailProtection`, … or dotted OIDs.
    pub extended_key_usage: Vec<String>,
    pub is_ca: bool,
    pub path_len: Option<u32>,
    /// Subject and issuer names are the same.
    pub self_issued: bool,
    /// SubjectKeyIdentifier, lower-case hex.
    pub subject_key_id: Option<String>,
    /// AuthorityKeyIdentifier keyIdentifier, lower-case hex.
    pub authority_key_id: Option<String>,
    /// SHA-256 of the certificate DER, lower-case hex.
    pub fingerprint_sha256: String,
    /// SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex (the key's
    /// fingerprint as scs shows it elsewhere).
    pub key_fingerprint_sha256: String,
}

impl CertInfo {
    /// Whether `at` lies within the validity period.
    #[must_use]
    pub fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }
}

/// Reads a DER certificate. Malformed input is an error, never a panic.
pub fn show(der: &[u8]) -> Result<CertInfo> {
    check_certificate(der)?;
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| Error::malformed("certificate", e))?;
    info_of(&cert, der)
}

pub(crate) fn info_of(cert: &X509Certificate<'_>, der: &[u8]) -> Result<CertInfo> {
    let bad = |e: x509_parser::error::X509Error| Error::malformed("certificate", e);
    let mut common_names = cert.subject().iter_common_name();
    let common_name = match (common_names.next(), common_names.next()) {
        (Some(cn), None) => cn.as_str().ok().map(str::to_owned),
        _ => None,
    };

    let mut sans = Vec::new();
    if let Some(ext) = cert.subject_alternative_name().map_err(bad)? {
        if ext.value.general_names.len() > MAX_SHOWN_SANS {
            return Err(Error::TooLarge {
                what: "number of subject alternative names",
                limit: MAX_SHOWN_SANS,
            });
        }
        for name in &ext.value.general_names {
            sans.push(general_name(name));
        }
    }

    let (key_algorithm, key_bits) = key_description(cert);

    let mut key_usage = Vec::new();
    if let Some(ku) = cert.key_usage().map_err(bad)? {
        let ku = ku.value;
        for (set, name) in [
            (ku.digital_signature(), "digitalSignature"),
            (ku.non_repudiation(), "contentCommitment"),
            (ku.key_encipherment(), "keyEncipherment"),
            (ku.data_encipherment(), "dataEncipherment"),
            (ku.key_agreement(), "keyAgreement"),
            (ku.key_cert_sign(), "keyCertSign"),
            (ku.crl_sign(), "cRLSign"),
            (ku.encipher_only(), "encipherOnly"),
            (ku.decipher_only(), "decipherOnly"),
        ] {
            if set {
                key_usage.push(name.to_owned());
            }
        }
    }

    let mut extended_key_usage = Vec::new();
    if let Some(eku) = cert.extended_key_usage().map_err(bad)? {
        let eku = eku.value;
        for (set, name) in [
            (eku.server_auth, "serverAuth"),
            (eku.client_auth, "clientAuth"),
            (eku.code_signing, "codeSigning"),
            (eku.email_protection, "emailProtection"),
            (eku.time_stamping, "timeStamping"),
            (eku.ocsp_signing, "OCSPSigning"),
            (eku.any, "anyExtendedKeyUsage"),
        ] {
            if set {
                extended_key_usage.push(name.to_owned());
            }
        }
        extended_key_usage.extend(eku.other.iter().map(ToString::to_string));
    }

    let (is_ca, path_len) = match cert.basic_constraints().map_err(bad)? {
        Some(bc) => (bc.value.ca, bc.value.path_len_constraint),
        None => (false, None),
    };

    let mut subject_key_id = None;
    let mut authority_key_id = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(ki) => subject_key_id = Some(hex::encode(ki.0)),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_id = aki.key_identifier.as_ref().map(|k| hex::encode(k.0));
            }
            _ => {}
        }
    }

    Ok(CertInfo {
        subject: cert.subject().to_string(),
        common_name,
        issuer: cert.issuer().to_string(),
        serial: serial_hex(cert.raw_serial()),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        subject_alt_names: sans,
        key_algorithm,
        key_bits,
        signature_algorithm: signature_name(&cert.signature_algorithm.algorithm),
        key_usage,
        extended_key_usage,
        is_ca,
        path_len,
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        subject_key_id,
        authority_key_id,
        fingerprint_sha256: hex::encode(scs_crypto::hash::sha256(der)),
        key_fingerprint_sha256: hex::encode(scs_crypto::hash::sha256(cert.public_key().raw)),
    })
}

fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(d) => format!("dns:{d}"),
        GeneralName::RFC822Name(e) => format!("email:{e}"),
        GeneralName::IPAddress(b) => match ip_from_bytes(b) {
            Some(ip) => format!("ip:{ip}"),
            None => format!("ip:invalid({})", hex::encode(b)),
        },
        GeneralName::URI(u) => format!("uri:{u}"),
        GeneralName::DirectoryName(n) => format!("dirname:{n}"),
        GeneralName::OtherName(oid, _) => format!("othername:{oid}"),
        GeneralName::RegisteredID(oid) => format!("rid:{oid}"),
        GeneralName::X400Address(_) => "x400address".into(),
        GeneralName::EDIPartyName(_) => "edipartyname".into(),
        GeneralName::Invalid(_, _) => "invalid".into(),
    }
}

pub(crate) fn ip_from_bytes(b: &[u8]) -> Option<std::net::IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(std::net::IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(std::net::IpAddr::from),
        _ => None,
    }
}

/// Upper-case hex of the serial's magnitude, as OpenSSL prints it.
pub(crate) fn serial_hex(raw: &[u8]) -> String {
    if raw.is_empty() {
        return "00".into();
    }
    if raw[0] & 0x80 != 0 {
        // Negative: print the magnitude of the two's complement value.
        let mut mag: Vec<u8> = raw.iter().map(|b| !b).collect();
        for byte in mag.iter_mut().rev() {
            let (v, carry) = byte.overflowing_add(1);
            *byte = v;
            if !carry {
                break;
            }
        }
        return format!("-{}", hex::encode_upper(strip_zeros(&mag)));
    }
    hex::encode_upper(strip_zeros(raw))
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b
        .iter()
        .position(|x| *x != 0)
        .unwrap_or(b.len().saturating_sub(1));
    &b[first..]
}

fn key_description(cert: &X509Certificate<'_>) -> (String, usize) {
    let spki = cert.public_key();
    let oid = &spki.algorithm.algorithm;
    if *oid == oid_registry::OID_SIG_ED25519 {
        return ("Ed25519".into(), 256);
    }
    if *oid == oid_registry::OID_SIG_ED448 {
        return ("Ed448".into(), 456);
    }
    match spki.parsed() {
        Ok(X509PublicKey::RSA(rsa)) => {
            let m = strip_zeros(rsa.modulus);
            let bits = match m.first() {
                Some(first) if *first != 0 => {
                    (m.len() - 1) * 8 + (8 - first.leading_zeros() as usize)
                }
                _ => 0,
            };
            ("RSA".into(), bits)
        }
        Ok(X509PublicKey::EC(point)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|c| curve_name(&c))
                .unwrap_or_else(|| "explicit curve".into());
            (format!("EC {curve}"), point.key_size())
        }
        Ok(X509PublicKey::DSA(y)) => ("DSA".into(), y.len() * 8),
        _ => (oid.to_string(), 0),
    }
}

fn curve_name(oid: &Oid<'_>) -> String {
    if *oid == oid_registry::OID_EC_P256 {
        "P-256".into()
    } else if *oid == oid_registry::OID_NIST_EC_P384 {
        "P-384".into()
    } else if *oid == oid_registry::OID_NIST_EC_P521 {
        "P-521".into()
    } else {
        oid.to_string()
    }
}

fn signature_name(oid: &Oid<'_>) -> String {
    let known: [(&Oid<'_>, &str); 12] = [
        (
            &oid_registry::OID_PKCS1_SHA256WITHRSA,
            "sha256WithRSAEncryption",
        ),
        (
            &oid_registry::OID_PKCS1_SHA384WITHRSA,
            "sha384WithRSAEncryption",
        ),
        (
            &oid_registry::OID_PKCS1_SHA512WITHRSA,
            "sha512WithRSAEncryption",
        ),
        (
            &oid_registry::OID_PKCS1_SHA1WITHRSA,
            "sha1WithRSAEncryption",
        ),
        (
            &oid_registry::OID_PKCS1_MD5WITHRSAENC,
            "md5WithRSAEncryption",
        ),
        (&oid_registry::OID_PKCS1_RSASSAPSS, "rsassaPss"),
        (
            &oid_registry::OID_SIG_ECDSA_WITH_SHA256,
            "ecdsa-with-SHA256",
        ),
        (
            &oid_registry::OID_SIG_ECDSA_WITH_SHA384,
            "ecdsa-with-SHA384",
        ),
        (
            &oid_registry::OID_SIG_ECDSA_WITH_SHA512,
            "ecdsa-with-SHA512",
        ),
        (
            &oid_registry::OID_SIG_ECDSA_WITH_SHA224,
            "ecdsa-with-SHA224",
        ),
        (&oid_registry::OID_SIG_ED25519, "ED25519"),
        (&oid_registry::OID_SIG_ED448, "ED448"),
    ];
    known
        .iter()
        .find(|(o, _)| *o == oid)
        .map_or_else(|| oid.to_string(), |(_, n)| (*n).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_formatting() {
        assert_eq!(serial_hex(&[0x00, 0xab, 0x01]), "AB01");
        assert_eq!(serial_hex(&[0x01]), "01");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[]), "00");
        assert_eq!(serial_hex(&[0xff]), "-01");
        assert_eq!(serial_hex(&[0xff, 0x00]), "-0100");
    }

    #[test]
    fn garbage_does_not_panic() {
        assert!(show(b"").is_err());
        assert!(show(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
    }
}

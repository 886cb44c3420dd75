//! Bounded readers for the PEM and DER inputs a CA meets: certificate
//! bundles, CRLs and certificate requests.
//!
//! Every reader checks the input size first, then the number of blocks, and
//! parses each certificate fully, so that later code only sees DER that
//! x509-parser accepts without trailing bytes.

use x509_parser::prelude::FromDer;

use crate::{Error, Result};

/// Largest PEM or DER input (a bundle of trust anchors, a CRL, a request).
pub const MAX_INPUT: usize = 4 << 20;
/// Most certificates in one bundle.
pub const MAX_BUNDLE_CERTS: usize = 1000;
/// Most CRLs in one bundle.
pub const MAX_BUNDLE_CRLS: usize = 64;
/// Largest single certificate or request.
pub const MAX_CERT: usize = 64 << 10;

pub(crate) const LABEL_CERT: &str = "CERTIFICATE";
pub(crate) const LABEL_CRL: &str = "X509 CRL";
pub(crate) const LABEL_CSR: &str = "CERTIFICATE REQUEST";
const LABEL_CSR_OLD: &str = "NEW CERTIFICATE REQUEST";

fn looks_like_pem(bytes: &[u8]) -> bool {
    scs_crypto::pem_io::looks_like_pem(bytes)
}

fn check_size(what: &'static str, len: usize, limit: usize) -> Result<()> {
    if len > limit {
        return Err(Error::TooLarge { what, limit });
    }
    Ok(())
}

/// The PEM blocks of `bytes` whose label is one of `labels`; other blocks
/// are skipped. At most `max` blocks are returned.
fn pem_blocks(
    bytes: &[u8],
    labels: &[&str],
    max: usize,
    what: &'static str,
) -> Result<Vec<Vec<u8>>> {
    let blocks = pem::parse_many(bytes).map_err(|e| Error::malformed("PEM", e))?;
    let mut out = Vec::new();
    for block in blocks {
        if labels.contains(&block.tag()) {
            if out.len() == max {
                return Err(Error::TooLarge { what, limit: max });
            }
            out.push(block.into_contents());
        }
    }
    if out.is_empty() {
        return Err(Error::malformed(
            "PEM",
            format!("no {} block", labels.first().copied().unwrap_or_default()),
        ));
    }
    Ok(out)
}

/// Checks that `der` is exactly one X.509 certificate.
pub(crate) fn check_certificate(der: &[u8]) -> Result<()> {
    check_size("certificate size", der.len(), MAX_CERT)?;
    let (rest, _) = x509_parser::certificate::X509Certificate::from_der(der)
        .map_err(|e| Error::malformed("certificate", e))?;
    if !rest.is_empty() {
        return Err(Error::malformed(
            "certificate",
            "trailing data after the certificate",
        ));
    }
    Ok(())
}

/// Every certificate in a PEM bundle, or the single DER certificate given;
/// each as DER, each checked to parse.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    check_size("certificate input size", bytes.len(), MAX_INPUT)?;
    let ders = if looks_like_pem(bytes) {
        pem_blocks(
            bytes,
            &[LABEL_CERT],
            MAX_BUNDLE_CERTS,
            "number of certificates",
        )?
    } else {
        vec![bytes.to_vec()]
    };
    for der in &ders {
        check_certificate(der)?;
    }
    Ok(ders)
}

/// Exactly one certificate, PEM or DER.
pub fn parse_certificate(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut certs = parse_certificates(bytes)?;
    if certs.len() != 1 {
        return Err(Error::malformed(
            "certificate",
            format!("expected one certificate, found {}", certs.len()),
        ));
    }
    Ok(certs.remove(0))
}

/// Every CRL in a PEM bundle (`X509 CRL` blocks) or the single DER CRL
/// given, each checked to parse.
pub fn parse_crls(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    check_size("CRL input size", bytes.len(), MAX_INPUT)?;
    let ders = if looks_like_pem(bytes) {
        pem_blocks(bytes, &[LABEL_CRL], MAX_BUNDLE_CRLS, "number of CRLs")?
    } else {
        vec![bytes.to_vec()]
    };
    for der in &ders {
        let (rest, _) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
            .map_err(|e| Error::malformed("CRL", e))?;
        if !rest.is_empty() {
            return Err(Error::malformed("CRL", "trailing data after the CRL"));
        }
    }
    Ok(ders)
}

/// A certificate request, PEM (`CERTIFICATE REQUEST`) or DER, as DER.
pub(crate) fn csr_der(bytes: &[u8]) -> Result<Vec<u8>> {
    check_size("certificate request size", bytes.len(), MAX_CERT)?;
    if looks_like_pem(bytes) {
        let mut blocks = pem_blocks(
            bytes,
            &[LABEL_CSR, LABEL_CSR_OLD],
            1,
            "number of certificate requests",
        )?;
        Ok(blocks.remove(0))
    } else {
        Ok(bytes.to_vec())
    }
}

/// DER to PEM with the given label.
pub(crate) fn to_pem(label: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(label, der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// A certificate as PEM.
#[must_use]
pub fn certificate_pem(der: &[u8]) -> String {
    to_pem(LABEL_CERT, der)
}

/// A CRL as PEM.
#[must_use]
pub fn crl_pem(der: &[u8]) -> String {
    to_pem(LABEL_CRL, der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_typed_error() {
        for input in [
            &b""[..],
            b"hello",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n",
            &[0x30, 0x82, 0xff, 0xff][..],
            &[0x30, 0x00][..],
        ] {
            assert!(parse_certificates(input).is_err());
            assert!(parse_crls(input).is_err());
        }
        let big = vec![b'A'; MAX_INPUT + 1];
        assert!(matches!(
            parse_certificates(&big),
            Err(Error::TooLarge { .. })
        ));
    }
}

//! Chain validation with rustls-webpki: [`verify`].
//!
//! What is checked: every signature up to one of the given trust anchors
//! (path building over the untrusted intermediates), validity periods at the
//! chosen time (the trust anchor's too, which webpki alone does not check),
//! BasicConstraints and path length, name constraints, critical extensions,
//! the extended key usage for the purpose, revocation against the given CRLs
//! and the host name or IP address.
//!
//! Revocation, when CRLs are given: the leaf must be covered by a CRL from
//! its issuer (otherwise "revocation status unknown", as with `openssl
//! verify -crl_check`), and every intermediate for which a CRL is given is
//! checked as well. A CRL whose `nextUpdate` is before the verification time
//! is refused as stale, because an old CRL could hide a newer revocation.

use core::fmt;
use core::str::FromStr;

use rustls_pki_types::{
    CertificateDer, ServerName, SignatureVerificationAlgorithm, TrustAnchor, UnixTime,
};
use serde::Serialize;
use time::OffsetDateTime;
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, ExtendedKeyUsageValidator,
    KeyPurposeIdIter, KeyUsage, OwnedCertRevocationList, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy, VerifiedPath,
};
use x509_parser::prelude::FromDer;

use crate::info::{CertInfo, show};
use crate::{Error, Result};

/// Most untrusted intermediates one verification looks at.
pub const MAX_INTERMEDIATES: usize = 128;
/// Most trust anchors one verification looks at.
pub const MAX_ANCHORS: usize = 1000;
/// Most CRLs one verification looks at.
pub const MAX_CRLS: usize = 64;

/// Signature algorithms accepted in chains. scs issues RSA (PKCS#1 v1.5
/// SHA-256) and Ed25519; ECDSA P-256/P-384/P-521 and RSA-PSS are accepted
/// so that chains from other CAs verify too.
pub static SUPPORTED_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    webpki::aws_lc_rs::ED25519,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA384,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA512,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    webpki::aws_lc_rs::ECDSA_P256_SHA256,
    webpki::aws_lc_rs::ECDSA_P256_SHA384,
    webpki::aws_lc_rs::ECDSA_P256_SHA512,
    webpki::aws_lc_rs::ECDSA_P384_SHA256,
    webpki::aws_lc_rs::ECDSA_P384_SHA384,
    webpki::aws_lc_rs::ECDSA_P384_SHA512,
    webpki::aws_lc_rs::ECDSA_P521_SHA256,
    webpki::aws_lc_rs::ECDSA_P521_SHA384,
    webpki::aws_lc_rs::ECDSA_P521_SHA512,
];

/// What the leaf certificate is to be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// TLS server authentication (`serverAuth`).
    Server,
    /// TLS client authentication (`clientAuth`).
    Client,
}

impl Purpose {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Server => "server",
            Purpose::Client => "client",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Purpose {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "server" | "sslserver" | "serverauth" => Ok(Purpose::Server),
            "client" | "sslclient" | "clientauth" => Ok(Purpose::Client),
            _ => Err(Error::invalid("purpose", s, "expected server or client")),
        }
    }
}

/// Why a chain did not verify. Each message is one line naming the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("certificate has expired (valid until {})", fmt_time(*.not_after))]
    Expired { not_after: OffsetDateTime },
    #[error("certificate is not yet valid (valid from {})", fmt_time(*.not_before))]
    NotYetValid { not_before: OffsetDateTime },
    #[error("unknown issuer: no chain to a trusted root (missing intermediate or wrong CA)")]
    UnknownIssuer,
    #[error("bad signature in the certificate chain")]
    BadSignature,
    #[error("certificate is not valid for {0} authentication (extended key usage)")]
    WrongPurpose(Purpose),
    #[error("certificate is not valid for {host} (it names {presented})")]
    NameMismatch { host: String, presented: String },
    #[error("certificate has been revoked")]
    Revoked,
    #[error("revocation status unknown: no CRL from the certificate's issuer was given")]
    RevocationUnknown,
    #[error("the CRL has expired (its next update was due {})", fmt_time(*.next_update))]
    CrlExpired { next_update: OffsetDateTime },
    #[error("certificate violates its issuer's name constraints")]
    NameConstraints,
    #[error("unsupported signature or key algorithm in the chain")]
    UnsupportedAlgorithm,
    #[error("invalid certificate chain: {0}")]
    Invalid(String),
    #[error("malformed {0}")]
    Malformed(String),
    #[error("chain too complex to verify (path building limit reached)")]
    TooComplex,
    /// A problem with the request rather than the certificate: a bad host
    /// name, no trust anchors, too many inputs.
    #[error("{0}")]
    InvalidInput(String),
}

impl VerifyError {
    /// Whether the certificate failed verification (exit code 1), as
    /// opposed to a usage problem ([`VerifyError::InvalidInput`], exit 2).
    #[must_use]
    pub fn is_verification_failure(&self) -> bool {
        !matches!(self, VerifyError::InvalidInput(_))
    }
}

fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn unix_to_time(t: UnixTime) -> OffsetDateTime {
    i64::try_from(t.as_secs())
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn map_webpki(e: webpki::Error, purpose: Option<Purpose>) -> VerifyError {
    use webpki::Error as W;
    #[allow(deprecated)]
    match e {
        W::CertExpired { not_after, .. } => VerifyError::Expired {
            not_after: unix_to_time(not_after),
        },
        W::CertNotValidYet { not_before, .. } => VerifyError::NotYetValid {
            not_before: unix_to_time(not_before),
        },
        W::UnknownIssuer => VerifyError::UnknownIssuer,
        W::InvalidSignatureForPublicKey | W::InvalidCrlSignatureForPublicKey => {
            VerifyError::BadSignature
        }
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) | W::EmptyEkuExtension => {
            VerifyError::WrongPurpose(purpose.unwrap_or(Purpose::Server))
        }
        W::CertRevoked => VerifyError::Revoked,
        W::UnknownRevocationStatus => VerifyError::RevocationUnknown,
        W::CrlExpired { next_update, .. } => VerifyError::CrlExpired {
            next_update: unix_to_time(next_update),
        },
        W::NameConstraintViolation => VerifyError::NameConstraints,
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | W::UnsupportedCrlSignatureAlgorithm
        | W::UnsupportedCrlSignatureAlgorithmContext(_)
        | W::UnsupportedCrlSignatureAlgorithmForPublicKey
        | W::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
            VerifyError::UnsupportedAlgorithm
        }
        W::CaUsedAsEndEntity => {
            VerifyError::Invalid("a CA certificate is used as an end-entity certificate".into())
        }
        W::EndEntityUsedAsCa => {
            VerifyError::Invalid("an end-entity certificate is used as a CA".into())
        }
        W::PathLenConstraintViolated => {
            VerifyError::Invalid("path length constraint violated".into())
        }
        W::UnsupportedCriticalExtension => {
            VerifyError::Invalid("unsupported critical extension".into())
        }
        W::IssuerNotCrlSigner => {
            VerifyError::Invalid("the CRL issuer is not allowed to sign CRLs".into())
        }
        W::CertDistrusted => VerifyError::Invalid("certificate key is distrusted".into()),
        W::SignatureAlgorithmMismatch => {
            VerifyError::Invalid("the certificate's two signature algorithm fields differ".into())
        }
        W::UnsupportedCertVersion => {
            VerifyError::Invalid("certificate is not X.509 version 3".into())
        }
        W::UnsupportedCrlVersion
        | W::UnsupportedDeltaCrl
        | W::UnsupportedIndirectCrl
        | W::UnsupportedRevocationReason
        | W::UnsupportedRevocationReasonsPartitioning
        | W::UnsupportedCrlIssuingDistributionPoint => {
            VerifyError::Invalid(format!("unsupported CRL ({e})"))
        }
        W::MaximumSignatureChecksExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumNameConstraintComparisonsExceeded
        | W::MaximumPathDepthExceeded => VerifyError::TooComplex,
        W::CertNotValidForName(ctx) => VerifyError::NameMismatch {
            host: format!("{:?}", ctx.expected),
            presented: ctx.presented.join(", "),
        },
        W::UnsupportedNameType => VerifyError::InvalidInput("unsupported host name type".into()),
        W::MalformedDnsIdentifier => VerifyError::Malformed("DNS name in the certificate".into()),
        W::MalformedNameConstraint | W::InvalidNetworkMaskConstraint => {
            VerifyError::Malformed("name constraint".into())
        }
        W::InvalidSerialNumber => VerifyError::Malformed("certificate serial number".into()),
        W::InvalidCrlNumber => VerifyError::Malformed("CRL number".into()),
        W::InvalidCertValidity => VerifyError::Malformed("certificate validity period".into()),
        W::BadDerTime => VerifyError::Malformed("time in a certificate".into()),
        W::MalformedExtensions | W::ExtensionValueInvalid => {
            VerifyError::Malformed("certificate extension".into())
        }
        other => VerifyError::Malformed(format!("certificate ({other})")),
    }
}

/// Accepts any extended key usage (no purpose requested); a malformed EKU
/// extension still fails.
struct AnyPurpose;

impl ExtendedKeyUsageValidator for AnyPurpose {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> core::result::Result<(), webpki::Error> {
        for id in iter {
            id?;
        }
        Ok(())
    }
}

enum Eku {
    Any(AnyPurpose),
    Usage(KeyUsage),
}

impl ExtendedKeyUsageValidator for Eku {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> core::result::Result<(), webpki::Error> {
        match self {
            Eku::Any(a) => a.validate(iter),
            Eku::Usage(u) => u.validate(iter),
        }
    }
}

/// Proof that a chain verified: only [`verify`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedChain {
    leaf: CertInfo,
    intermediates: Vec<CertInfo>,
    anchor_subject: String,
    purpose: Option<Purpose>,
    host: Option<String>,
    at: OffsetDateTime,
    revocation_checked: bool,
}

impl VerifiedChain {
    /// The verified leaf certificate.
    #[must_use]
    pub fn leaf(&self) -> &CertInfo {
        &self.leaf
    }

    /// The intermediates of the path found, leaf side first.
    #[must_use]
    pub fn intermediates(&self) -> &[CertInfo] {
        &self.intermediates
    }

    /// The subject of the trust anchor the path ends at.
    #[must_use]
    pub fn anchor_subject(&self) -> &str {
        &self.anchor_subject
    }

    /// The purpose checked, if any.
    #[must_use]
    pub fn purpose(&self) -> Option<Purpose> {
        self.purpose
    }

    /// The host name or address checked, if any.
    #[must_use]
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The time the chain was verified for.
    #[must_use]
    pub fn at(&self) -> OffsetDateTime {
        self.at
    }

    /// Whether CRLs were consulted.
    #[must_use]
    pub fn revocation_checked(&self) -> bool {
        self.revocation_checked
    }

    /// Whether the leaf names this e-mail address (rfc822Name SAN; the
    /// domain compared without regard to case).
    #[must_use]
    pub fn has_email(&self, addr: &str) -> bool {
        let Some((l, d)) = addr.rsplit_once('@') else {
            return false;
        };
        self.leaf.subject_alt_names.iter().any(|s| {
            s.strip_prefix("email:")
                .and_then(|e| e.rsplit_once('@'))
                .is_some_and(|(l2, d2)| l2 == l && d2.eq_ignore_ascii_case(d))
        })
    }
}

struct AnchorSet<'a> {
    anchors: Vec<TrustAnchor<'a>>,
    /// notBefore / notAfter of each anchor certificate.
    validity: Vec<(OffsetDateTime, OffsetDateTime)>,
    subjects: Vec<String>,
}

fn parse_anchors<'a>(
    ders: &'a [CertificateDer<'a>],
) -> core::result::Result<AnchorSet<'a>, VerifyError> {
    let mut set = AnchorSet {
        anchors: Vec::with_capacity(ders.len()),
        validity: Vec::with_capacity(ders.len()),
        subjects: Vec::with_capacity(ders.len()),
    };
    for (i, der) in ders.iter().enumerate() {
        let anchor = webpki::anchor_from_trusted_cert(der)
            .map_err(|e| VerifyError::Malformed(format!("trust anchor #{}: {e}", i + 1)))?;
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der)
            .map_err(|e| VerifyError::Malformed(format!("trust anchor #{}: {e}", i + 1)))?;
        set.validity.push((
            cert.validity().not_before.to_datetime(),
            cert.validity().not_after.to_datetime(),
        ));
        set.subjects.push(cert.subject().to_string());
        set.anchors.push(anchor);
    }
    Ok(set)
}

/// RFC 5280 rules for end-entity certificates that webpki does not apply.
fn check_leaf(der: &[u8]) -> core::result::Result<(), VerifyError> {
    use x509_parser::certificate::X509Certificate;
    use x509_parser::oid_registry::{OID_X509_EXT_NAME_CONSTRAINTS, OID_X509_EXT_SUBJECT_ALT_NAME};

    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| VerifyError::Malformed(format!("certificate ({e})")))?;
    let is_ca = cert.is_ca();
    // §4.2.1.9: without cA, keyCertSign must not be asserted.
    if !is_ca && matches!(cert.key_usage(), Ok(Some(ku)) if ku.value.key_cert_sign()) {
        return Err(VerifyError::Invalid(
            "an end-entity certificate asserts keyCertSign".into(),
        ));
    }
    // §4.2.1.10: name constraints belong in CA certificates only.
    let (nc_oid, san_oid) = (OID_X509_EXT_NAME_CONSTRAINTS, OID_X509_EXT_SUBJECT_ALT_NAME);
    let ext = |oid| {
        cert.tbs_certificate
            .get_extension_unique(oid)
            .map_err(|e| VerifyError::Malformed(format!("certificate extension ({e})")))
    };
    if !is_ca && ext(&nc_oid)?.is_some() {
        return Err(VerifyError::Invalid(
            "an end-entity certificate carries name constraints".into(),
        ));
    }
    // §4.1.2.6: with an empty subject, the SAN extension must be critical.
    if cert.subject().iter().next().is_none()
        && let Some(san) = ext(&san_oid)?
        && !san.critical
    {
        return Err(VerifyError::Invalid(
            "the subject is empty but the subjectAltName extension is not critical".into(),
        ));
    }
    Ok(())
}

/// RFC 5280 rules for CRLs that webpki leaves to the caller: a CRL number
/// is present and not critical (§5.2.3), and a trust anchor that issued a
/// CRL may sign CRLs (§4.2.1.3; webpki checks this for intermediates).
fn check_crls(crls: &[Vec<u8>], anchors: &[Vec<u8>]) -> core::result::Result<(), VerifyError> {
    use x509_parser::certificate::X509Certificate;
    use x509_parser::oid_registry::OID_X509_EXT_CRL_NUMBER;
    use x509_parser::revocation_list::CertificateRevocationList as X509Crl;

    if crls.is_empty() {
        return Ok(());
    }
    // Subjects of the trust anchors whose KeyUsage leaves out cRLSign.
    let mut no_crl_sign: Vec<&[u8]> = Vec::new();
    for anchor in anchors {
        if let Ok((_, cert)) = X509Certificate::from_der(anchor)
            && matches!(cert.key_usage(), Ok(Some(ku)) if !ku.value.crl_sign())
        {
            no_crl_sign.push(cert.tbs_certificate.subject.as_raw());
        }
    }
    for (i, der) in crls.iter().enumerate() {
        let n = i + 1;
        let (_, crl) =
            X509Crl::from_der(der).map_err(|e| VerifyError::Malformed(format!("CRL #{n}: {e}")))?;
        match crl.tbs_cert_list.find_extension(&OID_X509_EXT_CRL_NUMBER) {
            None => {
                return Err(VerifyError::Invalid(format!("CRL #{n} has no CRL number")));
            }
            Some(ext) if ext.critical => {
                return Err(VerifyError::Invalid(format!(
                    "CRL #{n} marks its CRL number critical"
                )));
            }
            Some(_) => {}
        }
        if no_crl_sign.contains(&crl.issuer().as_raw()) {
            return Err(VerifyError::Invalid(format!(
                "CRL #{n} is issued by a CA that may not sign CRLs"
            )));
        }
    }
    Ok(())
}

/// Verifies `leaf` (DER) up to one of `anchors` (DER certificates), using
/// `intermediates` (DER, untrusted, any order) for path building.
///
/// * `crls`: DER CRLs; when any are given, revocation is checked (see the
///   module documentation).
/// * `purpose`: `Some(Server)` or `Some(Client)` requires that EKU, if the
///   leaf has an EKU extension (RFC 5280); `None` checks no purpose.
/// * `host`: a DNS name or an IP address the leaf must name in its SANs
///   (the common name is never used).
/// * `at`: the verification time; `None` is now.
pub fn verify(
    leaf: &[u8],
    intermediates: &[Vec<u8>],
    anchors: &[Vec<u8>],
    crls: &[Vec<u8>],
    purpose: Option<Purpose>,
    host: Option<&str>,
    at: Option<OffsetDateTime>,
) -> core::result::Result<VerifiedChain, VerifyError> {
    if intermediates.len() > MAX_INTERMEDIATES {
        return Err(VerifyError::InvalidInput(format!(
            "too many intermediate certificates (at most {MAX_INTERMEDIATES})"
        )));
    }
    if anchors.is_empty() {
        return Err(VerifyError::InvalidInput("no trust anchors given".into()));
    }
    if anchors.len() > MAX_ANCHORS {
        return Err(VerifyError::InvalidInput(format!(
            "too many trust anchors (at most {MAX_ANCHORS})"
        )));
    }
    if crls.len() > MAX_CRLS {
        return Err(VerifyError::InvalidInput(format!(
            "too many CRLs (at most {MAX_CRLS})"
        )));
    }
    // webpki works in whole seconds; so does every X.509 time.
    let at = at.unwrap_or_else(OffsetDateTime::now_utc);
    let at = at.replace_nanosecond(0).unwrap_or(at);
    let secs = u64::try_from(at.unix_timestamp()).map_err(|_| {
        VerifyError::InvalidInput("verification time before 1970 is not supported".into())
    })?;
    let unix = UnixTime::since_unix_epoch(core::time::Duration::from_secs(secs));
    let server_name = match host {
        Some(h) => Some(ServerName::try_from(h).map_err(|_| {
            VerifyError::InvalidInput(format!(
                "'{}' is neither a DNS name nor an IP address",
                h.chars()
                    .filter(|c| !c.is_control())
                    .take(80)
                    .collect::<String>()
            ))
        })?),
        None => None,
    };

    let leaf_der = CertificateDer::from(leaf);
    let ee = EndEntityCert::try_from(&leaf_der).map_err(|e| map_webpki(e, purpose))?;
    let inters: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let anchor_ders: Vec<CertificateDer<'_>> = anchors
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let set = parse_anchors(&anchor_ders)?;
    let owned_crls: Vec<CertRevocationList<'static>> = crls
        .iter()
        .enumerate()
        .map(|(i, der)| {
            OwnedCertRevocationList::from_der(der)
                .map(CertRevocationList::from)
                .map_err(|e| VerifyError::Malformed(format!("CRL #{}: {e}", i + 1)))
        })
        .collect::<core::result::Result<_, _>>()?;
    check_crls(crls, anchors)?;
    let crl_refs: Vec<&CertRevocationList<'_>> = owned_crls.iter().collect();

    let eku = match purpose {
        None => Eku::Any(AnyPurpose),
        Some(Purpose::Server) => Eku::Usage(KeyUsage::server_auth()),
        Some(Purpose::Client) => Eku::Usage(KeyUsage::client_auth()),
    };
    let anchor_index = |path: &VerifiedPath<'_>| {
        set.anchors
            .iter()
            .position(|a| core::ptr::eq(a, path.anchor()))
    };
    let check_anchor = |path: &VerifiedPath<'_>| -> core::result::Result<(), webpki::Error> {
        let Some(i) = anchor_index(path) else {
            return Ok(());
        };
        let (nb, na) = set.validity[i];
        let to_unix = |t: OffsetDateTime| {
            UnixTime::since_unix_epoch(core::time::Duration::from_secs(
                u64::try_from(t.unix_timestamp()).unwrap_or(0),
            ))
        };
        if at > na {
            return Err(webpki::Error::CertExpired {
                time: unix,
                not_after: to_unix(na),
            });
        }
        if at < nb {
            return Err(webpki::Error::CertNotValidYet {
                time: unix,
                not_before: to_unix(nb),
            });
        }
        Ok(())
    };

    let run = |revocation| {
        ee.verify_for_usage(
            SUPPORTED_ALGORITHMS,
            &set.anchors,
            &inters,
            unix,
            &eku,
            revocation,
            Some(&check_anchor),
        )
        .map_err(|e| map_webpki(e, purpose))
    };

    let path = if crl_refs.is_empty() {
        run(None)?
    } else {
        let builder = RevocationOptionsBuilder::new(&crl_refs)
            .map_err(|_| VerifyError::InvalidInput("no CRLs".into()))?
            .with_expiration_policy(ExpirationPolicy::Enforce);
        // The leaf must be covered by a CRL ...
        run(Some(
            builder
                .with_depth(RevocationCheckDepth::EndEntity)
                .with_status_policy(UnknownStatusPolicy::Deny)
                .build(),
        ))?;
        // ... and intermediates are checked against whichever CRLs apply.
        run(Some(
            builder
                .with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(UnknownStatusPolicy::Allow)
                .build(),
        ))?
    };

    let leaf_info = show(leaf).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    check_leaf(leaf)?;
    if let Some(name) = &server_name {
        ee.verify_is_valid_for_subject_name(name)
            .map_err(|e| match e {
                webpki::Error::CertNotValidForName(_) => VerifyError::NameMismatch {
                    host: host.unwrap_or_default().to_owned(),
                    presented: if leaf_info.subject_alt_names.is_empty() {
                        "no subject alternative names".into()
                    } else {
                        leaf_info.subject_alt_names.join(", ")
                    },
                },
                other => map_webpki(other, purpose),
            })?;
    }

    let mut inter_infos = Vec::new();
    for c in path.intermediate_certificates() {
        inter_infos
            .push(show(c.der().as_ref()).map_err(|e| VerifyError::Malformed(e.to_string()))?);
    }
    let anchor_subject = anchor_index(&path)
        .map(|i| set.subjects[i].clone())
        .unwrap_or_default();

    Ok(VerifiedChain {
        leaf: leaf_info,
        intermediates: inter_infos,
        anchor_subject,
        purpose,
        host: host.map(str::to_owned),
        at,
        revocation_checked: !crl_refs.is_empty(),
    })
}

/// Trust anchors for rustls (`RootCertStore { roots }` or
/// `WebPkiClientVerifier`), from a PEM bundle or one DER certificate.
pub fn trust_anchors(bytes: &[u8]) -> Result<Vec<TrustAnchor<'static>>> {
    let ders = crate::input::parse_certificates(bytes)?;
    if ders.len() > MAX_ANCHORS {
        return Err(Error::TooLarge {
            what: "number of trust anchors",
            limit: MAX_ANCHORS,
        });
    }
    ders.iter()
        .map(|d| {
            webpki::anchor_from_trusted_cert(&CertificateDer::from(d.as_slice()))
                .map(|a| a.to_owned())
                .map_err(|e| Error::malformed("trust anchor", e))
        })
        .collect()
}

/// CRLs for rustls' `WebPkiClientVerifier::builder(..).with_crls(..)`, from
/// a PEM bundle or one DER CRL, each checked to parse as webpki will.
pub fn crls_for_rustls(
    bytes: &[u8],
) -> Result<Vec<rustls_pki_types::CertificateRevocationListDer<'static>>> {
    let ders = crate::input::parse_crls(bytes)?;
    ders.into_iter()
        .map(|d| {
            OwnedCertRevocationList::from_der(&d).map_err(|e| Error::malformed("CRL", e))?;
            Ok(rustls_pki_types::CertificateRevocationListDer::from(d))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_parse() {
        assert_eq!("sslserver".parse::<Purpose>().unwrap(), Purpose::Server);
        assert_eq!("Client".parse::<Purpose>().unwrap(), Purpose::Client);
        assert!("email".parse::<Purpose>().is_err());
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let e = verify(b"junk", &[], &[b"junk".to_vec()], &[], None, None, None).unwrap_err();
        assert!(matches!(e, VerifyError::Malformed(_)), "{e}");
        let e = verify(b"junk", &[], &[], &[], None, None, None).unwrap_err();
        assert!(matches!(e, VerifyError::InvalidInput(_)), "{e}");
    }
}

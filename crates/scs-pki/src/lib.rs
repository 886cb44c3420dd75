//! The scs certificate authority.
//!
//! * [`Ca`]: a CA directory — root certificate, optional intermediate that
//!   does the day-to-day signing, private keys encrypted at rest, records of
//!   every issued certificate and the CRL number, guarded by a lock file and
//!   written atomically. [`Ca::unlock`] gives a [`CaSigner`] that issues
//!   ([`CaSigner::sign_csr`], [`CaSigner::issue`]), revokes
//!   ([`CaSigner::revoke`]) and signs CRLs ([`CaSigner::crl`]).
//! * [`make_csr`] and [`Csr::parse`] (which verifies the request's
//!   signature).
//! * [`show`]: what a certificate says ([`CertInfo`], serialisable).
//! * [`verify`]: chain validation with rustls-webpki, returning a
//!   [`VerifiedChain`] or a one-line [`VerifyError`].
//!
//! Certificates are assembled by rcgen, signed by scs-crypto keys (RSA
//! PKCS#1 v1.5 SHA-256, Ed25519), read by x509-parser and validated by
//! rustls-webpki on aws-lc-rs. `docs/pki.md` describes the directory layout,
//! the profiles and the verification rules.
#![forbid(unsafe_code)]

mod ca;
mod csr;
mod error;
mod info;
mod input;
mod profile;
mod reason;
mod san;
mod signer;
mod store;
mod tls;
mod verify;

pub use ca::{
    BACKDATE, Ca, CaSigner, Crl, InitOptions, Issued, MAX_CA_DAYS, MAX_CRL_DAYS, MAX_LEAF_DAYS,
    normalize_serial,
};
pub use csr::{Csr, make_csr};
pub use error::{Error, Result};
pub use info::{CertInfo, MAX_SHOWN_SANS, show};
pub use input::{
    MAX_BUNDLE_CERTS, MAX_BUNDLE_CRLS, MAX_CERT, MAX_INPUT, certificate_pem, crl_pem,
    parse_certificate, parse_certificates, parse_crls,
};
pub use profile::{MAX_CN, MAX_SANS, Profile};
pub use reason::RevocationReason;
pub use san::San;
pub use store::{MAX_RECORDS_FILE, Record, Status};
pub use verify::{
    MAX_ANCHORS, MAX_CRLS, MAX_INTERMEDIATES, Purpose, SUPPORTED_ALGORITHMS, VerifiedChain,
    VerifyError, crls_for_rustls, trust_anchors, verify,
};

/// Re-exported so callers can name rustls' types without a direct dependency.
pub use rustls_pki_types as pki_types;

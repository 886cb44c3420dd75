use std::path::PathBuf;

use thiserror::Error;

/// Errors from the certificate authority and the certificate parsers.
///
/// Messages are one lowercase line without a trailing period. They never
/// contain key material or passphrases.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The passphrase does not open the CA's private key.
    #[error("wrong CA passphrase")]
    WrongPassphrase,
    /// A certificate signing request is not signed by its own key.
    #[error("the certificate request's signature does not verify")]
    BadCsrSignature,
    /// Input that does not parse: PEM, DER, a certificate, a request.
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    /// Input beyond a size or count limit.
    #[error("{what} exceeds the limit of {limit}")]
    TooLarge { what: &'static str, limit: usize },
    /// A name (CN, SAN, serial, reason, profile, ...) that is not acceptable.
    #[error("invalid {what} '{value}': {reason}")]
    InvalidName {
        what: &'static str,
        value: String,
        reason: String,
    },
    /// A request the profile or the CA's policy does not allow.
    #[error("{0}")]
    Policy(String),
    /// An algorithm or key type this CA does not handle.
    #[error("unsupported {0}")]
    Unsupported(String),
    /// No issued certificate has this serial number.
    #[error("no certificate with serial {0} in this CA")]
    UnknownSerial(String),
    /// The certificate was already revoked.
    #[error("certificate {0} is already revoked")]
    AlreadyRevoked(String),
    /// The directory is not a CA directory (or not one this version reads).
    #[error("{path}: {reason}")]
    NotACa { path: PathBuf, reason: String },
    /// `init` on a directory that already holds a CA or other files.
    #[error("{0}: already exists and is not empty")]
    AlreadyExists(PathBuf),
    /// The CA's files disagree with each other (a key that does not match
    /// its certificate, records that do not parse).
    #[error("CA directory is inconsistent: {0}")]
    Corrupt(String),
    /// Reading or writing the CA directory.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Certificate or CRL generation failed.
    #[error("certificate generation failed: {0}")]
    Generate(String),
    /// From the primitives (key generation, encryption of keys).
    #[error(transparent)]
    Crypto(scs_crypto::Error),
}

impl From<scs_keystore::fsutil::IoAt> for Error {
    fn from(e: scs_keystore::fsutil::IoAt) -> Self {
        Error::io(e.path, e.source)
    }
}

impl Error {
    pub(crate) fn malformed(what: &'static str, detail: impl std::fmt::Display) -> Self {
        Error::Malformed {
            what,
            detail: detail.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(
        what: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        let mut value = value.into();
        if value.chars().count() > 80 {
            value = value.chars().take(77).collect::<String>() + "...";
        }
        // Never echo control characters back to a terminal.
        let value = value
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        Error::InvalidName {
            what,
            value,
            reason: reason.into(),
        }
    }

    /// Whether this error means that an authenticity check failed: a wrong
    /// passphrase, or a request whose signature does not verify. The
    /// command line maps this to exit code 1 and everything else to 2.
    #[must_use]
    pub fn is_verification_failure(&self) -> bool {
        match self {
            Error::WrongPassphrase | Error::BadCsrSignature => true,
            Error::Crypto(e) => e.is_verification_failure(),
            _ => false,
        }
    }
}

impl From<scs_crypto::Error> for Error {
    fn from(e: scs_crypto::Error) -> Self {
        match e {
            scs_crypto::Error::WrongPassphrase => Error::WrongPassphrase,
            other => Error::Crypto(other),
        }
    }
}

impl From<rcgen::Error> for Error {
    fn from(e: rcgen::Error) -> Self {
        Error::Generate(e.to_string())
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

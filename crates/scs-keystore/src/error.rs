use std::path::PathBuf;

use thiserror::Error;

/// Keystore errors.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    #[error("no key named '{0}' in the keystore")]
    NotFound(String),
    #[error("a key named '{0}' already exists")]
    Exists(String),
    #[error("invalid key name '{name}': {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("key '{0}' has no private part (it was imported from a public key or certificate)")]
    NoPrivateKey(String),
    #[error("cannot determine a home directory; set SCS_HOME or pass --home")]
    NoHome,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("corrupted keystore entry {path}: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("certificate: {0}")]
    Certificate(String),
    #[error(transparent)]
    Crypto(#[from] scs_crypto::Error),
}

impl From<crate::fsutil::IoAt> for Error {
    fn from(e: crate::fsutil::IoAt) -> Self {
        Error::Io {
            path: e.path,
            source: e.source,
        }
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Whether this is an authentication failure (a wrong passphrase).
    #[must_use]
    pub fn is_verification_failure(&self) -> bool {
        matches!(self, Error::Crypto(e) if e.is_verification_failure())
    }
}

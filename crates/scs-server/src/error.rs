//! The error type of the public API.

use std::net::SocketAddr;
use std::path::PathBuf;

/// What went wrong in [`crate::init`], [`crate::run`] or an [`crate::admin`]
/// command. Messages are one lowercase line; they never contain a password,
/// a passphrase, a token or key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file of the data directory.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `config.toml` does not parse or holds an unacceptable value.
    #[error("{path}: {detail}")]
    Config { path: PathBuf, detail: String },
    /// `init` on a directory that already holds a server.
    #[error("{0}: already holds an scs server (config.toml exists)")]
    AlreadyInitialized(PathBuf),
    /// `run` or an admin command on a directory without a server.
    #[error("{0}: no scs server here (run `scs server init` first)")]
    NotInitialized(PathBuf),
    /// The passphrase does not open the CA key or the server key.
    #[error("wrong CA passphrase")]
    WrongPassphrase,
    /// From the certificate authority.
    #[error(transparent)]
    Pki(scs_pki::Error),
    /// From the primitives (the server key).
    #[error(transparent)]
    Crypto(scs_crypto::Error),
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(String),
    /// The TLS configuration could not be built.
    #[error("tls: {0}")]
    Tls(String),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// An admin command named a user that does not exist.
    #[error("no user named '{0}'")]
    NoSuchUser(String),
    /// An argument that is not acceptable (a username, a host name, …).
    #[error("{0}")]
    Invalid(String),
}

impl From<scs_keystore::fsutil::IoAt> for Error {
    fn from(e: scs_keystore::fsutil::IoAt) -> Self {
        Error::io(e.path, e.source)
    }
}

impl Error {
    /// Whether an authenticity check failed: the CA passphrase is wrong.
    /// The command line maps this to exit code 1.
    #[must_use]
    pub fn is_verification_failure(&self) -> bool {
        match self {
            Error::WrongPassphrase => true,
            Error::Pki(e) => e.is_verification_failure(),
            Error::Crypto(e) => e.is_verification_failure(),
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<scs_pki::Error> for Error {
    fn from(e: scs_pki::Error) -> Self {
        match e {
            scs_pki::Error::WrongPassphrase => Error::WrongPassphrase,
            other => Error::Pki(other),
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

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Database(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::Database(format!("migration: {e}"))
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

use thiserror::Error;

/// Errors from the primitives.
///
/// Decryption and verification failures are deliberately opaque: they never
/// say which check failed, so they cannot serve as an oracle.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// Authenticated decryption failed (wrong key, or the data was altered).
    #[error("decryption failed: wrong key or corrupted data")]
    Decrypt,
    /// A signature did not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// A MAC did not verify.
    #[error("message authentication failed")]
    BadMac,
    /// The passphrase does not open this key.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// Key material could not be parsed or is not acceptable.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The operation does not apply to this kind of key.
    #[error("a {have} key cannot be used to {op}")]
    WrongKeyType {
        have: &'static str,
        op: &'static str,
    },
    /// RSA-OAEP input longer than the key allows.
    #[error("data too long for RSA-OAEP: {len} bytes, at most {max} for a {bits}-bit key")]
    MessageTooLong { len: usize, max: usize, bits: usize },
    /// Malformed encoded input (PEM, DER, lengths, parameters).
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    /// A parameter outside what is supported.
    #[error("unsupported {0}")]
    Unsupported(String),
    /// Failure inside the underlying library that carries no detail.
    #[error("cryptographic operation failed: {0}")]
    Internal(&'static str),
}

impl Error {
    pub(crate) fn malformed(what: &'static str, detail: impl std::fmt::Display) -> Self {
        Error::Malformed {
            what,
            detail: detail.to_string(),
        }
    }

    /// Whether this error means that an authenticity check failed (a bad
    /// signature, MAC, tag or passphrase), as opposed to bad input or a
    /// usage problem. Command-line tools map this to exit code 1.
    #[must_use]
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            Error::Decrypt | Error::BadSignature | Error::BadMac | Error::WrongPassphrase
        )
    }
}

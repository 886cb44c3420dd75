//! The error type of this crate.

use core::fmt;
use std::io;

use scs_crypto::keys::KeyAlgorithm;

/// Result alias for this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Something the opener tried in order to recover the file key.
///
/// Only public information is kept: a key's algorithm and fingerprint, or the
/// fact that a passphrase was tried — never the passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attempt {
    /// A private key, named by the SHA-256 fingerprint of its public key.
    Key {
        algorithm: KeyAlgorithm,
        fingerprint: [u8; 32],
    },
    /// A passphrase.
    Passphrase,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attempt::Key {
                algorithm,
                fingerprint,
            } => write!(f, "{algorithm} key SHA256:{}", hex::encode(fingerprint)),
            Attempt::Passphrase => f.write_str("a passphrase"),
        }
    }
}

/// One way a sealed file can be opened, as its header announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecipientHint {
    /// An RSA key with this SPKI fingerprint.
    Rsa { fingerprint: [u8; 32] },
    /// An X25519 key; X25519 recipients are anonymous.
    X25519,
    /// A passphrase.
    Passphrase,
    /// A stanza kind this version does not know.
    Unknown { kind: u8 },
}

impl fmt::Display for RecipientHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecipientHint::Rsa { fingerprint } => {
                write!(f, "RSA key SHA256:{}", hex::encode(fingerprint))
            }
            RecipientHint::X25519 => f.write_str("an anonymous X25519 key"),
            RecipientHint::Passphrase => f.write_str("a passphrase"),
            RecipientHint::Unknown { kind } => write!(f, "an unknown recipient kind 0x{kind:02x}"),
        }
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "nothing".to_owned();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn hint_suffix(hint: &Option<&'static str>) -> String {
    hint.map(|h| format!(" ({h})")).unwrap_or_default()
}

/// Errors from sealing and opening.
///
/// Messages never contain a secret. Failures of authenticated decryption are
/// opaque: they do not tell which check failed beyond what the structure of
/// the input already shows. [`Error::is_verification_failure`] separates
/// "this input is not authentic or not for you" from usage and I/O problems.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the input failed.
    #[error("reading input: {0}")]
    Read(#[source] io::Error),
    /// Writing the output failed (a broken pipe shows up here).
    #[error("writing output: {0}")]
    Write(#[source] io::Error),
    /// The input is not scs sealed data (it may be another format).
    #[error("not scs sealed data{}", hint_suffix(.hint))]
    NotSealed { hint: Option<&'static str> },
    /// The input is sealed data of a version this build cannot read.
    #[error("unsupported sealed-data version '{0}' (this build reads v1)")]
    UnsupportedVersion(String),
    /// The sealed data does not follow the format.
    #[error("malformed sealed data: {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    /// The armored text form does not follow the format.
    #[error("malformed armor: {0}")]
    Armor(String),
    /// The input ends before the sealed data does.
    #[error("sealed data is truncated")]
    Truncated,
    /// The header MAC did not verify under the recovered file key.
    #[error("header authentication failed: the header was altered")]
    HeaderAuthentication,
    /// A payload chunk did not authenticate.
    #[error("payload authentication failed: the data was altered")]
    PayloadAuthentication,
    /// The sender signature did not verify.
    #[error("sender signature verification failed")]
    BadSignature,
    /// None of the supplied keys or passphrase opens the file.
    #[error(
        "no key or passphrase opens this file (tried {}; it is sealed to {})",
        list(.tried),
        list(.recipients)
    )]
    NoMatch {
        tried: Vec<Attempt>,
        recipients: Vec<RecipientHint>,
    },
    /// Nothing that could open the file was supplied.
    #[error("no private key or passphrase was supplied (the file is sealed to {})", list(.recipients))]
    NoIdentity { recipients: Vec<RecipientHint> },
    /// The file is passphrase-protected and no passphrase source was given.
    #[error("this file is protected by a passphrase, but no passphrase was supplied")]
    PassphraseRequired,
    /// The passphrase callback failed.
    #[error("reading the passphrase: {0}")]
    PassphraseInput(#[source] io::Error),
    /// The caller asked for something the format does not allow.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// Legacy OpenSSL `enc` decryption failed (bad padding after decryption).
    #[error(
        "decryption failed: wrong passphrase, wrong iteration count or corrupted data (the legacy format cannot tell which)"
    )]
    LegacyDecrypt,
    /// A failure inside a primitive.
    #[error(transparent)]
    Crypto(#[from] scs_crypto::Error),
}

impl Error {
    /// Whether this error means the input is not authentic, not intact, or
    /// not openable with what was supplied: tampering, truncation, a wrong
    /// key or passphrase, a bad signature. Command-line tools map this to
    /// exit code 1, and every other error (I/O, usage, options) to 2.
    ///
    /// Input that does not verify as sealed data this version reads counts
    /// as a verification failure too: a malformed header or armor, and an
    /// unrecognised magic line or version (a flipped byte there is
    /// indistinguishable from any other tampering).
    #[must_use]
    pub fn is_verification_failure(&self) -> bool {
        match self {
            Error::Malformed { .. }
            | Error::NotSealed { .. }
            | Error::UnsupportedVersion(_)
            | Error::Armor(_)
            | Error::Truncated
            | Error::HeaderAuthentication
            | Error::PayloadAuthentication
            | Error::BadSignature
            | Error::NoMatch { .. }
            | Error::LegacyDecrypt => true,
            Error::Crypto(e) => e.is_verification_failure(),
            _ => false,
        }
    }

    pub(crate) fn malformed(what: &'static str, detail: impl fmt::Display) -> Self {
        Error::Malformed {
            what,
            detail: detail.to_string(),
        }
    }

    /// Maps an error from reading the (possibly armored) input.
    pub(crate) fn from_read(e: io::Error) -> Self {
        if let Some(a) = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<crate::armor::ArmorError>())
        {
            return Error::Armor(a.to_string());
        }
        Error::Read(e)
    }
}

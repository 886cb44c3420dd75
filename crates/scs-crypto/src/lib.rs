//! Cryptographic primitives for scs behind a small, safe API.
//!
//! Everything here delegates to audited implementations: aws-lc-rs for
//! SHA-2/SHA-3, HMAC, HKDF, PBKDF2, AES (GCM and CBC), RSA, Ed25519, X25519
//! and the random generator; the `md-5`, `blake3` and `argon2` crates for
//! MD5, BLAKE3 and Argon2id; `pkcs8`/`pkcs5`/`pkcs1`/`spki` for the key
//! encodings. No primitive, padding, comparison or generator is written here.
//!
//! Secrets live in types that zeroize on drop and print as `[secret elided]`.
#![forbid(unsafe_code)]

pub mod aead;
pub mod cbc;
mod error;
pub mod hash;
pub mod kdf;
pub mod keys;
pub mod mac;
pub mod pem_io;
pub mod rand;
pub mod secret;
pub mod sign;

pub use error::Error;
pub use keys::{KeyKind, PrivateKey, PublicKey};
pub use secret::{Passphrase, SecretBytes};

/// Result alias for this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Constant-time equality of two byte strings (aws-lc `CRYPTO_memcmp`).
///
/// Returns `false` when the lengths differ; the length itself is not secret.
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

//! The scs sealed-data format: every file and message scs encrypts.
//!
//! Shaped like age v1. A random 256-bit file key per object; a header with
//! one stanza per way to recover it (a passphrase through Argon2id, an RSA
//! recipient through RSA-OAEP-SHA256, an X25519 recipient through
//! ephemeral-static X25519 and HKDF), authenticated with HMAC-SHA256 under a
//! key derived from the file key; then the payload as a STREAM of 1 MiB
//! AES-256-GCM chunks under a key derived from the file key and a nonce in
//! the header, each chunk's nonce holding its counter and a last-chunk flag.
//! An optional sender signature (RSA-PSS-SHA256 or Ed25519) covers the
//! header and a hash of every sealed chunk. An armored text form wraps the
//! same bytes. The byte layout is specified in `docs/sealed-format.md`.
//!
//! # Sealing
//!
//! [`seal`] (streams) and [`seal_to_vec`] (memory) take [`SealOptions`]:
//! recipients or a passphrase, an optional signer, armor on or off.
//!
//! # Opening
//!
//! [`Decryptor::new`] reads the header (detecting armor) for inspection
//! ([`Header`]: stanza kinds, recipient fingerprints, passphrase or not,
//! signed or not); [`Decryptor::unlock`] recovers the file key with an
//! [`Unlocker`] (private keys, and a passphrase fetched lazily through a
//! callback) and verifies the header, returning an [`Unlocked`] proof;
//! [`Decryptor::open`] consumes that proof and streams the plaintext out,
//! chunk by chunk, each only after it authenticated, returning [`Opened`]
//! only if the stream was complete and the signature (if any) verified.
//! [`open`] and [`open_slice`] do all three steps.
//!
//! ```no_run
//! # fn demo(my_key: &scs_crypto::PrivateKey) -> scs_seal::Result<()> {
//! use scs_seal::{Decryptor, Unlocker};
//! let input = std::fs::File::open("report.pdf.scs").map_err(scs_seal::Error::Read)?;
//! let dec = Decryptor::new(input)?;
//! if dec.header().is_signed() { /* show the claimed signer, if wanted */ }
//! let mut unlocker = Unlocker::new()
//!     .key(my_key)
//!     .passphrase_callback(|| Ok(scs_crypto::Passphrase::from("asked only if needed")));
//! let unlocked = dec.unlock(&mut unlocker)?;
//! let tmp = std::fs::File::create("report.pdf.tmp").map_err(scs_seal::Error::Write)?;
//! let opened = dec.open(unlocked, tmp)?; // rename report.pdf.tmp only now
//! if let Some(s) = opened.signer() {
//!     println!("signed by {}", s.fingerprint_hex());
//! }
//! # Ok(()) }
//! ```
//!
//! Chunks are sealed and opened in parallel on every core with a bounded
//! window of chunks in flight, so memory stays flat whatever the size.
//!
//! # Errors
//!
//! [`Error::is_verification_failure`] tells tampering, truncation, a wrong
//! key or passphrase and bad signatures (exit code 1 in the CLI) from I/O
//! and usage errors (exit code 2).
//!
//! # Legacy
//!
//! [`legacy`] reads and writes OpenSSL's unauthenticated
//! `enc -aes-256-cbc -pbkdf2` format.
#![forbid(unsafe_code)]

pub mod armor;
mod error;
pub mod format;
mod header;
pub mod legacy;
mod open;
mod seal;
mod signature;
mod stanza;
mod stream;

pub use error::{Attempt, Error, RecipientHint, Result};
pub use header::{Header, SignerClaim, Stanza, StanzaKind};
pub use open::{Decryptor, Opened, Unlocked, Unlocker, VerifiedSigner, open, open_slice};
#[doc(hidden)]
pub use seal::{DeterministicSeal, seal_deterministic};
pub use seal::{SealOptions, SealSummary, seal, seal_to_vec};

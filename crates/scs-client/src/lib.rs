//! A typed client for the scs server.
//!
//! * [`tls`]: rustls configurations that trust only the pinned CA, TLS 1.3
//!   only, optionally presenting the user's certificate (mutual TLS).
//! * [`profile`]: saved servers (URL, pinned CA, username) and sessions in
//!   the scs home, files 0600.
//! * [`probe`]: first contact with a server, SSH-style: fetch its CA and show
//!   the fingerprint before pinning it.
//! * [`Client`]: the API calls of `scs-api`.
#![forbid(unsafe_code)]

mod client;
pub mod envelope;
mod error;
pub mod messages;
pub mod probe;
pub mod profile;
pub mod tls;

pub use client::Client;
pub use error::Error;
pub use messages::Events;

pub type Result<T, E = Error> = core::result::Result<T, E>;

/// SHA-256 of a certificate's DER, lowercase hex: how a CA is named when a
/// person compares it out of band.
#[must_use]
pub fn cert_fingerprint(der: &[u8]) -> String {
    hex::encode(scs_crypto::hash::sha256(der))
}

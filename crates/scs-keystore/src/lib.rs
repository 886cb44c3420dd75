//! The scs keystore: a directory of named keys.
//!
//! ```text
//! $SCS_HOME/                 0700
//!   keys/NAME/               0700, one directory per key, created atomically
//!     key.toml               metadata: algorithm, fingerprint, created
//!     private.pem            encrypted PKCS#8 (PBES2, PBKDF2-SHA256, AES-256-CBC), 0600
//!     public.pem             SubjectPublicKeyInfo
//!     cert.pem               optional X.509 certificate for the key
//! ```
//!
//! Private keys at rest open with `openssl pkey -in private.pem -passin ...`.
#![forbid(unsafe_code)]

pub mod contacts;
mod error;
pub mod fsutil;
mod name;
mod store;

pub use error::Error;
pub use name::validate_name;
pub use store::{Imported, KeyInfo, Keystore, public_key_of_certificate};

pub type Result<T, E = Error> = core::result::Result<T, E>;

/// The default home: `$XDG_DATA_HOME/scs` (or the platform's data directory).
pub fn default_home() -> Result<std::path::PathBuf> {
    directories::ProjectDirs::from("", "", "scs")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(Error::NoHome)
}

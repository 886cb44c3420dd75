//! The scs server: the HTTPS service behind `scs server init` and
//! `scs server run`.
//!
//! * [`init`] creates a data directory: a documented `config.toml`, a CA
//!   (or adopts an existing one), the server's TLS key and certificate, and
//!   the database with its migrations applied.
//! * [`run`] serves the API of [`scs_api`] over TLS 1.3 (HTTP/1.1 and
//!   HTTP/2, client certificates requested but optional) until SIGINT,
//!   SIGTERM or the caller's shutdown future.
//! * [`admin`] holds the commands run on the server host (`scs server user
//!   …`); they open the database directly and work while the server runs.
//!
//! The data directory (mode 0700):
//!
//! ```text
//! DIR/
//!   config.toml        the configuration, every setting written out (0600)
//!   ca/                the CA (scs-pki layout), unless an existing CA was adopted
//!   tls/server.crt     the server certificate and its issuing chain, PEM
//!   tls/server.key     the server key, encrypted PKCS#8 (CA passphrase), 0600
//!   tls/crl.pem        the current CRL, rewritten on every revocation
//!   scs.db             the SQLite database (with scs.db-wal, scs.db-shm)
//! ```
//!
//! `docs/protocol.md` describes the protocol; `docs/openapi.yaml` the API.
#![forbid(unsafe_code)]

pub mod admin;
mod audit;
mod auth;
mod config;
mod error;
mod fsutil;
mod hub;
mod init;
mod metrics;
mod pki;
mod routes;
mod serve;
mod state;
mod storage;
mod tls;

pub use config::{
    AuthConfig, CONFIG_FILE, CaConfig, Config, DatabaseConfig, LimitsConfig, MessagingConfig,
    MetricsConfig, TlsConfig, WebSocketConfig,
};
pub use error::{Error, Result};
pub use init::{CaSource, InitOptions, InitReport, ca_fingerprint, init};
pub use serve::{RunOptions, ShutdownSignal, run};

/// The version reported by `/healthz`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

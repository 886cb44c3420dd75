//! What every handler shares, and what each connection tells its requests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use tokio::sync::watch;

use crate::auth::password::PasswordHasher;
use crate::config::Config;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::pki::ServerCa;
use crate::storage::Db;
use crate::tls::TlsState;

/// The server's shared state (cheap to clone).
#[derive(Debug, Clone)]
pub(crate) struct AppState(Arc<Inner>);

#[derive(Debug)]
pub(crate) struct Inner {
    pub cfg: Config,
    #[allow(dead_code)]
    pub dir: PathBuf,
    pub db: Db,
    pub ca: ServerCa,
    pub tls: TlsState,
    pub hasher: PasswordHasher,
    pub metrics: Metrics,
    pub hub: Arc<Hub>,
    /// Becomes `true` when the server shuts down.
    pub stopping: watch::Receiver<bool>,
}

impl AppState {
    pub(crate) fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Per-connection facts, added to every request of the connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnInfo {
    pub peer: SocketAddr,
    /// The client's certificate chain (leaf first), verified by the TLS
    /// layer against the suite CA, when the client sent one.
    pub client_certs: Option<Arc<Vec<CertificateDer<'static>>>>,
}

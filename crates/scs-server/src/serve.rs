//! `scs server run`: start-up, the accept loop and graceful shutdown.
//!
//! The loop follows tokio's mini-redis: a semaphore caps the connections;
//! each connection gets a TLS handshake bounded in time, then hyper's
//! HTTP/2 or HTTP/1.1 server (with upgrades, for WebSocket) as agreed by
//! ALPN, with the peer address and verified client certificates attached to
//! every request. On
//! SIGINT, SIGTERM or the caller's shutdown future the listener closes,
//! connections finish their in-flight requests (HTTP/2 GOAWAY, HTTP/1.1
//! close after the response), WebSockets are closed with 1001, and after
//! `shutdown_grace_secs` whatever remains is cut.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use scs_crypto::Passphrase;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::auth::password::PasswordHasher;
use crate::config::{Config, resolve};
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::pki::{self, ServerCa};
use crate::state::{AppState, ConnInfo, Inner};
use crate::storage::{self, Db};
use crate::tls::{self, TlsState};
use crate::{Error, Result};

/// A future that asks the server to stop.
pub type ShutdownSignal = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// How [`run`] starts.
#[non_exhaustive]
pub struct RunOptions {
    /// Overrides `listen` from the configuration (port 0 picks a free port).
    pub listen: Option<SocketAddr>,
    /// Opens the CA key and the server key (from `--passphrase-file` or
    /// `SCS_PASSPHRASE`).
    pub passphrase: Passphrase,
    /// Stops the server when it completes, like SIGINT or SIGTERM.
    pub shutdown: Option<ShutdownSignal>,
}

impl RunOptions {
    /// Options with the passphrase, the configured address and no shutdown
    /// future (signals only).
    #[must_use]
    pub fn new(passphrase: Passphrase) -> Self {
        Self {
            listen: None,
            passphrase,
            shutdown: None,
        }
    }

    /// Listens on `addr` instead of the configured address.
    #[must_use]
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = Some(addr);
        self
    }

    /// Stops the server when `fut` completes.
    #[must_use]
    pub fn shutdown(mut self, fut: impl Future<Output = ()> + Send + 'static) -> Self {
        self.shutdown = Some(Box::pin(fut));
        self
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("listen", &self.listen)
            .field("passphrase", &self.passphrase)
            .field("shutdown", &self.shutdown.as_ref().map(|_| "future"))
            .finish()
    }
}

/// Serves the data directory `dir` until SIGINT, SIGTERM or
/// `opts.shutdown`. `ready` is called once, with the bound address, when
/// the server accepts connections (the CLI prints `listening on
/// https://ADDR`). A wrong passphrase is [`Error::WrongPassphrase`]
/// ([`Error::is_verification_failure`]).
pub async fn run(dir: &Path, opts: RunOptions, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let RunOptions {
        listen,
        passphrase,
        shutdown,
    } = opts;
    let cfg = Config::load(dir)?;
    let dir = dir.to_path_buf();
    let (ca, tls_state, hasher) = {
        let dir = dir.clone();
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || prepare(&dir, &cfg, &passphrase))
            .await
            .map_err(|_| Error::Tls("start-up was interrupted".into()))??
    };
    let db = Db::open(&dir, &cfg.database).await?;
    let addr = listen.unwrap_or(cfg.listen);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let st = AppState::new(Inner {
        cfg,
        dir,
        db,
        ca,
        tls: tls_state,
        hasher,
        metrics: Metrics::default(),
        hub: Arc::new(Hub::default()),
        stopping: stop_rx,
    });
    let mut background = JoinSet::new();
    background.spawn(crl_watch(st.clone()));
    background.spawn(housekeeping(st.clone()));

    tracing::info!("listening on https://{local}");
    ready(local);
    accept_loop(&st, listener, shutdown, &stop_tx).await;

    background.shutdown().await;
    st.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Blocking start-up work: unlock the CA, load (or renew) the server's
/// certificate and key, publish a fresh CRL, compute the dummy hash.
fn prepare(
    dir: &Path,
    cfg: &Config,
    pass: &Passphrase,
) -> Result<(ServerCa, TlsState, PasswordHasher)> {
    let ca = ServerCa::open(&pki::ca_dir(dir, cfg), pass)?;
    let cert_path = resolve(dir, &cfg.tls.certificate);
    let key_path = resolve(dir, &cfg.tls.key);
    let crl_path = pki::crl_path(dir, cfg);
    let crl = pki::write_crl(ca.signer(), &crl_path, cfg.ca.crl_days)?;

    let mut renewed = false;
    let tls_state = loop {
        let key = tls::load_server_key(&key_path, pass)?;
        let chain = tls::load_chain(&cert_path)?;
        let expiring = chain.first().is_none_or(|leaf| {
            scs_pki::show(leaf.as_ref()).map_or(true, |info| {
                let margin = time_days(cfg.tls.renew_before_days);
                info.not_after.unix_timestamp() < storage::now().saturating_add(margin)
            })
        });
        let built = if expiring && !renewed {
            None
        } else {
            match TlsState::new(chain, key, &ca.anchors(), vec![crl.clone()]) {
                Ok(s) => Some(s),
                Err(e) if !renewed => {
                    tracing::warn!("server certificate unusable ({e}): renewing it");
                    None
                }
                Err(e) => return Err(e),
            }
        };
        if let Some(s) = built {
            break s;
        }
        renew(dir, cfg, &ca, &key_path, pass)?;
        renewed = true;
    };
    let hasher = PasswordHasher::new(cfg.argon2(), cfg.auth.hash_concurrency)?;
    Ok((ca, tls_state, hasher))
}

fn time_days(days: u32) -> i64 {
    i64::from(days) * 86_400
}

fn renew(
    dir: &Path,
    cfg: &Config,
    ca: &ServerCa,
    key_path: &Path,
    pass: &Passphrase,
) -> Result<()> {
    let kind = tls::load_server_key_kind(key_path, pass)?;
    let hosts: Vec<&str> = cfg.hosts.iter().map(String::as_str).collect();
    let serial = crate::init::issue_server_identity(
        ca.signer(),
        dir,
        cfg,
        &hosts,
        kind,
        cfg.tls.certificate_days,
        pass,
    )?;
    tracing::info!("renewed the server certificate (serial {serial})");
    Ok(())
}

async fn shutdown_signal(user: Option<ShutdownSignal>) {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    let user = async {
        match user {
            Some(f) => f.await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
        () = user => tracing::info!("shutting down"),
    }
}

async fn accept_loop(
    st: &AppState,
    listener: TcpListener,
    shutdown: Option<ShutdownSignal>,
    stop: &watch::Sender<bool>,
) {
    let permits = Arc::new(Semaphore::new(st.cfg.limits.max_connections));
    let mut conns = JoinSet::new();
    let app = crate::routes::router(st.clone());
    let mut signal = pin!(shutdown_signal(shutdown));
    loop {
        let permit = tokio::select! {
            biased;
            () = &mut signal => break,
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (tcp, peer) = tokio::select! {
            biased;
            () = &mut signal => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        conns.spawn(connection(st.clone(), app.clone(), tcp, peer, permit));
        while conns.try_join_next().is_some() {}
    }
    drop(listener);
    // Tell connections and WebSockets to finish, then wait (bounded).
    let _ = stop.send(true);
    let grace = Duration::from_secs(st.cfg.limits.shutdown_grace_secs);
    let drained = tokio::time::timeout(grace, async {
        while conns.join_next().await.is_some() {}
        while st.hub.active() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "{} connections still open after {} s: closing them",
            conns.len(),
            grace.as_secs()
        );
        conns.shutdown().await;
    }
}

/// Serves one connection until it ends; on shutdown, lets its in-flight
/// requests finish (HTTP/2 GOAWAY, HTTP/1.1 close after the response).
macro_rules! drive {
    ($conn:expr, $stopping:ident, $peer:ident) => {{
        let conn = $conn;
        let mut conn = pin!(conn);
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!("connection from {}: {e}", $peer);
                }
                return;
            }
            _ = $stopping.changed() => {}
        }
        conn.as_mut().graceful_shutdown();
        if let Err(e) = conn.await {
            tracing::debug!("connection from {}: {e}", $peer);
        }
    }};
}

async fn connection(
    st: AppState,
    app: axum::Router,
    tcp: TcpStream,
    peer: SocketAddr,
    _permit: OwnedSemaphorePermit,
) {
    let _gauge = st.metrics.connection();
    let _ = tcp.set_nodelay(true);
    let mut stopping = st.stopping.clone();
    let acceptor = TlsAcceptor::from(st.tls.config());
    let limit = Duration::from_secs(st.cfg.limits.tls_handshake_timeout_secs);
    let stream = tokio::select! {
        r = tokio::time::timeout(limit, acceptor.accept(tcp)) => match r {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                st.metrics.handshake_failure();
                tracing::debug!("tls handshake with {peer} failed: {e}");
                return;
            }
            Err(_) => {
                st.metrics.handshake_failure();
                tracing::debug!("tls handshake with {peer} timed out");
                return;
            }
        },
        _ = stopping.changed() => return,
    };
    let client_certs = stream
        .get_ref()
        .1
        .peer_certificates()
        .filter(|c| !c.is_empty())
        .map(|c| Arc::new(c.iter().map(|d| d.clone().into_owned()).collect::<Vec<_>>()));
    let info = ConnInfo { peer, client_certs };
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(info.clone());
        app.clone().oneshot(req)
    });

    // The protocol is the one agreed by ALPN. (Sniffing the first bytes, as
    // hyper-util's auto builder does, would wait without a limit for a
    // client that sends nothing; hyper's HTTP/1.1 header timeout runs from
    // the moment the connection is ready for a request.)
    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2".as_slice());
    let io = TokioIo::new(stream);
    if h2 {
        let mut b = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        b.timer(TokioTimer::new())
            .max_frame_size(256 * 1024)
            .initial_stream_window_size(4 << 20)
            .initial_connection_window_size(8 << 20)
            .max_concurrent_streams(256)
            .max_header_list_size(64 * 1024)
            .keep_alive_interval(Some(Duration::from_secs(30)))
            .keep_alive_timeout(Duration::from_secs(20))
            .enable_connect_protocol();
        drive!(b.serve_connection(io, svc), stopping, peer);
    } else {
        let mut b = hyper::server::conn::http1::Builder::new();
        b.timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(st.cfg.limits.header_read_timeout_secs))
            .keep_alive(true)
            .max_buf_size(256 * 1024);
        drive!(b.serve_connection(io, svc).with_upgrades(), stopping, peer);
    }
}

/// Reloads the CRL when its file changes (a revocation by `scs server user
/// revoke-cert`) and re-signs it when half its validity has passed.
async fn crl_watch(st: AppState) {
    let path: PathBuf = pki::crl_path(&st.dir, &st.cfg);
    let period = Duration::from_secs(st.cfg.tls.crl_reload_secs);
    let mut stopping = st.stopping.clone();
    let mut seen = mtime(&path);
    loop {
        tokio::select! {
            () = tokio::time::sleep(period) => {}
            _ = stopping.changed() => return,
        }
        let refresh_after = Duration::from_secs(u64::from(st.cfg.ca.crl_days) * 86_400 / 2);
        let stale = seen
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > refresh_after);
        if stale {
            let st2 = st.clone();
            let p = path.clone();
            let r = tokio::task::spawn_blocking(move || {
                pki::write_crl(st2.ca.signer(), &p, st2.cfg.ca.crl_days)
            })
            .await;
            if !matches!(r, Ok(Ok(_))) {
                tracing::error!("cannot re-sign the CRL");
            }
        }
        let now = mtime(&path);
        if now == seen {
            continue;
        }
        let p = path.clone();
        match tokio::task::spawn_blocking(move || pki::read_crl(&p)).await {
            Ok(Ok(Some(der))) => match st.tls.set_crls(vec![der]) {
                Ok(()) => {
                    tracing::info!("loaded a new CRL");
                    seen = now;
                }
                Err(e) => tracing::error!("cannot load the new CRL: {e}"),
            },
            Ok(Ok(None)) => seen = now,
            Ok(Err(e)) => tracing::error!("cannot read the CRL: {e}"),
            Err(_) => {}
        }
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Deletes expired sessions and stale throttle records now and then.
async fn housekeeping(st: AppState) {
    let mut stopping = st.stopping.clone();
    loop {
        let now = storage::now();
        let window = i64::try_from(st.cfg.auth.lockout_secs).unwrap_or(i64::MAX);
        if let Err(e) = storage::sessions::purge(&st.db, now).await {
            tracing::warn!("session clean-up: {e}");
        }
        if let Err(e) = storage::throttle::purge(&st.db, now, now.saturating_sub(window)).await {
            tracing::warn!("throttle clean-up: {e}");
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(600)) => {}
            _ = stopping.changed() => return,
        }
    }
}

//! `scs server init`: a data directory ready for [`crate::run`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use scs_crypto::pem_io::{PBKDF2_ITERATIONS, encrypt_private_key_pem};
use scs_crypto::{KeyKind, Passphrase};
use scs_pki::{Ca, CaSigner};

use crate::config::{CONFIG_FILE, Config, resolve};
use crate::fsutil::{private_dir, write_atomic};
use crate::storage::Db;
use crate::{Error, Result};

/// Where the server's CA comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaSource {
    /// Create a CA in `DIR/ca`.
    Create {
        /// The root's common name.
        name: String,
        /// `Rsa3072`, `Rsa4096` or `Ed25519`.
        key_kind: KeyKind,
        /// Validity of the root (and intermediate), in days.
        days: u32,
        /// Whether an intermediate does the day-to-day signing.
        intermediate: bool,
    },
    /// Use an existing scs CA directory (its passphrase must be the one
    /// given to [`init`]); the configuration records its absolute path.
    Adopt(PathBuf),
}

/// Parameters of [`init`]. Start from [`InitOptions::default`] and change
/// fields.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InitOptions {
    /// Host names and IP addresses the server certificate names; the first
    /// is its common name.
    pub hosts: Vec<String>,
    /// Address to listen on (default 127.0.0.1:8443).
    pub listen: Option<SocketAddr>,
    pub ca: CaSource,
    /// Key type of the server's TLS key.
    pub tls_key_kind: KeyKind,
    /// Validity of the server certificate, in days.
    pub tls_days: u32,
    /// A database URL other than the embedded SQLite file
    /// (`postgres://…`).
    pub database_url: Option<String>,
}

impl Default for InitOptions {
    fn default() -> Self {
        Self {
            hosts: vec!["localhost".into(), "127.0.0.1".into()],
            listen: None,
            ca: CaSource::Create {
                name: "scs CA".into(),
                key_kind: KeyKind::Rsa3072,
                days: 3650,
                intermediate: true,
            },
            tls_key_kind: KeyKind::Rsa3072,
            tls_days: 397,
            database_url: None,
        }
    }
}

/// What [`init`] made.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InitReport {
    /// The data directory.
    pub dir: PathBuf,
    /// `DIR/config.toml`.
    pub config_path: PathBuf,
    /// The CA directory.
    pub ca_dir: PathBuf,
    /// Whether the CA was created (rather than adopted).
    pub ca_created: bool,
    /// SHA-256 of the CA root certificate's DER, lowercase hex: what a
    /// client shows before pinning (see [`ca_fingerprint`]).
    pub ca_fingerprint: String,
    /// The CA root certificate, PEM.
    pub ca_root_pem: String,
    /// Serial of the server certificate (upper-case hex).
    pub server_certificate_serial: String,
    /// Names in the server certificate.
    pub hosts: Vec<String>,
    /// The configured listening address.
    pub listen: SocketAddr,
    /// The database URL as configured.
    pub database_url: String,
}

/// The fingerprint of a CA certificate as scs shows and pins it: SHA-256
/// of the certificate's DER, lowercase hex (64 characters).
#[must_use]
pub fn ca_fingerprint(der: &[u8]) -> String {
    hex::encode(scs_crypto::hash::sha256(der))
}

/// Creates a server data directory in `dir` (mode 0700): a CA in
/// `DIR/ca` or an adopted one, the server's TLS key and certificate for
/// `opts.hosts` (key encrypted with `passphrase`, 0600), the CRL, the
/// database with its migrations applied, and finally `config.toml` with
/// every setting written out. `passphrase` protects the CA keys and the
/// server key; `scs server run` needs it.
///
/// Refused when `dir` already holds a `config.toml`.
pub fn init(dir: &Path, opts: &InitOptions, passphrase: &Passphrase) -> Result<InitReport> {
    let config_path = dir.join(CONFIG_FILE);
    if config_path.exists() {
        return Err(Error::AlreadyInitialized(dir.to_path_buf()));
    }
    if opts.hosts.is_empty() {
        return Err(Error::Invalid(
            "the server certificate needs at least one host name".into(),
        ));
    }
    if passphrase.is_empty() {
        return Err(Error::Invalid("the CA passphrase must not be empty".into()));
    }
    for h in &opts.hosts {
        if h.parse::<std::net::IpAddr>().is_err() {
            scs_pki::San::dns(h, true).map_err(|e| Error::Invalid(format!("host name: {e}")))?;
        }
    }
    // A directory that did not exist or was empty is removed again when
    // init fails, so that it can simply be run again.
    let fresh = std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none());
    let r = init_in(dir, opts, passphrase, config_path);
    if r.is_err() && fresh {
        let _ = std::fs::remove_dir_all(dir);
    }
    r
}

fn init_in(
    dir: &Path,
    opts: &InitOptions,
    passphrase: &Passphrase,
    config_path: PathBuf,
) -> Result<InitReport> {
    private_dir(dir)?;

    let mut cfg = Config::default();
    cfg.hosts.clone_from(&opts.hosts);
    if let Some(l) = opts.listen {
        cfg.listen = l;
    }
    if let Some(url) = &opts.database_url {
        cfg.database.url.clone_from(url);
    }
    cfg.tls.certificate_days = opts.tls_days;

    let (ca, ca_created) = match &opts.ca {
        CaSource::Create {
            name,
            key_kind,
            days,
            intermediate,
        } => {
            let ca_dir = resolve(dir, &cfg.ca.dir);
            let ca = Ca::init(
                &ca_dir,
                &scs_pki::InitOptions {
                    name: name.clone(),
                    key_kind: *key_kind,
                    days: *days,
                    intermediate: *intermediate,
                },
                passphrase,
            )?;
            (ca, true)
        }
        CaSource::Adopt(path) => {
            let abs = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
            let ca = Ca::open(&abs)?;
            cfg.ca.dir = abs;
            (ca, false)
        }
    };
    let signer = ca.unlock(passphrase)?;
    let hosts: Vec<&str> = opts.hosts.iter().map(String::as_str).collect();
    let serial = issue_server_identity(
        &signer,
        dir,
        &cfg,
        &hosts,
        opts.tls_key_kind,
        opts.tls_days,
        passphrase,
    )?;
    crate::pki::write_crl(&signer, &crate::pki::crl_path(dir, &cfg), cfg.ca.crl_days)?;

    let db_dir = dir.to_path_buf();
    let db_cfg = cfg.database.clone();
    block_on(async move {
        let db = Db::open(&db_dir, &db_cfg).await?;
        db.close().await;
        Ok(())
    })?;

    write_atomic(&config_path, cfg.to_toml().as_bytes())?;
    Ok(InitReport {
        dir: dir.to_path_buf(),
        config_path,
        ca_dir: ca.dir().to_path_buf(),
        ca_created,
        ca_fingerprint: ca_fingerprint(ca.root_der()),
        ca_root_pem: ca.root_pem(),
        server_certificate_serial: serial,
        hosts: opts.hosts.clone(),
        listen: cfg.listen,
        database_url: cfg.database.url,
    })
}

/// Issues the server's key and certificate and writes them (key first:
/// a certificate never names a key that is not on disk). Returns the serial.
pub(crate) fn issue_server_identity(
    signer: &CaSigner<'_>,
    dir: &Path,
    cfg: &Config,
    hosts: &[&str],
    kind: KeyKind,
    days: u32,
    passphrase: &Passphrase,
) -> Result<String> {
    let (key, issued) = signer.issue_server_tls(hosts, kind, days)?;
    let key_path = resolve(dir, &cfg.tls.key);
    let cert_path = resolve(dir, &cfg.tls.certificate);
    for p in [&key_path, &cert_path] {
        if let Some(parent) = p.parent() {
            private_dir(parent)?;
        }
    }
    let key_pem = encrypt_private_key_pem(&key, passphrase, PBKDF2_ITERATIONS)?;
    write_atomic(&key_path, key_pem.as_bytes())?;
    write_atomic(&cert_path, issued.chain_pem().as_bytes())?;
    Ok(issued.serial)
}

/// Runs a future to completion on a runtime of its own, on a thread of its
/// own, so that this works whether or not the caller is inside a runtime.
pub(crate) fn block_on<T: Send>(
    fut: impl std::future::Future<Output = Result<T>> + Send,
) -> Result<T> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Database(format!("cannot start a runtime: {e}")))?;
            rt.block_on(fut)
        })
        .join()
        .unwrap_or_else(|_| Err(Error::Database("the database thread panicked".into())))
    })
}

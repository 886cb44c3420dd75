//! A real server in-process on 127.0.0.1:0 in a temporary data directory,
//! and clients configured as scs clients are: our CA as the only root,
//! TLS 1.3, optional client certificate.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use scs_api::{RegisterRequest, RegisterResponse, Session, paths};
use scs_crypto::{KeyKind, Passphrase, PrivateKey};
use scs_server::{CaSource, InitOptions, RunOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const PASS: &str = "server passphrase for tests";
pub const PASSWORD: &str = "correct horse battery staple";

pub fn pass() -> Passphrase {
    Passphrase::from(PASS)
}

/// Sets `a.b` in a config table.
pub fn set(t: &mut toml::Table, key: &str, v: impl Into<toml::Value>) {
    let (section, name) = key.split_once('.').unwrap();
    t.get_mut(section)
        .and_then(toml::Value::as_table_mut)
        .unwrap_or_else(|| panic!("no section {section}"))
        .insert(name.into(), v.into());
}

/// A fast CA and server key for tests (Ed25519, with an intermediate).
pub fn init_options() -> InitOptions {
    let mut o = InitOptions::default();
    o.hosts = vec!["localhost".into(), "127.0.0.1".into()];
    o.ca = CaSource::Create {
        name: "Test scs CA".into(),
        key_kind: KeyKind::Ed25519,
        days: 365,
        intermediate: true,
    };
    o.tls_key_kind = KeyKind::Ed25519;
    o
}

/// Initialises a data directory in `dir` and edits its config.
pub async fn init_dir(dir: &Path, tweak: impl FnOnce(&mut toml::Table)) -> scs_server::InitReport {
    let d = dir.to_path_buf();
    let report =
        tokio::task::spawn_blocking(move || scs_server::init(&d, &init_options(), &pass()))
            .await
            .unwrap()
            .expect("init");
    let path = dir.join(scs_server::CONFIG_FILE);
    let mut table: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    tweak(&mut table);
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    report
}

pub struct Server {
    pub tmp: Option<tempfile::TempDir>,
    pub dir: PathBuf,
    pub addr: SocketAddr,
    pub root_der: Vec<u8>,
    pub report: Option<scs_server::InitReport>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<scs_server::Result<()>>>,
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SCS_TEST_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_test_writer()
        .try_init();
}

impl Server {
    /// Initialises a fresh data directory, applies `tweak` to its config
    /// and starts the server.
    pub async fn start(tweak: impl FnOnce(&mut toml::Table)) -> Server {
        init_tracing();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("server");
        let report = init_dir(&dir, tweak).await;
        let mut s = Server::run_in(&dir).await;
        s.tmp = Some(tmp);
        s.report = Some(report);
        s
    }

    /// Starts a server on an existing data directory.
    pub async fn run_in(dir: &Path) -> Server {
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let d = dir.to_path_buf();
        let opts = RunOptions::new(pass())
            .listen("127.0.0.1:0".parse().unwrap())
            .shutdown(async move {
                let _ = stop_rx.await;
            });
        let handle = tokio::spawn(async move {
            scs_server::run(&d, opts, move |a| {
                let _ = ready_tx.send(a);
            })
            .await
        });
        let addr = match ready_rx.await {
            Ok(a) => a,
            Err(_) => panic!("server did not start: {:?}", handle.await),
        };
        let root_pem = std::fs::read(dir.join("ca/root.crt")).unwrap();
        let root_der = scs_pki::parse_certificate(&root_pem).unwrap();
        Server {
            tmp: None,
            dir: dir.to_path_buf(),
            addr,
            root_der,
            report: None,
            stop: Some(stop_tx),
            handle: Some(handle),
        }
    }

    /// Stops the server gracefully and returns its result.
    pub async fn stop(&mut self) -> scs_server::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.handle.take().unwrap().await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// A rustls client config: our root only, TLS 1.3, h2 + http/1.1.
    pub fn tls_config(
        &self,
        identity: Option<(Vec<Vec<u8>>, &PrivateKey)>,
    ) -> rustls::ClientConfig {
        tls_config_for(&self.root_der, identity, &[&rustls::version::TLS13])
    }

    /// A client without a certificate.
    pub fn client(&self) -> reqwest::Client {
        reqwest_client(self.tls_config(None))
    }

    /// A client presenting `chain` (DER, leaf first) and `key`.
    pub fn client_with_cert(&self, chain: Vec<Vec<u8>>, key: &PrivateKey) -> reqwest::Client {
        reqwest_client(self.tls_config(Some((chain, key))))
    }

    /// Registers `name` with a fresh Ed25519 key; returns the key and the
    /// answer.
    pub async fn register(&self, name: &str, password: &str) -> (PrivateKey, RegisterResponse) {
        let key = PrivateKey::generate(KeyKind::Ed25519).unwrap();
        let csr = scs_pki::make_csr(&key, name, &[]).unwrap();
        let resp = self
            .client()
            .post(self.url(paths::REGISTER))
            .json(&RegisterRequest {
                username: name.into(),
                password: password.into(),
                csr_pem: csr,
            })
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            201,
            "register {name}: {}",
            resp.text().await.unwrap()
        );
        (key, resp.json().await.unwrap())
    }

    /// Logs in with a password; panics unless it works.
    pub async fn login(&self, name: &str, password: &str) -> Session {
        let resp = self.login_raw(name, password).await;
        assert_eq!(resp.status(), 200, "login {name}");
        resp.json().await.unwrap()
    }

    pub async fn login_raw(&self, name: &str, password: &str) -> reqwest::Response {
        self.client()
            .post(self.url(paths::LOGIN))
            .json(&serde_json::json!({"username": name, "password": password}))
            .send()
            .await
            .unwrap()
    }
}

pub fn tls_config_for(
    root_der: &[u8],
    identity: Option<(Vec<Vec<u8>>, &PrivateKey)>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(root_der.to_vec())).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let b = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
    let mut cfg = match identity {
        Some((chain, key)) => b
            .with_client_auth_cert(
                chain.into_iter().map(CertificateDer::from).collect(),
                private_key_der(key),
            )
            .unwrap(),
        None => b.with_no_client_auth(),
    };
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    cfg
}

pub fn private_key_der(key: &PrivateKey) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        key.to_pkcs8_der().unwrap().expose().to_vec(),
    ))
}

pub fn reqwest_client(cfg: rustls::ClientConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(cfg)
        .build()
        .unwrap()
}

/// The DER of the first certificate in a PEM text.
pub fn der_of(pem: &str) -> Vec<u8> {
    scs_pki::parse_certificate(pem.as_bytes()).unwrap()
}

/// The server name for 127.0.0.1.
pub fn localhost_ip() -> ServerName<'static> {
    ServerName::IpAddress("127.0.0.1".parse::<std::net::IpAddr>().unwrap().into())
}

/// `GET path` with a bearer token.
pub async fn get_auth(s: &Server, token: &str, path: &str) -> reqwest::Response {
    s.client()
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The body of an error answer.
pub async fn api_error(resp: reqwest::Response) -> scs_api::ApiError {
    resp.json().await.unwrap()
}

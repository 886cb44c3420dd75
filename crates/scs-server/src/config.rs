//! `config.toml`: every setting of the server, with its default.
//!
//! [`Config::to_toml`] writes the file `scs server init` leaves behind:
//! every key written out with a comment, so that an operator sees what can
//! be changed. A missing key takes its default; an unknown key is an error
//! (a typo must not silently leave a default in force).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use scs_crypto::kdf::Argon2Params;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The configuration file's name inside the data directory.
pub const CONFIG_FILE: &str = "config.toml";

/// The server configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Host names and IP addresses the server certificate names (used when
    /// the certificate is renewed).
    pub hosts: Vec<String>,
    pub database: DatabaseConfig,
    pub tls: TlsConfig,
    pub ca: CaConfig,
    pub limits: LimitsConfig,
    pub auth: AuthConfig,
    pub messaging: MessagingConfig,
    pub websocket: WebSocketConfig,
    pub metrics: MetricsConfig,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct DatabaseConfig {
    /// `sqlite:FILE` (relative to the data directory) or
    /// `postgres://USER@HOST/DB?sslmode=...`.
    pub url: String,
    /// Connections in the pool.
    pub max_connections: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct TlsConfig {
    /// Server certificate chain (PEM), relative to the data directory.
    pub certificate: PathBuf,
    /// Server key (encrypted PKCS#8 PEM), relative to the data directory.
    pub key: PathBuf,
    /// The CRL the server writes and reloads, relative to the data directory.
    pub crl: PathBuf,
    /// Seconds between checks for a new CRL (written by `scs server user
    /// revoke-cert`).
    pub crl_reload_secs: u64,
    /// Days before expiry at which `run` renews the server certificate.
    pub renew_before_days: u32,
    /// Validity of a renewed server certificate, in days.
    pub certificate_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CaConfig {
    /// The CA directory, relative to the data directory or absolute.
    pub dir: PathBuf,
    /// Validity of users' certificates, in days.
    pub user_certificate_days: u32,
    /// Validity of each CRL (`nextUpdate`), in days.
    pub crl_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct LimitsConfig {
    /// Simultaneous connections; further clients wait in the listen queue.
    pub max_connections: usize,
    /// Largest request body (bytes) outside the messaging routes.
    pub max_body_bytes: usize,
    /// Time for a whole request, body included (seconds).
    pub request_timeout_secs: u64,
    /// Time for a TLS handshake (seconds).
    pub tls_handshake_timeout_secs: u64,
    /// Time to receive a request's headers (seconds).
    pub header_read_timeout_secs: u64,
    /// On shutdown, how long in-flight requests may take to finish (seconds).
    pub shutdown_grace_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthConfig {
    /// Argon2id memory in KiB (OWASP: 19456 = 19 MiB).
    pub argon2_m_kib: u32,
    /// Argon2id passes (OWASP: 2).
    pub argon2_t: u32,
    /// Argon2id lanes (OWASP: 1).
    pub argon2_p: u32,
    /// Password hashes computed at once (0: one per CPU); bounds memory.
    pub hash_concurrency: usize,
    /// Lifetime of a session (seconds).
    pub session_ttl_secs: u64,
    /// Failed logins for one account before it is locked.
    pub lockout_threshold: u32,
    /// Failed logins from one address before it is locked.
    pub address_lockout_threshold: u32,
    /// How long a lockout lasts, and how long a failure is remembered
    /// (seconds).
    pub lockout_secs: u64,
    /// Delay before answering the first failure (milliseconds); it doubles
    /// with each further failure.
    pub base_delay_ms: u64,
    /// Longest delay before answering a failure (milliseconds).
    pub max_delay_ms: u64,
    /// Whether anyone who can reach the server may register.
    pub allow_registration: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct MessagingConfig {
    /// Largest message ciphertext (bytes).
    pub max_message_bytes: usize,
    /// Ciphertext bytes one mailbox may hold.
    pub mailbox_quota_bytes: u64,
    /// Recipients of one message.
    pub max_recipients: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct WebSocketConfig {
    /// Seconds between keep-alive pings; a client silent for three
    /// intervals is disconnected.
    pub ping_secs: u64,
    /// Live connections one user may hold.
    pub max_per_user: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct MetricsConfig {
    /// Whether `/metrics` is served.
    pub enabled: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            hosts: vec!["localhost".into(), "127.0.0.1".into()],
            database: DatabaseConfig::default(),
            tls: TlsConfig::default(),
            ca: CaConfig::default(),
            limits: LimitsConfig::default(),
            auth: AuthConfig::default(),
            messaging: MessagingConfig::default(),
            websocket: WebSocketConfig::default(),
            metrics: MetricsConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite:scs.db".into(),
            max_connections: 8,
        }
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            certificate: PathBuf::from("tls/server.crt"),
            key: PathBuf::from("tls/server.key"),
            crl: PathBuf::from("tls/crl.pem"),
            crl_reload_secs: 10,
            renew_before_days: 30,
            certificate_days: 397,
        }
    }
}

impl Default for CaConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("ca"),
            user_certificate_days: 365,
            crl_days: 7,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_body_bytes: 64 * 1024,
            request_timeout_secs: 30,
            tls_handshake_timeout_secs: 10,
            header_read_timeout_secs: 10,
            shutdown_grace_secs: 10,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        let p = Argon2Params::OWASP;
        Self {
            argon2_m_kib: p.m_kib,
            argon2_t: p.t,
            argon2_p: p.p,
            hash_concurrency: 0,
            session_ttl_secs: 12 * 3600,
            lockout_threshold: 5,
            address_lockout_threshold: 50,
            lockout_secs: 15 * 60,
            base_delay_ms: 250,
            max_delay_ms: 8000,
            allow_registration: true,
        }
    }
}

impl Default for MessagingConfig {
    fn default() -> Self {
        Self {
            max_message_bytes: 4 << 20,
            mailbox_quota_bytes: 256 << 20,
            max_recipients: 100,
        }
    }
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        Self {
            ping_secs: 30,
            max_per_user: 8,
        }
    }
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// A TOML string literal (basic string, escaped).
fn lit(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn path_lit(p: &Path) -> String {
    lit(&p.to_string_lossy())
}

impl Config {
    /// Reads `DIR/config.toml` and checks it.
    pub fn load(dir: &Path) -> Result<Config> {
        let path = dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotInitialized(dir.to_path_buf()));
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        let cfg: Config = toml::from_str(&text).map_err(|e| Error::Config {
            path: path.clone(),
            detail: e.message().to_owned(),
        })?;
        cfg.check()
            .map_err(|detail| Error::Config { path, detail })?;
        Ok(cfg)
    }

    /// Checks values that would make the server unusable or unsafe.
    pub fn check(&self) -> core::result::Result<(), String> {
        self.argon2()
            .check()
            .map_err(|e| format!("auth: argon2 parameters: {e}"))?;
        let a = &self.auth;
        if a.lockout_threshold == 0 || a.address_lockout_threshold == 0 {
            return Err("auth: lockout thresholds must be at least 1".into());
        }
        if a.session_ttl_secs == 0 || a.lockout_secs == 0 {
            return Err("auth: session_ttl_secs and lockout_secs must be at least 1".into());
        }
        let l = &self.limits;
        if l.max_connections == 0 || l.max_body_bytes < 1024 {
            return Err(
                "limits: max_connections must be at least 1 and max_body_bytes at least 1024"
                    .into(),
            );
        }
        if l.request_timeout_secs == 0
            || l.tls_handshake_timeout_secs == 0
            || l.header_read_timeout_secs == 0
        {
            return Err("limits: timeouts must be at least 1 second".into());
        }
        let m = &self.messaging;
        if m.max_message_bytes == 0 || m.max_recipients == 0 {
            return Err(
                "messaging: max_message_bytes and max_recipients must be at least 1".into(),
            );
        }
        if self.websocket.ping_secs == 0 || self.websocket.max_per_user == 0 {
            return Err("websocket: ping_secs and max_per_user must be at least 1".into());
        }
        if self.database.max_connections == 0 {
            return Err("database: max_connections must be at least 1".into());
        }
        if self.ca.user_certificate_days == 0 || self.ca.crl_days == 0 {
            return Err("ca: user_certificate_days and crl_days must be at least 1".into());
        }
        if self.tls.crl_reload_secs == 0 {
            return Err("tls: crl_reload_secs must be at least 1".into());
        }
        Ok(())
    }

    /// The Argon2id parameters for password hashes.
    #[must_use]
    pub fn argon2(&self) -> Argon2Params {
        Argon2Params {
            m_kib: self.auth.argon2_m_kib,
            t: self.auth.argon2_t,
            p: self.auth.argon2_p,
        }
    }

    /// The TOML text `init` writes: every key, each with its meaning.
    #[must_use]
    pub fn to_toml(&self) -> String {
        let hosts = self
            .hosts
            .iter()
            .map(|h| lit(h))
            .collect::<Vec<_>>()
            .join(", ");
        let d = &self.database;
        let t = &self.tls;
        let c = &self.ca;
        let l = &self.limits;
        let a = &self.auth;
        let m = &self.messaging;
        let w = &self.websocket;
        format!(
            r#"# scs server configuration.
#
# Every setting is written out with its default. Relative paths are inside
# the data directory (the directory holding this file). Restart
# `scs server run` after a change.

# Address and port to listen on (port 0 picks a free port).
listen = {listen}
# Host names and IP addresses in the server certificate; used when the
# certificate is renewed.
hosts = [{hosts}]

[database]
# "sqlite:FILE" (embedded, in the data directory) or
# "postgres://USER:PASSWORD@HOST/DB?sslmode=verify-full" to share state
# between several server nodes.
url = {db_url}
# Connections kept in the pool.
max_connections = {db_max}

[tls]
# TLS 1.3 only; X25519MLKEM768 (post-quantum hybrid) preferred, X25519 kept.
# Server certificate chain, PEM.
certificate = {cert}
# Server key, encrypted PKCS#8 PEM, opened with the CA passphrase.
key = {key}
# The CRL of the users' CA, rewritten when a certificate is revoked.
crl = {crl}
# Seconds between checks for a new CRL.
crl_reload_secs = {crl_reload}
# Renew the server certificate at startup when it expires within this many days.
renew_before_days = {renew}
# Validity of a renewed server certificate, in days.
certificate_days = {cert_days}

[ca]
# The CA that issues users' certificates (scs-pki directory).
dir = {ca_dir}
# Validity of users' certificates, in days.
user_certificate_days = {user_days}
# Validity of each CRL, in days.
crl_days = {crl_days}

[limits]
# Simultaneous connections; more wait in the listen queue.
max_connections = {max_conn}
# Largest request body in bytes (the messaging routes allow a whole message).
max_body_bytes = {max_body}
# Seconds for a whole request, body included.
request_timeout_secs = {req_timeout}
# Seconds for a TLS handshake.
tls_handshake_timeout_secs = {hs_timeout}
# Seconds to receive a request's headers.
header_read_timeout_secs = {hdr_timeout}
# On shutdown, seconds in-flight requests may take to finish.
shutdown_grace_secs = {grace}

[auth]
# Argon2id for password hashes (OWASP: m = 19 MiB, t = 2, p = 1).
argon2_m_kib = {m_kib}
argon2_t = {t}
argon2_p = {p}
# Password hashes computed at once (0: one per CPU); bounds memory use.
hash_concurrency = {hash_conc}
# Lifetime of a session token, in seconds.
session_ttl_secs = {ttl}
# Failed logins for one account before it is locked for lockout_secs.
lockout_threshold = {lock_thr}
# Failed logins from one source address before it is locked for lockout_secs.
address_lockout_threshold = {addr_thr}
# Length of a lockout, and how long a failure is remembered, in seconds.
lockout_secs = {lock_secs}
# Delay before answering a failed login, in milliseconds; doubles with each
# further failure up to max_delay_ms.
base_delay_ms = {base_delay}
max_delay_ms = {max_delay}
# Whether anyone who can reach the server may register an account.
allow_registration = {allow_reg}

[messaging]
# Largest message ciphertext, in bytes.
max_message_bytes = {max_msg}
# Ciphertext bytes one user's mailbox may hold.
mailbox_quota_bytes = {quota}
# Recipients of one message.
max_recipients = {max_rcpt}

[websocket]
# Seconds between keep-alive pings; a silent client is dropped after three.
ping_secs = {ping}
# Live connections one user may hold.
max_per_user = {ws_per_user}

[metrics]
# Serve Prometheus metrics at /metrics.
enabled = {metrics}
"#,
            listen = lit(&self.listen.to_string()),
            db_url = lit(&d.url),
            db_max = d.max_connections,
            cert = path_lit(&t.certificate),
            key = path_lit(&t.key),
            crl = path_lit(&t.crl),
            crl_reload = t.crl_reload_secs,
            renew = t.renew_before_days,
            cert_days = t.certificate_days,
            ca_dir = path_lit(&c.dir),
            user_days = c.user_certificate_days,
            crl_days = c.crl_days,
            max_conn = l.max_connections,
            max_body = l.max_body_bytes,
            req_timeout = l.request_timeout_secs,
            hs_timeout = l.tls_handshake_timeout_secs,
            hdr_timeout = l.header_read_timeout_secs,
            grace = l.shutdown_grace_secs,
            m_kib = a.argon2_m_kib,
            t = a.argon2_t,
            p = a.argon2_p,
            hash_conc = a.hash_concurrency,
            ttl = a.session_ttl_secs,
            lock_thr = a.lockout_threshold,
            addr_thr = a.address_lockout_threshold,
            lock_secs = a.lockout_secs,
            base_delay = a.base_delay_ms,
            max_delay = a.max_delay_ms,
            allow_reg = a.allow_registration,
            max_msg = m.max_message_bytes,
            quota = m.mailbox_quota_bytes,
            max_rcpt = m.max_recipients,
            ping = w.ping_secs,
            ws_per_user = w.max_per_user,
            metrics = self.metrics.enabled,
        )
    }
}

/// `p` if absolute, else `dir/p`.
pub(crate) fn resolve(dir: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_round_trips_and_shows_every_key() {
        let mut cfg = Config {
            hosts: vec!["scs.example".into(), "10.0.0.1".into(), "we\"ird".into()],
            ..Config::default()
        };
        cfg.ca.dir = PathBuf::from("/srv/ca dir");
        let text = cfg.to_toml();
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back, cfg);
        // Every key of the serialised form appears in the template.
        let full = toml::Value::try_from(&cfg).unwrap();
        let table = full.as_table().unwrap();
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        for (k, v) in table {
            let got = parsed.get(k).unwrap_or_else(|| panic!("missing key {k}"));
            if let Some(sub) = v.as_table() {
                for sk in sub.keys() {
                    assert!(got.as_table().unwrap().contains_key(sk), "missing {k}.{sk}");
                }
            }
        }
        Config::default().check().unwrap();
    }

    #[test]
    fn empty_file_is_all_defaults_and_typos_are_refused() {
        let cfg: Config = toml::from_str("").unwrap();
        assert_eq!(cfg, Config::default());
        assert!(toml::from_str::<Config>("[auth]\nlockout_treshold = 3\n").is_err());
        let mut bad = Config::default();
        bad.auth.argon2_m_kib = 1;
        assert!(bad.check().is_err());
    }
}

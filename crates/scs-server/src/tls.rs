//! The TLS side: rustls on aws-lc-rs, TLS 1.3 only, X25519MLKEM768 first,
//! ALPN `h2` and `http/1.1`, client certificates from the suite CA
//! requested but optional, and the CA's CRL consulted in the handshake.
//!
//! The `ServerConfig` is rebuilt whenever the CRL changes and swapped in for
//! new connections. A fresh config also has a fresh session cache, so a
//! client cannot resume a TLS session established with a certificate that
//! has since been revoked. Certificate login checks revocation in the
//! database as well, which covers the seconds before a new CRL is loaded.

use std::path::Path;
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs8KeyDer,
};
use rustls::server::WebPkiClientVerifier;
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{NamedGroup, RootCertStore, ServerConfig};
use scs_crypto::pem_io::{KeyFile, parse_key_file};
use scs_crypto::{Passphrase, PrivateKey};

use crate::{Error, Result};

/// ALPN protocols offered, in order of preference.
pub(crate) const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// aws-lc-rs with the hybrid post-quantum group X25519MLKEM768 first and
/// the classical groups (X25519 first among them) kept for older peers.
#[must_use]
pub(crate) fn provider() -> Arc<CryptoProvider> {
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    p.kx_groups
        .sort_by_key(|g| g.name() != NamedGroup::X25519MLKEM768);
    Arc::new(p)
}

/// Reads and decrypts the server key.
pub(crate) fn load_server_private_key(path: &Path, passphrase: &Passphrase) -> Result<PrivateKey> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    match parse_key_file(&bytes)? {
        KeyFile::Encrypted(enc) => Ok(enc.decrypt(passphrase)?),
        _ => Err(Error::Tls(format!(
            "{}: expected an encrypted private key",
            path.display()
        ))),
    }
}

/// Reads the encrypted server key and returns it as PKCS#8 DER for rustls.
pub(crate) fn load_server_key(
    path: &Path,
    passphrase: &Passphrase,
) -> Result<PrivateKeyDer<'static>> {
    let key = load_server_private_key(path, passphrase)?;
    let der = key.to_pkcs8_der()?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        der.expose().to_vec(),
    )))
}

/// The kind of the server's current key, to renew with the same kind.
pub(crate) fn load_server_key_kind(
    path: &Path,
    passphrase: &Passphrase,
) -> Result<scs_crypto::KeyKind> {
    Ok(crate::pki::kind_of(
        load_server_private_key(path, passphrase)?.algorithm(),
    ))
}

/// Reads a PEM certificate chain (leaf first).
pub(crate) fn load_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let ders = scs_pki::parse_certificates(&bytes)?;
    Ok(ders.into_iter().map(CertificateDer::from).collect())
}

/// The server's TLS identity and client-certificate policy, with the
/// config currently handed to new connections.
pub(crate) struct TlsState {
    provider: Arc<CryptoProvider>,
    certified: Arc<CertifiedKey>,
    roots: Arc<RootCertStore>,
    current: RwLock<Arc<ServerConfig>>,
}

impl std::fmt::Debug for TlsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsState").finish_non_exhaustive()
    }
}

impl TlsState {
    /// `anchors`: the CA certificates (DER) client certificates chain to —
    /// the root and, when there is one, the issuing intermediate, so that a
    /// client need not send the intermediate. `crls`: DER CRLs of the
    /// issuing CA.
    pub(crate) fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        anchors: &[Vec<u8>],
        crls: Vec<Vec<u8>>,
    ) -> Result<TlsState> {
        let provider = provider();
        let certified = CertifiedKey::from_der(chain, key, &provider)
            .map_err(|e| Error::Tls(format!("server certificate and key: {e}")))?;
        let mut roots = RootCertStore::empty();
        for a in anchors {
            let ta = scs_pki::trust_anchors(a)?;
            roots.roots.extend(ta);
        }
        let roots = Arc::new(roots);
        let certified = Arc::new(certified);
        let cfg = build_config(&provider, &roots, &certified, crls)?;
        Ok(TlsState {
            provider,
            certified,
            roots,
            current: RwLock::new(cfg),
        })
    }

    /// Rebuilds the config with these CRLs; new connections use it.
    pub(crate) fn set_crls(&self, crls: Vec<Vec<u8>>) -> Result<()> {
        let cfg = build_config(&self.provider, &self.roots, &self.certified, crls)?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = cfg;
        Ok(())
    }

    /// The config for a new connection.
    pub(crate) fn config(&self) -> Arc<ServerConfig> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

fn build_config(
    provider: &Arc<CryptoProvider>,
    roots: &Arc<RootCertStore>,
    certified: &Arc<CertifiedKey>,
    crls: Vec<Vec<u8>>,
) -> Result<Arc<ServerConfig>> {
    let crls: Vec<CertificateRevocationListDer<'static>> = crls
        .into_iter()
        .map(CertificateRevocationListDer::from)
        .collect();
    let mut vb = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
        .allow_unauthenticated();
    if !crls.is_empty() {
        vb = vb.with_crls(crls).only_check_end_entity_revocation();
    }
    let verifier = vb
        .build()
        .map_err(|e| Error::Tls(format!("client certificate verifier: {e}")))?;
    let mut cfg = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(Arc::new(SingleCertAndKey::from(certified.clone())));
    cfg.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(cfg))
}

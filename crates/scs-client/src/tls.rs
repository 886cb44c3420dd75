//! rustls client configurations: TLS 1.3 only, the aws-lc-rs provider with
//! the post-quantum hybrid key exchange preferred, trusting exactly one CA.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, RootCertStore};
use scs_crypto::PrivateKey;

use crate::{Error, Result};

/// The crypto provider: aws-lc-rs, X25519MLKEM768 first, X25519 kept.
#[must_use]
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A certificate and key presented to the server for certificate login.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity([secret elided])")
    }
}

impl Identity {
    /// The user's certificate (DER) and private key.
    pub fn new(cert_der: Vec<u8>, key: &PrivateKey) -> Result<Self> {
        let p8 = key.to_pkcs8_der()?;
        Ok(Self {
            chain: vec![CertificateDer::from(cert_der)],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p8.expose().to_vec())),
        })
    }
}

fn builder() -> Result<rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>> {
    ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| Error::Protocol(format!("TLS configuration: {e}")))
}

/// A configuration trusting only `ca_der` (the pinned root).
pub fn pinned(ca_der: &[u8], identity: Option<Identity>) -> Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(ca_der.to_vec()))
        .map_err(|e| Error::Untrusted(format!("the pinned CA certificate is unusable: {e}")))?;
    let b = builder()?.with_root_certificates(roots);
    let mut cfg = match identity {
        Some(id) => b
            .with_client_auth_cert(id.chain, id.key)
            .map_err(|e| Error::Protocol(format!("client certificate: {e}")))?,
        None => b.with_no_client_auth(),
    };
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

/// A configuration that accepts any server certificate and records the chain
/// it saw. Used once, to fetch a server's CA before asking the person to
/// compare its fingerprint; never for anything else.
pub fn recording() -> Result<(ClientConfig, Arc<Recorder>)> {
    let rec = Arc::new(Recorder {
        seen: std::sync::Mutex::new(Vec::new()),
        provider: provider(),
    });
    let mut cfg = builder()?
        .dangerous()
        .with_custom_certificate_verifier(rec.clone())
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((cfg, rec))
}

/// Records the server's certificate chain without judging it.
#[derive(Debug)]
pub struct Recorder {
    seen: std::sync::Mutex<Vec<Vec<u8>>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl Recorder {
    /// The chain the server presented, leaf first.
    #[must_use]
    pub fn chain(&self) -> Vec<Vec<u8>> {
        self.seen.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

impl rustls::client::danger::ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if let Ok(mut g) = self.seen.lock() {
            *g = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.as_ref().to_vec())
                .collect();
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

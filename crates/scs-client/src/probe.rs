//! First contact with a server: learn its CA without trusting anything yet,
//! so that a person can compare the CA's fingerprint before pinning it (as
//! SSH does with host keys).

use reqwest::Url;

use crate::{Client, Error, Result};

/// What a server presented on first contact.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The CA chain the server publishes, PEM (issuing CA first, root last).
    pub ca_chain_pem: String,
    /// The root CA certificate, DER: what gets pinned.
    pub root_der: Vec<u8>,
    /// SHA-256 of `root_der`, hex.
    pub fingerprint: String,
    /// Subject of the root.
    pub root_subject: String,
}

/// Fetches the server's CA over a connection that accepts any certificate,
/// then checks that the certificate the server presented does chain to that
/// CA for this host name. Nothing here is trusted until a person (or
/// `--yes`) accepts the fingerprint.
pub async fn probe(url: &Url) -> Result<Probe> {
    let (cfg, recorder) = crate::tls::recording()?;
    let client = Client::new(url, cfg)?;
    let chain_pem = client.ca_chain().await?;
    let presented = recorder.chain();
    let certs = scs_pki::parse_certificates(chain_pem.as_bytes())?;
    let root_der = certs
        .last()
        .cloned()
        .ok_or_else(|| Error::Protocol("the server published an empty CA chain".into()))?;
    let leaf = presented
        .first()
        .ok_or_else(|| Error::Protocol("the server presented no certificate".into()))?;
    let host = url.host_str().unwrap_or_default();
    let intermediates: Vec<Vec<u8>> = certs[..certs.len() - 1]
        .iter()
        .chain(presented.iter().skip(1))
        .cloned()
        .collect();
    scs_pki::verify(
        leaf,
        &intermediates,
        std::slice::from_ref(&root_der),
        &[],
        Some(scs_pki::Purpose::Server),
        Some(host),
        None,
    )
    .map_err(|e| {
        Error::Untrusted(format!(
            "it does not chain to the CA the server publishes: {e}"
        ))
    })?;
    let info = scs_pki::show(&root_der)?;
    Ok(Probe {
        ca_chain_pem: chain_pem,
        fingerprint: crate::cert_fingerprint(&root_der),
        root_der,
        root_subject: info.subject,
    })
}

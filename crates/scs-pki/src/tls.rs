//! Small helpers for the server's TLS setup.

use rustls_pki_types::TrustAnchor;
use scs_crypto::{KeyKind, PrivateKey};

use crate::ca::{Ca, CaSigner, Issued};
use crate::profile::Profile;
use crate::san::San;
use crate::{Error, Result};

impl CaSigner<'_> {
    /// Issues a TLS server certificate and key for the given host names and
    /// IP addresses (the first becomes the common name). The caller stores
    /// the key; [`Issued::chain_pem`] is what the server presents.
    pub fn issue_server_tls(
        &self,
        hosts: &[&str],
        kind: KeyKind,
        days: u32,
    ) -> Result<(PrivateKey, Issued)> {
        let first = hosts.first().ok_or_else(|| {
            Error::Policy("a server certificate needs at least one host name".into())
        })?;
        let sans = hosts
            .iter()
            .map(|h| match h.parse() {
                Ok(ip) => Ok(San::Ip(ip)),
                Err(_) => San::dns(h, true),
            })
            .collect::<Result<Vec<_>>>()?;
        self.issue(first, Profile::Server, &sans, kind, days)
    }
}

impl Ca {
    /// The root as a rustls trust anchor (for a `RootCertStore` or a
    /// `WebPkiClientVerifier`).
    pub fn trust_anchors(&self) -> Result<Vec<TrustAnchor<'static>>> {
        crate::verify::trust_anchors(self.root_der())
    }
}

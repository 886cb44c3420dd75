//! The server's use of its CA (scs-pki): issuing users' certificates and
//! keeping the CRL file that the TLS layer loads.
//!
//! The CRL file is written by whoever revokes (the running server or `scs
//! server user revoke-cert`), under a lock file, so that an older CRL never
//! replaces a newer one.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;
use scs_crypto::keys::KeyAlgorithm;
use scs_crypto::{KeyKind, Passphrase};
use scs_pki::{Ca, CaSigner};

use crate::config::{Config, resolve};
use crate::{Error, Result};

/// The CA directory named by the configuration.
pub(crate) fn ca_dir(dir: &Path, cfg: &Config) -> PathBuf {
    resolve(dir, &cfg.ca.dir)
}

/// The CRL file named by the configuration.
pub(crate) fn crl_path(dir: &Path, cfg: &Config) -> PathBuf {
    resolve(dir, &cfg.tls.crl)
}

/// The unlocked CA of a running server.
pub(crate) struct ServerCa {
    signer: CaSigner<'static>,
    chain_pem: String,
}

impl std::fmt::Debug for ServerCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCa").finish_non_exhaustive()
    }
}

impl ServerCa {
    /// Opens and unlocks the CA. The `Ca` is leaked so that the signer can
    /// live as long as the server (one small allocation per `run`).
    pub(crate) fn open(ca_dir: &Path, passphrase: &Passphrase) -> Result<ServerCa> {
        let ca: &'static Ca = Box::leak(Box::new(Ca::open(ca_dir)?));
        let signer = ca.unlock(passphrase)?;
        Ok(ServerCa {
            chain_pem: ca.export_chain(),
            signer,
        })
    }

    pub(crate) fn signer(&self) -> &CaSigner<'static> {
        &self.signer
    }

    pub(crate) fn ca(&self) -> &Ca {
        self.signer.ca()
    }

    /// The CA chain (intermediate, if any, then root), PEM.
    pub(crate) fn chain_pem(&self) -> &str {
        &self.chain_pem
    }

    /// Certificates client certificates may chain to: the root and the
    /// issuing intermediate.
    pub(crate) fn anchors(&self) -> Vec<Vec<u8>> {
        let ca = self.ca();
        let mut out = vec![ca.root_der().to_vec()];
        if let Some(i) = ca.intermediate_der() {
            out.push(i.to_vec());
        }
        out
    }
}

/// Signs a fresh CRL and writes it to `path` (PEM), under `path.lock`.
/// Returns its DER.
pub(crate) fn write_crl(signer: &CaSigner<'_>, path: &Path, days: u32) -> Result<Vec<u8>> {
    if let Some(parent) = path.parent() {
        crate::fsutil::private_dir(parent)?;
    }
    let lock_path = path.with_extension("lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::io(&lock_path, e))?;
    lock.lock_exclusive()
        .map_err(|e| Error::io(&lock_path, e))?;
    let crl = signer.crl(days)?;
    let r = crate::fsutil::write_atomic(path, crl.pem().as_bytes());
    let _ = FileExt::unlock(&lock);
    r.map(|()| crl.der)
}

/// The CRL in `path` (DER), if the file exists.
pub(crate) fn read_crl(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let mut crls = scs_pki::parse_crls(&bytes)?;
            Ok(crls.pop())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The key kind of an existing key, for re-issuing with the same kind.
pub(crate) fn kind_of(alg: KeyAlgorithm) -> KeyKind {
    match alg {
        KeyAlgorithm::Rsa { bits } if bits >= 4096 => KeyKind::Rsa4096,
        KeyAlgorithm::Rsa { bits } if bits >= 3072 => KeyKind::Rsa3072,
        KeyAlgorithm::Rsa { .. } => KeyKind::Rsa2048,
        _ => KeyKind::Ed25519,
    }
}

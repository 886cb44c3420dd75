//! Adapters that let rcgen sign with scs-crypto keys and embed scs-crypto
//! public keys. rcgen only assembles the DER; every signature is made by
//! `scs_crypto::PrivateKey::sign`.

use rcgen::{PublicKeyData, SignatureAlgorithm, SigningKey};
use scs_crypto::keys::KeyAlgorithm;
use scs_crypto::sign::Scheme;
use scs_crypto::{PrivateKey, PublicKey};

use crate::{Error, Result};

/// A public key as rcgen wants it: the BIT STRING contents of the SPKI and
/// the algorithm whose identifier goes into the SPKI.
#[derive(Debug, Clone)]
pub(crate) struct SubjectKey {
    raw: Vec<u8>,
    alg: &'static SignatureAlgorithm,
    rsa: bool,
}

impl SubjectKey {
    pub(crate) fn new(key: &PublicKey) -> Result<Self> {
        match key.algorithm() {
            KeyAlgorithm::Rsa { .. } => Ok(Self {
                raw: key.to_pkcs1_der()?,
                alg: &rcgen::PKCS_RSA_SHA256,
                rsa: true,
            }),
            KeyAlgorithm::Ed25519 => Ok(Self {
                raw: key
                    .raw_bytes()
                    .ok_or_else(|| Error::Corrupt("Ed25519 key without raw bytes".into()))?
                    .to_vec(),
                alg: &rcgen::PKCS_ED25519,
                rsa: false,
            }),
            other => Err(Error::Unsupported(format!(
                "{} keys in certificates (scs certifies RSA and Ed25519 keys)",
                other.family()
            ))),
        }
    }

    pub(crate) fn is_rsa(&self) -> bool {
        self.rsa
    }
}

impl PublicKeyData for SubjectKey {
    fn der_bytes(&self) -> &[u8] {
        &self.raw
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

/// A private key that signs certificates, CRLs and requests: RSA keys with
/// PKCS#1 v1.5 SHA-256 (`sha256WithRSAEncryption`), Ed25519 keys with
/// Ed25519.
pub(crate) struct KeySigner<'a> {
    key: &'a PrivateKey,
    public: SubjectKey,
    scheme: Scheme,
}

impl<'a> KeySigner<'a> {
    pub(crate) fn new(key: &'a PrivateKey) -> Result<Self> {
        let scheme = match key.algorithm() {
            KeyAlgorithm::Rsa { .. } => Scheme::RsaPkcs1Sha256,
            KeyAlgorithm::Ed25519 => Scheme::Ed25519,
            other => {
                return Err(Error::Unsupported(format!(
                    "{} keys for signing (use an RSA or Ed25519 key)",
                    other.family()
                )));
            }
        };
        Ok(Self {
            key,
            public: SubjectKey::new(key.public_key())?,
            scheme,
        })
    }
}

impl core::fmt::Debug for KeySigner<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "KeySigner({:?}, {})", self.key, self.scheme)
    }
}

impl PublicKeyData for KeySigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.public.der_bytes()
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.public.algorithm()
    }
}

impl SigningKey for KeySigner<'_> {
    fn sign(&self, msg: &[u8]) -> core::result::Result<Vec<u8>, rcgen::Error> {
        self.key
            .sign(self.scheme, msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

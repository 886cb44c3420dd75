//! Digital signatures: RSA-PSS-SHA256 (salt 32), RSA PKCS#1 v1.5 SHA-256 and
//! Ed25519 (PureEdDSA).
//!
//! RSA signs a SHA-256 digest, so inputs of any size are hashed in a stream
//! and signed at the end (exactly what `openssl dgst -sha256 -sign` does).
//! Ed25519 as standardised (and as OpenSSL implements it) hashes the message
//! twice, so it needs the whole message; [`sign_reader`] holds it in memory up
//! to [`ED25519_MAX_MESSAGE`].

use core::fmt;
use core::str::FromStr;
use std::io::Read;

use aws_lc_rs::signature::{self, UnparsedPublicKey};

use crate::hash::{Digest, HashAlg};
use crate::keys::{KeyAlgorithm, PrivateKey, PublicKey};
use crate::{Error, Result};

/// Largest message Ed25519 signs from a stream (it must be held in memory).
pub const ED25519_MAX_MESSAGE: u64 = 1 << 30;

/// A signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// RSASSA-PSS with SHA-256, MGF1-SHA256 and a 32-byte salt.
    RsaPssSha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RsaPkcs1Sha256,
    /// Ed25519 (RFC 8032, pure).
    Ed25519,
}

impl Scheme {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Scheme::RsaPssSha256 => "pss",
            Scheme::RsaPkcs1Sha256 => "pkcs1",
            Scheme::Ed25519 => "ed25519",
        }
    }

    /// The default scheme for a key: PSS for RSA, Ed25519 for Ed25519.
    pub fn default_for(alg: KeyAlgorithm) -> Result<Scheme> {
        match alg {
            KeyAlgorithm::Rsa { .. } => Ok(Scheme::RsaPssSha256),
            KeyAlgorithm::Ed25519 => Ok(Scheme::Ed25519),
            KeyAlgorithm::X25519 => Err(Error::WrongKeyType {
                have: "X25519",
                op: "sign (X25519 is for encryption; use an RSA or Ed25519 key)",
            }),
        }
    }

    fn check_key(self, alg: KeyAlgorithm) -> Result<()> {
        let ok = matches!(
            (self, alg),
            (
                Scheme::RsaPssSha256 | Scheme::RsaPkcs1Sha256,
                KeyAlgorithm::Rsa { .. }
            ) | (Scheme::Ed25519, KeyAlgorithm::Ed25519)
        );
        if ok {
            Ok(())
        } else {
            Err(Error::WrongKeyType {
                have: alg.family(),
                op: match self {
                    Scheme::RsaPssSha256 => "make or check RSA-PSS signatures",
                    Scheme::RsaPkcs1Sha256 => "make or check RSA PKCS#1 v1.5 signatures",
                    Scheme::Ed25519 => "make or check Ed25519 signatures",
                },
            })
        }
    }

    /// Whether the scheme signs a pre-computed SHA-256 digest.
    #[must_use]
    pub fn is_prehashed(self) -> bool {
        !matches!(self, Scheme::Ed25519)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "pss" | "rsa-pss" => Ok(Scheme::RsaPssSha256),
            "pkcs1" | "pkcs1v15" | "rsa-pkcs1" => Ok(Scheme::RsaPkcs1Sha256),
            "ed25519" => Ok(Scheme::Ed25519),
            _ => Err(Error::Unsupported(format!(
                "signature scheme '{s}' (expected pss, pkcs1 or ed25519)"
            ))),
        }
    }
}

fn rsa_encoding(s: Scheme) -> &'static signature::RsaSignatureEncoding {
    match s {
        Scheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
        _ => &signature::RSA_PSS_SHA256,
    }
}

fn rsa_params(s: Scheme) -> &'static signature::RsaParameters {
    match s {
        Scheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        _ => &signature::RSA_PSS_2048_8192_SHA256,
    }
}

impl PrivateKey {
    /// Signs `msg` with `scheme`.
    pub fn sign(&self, scheme: Scheme, msg: &[u8]) -> Result<Vec<u8>> {
        scheme.check_key(self.algorithm())?;
        if let Some(kp) = self.ed25519() {
            return Ok(kp.sign(msg).as_ref().to_vec());
        }
        let kp = self.rsa_signer().ok_or(Error::Internal("rsa key"))?;
        let mut sig = vec![0u8; kp.public_modulus_len()];
        kp.sign(
            rsa_encoding(scheme),
            &aws_lc_rs::rand::SystemRandom::new(),
            msg,
            &mut sig,
        )
        .map_err(|_| Error::Internal("rsa sign"))?;
        Ok(sig)
    }

    /// Signs a SHA-256 digest computed elsewhere (RSA schemes only).
    pub fn sign_digest(&self, scheme: Scheme, digest: &Digest) -> Result<Vec<u8>> {
        scheme.check_key(self.algorithm())?;
        if !scheme.is_prehashed() {
            return Err(Error::Unsupported(
                "Ed25519 signs messages, not digests".into(),
            ));
        }
        let d = digest
            .lc_digest()
            .filter(|_| digest.alg() == HashAlg::Sha256)
            .ok_or_else(|| Error::Unsupported("RSA signatures here use SHA-256 digests".into()))?;
        let kp = self.rsa_signer().ok_or(Error::Internal("rsa key"))?;
        let mut sig = vec![0u8; kp.public_modulus_len()];
        kp.sign_digest(rsa_encoding(scheme), d, &mut sig)
            .map_err(|_| Error::Internal("rsa sign"))?;
        Ok(sig)
    }
}

impl PublicKey {
    /// Verifies `sig` over `msg`. Any failure is the same opaque error.
    pub fn verify(&self, scheme: Scheme, msg: &[u8], sig: &[u8]) -> Result<()> {
        scheme.check_key(self.algorithm())?;
        let r = match scheme {
            Scheme::Ed25519 => {
                let raw = self.raw_bytes().ok_or(Error::Internal("ed25519 key"))?;
                UnparsedPublicKey::new(&signature::ED25519, raw).verify(msg, sig)
            }
            _ => UnparsedPublicKey::new(rsa_params(scheme), self.spki_der()).verify(msg, sig),
        };
        r.map_err(|_| Error::BadSignature)
    }

    /// Verifies `sig` over a SHA-256 digest (RSA schemes only).
    pub fn verify_digest(&self, scheme: Scheme, digest: &Digest, sig: &[u8]) -> Result<()> {
        scheme.check_key(self.algorithm())?;
        if !scheme.is_prehashed() {
            return Err(Error::Unsupported(
                "Ed25519 verifies messages, not digests".into(),
            ));
        }
        let d = digest
            .lc_digest()
            .filter(|_| digest.alg() == HashAlg::Sha256)
            .ok_or_else(|| Error::Unsupported("RSA signatures here use SHA-256 digests".into()))?;
        UnparsedPublicKey::new(rsa_params(scheme), self.spki_der())
            .verify_digest(d, sig)
            .map_err(|_| Error::BadSignature)
    }
}

/// Input to sign or verify, read from a stream.
enum Prepared {
    Digest(Digest),
    Message(Vec<u8>),
}

fn prepare<R: Read + Send>(scheme: Scheme, reader: R) -> std::io::Result<Prepared> {
    if scheme.is_prehashed() {
        let (d, _) = crate::hash::digest_reader(HashAlg::Sha256, reader)?;
        return Ok(Prepared::Digest(d));
    }
    let mut msg = Vec::new();
    let n = reader.take(ED25519_MAX_MESSAGE + 1).read_to_end(&mut msg)?;
    if n as u64 > ED25519_MAX_MESSAGE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "Ed25519 signs the whole message in memory and this input exceeds {} MiB; use an RSA key for larger files",
                ED25519_MAX_MESSAGE >> 20
            ),
        ));
    }
    Ok(Prepared::Message(msg))
}

/// Error from signing or verifying a stream: reading, or the signature itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    #[error("reading input: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Crypto(#[from] Error),
}

/// Signs everything `reader` yields (streamed for RSA).
pub fn sign_reader<R: Read + Send>(
    key: &PrivateKey,
    scheme: Scheme,
    reader: R,
) -> Result<Vec<u8>, StreamError> {
    scheme.check_key(key.algorithm())?;
    Ok(match prepare(scheme, reader)? {
        Prepared::Digest(d) => key.sign_digest(scheme, &d)?,
        Prepared::Message(m) => key.sign(scheme, &m)?,
    })
}

/// Verifies a signature over everything `reader` yields (streamed for RSA).
pub fn verify_reader<R: Read + Send>(
    key: &PublicKey,
    scheme: Scheme,
    reader: R,
    sig: &[u8],
) -> Result<(), StreamError> {
    scheme.check_key(key.algorithm())?;
    match prepare(scheme, reader)? {
        Prepared::Digest(d) => key.verify_digest(scheme, &d, sig)?,
        Prepared::Message(m) => key.verify(scheme, &m, sig)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyKind;

    #[test]
    fn sign_verify_all_schemes() {
        let rsa = PrivateKey::generate(KeyKind::Rsa2048).unwrap();
        let ed = PrivateKey::generate(KeyKind::Ed25519).unwrap();
        for (k, s) in [
            (&rsa, Scheme::RsaPssSha256),
            (&rsa, Scheme::RsaPkcs1Sha256),
            (&ed, Scheme::Ed25519),
        ] {
            let sig = k.sign(s, b"message").unwrap();
            k.public_key().verify(s, b"message", &sig).unwrap();
            assert!(matches!(
                k.public_key().verify(s, b"massage", &sig),
                Err(Error::BadSignature)
            ));
            let streamed = sign_reader(k, s, &b"message"[..]).unwrap();
            verify_reader(k.public_key(), s, &b"message"[..], &streamed).unwrap();
            verify_reader(k.public_key(), s, &b"message"[..], &sig).unwrap();
        }
        // Digest signing equals message signing for PKCS#1 (deterministic).
        let d = crate::hash::digest(HashAlg::Sha256, b"message");
        assert_eq!(
            rsa.sign_digest(Scheme::RsaPkcs1Sha256, &d).unwrap(),
            rsa.sign(Scheme::RsaPkcs1Sha256, b"message").unwrap()
        );
    }

    #[test]
    fn wrong_key_type_is_reported() {
        let x = PrivateKey::generate(KeyKind::X25519).unwrap();
        assert!(matches!(
            x.sign(Scheme::Ed25519, b"m"),
            Err(Error::WrongKeyType { .. })
        ));
        let ed = PrivateKey::generate(KeyKind::Ed25519).unwrap();
        assert!(matches!(
            ed.sign(Scheme::RsaPssSha256, b"m"),
            Err(Error::WrongKeyType { .. })
        ));
    }
}

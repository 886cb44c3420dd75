//! Asymmetric keys: RSA (2048–8192 bits), Ed25519 and X25519.
//!
//! Private keys travel as PKCS#8 DER inside [`SecretBytes`]; public keys as
//! SubjectPublicKeyInfo DER, whose SHA-256 is the key's fingerprint.

use core::fmt;
use core::str::FromStr;

use aws_lc_rs::encoding::{AsBigEndian, AsDer, Curve25519SeedBin, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::signature::KeyPair as _;
use aws_lc_rs::{agreement, rsa, signature};
use der::asn1::{BitStringRef, OctetStringRef};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierRef, ObjectIdentifier, SubjectPublicKeyInfoRef};

use crate::{Error, Result, SecretBytes};

pub(crate) const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
pub(crate) const OID_X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");

/// Smallest and largest RSA modulus accepted, in bits.
pub const RSA_MIN_BITS: usize = 2048;
pub const RSA_MAX_BITS: usize = 8192;

/// The kinds of key scs can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    Ed25519,
    X25519,
}

impl KeyKind {
    pub const ALL: [KeyKind; 5] = [
        KeyKind::Rsa2048,
        KeyKind::Rsa3072,
        KeyKind::Rsa4096,
        KeyKind::Ed25519,
        KeyKind::X25519,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Rsa2048 => "rsa2048",
            KeyKind::Rsa3072 => "rsa3072",
            KeyKind::Rsa4096 => "rsa4096",
            KeyKind::Ed25519 => "ed25519",
            KeyKind::X25519 => "x25519",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        KeyKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::Unsupported(format!(
                    "key type '{s}' (expected rsa2048, rsa3072, rsa4096, ed25519 or x25519)"
                ))
            })
    }
}

/// What a key is, with its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    Rsa { bits: usize },
    Ed25519,
    X25519,
}

impl KeyAlgorithm {
    /// Security-relevant size in bits.
    #[must_use]
    pub fn bits(self) -> usize {
        match self {
            KeyAlgorithm::Rsa { bits } => bits,
            KeyAlgorithm::Ed25519 | KeyAlgorithm::X25519 => 256,
        }
    }

    /// Short name for messages: "RSA", "Ed25519", "X25519".
    #[must_use]
    pub fn family(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa { .. } => "RSA",
            KeyAlgorithm::Ed25519 => "Ed25519",
            KeyAlgorithm::X25519 => "X25519",
        }
    }

    #[must_use]
    pub fn can_sign(self) -> bool {
        !matches!(self, KeyAlgorithm::X25519)
    }

    #[must_use]
    pub fn can_encrypt(self) -> bool {
        !matches!(self, KeyAlgorithm::Ed25519)
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyAlgorithm::Rsa { bits } => write!(f, "RSA-{bits}"),
            KeyAlgorithm::Ed25519 => f.write_str("Ed25519"),
            KeyAlgorithm::X25519 => f.write_str("X25519"),
        }
    }
}

/// A private key. Not `Clone`; key material is wiped when dropped (by aws-lc
/// for its own objects, by [`SecretBytes`] for encodings).
pub struct PrivateKey {
    inner: PrivInner,
    public: PublicKey,
}

enum PrivInner {
    Rsa {
        sign: rsa::KeyPair,
        dec: rsa::PrivateDecryptingKey,
    },
    Ed25519(signature::Ed25519KeyPair),
    X25519(agreement::PrivateKey),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, [secret elided])", self.algorithm())
    }
}

fn rejected(what: &str, e: impl fmt::Display) -> Error {
    Error::InvalidKey(format!("{what}: {e}"))
}

impl PrivateKey {
    /// Generates a fresh key pair.
    pub fn generate(kind: KeyKind) -> Result<Self> {
        match kind {
            KeyKind::Rsa2048 | KeyKind::Rsa3072 | KeyKind::Rsa4096 => {
                let size = match kind {
                    KeyKind::Rsa2048 => rsa::KeySize::Rsa2048,
                    KeyKind::Rsa3072 => rsa::KeySize::Rsa3072,
                    _ => rsa::KeySize::Rsa4096,
                };
                let kp = rsa::KeyPair::generate(size).map_err(|_| Error::Internal("rsa keygen"))?;
                let der = pkcs8_of(&kp)?;
                Self::from_rsa_pkcs8(der.expose())
            }
            KeyKind::Ed25519 => {
                let kp = signature::Ed25519KeyPair::generate()
                    .map_err(|_| Error::Internal("ed25519 keygen"))?;
                Self::from_ed25519(kp)
            }
            KeyKind::X25519 => {
                let k = agreement::PrivateKey::generate(&agreement::X25519)
                    .map_err(|_| Error::Internal("x25519 keygen"))?;
                Self::from_x25519(k)
            }
        }
    }

    /// Parses an unencrypted PKCS#8 `PrivateKeyInfo` (v1 or v2).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| rejected("PKCS#8", e))?;
        let oid = info.algorithm.oid;
        if oid == OID_RSA {
            Self::from_rsa_pkcs8(der)
        } else if oid == OID_ED25519 {
            let kp = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .map_err(|e| rejected("Ed25519 PKCS#8", e))?;
            Self::from_ed25519(kp)
        } else if oid == OID_X25519 {
            let seed = OctetStringRef::from_der(info.private_key)
                .map_err(|e| rejected("X25519 PKCS#8", e))?;
            let k = agreement::PrivateKey::from_private_key(&agreement::X25519, seed.as_bytes())
                .map_err(|e| rejected("X25519 key", e))?;
            Self::from_x25519(k)
        } else {
            Err(Error::Unsupported(format!("private key algorithm {oid}")))
        }
    }

    /// Parses a PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let kp = rsa::KeyPair::from_der(der).map_err(|e| rejected("PKCS#1 RSA key", e))?;
        let p8 = pkcs8_of(&kp)?;
        Self::from_rsa_pkcs8(p8.expose())
    }

    fn from_rsa_pkcs8(der: &[u8]) -> Result<Self> {
        let sign = rsa::KeyPair::from_pkcs8(der).map_err(|e| rejected("RSA key", e))?;
        let bits = sign.public_modulus_len() * 8;
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(Error::InvalidKey(format!(
                "RSA-{bits} is outside the supported range of {RSA_MIN_BITS} to {RSA_MAX_BITS} bits"
            )));
        }
        let dec = rsa::PrivateDecryptingKey::from_pkcs8(der).map_err(|e| rejected("RSA key", e))?;
        let spki = dec
            .public_key()
            .as_der()
            .map_err(|_| Error::Internal("rsa public key"))?;
        let public = PublicKey::from_spki_der(spki.as_ref())?;
        Ok(Self {
            inner: PrivInner::Rsa { sign, dec },
            public,
        })
    }

    fn from_ed25519(kp: signature::Ed25519KeyPair) -> Result<Self> {
        let raw: [u8; 32] = kp
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| Error::Internal("ed25519 public key"))?;
        Ok(Self {
            public: PublicKey::from_raw(KeyAlgorithm::Ed25519, raw)?,
            inner: PrivInner::Ed25519(kp),
        })
    }

    fn from_x25519(k: agreement::PrivateKey) -> Result<Self> {
        let pk = k
            .compute_public_key()
            .map_err(|_| Error::Internal("x25519 public key"))?;
        let raw: [u8; 32] = pk
            .as_ref()
            .try_into()
            .map_err(|_| Error::Internal("x25519 public key"))?;
        Ok(Self {
            public: PublicKey::from_raw(KeyAlgorithm::X25519, raw)?,
            inner: PrivInner::X25519(k),
        })
    }

    /// The unencrypted PKCS#8 v1 encoding.
    pub fn to_pkcs8_der(&self) -> Result<SecretBytes> {
        match &self.inner {
            PrivInner::Rsa { sign, .. } => pkcs8_of(sign),
            PrivInner::Ed25519(kp) => {
                let d: Pkcs8V1Der = kp.as_der().map_err(|_| Error::Internal("ed25519 pkcs8"))?;
                Ok(SecretBytes::copy_from(d.as_ref()))
            }
            PrivInner::X25519(k) => {
                let seed: Curve25519SeedBin = k
                    .as_be_bytes()
                    .map_err(|_| Error::Internal("x25519 seed"))?;
                let inner = SecretBytes::new(
                    OctetStringRef::new(seed.as_ref())
                        .and_then(|o| o.to_der())
                        .map_err(|_| Error::Internal("x25519 pkcs8"))?,
                );
                let info = pkcs8::PrivateKeyInfo::new(
                    AlgorithmIdentifierRef {
                        oid: OID_X25519,
                        parameters: None,
                    },
                    inner.expose(),
                );
                Ok(SecretBytes::new(
                    info.to_der().map_err(|_| Error::Internal("x25519 pkcs8"))?,
                ))
            }
        }
    }

    /// The PKCS#1 `RSAPrivateKey` encoding (RSA keys only).
    pub fn to_pkcs1_der(&self) -> Result<SecretBytes> {
        match &self.inner {
            PrivInner::Rsa { .. } => {
                let p8 = self.to_pkcs8_der()?;
                let info = pkcs8::PrivateKeyInfo::from_der(p8.expose())
                    .map_err(|_| Error::Internal("pkcs8 reparse"))?;
                Ok(SecretBytes::copy_from(info.private_key))
            }
            _ => Err(Error::WrongKeyType {
                have: self.algorithm().family(),
                op: "export as PKCS#1 (RSA only)",
            }),
        }
    }

    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.public.algorithm()
    }

    /// RSA-OAEP (SHA-256, MGF1-SHA256) decryption.
    pub fn oaep_decrypt(&self, ciphertext: &[u8]) -> Result<SecretBytes> {
        oaep_decrypt_with_label(self, ciphertext, None)
    }

    /// X25519 Diffie–Hellman with a peer's raw public key; the all-zero
    /// result of a low-order point is refused.
    pub fn x25519_agree(&self, peer_public: &[u8; 32]) -> Result<SecretBytes> {
        match &self.inner {
            PrivInner::X25519(k) => x25519(k, peer_public),
            _ => Err(Error::WrongKeyType {
                have: self.algorithm().family(),
                op: "perform X25519 key agreement",
            }),
        }
    }

    pub(crate) fn rsa_signer(&self) -> Option<&rsa::KeyPair> {
        match &self.inner {
            PrivInner::Rsa { sign, .. } => Some(sign),
            _ => None,
        }
    }

    pub(crate) fn ed25519(&self) -> Option<&signature::Ed25519KeyPair> {
        match &self.inner {
            PrivInner::Ed25519(kp) => Some(kp),
            _ => None,
        }
    }
}

/// RSA-OAEP-SHA256 decryption with an optional label (test vectors use them).
pub fn oaep_decrypt_with_label(
    key: &PrivateKey,
    ciphertext: &[u8],
    label: Option<&[u8]>,
) -> Result<SecretBytes> {
    let PrivInner::Rsa { dec, .. } = &key.inner else {
        return Err(Error::WrongKeyType {
            have: key.algorithm().family(),
            op: "decrypt with RSA-OAEP",
        });
    };
    let oaep =
        rsa::OaepPrivateDecryptingKey::new(dec.clone()).map_err(|_| Error::Internal("oaep key"))?;
    let mut out = SecretBytes::zeroed(oaep.min_output_size());
    let n = oaep
        .decrypt(
            &rsa::OAEP_SHA256_MGF1SHA256,
            ciphertext,
            out.expose_mut(),
            label,
        )
        .map_err(|_| Error::Decrypt)?
        .len();
    out.truncate(n);
    Ok(out)
}

fn x25519(k: &agreement::PrivateKey, peer: &[u8; 32]) -> Result<SecretBytes> {
    let peer = agreement::UnparsedPublicKey::new(&agreement::X25519, peer);
    agreement::agree(k, peer, Error::Decrypt, |s| {
        if s.iter().all(|b| *b == 0) {
            Err(Error::Decrypt)
        } else {
            Ok(SecretBytes::copy_from(s))
        }
    })
}

/// An ephemeral X25519 key pair for one exchange (sealing to a recipient).
pub struct EphemeralX25519 {
    key: agreement::PrivateKey,
    public: [u8; 32],
}

impl EphemeralX25519 {
    pub fn generate() -> Result<Self> {
        let key = agreement::PrivateKey::generate(&agreement::X25519)
            .map_err(|_| Error::Internal("x25519 keygen"))?;
        let public = key
            .compute_public_key()
            .map_err(|_| Error::Internal("x25519 public key"))?
            .as_ref()
            .try_into()
            .map_err(|_| Error::Internal("x25519 public key"))?;
        Ok(Self { key, public })
    }

    #[must_use]
    pub fn public(&self) -> &[u8; 32] {
        &self.public
    }

    /// Completes the exchange; the ephemeral secret is consumed.
    pub fn agree(self, peer_public: &[u8; 32]) -> Result<SecretBytes> {
        x25519(&self.key, peer_public)
    }
}

impl fmt::Debug for EphemeralX25519 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EphemeralX25519([secret elided])")
    }
}

/// X25519 from a raw 32-byte scalar (RFC 7748 test vectors).
pub fn x25519_raw(scalar: &[u8; 32], peer_public: &[u8; 32]) -> Result<SecretBytes> {
    let k = agreement::PrivateKey::from_private_key(&agreement::X25519, scalar)
        .map_err(|e| rejected("X25519 scalar", e))?;
    x25519(&k, peer_public)
}

fn pkcs8_of(kp: &rsa::KeyPair) -> Result<SecretBytes> {
    let d: Pkcs8V1Der = kp.as_der().map_err(|_| Error::Internal("rsa pkcs8"))?;
    Ok(SecretBytes::copy_from(d.as_ref()))
}

/// A public key, kept as its canonical SubjectPublicKeyInfo DER.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey {
    alg: KeyAlgorithm,
    spki: Vec<u8>,
    /// Raw 32-byte key for Ed25519/X25519; empty for RSA.
    raw: Vec<u8>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PublicKey({}, SHA256:{})",
            self.alg,
            self.fingerprint_hex()
        )
    }
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo (RSA, Ed25519 or X25519).
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let info = SubjectPublicKeyInfoRef::from_der(der).map_err(|e| rejected("public key", e))?;
        let oid = info.algorithm.oid;
        let bits = info
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| Error::InvalidKey("public key bit string is not byte-aligned".into()))?;
        if oid == OID_RSA {
            let enc = rsa::PublicEncryptingKey::from_der(der)
                .map_err(|e| rejected("RSA public key", e))?;
            let n_bits = enc.key_size_bits();
            if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&n_bits) {
                return Err(Error::InvalidKey(format!(
                    "RSA-{n_bits} is outside the supported range of {RSA_MIN_BITS} to {RSA_MAX_BITS} bits"
                )));
            }
            let canonical: PublicKeyX509Der =
                enc.as_der().map_err(|_| Error::Internal("rsa spki"))?;
            Ok(Self {
                alg: KeyAlgorithm::Rsa { bits: n_bits },
                spki: canonical.as_ref().to_vec(),
                raw: Vec::new(),
            })
        } else if oid == OID_ED25519 || oid == OID_X25519 {
            if info.algorithm.parameters.is_some() {
                return Err(Error::InvalidKey("unexpected algorithm parameters".into()));
            }
            let raw: [u8; 32] = bits
                .try_into()
                .map_err(|_| Error::InvalidKey("expected a 32-byte key".into()))?;
            let alg = if oid == OID_ED25519 {
                KeyAlgorithm::Ed25519
            } else {
                KeyAlgorithm::X25519
            };
            Self::from_raw(alg, raw)
        } else {
            Err(Error::Unsupported(format!("public key algorithm {oid}")))
        }
    }

    /// Parses a PKCS#1 `RSAPublicKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let pk = rsa::PublicKey::from_der(der).map_err(|e| rejected("PKCS#1 RSA public key", e))?;
        let spki: PublicKeyX509Der = pk.as_der().map_err(|_| Error::Internal("rsa spki"))?;
        Self::from_spki_der(spki.as_ref())
    }

    /// An Ed25519 or X25519 key from its 32 raw bytes.
    pub fn from_raw(alg: KeyAlgorithm, raw: [u8; 32]) -> Result<Self> {
        let oid = match alg {
            KeyAlgorithm::Ed25519 => OID_ED25519,
            KeyAlgorithm::X25519 => OID_X25519,
            KeyAlgorithm::Rsa { .. } => {
                return Err(Error::Unsupported("raw RSA public keys".into()));
            }
        };
        let spki = spki::SubjectPublicKeyInfo {
            algorithm: AlgorithmIdentifierRef {
                oid,
                parameters: None,
            },
            subject_public_key: BitStringRef::from_bytes(&raw)
                .map_err(|_| Error::Internal("bit string"))?,
        }
        .to_der()
        .map_err(|_| Error::Internal("spki encode"))?;
        Ok(Self {
            alg,
            spki,
            raw: raw.to_vec(),
        })
    }

    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.alg
    }

    /// The SubjectPublicKeyInfo DER.
    #[must_use]
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The PKCS#1 `RSAPublicKey` DER (RSA only).
    pub fn to_pkcs1_der(&self) -> Result<Vec<u8>> {
        match self.alg {
            KeyAlgorithm::Rsa { .. } => {
                let info = SubjectPublicKeyInfoRef::from_der(&self.spki)
                    .map_err(|_| Error::Internal("spki reparse"))?;
                Ok(info
                    .subject_public_key
                    .as_bytes()
                    .ok_or(Error::Internal("spki bits"))?
                    .to_vec())
            }
            _ => Err(Error::WrongKeyType {
                have: self.alg.family(),
                op: "export as PKCS#1 (RSA only)",
            }),
        }
    }

    /// The raw 32 bytes of an Ed25519 or X25519 key.
    #[must_use]
    pub fn raw_bytes(&self) -> Option<&[u8; 32]> {
        self.raw.as_slice().try_into().ok()
    }

    /// SHA-256 of the SubjectPublicKeyInfo DER.
    #[must_use]
    pub fn fingerprint(&self) -> [u8; 32] {
        crate::hash::sha256(&self.spki)
    }

    /// The fingerprint as lowercase hex.
    #[must_use]
    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.fingerprint())
    }

    /// Largest plaintext RSA-OAEP-SHA256 can take with this key.
    pub fn oaep_max_plaintext(&self) -> Result<usize> {
        match self.alg {
            // k - 2*hLen - 2
            KeyAlgorithm::Rsa { bits } => Ok(bits / 8 - 2 * 32 - 2),
            _ => Err(Error::WrongKeyType {
                have: self.alg.family(),
                op: "encrypt with RSA-OAEP",
            }),
        }
    }

    /// RSA-OAEP (SHA-256, MGF1-SHA256) encryption of a short message.
    pub fn oaep_encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        self.oaep_encrypt_with_label(plaintext, None)
    }

    /// RSA-OAEP-SHA256 with an optional label.
    pub fn oaep_encrypt_with_label(
        &self,
        plaintext: &[u8],
        label: Option<&[u8]>,
    ) -> Result<Vec<u8>> {
        let max = self.oaep_max_plaintext()?;
        if plaintext.len() > max {
            return Err(Error::MessageTooLong {
                len: plaintext.len(),
                max,
                bits: self.alg.bits(),
            });
        }
        let pk = rsa::PublicEncryptingKey::from_der(&self.spki)
            .map_err(|e| rejected("RSA public key", e))?;
        let oaep =
            rsa::OaepPublicEncryptingKey::new(pk).map_err(|_| Error::Internal("oaep key"))?;
        let mut out = vec![0u8; oaep.ciphertext_size()];
        let n = oaep
            .encrypt(&rsa::OAEP_SHA256_MGF1SHA256, plaintext, &mut out, label)
            .map_err(|_| Error::Internal("oaep encrypt"))?
            .len();
        out.truncate(n);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_round_trip_all_kinds() {
        for kind in [KeyKind::Rsa2048, KeyKind::Ed25519, KeyKind::X25519] {
            let k = PrivateKey::generate(kind).unwrap();
            let der = k.to_pkcs8_der().unwrap();
            let back = PrivateKey::from_pkcs8_der(der.expose()).unwrap();
            assert_eq!(back.public_key(), k.public_key(), "{kind}");
            let spki = PublicKey::from_spki_der(k.public_key().spki_der()).unwrap();
            assert_eq!(&spki, k.public_key());
        }
    }

    #[test]
    fn rsa_pkcs1_round_trip_and_oaep() {
        let k = PrivateKey::generate(KeyKind::Rsa2048).unwrap();
        let p1 = k.to_pkcs1_der().unwrap();
        let back = PrivateKey::from_pkcs1_der(p1.expose()).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        let pub1 = k.public_key().to_pkcs1_der().unwrap();
        assert_eq!(&PublicKey::from_pkcs1_der(&pub1).unwrap(), k.public_key());
        assert_eq!(k.public_key().oaep_max_plaintext().unwrap(), 190);
        let ct = k.public_key().oaep_encrypt(b"secret").unwrap();
        assert_eq!(back.oaep_decrypt(&ct).unwrap().expose(), b"secret");
        assert!(matches!(
            k.public_key().oaep_encrypt(&[0u8; 191]),
            Err(Error::MessageTooLong { max: 190, .. })
        ));
    }

    #[test]
    fn x25519_agreement() {
        let a = PrivateKey::generate(KeyKind::X25519).unwrap();
        let e = EphemeralX25519::generate().unwrap();
        let epk = *e.public();
        let s1 = e.agree(a.public_key().raw_bytes().unwrap()).unwrap();
        let s2 = a.x25519_agree(&epk).unwrap();
        assert_eq!(s1.expose(), s2.expose());
        assert!(a.x25519_agree(&[0u8; 32]).is_err());
    }
}

//! Reading and writing keys in the formats everyone uses: PEM and DER;
//! PKCS#8 (plain and encrypted with PBES2), PKCS#1, SubjectPublicKeyInfo, and
//! X.509 certificates (handed back as DER for the caller to parse).
//!
//! Encrypted PKCS#8 is written as PBES2 with PBKDF2-HMAC-SHA256 (600,000
//! iterations, OWASP's figure) and AES-256-CBC, which `openssl pkey -passin`
//! opens. scrypt would be stronger per second of work, but OpenSSL refuses
//! scrypt parameters above 32 MiB of memory, which caps N at 2^14.
//! Reading accepts PBKDF2 with HMAC-SHA1/256/384/512 and AES-128/192/256-CBC,
//! and scrypt, with cost bounds so that a hostile file cannot stall us.

use der::{Decode, Encode};
use zeroize::Zeroizing;

use crate::kdf::Pbkdf2Prf;
use crate::keys::{PrivateKey, PublicKey};
use crate::{Error, Passphrase, Result, SecretBytes};

/// PBKDF2 iterations used when writing encrypted keys.
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// Most PBKDF2 iterations accepted when reading.
pub const MAX_PBKDF2_ITERATIONS: u32 = 20_000_000;
/// Largest scrypt log2(N) accepted when reading (with r ≤ 16, p ≤ 16).
pub const MAX_SCRYPT_LOG_N: u8 = 20;
/// Largest key or certificate file accepted.
pub const MAX_KEY_FILE: usize = 1 << 20;

pub const LABEL_PRIVATE: &str = "PRIVATE KEY";
pub const LABEL_ENCRYPTED: &str = "ENCRYPTED PRIVATE KEY";
pub const LABEL_RSA_PRIVATE: &str = "RSA PRIVATE KEY";
pub const LABEL_PUBLIC: &str = "PUBLIC KEY";
pub const LABEL_RSA_PUBLIC: &str = "RSA PUBLIC KEY";
pub const LABEL_CERTIFICATE: &str = "CERTIFICATE";

/// What a key file holds.
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyFile {
    /// An unencrypted private key (PKCS#8 or PKCS#1).
    Private(PrivateKey),
    /// An encrypted PKCS#8 key: call [`EncryptedKey::decrypt`].
    Encrypted(EncryptedKey),
    /// A public key (SPKI or PKCS#1).
    Public(PublicKey),
    /// An X.509 certificate, DER.
    Certificate(Vec<u8>),
}

/// An `EncryptedPrivateKeyInfo`, not yet opened.
pub struct EncryptedKey(Vec<u8>);

impl core::fmt::Debug for EncryptedKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("EncryptedKey(..)")
    }
}

impl EncryptedKey {
    /// Wraps DER bytes after checking that they parse.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        pkcs8::EncryptedPrivateKeyInfo::from_der(der)
            .map_err(|e| Error::malformed("encrypted PKCS#8", e))?;
        Ok(Self(der.to_vec()))
    }

    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.0
    }

    /// Opens the key with `passphrase`. A wrong passphrase gives
    /// [`Error::WrongPassphrase`] whatever the reason the result is unusable.
    pub fn decrypt(&self, passphrase: &Passphrase) -> Result<PrivateKey> {
        let der = decrypt_pkcs8(&self.0, passphrase)?;
        // A wrong passphrase passes the padding check about once in 256
        // tries; the DER that comes out is then garbage.
        PrivateKey::from_pkcs8_der(der.expose()).map_err(|_| Error::WrongPassphrase)
    }
}

fn decrypt_pkcs8(der: &[u8], passphrase: &Passphrase) -> Result<SecretBytes> {
    let info = pkcs8::EncryptedPrivateKeyInfo::from_der(der)
        .map_err(|e| Error::malformed("encrypted PKCS#8", e))?;
    let pkcs5::EncryptionScheme::Pbes2(params) = &info.encryption_algorithm else {
        return Err(Error::Unsupported(
            "PBES1 key encryption (legacy); re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`".into(),
        ));
    };
    let (key_len, iv) = match params.encryption {
        pkcs5::pbes2::EncryptionScheme::Aes128Cbc { iv } => (16, iv),
        pkcs5::pbes2::EncryptionScheme::Aes192Cbc { iv } => (24, iv),
        pkcs5::pbes2::EncryptionScheme::Aes256Cbc { iv } => (32, iv),
        _ => return Err(Error::Unsupported("PBES2 cipher (expected AES-CBC)".into())),
    };
    let pw = passphrase.expose().as_bytes();
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    match &params.kdf {
        pkcs5::pbes2::Kdf::Pbkdf2(p) => {
            if p.iteration_count > MAX_PBKDF2_ITERATIONS {
                return Err(Error::Unsupported(format!(
                    "PBKDF2 iteration count {} (at most {MAX_PBKDF2_ITERATIONS})",
                    p.iteration_count
                )));
            }
            if p.key_length.is_some_and(|l| usize::from(l) != key_len) {
                return Err(Error::malformed("PBES2 parameters", "key length mismatch"));
            }
            let prf = match p.prf {
                pkcs5::pbes2::Pbkdf2Prf::HmacWithSha1 => Pbkdf2Prf::HmacSha1,
                pkcs5::pbes2::Pbkdf2Prf::HmacWithSha256 => Pbkdf2Prf::HmacSha256,
                pkcs5::pbes2::Pbkdf2Prf::HmacWithSha384 => Pbkdf2Prf::HmacSha384,
                pkcs5::pbes2::Pbkdf2Prf::HmacWithSha512 => Pbkdf2Prf::HmacSha512,
                other => return Err(Error::Unsupported(format!("PBKDF2 PRF {other:?}"))),
            };
            crate::kdf::pbkdf2(prf, pw, p.salt, p.iteration_count, &mut key)?;
        }
        pkcs5::pbes2::Kdf::Scrypt(s) => {
            let n = s.cost_parameter;
            if !n.is_power_of_two()
                || n.trailing_zeros() > u32::from(MAX_SCRYPT_LOG_N)
                || s.block_size > 16
                || s.parallelization > 16
            {
                return Err(Error::Unsupported(
                    "scrypt parameters beyond the accepted bounds".into(),
                ));
            }
            // aws-lc-rs exposes no scrypt; the RustCrypto implementation
            // behind the pkcs5 crate derives and decrypts this (rare) case.
            let out = params
                .decrypt(pw, info.encrypted_data)
                .map_err(|_| Error::WrongPassphrase)?;
            return Ok(SecretBytes::new(out));
        }
        _ => return Err(Error::Unsupported("PBES2 key derivation function".into())),
    }
    crate::cbc::decrypt_pkcs7(&key, iv, info.encrypted_data).map_err(|_| Error::WrongPassphrase)
}

/// Encrypts a private key as PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC).
pub fn encrypt_private_key_der(
    key: &PrivateKey,
    passphrase: &Passphrase,
    iterations: u32,
) -> Result<Vec<u8>> {
    if passphrase.is_empty() {
        return Err(Error::Unsupported("an empty passphrase".into()));
    }
    let plain = key.to_pkcs8_der()?;
    let salt: [u8; 16] = crate::rand::array()?;
    let iv: [u8; 16] = crate::rand::array()?;
    let mut k = Zeroizing::new([0u8; 32]);
    crate::kdf::pbkdf2_sha256(passphrase.expose().as_bytes(), &salt, iterations, &mut *k)?;
    let ct = crate::cbc::encrypt_pkcs7(&*k, &iv, plain.expose())?;
    let params = pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, &salt, &iv)
        .map_err(|e| Error::malformed("PBES2 parameters", e))?;
    let info = pkcs8::EncryptedPrivateKeyInfo {
        encryption_algorithm: pkcs5::EncryptionScheme::Pbes2(params),
        encrypted_data: &ct,
    };
    info.to_der()
        .map_err(|e| Error::malformed("encrypted PKCS#8", e))
}

/// Encrypted PKCS#8 PEM (`ENCRYPTED PRIVATE KEY`).
pub fn encrypt_private_key_pem(
    key: &PrivateKey,
    passphrase: &Passphrase,
    iterations: u32,
) -> Result<String> {
    let der = encrypt_private_key_der(key, passphrase, iterations)?;
    Ok(encode(pem::Pem::new(LABEL_ENCRYPTED, der)))
}

/// Unencrypted PKCS#8 PEM (`PRIVATE KEY`).
pub fn private_key_pem(key: &PrivateKey) -> Result<Zeroizing<String>> {
    let der = key.to_pkcs8_der()?;
    Ok(Zeroizing::new(encode(pem::Pem::new(
        LABEL_PRIVATE,
        der.expose().to_vec(),
    ))))
}

/// Unencrypted PKCS#1 PEM (`RSA PRIVATE KEY`), RSA only.
pub fn pkcs1_private_key_pem(key: &PrivateKey) -> Result<Zeroizing<String>> {
    let der = key.to_pkcs1_der()?;
    Ok(Zeroizing::new(encode(pem::Pem::new(
        LABEL_RSA_PRIVATE,
        der.expose().to_vec(),
    ))))
}

/// SubjectPublicKeyInfo PEM (`PUBLIC KEY`).
#[must_use]
pub fn public_key_pem(key: &PublicKey) -> String {
    encode(pem::Pem::new(LABEL_PUBLIC, key.spki_der().to_vec()))
}

/// Certificate DER to PEM.
#[must_use]
pub fn certificate_pem(der: &[u8]) -> String {
    encode(pem::Pem::new(LABEL_CERTIFICATE, der.to_vec()))
}

/// PEM text with LF line endings, as OpenSSL writes it.
#[must_use]
pub fn encode(block: pem::Pem) -> String {
    pem::encode_config(
        &block,
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// PEM text of one block.
#[must_use]
pub fn encode_block(label: &str, der: &[u8]) -> String {
    encode(pem::Pem::new(label, der.to_vec()))
}

/// Whether the bytes look like PEM text rather than DER.
#[must_use]
pub fn looks_like_pem(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes[start..].starts_with(b"-----BEGIN ")
}

/// Every certificate in a PEM bundle (or a single DER certificate), as DER.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    check_size(bytes.len(), 16)?;
    if !looks_like_pem(bytes) {
        return Ok(vec![bytes.to_vec()]);
    }
    let blocks = pem::parse_many(bytes).map_err(|e| Error::malformed("PEM", e))?;
    let certs: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|p| p.tag() == LABEL_CERTIFICATE)
        .map(pem::Pem::into_contents)
        .collect();
    if certs.is_empty() {
        return Err(Error::malformed("PEM", "no CERTIFICATE block"));
    }
    Ok(certs)
}

fn check_size(len: usize, factor: usize) -> Result<()> {
    if len > MAX_KEY_FILE * factor {
        return Err(Error::malformed("key file", "too large"));
    }
    Ok(())
}

/// Parses a key or certificate file, PEM or DER. In PEM, the first block
/// with a known label is used.
pub fn parse_key_file(bytes: &[u8]) -> Result<KeyFile> {
    check_size(bytes.len(), 1)?;
    if looks_like_pem(bytes) {
        let blocks = pem::parse_many(bytes).map_err(|e| Error::malformed("PEM", e))?;
        for block in blocks {
            let tag = block.tag().to_owned();
            match tag.as_str() {
                LABEL_PRIVATE | LABEL_RSA_PRIVATE | LABEL_ENCRYPTED => {
                    if block
                        .headers()
                        .get("Proc-Type")
                        .is_some_and(|v| v.contains("ENCRYPTED"))
                    {
                        return Err(Error::Unsupported(
                            "legacy OpenSSL PEM encryption; convert the key with `openssl pkcs8 -topk8 -v2 aes-256-cbc`".into(),
                        ));
                    }
                    let der = SecretBytes::new(block.into_contents());
                    return match tag.as_str() {
                        LABEL_PRIVATE => {
                            PrivateKey::from_pkcs8_der(der.expose()).map(KeyFile::Private)
                        }
                        LABEL_RSA_PRIVATE => {
                            PrivateKey::from_pkcs1_der(der.expose()).map(KeyFile::Private)
                        }
                        _ => EncryptedKey::from_der(der.expose()).map(KeyFile::Encrypted),
                    };
                }
                LABEL_PUBLIC => {
                    return PublicKey::from_spki_der(block.contents()).map(KeyFile::Public);
                }
                LABEL_RSA_PUBLIC => {
                    return PublicKey::from_pkcs1_der(block.contents()).map(KeyFile::Public);
                }
                LABEL_CERTIFICATE => return Ok(KeyFile::Certificate(block.into_contents())),
                _ => {}
            }
        }
        return Err(Error::malformed(
            "PEM",
            "no key or certificate block (expected PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY, PUBLIC KEY or CERTIFICATE)",
        ));
    }
    parse_der(bytes)
}

/// DER: try each structure in turn by its shape.
fn parse_der(der: &[u8]) -> Result<KeyFile> {
    if pkcs8::PrivateKeyInfo::from_der(der).is_ok() {
        return PrivateKey::from_pkcs8_der(der).map(KeyFile::Private);
    }
    if pkcs8::EncryptedPrivateKeyInfo::from_der(der).is_ok() {
        return EncryptedKey::from_der(der).map(KeyFile::Encrypted);
    }
    if spki::SubjectPublicKeyInfoRef::from_der(der).is_ok() {
        return PublicKey::from_spki_der(der).map(KeyFile::Public);
    }
    if pkcs1::RsaPrivateKey::from_der(der).is_ok() {
        return PrivateKey::from_pkcs1_der(der).map(KeyFile::Private);
    }
    if pkcs1::RsaPublicKey::from_der(der).is_ok() {
        return PublicKey::from_pkcs1_der(der).map(KeyFile::Public);
    }
    if looks_like_certificate(der) {
        return Ok(KeyFile::Certificate(der.to_vec()));
    }
    Err(Error::malformed(
        "key file",
        "not PEM, and not a DER key or certificate this program knows",
    ))
}

/// A certificate is SEQUENCE { SEQUENCE tbs, SEQUENCE alg, BIT STRING sig }.
fn looks_like_certificate(der: &[u8]) -> bool {
    #[derive(der::Sequence)]
    struct Shape<'a> {
        tbs: der::asn1::AnyRef<'a>,
        alg: der::asn1::AnyRef<'a>,
        sig: der::asn1::BitStringRef<'a>,
    }
    use der::Tagged;
    Shape::from_der(der)
        .is_ok_and(|s| s.tbs.tag() == der::Tag::Sequence && s.alg.tag() == der::Tag::Sequence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyKind;

    #[test]
    fn encrypted_round_trip_and_wrong_passphrase() {
        let k = PrivateKey::generate(KeyKind::Ed25519).unwrap();
        let pass = Passphrase::from("pw");
        let pem = encrypt_private_key_pem(&k, &pass, 1000).unwrap();
        let KeyFile::Encrypted(enc) = parse_key_file(pem.as_bytes()).unwrap() else {
            panic!("expected encrypted key");
        };
        assert_eq!(enc.decrypt(&pass).unwrap().public_key(), k.public_key());
        for wrong in ["pX", "", "pw ", "PW"] {
            assert!(matches!(
                enc.decrypt(&Passphrase::from(wrong)),
                Err(Error::WrongPassphrase)
            ));
        }
    }

    #[test]
    fn plain_formats_parse() {
        let k = PrivateKey::generate(KeyKind::Rsa2048).unwrap();
        let p8 = private_key_pem(&k).unwrap();
        let p1 = pkcs1_private_key_pem(&k).unwrap();
        for text in [p8.as_str(), p1.as_str()] {
            let KeyFile::Private(back) = parse_key_file(text.as_bytes()).unwrap() else {
                panic!("expected private key");
            };
            assert_eq!(back.public_key(), k.public_key());
        }
        let pubpem = public_key_pem(k.public_key());
        assert!(
            matches!(parse_key_file(pubpem.as_bytes()).unwrap(), KeyFile::Public(p) if &p == k.public_key())
        );
        let der = k.to_pkcs8_der().unwrap();
        assert!(matches!(
            parse_key_file(der.expose()).unwrap(),
            KeyFile::Private(_)
        ));
        assert!(matches!(
            parse_key_file(k.public_key().spki_der()).unwrap(),
            KeyFile::Public(_)
        ));
    }

    #[test]
    fn garbage_is_rejected() {
        assert!(parse_key_file(b"hello").is_err());
        assert!(
            parse_key_file(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
        assert!(parse_key_file(b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n").is_err());
        assert!(parse_key_file(&[0x30, 0x82, 0xff, 0xff]).is_err());
    }
}

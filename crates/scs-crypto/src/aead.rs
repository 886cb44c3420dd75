//! AES-GCM authenticated encryption (96-bit nonces, 128-bit tags).

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};

use crate::{Error, Result};

/// Nonce length.
pub const NONCE_LEN: usize = 12;
/// Tag length.
pub const TAG_LEN: usize = 16;

/// An AES-GCM key (256-bit for everything scs writes; 128- and 192-bit keys
/// are accepted for reading and for test vectors).
pub struct AesGcm {
    key: LessSafeKey,
}

impl AesGcm {
    /// A key from raw bytes of 16, 24 or 32 bytes.
    pub fn new(key: &[u8]) -> Result<Self> {
        let alg = match key.len() {
            16 => &aead::AES_128_GCM,
            24 => &aead::AES_192_GCM,
            32 => &aead::AES_256_GCM,
            n => return Err(Error::InvalidKey(format!("AES-GCM key of {n} bytes"))),
        };
        let unbound = UnboundKey::new(alg, key).map_err(|_| Error::InvalidKey("AES-GCM".into()))?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
        })
    }

    /// AES-256-GCM from a 256-bit key.
    pub fn aes256(key: &crate::secret::Key256) -> Self {
        Self::new(key.expose()).expect("32-byte key is valid for AES-256-GCM")
    }

    /// Encrypts `buf` in place and appends the tag.
    pub fn seal_in_place_append_tag(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), buf)
            .map_err(|_| Error::Internal("aes-gcm seal"))
    }

    /// Encrypts `buf` in place and returns the tag.
    pub fn seal_in_place_separate_tag(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        let tag = self
            .key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), buf)
            .map_err(|_| Error::Internal("aes-gcm seal"))?;
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(tag.as_ref());
        Ok(out)
    }

    /// One-shot seal: returns ciphertext ‖ tag.
    pub fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(plaintext.len() + TAG_LEN);
        buf.extend_from_slice(plaintext);
        self.seal_in_place_append_tag(nonce, aad, &mut buf)?;
        Ok(buf)
    }

    /// Decrypts ciphertext ‖ tag in place; returns the plaintext prefix.
    /// On failure the buffer content is unspecified and must not be used.
    pub fn open_in_place<'a>(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &'a mut [u8],
    ) -> Result<&'a mut [u8]> {
        self.key
            .open_in_place(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), buf)
            .map_err(|_| Error::Decrypt)
    }

    /// One-shot open of ciphertext ‖ tag.
    pub fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<crate::SecretBytes> {
        let mut buf = crate::SecretBytes::copy_from(sealed);
        let n = self.open_in_place(nonce, aad, buf.expose_mut())?.len();
        buf.truncate(n);
        Ok(buf)
    }
}

impl core::fmt::Debug for AesGcm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AesGcm([secret elided])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let k = AesGcm::new(&[1u8; 32]).unwrap();
        let n = [2u8; 12];
        let ct = k.seal(&n, b"aad", b"hello").unwrap();
        assert_eq!(k.open(&n, b"aad", &ct).unwrap().expose(), b"hello");
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert!(k.open(&n, b"aad", &bad).is_err());
        assert!(k.open(&n, b"aae", &ct).is_err());
        assert!(AesGcm::new(&[0u8; 20]).is_err());
    }
}

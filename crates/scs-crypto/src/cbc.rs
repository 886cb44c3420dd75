//! AES-CBC, kept for legacy formats (OpenSSL `enc`, PKCS#8 PBES2) only.
//! CBC is unauthenticated: anything decrypted here must be authenticated by
//! other means, or the user warned.

use aws_lc_rs::cipher::{
    self, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext,
    PaddedBlockDecryptingKey, PaddedBlockEncryptingKey, StreamingDecryptingKey,
    StreamingEncryptingKey, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;

use crate::{Error, Result, SecretBytes};

/// AES block and IV length.
pub const BLOCK_LEN: usize = 16;

fn unbound(key: &[u8]) -> Result<UnboundCipherKey> {
    let alg = match key.len() {
        16 => &cipher::AES_128,
        24 => &cipher::AES_192,
        32 => &cipher::AES_256,
        n => return Err(Error::InvalidKey(format!("AES key of {n} bytes"))),
    };
    UnboundCipherKey::new(alg, key).map_err(|_| Error::InvalidKey("AES".into()))
}

fn enc_ctx(iv: &[u8; BLOCK_LEN]) -> EncryptionContext {
    EncryptionContext::Iv128(FixedLength::from(*iv))
}

fn dec_ctx(iv: &[u8; BLOCK_LEN]) -> DecryptionContext {
    DecryptionContext::Iv128(FixedLength::from(*iv))
}

/// AES-CBC with PKCS#7 padding: returns the ciphertext.
pub fn encrypt_pkcs7(key: &[u8], iv: &[u8; BLOCK_LEN], plaintext: &[u8]) -> Result<Vec<u8>> {
    let k = PaddedBlockEncryptingKey::cbc_pkcs7(unbound(key)?)
        .map_err(|_| Error::Internal("aes-cbc key"))?;
    let mut buf = plaintext.to_vec();
    k.less_safe_encrypt(&mut buf, enc_ctx(iv))
        .map_err(|_| Error::Internal("aes-cbc encrypt"))?;
    Ok(buf)
}

/// AES-CBC with PKCS#7 padding: returns the plaintext. A padding error is
/// reported as the same opaque [`Error::Decrypt`] as a wrong key.
pub fn decrypt_pkcs7(key: &[u8], iv: &[u8; BLOCK_LEN], ciphertext: &[u8]) -> Result<SecretBytes> {
    let k = PaddedBlockDecryptingKey::cbc_pkcs7(unbound(key)?)
        .map_err(|_| Error::Internal("aes-cbc key"))?;
    let mut buf = SecretBytes::copy_from(ciphertext);
    let n = k
        .decrypt(buf.expose_mut(), dec_ctx(iv))
        .map_err(|_| Error::Decrypt)?
        .len();
    buf.truncate(n);
    Ok(buf)
}

/// Raw AES-CBC without padding (input a multiple of 16 bytes), in place.
pub fn encrypt_nopad_in_place(key: &[u8], iv: &[u8; BLOCK_LEN], buf: &mut [u8]) -> Result<()> {
    if !buf.len().is_multiple_of(BLOCK_LEN) {
        return Err(Error::malformed("CBC input", "not a multiple of 16 bytes"));
    }
    let k = EncryptingKey::cbc(unbound(key)?).map_err(|_| Error::Internal("aes-cbc key"))?;
    k.less_safe_encrypt(buf, enc_ctx(iv))
        .map(|_| ())
        .map_err(|_| Error::Internal("aes-cbc encrypt"))
}

/// Raw AES-CBC decryption without padding, in place.
pub fn decrypt_nopad_in_place(key: &[u8], iv: &[u8; BLOCK_LEN], buf: &mut [u8]) -> Result<()> {
    if !buf.len().is_multiple_of(BLOCK_LEN) {
        return Err(Error::malformed("CBC input", "not a multiple of 16 bytes"));
    }
    let k = DecryptingKey::cbc(unbound(key)?).map_err(|_| Error::Internal("aes-cbc key"))?;
    k.decrypt(buf, dec_ctx(iv))
        .map(|_| ())
        .map_err(|_| Error::Decrypt)
}

/// Streaming AES-CBC-PKCS#7 encryption of arbitrarily long input.
pub struct CbcEncryptor(StreamingEncryptingKey);

impl CbcEncryptor {
    pub fn new(key: &[u8], iv: &[u8; BLOCK_LEN]) -> Result<Self> {
        StreamingEncryptingKey::less_safe_cbc_pkcs7(unbound(key)?, enc_ctx(iv))
            .map(Self)
            .map_err(|_| Error::Internal("aes-cbc key"))
    }

    /// Encrypts `input`, appending ciphertext to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        out.resize(start + input.len() + BLOCK_LEN, 0);
        let n = self
            .0
            .update(input, &mut out[start..])
            .map_err(|_| Error::Internal("aes-cbc update"))?
            .written()
            .len();
        out.truncate(start + n);
        Ok(())
    }

    /// Writes the final padded block to `out`.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        out.resize(start + BLOCK_LEN, 0);
        let (_, upd) = self
            .0
            .finish(&mut out[start..])
            .map_err(|_| Error::Internal("aes-cbc finish"))?;
        let n = upd.written().len();
        out.truncate(start + n);
        Ok(())
    }
}

impl core::fmt::Debug for CbcEncryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CbcEncryptor([secret elided])")
    }
}

/// Streaming AES-CBC-PKCS#7 decryption. Plaintext released before `finish`
/// is unauthenticated and may belong to a file whose padding turns out bad.
pub struct CbcDecryptor(StreamingDecryptingKey);

impl CbcDecryptor {
    pub fn new(key: &[u8], iv: &[u8; BLOCK_LEN]) -> Result<Self> {
        StreamingDecryptingKey::cbc_pkcs7(unbound(key)?, dec_ctx(iv))
            .map(Self)
            .map_err(|_| Error::Internal("aes-cbc key"))
    }

    /// Decrypts `input`, appending plaintext to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        out.resize(start + input.len() + BLOCK_LEN, 0);
        let n = self
            .0
            .update(input, &mut out[start..])
            .map_err(|_| Error::Decrypt)?
            .written()
            .len();
        out.truncate(start + n);
        Ok(())
    }

    /// Checks the padding and writes the last plaintext bytes to `out`.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        out.resize(start + BLOCK_LEN, 0);
        let n = self
            .0
            .finish(&mut out[start..])
            .map_err(|_| Error::Decrypt)?
            .written()
            .len();
        out.truncate(start + n);
        Ok(())
    }
}

impl core::fmt::Debug for CbcDecryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CbcDecryptor([secret elided])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_matches_one_shot() {
        let key = [9u8; 32];
        let iv = [3u8; 16];
        for len in [0usize, 1, 15, 16, 17, 1000] {
            let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let one = encrypt_pkcs7(&key, &iv, &pt).unwrap();
            let mut e = CbcEncryptor::new(&key, &iv).unwrap();
            let mut streamed = Vec::new();
            for part in pt.chunks(7) {
                e.update(part, &mut streamed).unwrap();
            }
            e.finish(&mut streamed).unwrap();
            assert_eq!(one, streamed, "len {len}");
            let mut d = CbcDecryptor::new(&key, &iv).unwrap();
            let mut back = Vec::new();
            for part in streamed.chunks(5) {
                d.update(part, &mut back).unwrap();
            }
            d.finish(&mut back).unwrap();
            assert_eq!(back, pt);
            assert_eq!(decrypt_pkcs7(&key, &iv, &one).unwrap().expose(), &pt[..]);
        }
    }

    #[test]
    fn bad_padding_is_opaque() {
        let key = [9u8; 16];
        let iv = [0u8; 16];
        let mut ct = encrypt_pkcs7(&key, &iv, b"hello").unwrap();
        ct[15] ^= 0x55;
        assert!(matches!(decrypt_pkcs7(&key, &iv, &ct), Err(Error::Decrypt)));
    }
}

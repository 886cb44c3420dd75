//! HMAC-SHA256.

use aws_lc_rs::hmac;

use crate::{Error, Result};

/// Length of an HMAC-SHA256 tag.
pub const TAG_LEN: usize = 32;

/// One-shot HMAC-SHA256.
#[must_use]
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; TAG_LEN] {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    to_array(hmac::sign(&k, data).as_ref())
}

/// Verifies an HMAC-SHA256 tag in constant time.
pub fn verify_hmac_sha256(key: &[u8], data: &[u8], tag: &[u8]) -> Result<()> {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::verify(&k, data, tag).map_err(|_| Error::BadMac)
}

/// Incremental HMAC-SHA256, for streams.
pub struct HmacSha256(hmac::Context);

impl HmacSha256 {
    #[must_use]
    pub fn new(key: &[u8]) -> Self {
        Self(hmac::Context::with_key(&hmac::Key::new(
            hmac::HMAC_SHA256,
            key,
        )))
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    #[must_use]
    pub fn finalize(self) -> [u8; TAG_LEN] {
        to_array(self.0.sign().as_ref())
    }

    /// Finishes and compares with `tag` in constant time.
    pub fn verify(self, tag: &[u8]) -> Result<()> {
        let mine = self.finalize();
        if crate::ct_eq(&mine, tag) {
            Ok(())
        } else {
            Err(Error::BadMac)
        }
    }
}

impl core::fmt::Debug for HmacSha256 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HmacSha256([secret elided])")
    }
}

impl std::io::Write for HmacSha256 {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn to_array(s: &[u8]) -> [u8; TAG_LEN] {
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_matches_one_shot() {
        let mut h = HmacSha256::new(b"key");
        h.update(b"hello ");
        h.update(b"world");
        let tag = hmac_sha256(b"key", b"hello world");
        assert_eq!(h.finalize(), tag);
        verify_hmac_sha256(b"key", b"hello world", &tag).unwrap();
        assert!(verify_hmac_sha256(b"key", b"hello world!", &tag).is_err());
    }
}

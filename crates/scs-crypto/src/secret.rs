//! Types for secret material: no `Clone`, no `Debug` output, zeroized on drop.

use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A secret byte string (key material, plaintext keys, decrypted DER).
#[derive(Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of `bytes`; they are wiped when this value drops.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// A zero-filled secret of `len` bytes.
    #[must_use]
    pub fn zeroed(len: usize) -> Self {
        Self(vec![0u8; len])
    }

    /// Copies `bytes` into a new secret.
    #[must_use]
    pub fn copy_from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// The secret bytes. Keep the borrow short.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret bytes, mutably.
    pub fn expose_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Shortens the secret to `len` bytes, wiping the tail.
    pub fn truncate(&mut self, len: usize) {
        if len < self.0.len() {
            self.0[len..].zeroize();
            self.0.truncate(len);
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[secret elided]")
    }
}

impl From<Zeroizing<Vec<u8>>> for SecretBytes {
    fn from(mut z: Zeroizing<Vec<u8>>) -> Self {
        Self(core::mem::take(&mut *z))
    }
}

/// A 256-bit symmetric key.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Key256([u8; 32]);

impl Key256 {
    /// A fresh key from the system CSPRNG.
    pub fn generate() -> crate::Result<Self> {
        let mut k = [0u8; 32];
        crate::rand::fill(&mut k)?;
        Ok(Self(k))
    }

    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Copies a 32-byte slice; `None` when the length is wrong.
    #[must_use]
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(arr))
    }

    #[must_use]
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Key256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key256([secret elided])")
    }
}

/// A passphrase or password typed by a person.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    #[must_use]
    pub fn new(s: String) -> Self {
        Self(s)
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([secret elided])")
    }
}

impl From<&str> for Passphrase {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secrets() {
        let s = SecretBytes::copy_from(b"hunter2");
        assert_eq!(format!("{s:?}"), "[secret elided]");
        let p = Passphrase::from("hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
        let k = Key256::from_bytes([7; 32]);
        assert!(!format!("{k:?}").contains('7'));
    }

    #[test]
    fn truncate_keeps_prefix() {
        let mut s = SecretBytes::copy_from(b"abcdef");
        s.truncate(3);
        assert_eq!(s.expose(), b"abc");
    }
}

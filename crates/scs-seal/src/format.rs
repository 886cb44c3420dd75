//! Constants of format v1 and its key schedule (see `docs/sealed-format.md`).

use scs_crypto::kdf::hkdf_sha256;
use scs_crypto::secret::Key256;
use zeroize::Zeroize;

use crate::Result;

/// The first line of every v1 sealed file: magic and version.
pub const MAGIC: &[u8; 14] = b"scs-sealed/v1\n";
/// What every version's magic line starts with.
pub(crate) const MAGIC_PREFIX: &[u8] = b"scs-sealed/";

/// Plaintext bytes per payload chunk (1 MiB); the last chunk may be shorter.
pub const CHUNK_SIZE: usize = 1 << 20;
/// AES-256-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Bytes of a full sealed chunk.
pub const SEALED_CHUNK_SIZE: usize = CHUNK_SIZE + TAG_LEN;

/// Length of a file key, a wrap key, the payload key and the header MAC key.
pub const FILE_KEY_LEN: usize = 32;
/// Length of the random payload nonce (HKDF salt) in the header.
pub const PAYLOAD_NONCE_LEN: usize = 16;
/// Length of a wrapped file key: ciphertext and tag.
pub const WRAPPED_KEY_LEN: usize = FILE_KEY_LEN + TAG_LEN;
/// Length of a password stanza's salt.
pub const PASSWORD_SALT_LEN: usize = 16;
/// Length of the header MAC.
pub const MAC_LEN: usize = 32;

/// Largest header accepted, in bytes after the 4-byte length field.
pub const MAX_HEADER_LEN: usize = 1 << 20;
/// Most stanzas in one header.
pub const MAX_STANZAS: usize = 256;
/// Largest signer SubjectPublicKeyInfo accepted.
pub const MAX_SPKI_LEN: usize = 2048;
/// Smallest and largest RSA-OAEP ciphertext (RSA-2048 to RSA-8192).
pub const MIN_RSA_CIPHERTEXT: usize = 256;
pub const MAX_RSA_CIPHERTEXT: usize = 1024;
/// Largest signature trailer (RSA-8192).
pub const MAX_SIGNATURE_LEN: usize = 1024;

/// Stanza kinds.
pub(crate) const KIND_PASSWORD: u8 = 0x01;
pub(crate) const KIND_RSA_OAEP: u8 = 0x02;
pub(crate) const KIND_X25519: u8 = 0x03;

/// Header flag bits.
pub(crate) const FLAG_SIGNED: u8 = 0x01;

/// Signature scheme identifiers in the header.
pub(crate) const SIG_RSA_PSS_SHA256: u8 = 0x01;
pub(crate) const SIG_ED25519: u8 = 0x02;

/// Domain-separation labels.
pub(crate) const LABEL_HEADER: &[u8] = b"scs-sealed/v1/header";
pub(crate) const LABEL_PAYLOAD: &[u8] = b"scs-sealed/v1/payload";
pub(crate) const LABEL_PASSWORD: &[u8] = b"scs-sealed/v1/password";
pub(crate) const LABEL_X25519: &[u8] = b"scs-sealed/v1/x25519";
pub(crate) const LABEL_RSA_OAEP: &[u8] = b"scs-sealed/v1/rsa-oaep";
pub(crate) const LABEL_SIGNATURE: &[u8] = b"scs-sealed/v1/signature";

/// The nonce for a file-key wrap: each wrap key is used once.
pub(crate) const WRAP_NONCE: [u8; 12] = [0u8; 12];

/// HKDF-SHA256 to a 256-bit key.
pub(crate) fn derive(salt: &[u8], ikm: &[u8], info: &[u8]) -> Result<Key256> {
    let mut out = [0u8; 32];
    let r = hkdf_sha256(salt, ikm, info, &mut out);
    let key = Key256::from_bytes(out);
    out.zeroize();
    r?;
    Ok(key)
}

/// The header MAC key: HKDF(salt = "", ikm = file key, info = LABEL_HEADER).
pub(crate) fn header_mac_key(file_key: &Key256) -> Result<Key256> {
    derive(&[], file_key.expose(), LABEL_HEADER)
}

/// The payload key: HKDF(salt = payload nonce, ikm = file key, info = LABEL_PAYLOAD).
pub(crate) fn payload_key(file_key: &Key256, nonce: &[u8; PAYLOAD_NONCE_LEN]) -> Result<Key256> {
    derive(nonce, file_key.expose(), LABEL_PAYLOAD)
}

/// The nonce of payload chunk `index`: an 11-byte big-endian counter and a
/// last-chunk flag byte (0x01 on the final chunk, else 0x00).
#[must_use]
pub(crate) fn chunk_nonce(index: u64, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_layout() {
        assert_eq!(chunk_nonce(0, false), [0; 12]);
        let n = chunk_nonce(0x0102_0304_0506_0708, true);
        assert_eq!(n, [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1]);
    }

    #[test]
    fn labels_are_distinct() {
        let labels = [
            LABEL_HEADER,
            LABEL_PAYLOAD,
            LABEL_PASSWORD,
            LABEL_X25519,
            LABEL_RSA_OAEP,
            LABEL_SIGNATURE,
        ];
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}

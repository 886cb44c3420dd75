//! The sender-signature transcript.
//!
//! The signed message is
//! `"scs-sealed/v1/signature" ‖ SHA-256(header) ‖ u64be(chunk count) ‖
//! BLAKE3(BLAKE3(sealed chunk 0) ‖ … ‖ BLAKE3(sealed chunk n-1))`,
//! where the header runs from the magic line through the MAC and a sealed
//! chunk is its ciphertext and tag. Every field has a fixed length.
//!
//! The per-chunk hashes are computed by the parallel workers, each on its
//! own core (BLAKE3 is several times faster than SHA-256 there). Hashing the
//! sealed chunks (not the plaintext) keeps the signature from confirming a
//! guessed plaintext to someone without the file key, and a collision-
//! resistant hash (unlike a GCM tag) binds the exact bytes even against a
//! co-recipient who knows the file key.

use scs_crypto::hash::{HashAlg, Hasher};

use crate::format::LABEL_SIGNATURE;

/// Pieces fed to BLAKE3 at a time: large enough for its SIMD paths, small
/// enough that it stays on the calling worker thread.
const HASH_PIECE: usize = 64 * 1024;

/// BLAKE3 of one sealed chunk, on the calling thread.
pub(crate) fn chunk_digest(sealed_chunk: &[u8]) -> [u8; 32] {
    let mut h = Hasher::new(HashAlg::Blake3);
    for piece in sealed_chunk.chunks(HASH_PIECE) {
        h.update(piece);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(h.finalize().as_bytes());
    out
}

/// The running hash over the list of chunk digests.
pub(crate) fn chunk_list_hasher() -> Hasher {
    Hasher::new(HashAlg::Blake3)
}

/// The message the sender signs.
pub(crate) fn transcript(header_digest: &[u8; 32], chunks: u64, chunk_list: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(LABEL_SIGNATURE.len() + 32 + 8 + 32);
    m.extend_from_slice(LABEL_SIGNATURE);
    m.extend_from_slice(header_digest);
    m.extend_from_slice(&chunks.to_be_bytes());
    m.extend_from_slice(chunk_list);
    m
}

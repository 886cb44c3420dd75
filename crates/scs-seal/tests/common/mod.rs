//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::OnceLock;

use scs_crypto::Passphrase;
use scs_crypto::kdf::Argon2Params;
use scs_crypto::keys::{KeyKind, PrivateKey};
use scs_seal::format::CHUNK_SIZE;
use scs_seal::{Opened, Result, SealOptions, Unlocker, open, seal_to_vec};

/// Cheap Argon2id parameters so that tests run quickly.
pub const FAST: Argon2Params = Argon2Params {
    m_kib: 256,
    t: 1,
    p: 1,
};

pub const PASSWORD: &str = "correct horse battery staple";

pub struct Keys {
    pub rsa: PrivateKey,
    pub rsa2: PrivateKey,
    pub x25519: PrivateKey,
    pub x25519_b: PrivateKey,
    pub ed25519: PrivateKey,
    pub ed25519_b: PrivateKey,
}

/// Keys generated once per test binary.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        rsa: PrivateKey::generate(KeyKind::Rsa2048).unwrap(),
        rsa2: PrivateKey::generate(KeyKind::Rsa2048).unwrap(),
        x25519: PrivateKey::generate(KeyKind::X25519).unwrap(),
        x25519_b: PrivateKey::generate(KeyKind::X25519).unwrap(),
        ed25519: PrivateKey::generate(KeyKind::Ed25519).unwrap(),
        ed25519_b: PrivateKey::generate(KeyKind::Ed25519).unwrap(),
    })
}

/// Deterministic pseudo-random bytes (xorshift), for plaintexts.
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The interesting plaintext sizes around the chunk size.
pub fn sizes() -> Vec<usize> {
    vec![
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        3 * CHUNK_SIZE + 12345,
    ]
}

/// The ways a file can be sealed in the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Password,
    Rsa,
    X25519,
    Multi,
    SignedRsaPss,
    SignedEd25519,
}

pub const ALL_KINDS: [Kind; 6] = [
    Kind::Password,
    Kind::Rsa,
    Kind::X25519,
    Kind::Multi,
    Kind::SignedRsaPss,
    Kind::SignedEd25519,
];

pub fn options(kind: Kind) -> SealOptions<'static> {
    let k = keys();
    match kind {
        Kind::Password => {
            SealOptions::for_passphrase(Passphrase::from(PASSWORD)).argon2_params(FAST)
        }
        Kind::Rsa => SealOptions::for_recipients([k.rsa.public_key().clone()]),
        Kind::X25519 => SealOptions::for_recipients([k.x25519.public_key().clone()]),
        Kind::Multi => SealOptions::for_recipients([
            k.rsa2.public_key().clone(),
            k.x25519_b.public_key().clone(),
            k.rsa.public_key().clone(),
            k.x25519.public_key().clone(),
        ]),
        Kind::SignedRsaPss => {
            SealOptions::for_recipients([k.rsa.public_key().clone()]).signed_by(&k.rsa2)
        }
        Kind::SignedEd25519 => {
            SealOptions::for_recipients([k.x25519.public_key().clone(), k.rsa.public_key().clone()])
                .signed_by(&k.ed25519)
        }
    }
}

/// An unlocker that opens files of `kind`.
pub fn unlocker(kind: Kind) -> Unlocker<'static> {
    let k = keys();
    match kind {
        Kind::Password => Unlocker::new().passphrase(Passphrase::from(PASSWORD)),
        Kind::Rsa | Kind::SignedRsaPss => Unlocker::new().key(&k.rsa),
        Kind::X25519 | Kind::SignedEd25519 | Kind::Multi => Unlocker::new().key(&k.x25519),
    }
}

pub fn seal_kind(kind: Kind, plaintext: &[u8]) -> Vec<u8> {
    seal_to_vec(&options(kind), plaintext).unwrap()
}

/// Opens into a vector, returning what was written even on failure.
pub fn open_recording(kind: Kind, sealed: &[u8]) -> (Result<Opened>, Vec<u8>) {
    let mut out = Vec::new();
    let r = open(sealed, &mut unlocker(kind), &mut out);
    (r, out)
}

/// Asserts that `written` holds only whole authenticated chunks of
/// `plaintext`, before chunk `limit` (exclusive).
pub fn assert_authenticated_prefix(plaintext: &[u8], written: &[u8], limit: usize, ctx: &str) {
    assert!(
        written.len().is_multiple_of(CHUNK_SIZE) || written.len() == plaintext.len(),
        "{ctx}: {} bytes written is not a chunk boundary",
        written.len()
    );
    assert!(
        written.len() <= limit * CHUNK_SIZE,
        "{ctx}: {} bytes written reach past chunk {limit}",
        written.len()
    );
    assert_eq!(
        written,
        &plaintext[..written.len()],
        "{ctx}: output differs"
    );
}

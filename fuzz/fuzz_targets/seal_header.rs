//! Sealed-data front end from untrusted bytes: the binary header parser, the
//! strict armor decoder, format detection, and unlocking attempts (RSA by
//! fingerprint, X25519 by trial). Every call must return an error or a
//! value; a panic, a hang or unbounded memory is a bug.
#![no_main]

use std::io::Read;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scs_crypto::keys::{KeyKind, PrivateKey};
use scs_seal::{Decryptor, Header, Unlocker, armor::ArmorReader, format::MAGIC};

fn x25519() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(KeyKind::X25519).expect("key generation"))
}

fn inspect(data: &[u8]) {
    // Detection (binary or armor), header parsing, inspection, and an
    // unlock attempt. No passphrase is offered: Argon2id would run with the
    // input's (bounded, but large) parameters.
    if let Ok(dec) = Decryptor::new(data) {
        let h = dec.header();
        let _ = h.recipient_fingerprints();
        let _ = h.recipient_hints();
        let _ = h.passphrase_params();
        let _ = h.signer().map(|s| s.fingerprint());
        let _ = dec.unlock(&mut Unlocker::new().key(x25519()));
    }
}

fuzz_target!(|data: &[u8]| {
    // The binary header parser, as is and behind a valid magic line.
    let _ = Header::parse(data);
    let mut prefixed = MAGIC.to_vec();
    prefixed.extend_from_slice(data);
    let _ = Header::parse(&prefixed);

    // The armor decoder, to the end of its input.
    let mut out = Vec::new();
    let _ = ArmorReader::new(data).read_to_end(&mut out);

    inspect(data);
    inspect(&prefixed);
});

//! End-to-end messages: what is sealed and signed inside every message, and
//! the checks a reader makes before trusting one.
//!
//! The sealed plaintext is an [`Envelope`] (JSON): a random message id, the
//! sender, the recipients, the time, and the body. The whole envelope is
//! sealed (scs-seal) to every recipient and to the sender, and signed with
//! the sender's key. The server stores the ciphertext and a little metadata;
//! a reader accepts a message only if
//! * it opens with the reader's key and carries a valid signature,
//! * the signature is by the key pinned for the sender the server names,
//! * the sender and recipients inside equal those on the envelope the server
//!   delivered, and the reader is among the recipients,
//! * the time inside is within [`MAX_SKEW_SECS`] of when the server accepted
//!   it (an old message re-posted is caught),
//! * the id inside is the id the server filed it under (the sender chooses
//!   it: a ciphertext swapped between two messages, or re-posted under a
//!   new id, is caught), and
//! * (checked by the caller, which keeps a ledger) the message was not
//!   deleted here before: a server delivering it again is resurrecting it.
//!
//! So the server can neither read, forge, redirect nor silently replay a
//! message.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use scs_api::Message;
use scs_crypto::{PrivateKey, PublicKey};
use scs_seal::{SealOptions, Unlocker};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Largest envelope accepted when opening (the server caps messages lower).
pub const MAX_ENVELOPE: usize = 64 << 20;
/// How far the sender's clock and the server's acceptance time may differ.
pub const MAX_SKEW_SECS: i64 = 600;

/// The signed, sealed content of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Format version (1).
    pub v: u32,
    /// 128 random bits, hex: unique per message, for replay detection.
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    /// Unix time the sender wrote it.
    pub sent_at: i64,
    /// A file name, when the body is a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The body, base64.
    pub body: String,
}

impl Envelope {
    /// The body bytes.
    pub fn body_bytes(&self) -> Result<Vec<u8>> {
        B64.decode(&self.body)
            .map_err(|_| Error::Protocol("message body is not base64".into()))
    }

    /// The body as text, when it is UTF-8 without control characters other
    /// than whitespace.
    #[must_use]
    pub fn body_text(&self) -> Option<String> {
        let b = self.body_bytes().ok()?;
        let s = String::from_utf8(b).ok()?;
        s.chars()
            .all(|c| !c.is_control() || c.is_whitespace())
            .then_some(s)
    }
}

/// A sealed message ready to post.
#[derive(Debug)]
pub struct Outgoing {
    pub envelope: Envelope,
    pub ciphertext: Vec<u8>,
}

/// Seals `body` from `sender` to `recipients` (name, key) and to the
/// sender's own key, signed by `sender_key`.
pub fn seal(
    sender: &str,
    sender_key: &PrivateKey,
    recipients: &[(String, PublicKey)],
    body: &[u8],
    name: Option<String>,
    now: i64,
) -> Result<Outgoing> {
    let mut to: Vec<String> = recipients.iter().map(|(n, _)| n.clone()).collect();
    to.sort();
    to.dedup();
    let envelope = Envelope {
        v: 1,
        id: hex::encode(scs_crypto::rand::array::<16>()?),
        from: sender.to_owned(),
        to,
        sent_at: now,
        name,
        body: B64.encode(body),
    };
    let plaintext = serde_json::to_vec(&envelope).map_err(|e| Error::Protocol(e.to_string()))?;
    let mut keys: Vec<PublicKey> = recipients.iter().map(|(_, k)| k.clone()).collect();
    // The sender keeps a readable copy when their key can decrypt.
    if sender_key.algorithm().can_encrypt() {
        keys.push(sender_key.public_key().clone());
    }
    let opts = SealOptions::for_recipients(keys).signed_by(sender_key);
    let ciphertext = scs_seal::seal_to_vec(&opts, &plaintext)?;
    Ok(Outgoing {
        envelope,
        ciphertext,
    })
}

/// A message that passed every check. Only [`open`] makes one
/// (`non_exhaustive`: it cannot be built outside this crate).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Verified {
    pub envelope: Envelope,
    /// SHA-256 of the signer's key (hex).
    pub signer_fingerprint: String,
}

/// Opens and checks `msg` for reader `me`, given the key pinned for the
/// sender the server names (`msg.meta.sender`).
pub fn open(
    msg: &Message,
    me: &str,
    my_keys: &[&PrivateKey],
    sender_key: &PublicKey,
) -> Result<Verified> {
    let id = &msg.meta.id;
    let forged = |reason: &str| Error::Forged {
        id: id.clone(),
        reason: reason.to_owned(),
    };
    let ct = B64
        .decode(&msg.ciphertext_b64)
        .map_err(|_| forged("the ciphertext is not base64"))?;
    if ct.len() > MAX_ENVELOPE {
        return Err(forged("too large"));
    }
    let mut unlocker = Unlocker::new().keys(my_keys.iter().copied());
    // Tampering, or a message not sealed to this reader, names the message.
    let (plaintext, opened) = scs_seal::open_slice(&ct, &mut unlocker).map_err(|e| {
        if e.is_verification_failure() {
            forged(&e.to_string())
        } else {
            Error::Seal(e)
        }
    })?;
    let Some(signer) = opened.signer() else {
        return Err(forged("it is not signed"));
    };
    if !opened.is_signed_by(sender_key) {
        return Err(forged(&format!(
            "it is signed by SHA256:{}, not by the key pinned for {}",
            signer.fingerprint_hex(),
            msg.meta.sender
        )));
    }
    let envelope: Envelope = serde_json::from_slice(&plaintext)
        .map_err(|_| forged("the signed content is malformed"))?;
    if envelope.v != 1 {
        return Err(forged(&format!("unknown envelope version {}", envelope.v)));
    }
    if envelope.from != msg.meta.sender {
        return Err(forged(&format!(
            "the server says it is from {}, but it was written by {}",
            msg.meta.sender, envelope.from
        )));
    }
    let mut outer = msg.meta.recipients.clone();
    outer.sort();
    outer.dedup();
    if outer != envelope.to {
        return Err(forged(&format!(
            "the recipients differ: the sender addressed it to {}, the server delivered it to {}",
            envelope.to.join(", "),
            outer.join(", ")
        )));
    }
    if !envelope.to.iter().any(|t| t == me) && envelope.from != me {
        return Err(forged(&format!("it was not addressed to {me}")));
    }
    if (envelope.sent_at - msg.meta.sent_at).abs() > MAX_SKEW_SECS {
        return Err(forged(
            "its signed time is far from when the server accepted it (an old message replayed?)",
        ));
    }
    if envelope.id.len() != 32 || !envelope.id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(forged("malformed message id"));
    }
    if envelope.id != *id {
        return Err(forged(&format!(
            "it was sealed as message {}: the server swapped ciphertexts or replayed it under another id",
            envelope.id
        )));
    }
    Ok(Verified {
        signer_fingerprint: signer.fingerprint_hex(),
        envelope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use scs_api::MessageMeta;
    use scs_crypto::KeyKind;

    fn msg(out: &Outgoing, sender: &str, recipients: &[&str], at: i64) -> Message {
        Message {
            meta: MessageMeta {
                id: out.envelope.id.clone(),
                sender: sender.into(),
                recipients: recipients.iter().map(|s| (*s).to_owned()).collect(),
                sent_at: at,
                size: out.ciphertext.len() as u64,
                read: false,
            },
            ciphertext_b64: B64.encode(&out.ciphertext),
        }
    }

    #[test]
    fn honest_messages_open_and_tampering_is_caught() {
        let alice = PrivateKey::generate(KeyKind::Rsa2048).unwrap();
        let bob = PrivateKey::generate(KeyKind::X25519).unwrap();
        let carol = PrivateKey::generate(KeyKind::X25519).unwrap();
        let mallory = PrivateKey::generate(KeyKind::Ed25519).unwrap();
        let rcpts = vec![
            ("bob".to_owned(), bob.public_key().clone()),
            ("carol".to_owned(), carol.public_key().clone()),
        ];
        let out = seal("alice", &alice, &rcpts, b"hello", None, 1000).unwrap();
        let m = msg(&out, "alice", &["carol", "bob"], 1001);
        let v = open(&m, "bob", &[&bob], alice.public_key()).unwrap();
        assert_eq!(v.envelope.body_text().unwrap(), "hello");

        // Sender field changed by the server.
        let bad = msg(&out, "mallory", &["bob", "carol"], 1001);
        assert!(matches!(
            open(&bad, "bob", &[&bob], alice.public_key()),
            Err(Error::Forged { .. })
        ));
        // Signed by someone else than the pinned key.
        assert!(matches!(
            open(&m, "bob", &[&bob], mallory.public_key()),
            Err(Error::Forged { .. })
        ));
        // Recipients changed.
        let bad = msg(&out, "alice", &["bob"], 1001);
        assert!(matches!(
            open(&bad, "bob", &[&bob], alice.public_key()),
            Err(Error::Forged { .. })
        ));
        // Replayed much later.
        let bad = msg(&out, "alice", &["bob", "carol"], 1000 + MAX_SKEW_SECS + 10);
        assert!(matches!(
            open(&bad, "bob", &[&bob], alice.public_key()),
            Err(Error::Forged { .. })
        ));
        // A swapped ciphertext (another of alice's messages) is still caught by the
        // recipients check when they differ, and by replay checks otherwise.
        let other = seal("alice", &alice, &rcpts[..1], b"other", None, 1000).unwrap();
        let mut swapped = m.clone();
        swapped.ciphertext_b64 = B64.encode(&other.ciphertext);
        assert!(open(&swapped, "bob", &[&bob], alice.public_key()).is_err());
        // The same sender and recipients, but another message's ciphertext.
        let twin = seal("alice", &alice, &rcpts, b"twin", None, 1000).unwrap();
        let mut swapped = m.clone();
        swapped.ciphertext_b64 = B64.encode(&twin.ciphertext);
        assert!(matches!(
            open(&swapped, "bob", &[&bob], alice.public_key()),
            Err(Error::Forged { .. })
        ));
        // Bytes flipped.
        let mut ct = out.ciphertext.clone();
        let n = ct.len();
        ct[n / 2] ^= 1;
        let mut flipped = m.clone();
        flipped.ciphertext_b64 = B64.encode(&ct);
        assert!(open(&flipped, "bob", &[&bob], alice.public_key()).is_err());
        // Mallory forging a message from alice with her own key.
        let forged = seal("alice", &mallory, &rcpts, b"pay me", None, 1000).unwrap();
        let fm = msg(&forged, "alice", &["bob", "carol"], 1001);
        assert!(open(&fm, "bob", &[&bob], alice.public_key()).is_err());
    }
}

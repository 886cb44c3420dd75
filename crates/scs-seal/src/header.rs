//! The header: magic line, stanzas, optional signer, MAC. Parsing is bounded
//! and total: any input gives a header or a typed error.

use core::fmt;

use scs_crypto::hash::sha256;
use scs_crypto::kdf::Argon2Params;
use scs_crypto::keys::{KeyAlgorithm, PublicKey};
use scs_crypto::mac;
use scs_crypto::secret::Key256;
use scs_crypto::sign::Scheme;

use crate::error::RecipientHint;
use crate::format::{
    FLAG_SIGNED, KIND_PASSWORD, KIND_RSA_OAEP, KIND_X25519, MAC_LEN, MAGIC, MAGIC_PREFIX,
    MAX_HEADER_LEN, MAX_RSA_CIPHERTEXT, MAX_SPKI_LEN, MAX_STANZAS, MIN_RSA_CIPHERTEXT,
    PASSWORD_SALT_LEN, PAYLOAD_NONCE_LEN, SIG_ED25519, SIG_RSA_PSS_SHA256, WRAPPED_KEY_LEN,
};
use crate::{Error, Result};

/// Bytes before the header body: the magic line and the 4-byte length.
pub(crate) const PREFIX_LEN: usize = MAGIC.len() + 4;
/// Smallest body: flags, nonce, stanza count, one empty stanza, MAC.
const MIN_BODY_LEN: usize = 1 + PAYLOAD_NONCE_LEN + 2 + 3 + MAC_LEN;

/// What kind of stanza (way to recover the file key) a header holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StanzaKind {
    /// Argon2id passphrase.
    Passphrase,
    /// RSA-OAEP-SHA256 to a recipient named by fingerprint.
    Rsa,
    /// X25519 to an anonymous recipient.
    X25519,
    /// A kind this version does not know; it is skipped when opening.
    Unknown(u8),
}

impl fmt::Display for StanzaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StanzaKind::Passphrase => f.write_str("passphrase"),
            StanzaKind::Rsa => f.write_str("rsa-oaep"),
            StanzaKind::X25519 => f.write_str("x25519"),
            StanzaKind::Unknown(k) => write!(f, "unknown-0x{k:02x}"),
        }
    }
}

/// One stanza of a header: one way to recover the file key.
#[derive(Clone, PartialEq, Eq)]
pub struct Stanza(pub(crate) StanzaBody);

#[derive(Clone, PartialEq, Eq)]
pub(crate) enum StanzaBody {
    Password {
        params: Argon2Params,
        salt: [u8; PASSWORD_SALT_LEN],
        wrapped: [u8; WRAPPED_KEY_LEN],
    },
    Rsa {
        fingerprint: [u8; 32],
        ciphertext: Vec<u8>,
    },
    X25519 {
        ephemeral: [u8; 32],
        wrapped: [u8; WRAPPED_KEY_LEN],
    },
    Unknown {
        kind: u8,
        body: Vec<u8>,
    },
}

impl Stanza {
    /// The stanza's kind.
    #[must_use]
    pub fn kind(&self) -> StanzaKind {
        match &self.0 {
            StanzaBody::Password { .. } => StanzaKind::Passphrase,
            StanzaBody::Rsa { .. } => StanzaKind::Rsa,
            StanzaBody::X25519 { .. } => StanzaKind::X25519,
            StanzaBody::Unknown { kind, .. } => StanzaKind::Unknown(*kind),
        }
    }

    /// The SPKI SHA-256 fingerprint of an RSA recipient.
    #[must_use]
    pub fn recipient_fingerprint(&self) -> Option<&[u8; 32]> {
        match &self.0 {
            StanzaBody::Rsa { fingerprint, .. } => Some(fingerprint),
            _ => None,
        }
    }

    /// The Argon2id parameters of a passphrase stanza.
    #[must_use]
    pub fn argon2_params(&self) -> Option<Argon2Params> {
        match &self.0 {
            StanzaBody::Password { params, .. } => Some(*params),
            _ => None,
        }
    }

    pub(crate) fn hint(&self) -> RecipientHint {
        match &self.0 {
            StanzaBody::Password { .. } => RecipientHint::Passphrase,
            StanzaBody::Rsa { fingerprint, .. } => RecipientHint::Rsa {
                fingerprint: *fingerprint,
            },
            StanzaBody::X25519 { .. } => RecipientHint::X25519,
            StanzaBody::Unknown { kind, .. } => RecipientHint::Unknown { kind: *kind },
        }
    }

    fn kind_byte(&self) -> u8 {
        match &self.0 {
            StanzaBody::Password { .. } => KIND_PASSWORD,
            StanzaBody::Rsa { .. } => KIND_RSA_OAEP,
            StanzaBody::X25519 { .. } => KIND_X25519,
            StanzaBody::Unknown { kind, .. } => *kind,
        }
    }

    /// The body bytes that precede the wrapped key (all of it for RSA and
    /// unknown kinds).
    fn body_prefix(&self) -> Vec<u8> {
        match &self.0 {
            StanzaBody::Password { params, salt, .. } => {
                let mut v = Vec::with_capacity(12 + PASSWORD_SALT_LEN);
                v.extend_from_slice(&params.m_kib.to_be_bytes());
                v.extend_from_slice(&params.t.to_be_bytes());
                v.extend_from_slice(&params.p.to_be_bytes());
                v.extend_from_slice(salt);
                v
            }
            StanzaBody::Rsa {
                fingerprint,
                ciphertext,
            } => [&fingerprint[..], ciphertext].concat(),
            StanzaBody::X25519 { ephemeral, .. } => ephemeral.to_vec(),
            StanzaBody::Unknown { body, .. } => body.clone(),
        }
    }

    /// Associated data of a file-key wrap: the kind byte and the stanza body
    /// before the wrapped key.
    pub(crate) fn wrap_aad(&self) -> Vec<u8> {
        let mut v = vec![self.kind_byte()];
        v.extend_from_slice(&self.body_prefix());
        v
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut body = self.body_prefix();
        match &self.0 {
            StanzaBody::Password { wrapped, .. } | StanzaBody::X25519 { wrapped, .. } => {
                body.extend_from_slice(wrapped);
            }
            StanzaBody::Rsa { .. } | StanzaBody::Unknown { .. } => {}
        }
        let len = u16::try_from(body.len())
            .map_err(|_| Error::InvalidOptions("stanza longer than 65535 bytes".into()))?;
        out.push(self.kind_byte());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&body);
        Ok(())
    }
}

impl fmt::Debug for Stanza {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Stanza");
        d.field("kind", &self.kind());
        if let Some(fp) = self.recipient_fingerprint() {
            d.field("fingerprint", &hex::encode(fp));
        }
        if let Some(p) = self.argon2_params() {
            d.field("argon2", &p);
        }
        d.finish()
    }
}

/// The signer a header names. Unverified until the file is opened: see
/// [`crate::VerifiedSigner`].
#[derive(Clone, PartialEq, Eq)]
pub struct SignerClaim {
    pub(crate) key: PublicKey,
    pub(crate) scheme: Scheme,
}

impl SignerClaim {
    pub(crate) fn new(key: PublicKey, scheme: Scheme) -> Result<Self> {
        let ok = matches!(
            (scheme, key.algorithm()),
            (Scheme::RsaPssSha256, KeyAlgorithm::Rsa { .. })
                | (Scheme::Ed25519, KeyAlgorithm::Ed25519)
        );
        if !ok {
            return Err(Error::InvalidOptions(format!(
                "signature scheme {scheme} does not fit a {} key",
                key.algorithm()
            )));
        }
        Ok(Self { key, scheme })
    }

    /// The claimed signer's public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The signature scheme.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// SHA-256 fingerprint of the claimed signer's SPKI.
    #[must_use]
    pub fn fingerprint(&self) -> [u8; 32] {
        self.key.fingerprint()
    }

    /// Length of the signature trailer this signer produces.
    pub(crate) fn signature_len(&self) -> usize {
        match self.key.algorithm() {
            KeyAlgorithm::Rsa { bits } => bits.div_ceil(8),
            _ => 64,
        }
    }

    fn scheme_id(&self) -> u8 {
        match self.scheme {
            Scheme::RsaPssSha256 => SIG_RSA_PSS_SHA256,
            _ => SIG_ED25519,
        }
    }
}

impl fmt::Debug for SignerClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerClaim")
            .field("scheme", &self.scheme)
            .field("key", &self.key)
            .finish()
    }
}

/// A parsed header. Its MAC is checked only when the file key is known
/// ([`crate::Decryptor::unlock`]); until then everything here is a claim.
#[derive(Clone)]
pub struct Header {
    bytes: Vec<u8>,
    digest: [u8; 32],
    payload_nonce: [u8; PAYLOAD_NONCE_LEN],
    stanzas: Vec<Stanza>,
    signer: Option<SignerClaim>,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("len", &self.bytes.len())
            .field("stanzas", &self.stanzas)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

/// Checks the first bytes of an input against the v1 magic line, telling
/// other formats and versions apart. `prefix` may be shorter than the magic
/// only when the input itself is.
pub(crate) fn check_magic(prefix: &[u8]) -> Result<()> {
    if prefix.len() >= MAGIC.len() && prefix[..MAGIC.len()] == MAGIC[..] {
        return Ok(());
    }
    if !prefix.is_empty() && prefix.len() < MAGIC.len() && MAGIC.starts_with(prefix) {
        return Err(Error::Truncated);
    }
    if let Some(rest) = prefix.strip_prefix(MAGIC_PREFIX) {
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let version: String = rest[..end]
            .iter()
            .take(16)
            .map(|b| {
                if b.is_ascii_graphic() {
                    char::from(*b)
                } else {
                    '?'
                }
            })
            .collect();
        return Err(Error::UnsupportedVersion(version));
    }
    let hint = if prefix.starts_with(b"Salted__") {
        Some("it looks like OpenSSL 'enc' output; open it with the legacy OpenSSL reader")
    } else if prefix.starts_with(b"age-encryption.org/") {
        Some("it looks like an age file")
    } else if prefix.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----") {
        Some("it looks like an armored age file")
    } else if prefix.starts_with(b"-----BEGIN PGP MESSAGE-----") {
        Some("it looks like an OpenPGP message")
    } else if prefix.is_empty() {
        Some("the input is empty")
    } else {
        None
    };
    Err(Error::NotSealed { hint })
}

/// A bounds-checked reader over the header body.
struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| Error::malformed(what, "runs past the end of the header"))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }
}

fn parse_stanza(kind: u8, body: &[u8]) -> Result<Stanza> {
    let mut c = Cursor { b: body, pos: 0 };
    let s = match kind {
        KIND_PASSWORD => {
            const LEN: usize = 12 + PASSWORD_SALT_LEN + WRAPPED_KEY_LEN;
            if body.len() != LEN {
                return Err(Error::malformed(
                    "passphrase stanza",
                    format!("{} bytes, expected {LEN}", body.len()),
                ));
            }
            let params = Argon2Params {
                m_kib: c.u32("passphrase stanza")?,
                t: c.u32("passphrase stanza")?,
                p: c.u32("passphrase stanza")?,
            };
            // Bound each field before `check`, which multiplies them.
            if params.p > Argon2Params::MAX_P
                || params.t > Argon2Params::MAX_T
                || params.m_kib > Argon2Params::MAX_M_KIB
            {
                return Err(Error::malformed(
                    "passphrase stanza",
                    format!(
                        "Argon2id parameters m={} KiB t={} p={} exceed the limits",
                        params.m_kib, params.t, params.p
                    ),
                ));
            }
            params
                .check()
                .map_err(|e| Error::malformed("passphrase stanza", e))?;
            StanzaBody::Password {
                params,
                salt: c.array("passphrase stanza")?,
                wrapped: c.array("passphrase stanza")?,
            }
        }
        KIND_RSA_OAEP => {
            let ct_len = body.len().saturating_sub(32);
            if body.len() < 32 || !(MIN_RSA_CIPHERTEXT..=MAX_RSA_CIPHERTEXT).contains(&ct_len) {
                return Err(Error::malformed(
                    "RSA stanza",
                    format!(
                        "{} bytes, expected a 32-byte fingerprint and {MIN_RSA_CIPHERTEXT} to {MAX_RSA_CIPHERTEXT} bytes of ciphertext",
                        body.len()
                    ),
                ));
            }
            StanzaBody::Rsa {
                fingerprint: c.array("RSA stanza")?,
                ciphertext: c.take(ct_len, "RSA stanza")?.to_vec(),
            }
        }
        KIND_X25519 => {
            const LEN: usize = 32 + WRAPPED_KEY_LEN;
            if body.len() != LEN {
                return Err(Error::malformed(
                    "X25519 stanza",
                    format!("{} bytes, expected {LEN}", body.len()),
                ));
            }
            StanzaBody::X25519 {
                ephemeral: c.array("X25519 stanza")?,
                wrapped: c.array("X25519 stanza")?,
            }
        }
        0 => return Err(Error::malformed("stanza", "kind 0 is reserved")),
        other => StanzaBody::Unknown {
            kind: other,
            body: body.to_vec(),
        },
    };
    Ok(Stanza(s))
}

fn parse_signer(c: &mut Cursor<'_>) -> Result<SignerClaim> {
    let scheme = match c.u8("signer")? {
        SIG_RSA_PSS_SHA256 => Scheme::RsaPssSha256,
        SIG_ED25519 => Scheme::Ed25519,
        other => {
            return Err(Error::malformed(
                "signer",
                format!("unknown signature scheme 0x{other:02x}"),
            ));
        }
    };
    let len = usize::from(c.u16("signer")?);
    if len == 0 || len > MAX_SPKI_LEN {
        return Err(Error::malformed(
            "signer",
            format!("public key of {len} bytes (1 to {MAX_SPKI_LEN})"),
        ));
    }
    let spki = c.take(len, "signer")?;
    let key = PublicKey::from_spki_der(spki).map_err(|e| Error::malformed("signer", e))?;
    if key.spki_der() != spki {
        return Err(Error::malformed(
            "signer",
            "public key is not in canonical DER",
        ));
    }
    SignerClaim::new(key, scheme).map_err(|_| {
        Error::malformed(
            "signer",
            "the public key does not match the signature scheme",
        )
    })
}

impl Header {
    /// Parses a binary header from the start of `bytes`, returning it and the
    /// number of bytes it spans. Everything is bounded: at most
    /// [`MAX_HEADER_LEN`](crate::format::MAX_HEADER_LEN) bytes,
    /// [`MAX_STANZAS`](crate::format::MAX_STANZAS) stanzas, Argon2id
    /// parameters within [`Argon2Params::check`], RSA ciphertexts of 256 to
    /// 1024 bytes. Malformed input gives an error, never a panic.
    pub fn parse(bytes: &[u8]) -> Result<(Header, usize)> {
        check_magic(&bytes[..bytes.len().min(64)])?;
        let body_len = header_body_len(bytes.get(..PREFIX_LEN).ok_or(Error::Truncated)?)?;
        let total = PREFIX_LEN + body_len;
        let all = bytes.get(..total).ok_or(Error::Truncated)?;
        let body = &all[PREFIX_LEN..total - MAC_LEN];
        let mut c = Cursor { b: body, pos: 0 };

        let flags = c.u8("flags")?;
        if flags & !FLAG_SIGNED != 0 {
            return Err(Error::malformed(
                "flags",
                format!("unknown flag bits 0x{flags:02x}"),
            ));
        }
        let payload_nonce = c.array("payload nonce")?;
        let count = usize::from(c.u16("stanza count")?);
        if count == 0 || count > MAX_STANZAS {
            return Err(Error::malformed(
                "stanza count",
                format!("{count} (1 to {MAX_STANZAS})"),
            ));
        }
        let mut stanzas = Vec::with_capacity(count);
        for _ in 0..count {
            let kind = c.u8("stanza")?;
            let len = usize::from(c.u16("stanza")?);
            let body = c.take(len, "stanza")?;
            stanzas.push(parse_stanza(kind, body)?);
        }
        if stanzas.len() > 1 && stanzas.iter().any(|s| s.kind() == StanzaKind::Passphrase) {
            return Err(Error::malformed(
                "stanzas",
                "a passphrase stanza must be the only stanza",
            ));
        }
        let signer = if flags & FLAG_SIGNED != 0 {
            Some(parse_signer(&mut c)?)
        } else {
            None
        };
        if c.remaining() != 0 {
            return Err(Error::malformed(
                "header",
                format!("{} unexpected bytes before the MAC", c.remaining()),
            ));
        }
        let header = Header {
            bytes: all.to_vec(),
            digest: sha256(all),
            payload_nonce,
            stanzas,
            signer,
        };
        Ok((header, total))
    }

    /// Builds and MACs a header (sealing side).
    pub(crate) fn build(
        payload_nonce: [u8; PAYLOAD_NONCE_LEN],
        stanzas: Vec<Stanza>,
        signer: Option<SignerClaim>,
        mac_key: &Key256,
    ) -> Result<Header> {
        if stanzas.is_empty() || stanzas.len() > MAX_STANZAS {
            return Err(Error::InvalidOptions(format!(
                "{} recipients (1 to {MAX_STANZAS})",
                stanzas.len()
            )));
        }
        let mut body = Vec::new();
        body.push(if signer.is_some() { FLAG_SIGNED } else { 0 });
        body.extend_from_slice(&payload_nonce);
        body.extend_from_slice(
            &u16::try_from(stanzas.len())
                .map_err(|_| Error::InvalidOptions("too many recipients".into()))?
                .to_be_bytes(),
        );
        for s in &stanzas {
            s.encode(&mut body)?;
        }
        if let Some(sig) = &signer {
            let spki = sig.key.spki_der();
            if spki.len() > MAX_SPKI_LEN {
                return Err(Error::InvalidOptions("signer public key too large".into()));
            }
            body.push(sig.scheme_id());
            body.extend_from_slice(&(spki.len() as u16).to_be_bytes());
            body.extend_from_slice(spki);
        }
        let body_len = body.len() + MAC_LEN;
        if body_len > MAX_HEADER_LEN {
            return Err(Error::InvalidOptions(format!(
                "header of {body_len} bytes exceeds the limit of {MAX_HEADER_LEN}"
            )));
        }
        let mut bytes = Vec::with_capacity(PREFIX_LEN + body_len);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(body_len as u32).to_be_bytes());
        bytes.extend_from_slice(&body);
        let tag = mac::hmac_sha256(mac_key.expose(), &bytes);
        bytes.extend_from_slice(&tag);
        let digest = sha256(&bytes);
        Ok(Header {
            bytes,
            digest,
            payload_nonce,
            stanzas,
            signer,
        })
    }

    /// Checks the header MAC under a key derived from a candidate file key.
    pub(crate) fn verify_mac(&self, mac_key: &Key256) -> Result<()> {
        let (data, tag) = self.bytes.split_at(self.bytes.len() - MAC_LEN);
        mac::verify_hmac_sha256(mac_key.expose(), data, tag)
            .map_err(|_| Error::HeaderAuthentication)
    }

    /// Format version (1).
    #[must_use]
    pub fn version(&self) -> u32 {
        1
    }

    /// The encoded header, magic line through MAC.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// SHA-256 of [`Header::as_bytes`].
    #[must_use]
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    pub(crate) fn payload_nonce(&self) -> &[u8; PAYLOAD_NONCE_LEN] {
        &self.payload_nonce
    }

    /// The stanzas, in order.
    #[must_use]
    pub fn stanzas(&self) -> &[Stanza] {
        &self.stanzas
    }

    /// Fingerprints of the RSA recipients (X25519 recipients are anonymous).
    #[must_use]
    pub fn recipient_fingerprints(&self) -> Vec<[u8; 32]> {
        self.stanzas
            .iter()
            .filter_map(Stanza::recipient_fingerprint)
            .copied()
            .collect()
    }

    /// Number of anonymous X25519 recipients.
    #[must_use]
    pub fn x25519_recipients(&self) -> usize {
        self.stanzas
            .iter()
            .filter(|s| s.kind() == StanzaKind::X25519)
            .count()
    }

    /// Whether the file is sealed to a passphrase.
    #[must_use]
    pub fn is_passphrase_protected(&self) -> bool {
        self.passphrase_params().is_some()
    }

    /// Argon2id parameters of the passphrase stanza, if any.
    #[must_use]
    pub fn passphrase_params(&self) -> Option<Argon2Params> {
        self.stanzas.iter().find_map(Stanza::argon2_params)
    }

    /// Whether the file carries a sender signature.
    #[must_use]
    pub fn is_signed(&self) -> bool {
        self.signer.is_some()
    }

    /// The signer the header names; verified only by opening the file.
    #[must_use]
    pub fn signer(&self) -> Option<&SignerClaim> {
        self.signer.as_ref()
    }

    /// Every way the header offers to open the file, for messages.
    #[must_use]
    pub fn recipient_hints(&self) -> Vec<RecipientHint> {
        self.stanzas.iter().map(Stanza::hint).collect()
    }

    /// Length of the signature trailer after the payload (0 when unsigned).
    pub(crate) fn trailer_len(&self) -> usize {
        self.signer.as_ref().map_or(0, SignerClaim::signature_len)
    }
}

/// Reads the body length from the 18-byte prefix (magic line checked).
pub(crate) fn header_body_len(prefix: &[u8]) -> Result<usize> {
    check_magic(&prefix[..prefix.len().min(MAGIC.len())])?;
    let len_bytes: [u8; 4] = prefix
        .get(MAGIC.len()..PREFIX_LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or(Error::Truncated)?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    if len > MAX_HEADER_LEN {
        return Err(Error::malformed(
            "header",
            format!("length {len} exceeds the limit of {MAX_HEADER_LEN}"),
        ));
    }
    if len < MIN_BODY_LEN {
        return Err(Error::malformed(
            "header",
            format!("length {len} is below the minimum of {MIN_BODY_LEN}"),
        ));
    }
    Ok(len)
}

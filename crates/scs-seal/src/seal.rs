//! Sealing: options, the header, the parallel payload, the signature.

use core::fmt;
use std::io::{self, Read, Write};

use scs_crypto::aead::AesGcm;

use scs_crypto::kdf::Argon2Params;
use scs_crypto::keys::{KeyAlgorithm, PrivateKey, PublicKey};
use scs_crypto::secret::Key256;
use scs_crypto::sign::Scheme;
use scs_crypto::{Passphrase, rand};

use crate::armor::ArmorWriter;
use crate::format::{
    MAX_STANZAS, PASSWORD_SALT_LEN, PAYLOAD_NONCE_LEN, TAG_LEN, chunk_nonce, header_mac_key,
    payload_key,
};
use crate::header::{Header, SignerClaim, Stanza};
use crate::signature::{chunk_digest, chunk_list_hasher, transcript};
use crate::stanza::{self, Ephemeral};
use crate::stream::{self, Output, SealFramer};
use crate::{Error, Result};

enum Target {
    Recipients(Vec<PublicKey>),
    Passphrase(Passphrase),
}

/// What to seal to, how, and whether to sign.
///
/// ```no_run
/// # fn demo(alice: scs_crypto::PublicKey, me: &scs_crypto::PrivateKey) -> scs_seal::Result<()> {
/// use scs_seal::SealOptions;
/// let opts = SealOptions::for_recipients([alice]).signed_by(me).armor(true);
/// let sealed = scs_seal::seal_to_vec(&opts, b"hello")?;
/// # Ok(()) }
/// ```
pub struct SealOptions<'a> {
    target: Target,
    argon2: Argon2Params,
    argon2_set: bool,
    signer: Option<&'a PrivateKey>,
    armor: bool,
}

impl fmt::Debug for SealOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SealOptions");
        match &self.target {
            Target::Recipients(r) => d.field("recipients", r),
            Target::Passphrase(_) => d.field("passphrase", &self.argon2),
        };
        d.field("signer", &self.signer.map(PrivateKey::public_key))
            .field("armor", &self.armor)
            .finish()
    }
}

impl<'a> SealOptions<'a> {
    /// Seal to public keys: RSA (2048–8192 bits) or X25519. Duplicates are
    /// sealed to once; at most 256 recipients.
    #[must_use]
    pub fn for_recipients(recipients: impl IntoIterator<Item = PublicKey>) -> Self {
        Self::with_target(Target::Recipients(recipients.into_iter().collect()))
    }

    /// Seal to a passphrase, with Argon2id at
    /// [`Argon2Params::INTERACTIVE`] unless [`SealOptions::argon2_params`]
    /// says otherwise. A passphrase stanza is always the only stanza.
    #[must_use]
    pub fn for_passphrase(passphrase: Passphrase) -> Self {
        Self::with_target(Target::Passphrase(passphrase))
    }

    fn with_target(target: Target) -> Self {
        Self {
            target,
            argon2: Argon2Params::INTERACTIVE,
            argon2_set: false,
            signer: None,
            armor: false,
        }
    }

    /// Argon2id cost for a passphrase (rejected with recipients).
    #[must_use]
    pub fn argon2_params(mut self, params: Argon2Params) -> Self {
        self.argon2 = params;
        self.argon2_set = true;
        self
    }

    /// Sign as the sender with an RSA key (RSA-PSS-SHA256) or an Ed25519 key.
    #[must_use]
    pub fn signed_by(mut self, signer: &'a PrivateKey) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Write the armored text form instead of binary.
    #[must_use]
    pub fn armor(mut self, armor: bool) -> Self {
        self.armor = armor;
        self
    }
}

/// What [`seal`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SealSummary {
    /// Plaintext bytes read.
    pub plaintext_len: u64,
    /// Bytes written (after armor, when armored).
    pub output_len: u64,
    /// Payload chunks.
    pub chunks: u64,
    /// Fingerprints of the recipients, in header order (X25519 included).
    pub recipients: Vec<[u8; 32]>,
    /// Whether a passphrase stanza was written.
    pub passphrase: bool,
    /// Fingerprint of the signer, when signed.
    pub signer: Option<[u8; 32]>,
}

/// Fixed inputs that make sealing deterministic. For test vectors only:
/// reusing a file key or nonce destroys the format's security.
#[doc(hidden)]
#[derive(Clone)]
pub struct DeterministicSeal {
    pub file_key: [u8; 32],
    pub payload_nonce: [u8; PAYLOAD_NONCE_LEN],
    pub password_salt: [u8; PASSWORD_SALT_LEN],
    /// One X25519 ephemeral scalar per X25519 recipient, in order.
    pub x25519_ephemeral: Vec<[u8; 32]>,
    /// One RSA-OAEP ciphertext of `file_key` per RSA recipient, in order
    /// (OAEP is randomized, so vectors carry it).
    pub rsa_ciphertexts: Vec<Vec<u8>>,
}

impl fmt::Debug for DeterministicSeal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeterministicSeal([secret elided])")
    }
}

/// Seals everything `input` yields to `output`.
///
/// The payload is split into 1 MiB chunks sealed in parallel on every core,
/// with a bounded number in flight; reads and writes are 1 MiB or larger.
/// `output` receives the header first, then chunks in order, then the
/// signature when signing; with armor, the text form of all of it.
pub fn seal<R: Read + Send, W: Write>(
    opts: &SealOptions<'_>,
    input: R,
    output: W,
) -> Result<SealSummary> {
    seal_with(opts, None, input, output)
}

/// Seals a byte string in memory (messages, small files).
pub fn seal_to_vec(opts: &SealOptions<'_>, plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(plaintext.len() + plaintext.len() / 3 + 1024);
    seal(opts, plaintext, &mut out)?;
    Ok(out)
}

/// [`seal`] with fixed randomness, for regenerating test vectors.
#[doc(hidden)]
pub fn seal_deterministic<R: Read + Send, W: Write>(
    opts: &SealOptions<'_>,
    det: &DeterministicSeal,
    input: R,
    output: W,
) -> Result<SealSummary> {
    seal_with(opts, Some(det), input, output)
}

fn signer_claim(key: &PrivateKey) -> Result<SignerClaim> {
    let scheme = match key.algorithm() {
        KeyAlgorithm::Rsa { .. } => Scheme::RsaPssSha256,
        KeyAlgorithm::Ed25519 => Scheme::Ed25519,
        other => {
            return Err(Error::InvalidOptions(format!(
                "a {other} key cannot sign; sign with an RSA or Ed25519 key"
            )));
        }
    };
    SignerClaim::new(key.public_key().clone(), scheme)
}

fn build_stanzas(
    opts: &SealOptions<'_>,
    det: Option<&DeterministicSeal>,
    file_key: &Key256,
) -> Result<Vec<Stanza>> {
    match &opts.target {
        Target::Passphrase(passphrase) => {
            if passphrase.is_empty() {
                return Err(Error::InvalidOptions("the passphrase is empty".into()));
            }
            let salt = match det {
                Some(d) => d.password_salt,
                None => rand::array()?,
            };
            Ok(vec![stanza::wrap_password(
                file_key,
                passphrase,
                opts.argon2,
                salt,
            )?])
        }
        Target::Recipients(list) => {
            if opts.argon2_set {
                return Err(Error::InvalidOptions(
                    "Argon2id parameters apply only to a passphrase".into(),
                ));
            }
            let mut unique: Vec<&PublicKey> = Vec::with_capacity(list.len());
            for r in list {
                if !unique.iter().any(|u| u.fingerprint() == r.fingerprint()) {
                    unique.push(r);
                }
            }
            if unique.is_empty() {
                return Err(Error::InvalidOptions("no recipients".into()));
            }
            if unique.len() > MAX_STANZAS {
                return Err(Error::InvalidOptions(format!(
                    "{} recipients; at most {MAX_STANZAS}",
                    unique.len()
                )));
            }
            let (mut n_rsa, mut n_x) = (0usize, 0usize);
            let mut stanzas = Vec::with_capacity(unique.len());
            for r in unique {
                let s = match r.algorithm() {
                    KeyAlgorithm::Rsa { .. } => {
                        let s = match det {
                            Some(d) => stanza::rsa_stanza_from_parts(
                                r,
                                d.rsa_ciphertexts
                                    .get(n_rsa)
                                    .cloned()
                                    .ok_or_else(|| missing("RSA ciphertext"))?,
                            ),
                            None => stanza::wrap_rsa(file_key, r)?,
                        };
                        n_rsa += 1;
                        s
                    }
                    KeyAlgorithm::X25519 => {
                        let eph = match det {
                            Some(d) => Ephemeral::Fixed(
                                d.x25519_ephemeral
                                    .get(n_x)
                                    .ok_or_else(|| missing("X25519 ephemeral"))?,
                            ),
                            None => Ephemeral::Random,
                        };
                        n_x += 1;
                        stanza::wrap_x25519(file_key, r, eph)?
                    }
                    other => {
                        return Err(Error::InvalidOptions(format!(
                            "cannot seal to {other} key SHA256:{}: use an RSA or X25519 key",
                            r.fingerprint_hex()
                        )));
                    }
                };
                stanzas.push(s);
            }
            Ok(stanzas)
        }
    }
}

fn missing(what: &str) -> Error {
    Error::InvalidOptions(format!("deterministic seal lacks a {what}"))
}

/// Counts the bytes written through it.
struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)?;
        self.count += buf.len() as u64;
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

enum Sink<W: Write> {
    Raw(Counting<W>),
    Armored(ArmorWriter<Counting<W>>),
}

impl<W: Write> Sink<W> {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Sink::Raw(w) => w.write_all(bytes),
            Sink::Armored(w) => w.write_all(bytes),
        }
        .map_err(Error::Write)
    }

    fn finish(self) -> Result<u64> {
        let mut w = match self {
            Sink::Raw(w) => w,
            Sink::Armored(a) => a.finish().map_err(Error::Write)?,
        };
        w.flush().map_err(Error::Write)?;
        Ok(w.count)
    }
}

fn seal_with<R: Read + Send, W: Write>(
    opts: &SealOptions<'_>,
    det: Option<&DeterministicSeal>,
    input: R,
    output: W,
) -> Result<SealSummary> {
    let claim = opts.signer.map(signer_claim).transpose()?;
    let file_key = match det {
        Some(d) => Key256::from_bytes(d.file_key),
        None => Key256::generate()?,
    };
    let payload_nonce: [u8; PAYLOAD_NONCE_LEN] = match det {
        Some(d) => d.payload_nonce,
        None => rand::array()?,
    };
    let stanzas = build_stanzas(opts, det, &file_key)?;
    let header = Header::build(
        payload_nonce,
        stanzas,
        claim.clone(),
        &header_mac_key(&file_key)?,
    )?;
    let aead = AesGcm::aes256(&payload_key(&file_key, &payload_nonce)?);
    drop(file_key);

    let counting = Counting {
        inner: output,
        count: 0,
    };
    let mut sink = if opts.armor {
        Sink::Armored(ArmorWriter::new(counting))
    } else {
        Sink::Raw(counting)
    };
    sink.put(header.as_bytes())?;

    let signing = claim.is_some();
    let op = |index: u64, last: bool, buf: &mut Vec<u8>, len: usize| -> Result<Output> {
        if buf.len() < len + TAG_LEN {
            buf.resize(len + TAG_LEN, 0);
        }
        let tag =
            aead.seal_in_place_separate_tag(&chunk_nonce(index, last), &[], &mut buf[..len])?;
        buf[len..len + TAG_LEN].copy_from_slice(&tag);
        let hash = signing.then(|| chunk_digest(&buf[..len + TAG_LEN]));
        Ok((len + TAG_LEN, hash))
    };
    let mut chunk_list = chunk_list_hasher();
    let (framer, chunks) = stream::run(SealFramer::new(input), &op, |bytes, hash| {
        if let Some(h) = hash {
            chunk_list.update(&h);
        }
        sink.put(bytes)
    })?;

    if let (Some(key), Some(claim)) = (opts.signer, &claim) {
        let msg = transcript(header.digest(), chunks, chunk_list.finalize().as_bytes());
        let sig = key.sign(claim.scheme(), &msg)?;
        if sig.len() != header.trailer_len() {
            return Err(Error::InvalidOptions(format!(
                "signature of {} bytes, expected {}",
                sig.len(),
                header.trailer_len()
            )));
        }
        sink.put(&sig)?;
    }
    let output_len = sink.finish()?;

    Ok(SealSummary {
        plaintext_len: framer.total(),
        output_len,
        chunks,
        recipients: recipient_fingerprints(opts),
        passphrase: header.is_passphrase_protected(),
        signer: claim.map(|c| c.fingerprint()),
    })
}

fn recipient_fingerprints(opts: &SealOptions<'_>) -> Vec<[u8; 32]> {
    let mut out: Vec<[u8; 32]> = Vec::new();
    if let Target::Recipients(list) = &opts.target {
        for r in list {
            let fp = r.fingerprint();
            if !out.contains(&fp) {
                out.push(fp);
            }
        }
    }
    out
}

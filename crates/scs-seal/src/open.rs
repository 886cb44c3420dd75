//! Opening: header inspection, unlocking, the parallel payload, the
//! signature. Each step returns a value the next one requires, and only a
//! fully verified stream yields an [`Opened`].

use core::fmt;
use std::io::{self, Chain, Cursor, Read, Write};

use scs_crypto::aead::AesGcm;
use scs_crypto::hash::read_full;
use scs_crypto::keys::{PrivateKey, PublicKey};
use scs_crypto::secret::Key256;
use scs_crypto::sign::Scheme;
use scs_crypto::{Passphrase, ct_eq};

use crate::armor::{self, ArmorReader};
use crate::error::Attempt;
use crate::format::{SEALED_CHUNK_SIZE, TAG_LEN, chunk_nonce, header_mac_key, payload_key};
use crate::header::{Header, PREFIX_LEN, StanzaKind, check_magic, header_body_len};
use crate::signature::{chunk_digest, chunk_list_hasher, transcript};
use crate::stanza;
use crate::stream::{self, OpenFramer, Output};
use crate::{Error, Result};

/// Bytes looked at to tell armor from binary (BEGIN line after blank space).
const PEEK_LEN: usize = armor::MAX_BLANK + 64;

type PassphraseSource<'a> = Box<dyn FnMut() -> io::Result<Passphrase> + 'a>;

/// What to try when unlocking: private keys and, lazily, a passphrase.
///
/// RSA keys are tried only on stanzas naming their fingerprint; X25519 keys
/// are tried on every X25519 stanza (those recipients are anonymous). The
/// passphrase source is called at most once per unlock, and only when the
/// file is passphrase-protected.
#[derive(Default)]
pub struct Unlocker<'a> {
    keys: Vec<&'a PrivateKey>,
    passphrase: Option<PassphraseSource<'a>>,
}

impl fmt::Debug for Unlocker<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unlocker")
            .field(
                "keys",
                &self.keys.iter().map(|k| k.public_key()).collect::<Vec<_>>(),
            )
            .field("passphrase", &self.passphrase.is_some())
            .finish()
    }
}

impl<'a> Unlocker<'a> {
    /// Nothing to try yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a private key (RSA or X25519; other kinds never match).
    #[must_use]
    pub fn key(mut self, key: &'a PrivateKey) -> Self {
        self.keys.push(key);
        self
    }

    /// Adds several private keys.
    #[must_use]
    pub fn keys(mut self, keys: impl IntoIterator<Item = &'a PrivateKey>) -> Self {
        self.keys.extend(keys);
        self
    }

    /// Uses this passphrase when the file is passphrase-protected.
    #[must_use]
    pub fn passphrase(self, passphrase: Passphrase) -> Self {
        self.passphrase_callback(move || Ok(Passphrase::new(passphrase.expose().to_owned())))
    }

    /// Asks `source` for the passphrase only when the file is
    /// passphrase-protected (for a prompt). Its error is reported as
    /// [`Error::PassphraseInput`].
    #[must_use]
    pub fn passphrase_callback(
        mut self,
        source: impl FnMut() -> io::Result<Passphrase> + 'a,
    ) -> Self {
        self.passphrase = Some(Box::new(source));
        self
    }
}

fn attempt_of(key: &PrivateKey) -> Attempt {
    Attempt::Key {
        algorithm: key.algorithm(),
        fingerprint: key.public_key().fingerprint(),
    }
}

/// Proof that a file key was recovered for one header and that header's MAC
/// verified under it. Only [`Decryptor::unlock`] makes one.
pub struct Unlocked {
    file_key: Key256,
    header_digest: [u8; 32],
    by: Attempt,
}

impl Unlocked {
    /// The key or passphrase that unlocked the file.
    #[must_use]
    pub fn unlocked_by(&self) -> &Attempt {
        &self.by
    }
}

impl fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unlocked")
            .field("by", &self.by)
            .finish_non_exhaustive()
    }
}

/// A sender whose signature over the header and the whole payload verified.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedSigner {
    key: PublicKey,
    scheme: Scheme,
}

impl VerifiedSigner {
    /// The signer's public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The scheme of the signature.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// SHA-256 fingerprint of the signer's SPKI.
    #[must_use]
    pub fn fingerprint(&self) -> [u8; 32] {
        self.key.fingerprint()
    }

    /// The fingerprint as lowercase hex, as "signed by …" shows it.
    #[must_use]
    pub fn fingerprint_hex(&self) -> String {
        self.key.fingerprint_hex()
    }
}

impl fmt::Debug for VerifiedSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedSigner")
            .field("scheme", &self.scheme)
            .field("key", &self.key)
            .finish()
    }
}

/// The outcome of a fully verified open: every chunk authenticated, the
/// stream ended at its final chunk, and the signature (if any) verified.
/// Only this crate constructs it.
#[derive(Debug, Clone)]
#[must_use]
pub struct Opened {
    signer: Option<VerifiedSigner>,
    unlocked_by: Attempt,
    plaintext_len: u64,
    chunks: u64,
}

impl Opened {
    /// The verified sender, when the file was signed.
    #[must_use]
    pub fn signer(&self) -> Option<&VerifiedSigner> {
        self.signer.as_ref()
    }

    /// Whether the file was signed by `key` and that signature verified.
    #[must_use]
    pub fn is_signed_by(&self, key: &PublicKey) -> bool {
        self.signer.as_ref().is_some_and(|s| &s.key == key)
    }

    /// The key or passphrase that unlocked the file.
    #[must_use]
    pub fn unlocked_by(&self) -> &Attempt {
        &self.unlocked_by
    }

    /// Plaintext bytes written.
    #[must_use]
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }

    /// Payload chunks.
    #[must_use]
    pub fn chunks(&self) -> u64 {
        self.chunks
    }
}

type Peeked<R> = Chain<Cursor<Vec<u8>>, R>;

enum Input<R: Read> {
    Binary(Peeked<R>),
    Armored(Box<ArmorReader<Peeked<R>>>),
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Binary(r) => r.read(buf),
            Input::Armored(r) => r.read(buf),
        }
    }
}

/// A sealed stream whose header has been read (binary or armored, detected
/// automatically). Inspect [`Decryptor::header`], then
/// [`Decryptor::unlock`], then [`Decryptor::open`].
pub struct Decryptor<R: Read> {
    header: Header,
    input: Input<R>,
    armored: bool,
}

impl<R: Read> fmt::Debug for Decryptor<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decryptor")
            .field("header", &self.header)
            .field("armored", &self.armored)
            .finish_non_exhaustive()
    }
}

fn read_header<R: Read>(input: &mut R) -> Result<Header> {
    let mut prefix = [0u8; PREFIX_LEN];
    let n = read_full(input, &mut prefix).map_err(Error::from_read)?;
    let body_len = header_body_len(&prefix[..n])?;
    let mut all = vec![0u8; PREFIX_LEN + body_len];
    all[..PREFIX_LEN].copy_from_slice(&prefix);
    let m = read_full(input, &mut all[PREFIX_LEN..]).map_err(Error::from_read)?;
    if m < body_len {
        return Err(Error::Truncated);
    }
    let (header, _) = Header::parse(&all)?;
    Ok(header)
}

impl<R: Read + Send> Decryptor<R> {
    /// Reads and parses the header, detecting armor. Nothing is verified
    /// yet: the header's claims are authenticated by [`Decryptor::unlock`].
    pub fn new(mut input: R) -> Result<Self> {
        let mut peek = vec![0u8; PEEK_LEN];
        let n = read_full(&mut input, &mut peek).map_err(Error::Read)?;
        peek.truncate(n);
        let armored = armor::looks_armored(&peek);
        if !armored {
            check_magic(&peek)?;
        }
        let chained = Cursor::new(peek).chain(input);
        let mut input = if armored {
            Input::Armored(Box::new(ArmorReader::new(chained)))
        } else {
            Input::Binary(chained)
        };
        let header = read_header(&mut input).map_err(|e| match e {
            Error::NotSealed { .. } if armored => {
                Error::malformed("armored content", "the armor does not hold scs sealed data")
            }
            e => e,
        })?;
        Ok(Self {
            header,
            input,
            armored,
        })
    }

    /// The parsed (not yet authenticated) header.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Whether the input was armored.
    #[must_use]
    pub fn is_armored(&self) -> bool {
        self.armored
    }

    /// Recovers the file key with what `unlocker` offers and verifies the
    /// header MAC under it. May be called again (for another passphrase).
    ///
    /// Errors: [`Error::PassphraseRequired`] when the file needs a
    /// passphrase and none was offered; [`Error::NoIdentity`] when nothing
    /// was offered; [`Error::NoMatch`] (naming what was tried) when nothing
    /// opened it; [`Error::HeaderAuthentication`] when a stanza opened but
    /// the header was altered.
    pub fn unlock(&self, unlocker: &mut Unlocker<'_>) -> Result<Unlocked> {
        let header = &self.header;
        let recipients = header.recipient_hints();
        let mut found: Option<(Key256, Attempt)> = None;
        let tried: Vec<Attempt>;
        if let Some(s) = header
            .stanzas()
            .iter()
            .find(|s| s.kind() == StanzaKind::Passphrase)
        {
            let Some(source) = unlocker.passphrase.as_mut() else {
                return Err(Error::PassphraseRequired);
            };
            let passphrase = source().map_err(Error::PassphraseInput)?;
            if let Some(k) = stanza::unwrap_password(s, &passphrase)? {
                found = Some((k, Attempt::Passphrase));
            }
            tried = vec![Attempt::Passphrase];
        } else {
            if unlocker.keys.is_empty() {
                return Err(Error::NoIdentity { recipients });
            }
            // An RSA key is tried on the first stanza naming it only, so a
            // hostile header cannot make us run hundreds of RSA decryptions.
            let mut rsa_tried = vec![false; unlocker.keys.len()];
            'stanzas: for s in header.stanzas() {
                for (i, key) in unlocker.keys.iter().enumerate() {
                    let k = match s.kind() {
                        StanzaKind::Rsa => {
                            let names_key =
                                s.recipient_fingerprint() == Some(&key.public_key().fingerprint());
                            if !names_key || rsa_tried[i] {
                                continue;
                            }
                            rsa_tried[i] = true;
                            stanza::unwrap_rsa(s, key)
                        }
                        StanzaKind::X25519 => stanza::unwrap_x25519(s, key),
                        _ => None,
                    };
                    if let Some(k) = k {
                        found = Some((k, attempt_of(key)));
                        break 'stanzas;
                    }
                }
            }
            tried = unlocker.keys.iter().map(|k| attempt_of(k)).collect();
        }
        let Some((file_key, by)) = found else {
            return Err(Error::NoMatch { tried, recipients });
        };
        header.verify_mac(&header_mac_key(&file_key)?)?;
        Ok(Unlocked {
            file_key,
            header_digest: *header.digest(),
            by,
        })
    }

    /// Decrypts the payload to `output`, releasing each chunk only after it
    /// authenticated, in order. Succeeds only if the stream ended exactly
    /// after its final chunk (and signature), and the signature, when the
    /// header announces one, verified. On error, `output` holds at most the
    /// authenticated chunks before the failure: write to a temporary file
    /// and keep it only on success.
    pub fn open<W: Write>(self, unlocked: Unlocked, mut output: W) -> Result<Opened> {
        let header = self.header;
        if !ct_eq(&unlocked.header_digest, header.digest()) {
            return Err(Error::InvalidOptions(
                "the unlocked file key belongs to another file".into(),
            ));
        }
        let aead = AesGcm::aes256(&payload_key(&unlocked.file_key, header.payload_nonce())?);
        let signing = header.is_signed();
        let op = |index: u64, last: bool, buf: &mut Vec<u8>, len: usize| -> Result<Output> {
            if len < TAG_LEN {
                return Err(Error::Truncated);
            }
            if last && index > 0 && len == TAG_LEN {
                // Only an empty payload may end with an empty chunk.
                return Err(Error::PayloadAuthentication);
            }
            let hash = signing.then(|| chunk_digest(&buf[..len]));
            // A full chunk that fails as the final one may be a stream cut
            // at a chunk boundary: keep a copy to tell that case apart.
            let backup = (last && len == SEALED_CHUNK_SIZE).then(|| buf[..len].to_vec());
            match aead.open_in_place(&chunk_nonce(index, last), &[], &mut buf[..len]) {
                Ok(pt) => Ok((pt.len(), hash)),
                Err(_) => {
                    if let Some(mut b) = backup
                        && aead
                            .open_in_place(&chunk_nonce(index, false), &[], &mut b)
                            .is_ok()
                    {
                        return Err(Error::Truncated);
                    }
                    Err(Error::PayloadAuthentication)
                }
            }
        };
        let mut chunk_list = chunk_list_hasher();
        let mut plaintext_len = 0u64;
        let framer = OpenFramer::new(self.input, header.trailer_len());
        let (framer, chunks) = stream::run(framer, &op, |bytes, hash| {
            if let Some(h) = hash {
                chunk_list.update(&h);
            }
            plaintext_len += bytes.len() as u64;
            output.write_all(bytes).map_err(Error::Write)
        })?;
        let signer = match header.signer() {
            Some(claim) => {
                let sig = framer.trailer().ok_or(Error::Truncated)?;
                let msg = transcript(header.digest(), chunks, chunk_list.finalize().as_bytes());
                claim
                    .public_key()
                    .verify(claim.scheme(), &msg, sig)
                    .map_err(|_| Error::BadSignature)?;
                Some(VerifiedSigner {
                    key: claim.public_key().clone(),
                    scheme: claim.scheme(),
                })
            }
            None => None,
        };
        output.flush().map_err(Error::Write)?;
        Ok(Opened {
            signer,
            unlocked_by: unlocked.by,
            plaintext_len,
            chunks,
        })
    }
}

/// Opens sealed data (binary or armored) from `input` to `output` in one
/// call: header, unlock, payload, signature. See [`Decryptor::open`] for
/// what `output` may hold on error.
pub fn open<R: Read + Send, W: Write>(
    input: R,
    unlocker: &mut Unlocker<'_>,
    output: W,
) -> Result<Opened> {
    let dec = Decryptor::new(input)?;
    let unlocked = dec.unlock(unlocker)?;
    dec.open(unlocked, output)
}

/// Opens sealed data held in memory; the plaintext is returned only when
/// everything verified.
pub fn open_slice(sealed: &[u8], unlocker: &mut Unlocker<'_>) -> Result<(Vec<u8>, Opened)> {
    let mut out = Vec::with_capacity(sealed.len());
    let opened = open(sealed, unlocker, &mut out)?;
    Ok((out, opened))
}

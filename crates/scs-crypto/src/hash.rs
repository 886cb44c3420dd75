//! Message digests: SHA-256, SHA-512, SHA3-256, BLAKE3 and (legacy) MD5,
//! computed incrementally so that inputs of any size use constant memory.

use core::fmt;
use core::str::FromStr;
use std::io::{self, Read};
use std::sync::mpsc;

use aws_lc_rs::digest as lc;
use md5::Digest as _;

/// A digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlg {
    Sha256,
    Sha512,
    Sha3_256,
    Blake3,
    /// MD5 is broken for collision resistance; kept for checking old lists.
    Md5,
}

impl HashAlg {
    /// Every algorithm, in the order a menu lists them.
    pub const ALL: [HashAlg; 5] = [
        HashAlg::Sha256,
        HashAlg::Sha512,
        HashAlg::Sha3_256,
        HashAlg::Blake3,
        HashAlg::Md5,
    ];

    /// The name used on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha512 => "sha512",
            HashAlg::Sha3_256 => "sha3-256",
            HashAlg::Blake3 => "blake3",
            HashAlg::Md5 => "md5",
        }
    }

    /// Output length in bytes.
    #[must_use]
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 | HashAlg::Sha3_256 | HashAlg::Blake3 => 32,
            HashAlg::Sha512 => 64,
            HashAlg::Md5 => 16,
        }
    }

    /// Whether the algorithm is only kept for compatibility.
    #[must_use]
    pub fn is_legacy(self) -> bool {
        matches!(self, HashAlg::Md5)
    }

    /// The algorithm whose hex digests have this many characters, when that
    /// is unambiguous among the non-SHA3 ones (as `sha256sum`-style lists are).
    #[must_use]
    pub fn from_hex_len(len: usize) -> Option<HashAlg> {
        match len {
            32 => Some(HashAlg::Md5),
            64 => Some(HashAlg::Sha256),
            128 => Some(HashAlg::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for HashAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown algorithm name.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown hash algorithm '{0}' (expected sha256, sha512, sha3-256, blake3 or md5)")]
pub struct UnknownHashAlg(String);

impl FromStr for HashAlg {
    type Err = UnknownHashAlg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "sha256" | "sha-256" => Ok(HashAlg::Sha256),
            "sha512" | "sha-512" => Ok(HashAlg::Sha512),
            "sha3-256" | "sha3256" => Ok(HashAlg::Sha3_256),
            "blake3" | "b3" => Ok(HashAlg::Blake3),
            "md5" => Ok(HashAlg::Md5),
            _ => Err(UnknownHashAlg(s.to_owned())),
        }
    }
}

/// An incremental hash computation.
pub struct Hasher {
    alg: HashAlg,
    inner: Inner,
}

enum Inner {
    Lc(lc::Context),
    Blake3(Box<blake3::Hasher>),
    Md5(md5::Md5),
}

/// Below this many bytes per `update`, BLAKE3 stays on the calling thread.
const BLAKE3_PARALLEL_MIN: usize = 256 * 1024;

impl Hasher {
    #[must_use]
    pub fn new(alg: HashAlg) -> Self {
        let inner = match alg {
            HashAlg::Sha256 => Inner::Lc(lc::Context::new(&lc::SHA256)),
            HashAlg::Sha512 => Inner::Lc(lc::Context::new(&lc::SHA512)),
            HashAlg::Sha3_256 => Inner::Lc(lc::Context::new(&lc::SHA3_256)),
            HashAlg::Blake3 => Inner::Blake3(Box::new(blake3::Hasher::new())),
            HashAlg::Md5 => Inner::Md5(md5::Md5::new()),
        };
        Self { alg, inner }
    }

    #[must_use]
    pub fn alg(&self) -> HashAlg {
        self.alg
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.inner {
            Inner::Lc(c) => c.update(data),
            Inner::Blake3(h) => {
                if data.len() >= BLAKE3_PARALLEL_MIN {
                    h.update_rayon(data);
                } else {
                    h.update(data);
                }
            }
            Inner::Md5(h) => h.update(data),
        }
    }

    #[must_use]
    pub fn finalize(self) -> Digest {
        let inner = match self.inner {
            Inner::Lc(c) => DigestInner::Lc(c.finish()),
            Inner::Blake3(h) => DigestInner::Bytes(h.finalize().as_bytes().to_vec()),
            Inner::Md5(h) => DigestInner::Bytes(h.finalize().to_vec()),
        };
        Digest {
            alg: self.alg,
            inner,
        }
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher").field("alg", &self.alg).finish()
    }
}

impl io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A finished digest.
#[derive(Clone)]
pub struct Digest {
    alg: HashAlg,
    inner: DigestInner,
}

#[derive(Clone)]
enum DigestInner {
    Lc(lc::Digest),
    Bytes(Vec<u8>),
}

impl Digest {
    #[must_use]
    pub fn alg(&self) -> HashAlg {
        self.alg
    }

    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.inner {
            DigestInner::Lc(d) => d.as_ref(),
            DigestInner::Bytes(b) => b,
        }
    }

    /// Lowercase hex, as `sha256sum` prints it.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.as_bytes())
    }

    /// The aws-lc digest object, for signing a pre-computed SHA-256 hash.
    pub(crate) fn lc_digest(&self) -> Option<&lc::Digest> {
        match &self.inner {
            DigestInner::Lc(d) => Some(d),
            DigestInner::Bytes(_) => None,
        }
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({}:{})", self.alg, self.to_hex())
    }
}

impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        self.alg == other.alg && crate::ct_eq(self.as_bytes(), other.as_bytes())
    }
}
impl Eq for Digest {}

/// One-shot digest of a byte string.
#[must_use]
pub fn digest(alg: HashAlg, data: &[u8]) -> Digest {
    let mut h = Hasher::new(alg);
    h.update(data);
    h.finalize()
}

/// SHA-256 of `data` as an array (fingerprints, transcript hashes).
#[must_use]
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = lc::digest(&lc::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Size of each read when hashing a stream.
pub const READ_CHUNK: usize = 1 << 20;

/// Digest everything `reader` yields, in constant memory.
///
/// Reading and hashing overlap: a scoped thread fills buffers while this
/// thread hashes the previous one (at most three 1 MiB buffers exist).
/// Returns the digest and the number of bytes read.
pub fn digest_reader<R: Read + Send>(alg: HashAlg, reader: R) -> io::Result<(Digest, u64)> {
    let mut hasher = Hasher::new(alg);
    let total = pump(reader, |chunk| hasher.update(chunk))?;
    Ok((hasher.finalize(), total))
}

/// Reads `reader` to the end on a helper thread, handing each filled buffer
/// to `consume` on the calling thread. Memory stays bounded to a few buffers.
pub fn pump<R: Read + Send>(mut reader: R, mut consume: impl FnMut(&[u8])) -> io::Result<u64> {
    const DEPTH: usize = 2;
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(DEPTH);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<u8>>(DEPTH + 1);
    for _ in 0..=DEPTH {
        empty_tx
            .send(vec![0u8; READ_CHUNK])
            .expect("channel has room for every buffer");
    }
    std::thread::scope(|s| {
        let producer = s.spawn(move || -> io::Result<()> {
            while let Ok(mut buf) = empty_rx.recv() {
                buf.resize(READ_CHUNK, 0);
                let n = read_full(&mut reader, &mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                buf.truncate(n);
                if full_tx.send(buf).is_err() {
                    return Ok(());
                }
            }
            Ok(())
        });
        let mut total = 0u64;
        for buf in full_rx.iter() {
            consume(&buf);
            total += buf.len() as u64;
            // The producer may already have finished; a closed channel is fine.
            let _ = empty_tx.send(buf);
        }
        drop(empty_tx);
        producer
            .join()
            .map_err(|_| io::Error::other("reader thread panicked"))??;
        Ok(total)
    })
}

/// Reads until `buf` is full or the input ends; retries on `Interrupted`.
pub fn read_full<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let cases = [
            (
                HashAlg::Sha256,
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                HashAlg::Sha3_256,
                "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
            ),
            (HashAlg::Md5, "900150983cd24fb0d6963f7d28e17f72"),
            (
                HashAlg::Blake3,
                "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
            ),
        ];
        for (alg, want) in cases {
            assert_eq!(digest(alg, b"abc").to_hex(), want, "{alg}");
        }
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..(3 * READ_CHUNK + 12345))
            .map(|i| (i * 31) as u8)
            .collect();
        for alg in HashAlg::ALL {
            let (d, n) = digest_reader(alg, &data[..]).unwrap();
            assert_eq!(n, data.len() as u64);
            assert_eq!(d, digest(alg, &data), "{alg}");
        }
    }

    #[test]
    fn names_round_trip() {
        for alg in HashAlg::ALL {
            assert_eq!(alg.name().parse::<HashAlg>().unwrap(), alg);
        }
        assert!("sha1".parse::<HashAlg>().is_err());
    }
}

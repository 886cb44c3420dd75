//! 1 GiB through a file and back for every stanza kind, in flat memory.
//! In a test binary of its own, so that the peak RSS it checks is its own.

mod common;

use std::io::{Read, Write};

use common::{ALL_KINDS, Kind, options, unlocker};
use scs_crypto::hash::{HashAlg, Hasher};
use scs_seal::format::CHUNK_SIZE;
use scs_seal::{open, seal};

/// A reader of `left` pseudo-random bytes, generated on the fly; byte `p`
/// depends only on `p`, not on how the stream is read.
struct Generator {
    left: u64,
    pos: u64,
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Read for Generator {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        let mut word = splitmix(self.pos / 8).to_le_bytes();
        for b in &mut buf[..n] {
            if self.pos.is_multiple_of(8) {
                word = splitmix(self.pos / 8).to_le_bytes();
            }
            *b = word[(self.pos % 8) as usize];
            self.pos += 1;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

struct HashingWriter(Hasher, u64);

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        self.1 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// 1 GiB through a temporary file and back, in flat memory, for every
/// stanza kind.
#[test]
fn one_gib_round_trip() {
    const LEN: u64 = 1 << 30;
    let mut want = HashingWriter(Hasher::new(HashAlg::Sha256), 0);
    std::io::copy(&mut Generator { left: LEN, pos: 0 }, &mut want).unwrap();
    let want = want.0.finalize();
    for kind in ALL_KINDS {
        let opts = options(kind);
        let mut file = tempfile::tempfile().unwrap();
        let summary = seal(
            &opts,
            Generator { left: LEN, pos: 0 },
            std::io::BufWriter::with_capacity(1 << 20, &mut file),
        )
        .unwrap();
        assert_eq!(summary.plaintext_len, LEN);
        assert_eq!(summary.chunks, LEN / CHUNK_SIZE as u64);
        use std::io::Seek;
        file.rewind().unwrap();
        let mut got = HashingWriter(Hasher::new(HashAlg::Sha256), 0);
        let opened = open(&mut file, &mut unlocker(kind), &mut got).unwrap();
        assert_eq!(
            opened.signer().is_some(),
            matches!(kind, Kind::SignedRsaPss | Kind::SignedEd25519)
        );
        assert_eq!(got.1, LEN, "{kind:?}");
        assert_eq!(got.0.finalize(), want, "{kind:?}");
    }
    if let Some(peak) = peak_rss_kib() {
        println!("peak RSS {} MiB", peak / 1024);
        assert!(peak <= 64 * 1024, "peak RSS {peak} KiB");
    }
}

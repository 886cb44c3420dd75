//! The parallel chunk engine shared by sealing and opening.
//!
//! Workers take turns reading the next chunk from the input (under a lock,
//! so reads stay sequential and chunk numbers follow the input), then seal or
//! open it on their own core while it is still in that core's cache. The
//! calling thread puts results back in order and hands them to the sink,
//! which alone touches the output. A fixed pool of buffers bounds the chunks
//! in flight, so memory stays flat whatever the input size.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};

use crate::format::{CHUNK_SIZE, SEALED_CHUNK_SIZE, TAG_LEN};
use crate::{Error, Result};

/// Most worker threads, whatever the core count.
const MAX_WORKERS: usize = 16;
/// First read size when the input's length is unknown, so that small
/// messages do not allocate a whole chunk buffer.
const FIRST_READ: usize = 128 * 1024;

/// Splits an input into chunks.
pub(crate) trait Framer: Send {
    /// Length of a full buffer for this framer.
    fn buf_len(&self) -> usize;
    /// Reads the next chunk into `buf` (growing it when it is too short) and
    /// returns its length and whether it is the final chunk; `None` after the
    /// final chunk.
    fn next(&mut self, buf: &mut Vec<u8>) -> Result<Option<(usize, bool)>>;
}

/// A chunk transform: `(index, last, buffer, length)` to the output length
/// within the buffer and, when signing, the chunk's SHA-256.
pub(crate) type Output = (usize, Option<[u8; 32]>);

/// Reads into `buf[start..want]` until it is full or the input ends; grows
/// `buf` geometrically from [`FIRST_READ`] when it is shorter than needed.
/// Returns the number of bytes in `buf[..]` that are filled.
fn fill<R: Read + ?Sized>(
    input: &mut R,
    buf: &mut Vec<u8>,
    start: usize,
    want: usize,
) -> io::Result<usize> {
    let mut filled = start;
    while filled < want {
        if buf.len() <= filled {
            let grown = (buf.len().max(FIRST_READ / 4) * 4).clamp(filled + 1, want);
            buf.resize(grown, 0);
        }
        let end = buf.len().min(want);
        match input.read(&mut buf[filled..end]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Splits plaintext into [`CHUNK_SIZE`] chunks, telling the last one by
/// reading one byte ahead.
pub(crate) struct SealFramer<R> {
    input: R,
    carry: Option<u8>,
    done: bool,
    total: u64,
}

impl<R> SealFramer<R> {
    pub(crate) fn new(input: R) -> Self {
        Self {
            input,
            carry: None,
            done: false,
            total: 0,
        }
    }

    /// Plaintext bytes read so far.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }
}

impl<R: Read + Send> Framer for SealFramer<R> {
    fn buf_len(&self) -> usize {
        SEALED_CHUNK_SIZE
    }

    fn next(&mut self, buf: &mut Vec<u8>) -> Result<Option<(usize, bool)>> {
        if self.done {
            return Ok(None);
        }
        let want = CHUNK_SIZE + 1;
        let mut start = 0;
        if let Some(b) = self.carry.take() {
            if buf.is_empty() {
                buf.push(0);
            }
            buf[0] = b;
            start = 1;
        }
        let n = fill(&mut self.input, buf, start, want).map_err(Error::Read)?;
        if n == want {
            self.carry = Some(buf[CHUNK_SIZE]);
            self.total += CHUNK_SIZE as u64;
            Ok(Some((CHUNK_SIZE, false)))
        } else {
            self.done = true;
            self.total += n as u64;
            Ok(Some((n, true)))
        }
    }
}

/// Splits sealed data into chunks, keeping `trailer_len + 1` bytes of
/// look-ahead so that the final chunk and the signature trailer after it are
/// found without knowing the length in advance.
pub(crate) struct OpenFramer<R> {
    input: R,
    trailer_len: usize,
    carry: Vec<u8>,
    done: bool,
    trailer: Option<Vec<u8>>,
}

impl<R> OpenFramer<R> {
    pub(crate) fn new(input: R, trailer_len: usize) -> Self {
        Self {
            input,
            trailer_len,
            carry: Vec::with_capacity(trailer_len + 1),
            done: false,
            trailer: None,
        }
    }

    /// The bytes after the final chunk (the signature), once it was read.
    pub(crate) fn trailer(&self) -> Option<&[u8]> {
        self.trailer.as_deref()
    }
}

impl<R: Read + Send> Framer for OpenFramer<R> {
    fn buf_len(&self) -> usize {
        SEALED_CHUNK_SIZE + self.trailer_len + 1
    }

    fn next(&mut self, buf: &mut Vec<u8>) -> Result<Option<(usize, bool)>> {
        if self.done {
            return Ok(None);
        }
        let want = self.buf_len();
        let k = self.carry.len();
        if buf.len() < k {
            buf.resize(k, 0);
        }
        buf[..k].copy_from_slice(&self.carry);
        self.carry.clear();
        let n = fill(&mut self.input, buf, k, want).map_err(Error::from_read)?;
        if n == want {
            self.carry.extend_from_slice(&buf[SEALED_CHUNK_SIZE..want]);
            return Ok(Some((SEALED_CHUNK_SIZE, false)));
        }
        self.done = true;
        if n < self.trailer_len + TAG_LEN {
            return Err(Error::Truncated);
        }
        let chunk_len = n - self.trailer_len;
        self.trailer = Some(buf[chunk_len..n].to_vec());
        Ok(Some((chunk_len, true)))
    }
}

struct Shared<F> {
    framer: F,
    next_index: u64,
    finished: bool,
    error: Option<Error>,
}

struct Done {
    index: u64,
    last: bool,
    buf: Vec<u8>,
    result: Result<Output>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn worker_count() -> usize {
    std::thread::available_parallelism()
        .map(std::num::NonZeroUsize::get)
        .unwrap_or(1)
        .clamp(1, MAX_WORKERS)
}

/// Runs `op` over every chunk `framer` yields, in parallel, and hands the
/// results to `sink` in order. Stops at the first error. Returns the framer
/// (for what it learned at the end) and the number of chunks.
pub(crate) fn run<F, P, S>(mut framer: F, op: &P, mut sink: S) -> Result<(F, u64)>
where
    F: Framer,
    P: Fn(u64, bool, &mut Vec<u8>, usize) -> Result<Output> + Sync,
    S: FnMut(&[u8], Option<[u8; 32]>) -> Result<()>,
{
    let mut first = Vec::new();
    let Some((len, last)) = framer.next(&mut first)? else {
        return Err(Error::Truncated);
    };
    if last {
        let (out_len, hash) = op(0, true, &mut first, len)?;
        sink(&first[..out_len], hash)?;
        return Ok((framer, 1));
    }

    let workers = worker_count();
    let window = 2 * workers + 2;
    let buf_len = framer.buf_len();
    let shared = Mutex::new(Shared {
        framer,
        next_index: 1,
        finished: false,
        error: None,
    });
    let allocated = AtomicUsize::new(1);
    let (free_tx, free_rx) = mpsc::sync_channel::<Vec<u8>>(window);
    let free_rx = Mutex::new(free_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done>();

    let outcome = std::thread::scope(|s| {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let (shared, free_rx, allocated) = (&shared, &free_rx, &allocated);
            s.spawn(move || {
                worker(shared, free_rx, allocated, window, buf_len, op, &done_tx);
            });
        }
        drop(done_tx);
        let result = op(0, false, &mut first, len);
        let first = Done {
            index: 0,
            last: false,
            buf: first,
            result,
        };
        collect(first, done_rx, free_tx, &mut sink)
    });
    let shared = shared.into_inner().unwrap_or_else(PoisonError::into_inner);
    match outcome? {
        Some(chunks) => Ok((shared.framer, chunks)),
        None => Err(shared.error.unwrap_or(Error::Truncated)),
    }
}

fn worker<F, P>(
    shared: &Mutex<Shared<F>>,
    free_rx: &Mutex<mpsc::Receiver<Vec<u8>>>,
    allocated: &AtomicUsize,
    window: usize,
    buf_len: usize,
    op: &P,
    done_tx: &mpsc::Sender<Done>,
) where
    F: Framer,
    P: Fn(u64, bool, &mut Vec<u8>, usize) -> Result<Output> + Sync,
{
    loop {
        {
            let sh = lock(shared);
            if sh.finished || sh.error.is_some() {
                return;
            }
        }
        let fresh = allocated
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |a| {
                (a < window).then_some(a + 1)
            })
            .is_ok();
        let mut buf = if fresh {
            vec![0u8; buf_len]
        } else {
            match lock(free_rx).recv() {
                Ok(b) => b,
                Err(_) => return,
            }
        };
        let (index, len, last) = {
            let mut sh = lock(shared);
            if sh.finished || sh.error.is_some() {
                return;
            }
            match sh.framer.next(&mut buf) {
                Ok(Some((len, last))) => {
                    let i = sh.next_index;
                    sh.next_index += 1;
                    sh.finished |= last;
                    (i, len, last)
                }
                Ok(None) => {
                    sh.finished = true;
                    return;
                }
                Err(e) => {
                    sh.error = Some(e);
                    return;
                }
            }
        };
        let result = op(index, last, &mut buf, len);
        let done = Done {
            index,
            last,
            buf,
            result,
        };
        if done_tx.send(done).is_err() {
            return;
        }
    }
}

/// Hands results to `sink` in chunk order. `Some(count)` once the final
/// chunk went through; `None` when the workers stopped before it.
fn collect<S>(
    first: Done,
    done_rx: mpsc::Receiver<Done>,
    free_tx: mpsc::SyncSender<Vec<u8>>,
    sink: &mut S,
) -> Result<Option<u64>>
where
    S: FnMut(&[u8], Option<[u8; 32]>) -> Result<()>,
{
    let mut pending = BTreeMap::new();
    pending.insert(0u64, first);
    let mut next = 0u64;
    loop {
        while let Some(d) = pending.remove(&next) {
            let (out_len, hash) = d.result?;
            sink(&d.buf[..out_len], hash)?;
            next += 1;
            if d.last {
                return Ok(Some(next));
            }
            // The pool holds at most `window` buffers, so this never blocks;
            // a full or closed channel just drops the buffer.
            let _ = free_tx.try_send(d.buf);
        }
        match done_rx.recv() {
            Ok(d) => {
                pending.insert(d.index, d);
            }
            Err(_) => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_grows_and_stops_at_eof() {
        let data = vec![7u8; 300_000];
        let mut buf = Vec::new();
        let n = fill(&mut &data[..], &mut buf, 0, CHUNK_SIZE + 1).unwrap();
        assert_eq!(n, 300_000);
        assert!(buf.len() >= n);
        let mut small = Vec::new();
        assert_eq!(fill(&mut &b"abc"[..], &mut small, 0, 10).unwrap(), 3);
        assert_eq!(&small[..3], b"abc");
    }

    #[test]
    fn seal_framer_marks_last_chunk() {
        for len in [
            0usize,
            1,
            CHUNK_SIZE - 1,
            CHUNK_SIZE,
            CHUNK_SIZE + 1,
            2 * CHUNK_SIZE,
        ] {
            let data = vec![1u8; len];
            let mut f = SealFramer::new(&data[..]);
            let mut seen = Vec::new();
            let mut buf = Vec::new();
            while let Some((n, last)) = f.next(&mut buf).unwrap() {
                seen.push((n, last));
            }
            let expect_chunks = len.div_ceil(CHUNK_SIZE).max(1);
            assert_eq!(seen.len(), expect_chunks, "len {len}");
            assert!(seen.last().unwrap().1);
            assert!(
                seen[..seen.len() - 1]
                    .iter()
                    .all(|(n, l)| !l && *n == CHUNK_SIZE)
            );
            assert_eq!(seen.iter().map(|(n, _)| n).sum::<usize>(), len);
            assert_eq!(f.total(), len as u64);
        }
    }
}

//! The armored (PEM-style) text form of sealed data, streaming both ways.
//!
//! ```text
//! -----BEGIN SCS ENCRYPTED FILE-----
//! <standard base64 with padding, 64 characters a line, the last line shorter>
//! -----END SCS ENCRYPTED FILE-----
//! ```
//!
//! Decoding is strict: LF or CRLF line ends, every line but the last data
//! line exactly 64 characters, padding only at the very end, canonical
//! base64, at most 1024 bytes of blank lines around the block and nothing
//! else.

use core::fmt;
use std::io::{self, Read, Write};
use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The first line of armored sealed data.
pub const BEGIN: &str = "-----BEGIN SCS ENCRYPTED FILE-----";
/// The last line of armored sealed data.
pub const END: &str = "-----END SCS ENCRYPTED FILE-----";

/// Characters of a full base64 line.
pub const LINE_LEN: usize = 64;
/// Bytes encoded on a full line.
const GROUP: usize = LINE_LEN / 4 * 3;
/// Blank bytes tolerated before the BEGIN line and after the END line.
pub const MAX_BLANK: usize = 1024;
/// Output buffered before it is written through.
const FLUSH_AT: usize = 1 << 20;
/// Input read at a time when decoding.
const READ_SIZE: usize = 1 << 20;
/// Decoded bytes produced per refill.
const OUT_BATCH: usize = 256 * 1024;

/// A violation of the armor format, carried inside an [`io::Error`] of kind
/// `InvalidData` and turned into [`crate::Error::Armor`].
#[derive(Debug)]
pub(crate) struct ArmorError(String);

impl fmt::Display for ArmorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ArmorError {}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, ArmorError(msg.into()))
}

/// Encodes everything written to it as armored text. Call
/// [`ArmorWriter::finish`] at the end: it writes the last line and the END
/// line. Dropping the writer without finishing leaves the armor incomplete.
pub struct ArmorWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    out: Vec<u8>,
}

impl<W: Write> fmt::Debug for ArmorWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmorWriter").finish_non_exhaustive()
    }
}

impl<W: Write> ArmorWriter<W> {
    /// Starts the armor (the BEGIN line is written with the first flush).
    pub fn new(inner: W) -> Self {
        let mut out = Vec::with_capacity(FLUSH_AT + 2 * LINE_LEN);
        out.extend_from_slice(BEGIN.as_bytes());
        out.push(b'\n');
        Self {
            inner,
            pending: Vec::with_capacity(GROUP),
            out,
        }
    }

    fn encode_line(out: &mut Vec<u8>, group: &[u8]) -> io::Result<()> {
        let start = out.len();
        out.resize(start + group.len().div_ceil(3) * 4, 0);
        STANDARD
            .encode_slice(group, &mut out[start..])
            .map_err(|e| io::Error::other(format!("base64: {e}")))?;
        out.push(b'\n');
        Ok(())
    }

    fn drain(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.inner.write_all(&self.out)?;
            self.out.clear();
        }
        Ok(())
    }

    /// Writes the final line and the END line, flushes, and returns the
    /// inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            Self::encode_line(&mut self.out, &pending)?;
        }
        self.out.extend_from_slice(END.as_bytes());
        self.out.push(b'\n');
        self.drain()?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for ArmorWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut data = buf;
        if !self.pending.is_empty() {
            let take = (GROUP - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() == GROUP {
                let group = std::mem::take(&mut self.pending);
                Self::encode_line(&mut self.out, &group)?;
                self.pending = group;
                self.pending.clear();
            }
        }
        let mut groups = data.chunks_exact(GROUP);
        for group in &mut groups {
            Self::encode_line(&mut self.out, group)?;
            if self.out.len() >= FLUSH_AT {
                self.drain()?;
            }
        }
        self.pending.extend_from_slice(groups.remainder());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Begin,
    Body,
    Trailer,
    Done,
}

/// Decodes armored text, strictly, as a stream of the bytes it holds.
/// Violations are reported as `io::ErrorKind::InvalidData` errors.
pub struct ArmorReader<R: Read> {
    inner: R,
    ibuf: Vec<u8>,
    ipos: usize,
    ilen: usize,
    eof: bool,
    out: Vec<u8>,
    opos: usize,
    state: State,
    blank: usize,
    lines: u64,
    final_line_seen: bool,
}

impl<R: Read> fmt::Debug for ArmorReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmorReader")
            .field("state", &self.state)
            .field("lines", &self.lines)
            .finish_non_exhaustive()
    }
}

impl<R: Read> ArmorReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            ibuf: Vec::new(),
            ipos: 0,
            ilen: 0,
            eof: false,
            out: Vec::new(),
            opos: 0,
            state: State::Begin,
            blank: 0,
            lines: 0,
            final_line_seen: false,
        }
    }

    /// The next line without its LF or CRLF; `None` at the end of input.
    fn next_line(&mut self) -> io::Result<Option<Range<usize>>> {
        loop {
            let window = &self.ibuf[self.ipos..self.ilen];
            let scan = &window[..window.len().min(LINE_LEN + 2)];
            if let Some(p) = scan.iter().position(|b| *b == b'\n') {
                let start = self.ipos;
                let mut end = start + p;
                self.ipos = end + 1;
                if end > start && self.ibuf[end - 1] == b'\r' {
                    end -= 1;
                }
                return self.checked(start..end).map(Some);
            }
            if window.len() > LINE_LEN + 1 {
                return Err(bad(format!("line longer than {LINE_LEN} characters")));
            }
            if self.eof {
                if window.is_empty() {
                    return Ok(None);
                }
                let start = self.ipos;
                let mut end = self.ilen;
                self.ipos = self.ilen;
                if self.ibuf[end - 1] == b'\r' {
                    end -= 1;
                }
                return self.checked(start..end).map(Some);
            }
            self.read_more()?;
        }
    }

    fn checked(&self, r: Range<usize>) -> io::Result<Range<usize>> {
        if r.len() > LINE_LEN {
            return Err(bad(format!("line longer than {LINE_LEN} characters")));
        }
        if self.ibuf[r.clone()].contains(&b'\r') {
            return Err(bad("stray carriage return"));
        }
        Ok(r)
    }

    fn read_more(&mut self) -> io::Result<()> {
        if self.ibuf.is_empty() {
            self.ibuf = vec![0u8; READ_SIZE];
        }
        if self.ipos > 0 {
            self.ibuf.copy_within(self.ipos..self.ilen, 0);
            self.ilen -= self.ipos;
            self.ipos = 0;
        }
        loop {
            match self.inner.read(&mut self.ibuf[self.ilen..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.ilen += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn count_blank(&mut self, len: usize) -> io::Result<()> {
        self.blank += len + 1;
        if self.blank > MAX_BLANK {
            return Err(bad("too much blank space around the armor"));
        }
        Ok(())
    }

    fn is_blank(line: &[u8]) -> bool {
        line.iter().all(|b| matches!(b, b' ' | b'\t'))
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.opos = 0;
        while self.out.len() < OUT_BATCH && self.state != State::Done {
            match self.state {
                State::Begin => {
                    let Some(r) = self.next_line()? else {
                        return Err(bad("no BEGIN line"));
                    };
                    let line = &self.ibuf[r.clone()];
                    if line == BEGIN.as_bytes() {
                        self.state = State::Body;
                        self.blank = 0;
                    } else if Self::is_blank(line) {
                        self.count_blank(r.len())?;
                    } else {
                        return Err(bad(format!("expected the line {BEGIN}")));
                    }
                }
                State::Body => {
                    let Some(r) = self.next_line()? else {
                        return Err(bad("missing END line"));
                    };
                    let line = &self.ibuf[r];
                    if line == END.as_bytes() {
                        if self.lines == 0 {
                            return Err(bad("no data between the BEGIN and END lines"));
                        }
                        self.state = State::Trailer;
                        continue;
                    }
                    if self.final_line_seen {
                        return Err(bad("data after the final line"));
                    }
                    if line.is_empty() {
                        return Err(bad("empty line inside the armor"));
                    }
                    if !line.len().is_multiple_of(4) {
                        return Err(bad("line length is not a multiple of 4"));
                    }
                    if line.len() < LINE_LEN || line.ends_with(b"=") {
                        self.final_line_seen = true;
                    }
                    let start = self.out.len();
                    self.out.resize(start + GROUP, 0);
                    let n = STANDARD
                        .decode_slice(line, &mut self.out[start..])
                        .map_err(|e| bad(format!("invalid base64: {e}")))?;
                    self.out.truncate(start + n);
                    self.lines += 1;
                }
                State::Trailer => match self.next_line()? {
                    None => self.state = State::Done,
                    Some(r) => {
                        if !Self::is_blank(&self.ibuf[r.clone()]) {
                            return Err(bad("data after the END line"));
                        }
                        self.count_blank(r.len())?;
                    }
                },
                State::Done => {}
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for ArmorReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.opos == self.out.len() {
            if self.state == State::Done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.opos);
        buf[..n].copy_from_slice(&self.out[self.opos..self.opos + n]);
        self.opos += n;
        Ok(n)
    }
}

/// Whether `prefix` (the first bytes of an input) starts an armored block,
/// after optional blank space.
#[must_use]
pub fn looks_armored(prefix: &[u8]) -> bool {
    let start = prefix
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(prefix.len());
    let rest = &prefix[start..];
    let n = rest.len().min(BEGIN.len());
    n > 0 && rest[..n] == BEGIN.as_bytes()[..n]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn armor(data: &[u8]) -> Vec<u8> {
        let mut w = ArmorWriter::new(Vec::new());
        for part in data.chunks(37) {
            w.write_all(part).unwrap();
        }
        w.finish().unwrap()
    }

    fn dearmor(text: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        ArmorReader::new(text).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trip_sizes() {
        for len in [1usize, 2, 3, 47, 48, 49, 96, 1000, 300_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let text = armor(&data);
            let s = std::str::from_utf8(&text).unwrap();
            assert!(s.starts_with(BEGIN));
            assert!(s.ends_with(&format!("{END}\n")));
            for line in s.lines() {
                assert!(line.len() <= LINE_LEN || line == BEGIN);
            }
            assert_eq!(dearmor(&text).unwrap(), data, "len {len}");
            let crlf = s.replace('\n', "\r\n");
            assert_eq!(dearmor(crlf.as_bytes()).unwrap(), data);
            let padded = format!("\n  \n{s}\n\n");
            assert_eq!(dearmor(padded.as_bytes()).unwrap(), data);
        }
    }

    #[test]
    fn strict_decoding() {
        let data = vec![5u8; 200];
        let text = String::from_utf8(armor(&data)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let join = |ls: &[&str]| ls.join("\n") + "\n";
        let cases: Vec<String> = vec![
            String::new(),
            format!("junk\n{text}"),
            format!("{text}junk\n"),
            text.replace(END, ""),
            join(&[lines[0], lines[4]]),
            join(&[lines[0], lines[1], "", lines[2], lines[3], lines[4]]),
            join(&[lines[0], lines[3], lines[1], lines[2], lines[4]]),
            join(&[lines[0], &lines[1][..60], lines[2], lines[3], lines[4]]),
            join(&[
                lines[0],
                &format!("{}AAAA", lines[1]),
                lines[2],
                lines[3],
                lines[4],
            ]),
            join(&[
                lines[0],
                &lines[1].replace('A', "*"),
                lines[2],
                lines[3],
                lines[4],
            ]),
            text.replace(BEGIN, "-----BEGIN AGE ENCRYPTED FILE-----"),
            format!("{}{text}", " ".repeat(2000)),
            format!("{text}{}", "\n".repeat(2000)),
        ];
        for (i, c) in cases.iter().enumerate() {
            let err = dearmor(c.as_bytes()).expect_err(&format!("case {i} accepted"));
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "case {i}");
        }
    }

    #[test]
    fn non_canonical_padding_bits_rejected() {
        // "QR==" decodes to 'A' only with non-zero trailing bits.
        let text = format!("{BEGIN}\nQR==\n{END}\n");
        assert!(dearmor(text.as_bytes()).is_err());
        let ok = format!("{BEGIN}\nQQ==\n{END}\n");
        assert_eq!(dearmor(ok.as_bytes()).unwrap(), b"A");
    }

    #[test]
    fn detection() {
        assert!(looks_armored(b"  \n-----BEGIN SCS ENC"));
        assert!(!looks_armored(b"scs-sealed/v1\n"));
        assert!(!looks_armored(b"-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(!looks_armored(b"   "));
    }
}

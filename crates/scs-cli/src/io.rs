//! Inputs and outputs as DESIGN §7 wants them: `-` or nothing for stdio,
//! files written through a temporary file renamed only on success, no
//! overwriting without `--force`, no binary data on a terminal.

use std::fs::{self, File};
use std::io::{self, IsTerminal, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::exit::usage;

/// Describes an I/O error without the "(os error N)" suffix, lowercased.
pub fn describe_io(e: &io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    };
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => s,
    }
}

/// An I/O error on a named path, printed as `PATH: reason`.
#[derive(Debug)]
pub struct PathError {
    pub path: PathBuf,
    pub source: io::Error,
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), describe_io(&self.source))
    }
}

impl std::error::Error for PathError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        None
    }
}

pub fn path_err(path: &Path, source: io::Error) -> anyhow::Error {
    anyhow::Error::new(PathError {
        path: path.to_path_buf(),
        source,
    })
}

/// Whether a path argument means standard input/output.
pub fn is_stdio(p: Option<&Path>) -> bool {
    p.is_none_or(|p| p.as_os_str() == "-")
}

/// The name shown for an input.
pub fn display_name(p: Option<&Path>) -> String {
    match p {
        Some(p) if !is_stdio(Some(p)) => p.display().to_string(),
        _ => "-".to_owned(),
    }
}

/// Opens an input: a file, or stdin for `-`/none.
pub fn open_input(p: Option<&Path>) -> Result<Box<dyn Read + Send>> {
    if is_stdio(p) {
        return Ok(Box::new(io::stdin()));
    }
    let p = p.expect("not stdio");
    let f = File::open(p).map_err(|e| path_err(p, e))?;
    if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(path_err(p, io::Error::other("is a directory")));
    }
    Ok(Box::new(f))
}

/// Inputs at least this large show a progress bar when stderr is a terminal.
const PROGRESS_MIN: u64 = 64 << 20;

/// Opens an input like [`open_input`], with a progress bar on stderr for
/// large files when stderr is a terminal (never in pipelines or scripts).
pub fn open_input_progress(p: Option<&Path>, verb: &str) -> Result<Box<dyn Read + Send>> {
    let input = open_input(p)?;
    let len = match p {
        Some(path) if !is_stdio(Some(path)) => fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        _ => 0,
    };
    if len < PROGRESS_MIN || !io::stderr().is_terminal() {
        return Ok(input);
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(format!("{verb} {}", display_name(p)));
    Ok(Box::new(Finishing(bar.wrap_read(input))))
}

/// Clears the progress bar when the reader is done with.
struct Finishing<R: Read>(indicatif::ProgressBarIter<R>);

impl<R: Read> Read for Finishing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Drop for Finishing<R> {
    fn drop(&mut self) {
        self.0.progress.finish_and_clear();
    }
}

/// Reads a whole small input (keys, signatures), bounded.
pub fn read_small(p: Option<&Path>, limit: u64) -> Result<Vec<u8>> {
    let name = display_name(p);
    let mut buf = Vec::new();
    open_input(p)?
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| anyhow::anyhow!("{name}: {}", describe_io(&e)))?;
    if buf.len() as u64 > limit {
        return Err(usage(format!("{name}: larger than {limit} bytes")).into());
    }
    Ok(buf)
}

/// What an output carries, for the terminal and permission checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text safe to print.
    Text,
    /// Binary data: refused on a terminal.
    Binary,
    /// Secret material (decrypted data, private keys): files are 0600.
    Secret { binary: bool },
}

/// Temporary files being written, removed if the program is interrupted
/// (Ctrl-C, SIGTERM) so that no partial output is left behind.
static PARTIAL: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Installs, on the first file output, the handler that removes partial
/// outputs on SIGINT/SIGTERM/SIGHUP and exits with 130. Commands that write
/// no file (the server, chat) keep their own signal handling.
fn remove_partial_files_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if let Ok(list) = PARTIAL.lock() {
            for p in list.iter() {
                let _ = fs::remove_file(p);
            }
        }
        std::process::exit(130);
    });
}

fn track(path: &Path) {
    static HANDLER: std::sync::Once = std::sync::Once::new();
    HANDLER.call_once(remove_partial_files_on_interrupt);
    if let Ok(mut list) = PARTIAL.lock() {
        list.push(path.to_path_buf());
    }
}

fn untrack(path: &Path) {
    if let Ok(mut list) = PARTIAL.lock() {
        list.retain(|p| p != path);
    }
}

/// An output that is either stdout or a file that appears only on `finish`.
pub struct Output {
    inner: Sink,
}

enum Sink {
    Stdout(io::BufWriter<io::Stdout>),
    /// A device or FIFO (`/dev/null`, a pipe): written in place, never
    /// replaced.
    Special(io::BufWriter<File>),
    File {
        tmp: tempfile::NamedTempFile,
        writer: io::BufWriter<File>,
        target: PathBuf,
        force: bool,
        mode: u32,
        /// Keeps the temporary file on the interrupt list while it exists.
        _guard: Untrack,
    },
}

impl Output {
    /// Opens `path` (or stdout for `-`/none) for writing.
    pub fn create(path: Option<&Path>, force: bool, kind: Kind) -> Result<Output> {
        let binary = matches!(kind, Kind::Binary | Kind::Secret { binary: true });
        if is_stdio(path) {
            if binary && io::stdout().is_terminal() {
                return Err(usage("refusing to write binary data to a terminal")
                    .hint("use -o FILE, redirect the output, or -a for text armor")
                    .into());
            }
            return Ok(Output {
                inner: Sink::Stdout(io::BufWriter::with_capacity(1 << 20, io::stdout())),
            });
        }
        let target = path.expect("not stdio").to_path_buf();
        if let Ok(meta) = fs::metadata(&target)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let f = fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| path_err(&target, e))?;
            return Ok(Output {
                inner: Sink::Special(io::BufWriter::with_capacity(1 << 20, f)),
            });
        }
        if !force && fs::symlink_metadata(&target).is_ok() {
            return Err(usage(format!("{}: already exists", target.display()))
                .hint("pass --force to overwrite it")
                .into());
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".scs-partial-")
            .tempfile_in(&dir)
            .map_err(|e| path_err(&dir, e))?;
        let mode = match kind {
            Kind::Secret { .. } => 0o600,
            _ => 0o644,
        };
        let writer = io::BufWriter::with_capacity(
            1 << 20,
            tmp.as_file().try_clone().map_err(|e| path_err(&dir, e))?,
        );
        track(tmp.path());
        let guard = Untrack(tmp.path().to_path_buf());
        Ok(Output {
            inner: Sink::File {
                tmp,
                writer,
                target,
                force,
                mode,
                _guard: guard,
            },
        })
    }

    /// Flushes; for a file, syncs and renames it into place.
    pub fn finish(self) -> Result<()> {
        match self.inner {
            Sink::Stdout(mut w) => w.flush().context("writing to standard output"),
            Sink::Special(mut w) => w.flush().context("writing output"),
            Sink::File {
                tmp,
                mut writer,
                target,
                force,
                mode,
                _guard,
            } => {
                writer.flush().map_err(|e| path_err(&target, e))?;
                drop(writer);
                let f = tmp.as_file();
                f.set_permissions(fs::Permissions::from_mode(mode))
                    .map_err(|e| path_err(&target, e))?;
                f.sync_all().map_err(|e| path_err(&target, e))?;
                if force {
                    tmp.persist(&target)
                        .map_err(|e| path_err(&target, e.error))?;
                } else {
                    tmp.persist_noclobber(&target)
                        .map_err(|e| path_err(&target, e.error))?;
                }
                Ok(())
            }
        }
    }
}

/// Forgets a partial file once its output is renamed into place or dropped
/// (the temporary file then removes itself).
struct Untrack(PathBuf);

impl Drop for Untrack {
    fn drop(&mut self) {
        untrack(&self.0);
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Sink::Stdout(w) => w.write(buf),
            Sink::Special(w) => w.write(buf),
            Sink::File { writer, .. } => writer.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.inner {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::Special(w) => w.write_all(buf),
            Sink::File { writer, .. } => writer.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Sink::Stdout(w) => w.flush(),
            Sink::Special(w) => w.flush(),
            Sink::File { writer, .. } => writer.flush(),
        }
    }
}

/// Writes `bytes` to `path` (or stdout) with the full output discipline.
pub fn write_output(path: Option<&Path>, force: bool, kind: Kind, bytes: &[u8]) -> Result<()> {
    let mut out = Output::create(path, force, kind)?;
    out.write_all(bytes).context("writing output")?;
    out.finish()
}

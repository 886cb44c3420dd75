//! File-system helpers shared by the keystore, the CA and the server:
//! private directories and atomic, durable writes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// An I/O failure and the path it concerns; each crate turns it into its
/// own error type.
#[derive(Debug)]
pub struct IoAt {
    pub path: PathBuf,
    pub source: io::Error,
}

type Result<T> = core::result::Result<T, IoAt>;

fn at(path: &Path) -> impl FnOnce(io::Error) -> IoAt + '_ {
    move |source| IoAt {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `dir` (and parents) with mode 0700 if missing, and tightens an
/// existing one to 0700.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() && m.permissions().mode() & 0o777 == 0o700 => return Ok(()),
        Ok(_) => {}
        Err(_) => {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(at(dir))?;
        }
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(at(dir))
}

/// Writes a new file with `mode`, refusing to replace an existing one.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(at(path))?;
    f.write_all(bytes).map_err(at(path))?;
    f.sync_all().map_err(at(path))
}

/// Replaces `path` atomically: a temporary file in the same directory is
/// written, flushed to disk and renamed over the target; the directory is
/// then synced. A crash leaves either the old or the new content.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(at(dir))?;
    tmp.write_all(bytes).map_err(at(path))?;
    tmp.as_file().sync_all().map_err(at(path))?;
    tmp.persist(path).map_err(|e| IoAt {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    sync_dir(dir)
}

/// Flushes a directory's entries to disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(at(dir))
}

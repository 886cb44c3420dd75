//! Files of the data directory. Private directories and atomic writes come
//! from the shared `scs_keystore::fsutil`.

use std::fs;
use std::path::Path;

use crate::{Error, Result};

/// Creates `dir` (and its parents) with mode 0700 when missing; tightens an
/// existing one to 0700.
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    Ok(scs_keystore::fsutil::ensure_private_dir(dir)?)
}

/// Writes `bytes` to `path` atomically and durably, mode 0600.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    Ok(scs_keystore::fsutil::write_atomic(path, bytes, 0o600)?)
}

/// Creates an empty file with mode 0600 if it does not exist.
pub(crate) fn touch_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|e| Error::io(path, e))
}

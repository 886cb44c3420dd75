//! The CA directory on disk: file names, permissions, the lock, atomic
//! writes and the records store.
//!
//! ```text
//! DIR/                 0700
//!   ca.json            what this CA is (written last by init: its presence
//!                      marks a complete CA)
//!   root.crt           root certificate, PEM
//!   root.key           root private key, encrypted PKCS#8 PEM, 0600
//!   intermediate.crt   issuing intermediate certificate (optional)
//!   intermediate.key   its key, encrypted with the same passphrase, 0600
//!   records.json       issued certificates and the CRL number
//!   .lock              advisory lock (flock): shared for readers,
//!                      exclusive for writers
//! ```
//!
//! Every write goes to a temporary file in `DIR`, is flushed with `fsync`,
//! renamed over the target and followed by an `fsync` of `DIR`, so a crash
//! leaves either the old or the new file, never a mix.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::profile::Profile;
use crate::reason::RevocationReason;
use crate::san::San;
use crate::{Error, Result};

pub(crate) const META: &str = "ca.json";
pub(crate) const ROOT_CERT: &str = "root.crt";
pub(crate) const ROOT_KEY: &str = "root.key";
pub(crate) const INTER_CERT: &str = "intermediate.crt";
pub(crate) const INTER_KEY: &str = "intermediate.key";
pub(crate) const RECORDS: &str = "records.json";
const LOCK: &str = ".lock";

/// Format marker in `ca.json`.
pub(crate) const FORMAT: &str = "scs-ca";
pub(crate) const VERSION: u32 = 1;

/// Largest `records.json` read back (about 100,000 certificates).
pub const MAX_RECORDS_FILE: u64 = 512 << 20;
/// Largest other file in the CA directory.
const MAX_SMALL_FILE: u64 = 1 << 20;

/// `ca.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Meta {
    pub format: String,
    pub version: u32,
    pub name: String,
    pub key_kind: String,
    pub intermediate: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}

/// Whether a certificate has been revoked. Expiry is not stored: compare
/// [`Record::not_after`] with the time of interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Valid,
    Revoked,
}

/// One issued certificate, as kept in `records.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// Upper-case hex, as `openssl x509 -serial` prints it.
    pub serial: String,
    /// The subject common name.
    pub subject: String,
    pub sans: Vec<San>,
    pub profile: Profile,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    pub status: Status,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub revocation_reason: Option<RevocationReason>,
    /// SHA-256 of the certificate DER, lower-case hex.
    pub fingerprint: String,
    /// e.g. `RSA-3072`, `Ed25519`.
    pub key_algorithm: String,
    /// The certificate, PEM.
    pub pem: String,
}

impl Record {
    /// `valid`, `revoked` or `expired` at `at` (revocation wins).
    #[must_use]
    pub fn status_at(&self, at: OffsetDateTime) -> &'static str {
        match self.status {
            Status::Revoked => "revoked",
            Status::Valid if at > self.not_after => "expired",
            Status::Valid => "valid",
        }
    }
}

/// `records.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Records {
    pub version: u32,
    /// Number of the last CRL produced (0: none yet).
    pub crl_number: u64,
    pub certificates: Vec<Record>,
}

/// A held lock on the CA directory; released on drop.
#[derive(Debug)]
pub(crate) struct DirLock {
    file: File,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = FileExt::unlock(&self.file);
    }
}

impl DirLock {
    fn open(dir: &Path) -> Result<File> {
        let path = dir.join(LOCK);
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        set_private_mode(&mut opts);
        opts.open(&path).map_err(|e| Error::io(&path, e))
    }

    /// Shared lock, for reading.
    pub(crate) fn shared(dir: &Path) -> Result<Self> {
        let file = Self::open(dir)?;
        FileExt::lock_shared(&file).map_err(|e| Error::io(dir.join(LOCK), e))?;
        Ok(Self { file })
    }

    /// Exclusive lock, for a read-modify-write cycle.
    pub(crate) fn exclusive(dir: &Path) -> Result<Self> {
        let file = Self::open(dir)?;
        FileExt::lock_exclusive(&file).map_err(|e| Error::io(dir.join(LOCK), e))?;
        Ok(Self { file })
    }
}

#[cfg(unix)]
fn set_private_mode(opts: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    opts.mode(0o600);
}

#[cfg(not(unix))]
fn set_private_mode(_opts: &mut OpenOptions) {}

/// Creates `dir` (mode 0700) or accepts an existing empty directory.
pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::AlreadyExists(dir.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut b = fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(dir).map_err(|e| Error::io(dir, e))?;
        }
        Err(e) => return Err(Error::io(dir, e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// Writes `name` in `dir` atomically (mode 0600): a crash leaves the old
/// or the new content.
pub(crate) fn write_atomic(dir: &Path, name: &str, data: &[u8]) -> Result<()> {
    Ok(scs_keystore::fsutil::write_atomic(
        &dir.join(name),
        data,
        0o600,
    )?)
}

/// Reads a file of the CA directory with a size bound.
pub(crate) fn read_file(dir: &Path, name: &str, limit: Option<u64>) -> Result<Vec<u8>> {
    use std::io::Read;
    let path: PathBuf = dir.join(name);
    let limit = limit.unwrap_or(MAX_SMALL_FILE);
    let f = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let mut buf = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(&path, e))?;
    if buf.len() as u64 > limit {
        return Err(Error::Corrupt(format!(
            "{name} is larger than {limit} bytes"
        )));
    }
    Ok(buf)
}

pub(crate) fn read_records(dir: &Path) -> Result<Records> {
    let bytes = read_file(dir, RECORDS, Some(MAX_RECORDS_FILE))?;
    let records: Records =
        serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt(format!("{RECORDS}: {e}")))?;
    if records.version != VERSION {
        return Err(Error::Corrupt(format!(
            "{RECORDS}: version {} (this scs reads version {VERSION})",
            records.version
        )));
    }
    Ok(records)
}

pub(crate) fn write_records(dir: &Path, records: &Records) -> Result<()> {
    let mut json = serde_json::to_vec_pretty(records)
        .map_err(|e| Error::Corrupt(format!("{RECORDS}: {e}")))?;
    json.push(b'\n');
    write_atomic(dir, RECORDS, &json)
}

pub(crate) fn read_meta(dir: &Path) -> Result<Meta> {
    let bytes = match read_file(dir, META, None) {
        Ok(b) => b,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotACa {
                path: dir.to_path_buf(),
                reason: format!("not a CA directory (no {META}; run `scs ca init`)"),
            });
        }
        Err(e) => return Err(e),
    };
    let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| Error::NotACa {
        path: dir.to_path_buf(),
        reason: format!("{META} does not parse: {e}"),
    })?;
    if meta.format != FORMAT || meta.version != VERSION {
        return Err(Error::NotACa {
            path: dir.to_path_buf(),
            reason: format!(
                "{META} describes format {} version {} (this scs reads {FORMAT} version {VERSION})",
                meta.format, meta.version
            ),
        });
    }
    Ok(meta)
}

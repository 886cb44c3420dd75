//! Contacts: the keys of other people, pinned on first use (like SSH's
//! `known_hosts`). A later change is refused until the person re-verifies.
//!
//! ```text
//! $SCS_HOME/contacts/SCOPE/NAME.toml     one per contact; SCOPE is a server profile
//! ```

use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::fsutil::{ensure_private_dir, write_atomic};
use crate::{Error, Result, validate_name};

/// A pinned contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(skip)]
    pub name: String,
    /// SHA-256 of the contact's SubjectPublicKeyInfo (hex).
    pub key_fingerprint: String,
    /// The contact's certificate when it was pinned (PEM).
    pub certificate_pem: String,
    /// Unix time of pinning.
    pub pinned_at: i64,
    /// Whether the person confirmed the key out of band (`contacts verify`).
    pub verified: bool,
}

/// What [`Contacts::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PinStatus {
    /// First contact: the key is now pinned.
    NewlyPinned,
    /// The key is the pinned one.
    Matches { verified: bool },
    /// The key differs from the pinned one: refuse until re-verified.
    Changed { pinned_fingerprint: String },
}

/// The contacts of one scope (a server profile).
#[derive(Debug, Clone)]
pub struct Contacts {
    dir: PathBuf,
}

impl Contacts {
    /// Opens (creating) `$home/contacts/<scope>`.
    pub fn open(home: &std::path::Path, scope: &str) -> Result<Self> {
        validate_name(scope)?;
        let base = home.join("contacts");
        ensure_private_dir(home)?;
        ensure_private_dir(&base)?;
        let dir = base.join(scope);
        ensure_private_dir(&dir)?;
        Ok(Self { dir })
    }

    fn path(&self, name: &str) -> Result<PathBuf> {
        validate_name(name)?;
        Ok(self.dir.join(format!("{name}.toml")))
    }

    pub fn get(&self, name: &str) -> Result<Option<Contact>> {
        let p = self.path(name)?;
        match fs::read_to_string(&p) {
            Ok(t) => {
                let mut c: Contact = toml::from_str(&t).map_err(|e| Error::Corrupt {
                    path: p.clone(),
                    detail: e.message().to_owned(),
                })?;
                c.name = name.to_owned();
                Ok(Some(c))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&p, e)),
        }
    }

    /// Pins (or re-pins) a contact's key.
    pub fn pin(&self, contact: &Contact) -> Result<()> {
        let text = toml::to_string(contact).map_err(|e| Error::Corrupt {
            path: self.dir.clone(),
            detail: e.to_string(),
        })?;
        Ok(write_atomic(
            &self.path(&contact.name)?,
            text.as_bytes(),
            0o600,
        )?)
    }

    /// Compares a key just fetched with the pin, pinning it on first use.
    pub fn check(
        &self,
        name: &str,
        key_fingerprint: &str,
        certificate_pem: &str,
        now: i64,
    ) -> Result<PinStatus> {
        match self.get(name)? {
            None => {
                self.pin(&Contact {
                    name: name.to_owned(),
                    key_fingerprint: key_fingerprint.to_owned(),
                    certificate_pem: certificate_pem.to_owned(),
                    pinned_at: now,
                    verified: false,
                })?;
                Ok(PinStatus::NewlyPinned)
            }
            Some(c) if c.key_fingerprint == key_fingerprint => Ok(PinStatus::Matches {
                verified: c.verified,
            }),
            Some(c) => Ok(PinStatus::Changed {
                pinned_fingerprint: c.key_fingerprint,
            }),
        }
    }

    /// Every contact, sorted by name.
    pub fn list(&self) -> Result<Vec<Contact>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))? {
            let entry = entry.map_err(|e| Error::io(&self.dir, e))?;
            let file = entry.file_name();
            let Some(name) = file.to_str().and_then(|n| n.strip_suffix(".toml")) else {
                continue;
            };
            if validate_name(name).is_err() {
                continue;
            }
            if let Some(c) = self.get(name)? {
                out.push(c);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

/// A number two people can read to each other to check that each holds the
/// other's real key: 60 decimal digits in 12 groups, derived from both key
/// fingerprints (order-independent), like Signal's safety numbers.
#[must_use]
pub fn safety_number(fingerprint_a: &str, fingerprint_b: &str) -> String {
    let (lo, hi) = if fingerprint_a <= fingerprint_b {
        (fingerprint_a, fingerprint_b)
    } else {
        (fingerprint_b, fingerprint_a)
    };
    let digest = scs_crypto::hash::sha256(format!("scs safety number v1\n{lo}\n{hi}\n").as_bytes());
    let more = scs_crypto::hash::sha256(&digest);
    let bytes: Vec<u8> = digest.iter().chain(more.iter()).copied().collect();
    // Each group: 5 bytes as a big-endian integer modulo 100000.
    bytes
        .chunks(5)
        .take(12)
        .map(|c| {
            let v = c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            format!("{:05}", v % 100_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_on_first_use_then_refuse_changes() {
        let d = tempfile::tempdir().unwrap();
        let c = Contacts::open(d.path(), "srv-8443").unwrap();
        assert_eq!(
            c.check("bob", "aa", "PEM", 1).unwrap(),
            PinStatus::NewlyPinned
        );
        assert_eq!(
            c.check("bob", "aa", "PEM", 2).unwrap(),
            PinStatus::Matches { verified: false }
        );
        assert_eq!(
            c.check("bob", "bb", "PEM2", 3).unwrap(),
            PinStatus::Changed {
                pinned_fingerprint: "aa".into()
            }
        );
        assert_eq!(c.list().unwrap().len(), 1);
        assert!(c.check("../x", "aa", "PEM", 1).is_err());
    }

    #[test]
    fn safety_numbers_are_symmetric() {
        let a = safety_number("01", "02");
        assert_eq!(a, safety_number("02", "01"));
        assert_eq!(a.split(' ').count(), 12);
        assert_ne!(a, safety_number("01", "03"));
    }
}

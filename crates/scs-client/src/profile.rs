//! Saved servers and sessions.
//!
//! ```text
//! $SCS_HOME/profiles/            0700
//!   current                      name of the profile used by default
//!   HOST-PORT/                   0700, one per server
//!     profile.toml               URL, pinned CA fingerprint, username, key name
//!     ca.pem                     the pinned CA certificate
//!     session.toml               0600: the session token and its expiry
//!     ca-chain.pem               the CA chain the server publishes
//!     ledger                     message ids read or deleted here
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use reqwest::Url;
use scs_keystore::fsutil::{ensure_private_dir, write_atomic};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// A saved server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Profile {
    /// Directory name of the profile (`HOST-PORT`).
    #[serde(skip)]
    pub name: String,
    /// Base URL, `https://HOST:PORT`.
    pub url: String,
    /// SHA-256 of the pinned CA certificate (hex).
    pub ca_fingerprint: String,
    /// The account registered or last logged in from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Keystore name of that account's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
}

/// What the client remembers of a message id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Seen {
    /// Never read here.
    New,
    /// Read before (reading again is fine).
    Before,
    /// Deleted before: delivering it again is a resurrection.
    Deleted,
}

/// A session saved between invocations. The token is wiped from memory
/// when the value drops.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredSession {
    pub username: String,
    pub token: Zeroizing<String>,
    pub expires_at: i64,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("username", &self.username)
            .field("token", &"[secret elided]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl StoredSession {
    #[must_use]
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }
}

/// Normalises a server address to `https://host:port` (default port 8443).
pub fn normalize_url(input: &str) -> Result<Url> {
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|_| Error::BadUrl(input.to_owned()))?;
    if url.scheme() != "https" || url.host_str().is_none() || !url.username().is_empty() {
        return Err(Error::BadUrl(input.to_owned()));
    }
    if url.port().is_none() {
        let _ = url.set_port(Some(8443));
    }
    url.set_path("");
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// The profile name for a URL: `host-port`, in `[a-z0-9.-]`.
#[must_use]
pub fn slug(url: &Url) -> String {
    let host = url.host_str().unwrap_or("server");
    let port = url.port_or_known_default().unwrap_or(443);
    format!("{host}-{port}")
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The profiles directory of a home.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
}

impl ProfileStore {
    pub fn open(home: &Path) -> Result<Self> {
        let dir = home.join("profiles");
        ensure_private_dir(home)?;
        ensure_private_dir(&dir)?;
        Ok(Self { dir })
    }

    fn pdir(&self, name: &str) -> Result<PathBuf> {
        scs_keystore::validate_name(name)
            .map_err(|_| Error::State(format!("invalid profile name '{name}'")))?;
        Ok(self.dir.join(name))
    }

    /// Saves a profile and its pinned CA; makes it current.
    pub fn save(&self, profile: &Profile, ca_pem: &str) -> Result<()> {
        let d = self.pdir(&profile.name)?;
        ensure_private_dir(&d)?;
        write_atomic(&d.join("ca.pem"), ca_pem.as_bytes(), 0o644)?;
        self.update(profile)?;
        self.set_current(&profile.name)
    }

    /// Rewrites `profile.toml`.
    pub fn update(&self, profile: &Profile) -> Result<()> {
        let d = self.pdir(&profile.name)?;
        let text = toml::to_string(profile).map_err(|e| Error::Protocol(e.to_string()))?;
        write_atomic(&d.join("profile.toml"), text.as_bytes(), 0o644)?;
        Ok(())
    }

    pub fn set_current(&self, name: &str) -> Result<()> {
        self.pdir(name)?;
        write_atomic(
            &self.dir.join("current"),
            format!("{name}\n").as_bytes(),
            0o644,
        )?;
        Ok(())
    }

    pub fn load(&self, name: &str) -> Result<Profile> {
        let p = self.pdir(name)?.join("profile.toml");
        let text = match fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::State(format!(
                    "no server profile '{name}'; run `scs connect URL` first"
                )));
            }
            Err(e) => return Err(Error::io(&p, e)),
        };
        let mut prof: Profile = toml::from_str(&text).map_err(|e| Error::Corrupt {
            path: p.clone(),
            detail: e.message().to_owned(),
        })?;
        prof.name = name.to_owned();
        Ok(prof)
    }

    /// The profile named, or the current one.
    pub fn resolve(&self, name: Option<&str>) -> Result<Profile> {
        if let Some(n) = name {
            return self.load(n);
        }
        let cur = self.dir.join("current");
        match fs::read_to_string(&cur) {
            Ok(n) => self.load(n.trim()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::State(
                "no server yet; run `scs connect URL` first".into(),
            )),
            Err(e) => Err(Error::io(&cur, e)),
        }
    }

    /// The pinned CA certificate (DER).
    pub fn ca_der(&self, profile: &Profile) -> Result<Vec<u8>> {
        let p = self.pdir(&profile.name)?.join("ca.pem");
        let bytes = fs::read(&p).map_err(|e| Error::io(&p, e))?;
        let der = scs_pki::parse_certificate(&bytes)?;
        if crate::cert_fingerprint(&der) != profile.ca_fingerprint {
            return Err(Error::Corrupt {
                path: p,
                detail: "the pinned CA does not match the fingerprint in profile.toml".into(),
            });
        }
        Ok(der)
    }

    pub fn save_session(&self, profile: &Profile, s: &StoredSession) -> Result<()> {
        let text = Zeroizing::new(toml::to_string(s).map_err(|e| Error::Protocol(e.to_string()))?);
        write_atomic(
            &self.pdir(&profile.name)?.join("session.toml"),
            text.as_bytes(),
            0o600,
        )?;
        Ok(())
    }

    pub fn load_session(&self, profile: &Profile) -> Result<Option<StoredSession>> {
        let p = self.pdir(&profile.name)?.join("session.toml");
        match fs::read_to_string(&p) {
            Ok(t) => {
                let t = Zeroizing::new(t);
                toml::from_str(&t).map(Some).map_err(|e| Error::Corrupt {
                    path: p.clone(),
                    detail: e.message().to_owned(),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&p, e)),
        }
    }

    /// What this client remembers of message `id` (`read` records it):
    /// [`Seen::Deleted`] means the person deleted it before, so a server
    /// delivering it again is resurrecting it.
    pub fn record_seen(&self, profile: &Profile, id: &str) -> Result<Seen> {
        let state = self.ledger_state(profile, id)?;
        if state == Seen::New {
            self.ledger_append(profile, id, "seen")?;
        }
        Ok(state)
    }

    /// Records that message `id` was deleted from the mailbox.
    pub fn record_deleted(&self, profile: &Profile, id: &str) -> Result<()> {
        self.ledger_append(profile, id, "deleted")
    }

    fn ledger_state(&self, profile: &Profile, id: &str) -> Result<Seen> {
        let p = self.pdir(&profile.name)?.join("ledger");
        let text = match fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Seen::New),
            Err(e) => return Err(Error::io(&p, e)),
        };
        let mut state = Seen::New;
        for line in text.lines() {
            match line.split_once(' ') {
                Some((i, "deleted")) if i == id => return Ok(Seen::Deleted),
                Some((i, "seen")) if i == id => state = Seen::Before,
                _ => {}
            }
        }
        Ok(state)
    }

    fn ledger_append(&self, profile: &Profile, id: &str, what: &str) -> Result<()> {
        let p = self.pdir(&profile.name)?.join("ledger");
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .map_err(|e| Error::io(&p, e))?;
        std::io::Write::write_all(&mut f, format!("{id} {what}\n").as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(|e| Error::io(&p, e))
    }

    /// The CA chain the server published at connection time, if saved.
    pub fn ca_chain(&self, profile: &Profile) -> Result<Option<Vec<Vec<u8>>>> {
        let p = self.pdir(&profile.name)?.join("ca-chain.pem");
        match fs::read(&p) {
            Ok(b) => Ok(Some(scs_pki::parse_certificates(&b)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&p, e)),
        }
    }

    /// Saves the server's CA chain (verified by the caller against the pin).
    pub fn save_ca_chain(&self, profile: &Profile, pem: &str) -> Result<()> {
        write_atomic(
            &self.pdir(&profile.name)?.join("ca-chain.pem"),
            pem.as_bytes(),
            0o644,
        )?;
        Ok(())
    }

    pub fn clear_session(&self, profile: &Profile) -> Result<()> {
        let p = self.pdir(&profile.name)?.join("session.toml");
        match fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(&p, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = normalize_url("localhost").unwrap();
        assert_eq!(u.as_str(), "https://localhost:8443/");
        assert_eq!(slug(&u), "localhost-8443");
        let u = normalize_url("https://127.0.0.1:9000/x?y").unwrap();
        assert_eq!(u.as_str(), "https://127.0.0.1:9000/");
        assert!(normalize_url("http://example.com").is_err());
        assert!(normalize_url("https://user@host").is_err());
    }
}

//! Certificate profiles: what a leaf certificate may name and which
//! extensions it carries.
//!
//! | profile | names | KeyUsage | ExtendedKeyUsage |
//! |---|---|---|---|
//! | `server` | ≥ 1 `dns:`/`ip:` SAN (wildcards allowed) | digitalSignature (+ keyEncipherment for RSA) | serverAuth |
//! | `client` | CN a user name; `email:` SANs only | digitalSignature | clientAuth |
//! | `user` | CN a user name; `email:` SANs only | digitalSignature, contentCommitment (+ keyEncipherment for RSA) | clientAuth, emailProtection |
//!
//! Every leaf has BasicConstraints `CA:FALSE` (critical), KeyUsage
//! (critical), SubjectKeyIdentifier and AuthorityKeyIdentifier.

use core::fmt;
use core::str::FromStr;

use rcgen::{ExtendedKeyUsagePurpose, KeyUsagePurpose};
use serde::{Deserialize, Serialize};

use crate::san::{San, check_dns, check_username};
use crate::{Error, Result};

/// Most subject alternative names one certificate may carry.
pub const MAX_SANS: usize = 100;
/// Longest common name (X.520 `ub-common-name`).
pub const MAX_CN: usize = 64;

/// What a leaf certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// A TLS server.
    Server,
    /// A TLS client (a user logging in with a certificate).
    Client,
    /// A person: TLS client authentication and e-mail protection.
    User,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Server, Profile::Client, Profile::User];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Profile::Server => "server",
            Profile::Client => "client",
            Profile::User => "user",
        }
    }

    /// Checks the requested subject against this profile and returns the
    /// SANs to issue. A server request without SANs gets its CN as the only
    /// SAN when the CN is a DNS name or an IP address.
    pub fn check_names(self, cn: &str, sans: &[San]) -> Result<Vec<San>> {
        check_cn(cn)?;
        if sans.len() > MAX_SANS {
            return Err(Error::TooLarge {
                what: "number of subject alternative names",
                limit: MAX_SANS,
            });
        }
        let mut out: Vec<San> = Vec::with_capacity(sans.len());
        for san in sans {
            if !out.contains(san) {
                out.push(san.clone());
            }
        }
        match self {
            Profile::Server => {
                if let Some(e) = out.iter().find(|s| matches!(s, San::Email(_))) {
                    return Err(Error::Policy(format!(
                        "a server certificate names hosts, not e-mail addresses ({e})"
                    )));
                }
                if out.is_empty() {
                    if let Ok(ip) = cn.parse() {
                        out.push(San::Ip(ip));
                    } else if check_dns(&cn.to_ascii_lowercase(), true).is_ok() {
                        out.push(San::Dns(cn.to_ascii_lowercase()));
                    } else {
                        return Err(Error::Policy(format!(
                            "a server certificate needs at least one dns: or ip: name, and the common name '{}' is neither",
                            printable(cn)
                        )));
                    }
                }
            }
            Profile::Client | Profile::User => {
                check_username(cn).map_err(|r| Error::invalid("user name (common name)", cn, r))?;
                if let Some(s) = out.iter().find(|s| !matches!(s, San::Email(_))) {
                    return Err(Error::Policy(format!(
                        "a {} certificate names a person: only email: names are allowed ({s})",
                        self.name()
                    )));
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn key_usages(self, rsa: bool) -> Vec<KeyUsagePurpose> {
        let mut ku = vec![KeyUsagePurpose::DigitalSignature];
        if self == Profile::User {
            ku.push(KeyUsagePurpose::ContentCommitment);
        }
        if rsa && self != Profile::Client {
            ku.push(KeyUsagePurpose::KeyEncipherment);
        }
        ku
    }

    pub(crate) fn extended_key_usages(self) -> Vec<ExtendedKeyUsagePurpose> {
        match self {
            Profile::Server => vec![ExtendedKeyUsagePurpose::ServerAuth],
            Profile::Client => vec![ExtendedKeyUsagePurpose::ClientAuth],
            Profile::User => vec![
                ExtendedKeyUsagePurpose::ClientAuth,
                ExtendedKeyUsagePurpose::EmailProtection,
            ],
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::invalid("profile", s, "expected server, client or user"))
    }
}

/// A common name: 1 to 64 characters, no control characters.
pub(crate) fn check_cn(cn: &str) -> Result<()> {
    let n = cn.chars().count();
    if n == 0 || n > MAX_CN {
        return Err(Error::invalid(
            "common name",
            cn,
            format!("must be 1 to {MAX_CN} characters"),
        ));
    }
    if cn.chars().any(char::is_control) {
        return Err(Error::invalid(
            "common name",
            cn,
            "control characters are not allowed",
        ));
    }
    if cn.trim() != cn {
        return Err(Error::invalid(
            "common name",
            cn,
            "leading or trailing spaces are not allowed",
        ));
    }
    Ok(())
}

fn printable(s: &str) -> String {
    s.chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sans(list: &[&str]) -> Vec<San> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn server_names() {
        let out = Profile::Server.check_names("www.example.com", &[]).unwrap();
        assert_eq!(out, sans(&["dns:www.example.com"]));
        let out = Profile::Server.check_names("10.0.0.1", &[]).unwrap();
        assert_eq!(out, sans(&["ip:10.0.0.1"]));
        let out = Profile::Server
            .check_names("My Server", &sans(&["dns:a.example", "dns:a.example"]))
            .unwrap();
        assert_eq!(out, sans(&["dns:a.example"]));
        assert!(Profile::Server.check_names("My Server", &[]).is_err());
        assert!(
            Profile::Server
                .check_names("x", &sans(&["email:a@b.example"]))
                .is_err()
        );
        Profile::Server
            .check_names("x", &sans(&["dns:*.example.com"]))
            .unwrap();
    }

    #[test]
    fn client_and_user_names() {
        for p in [Profile::Client, Profile::User] {
            p.check_names("alice", &sans(&["email:alice@example.org"]))
                .unwrap();
            assert!(p.check_names("Alice Smith", &[]).is_err());
            assert!(p.check_names("alice", &sans(&["dns:a.example"])).is_err());
            assert!(p.check_names("alice", &sans(&["ip:1.2.3.4"])).is_err());
        }
    }

    #[test]
    fn limits() {
        assert!(Profile::Server.check_names("", &[]).is_err());
        assert!(Profile::Server.check_names(&"a".repeat(65), &[]).is_err());
        assert!(Profile::Server.check_names("a\nb", &[]).is_err());
        let many: Vec<San> = (0..=MAX_SANS)
            .map(|i| San::Dns(format!("h{i}.example")))
            .collect();
        assert!(Profile::Server.check_names("x", &many).is_err());
    }

    #[test]
    fn profile_names() {
        assert_eq!("SERVER".parse::<Profile>().unwrap(), Profile::Server);
        assert!("ca".parse::<Profile>().is_err());
    }
}

//! Subject alternative names as people type them: `dns:NAME`, `ip:ADDR`,
//! `email:ADDR`.
//!
//! Parsing validates each kind strictly (RFC 1034 preferred name syntax for
//! DNS names, `std::net` for addresses, a conservative RFC 5321 subset for
//! e-mail addresses) and normalises DNS names and e-mail domains to lower
//! case, so that what is issued compares equal to what was asked for.

use core::fmt;
use core::str::FromStr;
use std::net::IpAddr;

use serde::{Serialize, Serializer};

use crate::{Error, Result};

/// Longest DNS name (RFC 1035: 255 octets on the wire, 253 in text).
pub const MAX_DNS_NAME: usize = 253;
/// Longest e-mail address (RFC 5321 path limit less the brackets).
pub const MAX_EMAIL: usize = 254;

/// One subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum San {
    /// A DNS host name, lower case; a leading `*.` label is a wildcard.
    Dns(String),
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// An e-mail address (rfc822Name), domain in lower case.
    Email(String),
}

impl San {
    /// The prefix used in text form: `dns`, `ip` or `email`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            San::Dns(_) => "dns",
            San::Ip(_) => "ip",
            San::Email(_) => "email",
        }
    }

    /// The value without its prefix.
    #[must_use]
    pub fn value(&self) -> String {
        match self {
            San::Dns(d) | San::Email(d) => d.clone(),
            San::Ip(ip) => ip.to_string(),
        }
    }

    /// Whether this is a wildcard DNS name (`*.example.com`).
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        matches!(self, San::Dns(d) if d.starts_with("*."))
    }

    /// A DNS name, validated (wildcards allowed in the leftmost label only
    /// when `allow_wildcard`).
    pub fn dns(name: &str, allow_wildcard: bool) -> Result<Self> {
        let lower = name.to_ascii_lowercase();
        check_dns(&lower, allow_wildcard).map_err(|r| Error::invalid("DNS name", name, r))?;
        Ok(San::Dns(lower))
    }

    /// An e-mail address, validated.
    pub fn email(addr: &str) -> Result<Self> {
        let (local, domain) = addr
            .rsplit_once('@')
            .ok_or_else(|| Error::invalid("e-mail address", addr, "expected local@domain"))?;
        check_email_local(local).map_err(|r| Error::invalid("e-mail address", addr, r))?;
        let domain = domain.to_ascii_lowercase();
        check_dns(&domain, false)
            .map_err(|r| Error::invalid("e-mail address", addr, format!("domain: {r}")))?;
        let out = format!("{local}@{domain}");
        if out.len() > MAX_EMAIL {
            return Err(Error::invalid(
                "e-mail address",
                addr,
                format!("longer than {MAX_EMAIL} characters"),
            ));
        }
        Ok(San::Email(out))
    }

    pub(crate) fn to_rcgen(&self) -> Result<rcgen::SanType> {
        Ok(match self {
            San::Dns(d) => rcgen::SanType::DnsName(
                rcgen::string::Ia5String::try_from(d.as_str())
                    .map_err(|e| Error::invalid("DNS name", d.as_str(), e.to_string()))?,
            ),
            San::Email(e) => rcgen::SanType::Rfc822Name(
                rcgen::string::Ia5String::try_from(e.as_str())
                    .map_err(|err| Error::invalid("e-mail address", e.as_str(), err.to_string()))?,
            ),
            San::Ip(ip) => rcgen::SanType::IpAddress(*ip),
        })
    }
}

impl fmt::Display for San {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            San::Dns(d) => write!(f, "dns:{d}"),
            San::Ip(ip) => write!(f, "ip:{ip}"),
            San::Email(e) => write!(f, "email:{e}"),
        }
    }
}

impl FromStr for San {
    type Err = Error;

    /// Parses `dns:NAME`, `ip:ADDR` or `email:ADDR` (prefix case-insensitive).
    /// DNS names may carry a leading wildcard label here; whether one is
    /// acceptable is the profile's decision.
    fn from_str(s: &str) -> Result<Self> {
        let (kind, value) = s.split_once(':').ok_or_else(|| {
            Error::invalid(
                "subject alternative name",
                s,
                "expected dns:NAME, ip:ADDRESS or email:ADDRESS",
            )
        })?;
        match kind.to_ascii_lowercase().as_str() {
            "dns" => San::dns(value, true),
            "ip" => {
                let v = value.strip_prefix('[').and_then(|v| v.strip_suffix(']'));
                let ip: IpAddr = v.unwrap_or(value).parse().map_err(|_| {
                    Error::invalid("IP address", value, "not an IPv4 or IPv6 address")
                })?;
                Ok(San::Ip(ip))
            }
            "email" => San::email(value),
            _ => Err(Error::invalid(
                "subject alternative name",
                s,
                "the prefix must be dns:, ip: or email:",
            )),
        }
    }
}

impl Serialize for San {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for San {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// RFC 1034 §3.5 preferred syntax (letters, digits, hyphens; labels of 1 to
/// 63 characters not starting or ending with a hyphen), plus an optional
/// leading `*` label with at least two labels after it. A name that is an IP
/// address in disguise is refused.
pub(crate) fn check_dns(name: &str, allow_wildcard: bool) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty".into());
    }
    if name.len() > MAX_DNS_NAME {
        return Err(format!("longer than {MAX_DNS_NAME} characters"));
    }
    if name.parse::<IpAddr>().is_ok() {
        return Err("this is an IP address; use ip: instead".into());
    }
    let mut labels: Vec<&str> = name.split('.').collect();
    if labels[0] == "*" {
        if !allow_wildcard {
            return Err("wildcards are not allowed here".into());
        }
        labels.remove(0);
        if labels.len() < 2 {
            return Err("a wildcard needs at least two labels after it".into());
        }
    }
    for label in &labels {
        if label.is_empty() {
            return Err("empty label (leading, trailing or doubled dot)".into());
        }
        if label.len() > 63 {
            return Err("a label is longer than 63 characters".into());
        }
        if label.contains('*') {
            return Err("a wildcard may only be the whole leftmost label".into());
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("only letters, digits, hyphens and dots are allowed".into());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label may not start or end with a hyphen".into());
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("the last label may not be all digits".into());
    }
    Ok(())
}

/// The local part: dot-atoms of RFC 5322 `atext` without `*` (which name
/// constraints treat specially), at most 64 characters.
fn check_email_local(local: &str) -> Result<(), String> {
    if local.is_empty() || local.len() > 64 {
        return Err("the part before @ must be 1 to 64 characters".into());
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("misplaced dot before @".into());
    }
    let ok = local
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'+-/=?^_`{|}~.".contains(&b));
    if !ok {
        return Err("unsupported character before @".into());
    }
    Ok(())
}

/// A name that may stand as a user's identity: 1 to 64 characters of ASCII
/// letters, digits, `.`, `_` and `-`, starting with a letter or digit.
pub(crate) fn check_username(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err("must be 1 to 64 characters".into());
    }
    if !name.as_bytes()[0].is_ascii_alphanumeric() {
        return Err("must start with a letter or digit".into());
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    {
        return Err("only letters, digits, '.', '_' and '-' are allowed".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let s: San = "dns:WWW.Example.COM".parse().unwrap();
        assert_eq!(s, San::Dns("www.example.com".into()));
        assert_eq!(s.to_string(), "dns:www.example.com");
        let s: San = "IP:::1".parse().unwrap();
        assert_eq!(s.to_string(), "ip:::1");
        let s: San = "ip:[2001:db8::1]".parse().unwrap();
        assert_eq!(s.to_string(), "ip:2001:db8::1");
        let s: San = "email:Alice.B@Example.org".parse().unwrap();
        assert_eq!(s.to_string(), "email:Alice.B@example.org");
        assert!("dns:*.example.com".parse::<San>().unwrap().is_wildcard());
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "example.com",
            "uri:http://x",
            "dns:",
            "dns:exa mple.com",
            "dns:-a.com",
            "dns:a..com",
            "dns:a.com.",
            "dns:foo_bar.com",
            "dns:*.com",
            "dns:a.*.com",
            "dns:f*o.com",
            "dns:1.2.3.4",
            "dns:host.123",
            "ip:1.2.3",
            "ip:localhost",
            "email:nobody",
            "email:@x.com",
            "email:a@",
            "email:a b@x.com",
            "email:a*@x.com",
            "email:a@*.x.com",
            "email:.a@x.com",
        ] {
            assert!(bad.parse::<San>().is_err(), "{bad} accepted");
        }
        let long = format!("dns:{}.com", "a".repeat(64));
        assert!(long.parse::<San>().is_err());
    }

    #[test]
    fn usernames() {
        for ok in ["alice", "bob.smith", "a_b-c", "x1"] {
            check_username(ok).unwrap();
        }
        for bad in ["", "-a", ".a", "a b", "a@b", "é", &"a".repeat(65)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }
}

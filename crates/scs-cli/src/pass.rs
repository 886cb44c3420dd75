//! Passphrases: from `--passphrase-file` (first line), from an environment
//! variable, or typed at the terminal without echo. Never from an argument.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::Result;
use scs_crypto::Passphrase;
use zeroize::Zeroizing;

use crate::exit::usage;
use crate::io::path_err;

/// Environment variable holding the passphrase, for scripts.
pub const ENV: &str = "SCS_PASSPHRASE";
/// Environment variable holding a new passphrase (`key passwd`).
pub const ENV_NEW: &str = "SCS_NEW_PASSPHRASE";

/// Where passphrases come from for this invocation.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub file: Option<PathBuf>,
    pub new_file: Option<PathBuf>,
}

fn first_line(path: &std::path::Path) -> Result<Passphrase> {
    let mut raw = Zeroizing::new(Vec::new());
    std::fs::File::open(path)
        .and_then(|f| f.take(64 * 1024).read_to_end(&mut raw))
        .map_err(|e| path_err(path, e))?;
    let line_end = raw.iter().position(|&b| b == b'\n').unwrap_or(raw.len());
    let mut line = &raw[..line_end];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    let s = std::str::from_utf8(line).map_err(|_| {
        usage(format!(
            "{}: the passphrase is not valid UTF-8",
            path.display()
        ))
    })?;
    Ok(Passphrase::new(s.to_owned()))
}

fn from_env(var: &str) -> Option<Passphrase> {
    std::env::var(var).ok().map(Passphrase::new)
}

fn prompt(text: &str) -> Result<Passphrase> {
    rpassword::prompt_password(text)
        .map(Passphrase::new)
        .map_err(|e| {
            usage(format!(
                "cannot read a passphrase from the terminal: {}",
                crate::io::describe_io(&e)
            ))
            .hint("use --passphrase-file FILE or set SCS_PASSPHRASE")
            .into()
        })
}

fn have_terminal() -> bool {
    std::io::stdin().is_terminal() || std::fs::File::open("/dev/tty").is_ok()
}

fn non_empty(p: Passphrase) -> Result<Passphrase> {
    if p.is_empty() {
        return Err(usage("the passphrase is empty").into());
    }
    Ok(p)
}

impl Source {
    /// An existing passphrase (to open something).
    pub fn get(&self, what: &str) -> Result<Passphrase> {
        if let Some(f) = &self.file {
            return first_line(f);
        }
        if let Some(p) = from_env(ENV) {
            return Ok(p);
        }
        if !have_terminal() {
            return Err(usage(format!("a passphrase is needed for {what}"))
                .hint("use --passphrase-file FILE or set SCS_PASSPHRASE")
                .into());
        }
        prompt(&format!("Passphrase for {what}: "))
    }

    /// A passphrase being chosen: typed twice at a terminal.
    pub fn choose(&self, what: &str) -> Result<Passphrase> {
        if let Some(f) = &self.file {
            return non_empty(first_line(f)?);
        }
        if let Some(p) = from_env(ENV) {
            return non_empty(p);
        }
        self.prompt_twice(what)
    }

    /// The replacement passphrase for `key passwd`.
    pub fn choose_new(&self, what: &str) -> Result<Passphrase> {
        if let Some(f) = &self.new_file {
            return non_empty(first_line(f)?);
        }
        if let Some(p) = from_env(ENV_NEW) {
            return non_empty(p);
        }
        self.prompt_twice(what)
    }

    fn prompt_twice(&self, what: &str) -> Result<Passphrase> {
        if !have_terminal() {
            return Err(usage(format!("a new passphrase is needed for {what}"))
                .hint("use --passphrase-file FILE or set SCS_PASSPHRASE (SCS_NEW_PASSPHRASE / --new-passphrase-file for a change)")
                .into());
        }
        let a = non_empty(prompt(&format!("New passphrase for {what}: "))?)?;
        let b = prompt("Repeat the passphrase: ")?;
        if !scs_crypto::ct_eq(a.expose().as_bytes(), b.expose().as_bytes()) {
            return Err(usage("the passphrases do not match").into());
        }
        Ok(a)
    }
}

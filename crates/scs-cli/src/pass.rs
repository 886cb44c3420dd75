//! Passphrases (protecting local keys) and passwords (of server accounts):
//! from a file (first line), from an environment variable, or typed at the
//! terminal without echo. Never from a command-line argument.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::Result;
use scs_crypto::Passphrase;
use zeroize::Zeroizing;

use crate::exit::usage;
use crate::io::path_err;

/// Environment variables, for scripts.
pub const ENV: &str = "SCS_PASSPHRASE";
pub const ENV_NEW: &str = "SCS_NEW_PASSPHRASE";
pub const ENV_PASSWORD: &str = "SCS_PASSWORD";
pub const ENV_NEW_PASSWORD: &str = "SCS_NEW_PASSWORD";

/// Where secrets come from for this invocation.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub file: Option<PathBuf>,
    pub new_file: Option<PathBuf>,
    pub password_file: Option<PathBuf>,
    pub new_password_file: Option<PathBuf>,
}

/// One kind of secret: where to look for it and how to name it.
struct Spec<'a> {
    file: Option<&'a Path>,
    env: &'static str,
    file_flag: &'static str,
    noun: &'static str,
}

fn first_line(path: &Path) -> Result<Passphrase> {
    let mut raw = Zeroizing::new(Vec::new());
    std::fs::File::open(path)
        .and_then(|f| f.take(64 * 1024).read_to_end(&mut raw))
        .map_err(|e| path_err(path, e))?;
    let line_end = raw.iter().position(|&b| b == b'\n').unwrap_or(raw.len());
    let mut line = &raw[..line_end];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    let s = std::str::from_utf8(line)
        .map_err(|_| usage(format!("{}: not valid UTF-8", path.display())))?;
    Ok(Passphrase::new(s.to_owned()))
}

fn prompt(text: &str, spec: &Spec<'_>) -> Result<Passphrase> {
    rpassword::prompt_password(text)
        .map(Passphrase::new)
        .map_err(|e| {
            usage(format!(
                "cannot read a {} from the terminal: {}",
                spec.noun,
                crate::io::describe_io(&e)
            ))
            .hint(format!("use {} FILE or set {}", spec.file_flag, spec.env))
            .into()
        })
}

fn have_terminal() -> bool {
    std::io::stdin().is_terminal() || std::fs::File::open("/dev/tty").is_ok()
}

fn non_empty(p: Passphrase, spec: &Spec<'_>) -> Result<Passphrase> {
    if p.is_empty() {
        return Err(usage(format!("the {} is empty", spec.noun)).into());
    }
    Ok(p)
}

fn existing(spec: &Spec<'_>, what: &str) -> Result<Passphrase> {
    if let Some(f) = spec.file {
        return first_line(f);
    }
    if let Ok(v) = std::env::var(spec.env) {
        return Ok(Passphrase::new(v));
    }
    if !have_terminal() {
        return Err(usage(format!("a {} is needed for {what}", spec.noun))
            .hint(format!("use {} FILE or set {}", spec.file_flag, spec.env))
            .into());
    }
    prompt(&format!("{} for {what}: ", capitalize(spec.noun)), spec)
}

fn chosen(spec: &Spec<'_>, what: &str) -> Result<Passphrase> {
    if let Some(f) = spec.file {
        return non_empty(first_line(f)?, spec);
    }
    if let Ok(v) = std::env::var(spec.env) {
        return non_empty(Passphrase::new(v), spec);
    }
    if !have_terminal() {
        return Err(usage(format!("a new {} is needed for {what}", spec.noun))
            .hint(format!("use {} FILE or set {}", spec.file_flag, spec.env))
            .into());
    }
    let a = non_empty(
        prompt(&format!("New {} for {what}: ", spec.noun), spec)?,
        spec,
    )?;
    let b = prompt(&format!("Repeat the {}: ", spec.noun), spec)?;
    if !scs_crypto::ct_eq(a.expose().as_bytes(), b.expose().as_bytes()) {
        return Err(usage(format!("the {}s do not match", spec.noun)).into());
    }
    Ok(a)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Source {
    fn passphrase_spec(&self) -> Spec<'_> {
        Spec {
            file: self.file.as_deref(),
            env: ENV,
            file_flag: "--passphrase-file",
            noun: "passphrase",
        }
    }

    fn password_spec(&self) -> Spec<'_> {
        Spec {
            file: self.password_file.as_deref(),
            env: ENV_PASSWORD,
            file_flag: "--password-file",
            noun: "password",
        }
    }

    /// An existing passphrase (to open a key or a sealed file).
    pub fn get(&self, what: &str) -> Result<Passphrase> {
        existing(&self.passphrase_spec(), what)
    }

    /// A passphrase being chosen: typed twice at a terminal.
    pub fn choose(&self, what: &str) -> Result<Passphrase> {
        chosen(&self.passphrase_spec(), what)
    }

    /// The replacement passphrase for `key passwd`.
    pub fn choose_new(&self, what: &str) -> Result<Passphrase> {
        chosen(
            &Spec {
                file: self.new_file.as_deref(),
                env: ENV_NEW,
                file_flag: "--new-passphrase-file",
                noun: "passphrase",
            },
            what,
        )
    }

    /// An account password (login).
    pub fn password(&self, what: &str) -> Result<Passphrase> {
        existing(&self.password_spec(), what)
    }

    /// A password being chosen (registration).
    pub fn choose_password(&self, what: &str) -> Result<Passphrase> {
        chosen(&self.password_spec(), what)
    }

    /// The replacement password (`scs passwd`).
    pub fn new_password(&self, what: &str) -> Result<Passphrase> {
        chosen(
            &Spec {
                file: self.new_password_file.as_deref(),
                env: ENV_NEW_PASSWORD,
                file_flag: "--new-password-file",
                noun: "password",
            },
            what,
        )
    }
}

//! Exit codes (DESIGN §7) and the mapping from errors to them.
//!
//! 0 success, 1 a verification failed (bad signature, hash mismatch,
//! authentication failed), 2 usage or any other error.

use std::fmt;
use std::process::ExitCode;

/// Verification failed.
pub const FAILED: u8 = 1;
/// Usage or other error.
pub const ERROR: u8 = 2;

/// An error raised by the command line itself, with an optional hint and
/// an explicit exit code.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hint: Option<String>,
    pub code: u8,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// A usage or input error (exit 2).
pub fn usage(message: impl Into<String>) -> CliError {
    CliError {
        message: message.into(),
        hint: None,
        code: ERROR,
    }
}

/// A failed verification (exit 1).
pub fn failed(message: impl Into<String>) -> CliError {
    CliError {
        message: message.into(),
        hint: None,
        code: FAILED,
    }
}

impl CliError {
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A command finished and already reported its outcome (e.g. `hash --check`
/// printed FAILED lines); exit with this code and print nothing more.
#[derive(Debug)]
pub struct Silent(pub u8);

impl fmt::Display for Silent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Silent {}

/// Whether any error in the chain is an authenticity failure.
fn is_verification_failure(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        if let Some(e) = e.downcast_ref::<scs_crypto::Error>() {
            return e.is_verification_failure();
        }
        if let Some(e) = e.downcast_ref::<scs_keystore::Error>() {
            return e.is_verification_failure();
        }
        crate::extra_verification_failure(e)
    })
}

/// The exit code for an error.
pub fn code_for(err: &anyhow::Error) -> u8 {
    if let Some(s) = err.downcast_ref::<Silent>() {
        return s.0;
    }
    if let Some(c) = err.chain().find_map(|e| e.downcast_ref::<CliError>()) {
        return c.code;
    }
    if is_verification_failure(err) {
        FAILED
    } else {
        ERROR
    }
}

/// Whether the error is a closed pipe on output (`scs … | head`), which ends
/// the program quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A hint for well-known errors.
fn hint_for(err: &anyhow::Error) -> Option<String> {
    for e in err.chain() {
        if let Some(c) = e.downcast_ref::<CliError>()
            && c.hint.is_some()
        {
            return c.hint.clone();
        }
        if let Some(e) = e.downcast_ref::<scs_crypto::Error>() {
            match e {
                scs_crypto::Error::WrongPassphrase => {
                    return Some(
                        "check the passphrase (SCS_PASSPHRASE or --passphrase-file may supply an old one)".into(),
                    );
                }
                scs_crypto::Error::MessageTooLong { .. } => {
                    return Some("use `scs encrypt -r RECIPIENT` for data of any size".into());
                }
                _ => {}
            }
        }
        if let Some(e) = e.downcast_ref::<scs_keystore::Error>() {
            match e {
                scs_keystore::Error::NotFound(_) => {
                    return Some("`scs key list` shows the keys in the keystore".into());
                }
                scs_keystore::Error::Exists(_) => {
                    return Some(
                        "choose another --name, or `scs key delete` the old key first".into(),
                    );
                }
                _ => {}
            }
        }
        if let Some(h) = crate::extra_hint(e) {
            return Some(h);
        }
    }
    None
}

/// Prints `error: …` (the whole cause chain on one line) and a hint line,
/// and returns the exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if let Some(s) = err.downcast_ref::<Silent>() {
        return ExitCode::from(s.0);
    }
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    let mut line = String::new();
    for (i, cause) in err.chain().enumerate() {
        let text = cause.to_string();
        if i > 0 {
            // Skip causes whose text the previous message already includes.
            if line.ends_with(&text) || line.contains(&text) {
                continue;
            }
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    let line = line.replace('\n', " ");
    anstream_eprintln(&format!("error: {line}"));
    if let Some(h) = hint_for(err) {
        anstream_eprintln(&format!("hint: {h}"));
    }
    ExitCode::from(code_for(err))
}

fn anstream_eprintln(s: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{s}");
}

//! `scs`: the command line of the secure communication suite.
//!
//! This binary parses arguments, asks for passphrases and prints; the
//! libraries (`scs-crypto`, `scs-keystore`, …) hold the logic.
#![forbid(unsafe_code)]

mod cmd;
mod ctx;
mod exit;
mod io;
mod keyref;
mod pass;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// scs — hashing, encryption, signatures, keys and certificates, and a
/// server for end-to-end encrypted messaging and file transfer.
#[derive(Debug, Parser)]
#[command(name = "scs", version, about, max_term_width = 100)]
struct Cli {
    /// Home directory holding the keystore (default: the XDG data directory)
    #[arg(long, global = true, env = "SCS_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    /// Read the passphrase from the first line of FILE (or set SCS_PASSPHRASE)
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Read a new passphrase from FILE (or set SCS_NEW_PASSPHRASE)
    #[arg(long, global = true, value_name = "FILE")]
    new_passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print or check digests (sha256, sha512, sha3-256, blake3, md5), like sha256sum
    Hash(cmd::hash::HashArgs),
    /// Manage keys in the keystore
    Key(cmd::key::KeyArgs),
    /// Sign a file (detached signature)
    Sign(cmd::sign::SignArgs),
    /// Verify a detached signature
    Verify(cmd::sign::VerifyArgs),
    /// RSA-OAEP encryption of short data
    Pkey(cmd::pkey::PkeyArgs),
    /// Print shell completions
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff)
    Man,
}

/// Hook for error types of libraries added later: whether the error is an
/// authenticity failure (exit code 1).
fn extra_verification_failure(_e: &(dyn std::error::Error + 'static)) -> bool {
    false
}

/// Hook for hints about error types of libraries added later.
fn extra_hint(_e: &(dyn std::error::Error + 'static)) -> Option<String> {
    None
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let Some(command) = cli.command else {
        Cli::command().print_help()?;
        return Ok(());
    };
    let secrets = pass::Source {
        file: cli.passphrase_file,
        new_file: cli.new_passphrase_file,
    };
    // Commands that need no home run before one is resolved.
    match command {
        Command::Hash(a) => return cmd::hash::run(a),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "scs", &mut std::io::stdout());
            return Ok(());
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            return Ok(());
        }
        _ => {}
    }
    let ctx = ctx::Ctx::new(cli.home, secrets)?;
    match command {
        Command::Key(a) => cmd::key::run(&ctx, a),
        Command::Sign(a) => cmd::sign::sign(&ctx, a),
        Command::Verify(a) => cmd::sign::verify(&ctx, a),
        Command::Pkey(a) => cmd::pkey::run(&ctx, a),
        Command::Hash(_) | Command::Completions { .. } | Command::Man => {
            unreachable!("handled above")
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit::report(&e),
    }
}

//! `scs`: the command line of the secure communication suite.
//!
//! This binary parses arguments, asks for passphrases and prints; the
//! libraries (`scs-crypto`, `scs-keystore`, …) hold the logic.
#![forbid(unsafe_code)]

mod clock;
mod cmd;
mod ctx;
mod exit;
mod io;
mod keyref;
mod menu;
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
    /// Read the account password from FILE (or set SCS_PASSWORD)
    #[arg(long, global = true, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Read a new account password from FILE (or set SCS_NEW_PASSWORD)
    #[arg(long, global = true, value_name = "FILE")]
    new_password_file: Option<PathBuf>,
    /// Server profile to use (default: the last one connected)
    #[arg(long, global = true, env = "SCS_SERVER", value_name = "NAME")]
    server: Option<String>,
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
    /// Encrypt a file or stream to recipients or a passphrase (optionally signed)
    Encrypt(cmd::seal::EncryptArgs),
    /// Decrypt (and verify) a sealed file or stream
    Decrypt(cmd::seal::DecryptArgs),
    /// RSA-OAEP encryption of short data
    Pkey(cmd::pkey::PkeyArgs),
    /// Certificate authority: init, show, export, crl
    Ca(cmd::pki::CaArgs),
    /// Certificates: csr, sign, issue, list, show, revoke, verify
    Cert(cmd::pki::CertArgs),
    /// Run and administer a server: init, run, user, audit
    Server(cmd::server::ServerArgs),
    /// Connect to a server and pin its CA (asks first, like SSH)
    Connect(cmd::account::ConnectArgs),
    /// Create an account on the server (key generated here, certificate from the server)
    Register(cmd::account::RegisterArgs),
    /// Log in by password or certificate
    Login(cmd::account::LoginArgs),
    /// End the session
    Logout,
    /// Show the logged-in account
    Whoami {
        #[arg(long)]
        json: bool,
    },
    /// Change the account password
    Passwd,
    /// List the users in the server's directory
    Users(cmd::account::UsersArgs),
    /// Look up one user in the directory
    User(cmd::account::UserArgs),
    /// Send an end-to-end encrypted, signed message
    Send(cmd::messages::SendArgs),
    /// List the messages in your mailbox
    Inbox(cmd::messages::InboxArgs),
    /// Read (decrypt and verify) a message
    Read(cmd::messages::ReadArgs),
    /// Delete messages from your mailbox
    Rm(cmd::messages::RmArgs),
    /// Pinned keys of the people you write to; verify one with a safety number
    Contacts(cmd::messages::ContactsArgs),
    /// A live conversation with someone
    Chat(cmd::messages::ChatArgs),
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
fn extra_verification_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(e) = e.downcast_ref::<scs_client::Error>() {
        return e.is_verification_failure();
    }
    if let Some(e) = e.downcast_ref::<scs_pki::Error>() {
        return e.is_verification_failure();
    }
    if let Some(e) = e.downcast_ref::<scs_pki::VerifyError>() {
        return e.is_verification_failure();
    }
    if let Some(e) = e.downcast_ref::<scs_seal::Error>() {
        return e.is_verification_failure();
    }
    if let Some(e) = e.downcast_ref::<scs_server::Error>() {
        return e.is_verification_failure();
    }
    false
}

/// Hook for hints about error types of libraries added later.
fn extra_hint(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    use scs_api::ErrorCode;
    let e = e.downcast_ref::<scs_client::Error>()?;
    match e {
        scs_client::Error::Api {
            code, retry_after, ..
        } => match code {
            ErrorCode::Throttled => Some(match retry_after {
                Some(s) => format!("too many attempts; try again in {s} s"),
                None => "too many attempts; wait and try again".into(),
            }),
            ErrorCode::Locked => {
                Some("ask the server's administrator to unlock the account".into())
            }
            ErrorCode::Unauthorized => {
                Some("check the username and password, or `scs login` again".into())
            }
            _ => None,
        },
        scs_client::Error::Untrusted(_) => {
            Some("the server is not the one whose CA you pinned; do not send it secrets".into())
        }
        scs_client::Error::Transport { .. } => {
            Some("is the server running, and the address right?".into())
        }
        _ => None,
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let Some(command) = cli.command else {
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            // Keep the global options (e.g. --home) for the commands the menu runs.
            let prefix: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
            return menu::run(prefix);
        }
        Cli::command().print_help()?;
        return Ok(());
    };
    let secrets = pass::Source {
        file: cli.passphrase_file,
        new_file: cli.new_passphrase_file,
        password_file: cli.password_file,
        new_password_file: cli.new_password_file,
    };
    // Commands that need no home run before one is resolved.
    match command {
        Command::Hash(a) => return cmd::hash::run(a),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "scs", &mut buf);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?;
            return Ok(());
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
            std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?;
            return Ok(());
        }
        _ => {}
    }
    let ctx = ctx::Ctx::new(cli.home, secrets, cli.server)?;
    match command {
        Command::Key(a) => cmd::key::run(&ctx, a),
        Command::Sign(a) => cmd::sign::sign(&ctx, a),
        Command::Verify(a) => cmd::sign::verify(&ctx, a),
        Command::Pkey(a) => cmd::pkey::run(&ctx, a),
        Command::Encrypt(a) => cmd::seal::encrypt(&ctx, a),
        Command::Decrypt(a) => cmd::seal::decrypt(&ctx, a),
        Command::Ca(a) => cmd::pki::ca(&ctx, a),
        Command::Cert(a) => cmd::pki::cert(&ctx, a),
        Command::Server(a) => cmd::server::run(&ctx, a),
        Command::Connect(a) => cmd::account::connect(&ctx, a),
        Command::Register(a) => cmd::account::register(&ctx, a),
        Command::Login(a) => cmd::account::login(&ctx, a),
        Command::Logout => cmd::account::logout(&ctx),
        Command::Whoami { json } => cmd::account::whoami(&ctx, json),
        Command::Passwd => cmd::account::passwd(&ctx),
        Command::Users(a) => cmd::account::users(&ctx, a),
        Command::User(a) => cmd::account::user(&ctx, a),
        Command::Send(a) => cmd::messages::send(&ctx, a),
        Command::Inbox(a) => cmd::messages::inbox(&ctx, a),
        Command::Read(a) => cmd::messages::read(&ctx, a),
        Command::Rm(a) => cmd::messages::rm(&ctx, a),
        Command::Contacts(a) => cmd::messages::contacts(&ctx, a),
        Command::Chat(a) => cmd::messages::chat(&ctx, a),
        Command::Hash(_) | Command::Completions { .. } | Command::Man => {
            unreachable!("handled above")
        }
    }
}

/// `scs … | head` closes the pipe early: `println!` then panics with a
/// broken-pipe error. That is the reader's choice, not a failure, so the
/// program ends quietly instead of printing a panic.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
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

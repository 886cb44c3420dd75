//! `scs` with no arguments at a terminal: a menu for people who prefer one.
//!
//! Each entry asks its questions, then runs the very command line a user
//! would type (shown before it runs), through the same parser and code.

use std::ffi::OsString;

use anyhow::Result;
use clap::Parser;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Select};

use crate::Cli;

struct Entry {
    label: &'static str,
    build: fn(&ColorfulTheme) -> Result<Option<Vec<String>>>,
}

fn ask(theme: &ColorfulTheme, prompt: &str) -> Result<String> {
    Ok(Input::<String>::with_theme(theme)
        .with_prompt(prompt)
        .interact_text()?)
}

fn ask_default(theme: &ColorfulTheme, prompt: &str, default: &str) -> Result<String> {
    Ok(Input::<String>::with_theme(theme)
        .with_prompt(prompt)
        .default(default.to_owned())
        .interact_text()?)
}

fn pick(theme: &ColorfulTheme, prompt: &str, items: &[&str]) -> Result<usize> {
    Ok(Select::with_theme(theme)
        .with_prompt(prompt)
        .items(items)
        .default(0)
        .interact()?)
}

fn v(parts: &[&str]) -> Option<Vec<String>> {
    Some(parts.iter().map(|s| (*s).to_owned()).collect())
}

const ENTRIES: &[Entry] = &[
    Entry {
        label: "Connect to a server",
        build: |t| {
            let url = ask(t, "Server address (https://HOST:PORT)")?;
            Ok(v(&["connect", &url]))
        },
    },
    Entry {
        label: "Register an account",
        build: |t| {
            let user = ask(t, "Username")?;
            Ok(v(&["register", &user]))
        },
    },
    Entry {
        label: "Log in",
        build: |t| {
            let user = ask_default(t, "Username (empty: the registered one)", "")?;
            let by_cert = pick(t, "Log in with", &["password", "certificate"])? == 1;
            let mut args = vec!["login".to_owned()];
            if !user.is_empty() {
                args.push(user);
            }
            if by_cert {
                args.push("--cert".into());
            }
            Ok(Some(args))
        },
    },
    Entry {
        label: "Who am I",
        build: |_| Ok(v(&["whoami"])),
    },
    Entry {
        label: "Users (the directory)",
        build: |_| Ok(v(&["users"])),
    },
    Entry {
        label: "Messages: inbox",
        build: |_| Ok(v(&["inbox"])),
    },
    Entry {
        label: "Messages: read",
        build: |t| {
            let id = ask(t, "Message id (from the inbox)")?;
            Ok(v(&["read", &id]))
        },
    },
    Entry {
        label: "Messages: send",
        build: |t| {
            let to = ask(t, "To (usernames, separated by spaces)")?;
            let text = ask(t, "Message")?;
            let mut args = vec!["send".to_owned()];
            args.extend(to.split_whitespace().map(str::to_owned));
            args.extend(["-m".to_owned(), text]);
            Ok(Some(args))
        },
    },
    Entry {
        label: "Messages: chat",
        build: |t| {
            let who = ask(t, "Chat with (username)")?;
            Ok(v(&["chat", &who]))
        },
    },
    Entry {
        label: "Contacts",
        build: |_| Ok(v(&["contacts"])),
    },
    Entry {
        label: "Log out",
        build: |_| Ok(v(&["logout"])),
    },
    Entry {
        label: "Keys: list",
        build: |_| Ok(v(&["key", "list"])),
    },
    Entry {
        label: "Keys: generate",
        build: |t| {
            let name = ask(t, "Key name")?;
            let kinds = ["rsa3072", "rsa4096", "rsa2048", "ed25519", "x25519"];
            let k = pick(t, "Type", &kinds)?;
            Ok(v(&["key", "gen", "--name", &name, "--type", kinds[k]]))
        },
    },
    Entry {
        label: "Encrypt a file",
        build: |t| {
            let input = ask(t, "File to encrypt")?;
            let output = ask_default(t, "Write to", &format!("{input}.scs"))?;
            let how = pick(t, "Protect with", &["a passphrase", "a recipient's key"])?;
            if how == 0 {
                Ok(v(&["encrypt", "-p", "-o", &output, &input]))
            } else {
                let r = ask(t, "Recipient (key name, public key or certificate file)")?;
                Ok(v(&["encrypt", "-r", &r, "-o", &output, &input]))
            }
        },
    },
    Entry {
        label: "Decrypt a file",
        build: |t| {
            let input = ask(t, "File to decrypt")?;
            let default = input
                .strip_suffix(".scs")
                .unwrap_or("decrypted.out")
                .to_owned();
            let output = ask_default(t, "Write to", &default)?;
            Ok(v(&["decrypt", "-o", &output, &input]))
        },
    },
    Entry {
        label: "Hash a file",
        build: |t| {
            let input = ask(t, "File")?;
            let algs = ["sha256", "sha512", "sha3-256", "blake3", "md5"];
            let a = pick(t, "Algorithm", &algs)?;
            Ok(v(&["hash", "-a", algs[a], &input]))
        },
    },
    Entry {
        label: "Sign a file",
        build: |t| {
            let key = ask(t, "Signing key (name)")?;
            let input = ask(t, "File to sign")?;
            let output = ask_default(t, "Signature file", &format!("{input}.sig"))?;
            Ok(v(&["sign", "--key", &key, "-o", &output, &input]))
        },
    },
    Entry {
        label: "Verify a signature",
        build: |t| {
            let key = ask(t, "Signer (key name, public key or certificate file)")?;
            let input = ask(t, "Signed file")?;
            let sig = ask_default(t, "Signature file", &format!("{input}.sig"))?;
            Ok(v(&["verify", "--key", &key, "--signature", &sig, &input]))
        },
    },
];

/// Runs the menu until the person quits. `prefix` holds the global options
/// given with no command (e.g. `--home`), kept for every command run.
pub fn run(prefix: Vec<OsString>) -> Result<()> {
    let theme = ColorfulTheme::default();
    let mut labels: Vec<&str> = ENTRIES.iter().map(|e| e.label).collect();
    labels.push("Quit");
    loop {
        let choice = Select::with_theme(&theme)
            .with_prompt("scs — what would you like to do?")
            .items(&labels)
            .default(0)
            .interact_opt()?;
        let Some(i) = choice.filter(|i| *i < ENTRIES.len()) else {
            return Ok(());
        };
        let args = match (ENTRIES[i].build)(&theme) {
            Ok(Some(a)) => a,
            Ok(None) => continue,
            Err(e) => {
                let _ = crate::exit::report(&e);
                continue;
            }
        };
        eprintln!("$ scs {}", args.join(" "));
        let argv = std::iter::once(OsString::from("scs"))
            .chain(prefix.iter().cloned())
            .chain(args.into_iter().map(OsString::from));
        match Cli::try_parse_from(argv) {
            Ok(cli) => {
                if let Err(e) = crate::run(cli) {
                    let _ = crate::exit::report(&e);
                }
            }
            Err(e) => {
                let _ = e.print();
            }
        }
        if !Confirm::with_theme(&theme)
            .with_prompt("Back to the menu?")
            .default(true)
            .interact()?
        {
            return Ok(());
        }
    }
}

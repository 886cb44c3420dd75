//! `scs key`: generate, list, show, export, import, delete, passwd.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use scs_crypto::KeyKind;
use scs_crypto::pem_io::{self, KeyFile};
use scs_keystore::KeyInfo;
use serde::Serialize;

use crate::ctx::Ctx;
use crate::exit::usage;
use crate::io::{Kind, write_output};

#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    cmd: KeyCmd,
}

#[derive(Debug, Subcommand)]
enum KeyCmd {
    /// Generate a key pair into the keystore
    Gen {
        /// rsa2048, rsa3072, rsa4096, ed25519 or x25519
        #[arg(
            short = 't',
            long = "type",
            default_value = "rsa3072",
            value_name = "TYPE"
        )]
        kind: KeyKind,
        /// Name of the key in the keystore
        #[arg(short, long)]
        name: String,
    },
    /// List the keys in the keystore
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a key: type, size, fingerprint, creation time
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Export a key (public SPKI PEM by default)
    Export {
        name: String,
        /// Export the private key, as encrypted PKCS#8
        #[arg(long)]
        private: bool,
        /// DER instead of PEM
        #[arg(long)]
        der: bool,
        /// With --private: unencrypted PKCS#1 (RSA only; a plaintext key on disk)
        #[arg(long, requires = "private", conflicts_with = "der")]
        pkcs1: bool,
        /// Output file (default: standard output)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite the output file if it exists
        #[arg(long)]
        force: bool,
    },
    /// Import a key or certificate (PEM or DER; PKCS#8, PKCS#1, SPKI, X.509)
    Import {
        file: PathBuf,
        #[arg(short, long)]
        name: String,
    },
    /// Delete a key from the keystore
    Delete {
        name: String,
        /// Do not ask for confirmation
        #[arg(short, long)]
        yes: bool,
    },
    /// Change the passphrase protecting a private key
    Passwd { name: String },
}

#[derive(Serialize)]
struct KeyJson<'a> {
    name: &'a str,
    algorithm: String,
    bits: usize,
    fingerprint_sha256: String,
    created: &'a str,
    origin: &'a str,
    private: bool,
    certificate: bool,
}

impl<'a> From<&'a KeyInfo> for KeyJson<'a> {
    fn from(k: &'a KeyInfo) -> Self {
        KeyJson {
            name: &k.name,
            algorithm: k.algorithm().to_string(),
            bits: k.algorithm().bits(),
            fingerprint_sha256: k.fingerprint_hex(),
            created: &k.created,
            origin: &k.origin,
            private: k.has_private,
            certificate: k.has_certificate,
        }
    }
}

pub fn run(ctx: &Ctx, args: KeyArgs) -> Result<()> {
    let ks = ctx.keystore()?;
    match args.cmd {
        KeyCmd::Gen { kind, name } => {
            scs_keystore::validate_name(&name)?;
            if ks.contains(&name) {
                return Err(scs_keystore::Error::Exists(name).into());
            }
            let pass = ctx.secrets.choose(&format!("key '{name}'"))?;
            let info = ks.generate(&name, kind, &pass)?;
            println!("generated {} key '{}'", info.algorithm(), info.name);
            println!("fingerprint SHA256:{}", info.fingerprint_hex());
        }
        KeyCmd::List { json } => {
            let (keys, errors) = ks.list()?;
            for e in &errors {
                eprintln!("warning: {e}");
            }
            if json {
                let v: Vec<KeyJson> = keys.iter().map(KeyJson::from).collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else if keys.is_empty() {
                eprintln!("no keys yet; create one with `scs key gen --name NAME`");
            } else {
                println!(
                    "{:<20} {:<10} {:<8} {:<20} FINGERPRINT (SHA-256)",
                    "NAME", "TYPE", "PRIVATE", "CREATED"
                );
                for k in &keys {
                    println!(
                        "{:<20} {:<10} {:<8} {:<20} {}",
                        k.name,
                        k.algorithm().to_string(),
                        if k.has_private { "yes" } else { "no" },
                        k.created,
                        k.fingerprint_hex()
                    );
                }
            }
        }
        KeyCmd::Show { name, json } => {
            let k = ks.info(&name)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&KeyJson::from(&k))?);
            } else {
                println!("name:        {}", k.name);
                println!("type:        {} ({})", k.algorithm().family(), usage_of(&k));
                println!("size:        {} bits", k.algorithm().bits());
                println!("fingerprint: SHA256:{}", k.fingerprint_hex());
                println!("created:     {} ({})", k.created, k.origin);
                println!(
                    "private key: {}",
                    if k.has_private {
                        "yes (encrypted)"
                    } else {
                        "no"
                    }
                );
                println!(
                    "certificate: {}",
                    if k.has_certificate { "yes" } else { "no" }
                );
            }
        }
        KeyCmd::Export {
            name,
            private,
            der,
            pkcs1,
            output,
            force,
        } => {
            let out = output.as_deref();
            if !private {
                let pk = ks.public_key(&name)?;
                if der {
                    write_output(out, force, Kind::Binary, pk.spki_der())?;
                } else {
                    write_output(
                        out,
                        force,
                        Kind::Text,
                        pem_io::public_key_pem(&pk).as_bytes(),
                    )?;
                }
            } else if pkcs1 {
                let key = crate::keyref::private_key(ctx, &name)?;
                let pem = pem_io::pkcs1_private_key_pem(&key)?;
                eprintln!(
                    "warning: writing an UNENCRYPTED private key; protect or delete it after use"
                );
                write_output(out, force, Kind::Secret { binary: false }, pem.as_bytes())?;
            } else {
                let pem = ks.encrypted_private_pem(&name)?;
                if der {
                    let block = pem::parse(pem.as_bytes()).context("stored private key")?;
                    write_output(out, force, Kind::Secret { binary: true }, block.contents())?;
                } else {
                    write_output(out, force, Kind::Secret { binary: false }, pem.as_bytes())?;
                }
            }
        }
        KeyCmd::Import { file, name } => {
            scs_keystore::validate_name(&name)?;
            if ks.contains(&name) {
                return Err(scs_keystore::Error::Exists(name).into());
            }
            let bytes = crate::io::read_small(Some(&file), pem_io::MAX_KEY_FILE as u64)?;
            let parsed =
                pem_io::parse_key_file(&bytes).with_context(|| file.display().to_string())?;
            let info = match parsed {
                KeyFile::Private(key) => {
                    let pass = ctx.secrets.choose(&format!("key '{name}'"))?;
                    ks.import_private(&name, &key, &pass, None)?
                }
                KeyFile::Encrypted(enc) => {
                    // The key keeps its passphrase; it is re-encrypted with
                    // the keystore's parameters.
                    let pass = ctx.secrets.get(&file.display().to_string())?;
                    let key = enc.decrypt(&pass)?;
                    ks.import_private(&name, &key, &pass, None)?
                }
                KeyFile::Public(pk) => ks.import_public(&name, &pk)?,
                KeyFile::Certificate(der) => ks.import_certificate(&name, &der)?,
                _ => return Err(usage(format!("{}: nothing to import", file.display())).into()),
            };
            let what = if info.has_private {
                "private key"
            } else if info.has_certificate {
                "certificate"
            } else {
                "public key"
            };
            println!("imported {} {what} as '{}'", info.algorithm(), info.name);
            println!("fingerprint SHA256:{}", info.fingerprint_hex());
        }
        KeyCmd::Delete { name, yes } => {
            let info = ks.info(&name)?;
            if !yes {
                if !std::io::stdin().is_terminal() {
                    return Err(
                        usage(format!("refusing to delete '{name}' without confirmation"))
                            .hint("pass --yes to delete without asking")
                            .into(),
                    );
                }
                eprint!(
                    "Delete {} key '{}' (SHA256:{})? This cannot be undone. [y/N] ",
                    info.algorithm(),
                    name,
                    info.fingerprint_hex()
                );
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    return Err(usage("not deleted").into());
                }
            }
            ks.delete(&name)?;
            println!("deleted key '{name}'");
        }
        KeyCmd::Passwd { name } => {
            let info = ks.info(&name)?;
            if !info.has_private {
                return Err(scs_keystore::Error::NoPrivateKey(name).into());
            }
            let old = ctx.secrets.get(&format!("key '{name}'"))?;
            // Check the old passphrase before asking for a new one.
            ks.unlock(&name, &old)?;
            let new = ctx.secrets.choose_new(&format!("key '{name}'"))?;
            ks.change_passphrase(&name, &old, &new)?;
            println!("passphrase of key '{name}' changed");
        }
    }
    Ok(())
}

fn usage_of(k: &KeyInfo) -> &'static str {
    use scs_crypto::keys::KeyAlgorithm;
    match k.algorithm() {
        KeyAlgorithm::Rsa { .. } => "encryption and signatures",
        KeyAlgorithm::Ed25519 => "signatures",
        KeyAlgorithm::X25519 => "encryption",
        _ => "unknown",
    }
}

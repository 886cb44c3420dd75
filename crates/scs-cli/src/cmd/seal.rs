//! `scs encrypt` and `scs decrypt`: the sealed format (to passphrases and
//! recipients, optionally signed, optionally armored), and OpenSSL's legacy
//! `enc -aes-256-cbc -pbkdf2` format for compatibility.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use scs_crypto::keys::KeyAlgorithm;
use scs_crypto::{PrivateKey, PublicKey};
use scs_seal::{Decryptor, SealOptions, Unlocker, legacy};

use crate::ctx::Ctx;
use crate::exit::{failed, usage};
use crate::io::{Kind, Output, open_input_progress};

const LEGACY_WARNING: &str = "warning: the OpenSSL enc format is not authenticated: changes to the file are not detected; use it only to exchange files with openssl";

#[derive(Debug, Args)]
pub struct EncryptArgs {
    /// Protect with a passphrase (Argon2id)
    #[arg(short = 'p', long, conflicts_with = "recipients")]
    passphrase: bool,
    /// Encrypt to a recipient: a keystore name, public key or certificate file (repeat for several)
    #[arg(short = 'r', long = "recipient", value_name = "RECIPIENT")]
    recipients: Vec<String>,
    /// Sign with this key (keystore name or key file): recipients can check who sent it
    #[arg(long, value_name = "KEY")]
    sign: Option<String>,
    /// Write PEM-style text armor instead of binary
    #[arg(short = 'a', long)]
    armor: bool,
    /// Output file (default: standard output)
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite the output file if it exists
    #[arg(long)]
    force: bool,
    /// Write OpenSSL's legacy `enc -aes-256-cbc -pbkdf2 -md sha256` format (unauthenticated)
    #[arg(long, conflicts_with_all = ["recipients", "sign", "armor"])]
    openssl: bool,
    /// PBKDF2 iterations for --openssl
    #[arg(long, default_value_t = legacy::DEFAULT_ITERATIONS, requires = "openssl", value_name = "N")]
    iter: u32,
    /// File to encrypt; `-` or none for standard input
    #[arg(value_name = "IN")]
    input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// Private key to try: a keystore name or key file (repeat; default: search the keystore)
    #[arg(short = 'i', long = "identity", value_name = "KEY")]
    identities: Vec<String>,
    /// Require a valid signature by this sender (keystore name, public key or certificate file)
    #[arg(long, value_name = "KEY")]
    verify_from: Option<String>,
    /// Output file (default: standard output)
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite the output file if it exists
    #[arg(long)]
    force: bool,
    /// Read OpenSSL's legacy `enc -aes-256-cbc -pbkdf2 -md sha256` format
    #[arg(long, conflicts_with_all = ["identities", "verify_from"])]
    openssl: bool,
    /// PBKDF2 iterations for --openssl
    #[arg(long, default_value_t = legacy::DEFAULT_ITERATIONS, requires = "openssl", value_name = "N")]
    iter: u32,
    /// Sealed file; `-` or none for standard input
    #[arg(value_name = "IN")]
    input: Option<PathBuf>,
}

fn recipient(ctx: &Ctx, spec: &str) -> Result<PublicKey> {
    let pk = crate::keyref::public_key(ctx, spec)?;
    match pk.algorithm() {
        KeyAlgorithm::Rsa { .. } | KeyAlgorithm::X25519 => Ok(pk),
        other => Err(usage(format!(
            "recipient '{spec}' is an {} key, which can only sign",
            other.family()
        ))
        .hint("encrypt to an RSA or X25519 key")
        .into()),
    }
}

pub fn encrypt(ctx: &Ctx, args: EncryptArgs) -> Result<()> {
    if !args.passphrase && !args.openssl && args.recipients.is_empty() {
        return Err(usage("nothing to encrypt to")
            .hint("use -r RECIPIENT (repeatable) or -p for a passphrase")
            .into());
    }
    let kind = if args.armor { Kind::Text } else { Kind::Binary };
    let mut out = Output::create(args.output.as_deref(), args.force, kind)?;
    let input = open_input_progress(args.input.as_deref(), "encrypting")?;
    if args.openssl {
        let pass = ctx.secrets.choose("the encrypted file")?;
        eprintln!("{LEGACY_WARNING}");
        legacy::encrypt(&pass, args.iter, input, &mut out)?;
        return out.finish();
    }
    let signer: Option<PrivateKey> = args
        .sign
        .as_deref()
        .map(|k| crate::keyref::private_key(ctx, k))
        .transpose()?;
    let mut opts = if args.passphrase {
        SealOptions::for_passphrase(ctx.secrets.choose("the encrypted file")?)
    } else {
        let keys = args
            .recipients
            .iter()
            .map(|r| recipient(ctx, r))
            .collect::<Result<Vec<_>>>()?;
        SealOptions::for_recipients(keys)
    };
    if let Some(s) = &signer {
        opts = opts.signed_by(s);
    }
    opts = opts.armor(args.armor);
    scs_seal::seal(&opts, input, &mut out)?;
    out.finish()
}

/// Keystore keys that may open a header: RSA keys named by fingerprint, and
/// every X25519 key when the file has anonymous X25519 recipients.
fn keystore_candidates(ctx: &Ctx, header: &scs_seal::Header) -> Result<Vec<String>> {
    let ks = ctx.keystore()?;
    let (keys, _) = ks.list()?;
    let wanted = header.recipient_fingerprints();
    let x25519 = header.x25519_recipients() > 0;
    Ok(keys
        .into_iter()
        .filter(|k| k.has_private)
        .filter(|k| {
            wanted.contains(&k.public.fingerprint())
                || (x25519 && matches!(k.algorithm(), KeyAlgorithm::X25519))
        })
        .map(|k| k.name)
        .collect())
}

pub fn decrypt(ctx: &Ctx, args: DecryptArgs) -> Result<()> {
    let mut out = Output::create(
        args.output.as_deref(),
        args.force,
        Kind::Secret { binary: false },
    )?;
    let input = open_input_progress(args.input.as_deref(), "decrypting")?;
    if args.openssl {
        let pass = ctx.secrets.get("the encrypted file")?;
        eprintln!("{LEGACY_WARNING}");
        legacy::decrypt(&pass, args.iter, input, &mut out)?;
        return out.finish();
    }
    let expected: Option<PublicKey> = args
        .verify_from
        .as_deref()
        .map(|k| crate::keyref::public_key(ctx, k))
        .transpose()?;
    let dec = Decryptor::new(input)?;
    let header = dec.header();
    if let Some(exp) = &expected {
        match header.signer() {
            None => {
                return Err(failed(
                    "the file is not signed, and --verify-from requires a signature",
                )
                .into());
            }
            Some(claim) if claim.fingerprint() != exp.fingerprint() => {
                return Err(failed(format!(
                    "the file is signed by SHA256:{}, not by the expected sender SHA256:{}",
                    hex::encode(claim.fingerprint()),
                    exp.fingerprint_hex()
                ))
                .into());
            }
            Some(_) => {}
        }
    }
    let mut keys: Vec<PrivateKey> = Vec::new();
    let mut unlocker = Unlocker::new();
    let unlocked = if header.is_passphrase_protected() {
        let secrets = &ctx.secrets;
        let mut unlocker = unlocker.passphrase_callback(|| {
            secrets
                .get("the encrypted file")
                .map_err(|e| std::io::Error::other(format!("{e:#}")))
        });
        dec.unlock(&mut unlocker)?
    } else {
        if args.identities.is_empty() {
            let names = keystore_candidates(ctx, header)?;
            if names.is_empty() {
                let recipients: Vec<String> = header
                    .recipient_hints()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                return Err(failed(format!(
                    "no key in the keystore opens this file (it is sealed to {})",
                    recipients.join(", ")
                ))
                .hint("name the key with -i KEY, or import it with `scs key import`")
                .into());
            }
            let ks = ctx.keystore()?;
            let pass = ctx.secrets.get(&format!("key '{}'", names[0]))?;
            for n in &names {
                keys.push(ks.unlock(n, &pass)?);
            }
        } else {
            for spec in &args.identities {
                keys.push(crate::keyref::private_key(ctx, spec)?);
            }
        }
        unlocker = unlocker.keys(keys.iter());
        dec.unlock(&mut unlocker)?
    };
    let opened = dec.open(unlocked, &mut out)?;
    if let Some(exp) = &expected
        && !opened.is_signed_by(exp)
    {
        return Err(failed("the signature is not from the expected sender").into());
    }
    out.finish()?;
    match opened.signer() {
        Some(s) => eprintln!("good signature from SHA256:{}", s.fingerprint_hex()),
        None if expected.is_none() => {}
        None => unreachable!("checked above"),
    }
    Ok(())
}

//! `scs sign` and `scs verify`: detached signatures over files of any size.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use clap::Args;
use scs_crypto::sign::{self, Scheme};

use crate::ctx::Ctx;
use crate::exit::{failed, usage};
use crate::io::{Kind, Output, display_name, open_input, open_input_progress};

#[derive(Debug, Args)]
pub struct SignArgs {
    /// Signing key: a keystore name or a private key file
    #[arg(short, long, value_name = "KEY")]
    key: String,
    /// RSA padding: pss (RSASSA-PSS, SHA-256, salt 32) or pkcs1 (v1.5)
    #[arg(long, value_name = "SCHEME")]
    scheme: Option<Scheme>,
    /// Write the signature here (default: standard output)
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Base64 text instead of raw bytes
    #[arg(short = 'a', long)]
    armor: bool,
    /// Overwrite the output file if it exists
    #[arg(long)]
    force: bool,
    /// File to sign; `-` or none for standard input
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Signer: a keystore name, a public key, certificate or private key file
    #[arg(short, long, value_name = "KEY")]
    key: String,
    /// The signature file (raw bytes or base64)
    #[arg(short, long, value_name = "SIG")]
    signature: PathBuf,
    /// RSA padding: pss or pkcs1
    #[arg(long, value_name = "SCHEME")]
    scheme: Option<Scheme>,
    /// Signed file; `-` or none for standard input
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,
}

fn scheme_for(given: Option<Scheme>, alg: scs_crypto::keys::KeyAlgorithm) -> Result<Scheme> {
    use scs_crypto::keys::KeyAlgorithm;
    match (given, alg) {
        (None, a) => Ok(Scheme::default_for(a)?),
        (Some(s @ (Scheme::RsaPssSha256 | Scheme::RsaPkcs1Sha256)), KeyAlgorithm::Rsa { .. }) => {
            Ok(s)
        }
        (Some(_), KeyAlgorithm::Ed25519) => Ok(Scheme::Ed25519),
        (Some(s), a) => Err(usage(format!(
            "--scheme {s} does not apply to a {} key",
            a.family()
        ))
        .into()),
    }
}

pub fn sign(ctx: &Ctx, args: SignArgs) -> Result<()> {
    // Fail on the output before any work or passphrase prompt.
    let kind = if args.armor { Kind::Text } else { Kind::Binary };
    let mut out = Output::create(args.output.as_deref(), args.force, kind)?;
    let key = crate::keyref::private_key(ctx, &args.key)?;
    let scheme = scheme_for(args.scheme, key.algorithm())?;
    let input = open_input_progress(args.input.as_deref(), "signing")?;
    let sig = sign::sign_reader(&key, scheme, input).map_err(|e| with_name(e, &args.input))?;
    if args.armor {
        writeln!(out, "{}", B64.encode(&sig))?;
    } else {
        out.write_all(&sig)?;
    }
    out.finish()
}

fn with_name(e: sign::StreamError, input: &Option<PathBuf>) -> anyhow::Error {
    match e {
        sign::StreamError::Io(io) => anyhow::anyhow!(
            "{}: {}",
            display_name(input.as_deref()),
            crate::io::describe_io(&io)
        ),
        other => other.into(),
    }
}

/// A signature file holds raw bytes, or base64 text of them.
fn decode_signature(bytes: &[u8], expected_len: Option<usize>) -> Vec<u8> {
    if expected_len == Some(bytes.len()) {
        return bytes.to_vec();
    }
    let text: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    match B64.decode(&text) {
        Ok(raw) if expected_len.is_none_or(|n| n == raw.len()) => raw,
        _ => bytes.to_vec(),
    }
}

pub fn verify(ctx: &Ctx, args: VerifyArgs) -> Result<()> {
    let pk = crate::keyref::public_key(ctx, &args.key)?;
    let scheme = scheme_for(args.scheme, pk.algorithm())?;
    let raw = crate::io::read_small(Some(&args.signature), 64 * 1024)?;
    let expected = match pk.algorithm() {
        scs_crypto::keys::KeyAlgorithm::Rsa { bits } => Some(bits.div_ceil(8)),
        _ => Some(64),
    };
    let sig = decode_signature(&raw, expected);
    let input = open_input(args.input.as_deref())?;
    match sign::verify_reader(&pk, scheme, input, &sig) {
        Ok(()) => {
            println!("Verified OK");
            Ok(())
        }
        Err(sign::StreamError::Crypto(scs_crypto::Error::BadSignature)) => Err(failed(format!(
            "signature verification failed: {} was not signed by this key, or was changed",
            display_name(args.input.as_deref())
        ))
        .into()),
        Err(e) => Err(with_name(e, &args.input)),
    }
}

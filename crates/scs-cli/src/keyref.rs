//! Naming keys on the command line: a keystore name, or a path to a PEM/DER
//! key or certificate file.

use std::path::Path;

use anyhow::{Context as _, Result};
use scs_crypto::pem_io::{self, KeyFile};
use scs_crypto::{PrivateKey, PublicKey};

use crate::ctx::Ctx;
use crate::exit::usage;

/// Largest key file read.
const MAX_KEY_FILE: u64 = pem_io::MAX_KEY_FILE as u64;

enum Where {
    Store(String),
    File(std::path::PathBuf),
}

fn locate(ctx: &Ctx, spec: &str) -> Result<Where> {
    if scs_keystore::validate_name(spec).is_ok() && ctx.keystore()?.contains(spec) {
        return Ok(Where::Store(spec.to_owned()));
    }
    let p = Path::new(spec);
    if p.is_file() {
        return Ok(Where::File(p.to_path_buf()));
    }
    Err(usage(format!(
        "no key named '{spec}' in the keystore and no such file"
    ))
    .hint("`scs key list` shows the keys in the keystore")
    .into())
}

/// A private key: unlocks a keystore entry or reads a key file (asking for
/// the passphrase of an encrypted one).
pub fn private_key(ctx: &Ctx, spec: &str) -> Result<PrivateKey> {
    match locate(ctx, spec)? {
        Where::Store(name) => {
            let ks = ctx.keystore()?;
            let info = ks.info(&name)?;
            if !info.has_private {
                return Err(scs_keystore::Error::NoPrivateKey(name).into());
            }
            let pass = ctx.secrets.get(&format!("key '{name}'"))?;
            Ok(ks.unlock(&name, &pass)?)
        }
        Where::File(path) => {
            let bytes = crate::io::read_small(Some(&path), MAX_KEY_FILE)?;
            match pem_io::parse_key_file(&bytes).with_context(|| path.display().to_string())? {
                KeyFile::Private(k) => Ok(k),
                KeyFile::Encrypted(enc) => {
                    let pass = ctx.secrets.get(&path.display().to_string())?;
                    Ok(enc.decrypt(&pass)?)
                }
                KeyFile::Public(_) | KeyFile::Certificate(_) => Err(usage(format!(
                    "{}: holds a public key or certificate, not a private key",
                    path.display()
                ))
                .into()),
                _ => Err(usage(format!("{}: not a private key", path.display())).into()),
            }
        }
    }
}

/// A public key: a keystore entry, or a public key, certificate or private
/// key file (whose public half is used).
pub fn public_key(ctx: &Ctx, spec: &str) -> Result<PublicKey> {
    match locate(ctx, spec)? {
        Where::Store(name) => Ok(ctx.keystore()?.public_key(&name)?),
        Where::File(path) => {
            let bytes = crate::io::read_small(Some(&path), MAX_KEY_FILE)?;
            public_from_bytes(&bytes).with_context(|| path.display().to_string())
        }
    }
}

/// The public key in a key or certificate file's bytes.
pub fn public_from_bytes(bytes: &[u8]) -> Result<PublicKey> {
    Ok(match pem_io::parse_key_file(bytes)? {
        KeyFile::Public(pk) => pk,
        KeyFile::Certificate(der) => scs_keystore::public_key_of_certificate(&der)?,
        KeyFile::Private(k) => k.public_key().clone(),
        KeyFile::Encrypted(_) => {
            return Err(usage(
                "an encrypted private key file; give its public key or certificate instead",
            )
            .into());
        }
        _ => return Err(usage("no public key found").into()),
    })
}

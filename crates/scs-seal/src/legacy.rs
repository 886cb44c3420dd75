//! OpenSSL's `enc -aes-256-cbc -pbkdf2 -md sha256 -iter N` format, for
//! files made by existing scripts.
//!
//! Layout: `"Salted__"` ‖ 8-byte salt ‖ AES-256-CBC-PKCS#7 ciphertext, with
//! `key ‖ iv = PBKDF2-HMAC-SHA256(passphrase, salt, N, 48)`. The iteration
//! count is not stored in the file: reader and writer must agree on it
//! (OpenSSL's own default is 10000; this module writes 600000 by default).
//!
//! **This format is not authenticated.** Anyone can alter a file without
//! the passphrase and the change goes unnoticed except, sometimes, as a
//! padding error; decrypted bytes reach the output before that check at the
//! end. Tell the user, and prefer the sealed format.

use std::io::{Read, Write};

use scs_crypto::cbc::{BLOCK_LEN, CbcDecryptor, CbcEncryptor};
use scs_crypto::hash::read_full;
use scs_crypto::kdf::pbkdf2_sha256;
use scs_crypto::{Passphrase, SecretBytes, rand};

use crate::{Error, Result};

/// The first eight bytes of a salted OpenSSL `enc` file.
pub const MAGIC: &[u8; 8] = b"Salted__";
/// Salt length.
pub const SALT_LEN: usize = 8;
/// PBKDF2 iterations used when writing unless told otherwise.
pub const DEFAULT_ITERATIONS: u32 = 600_000;
/// Most PBKDF2 iterations accepted.
pub const MAX_ITERATIONS: u32 = 100_000_000;

const IO_SIZE: usize = 1 << 20;

/// Whether `prefix` starts like a salted OpenSSL `enc` file.
#[must_use]
pub fn looks_like_openssl_enc(prefix: &[u8]) -> bool {
    prefix.starts_with(MAGIC)
}

fn key_iv(
    passphrase: &Passphrase,
    salt: &[u8; SALT_LEN],
    iterations: u32,
) -> Result<(SecretBytes, [u8; BLOCK_LEN])> {
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(Error::InvalidOptions(format!(
            "PBKDF2 iteration count {iterations} (1 to {MAX_ITERATIONS})"
        )));
    }
    if passphrase.is_empty() {
        return Err(Error::InvalidOptions("the passphrase is empty".into()));
    }
    let mut km = SecretBytes::zeroed(32 + BLOCK_LEN);
    pbkdf2_sha256(
        passphrase.expose().as_bytes(),
        salt,
        iterations,
        km.expose_mut(),
    )?;
    let mut iv = [0u8; BLOCK_LEN];
    iv.copy_from_slice(&km.expose()[32..]);
    km.truncate(32);
    Ok((km, iv))
}

/// Encrypts `input` as `openssl enc -aes-256-cbc -pbkdf2 -md sha256 -iter
/// <iterations>` would, with a random salt. Returns the bytes written.
pub fn encrypt<R: Read, W: Write>(
    passphrase: &Passphrase,
    iterations: u32,
    input: R,
    output: W,
) -> Result<u64> {
    encrypt_with_salt(passphrase, iterations, rand::array()?, input, output)
}

/// [`encrypt`] with a chosen salt (for tests).
#[doc(hidden)]
pub fn encrypt_with_salt<R: Read, W: Write>(
    passphrase: &Passphrase,
    iterations: u32,
    salt: [u8; SALT_LEN],
    mut input: R,
    mut output: W,
) -> Result<u64> {
    let (key, iv) = key_iv(passphrase, &salt, iterations)?;
    let mut enc = CbcEncryptor::new(key.expose(), &iv)?;
    output.write_all(MAGIC).map_err(Error::Write)?;
    output.write_all(&salt).map_err(Error::Write)?;
    let mut written = (MAGIC.len() + SALT_LEN) as u64;
    let mut buf = vec![0u8; IO_SIZE];
    let mut out = Vec::with_capacity(IO_SIZE + BLOCK_LEN);
    loop {
        let n = read_full(&mut input, &mut buf).map_err(Error::Read)?;
        if n == 0 {
            break;
        }
        out.clear();
        enc.update(&buf[..n], &mut out)?;
        output.write_all(&out).map_err(Error::Write)?;
        written += out.len() as u64;
        if n < buf.len() {
            break;
        }
    }
    out.clear();
    enc.finish(&mut out)?;
    output.write_all(&out).map_err(Error::Write)?;
    output.flush().map_err(Error::Write)?;
    Ok(written + out.len() as u64)
}

/// Decrypts an `openssl enc -aes-256-cbc -pbkdf2 -md sha256 -iter
/// <iterations>` file. Returns the plaintext bytes written.
///
/// Unauthenticated: plaintext is written as it is decrypted, and a wrong
/// passphrase or a damaged file is only noticed, when at all, by the padding
/// check at the end ([`Error::LegacyDecrypt`]).
pub fn decrypt<R: Read, W: Write>(
    passphrase: &Passphrase,
    iterations: u32,
    mut input: R,
    mut output: W,
) -> Result<u64> {
    let mut head = [0u8; MAGIC.len() + SALT_LEN];
    let n = read_full(&mut input, &mut head).map_err(Error::Read)?;
    let magic_ok = if n >= MAGIC.len() {
        head.starts_with(MAGIC)
    } else {
        n > 0 && MAGIC.starts_with(&head[..n])
    };
    if !magic_ok {
        return Err(Error::NotSealed {
            hint: Some("expected OpenSSL 'enc' output beginning with 'Salted__'"),
        });
    }
    if n < head.len() {
        return Err(Error::Truncated);
    }
    let mut salt = [0u8; SALT_LEN];
    salt.copy_from_slice(&head[MAGIC.len()..]);
    let (key, iv) = key_iv(passphrase, &salt, iterations)?;
    let mut dec = CbcDecryptor::new(key.expose(), &iv)?;
    let mut buf = vec![0u8; IO_SIZE];
    let mut out = Vec::with_capacity(IO_SIZE + BLOCK_LEN);
    let mut written = 0u64;
    loop {
        let n = read_full(&mut input, &mut buf).map_err(Error::Read)?;
        if n == 0 {
            break;
        }
        out.clear();
        dec.update(&buf[..n], &mut out)
            .map_err(|_| Error::LegacyDecrypt)?;
        output.write_all(&out).map_err(Error::Write)?;
        written += out.len() as u64;
        if n < buf.len() {
            break;
        }
    }
    out.clear();
    dec.finish(&mut out).map_err(|_| Error::LegacyDecrypt)?;
    output.write_all(&out).map_err(Error::Write)?;
    output.flush().map_err(Error::Write)?;
    Ok(written + out.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let pass = Passphrase::from("pw");
        for len in [0usize, 1, 15, 16, 17, IO_SIZE, IO_SIZE + 5] {
            let data: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let mut ct = Vec::new();
            let w = encrypt(&pass, 1000, &data[..], &mut ct).unwrap();
            assert_eq!(w as usize, ct.len());
            assert_eq!(ct.len(), 16 + (len / 16 + 1) * 16);
            let mut back = Vec::new();
            decrypt(&pass, 1000, &ct[..], &mut back).unwrap();
            assert_eq!(back, data);
        }
        let mut ct = Vec::new();
        encrypt(&pass, 1000, &b"some text here"[..], &mut ct).unwrap();
        let r = decrypt(&Passphrase::from("nope"), 1000, &ct[..], &mut Vec::new());
        // A wrong key usually, but not always, shows as bad padding.
        if let Err(e) = r {
            assert!(e.is_verification_failure(), "{e}");
        }
        assert!(matches!(
            decrypt(&pass, 1000, &b"Salted_"[..], &mut Vec::new()),
            Err(Error::Truncated)
        ));
        assert!(matches!(
            decrypt(
                &pass,
                1000,
                &b"hello world, not openssl"[..],
                &mut Vec::new()
            ),
            Err(Error::NotSealed { .. })
        ));
        assert!(decrypt(&pass, 1000, &ct[..ct.len() - 1], &mut Vec::new()).is_err());
    }
}

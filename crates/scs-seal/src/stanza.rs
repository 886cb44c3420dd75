//! Wrapping and unwrapping the file key for each stanza kind.

use scs_crypto::aead::AesGcm;
use scs_crypto::kdf::{Argon2Params, argon2id_key};
use scs_crypto::keys::oaep_decrypt_with_label;
use scs_crypto::keys::{EphemeralX25519, KeyAlgorithm, PrivateKey, PublicKey, x25519_raw};
use scs_crypto::secret::Key256;
use scs_crypto::{Passphrase, ct_eq};

use crate::format::{
    FILE_KEY_LEN, LABEL_PASSWORD, LABEL_RSA_OAEP, LABEL_X25519, PASSWORD_SALT_LEN, WRAP_NONCE,
    WRAPPED_KEY_LEN, derive,
};
use crate::header::{Stanza, StanzaBody};
use crate::{Error, Result};

/// The X25519 base point (u = 9).
const X25519_BASE: [u8; 32] = {
    let mut b = [0u8; 32];
    b[0] = 9;
    b
};

fn seal_key(wrap_key: &Key256, aad: &[u8], file_key: &Key256) -> Result<[u8; WRAPPED_KEY_LEN]> {
    let ct = AesGcm::aes256(wrap_key).seal(&WRAP_NONCE, aad, file_key.expose())?;
    let mut out = [0u8; WRAPPED_KEY_LEN];
    out.copy_from_slice(&ct);
    Ok(out)
}

fn open_key(wrap_key: &Key256, aad: &[u8], wrapped: &[u8; WRAPPED_KEY_LEN]) -> Option<Key256> {
    let pt = AesGcm::aes256(wrap_key)
        .open(&WRAP_NONCE, aad, wrapped)
        .ok()?;
    Key256::from_slice(pt.expose())
}

fn password_key(
    passphrase: &Passphrase,
    salt: &[u8; PASSWORD_SALT_LEN],
    params: Argon2Params,
) -> Result<Key256> {
    let full_salt = [LABEL_PASSWORD, &salt[..]].concat();
    Ok(argon2id_key(passphrase, &full_salt, params)?)
}

/// A passphrase stanza: Argon2id(passphrase, label ‖ salt) wraps the file key.
pub(crate) fn wrap_password(
    file_key: &Key256,
    passphrase: &Passphrase,
    params: Argon2Params,
    salt: [u8; PASSWORD_SALT_LEN],
) -> Result<Stanza> {
    params
        .check()
        .map_err(|e| Error::InvalidOptions(e.to_string()))?;
    let wrap_key = password_key(passphrase, &salt, params)?;
    let mut stanza = Stanza(StanzaBody::Password {
        params,
        salt,
        wrapped: [0u8; WRAPPED_KEY_LEN],
    });
    let sealed = seal_key(&wrap_key, &stanza.wrap_aad(), file_key)?;
    if let StanzaBody::Password { wrapped, .. } = &mut stanza.0 {
        *wrapped = sealed;
    }
    Ok(stanza)
}

/// Tries a passphrase on a passphrase stanza; `None` when it does not open.
pub(crate) fn unwrap_password(stanza: &Stanza, passphrase: &Passphrase) -> Result<Option<Key256>> {
    let StanzaBody::Password {
        params,
        salt,
        wrapped,
    } = &stanza.0
    else {
        return Ok(None);
    };
    let wrap_key = password_key(passphrase, salt, *params)?;
    Ok(open_key(&wrap_key, &stanza.wrap_aad(), wrapped))
}

/// An RSA stanza: RSA-OAEP-SHA256 of the file key with a fixed label.
pub(crate) fn wrap_rsa(file_key: &Key256, recipient: &PublicKey) -> Result<Stanza> {
    let ciphertext = recipient.oaep_encrypt_with_label(file_key.expose(), Some(LABEL_RSA_OAEP))?;
    Ok(Stanza(StanzaBody::Rsa {
        fingerprint: recipient.fingerprint(),
        ciphertext,
    }))
}

/// An RSA stanza with a given ciphertext (deterministic test vectors only).
pub(crate) fn rsa_stanza_from_parts(recipient: &PublicKey, ciphertext: Vec<u8>) -> Stanza {
    Stanza(StanzaBody::Rsa {
        fingerprint: recipient.fingerprint(),
        ciphertext,
    })
}

/// Tries an RSA key on an RSA stanza; only a key whose fingerprint matches
/// is tried. `None` when it does not open.
pub(crate) fn unwrap_rsa(stanza: &Stanza, key: &PrivateKey) -> Option<Key256> {
    let StanzaBody::Rsa {
        fingerprint,
        ciphertext,
    } = &stanza.0
    else {
        return None;
    };
    if !matches!(key.algorithm(), KeyAlgorithm::Rsa { .. })
        || !ct_eq(&key.public_key().fingerprint(), fingerprint)
    {
        return None;
    }
    let pt = oaep_decrypt_with_label(key, ciphertext, Some(LABEL_RSA_OAEP)).ok()?;
    if pt.len() != FILE_KEY_LEN {
        return None;
    }
    Key256::from_slice(pt.expose())
}

/// The ephemeral secret of an X25519 stanza.
pub(crate) enum Ephemeral<'a> {
    Random,
    /// A fixed scalar (deterministic test vectors only).
    Fixed(&'a [u8; 32]),
}

fn x25519_wrap_key(shared: &[u8], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> Result<Key256> {
    let salt = [&ephemeral[..], &recipient[..]].concat();
    derive(&salt, shared, LABEL_X25519)
}

/// An X25519 stanza: ephemeral-static X25519, then
/// HKDF(salt = ephemeral ‖ recipient, ikm = shared secret, info = label).
pub(crate) fn wrap_x25519(
    file_key: &Key256,
    recipient: &PublicKey,
    ephemeral: Ephemeral<'_>,
) -> Result<Stanza> {
    let recipient_raw = recipient.raw_bytes().ok_or_else(|| {
        Error::InvalidOptions("an X25519 recipient needs a raw 32-byte key".into())
    })?;
    let (eph_public, shared) = match ephemeral {
        Ephemeral::Random => {
            let e = EphemeralX25519::generate()?;
            let public = *e.public();
            (public, e.agree(recipient_raw)?)
        }
        Ephemeral::Fixed(scalar) => {
            let public_secret = x25519_raw(scalar, &X25519_BASE)?;
            let mut public = [0u8; 32];
            public.copy_from_slice(public_secret.expose());
            (public, x25519_raw(scalar, recipient_raw)?)
        }
    };
    let wrap_key = x25519_wrap_key(shared.expose(), &eph_public, recipient_raw)?;
    let mut stanza = Stanza(StanzaBody::X25519 {
        ephemeral: eph_public,
        wrapped: [0u8; WRAPPED_KEY_LEN],
    });
    let sealed = seal_key(&wrap_key, &stanza.wrap_aad(), file_key)?;
    if let StanzaBody::X25519 { wrapped, .. } = &mut stanza.0 {
        *wrapped = sealed;
    }
    Ok(stanza)
}

/// Tries an X25519 key on an X25519 stanza; `None` when it does not open.
pub(crate) fn unwrap_x25519(stanza: &Stanza, key: &PrivateKey) -> Option<Key256> {
    let StanzaBody::X25519 { ephemeral, wrapped } = &stanza.0 else {
        return None;
    };
    if key.algorithm() != KeyAlgorithm::X25519 {
        return None;
    }
    let recipient_raw = key.public_key().raw_bytes()?;
    let shared = key.x25519_agree(ephemeral).ok()?;
    let wrap_key = x25519_wrap_key(shared.expose(), ephemeral, recipient_raw).ok()?;
    open_key(&wrap_key, &stanza.wrap_aad(), wrapped)
}

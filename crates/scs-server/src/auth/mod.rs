//! Sessions and the authenticated-user extractor; password hashing
//! ([`password`]) and login throttling ([`throttle`]).
//!
//! A session token is 32 random bytes, base64url without padding. The
//! server stores only its SHA-256, so a copy of the database holds no
//! usable token.

pub(crate) mod password;
pub(crate) mod throttle;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use scs_api::AuthMethod;

use crate::Result;
use crate::routes::{ApiErr, NO_SESSION};
use crate::state::AppState;
use crate::storage::{self, sessions};

/// Bytes of randomness in a session token.
pub(crate) const TOKEN_BYTES: usize = 32;

/// A new token and the hash to store.
pub(crate) fn new_token() -> Result<(String, [u8; 32])> {
    let raw: [u8; TOKEN_BYTES] = scs_crypto::rand::array()?;
    let hash = scs_crypto::hash::sha256(&raw);
    Ok((URL_SAFE_NO_PAD.encode(raw), hash))
}

/// The stored hash of a presented token; `None` when it is not a token
/// this server could have issued.
pub(crate) fn token_hash(token: &str) -> Option<[u8; 32]> {
    if token.len() != 43 {
        return None;
    }
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    (raw.len() == TOKEN_BYTES).then(|| scs_crypto::hash::sha256(&raw))
}

pub(crate) fn method_name(m: AuthMethod) -> &'static str {
    match m {
        AuthMethod::Password => "password",
        AuthMethod::Certificate => "certificate",
    }
}

/// Opens a session for `username`; returns the token and its expiry.
pub(crate) async fn open_session(
    st: &AppState,
    username: &str,
    method: AuthMethod,
) -> Result<scs_api::Session> {
    let (token, hash) = new_token()?;
    let now = storage::now();
    let ttl = i64::try_from(st.cfg.auth.session_ttl_secs).unwrap_or(i64::MAX);
    let expires_at = now.saturating_add(ttl);
    sessions::create(
        &st.db,
        &hash,
        username,
        method_name(method),
        now,
        expires_at,
    )
    .await?;
    Ok(scs_api::Session {
        username: username.to_owned(),
        token,
        expires_at,
    })
}

/// The user behind the request's `Authorization: Bearer` token. Missing,
/// malformed, unknown, expired and revoked tokens, and tokens of locked or
/// deleted accounts, are all the same 401.
#[derive(Debug, Clone)]
pub(crate) struct AuthUser {
    pub username: String,
    pub method: AuthMethod,
    pub expires_at: i64,
    pub token_hash: [u8; 32],
}

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Looks a token up; `None` when it does not give a live session.
pub(crate) async fn authenticate(st: &AppState, token: &str) -> Result<Option<AuthUser>> {
    let Some(hash) = token_hash(token) else {
        return Ok(None);
    };
    let Some(row) = sessions::lookup(&st.db, &hash, storage::now()).await? else {
        return Ok(None);
    };
    if !scs_crypto::ct_eq(&row.token_hash, &hash) {
        return Ok(None);
    }
    let method = if row.method == "certificate" {
        AuthMethod::Certificate
    } else {
        AuthMethod::Password
    };
    Ok(Some(AuthUser {
        username: row.username,
        method,
        expires_at: row.expires_at,
        token_hash: hash,
    }))
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiErr;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiErr> {
        let token = bearer(parts).ok_or_else(|| ApiErr::unauthorized(NO_SESSION))?;
        authenticate(st, token)
            .await?
            .ok_or_else(|| ApiErr::unauthorized(NO_SESSION))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let (t, h) = new_token().unwrap();
        assert_eq!(t.len(), 43);
        assert_eq!(token_hash(&t), Some(h));
        let (t2, _) = new_token().unwrap();
        assert_ne!(t, t2);
        assert_eq!(token_hash("short"), None);
        assert_eq!(token_hash(&"!".repeat(43)), None);
        assert_eq!(token_hash(&"A".repeat(10_000)), None);
    }
}

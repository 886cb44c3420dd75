//! The `sessions` table. Only the SHA-256 of a token is stored: a copy of
//! the database does not hold a usable token.

use sqlx::Row;

use super::Db;
use crate::Result;

/// A live session.
#[derive(Debug, Clone)]
pub(crate) struct SessionRow {
    pub token_hash: Vec<u8>,
    pub username: String,
    pub method: String,
    pub expires_at: i64,
}

pub(crate) async fn create(
    db: &Db,
    token_hash: &[u8],
    username: &str,
    method: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, username, method, created_at, expires_at, revoked) \
         VALUES ($1, $2, $3, $4, $5, 0)",
    )
    .bind(token_hash.to_vec())
    .bind(username)
    .bind(method)
    .bind(now)
    .bind(expires_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The session with this token hash if it is neither expired nor revoked
/// and its account exists and is not locked.
pub(crate) async fn lookup(db: &Db, token_hash: &[u8], now: i64) -> Result<Option<SessionRow>> {
    let row = sqlx::query(
        "SELECT s.token_hash, s.username, s.method, s.expires_at FROM sessions s \
         JOIN users u ON u.username = s.username \
         WHERE s.token_hash = $1 AND s.revoked = 0 AND s.expires_at > $2 AND u.locked = 0",
    )
    .bind(token_hash.to_vec())
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(SessionRow {
            token_hash: r.try_get(0)?,
            username: r.try_get(1)?,
            method: r.try_get(2)?,
            expires_at: r.try_get(3)?,
        })
    })
    .transpose()
}

/// Revokes one session.
pub(crate) async fn revoke(db: &Db, token_hash: &[u8]) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked = 1 WHERE token_hash = $1")
        .bind(token_hash.to_vec())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Revokes every session of a user; returns how many were live.
pub(crate) async fn revoke_all(db: &Db, username: &str) -> Result<u64> {
    let r = sqlx::query("UPDATE sessions SET revoked = 1 WHERE username = $1 AND revoked = 0")
        .bind(username)
        .execute(db.pool())
        .await?;
    Ok(r.rows_affected())
}

/// Revokes every session of a user but one.
pub(crate) async fn revoke_others(db: &Db, username: &str, keep: &[u8]) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE sessions SET revoked = 1 \
         WHERE username = $1 AND token_hash <> $2 AND revoked = 0",
    )
    .bind(username)
    .bind(keep.to_vec())
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected())
}

/// Deletes sessions that expired before `before` (revoked ones go when
/// they would have expired).
pub(crate) async fn purge(db: &Db, before: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(before)
        .execute(db.pool())
        .await?;
    Ok(r.rows_affected())
}

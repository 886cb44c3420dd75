//! The `users` table: accounts, password hashes and current certificates.

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use super::Db;
use crate::Result;

macro_rules! user_cols {
    () => {
        "username, password_phc, created_at, locked, cert_pem, cert_serial, \
         cert_fingerprint, key_fingerprint, cert_revoked"
    };
}

/// One account.
#[derive(Clone)]
pub(crate) struct UserRow {
    pub username: String,
    pub password_phc: String,
    pub created_at: i64,
    /// Locked by an administrator.
    pub locked: bool,
    pub cert_pem: Option<String>,
    /// Upper-case hex.
    pub cert_serial: Option<String>,
    /// SHA-256 of the certificate DER, lower-case hex.
    pub cert_fingerprint: Option<String>,
    /// SHA-256 of the SubjectPublicKeyInfo, lower-case hex.
    pub key_fingerprint: Option<String>,
    pub cert_revoked: bool,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("username", &self.username)
            .field("locked", &self.locked)
            .field("cert_serial", &self.cert_serial)
            .finish_non_exhaustive()
    }
}

/// The certificate columns of a registration.
#[derive(Debug, Clone)]
pub(crate) struct CertColumns {
    pub pem: String,
    pub serial: String,
    pub fingerprint: String,
    pub key_fingerprint: String,
}

fn from_row(r: &AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        username: r.try_get(0)?,
        password_phc: r.try_get(1)?,
        created_at: r.try_get(2)?,
        locked: r.try_get::<i64, _>(3)? != 0,
        cert_pem: r.try_get(4)?,
        cert_serial: r.try_get(5)?,
        cert_fingerprint: r.try_get(6)?,
        key_fingerprint: r.try_get(7)?,
        cert_revoked: r.try_get::<i64, _>(8)? != 0,
    })
}

/// The account named `name`.
pub(crate) async fn get(db: &Db, name: &str) -> Result<Option<UserRow>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_cols!(),
        " FROM users WHERE username = $1"
    ))
    .bind(name)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every account, by name.
pub(crate) async fn list(db: &Db) -> Result<Vec<UserRow>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        user_cols!(),
        " FROM users ORDER BY username"
    ))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Whether an account named `name` exists.
pub(crate) async fn exists(db: &Db, name: &str) -> Result<bool> {
    let row = sqlx::query("SELECT 1 FROM users WHERE username = $1")
        .bind(name)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.is_some())
}

/// Inserts a new account inside a registration transaction. `false` when
/// the name is taken (nothing is written).
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    name: &str,
    phc: &str,
    now: i64,
) -> Result<bool> {
    let row = sqlx::query(
        "INSERT INTO users (username, password_phc, created_at, locked, cert_revoked) \
         VALUES ($1, $2, $3, 0, 0) ON CONFLICT (username) DO NOTHING RETURNING username",
    )
    .bind(name)
    .bind(phc)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.is_some())
}

/// Sets the account's certificate (same transaction as [`insert`]).
pub(crate) async fn set_certificate(
    conn: &mut AnyConnection,
    name: &str,
    cert: &CertColumns,
) -> Result<()> {
    sqlx::query(
        "UPDATE users SET cert_pem = $1, cert_serial = $2, cert_fingerprint = $3, \
         key_fingerprint = $4, cert_revoked = 0 WHERE username = $5",
    )
    .bind(&cert.pem)
    .bind(&cert.serial)
    .bind(&cert.fingerprint)
    .bind(&cert.key_fingerprint)
    .bind(name)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the administrator's lock. `false` when there is no such account.
pub(crate) async fn set_locked(db: &Db, name: &str, locked: bool) -> Result<bool> {
    let r = sqlx::query("UPDATE users SET locked = $1 WHERE username = $2")
        .bind(i64::from(locked))
        .bind(name)
        .execute(db.pool())
        .await?;
    Ok(r.rows_affected() > 0)
}

/// Replaces the password hash.
pub(crate) async fn set_password(db: &Db, name: &str, phc: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_phc = $1 WHERE username = $2")
        .bind(phc)
        .bind(name)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Marks the account's certificate revoked, if it is still `serial`.
pub(crate) async fn mark_cert_revoked(db: &Db, name: &str, serial: &str) -> Result<bool> {
    let r =
        sqlx::query("UPDATE users SET cert_revoked = 1 WHERE username = $1 AND cert_serial = $2")
            .bind(name)
            .bind(serial)
            .execute(db.pool())
            .await?;
    Ok(r.rows_affected() > 0)
}

/// Deletes the account, its sessions, its mailbox (and messages no other
/// mailbox holds) and its throttle record, in one transaction. `false` when
/// there is no such account.
pub(crate) async fn delete(db: &Db, name: &str) -> Result<bool> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("DELETE FROM sessions WHERE username = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM mailbox WHERE recipient = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM messages WHERE NOT EXISTS \
         (SELECT 1 FROM mailbox WHERE mailbox.message_id = messages.id)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM throttle WHERE tkey = $1")
        .bind(format!("user:{name}"))
        .execute(&mut *tx)
        .await?;
    let r = sqlx::query("DELETE FROM users WHERE username = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(r.rows_affected() > 0)
}

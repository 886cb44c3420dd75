//! The `audit` table: security events, appended and never updated.

use sqlx::{AnyConnection, Row};

use super::Db;
use crate::Result;

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditRecord {
    pub id: i64,
    /// Unix time (seconds).
    pub ts: i64,
    /// e.g. `login.failure`, `register`, `cert.revoke`.
    pub event: String,
    pub username: Option<String>,
    /// The client's address, for events caused by a request.
    pub source: Option<String>,
    pub detail: Option<String>,
}

/// Appends a record through a connection (the pool's or a transaction's).
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    ts: i64,
    event: &str,
    username: Option<&str>,
    source: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit (ts, event, username, source, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ts)
    .bind(event)
    .bind(username)
    .bind(source)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// The most recent records, newest first.
pub(crate) async fn recent(db: &Db, limit: i64) -> Result<Vec<AuditRecord>> {
    let rows = sqlx::query(
        "SELECT id, ts, event, username, source, detail FROM audit ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRecord {
                id: r.try_get(0)?,
                ts: r.try_get(1)?,
                event: r.try_get(2)?,
                username: r.try_get(3)?,
                source: r.try_get(4)?,
                detail: r.try_get(5)?,
            })
        })
        .collect()
}

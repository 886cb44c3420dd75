//! The `throttle` table: failure counters per account (`user:NAME`) and
//! per source address (`addr:IP`), shared by every node on the database.
//!
//! Each statement is a single atomic upsert, so that concurrent attempts —
//! on one node or several — count exactly.

use sqlx::Row;

use super::Db;
use crate::Result;

/// The state of one key after a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counter {
    /// Failures counted in the current window, this attempt included.
    pub failures: i64,
    /// Unix time until which the key is locked (0: not locked).
    pub locked_until: i64,
}

/// Counts an attempt for `key` before its outcome is known.
///
/// * While the key is locked (`locked_until > now`) nothing changes and
///   the lock is returned.
/// * After a lock expired, or when the last failure is older than
///   `window_start`, the count starts again at 1.
/// * Otherwise the count grows by one.
///
/// Counting first and undoing on success ([`success`], [`release`]) means
/// that parallel attempts cannot slip past the threshold.
pub(crate) async fn reserve(db: &Db, key: &str, now: i64, window_start: i64) -> Result<Counter> {
    let row = sqlx::query(
        "INSERT INTO throttle (tkey, failures, last_failure, locked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (tkey) DO UPDATE SET \
           failures = CASE WHEN throttle.locked_until > $2 THEN throttle.failures \
                           WHEN throttle.locked_until <> 0 OR throttle.last_failure < $3 THEN 1 \
                           ELSE throttle.failures + 1 END, \
           last_failure = CASE WHEN throttle.locked_until > $2 THEN throttle.last_failure \
                               ELSE $2 END, \
           locked_until = CASE WHEN throttle.locked_until > $2 THEN throttle.locked_until \
                               ELSE 0 END \
         RETURNING failures, locked_until",
    )
    .bind(key)
    .bind(now)
    .bind(window_start)
    .fetch_one(db.pool())
    .await?;
    Ok(Counter {
        failures: row.try_get(0)?,
        locked_until: row.try_get(1)?,
    })
}

/// Locks `key` until `until` (a lockout).
pub(crate) async fn lock(db: &Db, key: &str, until: i64) -> Result<()> {
    sqlx::query("UPDATE throttle SET locked_until = $1 WHERE tkey = $2 AND locked_until < $1")
        .bind(until)
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A success: forgets the key's failures (the account counter).
pub(crate) async fn success(db: &Db, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM throttle WHERE tkey = $1 AND locked_until = 0")
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Undoes one reservation (an address counter after a success, or a key
/// reserved for an attempt that was then refused for another reason).
pub(crate) async fn release(db: &Db, key: &str) -> Result<()> {
    sqlx::query(
        "UPDATE throttle SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END \
         WHERE tkey = $1 AND locked_until = 0",
    )
    .bind(key)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Removes the key (an administrator's unlock).
pub(crate) async fn clear(db: &Db, key: &str) -> Result<bool> {
    let r = sqlx::query("DELETE FROM throttle WHERE tkey = $1")
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(r.rows_affected() > 0)
}

/// The lock on a key, if any is in force at `now`.
pub(crate) async fn locked_until(db: &Db, key: &str, now: i64) -> Result<Option<i64>> {
    let row =
        sqlx::query("SELECT locked_until FROM throttle WHERE tkey = $1 AND locked_until > $2")
            .bind(key)
            .bind(now)
            .fetch_optional(db.pool())
            .await?;
    row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
}

/// Deletes records that no longer matter: not locked at `now` and with no
/// failure since `window_start`.
pub(crate) async fn purge(db: &Db, now: i64, window_start: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM throttle WHERE locked_until <= $1 AND last_failure < $2")
        .bind(now)
        .bind(window_start)
        .execute(db.pool())
        .await?;
    Ok(r.rows_affected())
}

//! The `messages` and `mailbox` tables: a message's ciphertext is stored
//! once, with one mailbox row per recipient; the message goes when the last
//! recipient deletes it.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use crate::Result;

/// A stored message as one recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MessageRow {
    pub id: String,
    pub sender: String,
    pub recipients: Vec<String>,
    pub created_at: i64,
    pub size: i64,
    pub read: bool,
}

/// Why a message was not stored.
#[derive(Debug)]
pub(crate) enum SendError {
    /// This recipient's mailbox would exceed the quota.
    Quota(String),
    /// A message with this id is stored already.
    Duplicate,
    Db(crate::Error),
}

impl From<sqlx::Error> for SendError {
    fn from(e: sqlx::Error) -> Self {
        SendError::Db(e.into())
    }
}

fn split_recipients(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn meta_from_row(r: &AnyRow) -> Result<MessageRow> {
    let recipients: String = r.try_get(2)?;
    Ok(MessageRow {
        id: r.try_get(0)?,
        sender: r.try_get(1)?,
        recipients: split_recipients(&recipients),
        created_at: r.try_get(3)?,
        size: r.try_get(4)?,
        read: r.try_get::<i64, _>(5)? != 0,
    })
}

/// Stores a message for `recipients` (existing, distinct usernames) in one
/// transaction, checking each mailbox against `quota` bytes.
pub(crate) async fn insert(
    db: &Db,
    id: &str,
    sender: &str,
    recipients: &[String],
    now: i64,
    ciphertext: Vec<u8>,
    quota: u64,
) -> core::result::Result<(), SendError> {
    let size = i64::try_from(ciphertext.len()).unwrap_or(i64::MAX);
    let mut tx = db.pool().begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO messages (id, sender, recipients, created_at, size, ciphertext) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(sender)
    .bind(recipients.join(","))
    .bind(now)
    .bind(size)
    .bind(ciphertext)
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        tx.rollback().await?;
        return Err(SendError::Duplicate);
    }
    let quota = i64::try_from(quota).unwrap_or(i64::MAX);
    for r in recipients {
        let used: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM mailbox WHERE recipient = $1",
        )
        .bind(r)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if used.saturating_add(size) > quota {
            tx.rollback().await?;
            return Err(SendError::Quota(r.clone()));
        }
        sqlx::query(
            "INSERT INTO mailbox (recipient, message_id, size, is_read) VALUES ($1, $2, $3, 0)",
        )
        .bind(r)
        .bind(id)
        .bind(size)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The recipient's mailbox, oldest first.
pub(crate) async fn list(db: &Db, recipient: &str) -> Result<Vec<MessageRow>> {
    let rows = sqlx::query(
        "SELECT m.id, m.sender, m.recipients, m.created_at, m.size, b.is_read \
         FROM mailbox b JOIN messages m ON m.id = b.message_id \
         WHERE b.recipient = $1 ORDER BY m.seq",
    )
    .bind(recipient)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(meta_from_row).collect()
}

/// One message of the recipient's mailbox with its ciphertext, marked read.
pub(crate) async fn fetch(
    db: &Db,
    recipient: &str,
    id: &str,
) -> Result<Option<(MessageRow, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT m.id, m.sender, m.recipients, m.created_at, m.size, b.is_read, m.ciphertext \
         FROM mailbox b JOIN messages m ON m.id = b.message_id \
         WHERE b.recipient = $1 AND b.message_id = $2",
    )
    .bind(recipient)
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let meta = meta_from_row(&row)?;
    let ct: Vec<u8> = row.try_get(6)?;
    if !meta.read {
        sqlx::query("UPDATE mailbox SET is_read = 1 WHERE recipient = $1 AND message_id = $2")
            .bind(recipient)
            .bind(id)
            .execute(db.pool())
            .await?;
    }
    Ok(Some((meta, ct)))
}

/// Removes the message from the recipient's mailbox (and the message when
/// no mailbox holds it any more). `false` when it was not there.
pub(crate) async fn delete(db: &Db, recipient: &str, id: &str) -> Result<bool> {
    let mut tx = db.pool().begin().await?;
    let r = sqlx::query("DELETE FROM mailbox WHERE recipient = $1 AND message_id = $2")
        .bind(recipient)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if r.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "DELETE FROM messages WHERE id = $1 AND NOT EXISTS \
         (SELECT 1 FROM mailbox WHERE mailbox.message_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Bytes held in the recipient's mailbox.
#[allow(dead_code)]
pub(crate) async fn usage(db: &Db, recipient: &str) -> Result<i64> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM mailbox WHERE recipient = $1",
    )
    .bind(recipient)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get(0)?)
}

//! Storage: one sqlx `AnyPool` over SQLite (embedded default) or
//! PostgreSQL (shared by several nodes), with the migrations compiled into
//! the binary.
//!
//! The SQL is the same for both backends: `$N` placeholders, BIGINT Unix
//! times, 0/1 BIGINT flags, BLOB/BYTEA read as `Vec<u8>`, `ON CONFLICT` and
//! `RETURNING`. Every statement is a literal with bound parameters: sqlx
//! refuses a non-`'static` query string, so no input can become SQL.
//!
//! SQLite runs in WAL mode with `synchronous = FULL` (a committed
//! transaction survives a power cut), foreign keys on and a busy timeout,
//! so that the admin commands can write while the server runs. Every
//! transaction that writes starts with its first write, so SQLite takes the
//! write lock at once rather than upgrading a read lock.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, SqlSafeStr};

use crate::config::DatabaseConfig;
use crate::{Error, Result};

pub(crate) mod audit;
pub(crate) mod messages;
pub(crate) mod sessions;
pub(crate) mod throttle;
pub(crate) mod users;

#[cfg(test)]
mod tests;

/// The database engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "init",
    include_str!("../../migrations/sqlite/0001_init.sql"),
)];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "init",
    include_str!("../../migrations/postgres/0001_init.sql"),
)];

/// The migrations of a backend, built at run time from the embedded SQL.
pub(crate) fn migrator(backend: Backend) -> Migrator {
    let list = match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    };
    Migrator::with_migrations(
        list.iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    (*name).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// The pool and what is behind it.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    pool: AnyPool,
    backend: Backend,
}

/// Unix time in seconds.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Percent-encodes the characters SQLite's URL parser treats specially.
fn sqlite_path_url(path: &Path) -> Result<String> {
    let s = path.to_str().ok_or_else(|| {
        Error::Invalid(format!(
            "{}: the database path is not UTF-8",
            path.display()
        ))
    })?;
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str("sqlite://");
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out.push_str("?mode=rwc");
    Ok(out)
}

/// The connection URL for `url` from the configuration, with a relative
/// SQLite file placed in `dir`; and the file, for SQLite.
pub(crate) fn resolve_url(
    dir: &Path,
    url: &str,
) -> Result<(String, Backend, Option<std::path::PathBuf>)> {
    if let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let file = rest.split('?').next().unwrap_or_default();
        if file.is_empty() || file.contains(":memory:") {
            return Err(Error::Invalid(
                "database: an SQLite URL names a file (sqlite:scs.db)".into(),
            ));
        }
        let path = crate::config::resolve(dir, Path::new(file));
        Ok((sqlite_path_url(&path)?, Backend::Sqlite, Some(path)))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((url.to_owned(), Backend::Postgres, None))
    } else {
        Err(Error::Invalid(
            "database: the URL must start with sqlite: or postgres://".into(),
        ))
    }
}

impl Db {
    /// Connects and applies pending migrations.
    pub(crate) async fn open(dir: &Path, cfg: &DatabaseConfig) -> Result<Db> {
        install_default_drivers();
        let (url, backend, file) = resolve_url(dir, &cfg.url)?;
        if let Some(file) = &file {
            crate::fsutil::touch_private(file)?;
        }
        let sqlite = backend == Backend::Sqlite;
        let pool = AnyPoolOptions::new()
            .max_connections(cfg.max_connections)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| Error::Database(redact(&e.to_string(), &url)))?;
        migrator(backend).run(&pool).await?;
        Ok(Db { pool, backend })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    #[allow(dead_code)]
    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap query, for `/healthz`.
    pub(crate) async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

/// Removes a password embedded in a connection URL from an error message.
fn redact(msg: &str, url: &str) -> String {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return msg.to_owned();
    };
    let Some((userinfo, _)) = rest.split_once('@') else {
        return msg.to_owned();
    };
    match userinfo.split_once(':') {
        Some((_, pw)) if !pw.is_empty() => msg.replace(pw, "***"),
        _ => msg.to_owned(),
    }
}

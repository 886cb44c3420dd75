//! Security events: each goes to the `audit` table and to `tracing` with
//! target `audit`. Callers pass names, addresses and short descriptions —
//! never a password, a token or key material.

use sqlx::AnyConnection;

use crate::Result;
use crate::storage::{self, Db};

/// Event names, stable for log processing.
pub(crate) mod event {
    pub const REGISTER: &str = "register";
    pub const CERT_ISSUE: &str = "cert.issue";
    pub const CERT_REVOKE: &str = "cert.revoke";
    pub const LOGIN_SUCCESS: &str = "login.success";
    pub const LOGIN_FAILURE: &str = "login.failure";
    pub const LOGIN_LOCKED: &str = "login.locked";
    pub const LOCKOUT: &str = "lockout";
    pub const LOGOUT: &str = "logout";
    pub const PASSWORD_CHANGE: &str = "password.change";
    pub const PASSWORD_CHANGE_FAILURE: &str = "password.change.failure";
    pub const ADMIN_LOCK: &str = "admin.lock";
    pub const ADMIN_UNLOCK: &str = "admin.unlock";
    pub const ADMIN_DELETE: &str = "admin.delete";
}

fn trace(event: &str, user: Option<&str>, source: Option<&str>, detail: Option<&str>) {
    tracing::info!(
        target: "audit",
        event,
        user = user.unwrap_or("-"),
        source = source.unwrap_or("-"),
        detail = detail.unwrap_or(""),
        "{event}"
    );
}

/// Records an event; a failure to store it is logged, not returned (the
/// `tracing` record is still made).
pub(crate) async fn record(
    db: &Db,
    event: &str,
    user: Option<&str>,
    source: Option<&str>,
    detail: Option<&str>,
) {
    trace(event, user, source, detail);
    let r = async {
        let mut conn = db.pool().acquire().await?;
        storage::audit::insert(&mut conn, storage::now(), event, user, source, detail).await
    }
    .await;
    if let Err(e) = r {
        tracing::error!(target: "audit", "could not store audit event {event}: {e}");
    }
}

/// Records an event inside a transaction; it commits or rolls back with
/// the change it describes. The `tracing` record is made by the caller
/// after the commit, with [`traced`].
pub(crate) async fn record_in(
    conn: &mut AnyConnection,
    event: &str,
    user: Option<&str>,
    source: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    storage::audit::insert(conn, storage::now(), event, user, source, detail).await
}

/// The `tracing` half of an event stored with [`record_in`].
pub(crate) fn traced(event: &str, user: Option<&str>, source: Option<&str>, detail: Option<&str>) {
    trace(event, user, source, detail);
}

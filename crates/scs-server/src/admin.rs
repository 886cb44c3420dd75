//! Commands for the server host (`scs server user list|lock|unlock|delete|
//! revoke-cert NAME --dir DIR`). Each opens the database of the data
//! directory directly, so they work whether or not the server runs (SQLite
//! in WAL mode lets both write; PostgreSQL is shared anyway).
//!
//! They are blocking functions: each runs its database work on a private
//! runtime in a thread of its own, so a caller may be inside a runtime or
//! not.

use std::path::Path;

use scs_api::validate_username;
use scs_crypto::Passphrase;
use scs_pki::{Ca, RevocationReason};

use crate::audit::{self, event};
use crate::auth::throttle::user_key;
use crate::config::Config;
use crate::init::block_on;
use crate::storage::{self, Db, sessions, throttle, users};
use crate::{Error, Result};

pub use crate::storage::audit::AuditRecord;

/// An account as the administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserInfo {
    pub username: String,
    /// Unix time of registration.
    pub created_at: i64,
    /// Locked by an administrator.
    pub locked: bool,
    /// Unix time until which failed logins keep the account locked.
    pub throttled_until: Option<i64>,
    /// Serial of the current certificate (upper-case hex).
    pub certificate_serial: Option<String>,
    /// SHA-256 of the certificate's public key (hex).
    pub key_fingerprint: Option<String>,
    pub certificate_revoked: bool,
}

async fn open(dir: &Path) -> Result<Db> {
    let cfg = Config::load(dir)?;
    Db::open(dir, &cfg.database).await
}

fn check(name: &str) -> Result<()> {
    validate_username(name).map_err(|e| Error::Invalid(format!("'{name}': {e}")))
}

const ADMIN: &str = "admin";

/// Every account, by name.
pub fn list_users(dir: &Path) -> Result<Vec<UserInfo>> {
    block_on(async {
        let db = open(dir).await?;
        let now = storage::now();
        let mut out = Vec::new();
        for u in users::list(&db).await? {
            let throttled_until = throttle::locked_until(&db, &user_key(&u.username), now).await?;
            out.push(UserInfo {
                username: u.username,
                created_at: u.created_at,
                locked: u.locked,
                throttled_until,
                certificate_serial: u.cert_serial,
                key_fingerprint: u.key_fingerprint,
                certificate_revoked: u.cert_revoked,
            });
        }
        db.close().await;
        Ok(out)
    })
}

/// Locks an account: its sessions end and it cannot log in until
/// [`unlock`].
pub fn lock(dir: &Path, name: &str) -> Result<()> {
    check(name)?;
    block_on(async {
        let db = open(dir).await?;
        if !users::set_locked(&db, name, true).await? {
            return Err(Error::NoSuchUser(name.to_owned()));
        }
        let n = sessions::revoke_all(&db, name).await?;
        let detail = format!("{n} sessions revoked");
        audit::record(
            &db,
            event::ADMIN_LOCK,
            Some(name),
            Some(ADMIN),
            Some(&detail),
        )
        .await;
        db.close().await;
        Ok(())
    })
}

/// Unlocks an account, and lifts a lockout after failed logins.
pub fn unlock(dir: &Path, name: &str) -> Result<()> {
    check(name)?;
    block_on(async {
        let db = open(dir).await?;
        if !users::set_locked(&db, name, false).await? {
            return Err(Error::NoSuchUser(name.to_owned()));
        }
        throttle::clear(&db, &user_key(name)).await?;
        audit::record(&db, event::ADMIN_UNLOCK, Some(name), Some(ADMIN), None).await;
        db.close().await;
        Ok(())
    })
}

/// Deletes an account with its sessions and mailbox. Its certificate stays
/// valid at the CA until revoked: run [`revoke_cert`] first to revoke it.
pub fn delete(dir: &Path, name: &str) -> Result<()> {
    check(name)?;
    block_on(async {
        let db = open(dir).await?;
        if !users::delete(&db, name).await? {
            return Err(Error::NoSuchUser(name.to_owned()));
        }
        audit::record(&db, event::ADMIN_DELETE, Some(name), Some(ADMIN), None).await;
        db.close().await;
        Ok(())
    })
}

/// Revokes the account's current certificate: at the CA (records and a
/// new CRL, which a running server loads within `crl_reload_secs`), in the
/// database (certificate login refuses it at once), and ends the user's
/// sessions. Needs the CA passphrase. Returns the revoked serial.
pub fn revoke_cert(
    dir: &Path,
    name: &str,
    reason: RevocationReason,
    passphrase: &Passphrase,
) -> Result<String> {
    check(name)?;
    let cfg = Config::load(dir)?;
    block_on(async {
        let db = Db::open(dir, &cfg.database).await?;
        let user = users::get(&db, name)
            .await?
            .ok_or_else(|| Error::NoSuchUser(name.to_owned()))?;
        let serial = user
            .cert_serial
            .clone()
            .ok_or_else(|| Error::Invalid(format!("'{name}' has no certificate")))?;
        if user.cert_revoked {
            return Err(Error::Invalid(format!(
                "the certificate of '{name}' (serial {serial}) is already revoked"
            )));
        }
        let ca_dir = crate::pki::ca_dir(dir, &cfg);
        let crl_path = crate::pki::crl_path(dir, &cfg);
        let crl_days = cfg.ca.crl_days;
        {
            let serial = serial.clone();
            let pass = Passphrase::new(passphrase.expose().to_owned());
            tokio::task::spawn_blocking(move || -> Result<()> {
                let ca = Ca::open(&ca_dir)?;
                let signer = ca.unlock(&pass)?;
                match signer.revoke(&serial, reason) {
                    Ok(_) | Err(scs_pki::Error::AlreadyRevoked(_)) => {}
                    Err(e) => return Err(e.into()),
                }
                crate::pki::write_crl(&signer, &crl_path, crl_days)?;
                Ok(())
            })
            .await
            .map_err(|_| Error::Invalid("revocation was interrupted".into()))??;
        }
        users::mark_cert_revoked(&db, name, &serial).await?;
        let n = sessions::revoke_all(&db, name).await?;
        let detail = format!("serial {serial}, reason {reason}, {n} sessions revoked");
        audit::record(
            &db,
            event::CERT_REVOKE,
            Some(name),
            Some(ADMIN),
            Some(&detail),
        )
        .await;
        db.close().await;
        Ok(serial)
    })
}

/// The most recent audit records, newest first.
pub fn audit_log(dir: &Path, limit: u32) -> Result<Vec<AuditRecord>> {
    block_on(async {
        let db = open(dir).await?;
        let out = storage::audit::recent(&db, i64::from(limit)).await?;
        db.close().await;
        Ok(out)
    })
}

//! Accounts: registration, password and certificate login, logout,
//! whoami, password change.

use std::net::IpAddr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use scs_api::{
    AuthMethod, LoginRequest, PasswordChange, RegisterRequest, RegisterResponse, Session, WhoAmI,
    paths, validate_username,
};
use scs_crypto::Passphrase;
use scs_pki::{Csr, Profile, RevocationReason};

use super::{ApiErr, ApiJson, WRONG_CREDENTIALS};
use crate::audit::{self, event};
use crate::auth::{self, AuthUser, throttle};
use crate::metrics::LoginResult;
use crate::state::{AppState, ConnInfo};
use crate::storage::users::{self, CertColumns};
use crate::storage::{self, sessions};

/// Shortest and longest passwords, in bytes.
pub(crate) const MIN_PASSWORD: usize = 8;
pub(crate) const MAX_PASSWORD: usize = 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::REGISTER, post(register))
        .route(paths::LOGIN, post(login))
        .route(paths::LOGIN_CERT, post(login_cert))
        .route(paths::LOGOUT, post(logout))
        .route(paths::ME, get(whoami))
        .route(paths::PASSWORD, post(change_password))
}

fn check_password(pw: &str, what: &str) -> Result<(), ApiErr> {
    if pw.len() < MIN_PASSWORD || pw.len() > MAX_PASSWORD {
        return Err(ApiErr::bad_request(format!(
            "{what} must have {MIN_PASSWORD} to {MAX_PASSWORD} bytes"
        )));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), ApiErr> {
    validate_username(name).map_err(|e| ApiErr::bad_request(e.to_string()))
}

fn ip(conn: &ConnInfo) -> IpAddr {
    conn.peer.ip()
}

/// `POST /api/v1/register`: the account and its certificate are committed
/// together in one transaction, and the answer is sent only after the
/// commit. A crash at any point leaves either the whole account or nothing.
async fn register(
    State(st): State<AppState>,
    Extension(conn): Extension<ConnInfo>,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<RegisterResponse>), ApiErr> {
    if !st.cfg.auth.allow_registration {
        return Err(ApiErr::forbidden("registration is closed on this server"));
    }
    let RegisterRequest {
        username,
        password,
        csr_pem,
    } = req;
    let password = Passphrase::new(password);
    check_name(&username)?;
    check_password(password.expose(), "a password")?;
    let csr = Csr::parse(csr_pem.as_bytes())
        .map_err(|e| ApiErr::bad_request(format!("invalid certificate request: {e}")))?;
    if csr.common_name() != username {
        return Err(ApiErr::bad_request(
            "the certificate request's common name must be the username",
        ));
    }
    Profile::User
        .check_names(csr.common_name(), csr.sans())
        .map_err(|e| ApiErr::bad_request(format!("invalid certificate request: {e}")))?;
    if users::exists(&st.db, &username).await? {
        return Err(ApiErr::conflict("this username is taken"));
    }
    let phc = st.hasher.hash(&st.metrics, password).await?;

    let source = ip(&conn).to_string();
    let now = storage::now();
    let mut tx = st.db.pool().begin().await.map_err(crate::Error::from)?;
    if !users::insert(&mut tx, &username, &phc, now).await? {
        return Err(ApiErr::conflict("this username is taken"));
    }
    let days = st.cfg.ca.user_certificate_days;
    let issued = {
        let st2 = st.clone();
        tokio::task::spawn_blocking(move || st2.ca.signer().sign_request(&csr, Profile::User, days))
            .await
            .map_err(|_| ApiErr::internal())?
    }
    .map_err(|e| match e {
        scs_pki::Error::Io { .. } | scs_pki::Error::Corrupt(_) | scs_pki::Error::Generate(_) => {
            tracing::error!("certificate issuance failed: {e}");
            ApiErr::internal()
        }
        other => ApiErr::bad_request(format!("cannot issue a certificate: {other}")),
    })?;
    let info = scs_pki::show(&issued.der).map_err(crate::Error::from)?;
    let cert = CertColumns {
        pem: issued.pem(),
        serial: issued.serial.clone(),
        fingerprint: info.fingerprint_sha256.clone(),
        key_fingerprint: info.key_fingerprint_sha256.clone(),
    };
    let detail = format!("serial {}", issued.serial);
    let stored = async {
        users::set_certificate(&mut tx, &username, &cert).await?;
        audit::record_in(
            &mut tx,
            event::REGISTER,
            Some(&username),
            Some(&source),
            None,
        )
        .await?;
        audit::record_in(
            &mut tx,
            event::CERT_ISSUE,
            Some(&username),
            Some(&source),
            Some(&detail),
        )
        .await?;
        tx.commit().await.map_err(crate::Error::from)
    }
    .await;
    if let Err(e) = stored {
        // The CA recorded a certificate no account holds: revoke it.
        let st2 = st.clone();
        let serial = issued.serial.clone();
        let _ = tokio::task::spawn_blocking(move || {
            st2.ca
                .signer()
                .revoke(&serial, RevocationReason::CessationOfOperation)
        })
        .await;
        return Err(e.into());
    }
    audit::traced(event::REGISTER, Some(&username), Some(&source), None);
    audit::traced(
        event::CERT_ISSUE,
        Some(&username),
        Some(&source),
        Some(&detail),
    );
    st.metrics.registration();
    Ok((
        StatusCode::CREATED,
        Json(RegisterResponse {
            username,
            certificate_pem: cert.pem,
            ca_chain_pem: st.ca.chain_pem().to_owned(),
        }),
    ))
}

/// `POST /api/v1/login`. Unknown users, wrong passwords and every other
/// refusal of a guess get the same 401 after the same work (an Argon2id
/// verification against a dummy hash for unknown users) and the same
/// throttling; an administrator's lock (423) is only revealed to a caller
/// who knows the password.
async fn login(
    State(st): State<AppState>,
    Extension(conn): Extension<ConnInfo>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<Session>, ApiErr> {
    let LoginRequest { username, password } = req;
    let password = Passphrase::new(password);
    check_name(&username)?;
    if password.len_bytes() > MAX_PASSWORD {
        return Err(ApiErr::bad_request(format!(
            "a password has at most {MAX_PASSWORD} bytes"
        )));
    }
    let ip = ip(&conn);
    let attempt = throttle::begin(&st, &username, ip).await?;
    let user = users::get(&st.db, &username).await?;
    let phc = user.as_ref().map(|u| u.password_phc.as_str());
    let ok = st
        .hasher
        .verify(&st.metrics, phc, password.clone_secret())
        .await?;
    let Some(user) = user.filter(|_| ok) else {
        st.metrics.login(false, LoginResult::Failure);
        attempt.fail(&st, &username, ip, event::LOGIN_FAILURE).await;
        return Err(ApiErr::unauthorized(WRONG_CREDENTIALS));
    };
    attempt.succeed(&st).await?;
    let source = ip.to_string();
    if user.locked {
        st.metrics.login(false, LoginResult::Locked);
        audit::record(
            &st.db,
            event::LOGIN_LOCKED,
            Some(&username),
            Some(&source),
            Some("password"),
        )
        .await;
        return Err(ApiErr::locked());
    }
    if st.hasher.needs_rehash(&user.password_phc) {
        match st.hasher.hash(&st.metrics, password).await {
            Ok(new) => users::set_password(&st.db, &username, &new).await?,
            Err(e) => tracing::warn!("cannot re-hash a password: {e}"),
        }
    }
    let session = auth::open_session(&st, &username, AuthMethod::Password).await?;
    st.metrics.login(false, LoginResult::Success);
    audit::record(
        &st.db,
        event::LOGIN_SUCCESS,
        Some(&username),
        Some(&source),
        Some("password"),
    )
    .await;
    Ok(Json(session))
}

/// `POST /api/v1/login/cert`: the TLS layer has verified the client's
/// chain against the suite CA (and its CRL); here the leaf must be the
/// user's current certificate, not revoked, and the account not locked.
async fn login_cert(
    State(st): State<AppState>,
    Extension(conn): Extension<ConnInfo>,
) -> Result<Json<Session>, ApiErr> {
    let source = ip(&conn).to_string();
    let refuse = |who: Option<String>, why: &'static str| {
        let st = st.clone();
        let source = source.clone();
        async move {
            st.metrics.login(true, LoginResult::Failure);
            audit::record(
                &st.db,
                event::LOGIN_FAILURE,
                who.as_deref(),
                Some(&source),
                Some(why),
            )
            .await;
            ApiErr::unauthorized("the client certificate does not log in to any account")
        }
    };
    let Some(leaf) = conn.client_certs.as_ref().and_then(|c| c.first()) else {
        return Err(refuse(None, "certificate: none presented").await);
    };
    let Ok(info) = scs_pki::show(leaf.as_ref()) else {
        return Err(refuse(None, "certificate: unreadable").await);
    };
    let Some(name) = info.common_name.filter(|n| validate_username(n).is_ok()) else {
        return Err(refuse(None, "certificate: no username").await);
    };
    let user = users::get(&st.db, &name).await?;
    let presented = scs_crypto::hash::sha256(leaf.as_ref());
    let matches = user.as_ref().is_some_and(|u| {
        u.cert_fingerprint
            .as_deref()
            .and_then(|h| hex::decode(h).ok())
            .is_some_and(|stored| scs_crypto::ct_eq(&stored, &presented))
    });
    let Some(user) = user.filter(|_| matches) else {
        return Err(refuse(
            Some(name),
            "certificate: not the account's current certificate",
        )
        .await);
    };
    if user.cert_revoked {
        return Err(refuse(Some(name), "certificate: revoked").await);
    }
    if user.locked {
        st.metrics.login(true, LoginResult::Locked);
        audit::record(
            &st.db,
            event::LOGIN_LOCKED,
            Some(&name),
            Some(&source),
            Some("certificate"),
        )
        .await;
        return Err(ApiErr::locked());
    }
    let session = auth::open_session(&st, &name, AuthMethod::Certificate).await?;
    st.metrics.login(true, LoginResult::Success);
    audit::record(
        &st.db,
        event::LOGIN_SUCCESS,
        Some(&name),
        Some(&source),
        Some("certificate"),
    )
    .await;
    Ok(Json(session))
}

/// `POST /api/v1/logout`: revokes the presented session.
async fn logout(
    State(st): State<AppState>,
    Extension(conn): Extension<ConnInfo>,
    user: AuthUser,
) -> Result<StatusCode, ApiErr> {
    sessions::revoke(&st.db, &user.token_hash).await?;
    let source = ip(&conn).to_string();
    audit::record(
        &st.db,
        event::LOGOUT,
        Some(&user.username),
        Some(&source),
        None,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me`.
async fn whoami(State(st): State<AppState>, user: AuthUser) -> Result<Json<WhoAmI>, ApiErr> {
    let row = users::get(&st.db, &user.username)
        .await?
        .ok_or_else(|| ApiErr::unauthorized(super::NO_SESSION))?;
    Ok(Json(WhoAmI {
        username: user.username,
        auth_method: user.method,
        expires_at: user.expires_at,
        key_fingerprint: row.key_fingerprint,
        certificate_serial: row.cert_serial,
    }))
}

/// `POST /api/v1/me/password`: the old password is required (and
/// throttled like a login); the user's other sessions are revoked.
async fn change_password(
    State(st): State<AppState>,
    Extension(conn): Extension<ConnInfo>,
    user: AuthUser,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiErr> {
    let PasswordChange {
        old_password,
        new_password,
    } = req;
    let old = Passphrase::new(old_password);
    let new = Passphrase::new(new_password);
    check_password(new.expose(), "the new password")?;
    if old.len_bytes() > MAX_PASSWORD {
        return Err(ApiErr::unauthorized("wrong password"));
    }
    let ip = ip(&conn);
    let name = user.username.clone();
    let attempt = throttle::begin(&st, &name, ip).await?;
    let row = users::get(&st.db, &name).await?;
    let phc = row.as_ref().map(|u| u.password_phc.as_str());
    if !st.hasher.verify(&st.metrics, phc, old).await? {
        attempt
            .fail(&st, &name, ip, event::PASSWORD_CHANGE_FAILURE)
            .await;
        return Err(ApiErr::unauthorized("wrong password"));
    }
    attempt.succeed(&st).await?;
    let phc = st.hasher.hash(&st.metrics, new).await?;
    users::set_password(&st.db, &name, &phc).await?;
    let revoked = sessions::revoke_others(&st.db, &name, &user.token_hash).await?;
    let source = ip.to_string();
    let detail = format!("{revoked} other sessions revoked");
    audit::record(
        &st.db,
        event::PASSWORD_CHANGE,
        Some(&name),
        Some(&source),
        Some(&detail),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Helpers on [`Passphrase`] used here.
trait PassExt {
    fn len_bytes(&self) -> usize;
    fn clone_secret(&self) -> Passphrase;
}

impl PassExt for Passphrase {
    fn len_bytes(&self) -> usize {
        self.expose().len()
    }
    fn clone_secret(&self) -> Passphrase {
        Passphrase::new(self.expose().to_owned())
    }
}

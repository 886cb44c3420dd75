//! The directory: users and their certificates (key distribution).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use scs_api::{UserEntry, paths, validate_username};

use super::{ApiErr, ApiPath};
use crate::auth::AuthUser;
use crate::state::AppState;
use crate::storage::users::{self, UserRow};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::USERS, get(list))
        .route(paths::USER, get(show))
}

fn entry(u: UserRow, with_pem: bool) -> UserEntry {
    UserEntry {
        username: u.username,
        created_at: u.created_at,
        key_fingerprint: u.key_fingerprint,
        certificate_serial: u.cert_serial,
        certificate_pem: if with_pem { u.cert_pem } else { None },
        certificate_revoked: u.cert_revoked,
    }
}

/// `GET /api/v1/users`: every account, without certificates.
async fn list(State(st): State<AppState>, _user: AuthUser) -> Result<Json<Vec<UserEntry>>, ApiErr> {
    let rows = users::list(&st.db).await?;
    Ok(Json(rows.into_iter().map(|u| entry(u, false)).collect()))
}

/// `GET /api/v1/users/{name}`: one account with its certificate.
async fn show(
    State(st): State<AppState>,
    _user: AuthUser,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<UserEntry>, ApiErr> {
    validate_username(&name).map_err(|e| ApiErr::bad_request(e.to_string()))?;
    let row = users::get(&st.db, &name)
        .await?
        .ok_or_else(|| ApiErr::not_found(format!("no user named '{name}'")))?;
    Ok(Json(entry(row, true)))
}

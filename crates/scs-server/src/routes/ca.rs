//! The CA chain and CRL, public: what a client needs to verify the
//! server's and users' certificates.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use scs_api::paths;

use super::ApiErr;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::CA, get(chain))
        .route(paths::CRL, get(crl))
}

/// The issuing chain (intermediate, if any, then root), PEM.
async fn chain(State(st): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/pem-certificate-chain")],
        st.ca.chain_pem().to_owned(),
    )
}

/// The current CRL of the issuing CA, PEM.
async fn crl(State(st): State<AppState>) -> Result<impl IntoResponse, ApiErr> {
    let path = crate::pki::crl_path(&st.dir, &st.cfg);
    let der = tokio::task::spawn_blocking(move || crate::pki::read_crl(&path))
        .await
        .map_err(|_| ApiErr::internal())??
        .ok_or_else(|| ApiErr::not_found("no CRL has been published"))?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        scs_pki::crl_pem(&der),
    ))
}

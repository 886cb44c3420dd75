//! `/healthz` and `/metrics`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use scs_api::{Health, paths};

use crate::state::AppState;

pub(super) fn routes(st: &AppState) -> Router<AppState> {
    let r = Router::new().route(paths::HEALTHZ, get(healthz));
    if st.cfg.metrics.enabled {
        r.route(paths::METRICS, get(metrics))
    } else {
        r
    }
}

/// `ok` when the database answers; `degraded` (503) when it does not.
async fn healthz(State(st): State<AppState>) -> impl IntoResponse {
    let (status, text) = match st.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!("health check: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "degraded")
        }
    };
    (
        status,
        Json(Health {
            status: text.into(),
            version: crate::VERSION.into(),
        }),
    )
}

async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        st.metrics.render(),
    )
}

//! The HTTP API of [`scs_api::paths`], one module per area.

mod accounts;
mod ca;
mod directory;
mod error;
mod health;
mod messages;
mod ws;

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::timeout::TimeoutLayer;

pub(crate) use error::{ApiErr, ApiJson, ApiPath, NO_SESSION, WRONG_CREDENTIALS};

use crate::state::AppState;

/// The whole API.
pub(crate) fn router(st: AppState) -> Router {
    let limits = &st.cfg.limits;
    let body_limit = limits.max_body_bytes;
    let timeout = Duration::from_secs(limits.request_timeout_secs);
    Router::new()
        .merge(health::routes(&st))
        .merge(ca::routes())
        .merge(accounts::routes())
        .merge(directory::routes())
        .merge(messages::routes(&st))
        .merge(ws::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(middleware::from_fn_with_state(st.clone(), track))
        .with_state(st)
}

async fn not_found() -> ApiErr {
    ApiErr::not_found("no such path")
}

/// Counts every request by route and status, and logs it (without the
/// query string or any header).
async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = static_method(req.method());
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    st.metrics.request(&route, method, status);
    tracing::debug!(
        target: "scs_server::access",
        method,
        route = %route,
        status,
        micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    resp
}

fn static_method(m: &axum::http::Method) -> &'static str {
    match *m {
        axum::http::Method::GET => "GET",
        axum::http::Method::POST => "POST",
        axum::http::Method::PUT => "PUT",
        axum::http::Method::DELETE => "DELETE",
        axum::http::Method::HEAD => "HEAD",
        axum::http::Method::OPTIONS => "OPTIONS",
        axum::http::Method::PATCH => "PATCH",
        axum::http::Method::CONNECT => "CONNECT",
        _ => "OTHER",
    }
}

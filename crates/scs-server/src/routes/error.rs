//! Error answers ([`ApiErr`] → an [`scs_api::ApiError`] body) and the JSON
//! extractor that turns malformed or oversized bodies into them.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scs_api::{ApiError, ErrorCode};

/// The message of every authentication failure, for known and unknown
/// users alike.
pub(crate) const WRONG_CREDENTIALS: &str = "wrong username or password";
/// The message of every refused session token.
pub(crate) const NO_SESSION: &str = "no valid session: log in again";

/// An error answer.
#[derive(Debug)]
pub(crate) struct ApiErr {
    status: StatusCode,
    body: ApiError,
}

impl ApiErr {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ApiError {
                code,
                message: message.into(),
                retry_after: None,
            },
        }
    }

    pub(crate) fn bad_request(m: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, m)
    }
    pub(crate) fn unauthorized(m: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, m)
    }
    pub(crate) fn forbidden(m: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, m)
    }
    pub(crate) fn not_found(m: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, m)
    }
    pub(crate) fn conflict(m: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, m)
    }
    pub(crate) fn too_large(m: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge, m)
    }
    pub(crate) fn locked() -> Self {
        Self::new(
            StatusCode::LOCKED,
            ErrorCode::Locked,
            "this account is locked by an administrator",
        )
    }
    pub(crate) fn quota(m: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            ErrorCode::QuotaExceeded,
            m,
        )
    }
    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal server error",
        )
    }

    /// 429 with the seconds to wait.
    pub(crate) fn throttled(m: impl Into<String>, retry_after: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::Throttled, m);
        e.body.retry_after = Some(retry_after.max(1));
        e
    }
}

impl From<crate::Error> for ApiErr {
    fn from(e: crate::Error) -> Self {
        tracing::error!("request failed: {e}");
        ApiErr::internal()
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        let retry = self.body.retry_after;
        let mut resp = (self.status, Json(self.body)).into_response();
        if let Some(s) = retry
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"scs\""),
            );
        }
        resp
    }
}

/// `Json<T>` whose rejections are [`ApiErr`]s: 413 `too_large` for a body
/// over the limit, 400 `bad_request` for anything else.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiErr;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiErr::too_large(
                "the request body is larger than the server accepts",
            )),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiErr::bad_request(
                "expected a JSON body (Content-Type: application/json)",
            )),
            Err(r) => Err(ApiErr::bad_request(format!(
                "invalid request body: {}",
                r.body_text().chars().take(200).collect::<String>()
            ))),
        }
    }
}

/// `Path<T>` whose rejections are 400 [`ApiErr`]s.
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiErr;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|_| ApiErr::bad_request("invalid path parameter"))
    }
}

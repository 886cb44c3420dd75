//! The API calls.

use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode, Url};
use scs_api::{
    ApiError, ErrorCode, Health, LoginRequest, PasswordChange, RegisterRequest, RegisterResponse,
    Session, UserEntry, WhoAmI, paths,
};
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// A connection to one server, over a TLS configuration that trusts only
/// its pinned CA.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
}

impl Client {
    pub fn new(base: &Url, tls: rustls::ClientConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(true)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("scs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::from_reqwest(base.as_str(), &e))?;
        Ok(Self {
            http,
            base: base.clone(),
        })
    }

    #[must_use]
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Url {
        let mut u = self.base.clone();
        u.set_path(path);
        u
    }

    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> RequestBuilder {
        let b = self.http.request(method, self.url(path));
        match token {
            Some(t) => b.bearer_auth(t),
            None => b,
        }
    }

    pub(crate) async fn send_raw(&self, req: RequestBuilder) -> Result<reqwest::Response> {
        let resp = req
            .send()
            .await
            .map_err(|e| Error::from_reqwest(self.base.as_str(), &e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(api_error(resp).await)
    }

    pub(crate) async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T> {
        let resp = self.send_raw(req).await?;
        resp.json::<T>()
            .await
            .map_err(|e| Error::Protocol(crate::error::lower_first(&e.to_string())))
    }

    pub(crate) async fn send_empty(&self, req: RequestBuilder) -> Result<()> {
        self.send_raw(req).await.map(drop)
    }

    pub async fn health(&self) -> Result<Health> {
        self.send(self.request(Method::GET, paths::HEALTHZ, None))
            .await
    }

    /// The server's CA chain, PEM.
    pub async fn ca_chain(&self) -> Result<String> {
        let resp = self
            .send_raw(self.request(Method::GET, paths::CA, None))
            .await?;
        let text = resp
            .text()
            .await
            .map_err(|e| Error::from_reqwest(self.base.as_str(), &e))?;
        if text.len() > 256 * 1024 {
            return Err(Error::Protocol("CA chain too large".into()));
        }
        Ok(text)
    }

    pub async fn register(&self, req: &RegisterRequest) -> Result<RegisterResponse> {
        self.send(self.request(Method::POST, paths::REGISTER, None).json(req))
            .await
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<Session> {
        self.send(self.request(Method::POST, paths::LOGIN, None).json(req))
            .await
    }

    /// Certificate login: this client must have been built with an identity.
    pub async fn login_cert(&self) -> Result<Session> {
        self.send(self.request(Method::POST, paths::LOGIN_CERT, None))
            .await
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        self.send_empty(self.request(Method::POST, paths::LOGOUT, Some(token)))
            .await
    }

    pub async fn whoami(&self, token: &str) -> Result<WhoAmI> {
        self.send(self.request(Method::GET, paths::ME, Some(token)))
            .await
    }

    pub async fn change_password(&self, token: &str, change: &PasswordChange) -> Result<()> {
        self.send_empty(
            self.request(Method::POST, paths::PASSWORD, Some(token))
                .json(change),
        )
        .await
    }

    pub async fn users(&self, token: &str) -> Result<Vec<UserEntry>> {
        self.send(self.request(Method::GET, paths::USERS, Some(token)))
            .await
    }

    pub async fn user(&self, token: &str, name: &str) -> Result<UserEntry> {
        scs_api::validate_username(name).map_err(|e| Error::Api {
            status: 400,
            code: ErrorCode::BadRequest,
            message: e.to_string(),
            retry_after: None,
        })?;
        self.send(self.request(Method::GET, &paths::user(name), Some(token)))
            .await
    }
}

async fn api_error(resp: reqwest::Response) -> Error {
    let status = resp.status();
    let body = resp.bytes().await.unwrap_or_default();
    match serde_json::from_slice::<ApiError>(&body) {
        Ok(e) => Error::Api {
            status: status.as_u16(),
            code: e.code,
            message: e.message,
            retry_after: e.retry_after,
        },
        Err(_) => Error::Api {
            status: status.as_u16(),
            code: code_for_status(status),
            message: format!("the server answered {status}"),
            retry_after: None,
        },
    }
}

fn code_for_status(s: StatusCode) -> ErrorCode {
    match s.as_u16() {
        400 => ErrorCode::BadRequest,
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Conflict,
        413 => ErrorCode::TooLarge,
        423 => ErrorCode::Locked,
        429 => ErrorCode::Throttled,
        507 => ErrorCode::QuotaExceeded,
        _ => ErrorCode::Internal,
    }
}

//! The scs HTTP API: paths, request and response bodies, and the rules both
//! ends enforce (usernames). The server and the client share these types so
//! that they cannot drift apart; `docs/openapi.yaml` describes the same API.
//!
//! All bodies are JSON. Authenticated calls carry `Authorization: Bearer
//! TOKEN`, where TOKEN is the session token from a login. Errors are
//! [`ApiError`] bodies with a non-2xx status.
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};

pub mod username;
pub use username::{UsernameError, validate_username};

/// Version prefix of every API path.
pub const PREFIX: &str = "/api/v1";

/// Paths, relative to the server's base URL.
pub mod paths {
    pub const HEALTHZ: &str = "/healthz";
    pub const METRICS: &str = "/metrics";
    /// GET: the CA chain (PEM) that issued the server's and users' certificates.
    pub const CA: &str = "/api/v1/ca";
    /// GET: the issuing CA's current certificate revocation list (PEM), public.
    pub const CRL: &str = "/api/v1/ca/crl";
    /// POST [`crate::RegisterRequest`] → [`crate::RegisterResponse`].
    pub const REGISTER: &str = "/api/v1/register";
    /// POST [`crate::LoginRequest`] → [`crate::Session`].
    pub const LOGIN: &str = "/api/v1/login";
    /// POST (no body) over mutual TLS → [`crate::Session`].
    pub const LOGIN_CERT: &str = "/api/v1/login/cert";
    /// POST (authenticated): revokes the session.
    pub const LOGOUT: &str = "/api/v1/logout";
    /// GET (authenticated) → [`crate::WhoAmI`].
    pub const ME: &str = "/api/v1/me";
    /// POST (authenticated) [`crate::PasswordChange`].
    pub const PASSWORD: &str = "/api/v1/me/password";
    /// GET (authenticated) → `Vec<`[`crate::UserEntry`]`>`.
    pub const USERS: &str = "/api/v1/users";
    /// GET (authenticated) `/api/v1/users/{name}` → [`crate::UserEntry`] with certificate.
    pub const USER: &str = "/api/v1/users/{name}";
    /// GET (authenticated, WebSocket upgrade): live events.
    pub const WS: &str = "/api/v1/ws";
    /// POST (authenticated) [`crate::SendMessage`] → [`crate::MessageMeta`];
    /// GET → `Vec<`[`crate::MessageMeta`]`>` (the caller's mailbox).
    pub const MESSAGES: &str = "/api/v1/messages";
    /// GET (authenticated) `/api/v1/messages/{id}` → [`crate::Message`]; DELETE removes it.
    pub const MESSAGE: &str = "/api/v1/messages/{id}";

    /// `/api/v1/users/NAME`.
    #[must_use]
    pub fn user(name: &str) -> String {
        format!("/api/v1/users/{name}")
    }

    /// `/api/v1/messages/ID`.
    #[must_use]
    pub fn message(id: &str) -> String {
        format!("/api/v1/messages/{id}")
    }
}

/// An error body. `code` is stable and machine-readable; `message` is a
/// lowercase sentence for people.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds to wait before retrying, for throttled requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// Stable error codes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is malformed or a field is invalid (400).
    BadRequest,
    /// Wrong username or password, or no valid session (401). The same for
    /// unknown and known users.
    Unauthorized,
    /// Authenticated but not allowed (403).
    Forbidden,
    /// No such user or object (404).
    NotFound,
    /// The username is taken (409).
    Conflict,
    /// The body is larger than the server accepts (413).
    TooLarge,
    /// Too many attempts: throttled or temporarily locked (429).
    Throttled,
    /// The account is locked by an administrator (423).
    Locked,
    /// A quota would be exceeded (507).
    QuotaExceeded,
    /// Anything else (500).
    Internal,
    /// A code this client does not know.
    #[serde(other)]
    Unknown,
}

/// Registration: a new account with the CSR of a key generated on the
/// client. The private key never leaves the client.
#[derive(Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub username: String,
    pub password: String,
    /// PKCS#10 certificate signing request, PEM. Its subject CN must equal
    /// the username.
    pub csr_pem: String,
}

impl std::fmt::Debug for RegisterRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterRequest")
            .field("username", &self.username)
            .field("password", &"[secret elided]")
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub username: String,
    /// The user's certificate, PEM.
    pub certificate_pem: String,
    /// The issuing chain (intermediate, if any, then root), PEM.
    pub ca_chain_pem: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"[secret elided]")
            .finish()
    }
}

/// A session, returned by both logins.
#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    pub username: String,
    /// Bearer token (256 random bits, base64url).
    pub token: String,
    /// Unix time (seconds) when the session expires.
    pub expires_at: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("username", &self.username)
            .field("token", &"[secret elided]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// How a session was opened.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    Password,
    Certificate,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhoAmI {
    pub username: String,
    pub auth_method: AuthMethod,
    /// Unix time the session expires.
    pub expires_at: i64,
    /// SHA-256 of the user's certificate's SubjectPublicKeyInfo (hex).
    pub key_fingerprint: Option<String>,
    /// Serial of the user's certificate (uppercase hex).
    pub certificate_serial: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange([secret elided])")
    }
}

/// A directory entry: a user and their certificate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserEntry {
    pub username: String,
    /// Unix time of registration.
    pub created_at: i64,
    /// SHA-256 of the certificate's SubjectPublicKeyInfo (hex).
    pub key_fingerprint: Option<String>,
    pub certificate_serial: Option<String>,
    /// The certificate (PEM); in single-user responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_pem: Option<String>,
    /// Whether the certificate has been revoked.
    #[serde(default)]
    pub certificate_revoked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// Posting a sealed message (messaging). The body is the scs-sealed
/// ciphertext, base64; the server cannot read it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMessage {
    pub recipients: Vec<String>,
    /// Sealed ciphertext (scs sealed format), standard base64.
    pub ciphertext_b64: String,
    /// The id sealed inside the message (32 lowercase hex digits): the
    /// server files the message under it, so a reader can tell that the
    /// ciphertext belongs to the id it asked for. Absent: a random id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// What the server stores beside the ciphertext: the minimum metadata.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MessageMeta {
    pub id: String,
    pub sender: String,
    pub recipients: Vec<String>,
    /// Unix time (seconds) the server accepted the message.
    pub sent_at: i64,
    /// Ciphertext size in bytes.
    pub size: u64,
    /// Whether the caller has fetched it.
    #[serde(default)]
    pub read: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    #[serde(flatten)]
    pub meta: MessageMeta,
    pub ciphertext_b64: String,
}

/// Events pushed over the WebSocket (JSON text frames, tagged by `type`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A new message is in the mailbox.
    Message { message: Message },
    /// Keep-alive.
    Ping,
}

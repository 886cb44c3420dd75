use thiserror::Error;

/// Client errors.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an API error.
    #[error("{message}")]
    Api {
        status: u16,
        code: scs_api::ErrorCode,
        message: String,
        retry_after: Option<u64>,
    },
    /// The server's certificate does not chain to the pinned CA (or another
    /// TLS verification failure): possibly a man in the middle.
    #[error("the server's certificate is not trusted: {0}")]
    Untrusted(String),
    /// Transport failure: connection refused, reset, timeout, protocol.
    #[error("cannot reach {url}: {detail}")]
    Transport { url: String, detail: String },
    /// No profile, no session, expired session.
    #[error("{0}")]
    State(String),
    #[error("invalid server URL '{0}': expected https://HOST[:PORT]")]
    BadUrl(String),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("corrupted file {path}: {detail}")]
    Corrupt {
        path: std::path::PathBuf,
        detail: String,
    },
    #[error("unexpected response from the server: {0}")]
    Protocol(String),
    /// A user's key differs from the one pinned for them.
    #[error(
        "the key of {user} has CHANGED since it was pinned (pinned SHA256:{pinned}, now SHA256:{presented}); this may be a man in the middle"
    )]
    KeyChanged {
        user: String,
        pinned: String,
        presented: String,
    },
    /// A user's certificate does not verify against the pinned CA.
    #[error("the certificate of {user} does not verify: {reason}")]
    BadCertificate { user: String, reason: String },
    /// A message failed an authenticity or consistency check.
    #[error("message {id} is not authentic: {reason}")]
    Forged { id: String, reason: String },
    #[error(transparent)]
    Seal(#[from] scs_seal::Error),
    #[error(transparent)]
    Crypto(#[from] scs_crypto::Error),
    #[error(transparent)]
    Pki(#[from] scs_pki::Error),
    #[error(transparent)]
    Keystore(#[from] scs_keystore::Error),
}

impl From<scs_keystore::fsutil::IoAt> for Error {
    fn from(e: scs_keystore::fsutil::IoAt) -> Self {
        Error::io(e.path, e.source)
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Authentication failed or trust was refused: the CLI exits with 1.
    #[must_use]
    pub fn is_verification_failure(&self) -> bool {
        match self {
            Error::Api { code, .. } => matches!(
                code,
                scs_api::ErrorCode::Unauthorized
                    | scs_api::ErrorCode::Throttled
                    | scs_api::ErrorCode::Locked
                    | scs_api::ErrorCode::Forbidden
            ),
            Error::Untrusted(_)
            | Error::KeyChanged { .. }
            | Error::BadCertificate { .. }
            | Error::Forged { .. } => true,
            Error::Seal(e) => e.is_verification_failure(),
            Error::Crypto(e) => e.is_verification_failure(),
            Error::Pki(e) => e.is_verification_failure(),
            Error::Keystore(e) => e.is_verification_failure(),
            _ => false,
        }
    }

    /// The API error code, if the server sent one.
    #[must_use]
    pub fn api_code(&self) -> Option<scs_api::ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Classifies a reqwest error, surfacing certificate problems as
    /// [`Error::Untrusted`].
    pub(crate) fn from_reqwest(url: &str, e: &reqwest::Error) -> Self {
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            if let Some(tls) = rustls_error(s) {
                return match tls {
                    rustls::Error::InvalidCertificate(c) => {
                        Error::Untrusted(describe_cert_error(c))
                    }
                    other => Error::Transport {
                        url: url.to_owned(),
                        detail: format!("TLS: {other}"),
                    },
                };
            }
            let text = s.to_string();
            if !detail.contains(&text) {
                detail = text;
            }
            source = s.source();
        }
        Error::Transport {
            url: url.to_owned(),
            detail: lower_first(&detail),
        }
    }
}

/// The rustls error in `e`, looking inside `io::Error` wrappers (whose
/// `source` skips the error they wrap; the TLS stack nests two).
fn rustls_error<'a>(mut e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        e = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

pub(crate) fn describe_cert_error(e: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match e {
        C::UnknownIssuer => {
            "it is not issued by the pinned CA (a different server, or a man in the middle)".into()
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it is not valid for this host name".into()
        }
        C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
        C::Revoked => "it has been revoked".into(),
        C::BadSignature => {
            "its signature does not verify with the pinned CA (a different server, or a man in the middle)"
                .into()
        }
        other => format!("{other:?}"),
    }
}

pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

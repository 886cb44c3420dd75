//! Mailbox calls and the live event channel.

use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, Url};
use scs_api::{Event, Message, MessageMeta, SendMessage, paths};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

use crate::{Client, Error, Result};

/// Largest event frame accepted from the server (a message event carries
/// the ciphertext, base64).
const MAX_EVENT: usize = 64 << 20;

impl Client {
    pub async fn send_message(&self, token: &str, msg: &SendMessage) -> Result<MessageMeta> {
        self.send(
            self.request(Method::POST, paths::MESSAGES, Some(token))
                .json(msg),
        )
        .await
    }

    pub async fn inbox(&self, token: &str) -> Result<Vec<MessageMeta>> {
        self.send(self.request(Method::GET, paths::MESSAGES, Some(token)))
            .await
    }

    pub async fn message(&self, token: &str, id: &str) -> Result<Message> {
        check_id(id)?;
        self.send(self.request(Method::GET, &paths::message(id), Some(token)))
            .await
    }

    pub async fn delete_message(&self, token: &str, id: &str) -> Result<()> {
        check_id(id)?;
        self.send_empty(self.request(Method::DELETE, &paths::message(id), Some(token)))
            .await
    }

    /// The issuing CA's current CRL (PEM), for checking users' certificates.
    pub async fn crl(&self) -> Result<String> {
        let resp = self
            .send_raw(self.request(Method::GET, paths::CRL, None))
            .await?;
        resp.text()
            .await
            .map_err(|e| Error::from_reqwest(self.base().as_str(), &e))
    }
}

/// Message ids are 32 lowercase hex digits.
pub fn check_id(id: &str) -> Result<()> {
    if id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(Error::State(format!(
            "'{id}' is not a message id (32 hex digits)"
        )))
    }
}

/// The server's live events, over a WebSocket on the pinned TLS connection.
pub struct Events {
    ws: tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<TcpStream>>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

impl Events {
    /// Opens the channel. `tls` must be a pinned configuration; HTTP/1.1 is
    /// negotiated for the upgrade.
    pub async fn connect(base: &Url, mut tls: rustls::ClientConfig, token: &str) -> Result<Events> {
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let host = base
            .host_str()
            .ok_or_else(|| Error::BadUrl(base.to_string()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = base.port_or_known_default().unwrap_or(443);
        let transport = |e: std::io::Error| Error::Transport {
            url: base.to_string(),
            detail: crate::error::lower_first(&e.to_string()),
        };
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(transport)?;
        let name = rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|_| Error::BadUrl(base.to_string()))?;
        let tls_stream = tokio_rustls::TlsConnector::from(std::sync::Arc::new(tls))
            .connect(name, tcp)
            .await
            .map_err(
                |e| match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    Some(rustls::Error::InvalidCertificate(c)) => {
                        Error::Untrusted(crate::error::describe_cert_error(c))
                    }
                    _ => transport(e),
                },
            )?;
        let mut url = base.clone();
        url.set_scheme("wss")
            .map_err(|()| Error::BadUrl(base.to_string()))?;
        url.set_path(paths::WS);
        let mut req = url
            .as_str()
            .into_client_request()
            .map_err(|e| Error::Protocol(e.to_string()))?;
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {token}")
                .parse()
                .map_err(|_| Error::State("invalid session token".into()))?,
        );
        let config = tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(MAX_EVENT))
            .max_frame_size(Some(MAX_EVENT));
        let (ws, _) = tokio_tungstenite::client_async_with_config(req, tls_stream, Some(config))
            .await
            .map_err(|e| match e {
                tungstenite::Error::Http(resp) => Error::Api {
                    status: resp.status().as_u16(),
                    code: if resp.status().as_u16() == 401 {
                        scs_api::ErrorCode::Unauthorized
                    } else {
                        scs_api::ErrorCode::Internal
                    },
                    message: format!("the server refused the live channel ({})", resp.status()),
                    retry_after: None,
                },
                other => Error::Protocol(format!("websocket: {other}")),
            })?;
        Ok(Events { ws })
    }

    /// The next event; `None` when the server closed the channel.
    pub async fn next(&mut self) -> Option<Result<Event>> {
        loop {
            let frame = self.ws.next().await?;
            match frame {
                Ok(WsMessage::Text(t)) => {
                    return Some(
                        serde_json::from_str::<Event>(&t)
                            .map_err(|e| Error::Protocol(format!("event: {e}"))),
                    );
                }
                Ok(WsMessage::Ping(p)) => {
                    if self.ws.send(WsMessage::Pong(p)).await.is_err() {
                        return None;
                    }
                }
                Ok(WsMessage::Close(_)) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(Error::Protocol(format!("websocket: {e}")))),
            }
        }
    }

    /// Closes the channel politely.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

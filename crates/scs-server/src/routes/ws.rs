//! `GET /api/v1/ws`: the live channel. The upgrade request is
//! authenticated like any other call (`Authorization: Bearer`); the server
//! then pushes [`scs_api::Event`]s as JSON text frames and sends a ping
//! (`Event::Ping` and a WebSocket ping) every `ping_secs`. The connection
//! is closed when the session ends (expiry, logout, revocation, lock), when
//! the client stays silent for three intervals, and on shutdown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{
    CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade, close_code,
};
use axum::response::Response;
use axum::routing::any;
use futures_util::{SinkExt, StreamExt};
use scs_api::{Event, paths};

use super::ApiErr;
use crate::auth::AuthUser;
use crate::state::AppState;
use crate::storage::{self, sessions};

/// Largest frame a client may send (clients only answer pings today).
const MAX_INCOMING: usize = 64 * 1024;

pub(super) fn routes() -> Router<AppState> {
    // `any`: HTTP/1.1 upgrades use GET, HTTP/2 (RFC 8441) uses CONNECT.
    Router::new().route(paths::WS, any(upgrade))
}

async fn upgrade(
    State(st): State<AppState>,
    user: AuthUser,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiErr> {
    let Some(sub) = st
        .hub
        .subscribe(&user.username, st.cfg.websocket.max_per_user)
    else {
        return Err(ApiErr::throttled(
            "too many live connections for this account",
            st.cfg.websocket.ping_secs,
        ));
    };
    Ok(ws
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| live(st, user, sub, socket)))
}

fn close(code: u16, reason: &'static str) -> WsMessage {
    WsMessage::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

async fn live(st: AppState, user: AuthUser, mut sub: crate::hub::Subscription, socket: WebSocket) {
    let _gauge = st.metrics.websocket();
    let (mut tx, mut rx) = socket.split();
    let period = Duration::from_secs(st.cfg.websocket.ping_secs);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let mut stopping = st.stopping.clone();
    let mut last_heard = Instant::now();
    let ping: Arc<str> = serde_json::to_string(&Event::Ping)
        .unwrap_or_else(|_| "{\"type\":\"ping\"}".into())
        .into();
    loop {
        tokio::select! {
            ev = sub.rx.recv() => {
                let Some(text) = ev else { break };
                if tx.send(WsMessage::Text(text.as_ref().into())).await.is_err() {
                    break;
                }
            }
            msg = rx.next() => {
                match msg {
                    Some(Ok(WsMessage::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => last_heard = Instant::now(),
                }
            }
            _ = ticker.tick() => {
                if last_heard.elapsed() > period * 3 {
                    let _ = tx.send(close(close_code::POLICY, "no answer to pings")).await;
                    break;
                }
                let live = sessions::lookup(&st.db, &user.token_hash, storage::now()).await;
                if !matches!(live, Ok(Some(_))) {
                    let _ = tx.send(close(close_code::POLICY, "the session has ended")).await;
                    break;
                }
                if tx.send(WsMessage::Text(ping.as_ref().into())).await.is_err()
                    || tx.send(WsMessage::Ping(Vec::new().into())).await.is_err()
                {
                    break;
                }
            }
            _ = stopping.changed() => {
                let _ = tx.send(close(close_code::AWAY, "the server is shutting down")).await;
                break;
            }
        }
    }
    let _ = tx.close().await;
}

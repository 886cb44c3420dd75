//! Messaging: sealed messages stored and forwarded as ciphertext. The
//! sender is the authenticated user; each recipient sees only their own
//! mailbox; online recipients get the message pushed over the WebSocket.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use scs_api::{Event, Message, MessageMeta, SendMessage, paths, validate_username};

use super::{ApiErr, ApiJson, ApiPath};
use crate::auth::AuthUser;
use crate::state::AppState;
use crate::storage::messages::{self, MessageRow, SendError};
use crate::storage::{self, users};

/// Room for the JSON around a message's base64 ciphertext.
const ENVELOPE: usize = 64 * 1024;

pub(super) fn routes(st: &AppState) -> Router<AppState> {
    let m = &st.cfg.messaging;
    let b64 = m.max_message_bytes.div_ceil(3).saturating_mul(4);
    let limit = b64
        .saturating_add(ENVELOPE)
        .max(st.cfg.limits.max_body_bytes);
    Router::new()
        .route(paths::MESSAGES, get(list).post(send))
        .route(paths::MESSAGE, get(fetch).delete(remove))
        .layer(DefaultBodyLimit::max(limit))
}

fn meta(row: MessageRow) -> MessageMeta {
    MessageMeta {
        id: row.id,
        sender: row.sender,
        recipients: row.recipients,
        sent_at: row.created_at,
        size: u64::try_from(row.size).unwrap_or(0),
        read: row.read,
    }
}

/// A message id: 32 lowercase hex digits.
fn check_id(id: &str) -> Result<(), ApiErr> {
    if id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(ApiErr::not_found("no such message"))
    }
}

/// `POST /api/v1/messages`.
async fn send(
    State(st): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<SendMessage>,
) -> Result<(StatusCode, Json<MessageMeta>), ApiErr> {
    let cfg = &st.cfg.messaging;
    if req.recipients.is_empty() {
        return Err(ApiErr::bad_request(
            "a message needs at least one recipient",
        ));
    }
    let mut recipients: Vec<String> = Vec::with_capacity(req.recipients.len());
    for r in &req.recipients {
        validate_username(r).map_err(|e| ApiErr::bad_request(format!("recipient: {e}")))?;
        if !recipients.contains(r) {
            recipients.push(r.clone());
        }
    }
    if recipients.len() > cfg.max_recipients {
        return Err(ApiErr::bad_request(format!(
            "a message has at most {} recipients",
            cfg.max_recipients
        )));
    }
    if req.ciphertext_b64.len() > cfg.max_message_bytes.div_ceil(3).saturating_mul(4) {
        return Err(too_large(cfg.max_message_bytes));
    }
    let ciphertext = STANDARD
        .decode(req.ciphertext_b64.as_bytes())
        .map_err(|_| ApiErr::bad_request("ciphertext_b64 is not standard base64"))?;
    if ciphertext.is_empty() {
        return Err(ApiErr::bad_request("the ciphertext is empty"));
    }
    if ciphertext.len() > cfg.max_message_bytes {
        return Err(too_large(cfg.max_message_bytes));
    }
    for r in &recipients {
        if !users::exists(&st.db, r).await? {
            return Err(ApiErr::not_found(format!("no user named '{r}'")));
        }
    }
    // The sender's id, sealed inside the message, lets readers bind the
    // ciphertext to the id they fetched.
    let id = match &req.id {
        Some(id) => {
            check_id(id).map_err(|_| ApiErr::bad_request("id must be 32 lowercase hex digits"))?;
            id.clone()
        }
        None => hex::encode(scs_crypto::rand::array::<16>().map_err(crate::Error::from)?),
    };
    let now = storage::now();
    let size = ciphertext.len();
    match messages::insert(
        &st.db,
        &id,
        &user.username,
        &recipients,
        now,
        ciphertext,
        cfg.mailbox_quota_bytes,
    )
    .await
    {
        Ok(()) => {}
        Err(SendError::Quota(r)) => {
            return Err(ApiErr::quota(format!("the mailbox of '{r}' is full")));
        }
        Err(SendError::Duplicate) => {
            return Err(ApiErr::conflict("a message with this id exists"));
        }
        Err(SendError::Db(e)) => return Err(e.into()),
    }
    st.metrics.message();
    let meta = MessageMeta {
        id,
        sender: user.username,
        recipients,
        sent_at: now,
        size: u64::try_from(size).unwrap_or(0),
        read: false,
    };
    let event = Event::Message {
        message: Message {
            meta: meta.clone(),
            ciphertext_b64: req.ciphertext_b64,
        },
    };
    match serde_json::to_string(&event) {
        Ok(text) => {
            let text: Arc<str> = text.into();
            for r in &meta.recipients {
                st.hub.push(r, &text);
            }
        }
        Err(e) => tracing::error!("cannot encode an event: {e}"),
    }
    Ok((StatusCode::CREATED, Json(meta)))
}

fn too_large(max: usize) -> ApiErr {
    ApiErr::too_large(format!("a message has at most {max} bytes of ciphertext"))
}

/// `GET /api/v1/messages`: the caller's mailbox.
async fn list(
    State(st): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<MessageMeta>>, ApiErr> {
    let rows = messages::list(&st.db, &user.username).await?;
    Ok(Json(rows.into_iter().map(meta).collect()))
}

/// `GET /api/v1/messages/{id}`: one message of the caller's mailbox.
async fn fetch(
    State(st): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Message>, ApiErr> {
    check_id(&id)?;
    let (row, ct) = messages::fetch(&st.db, &user.username, &id)
        .await?
        .ok_or_else(|| ApiErr::not_found("no such message"))?;
    Ok(Json(Message {
        meta: meta(row),
        ciphertext_b64: STANDARD.encode(ct),
    }))
}

/// `DELETE /api/v1/messages/{id}`: removes it from the caller's mailbox.
async fn remove(
    State(st): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiErr> {
    check_id(&id)?;
    if messages::delete(&st.db, &user.username, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiErr::not_found("no such message"))
    }
}

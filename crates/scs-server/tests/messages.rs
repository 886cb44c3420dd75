//! Messaging and the live WebSocket channel.

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use futures_util::StreamExt;
use scs_api::{ErrorCode, Event, Message, MessageMeta, paths};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn send(s: &Server, token: &str, to: &[&str], ct: &[u8]) -> reqwest::Response {
    s.client()
        .post(s.url(paths::MESSAGES))
        .bearer_auth(token)
        .json(&serde_json::json!({"recipients": to, "ciphertext_b64": STANDARD.encode(ct)}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_mailboxes_limits_and_quota() {
    let mut s = Server::start(|t| {
        set(t, "messaging.max_message_bytes", 1000);
        set(t, "messaging.mailbox_quota_bytes", 2500);
    })
    .await;
    for u in ["alice", "bob", "carol"] {
        s.register(u, PASSWORD).await;
    }
    let alice = s.login("alice", PASSWORD).await.token;
    let bob = s.login("bob", PASSWORD).await.token;
    let carol = s.login("carol", PASSWORD).await.token;

    let ct = vec![0x5au8; 700];
    let r = send(&s, &alice, &["bob", "carol", "bob"], &ct).await;
    assert_eq!(r.status(), 201);
    let meta: MessageMeta = r.json().await.unwrap();
    assert_eq!(meta.sender, "alice");
    assert_eq!(meta.recipients, ["bob", "carol"]);
    assert_eq!(meta.size, 700);

    for token in [&bob, &carol] {
        let list: Vec<MessageMeta> = get_auth(&s, token, paths::MESSAGES)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list.len(), 1, "each recipient sees it once");
        assert_eq!(list[0].id, meta.id);
        assert!(!list[0].read);
        let m: Message = get_auth(&s, token, &paths::message(&meta.id))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(STANDARD.decode(m.ciphertext_b64).unwrap(), ct);
        let list: Vec<MessageMeta> = get_auth(&s, token, paths::MESSAGES)
            .await
            .json()
            .await
            .unwrap();
        assert!(list[0].read);
    }
    // The sender is not a recipient: her mailbox is empty and she cannot
    // read theirs.
    let list: Vec<MessageMeta> = get_auth(&s, &alice, paths::MESSAGES)
        .await
        .json()
        .await
        .unwrap();
    assert!(list.is_empty());
    let r = get_auth(&s, &alice, &paths::message(&meta.id)).await;
    assert_eq!(r.status(), 404);
    // The sender field is the authenticated user, whatever the body says.
    let r = s
        .client()
        .post(s.url(paths::MESSAGES))
        .bearer_auth(&carol)
        .json(&serde_json::json!({"recipients": ["bob"], "ciphertext_b64": STANDARD.encode(b"x"), "sender": "alice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let m: MessageMeta = r.json().await.unwrap();
    assert_eq!(m.sender, "carol");

    // Unknown recipients, bad input, no session.
    let r = send(&s, &alice, &["nobody"], b"x").await;
    assert_eq!(r.status(), 404);
    let r = send(&s, &alice, &["../bob"], b"x").await;
    assert_eq!(r.status(), 400);
    let r = send(&s, &alice, &[], b"x").await;
    assert_eq!(r.status(), 400);
    let r = s
        .client()
        .post(s.url(paths::MESSAGES))
        .bearer_auth(&alice)
        .json(&serde_json::json!({"recipients": ["bob"], "ciphertext_b64": "***"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .client()
        .post(s.url(paths::MESSAGES))
        .json(&serde_json::json!({"recipients": ["bob"], "ciphertext_b64": "eA=="}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    for bad in [
        "nothex",
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "../../etc/passwd",
    ] {
        let mut url = reqwest::Url::parse(&s.url(paths::MESSAGES)).unwrap();
        url.path_segments_mut().unwrap().push(bad);
        let r = s.client().get(url).bearer_auth(&bob).send().await.unwrap();
        assert!(matches!(r.status().as_u16(), 400 | 404), "{bad}");
    }

    // Size limit: 413 too_large.
    let r = send(&s, &alice, &["bob"], &vec![1u8; 1001]).await;
    assert_eq!(r.status(), 413);
    assert_eq!(api_error(r).await.code, ErrorCode::TooLarge);
    // Quota: bob holds 701 of 2500 bytes; 1000 + 700 fit, then 1000 does not.
    assert_eq!(
        send(&s, &alice, &["bob"], &vec![1u8; 1000]).await.status(),
        201
    );
    assert_eq!(
        send(&s, &alice, &["bob"], &vec![1u8; 700]).await.status(),
        201
    );
    let r = send(&s, &alice, &["carol", "bob"], &vec![1u8; 1000]).await;
    assert_eq!(r.status(), 507);
    let e = api_error(r).await;
    assert_eq!(e.code, ErrorCode::QuotaExceeded);
    assert!(e.message.contains("bob"), "{}", e.message);
    let list: Vec<MessageMeta> = get_auth(&s, &carol, paths::MESSAGES)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "a refused message reaches no one");

    // Deleting frees space; a deleted message is gone for that recipient only.
    let r = s
        .client()
        .delete(s.url(&paths::message(&meta.id)))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        get_auth(&s, &bob, &paths::message(&meta.id)).await.status(),
        404
    );
    assert_eq!(
        get_auth(&s, &carol, &paths::message(&meta.id))
            .await
            .status(),
        200
    );
    let r = s
        .client()
        .delete(s.url(&paths::message(&meta.id)))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        send(&s, &alice, &["bob"], &vec![1u8; 700]).await.status(),
        201
    );
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_receives_pushed_messages_and_pings() {
    let mut s = Server::start(|t| set(t, "websocket.ping_secs", 1)).await;
    s.register("alice", PASSWORD).await;
    s.register("bob", PASSWORD).await;
    let alice = s.login("alice", PASSWORD).await.token;
    let bob = s.login("bob", PASSWORD).await.token;

    // Without a token the upgrade is refused.
    let mut cfg = s.tls_config(None);
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(cfg));
    let open = |token: Option<String>| {
        let connector = connector.clone();
        let addr = s.addr;
        async move {
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let tls = connector.connect(localhost_ip(), tcp).await.unwrap();
            let mut req = format!("wss://{addr}{}", paths::WS)
                .into_client_request()
                .unwrap();
            if let Some(t) = token {
                req.headers_mut()
                    .insert("authorization", format!("Bearer {t}").parse().unwrap());
            }
            tokio_tungstenite::client_async(req, tls).await
        }
    };
    match open(None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }

    let (mut ws, _) = open(Some(bob.clone())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = send(&s, &alice, &["bob"], b"sealed bytes").await;
    let meta: MessageMeta = r.json().await.unwrap();
    let mut got_message = None;
    let mut got_ping = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while got_message.is_none() || !got_ping {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("events within 10 s")
            .unwrap()
            .unwrap();
        if let WsMessage::Text(t) = frame {
            match serde_json::from_str::<Event>(&t).unwrap() {
                Event::Message { message } => got_message = Some(message),
                Event::Ping => got_ping = true,
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    let m = got_message.unwrap();
    assert_eq!(m.meta.id, meta.id);
    assert_eq!(m.meta.sender, "alice");
    assert_eq!(STANDARD.decode(m.ciphertext_b64).unwrap(), b"sealed bytes");

    // Logging out ends the live channel at the next ping.
    let r = s
        .client()
        .post(s.url(paths::LOGOUT))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(f)) = ws.next().await {
            if matches!(f, WsMessage::Close(_)) {
                return true;
            }
        }
        true
    })
    .await
    .unwrap_or(false);
    assert!(closed, "the server closes the channel of an ended session");

    // Shutdown closes open channels.
    let (mut ws2, _) = open(Some(alice.clone())).await.unwrap();
    let stopper = tokio::spawn(async move {
        s.stop().await.unwrap();
    });
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(f)) = ws2.next().await {
            if let WsMessage::Close(Some(c)) = f {
                return u16::from(c.code) == 1001;
            }
        }
        false
    })
    .await
    .unwrap();
    assert!(closed, "closed with 1001 going away");
    stopper.await.unwrap();
}

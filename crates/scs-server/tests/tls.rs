//! The TLS layer: TLS 1.3 only, the post-quantum hybrid group preferred,
//! certificate login over mutual TLS, and refusal of foreign and revoked
//! certificates.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use rustls::NamedGroup;
use scs_api::{AuthMethod, Session, WhoAmI, paths};
use scs_crypto::{KeyKind, PrivateKey};
use scs_pki::{Profile, RevocationReason};
use tokio_rustls::TlsConnector;

async fn connect(
    s: &Server,
    cfg: rustls::ClientConfig,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect(s.addr).await?;
    TlsConnector::from(Arc::new(cfg))
        .connect(localhost_ip(), tcp)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls13_only_with_x25519mlkem768_preferred() {
    let mut s = Server::start(|_| {}).await;

    // A default rustls client negotiates TLS 1.3 with X25519MLKEM768 and h2.
    let stream = connect(&s, s.tls_config(None)).await.unwrap();
    let conn = stream.get_ref().1;
    assert_eq!(
        conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    assert_eq!(
        conn.negotiated_key_exchange_group().map(|g| g.name()),
        Some(NamedGroup::X25519MLKEM768)
    );
    assert_eq!(conn.alpn_protocol(), Some(&b"h2"[..]));

    // A classical client still gets in with X25519.
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    p.kx_groups.retain(|g| g.name() == NamedGroup::X25519);
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(s.root_der.clone()))
        .unwrap();
    let classical = rustls::ClientConfig::builder_with_provider(Arc::new(p))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let stream = connect(&s, classical).await.unwrap();
    assert_eq!(
        stream
            .get_ref()
            .1
            .negotiated_key_exchange_group()
            .map(|g| g.name()),
        Some(NamedGroup::X25519)
    );

    // A client limited to TLS 1.2 is refused in the handshake.
    let tls12 = tls_config_for(&s.root_der, None, &[&rustls::version::TLS12]);
    let err = connect(&s, tls12).await.unwrap_err();
    assert!(
        err.to_string().to_lowercase().contains("protocol") || err.to_string().contains("alert"),
        "{err}"
    );

    // HTTP/1.1 works as well as HTTP/2.
    let mut cfg = s.tls_config(None);
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let r = reqwest_client(cfg)
        .get(s.url(paths::HEALTHZ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_11);
    let r = s.client().get(s.url(paths::HEALTHZ)).send().await.unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);

    // A client that does not trust the suite CA refuses the server.
    let other = tempfile::tempdir().unwrap();
    let other_ca = scs_pki::Ca::init(
        &other.path().join("ca"),
        &scs_pki::InitOptions {
            name: "Other".into(),
            key_kind: KeyKind::Ed25519,
            days: 30,
            intermediate: false,
        },
        &pass(),
    )
    .unwrap();
    let wrong = tls_config_for(other_ca.root_der(), None, &[&rustls::version::TLS13]);
    assert!(connect(&s, wrong).await.is_err());
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_login_foreign_and_revoked_certificates() {
    let mut s = Server::start(|t| set(t, "tls.crl_reload_secs", 1)).await;
    let (key, reg) = s.register("alice", PASSWORD).await;
    let leaf = der_of(&reg.certificate_pem);
    let inter = scs_pki::parse_certificates(reg.ca_chain_pem.as_bytes()).unwrap();

    // The leaf alone, and leaf + intermediate, both log in.
    for chain in [vec![leaf.clone()], vec![leaf.clone(), inter[0].clone()]] {
        let c = s.client_with_cert(chain, &key);
        let r = c.post(s.url(paths::LOGIN_CERT)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let session: Session = r.json().await.unwrap();
        let me: WhoAmI = get_auth(&s, &session.token, paths::ME)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me.username, "alice");
        assert_eq!(me.auth_method, AuthMethod::Certificate);
    }
    // Without a certificate: 401.
    let r = s
        .client()
        .post(s.url(paths::LOGIN_CERT))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A certificate for "alice" from another CA: refused in the handshake.
    let other = tempfile::tempdir().unwrap();
    let other_ca = scs_pki::Ca::init(
        &other.path().join("ca"),
        &scs_pki::InitOptions {
            name: "Other".into(),
            key_kind: KeyKind::Ed25519,
            days: 30,
            intermediate: false,
        },
        &pass(),
    )
    .unwrap();
    let signer = other_ca.unlock(&pass()).unwrap();
    let (fkey, forged) = signer
        .issue("alice", Profile::User, &[], KeyKind::Ed25519, 30)
        .unwrap();
    let c = s.client_with_cert(vec![forged.der.clone()], &fkey);
    let r = c.post(s.url(paths::LOGIN_CERT)).send().await;
    assert!(r.is_err() || r.unwrap().status() == 401);

    // Another key certified by our CA for alice (not her current
    // certificate) does not log in: the leaf must be the account's own.
    let signer = s_ca_signer(&s);
    let (k2, issued2) = signer
        .issue("alice", Profile::User, &[], KeyKind::Ed25519, 30)
        .unwrap();
    let r = s
        .client_with_cert(vec![issued2.der.clone()], &k2)
        .post(s.url(paths::LOGIN_CERT))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Revoked: refused at once (database), then in the handshake (CRL).
    let dir = s.dir.clone();
    let serial = tokio::task::spawn_blocking(move || {
        scs_server::admin::revoke_cert(&dir, "alice", RevocationReason::KeyCompromise, &pass())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(serial, scs_pki::show(&leaf).unwrap().serial);
    let r = s
        .client_with_cert(vec![leaf.clone()], &key)
        .post(s.url(paths::LOGIN_CERT))
        .send()
        .await;
    assert!(r.is_err() || r.unwrap().status() == 401);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let r = s
        .client_with_cert(vec![leaf.clone()], &key)
        .post(s.url(paths::LOGIN_CERT))
        .send()
        .await;
    assert!(
        r.is_err(),
        "the handshake refuses a revoked certificate: {r:?}"
    );
    // The directory shows the revocation; the public CRL lists it.
    let session = s.login("alice", PASSWORD).await;
    let me: scs_api::UserEntry = get_auth(&s, &session.token, &paths::user("alice"))
        .await
        .json()
        .await
        .unwrap();
    assert!(me.certificate_revoked);
    let crl = s
        .client()
        .get(s.url(paths::CRL))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let crl_der = scs_pki::parse_crls(crl.as_bytes()).unwrap();
    assert_eq!(crl_der.len(), 1);
    assert!(
        scs_server::admin::revoke_cert(&s.dir, "alice", RevocationReason::KeyCompromise, &pass())
            .is_err()
    );
    let wrong = scs_server::admin::revoke_cert(
        &s.dir,
        "alice",
        RevocationReason::KeyCompromise,
        &scs_crypto::Passphrase::from("wrong"),
    );
    assert!(wrong.is_err());
    s.stop().await.unwrap();
}

fn s_ca_signer(s: &Server) -> scs_pki::CaSigner<'static> {
    let ca: &'static scs_pki::Ca =
        Box::leak(Box::new(scs_pki::Ca::open(&s.dir.join("ca")).unwrap()));
    ca.unlock(&pass()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_requests_finish() {
    let mut s = Server::start(|t| {
        set(t, "auth.base_delay_ms", 1500);
        set(t, "auth.max_delay_ms", 1500);
    })
    .await;
    s.register("alice", PASSWORD).await;
    // A failed login waits 1.5 s before answering; stop the server meanwhile.
    let c = s.client();
    let url = s.url(paths::LOGIN);
    let pending = tokio::spawn(async move {
        c.post(url)
            .json(&serde_json::json!({"username": "alice", "password": "wrong password"}))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let addr = s.addr;
    s.stop().await.unwrap();
    assert_eq!(
        pending.await.unwrap().unwrap(),
        401,
        "the in-flight request finished"
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
    // The key and a fresh server on the same directory still work.
    let s2 = Server::run_in(&s.dir).await;
    let session = s2.login("alice", PASSWORD).await;
    assert_eq!(get_auth(&s2, &session.token, paths::ME).await.status(), 200);
    let _ = PrivateKey::generate(KeyKind::Ed25519);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_clients_are_cut_off() {
    use tokio::io::AsyncReadExt;
    let mut s = Server::start(|t| {
        set(t, "limits.tls_handshake_timeout_secs", 1);
        set(t, "limits.header_read_timeout_secs", 1);
    })
    .await;
    // No TLS handshake: closed after the handshake timeout.
    let start = std::time::Instant::now();
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .expect("closed by the server")
        .unwrap_or(0);
    assert_eq!(n, 0);
    assert!(start.elapsed() >= Duration::from_millis(900));
    // A handshake, then no request: closed after the header timeout.
    let mut cfg = s.tls_config(None);
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let start = std::time::Instant::now();
    let mut tls = connect(&s, cfg).await.unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf))
        .await
        .expect("closed by the server");
    assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
    assert!(start.elapsed() >= Duration::from_millis(900));
    s.stop().await.unwrap();
}

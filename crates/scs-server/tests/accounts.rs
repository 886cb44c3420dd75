//! Accounts end to end: registration, password login, whoami, directory,
//! password change, logout, sessions, administrator commands, hostile
//! input and body limits.

mod common;

use common::*;
use scs_api::{AuthMethod, ErrorCode, Session, UserEntry, WhoAmI, paths};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_login_whoami_users_passwd_logout() {
    let mut s = Server::start(|_| {}).await;
    let report = s.report.clone().unwrap();
    assert_eq!(
        report.ca_fingerprint,
        scs_server::ca_fingerprint(&s.root_der)
    );
    assert_eq!(report.ca_fingerprint.len(), 64);

    // Health and the public CA chain.
    let h: scs_api::Health = s
        .client()
        .get(s.url(paths::HEALTHZ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h.status, "ok");
    let chain = s
        .client()
        .get(s.url(paths::CA))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ders = scs_pki::parse_certificates(chain.as_bytes()).unwrap();
    assert_eq!(ders.len(), 2, "intermediate then root");
    assert_eq!(ders[1], s.root_der);
    let crl = s.client().get(s.url(paths::CRL)).send().await.unwrap();
    assert_eq!(crl.status(), 200);
    assert!(crl.text().await.unwrap().contains("BEGIN X509 CRL"));

    let (_key, reg) = s.register("alice", PASSWORD).await;
    assert_eq!(reg.username, "alice");
    let info = scs_pki::show(&der_of(&reg.certificate_pem)).unwrap();
    assert_eq!(info.common_name.as_deref(), Some("alice"));
    assert!(info.extended_key_usage.iter().any(|e| e == "clientAuth"));
    // The certificate verifies to the root the client pins, for client auth.
    let inter = scs_pki::parse_certificates(reg.ca_chain_pem.as_bytes()).unwrap();
    scs_pki::verify(
        &der_of(&reg.certificate_pem),
        &inter,
        &[s.root_der.clone()],
        &[],
        Some(scs_pki::Purpose::Client),
        None,
        None,
    )
    .unwrap();

    // The name is taken now.
    let key = scs_crypto::PrivateKey::generate(scs_crypto::KeyKind::Ed25519).unwrap();
    let again = s
        .client()
        .post(s.url(paths::REGISTER))
        .json(&scs_api::RegisterRequest {
            username: "alice".into(),
            password: PASSWORD.into(),
            csr_pem: scs_pki::make_csr(&key, "alice", &[]).unwrap(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(api_error(again).await.code, ErrorCode::Conflict);

    // A CSR for another name, a short password: 400.
    for (name, pw, cn) in [("bob", PASSWORD, "mallory"), ("bob", "short", "bob")] {
        let r = s
            .client()
            .post(s.url(paths::REGISTER))
            .json(&scs_api::RegisterRequest {
                username: name.into(),
                password: pw.into(),
                csr_pem: scs_pki::make_csr(&key, cn, &[]).unwrap(),
            })
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(api_error(r).await.code, ErrorCode::BadRequest);
    }

    s.register("bob", "bob's password").await;
    let session = s.login("alice", PASSWORD).await;
    assert_eq!(session.username, "alice");
    assert_eq!(session.token.len(), 43);

    let me: WhoAmI = get_auth(&s, &session.token, paths::ME)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me.username, "alice");
    assert_eq!(me.auth_method, AuthMethod::Password);
    assert_eq!(me.certificate_serial.as_deref(), Some(info.serial.as_str()));
    assert_eq!(
        me.key_fingerprint.as_deref(),
        Some(info.key_fingerprint_sha256.as_str())
    );
    assert_eq!(me.expires_at, session.expires_at);

    let users: Vec<UserEntry> = get_auth(&s, &session.token, paths::USERS)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["alice", "bob"]);
    assert!(users.iter().all(|u| u.certificate_pem.is_none()));
    let bob: UserEntry = get_auth(&s, &session.token, &paths::user("bob"))
        .await
        .json()
        .await
        .unwrap();
    assert!(bob.certificate_pem.unwrap().contains("BEGIN CERTIFICATE"));
    assert!(!bob.certificate_revoked);
    let r = get_auth(&s, &session.token, &paths::user("nobody")).await;
    assert_eq!(r.status(), 404);
    // The directory needs a session.
    let r = s.client().get(s.url(paths::USERS)).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // Password change: the old password is required; other sessions end.
    let other = s.login("alice", PASSWORD).await;
    let change = |old: &str, new: &str| {
        s.client()
            .post(s.url(paths::PASSWORD))
            .bearer_auth(&session.token)
            .json(&serde_json::json!({"old_password": old, "new_password": new}))
            .send()
    };
    assert_eq!(
        change("wrong password", "new password 1")
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        change(PASSWORD, "new password 1").await.unwrap().status(),
        204
    );
    assert_eq!(
        get_auth(&s, &other.token, paths::ME).await.status(),
        401,
        "other session revoked"
    );
    assert_eq!(
        get_auth(&s, &session.token, paths::ME).await.status(),
        200,
        "this one kept"
    );
    assert_eq!(s.login_raw("alice", PASSWORD).await.status(), 401);
    s.login("alice", "new password 1").await;

    // Logout ends the session; the token is refused afterwards.
    let r = s
        .client()
        .post(s.url(paths::LOGOUT))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = get_auth(&s, &session.token, paths::ME).await;
    assert_eq!(r.status(), 401);
    assert_eq!(api_error(r).await.code, ErrorCode::Unauthorized);
    // Garbage tokens are the same 401.
    for t in ["", "x", &"A".repeat(43), &"A".repeat(10_000)] {
        assert_eq!(get_auth(&s, t, paths::ME).await.status(), 401, "{t:.10}");
    }

    // Metrics count what happened.
    let m = s
        .client()
        .get(s.url(paths::METRICS))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("scs_registrations_total 2"), "{m}");
    assert!(m.contains("scs_logins_total{method=\"password\",result=\"success\"}"));
    assert!(m.contains(
        "scs_http_requests_total{route=\"/api/v1/login\",method=\"POST\",status=\"200\"}"
    ));
    assert!(m.contains("scs_argon2_seconds_total"));

    // The audit log has the security events, and never a password.
    let audit = scs_server::admin::audit_log(&s.dir, 200).unwrap();
    let events: Vec<&str> = audit.iter().map(|r| r.event.as_str()).collect();
    for e in [
        "register",
        "cert.issue",
        "login.success",
        "password.change",
        "logout",
    ] {
        assert!(events.contains(&e), "{e} in {events:?}");
    }
    let all = format!("{audit:?}");
    assert!(!all.contains(PASSWORD) && !all.contains("new password 1"));
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_the_same_for_known_and_unknown_users() {
    let mut s = Server::start(|t| {
        set(t, "auth.base_delay_ms", 1);
        set(t, "auth.max_delay_ms", 1);
    })
    .await;
    s.register("alice", PASSWORD).await;
    let known = s.login_raw("alice", "wrong password").await;
    let unknown = s.login_raw("nobody", "wrong password").await;
    assert_eq!(known.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (kh, uh) = (known.headers().clone(), unknown.headers().clone());
    assert_eq!(kh.get("www-authenticate"), uh.get("www-authenticate"));
    assert_eq!(known.bytes().await.unwrap(), unknown.bytes().await.unwrap());
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_lock_the_account_until_the_lockout_ends() {
    let mut s = Server::start(|t| {
        set(t, "auth.lockout_threshold", 3);
        set(t, "auth.lockout_secs", 2);
        set(t, "auth.base_delay_ms", 20);
        set(t, "auth.max_delay_ms", 100);
    })
    .await;
    s.register("alice", PASSWORD).await;
    for user in ["alice", "ghost"] {
        let mut bodies = Vec::new();
        for i in 1..=3 {
            let start = std::time::Instant::now();
            let r = s.login_raw(user, "wrong password").await;
            assert_eq!(r.status(), 401, "{user} attempt {i}");
            // The delay grows: 20, 40, 80 ms.
            assert!(
                start.elapsed().as_millis() >= 20 << (i - 1),
                "{user} attempt {i} delayed"
            );
            bodies.push(r.text().await.unwrap());
        }
        // Locked now, even with the right password, for known and unknown alike.
        let r = s.login_raw(user, PASSWORD).await;
        assert_eq!(r.status(), 429, "{user} locked");
        assert!(r.headers().get("retry-after").is_some());
        let e = api_error(r).await;
        assert_eq!(e.code, ErrorCode::Throttled);
        assert!(matches!(e.retry_after, Some(1..=2)), "{:?}", e.retry_after);
        bodies.dedup();
        assert_eq!(bodies.len(), 1);
    }
    let listed = scs_server::admin::list_users(&s.dir).unwrap();
    assert!(listed[0].throttled_until.is_some());
    let audit = scs_server::admin::audit_log(&s.dir, 100).unwrap();
    assert_eq!(audit.iter().filter(|r| r.event == "lockout").count(), 2);

    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    s.login("alice", PASSWORD).await;
    // A success resets the count: two more failures do not lock.
    for _ in 0..2 {
        assert_eq!(s.login_raw("alice", "wrong password").await.status(), 401);
    }
    s.login("alice", PASSWORD).await;

    // An administrator's unlock lifts a lockout at once.
    for _ in 0..3 {
        s.login_raw("alice", "wrong password").await;
    }
    assert_eq!(s.login_raw("alice", PASSWORD).await.status(), 429);
    scs_server::admin::unlock(&s.dir, "alice").unwrap();
    s.login("alice", PASSWORD).await;
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_cannot_pass_the_threshold() {
    let mut s = Server::start(|t| {
        set(t, "auth.lockout_threshold", 3);
        set(t, "auth.base_delay_ms", 1);
        set(t, "auth.max_delay_ms", 1);
    })
    .await;
    s.register("alice", PASSWORD).await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let c = s.client();
        let url = s.url(paths::LOGIN);
        set.spawn(async move {
            c.post(url)
                .json(&serde_json::json!({"username": "alice", "password": "guess guess"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(r) = set.join_next().await {
        statuses.push(r.unwrap());
    }
    let verified = statuses.iter().filter(|s| **s == 401).count();
    assert!(verified <= 3, "at most 3 guesses checked: {statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        12 - verified
    );
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire() {
    let mut s = Server::start(|t| set(t, "auth.session_ttl_secs", 1)).await;
    s.register("alice", PASSWORD).await;
    let session: Session = s.login("alice", PASSWORD).await;
    assert_eq!(get_auth(&s, &session.token, paths::ME).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = get_auth(&s, &session.token, paths::ME).await;
    assert_eq!(r.status(), 401);
    assert_eq!(api_error(r).await.message, "no valid session: log in again");
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_lock_unlock_delete() {
    let mut s = Server::start(|t| {
        set(t, "auth.base_delay_ms", 1);
        set(t, "auth.max_delay_ms", 1);
    })
    .await;
    s.register("alice", PASSWORD).await;
    s.register("bob", PASSWORD).await;
    let session = s.login("alice", PASSWORD).await;

    scs_server::admin::lock(&s.dir, "alice").unwrap();
    assert_eq!(
        get_auth(&s, &session.token, paths::ME).await.status(),
        401,
        "sessions end"
    );
    let r = s.login_raw("alice", PASSWORD).await;
    assert_eq!(r.status(), 423);
    assert_eq!(api_error(r).await.code, ErrorCode::Locked);
    // Without the password, a locked account looks like any other.
    assert_eq!(s.login_raw("alice", "wrong password").await.status(), 401);
    let users = scs_server::admin::list_users(&s.dir).unwrap();
    assert!(users.iter().find(|u| u.username == "alice").unwrap().locked);

    scs_server::admin::unlock(&s.dir, "alice").unwrap();
    s.login("alice", PASSWORD).await;

    assert!(matches!(
        scs_server::admin::lock(&s.dir, "nobody"),
        Err(scs_server::Error::NoSuchUser(_))
    ));
    assert!(matches!(
        scs_server::admin::lock(&s.dir, "../etc"),
        Err(scs_server::Error::Invalid(_))
    ));

    let bob = s.login("bob", PASSWORD).await;
    scs_server::admin::delete(&s.dir, "bob").unwrap();
    assert_eq!(get_auth(&s, &bob.token, paths::ME).await.status(), 401);
    assert_eq!(s.login_raw("bob", PASSWORD).await.status(), 401);
    let names: Vec<String> = scs_server::admin::list_users(&s.dir)
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["alice"]);
    // The name can be registered again, with a new certificate.
    s.register("bob", PASSWORD).await;
    let events: Vec<String> = scs_server::admin::audit_log(&s.dir, 100)
        .unwrap()
        .into_iter()
        .map(|r| r.event)
        .collect();
    for e in ["admin.lock", "admin.unlock", "admin.delete", "login.locked"] {
        assert!(events.iter().any(|x| x == e), "{e}");
    }
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_usernames_and_bodies_are_refused_cleanly() {
    let mut s = Server::start(|_| {}).await;
    s.register("alice", PASSWORD).await;
    let session = s.login("alice", PASSWORD).await;
    let long = "a".repeat(10_000);
    let key = scs_crypto::PrivateKey::generate(scs_crypto::KeyKind::Ed25519).unwrap();
    let csr = scs_pki::make_csr(&key, "alice2", &[]).unwrap();
    for name in [
        "../etc/passwd",
        "a/b",
        "a\\b",
        "a\nb",
        "a\0b",
        "x' OR '1'='1",
        "robert'); DROP TABLE users;--",
        "Alice",
        "ünï",
        ".hidden",
        "",
        long.as_str(),
    ] {
        let r = s
            .client()
            .post(s.url(paths::REGISTER))
            .json(&serde_json::json!({"username": name, "password": PASSWORD, "csr_pem": csr}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "register {name:.20?}");
        assert_eq!(api_error(r).await.code, ErrorCode::BadRequest);
        let r = s.login_raw(name, PASSWORD).await;
        assert_eq!(r.status(), 400, "login {name:.20?}");
        let mut url = reqwest::Url::parse(&s.url(paths::USERS)).unwrap();
        url.path_segments_mut().unwrap().push(name);
        let r = s
            .client()
            .get(url)
            .bearer_auth(&session.token)
            .send()
            .await
            .unwrap();
        assert!(
            r.status() == 400 || (name.is_empty() && r.status() == 404),
            "show {name:.20?}: {}",
            r.status()
        );
    }
    // The tables are intact.
    let users: Vec<UserEntry> = get_auth(&s, &session.token, paths::USERS)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(users.len(), 1);

    // Bodies over the limit: 413 with the API's error body.
    let big = serde_json::json!({"username": "alice", "password": "x".repeat(100 * 1024)});
    let r = s
        .client()
        .post(s.url(paths::LOGIN))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(api_error(r).await.code, ErrorCode::TooLarge);
    // Not JSON, wrong shape: 400.
    let r = s
        .client()
        .post(s.url(paths::LOGIN))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .client()
        .post(s.url(paths::REGISTER))
        .json(&serde_json::json!({"username": "carol", "password": PASSWORD, "csr_pem": "junk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s.client().get(s.url("/no/such/path")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(api_error(r).await.code, ErrorCode::NotFound);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_writes_a_private_documented_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("srv");
    let report = init_dir(&dir, |_| {}).await;
    let text = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    for key in [
        "listen",
        "lockout_threshold = 5",
        "argon2_m_kib = 19456",
        "max_body_bytes",
        "mailbox_quota_bytes",
    ] {
        assert!(text.contains(key), "{key}");
    }
    assert!(report.ca_created);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("config.toml")), 0o600);
        assert_eq!(mode(&dir.join("tls/server.key")), 0o600);
    }
    let key = std::fs::read_to_string(dir.join("tls/server.key")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    // Twice is refused; a wrong passphrase is a verification failure.
    let d = dir.clone();
    let again = tokio::task::spawn_blocking(move || scs_server::init(&d, &init_options(), &pass()))
        .await
        .unwrap();
    assert!(matches!(
        again,
        Err(scs_server::Error::AlreadyInitialized(_))
    ));
    let err = scs_server::run(
        &dir,
        scs_server::RunOptions::new(scs_crypto::Passphrase::from("wrong")),
        |_| panic!("must not start"),
    )
    .await
    .unwrap_err();
    assert!(err.is_verification_failure(), "{err}");
    assert_eq!(err.to_string(), "wrong CA passphrase");

    // Another server can adopt this CA.
    let other = tmp.path().join("other");
    let mut o = init_options();
    o.ca = scs_server::CaSource::Adopt(dir.join("ca"));
    let o2 = other.clone();
    let r2 = tokio::task::spawn_blocking(move || scs_server::init(&o2, &o, &pass()))
        .await
        .unwrap()
        .unwrap();
    assert!(!r2.ca_created);
    assert_eq!(r2.ca_fingerprint, report.ca_fingerprint);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_server_end_to_end() {
    let Ok(url) = std::env::var("SCS_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: SCS_TEST_POSTGRES_URL is not set (server on PostgreSQL)");
        return;
    };
    let mut s = Server::start(move |t| set(t, "database.url", url)).await;
    let name = format!("pg{}", hex::encode(scs_crypto::rand::array::<6>().unwrap()));
    s.register(&name, PASSWORD).await;
    let session = s.login(&name, PASSWORD).await;
    assert_eq!(get_auth(&s, &session.token, paths::ME).await.status(), 200);
    scs_server::admin::delete(&s.dir, &name).unwrap();
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_init_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("srv");
    let mut o = init_options();
    o.hosts = vec!["bad host name!".into()];
    let d = dir.clone();
    let r = tokio::task::spawn_blocking(move || scs_server::init(&d, &o, &pass()))
        .await
        .unwrap();
    assert!(matches!(r, Err(scs_server::Error::Invalid(_))), "{r:?}");
    assert!(!dir.exists());
    // A database that cannot be reached fails after the CA was made: the
    // directory is removed again, and init can be run again.
    let mut o = init_options();
    o.database_url = Some("mysql://nowhere".into());
    let d = dir.clone();
    let r = tokio::task::spawn_blocking(move || scs_server::init(&d, &o, &pass()))
        .await
        .unwrap();
    assert!(r.is_err());
    assert!(!dir.exists());
    init_dir(&dir, |_| {}).await;
}

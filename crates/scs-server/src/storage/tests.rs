//! Storage tests: the same checks on SQLite (always) and on PostgreSQL
//! when `SCS_TEST_POSTGRES_URL` is set (skipped with a printed reason
//! otherwise). Names carry a random suffix so that runs against a shared
//! PostgreSQL database do not collide.

use super::*;
use crate::config::DatabaseConfig;

fn suffix() -> String {
    hex::encode(scs_crypto::rand::array::<4>().unwrap())
}

async fn sqlite() -> (tempfile::TempDir, Db) {
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(tmp.path(), &DatabaseConfig::default())
        .await
        .unwrap();
    (tmp, db)
}

async fn postgres() -> Option<Db> {
    let Ok(url) = std::env::var("SCS_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: SCS_TEST_POSTGRES_URL is not set (PostgreSQL storage tests)");
        return None;
    };
    let cfg = DatabaseConfig {
        url,
        max_connections: 8,
    };
    Some(
        Db::open(Path::new("."), &cfg)
            .await
            .expect("connect to PostgreSQL"),
    )
}

fn cert(n: &str) -> users::CertColumns {
    users::CertColumns {
        pem: format!("-----BEGIN CERTIFICATE-----\n{n}\n-----END CERTIFICATE-----\n"),
        serial: format!("AB{n}"),
        fingerprint: "00".repeat(32),
        key_fingerprint: "11".repeat(32),
    }
}

async fn register(db: &Db, name: &str) {
    let mut tx = db.pool().begin().await.unwrap();
    assert!(
        users::insert(&mut tx, name, "$argon2id$fake", now())
            .await
            .unwrap()
    );
    users::set_certificate(&mut tx, name, &cert(name))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn accounts(db: &Db) {
    let s = suffix();
    let alice = format!("alice-{s}");
    let bob = format!("bob-{s}");
    register(db, &alice).await;

    // A registration that does not commit leaves nothing.
    {
        let mut tx = db.pool().begin().await.unwrap();
        assert!(
            users::insert(&mut tx, &bob, "$argon2id$fake", now())
                .await
                .unwrap()
        );
        users::set_certificate(&mut tx, &bob, &cert(&bob))
            .await
            .unwrap();
        drop(tx);
    }
    assert!(users::get(db, &bob).await.unwrap().is_none());

    // A taken name is refused without writing.
    let mut tx = db.pool().begin().await.unwrap();
    assert!(
        !users::insert(&mut tx, &alice, "other", now())
            .await
            .unwrap()
    );
    tx.rollback().await.unwrap();
    let a = users::get(db, &alice).await.unwrap().unwrap();
    assert_eq!(a.password_phc, "$argon2id$fake");
    assert_eq!(
        a.cert_serial.as_deref(),
        Some(format!("AB{alice}").as_str())
    );
    assert!(!a.locked && !a.cert_revoked);

    // Hostile input is data, never SQL.
    let evil = "x' OR '1'='1; DROP TABLE users;--";
    assert!(users::get(db, evil).await.unwrap().is_none());
    assert!(users::exists(db, &alice).await.unwrap());

    assert!(users::set_locked(db, &alice, true).await.unwrap());
    assert!(users::get(db, &alice).await.unwrap().unwrap().locked);
    assert!(!users::set_locked(db, "nobody-here", true).await.unwrap());
    assert!(
        users::mark_cert_revoked(db, &alice, &format!("AB{alice}"))
            .await
            .unwrap()
    );
    assert!(users::get(db, &alice).await.unwrap().unwrap().cert_revoked);
    assert!(
        users::list(db)
            .await
            .unwrap()
            .iter()
            .any(|u| u.username == alice)
    );
    assert!(users::delete(db, &alice).await.unwrap());
    assert!(!users::delete(db, &alice).await.unwrap());
}

async fn session_rows(db: &Db) {
    let s = suffix();
    let carol = format!("carol-{s}");
    register(db, &carol).await;
    let t = now();
    let h1 = scs_crypto::hash::sha256(format!("1{s}").as_bytes());
    let h2 = scs_crypto::hash::sha256(format!("2{s}").as_bytes());
    let h3 = scs_crypto::hash::sha256(format!("3{s}").as_bytes());
    sessions::create(db, &h1, &carol, "password", t, t + 100)
        .await
        .unwrap();
    sessions::create(db, &h2, &carol, "certificate", t, t + 100)
        .await
        .unwrap();
    sessions::create(db, &h3, &carol, "password", t - 200, t - 100)
        .await
        .unwrap();
    let row = sessions::lookup(db, &h1, t).await.unwrap().unwrap();
    assert_eq!(row.username, carol);
    assert_eq!(row.token_hash, h1.to_vec());
    assert!(
        sessions::lookup(db, &h3, t).await.unwrap().is_none(),
        "expired"
    );
    assert!(
        sessions::lookup(db, &h1, t + 100).await.unwrap().is_none(),
        "expiry is exclusive"
    );
    assert_eq!(sessions::revoke_others(db, &carol, &h1).await.unwrap(), 2);
    assert!(sessions::lookup(db, &h2, t).await.unwrap().is_none());
    assert!(sessions::lookup(db, &h1, t).await.unwrap().is_some());
    users::set_locked(db, &carol, true).await.unwrap();
    assert!(
        sessions::lookup(db, &h1, t).await.unwrap().is_none(),
        "locked account"
    );
    users::set_locked(db, &carol, false).await.unwrap();
    sessions::revoke(db, &h1).await.unwrap();
    assert!(
        sessions::lookup(db, &h1, t).await.unwrap().is_none(),
        "revoked"
    );
    assert!(sessions::purge(db, t).await.unwrap() >= 1);
    users::delete(db, &carol).await.unwrap();
}

async fn throttling(db: &Db) {
    let key = format!("user:t-{}", suffix());
    let t = 1_000_000;
    for n in 1..=3 {
        let c = throttle::reserve(db, &key, t, t - 60).await.unwrap();
        assert_eq!(
            c,
            throttle::Counter {
                failures: n,
                locked_until: 0
            }
        );
    }
    throttle::release(db, &key).await.unwrap();
    assert_eq!(
        throttle::reserve(db, &key, t, t - 60)
            .await
            .unwrap()
            .failures,
        3
    );
    throttle::lock(db, &key, t + 30).await.unwrap();
    // While locked nothing counts.
    let c = throttle::reserve(db, &key, t + 10, t - 50).await.unwrap();
    assert_eq!(
        c,
        throttle::Counter {
            failures: 3,
            locked_until: t + 30
        }
    );
    assert_eq!(
        throttle::locked_until(db, &key, t + 10).await.unwrap(),
        Some(t + 30)
    );
    // After the lock the count starts again.
    let c = throttle::reserve(db, &key, t + 31, t - 29).await.unwrap();
    assert_eq!(
        c,
        throttle::Counter {
            failures: 1,
            locked_until: 0
        }
    );
    // An old failure is forgotten.
    let c = throttle::reserve(db, &key, t + 500, t + 440).await.unwrap();
    assert_eq!(c.failures, 1);
    throttle::success(db, &key).await.unwrap();
    assert_eq!(
        throttle::reserve(db, &key, t + 501, t + 441)
            .await
            .unwrap()
            .failures,
        1
    );
    // Parallel reservations count exactly.
    let key2 = format!("addr:p-{}", suffix());
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let db = db.clone();
        let k = key2.clone();
        set.spawn(async move {
            throttle::reserve(&db, &k, t, t - 60)
                .await
                .unwrap()
                .failures
        });
    }
    let mut seen = Vec::new();
    while let Some(r) = set.join_next().await {
        seen.push(r.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=20).collect::<Vec<i64>>());
    assert!(throttle::clear(db, &key2).await.unwrap());
    throttle::clear(db, &key).await.unwrap();
}

async fn mailboxes(db: &Db) {
    let s = suffix();
    let (a, b, c) = (format!("ma-{s}"), format!("mb-{s}"), format!("mc-{s}"));
    for u in [&a, &b, &c] {
        register(db, u).await;
    }
    let id1 = format!("{s}{}", "1".repeat(24));
    let id2 = format!("{s}{}", "2".repeat(24));
    let rcpt = vec![b.clone(), c.clone()];
    messages::insert(db, &id1, &a, &rcpt, now(), vec![7u8; 100], 150)
        .await
        .unwrap();
    // An id is stored once.
    match messages::insert(
        db,
        &id1,
        &c,
        std::slice::from_ref(&b),
        now(),
        vec![9u8; 10],
        150,
    )
    .await
    {
        Err(messages::SendError::Duplicate) => {}
        other => panic!("expected a duplicate refusal, got {other:?}"),
    }
    // b's mailbox holds 100 of 150 bytes: another 100 is refused whole.
    match messages::insert(db, &id2, &a, &rcpt, now(), vec![8u8; 100], 150).await {
        Err(messages::SendError::Quota(who)) => assert_eq!(who, b),
        other => panic!("expected a quota refusal, got {other:?}"),
    }
    assert!(
        messages::list(db, &c).await.unwrap().len() == 1,
        "nothing of the refused message"
    );
    assert_eq!(messages::usage(db, &b).await.unwrap(), 100);
    let lb = messages::list(db, &b).await.unwrap();
    assert_eq!(lb.len(), 1);
    assert_eq!(lb[0].recipients, rcpt);
    assert!(!lb[0].read);
    assert!(messages::list(db, &a).await.unwrap().is_empty());
    assert!(
        messages::fetch(db, &a, &id1).await.unwrap().is_none(),
        "not a's mailbox"
    );
    let (m, ct) = messages::fetch(db, &b, &id1).await.unwrap().unwrap();
    assert_eq!((m.sender.as_str(), ct), (a.as_str(), vec![7u8; 100]));
    assert!(messages::list(db, &b).await.unwrap()[0].read);
    assert!(messages::delete(db, &b, &id1).await.unwrap());
    assert!(!messages::delete(db, &b, &id1).await.unwrap());
    assert!(
        messages::fetch(db, &c, &id1).await.unwrap().is_some(),
        "c still has it"
    );
    users::delete(db, &c).await.unwrap();
    let left: i64 = sqlx::query("SELECT COUNT(*) FROM messages WHERE id = $1")
        .bind(&id1)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(left, 0, "the last mailbox row took the message with it");
    users::delete(db, &a).await.unwrap();
    users::delete(db, &b).await.unwrap();
}

async fn audit_rows(db: &Db) {
    let s = suffix();
    let mut conn = db.pool().acquire().await.unwrap();
    audit::insert(
        &mut conn,
        now(),
        "test.event",
        Some(&s),
        Some("127.0.0.1"),
        None,
    )
    .await
    .unwrap();
    drop(conn);
    let recent = audit::recent(db, 50).await.unwrap();
    assert!(
        recent
            .iter()
            .any(|r| r.username.as_deref() == Some(s.as_str()))
    );
}

async fn all(db: &Db) {
    accounts(db).await;
    session_rows(db).await;
    throttling(db).await;
    mailboxes(db).await;
    audit_rows(db).await;
}

use sqlx::Row;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_storage() {
    let (tmp, db) = sqlite().await;
    all(&db).await;
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    let sync: i64 = sqlx::query("PRAGMA synchronous")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(sync, 2, "synchronous = FULL");
    db.close().await;
    // Migrations are idempotent: reopening applies nothing new.
    let db = Db::open(tmp.path(), &DatabaseConfig::default())
        .await
        .unwrap();
    db.close().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tmp.path().join("scs.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the database file is private");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_storage() {
    let Some(db) = postgres().await else { return };
    all(&db).await;
    db.close().await;
}

#[test]
fn urls() {
    let d = Path::new("/data dir");
    let (u, b, f) = resolve_url(d, "sqlite:scs.db").unwrap();
    assert_eq!(b, Backend::Sqlite);
    assert_eq!(u, "sqlite:///data dir/scs.db?mode=rwc");
    assert_eq!(f.unwrap(), Path::new("/data dir/scs.db"));
    let (u, _, _) = resolve_url(Path::new("/d?#%"), "sqlite:scs.db").unwrap();
    assert_eq!(u, "sqlite:///d%3F%23%25/scs.db?mode=rwc");
    let (u, _, _) = resolve_url(d, "sqlite:///abs/x.db").unwrap();
    assert_eq!(u, "sqlite:///abs/x.db?mode=rwc");
    let (u, b, f) = resolve_url(d, "postgres://u:p@h/db").unwrap();
    assert_eq!(
        (u.as_str(), b, f),
        ("postgres://u:p@h/db", Backend::Postgres, None)
    );
    assert!(resolve_url(d, "mysql://x").is_err());
    assert!(resolve_url(d, "sqlite::memory:").is_err());
    assert_eq!(
        redact(
            "failed for postgres://u:s3cret@h/db",
            "postgres://u:s3cret@h/db"
        ),
        "failed for postgres://u:***@h/db"
    );
}

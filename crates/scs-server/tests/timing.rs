//! An unknown username costs the same time as a known one with a wrong
//! password: both run one Argon2id verification with the configured
//! parameters (OWASP: 19 MiB, t = 2, p = 1) and the same queries.
//!
//! The two kinds of request alternate on one connection, so that load
//! from elsewhere on the machine hits both alike; the medians must be
//! within 20 % of each other. (Measured on 2 shared cores: within a few
//! per cent; the Argon2id verification, some 30–60 ms, dominates.)

mod common;

use std::time::{Duration, Instant};

use common::*;
use scs_api::paths;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_known_users_take_the_same_time() {
    let mut s = Server::start(|t| {
        // No lockout or delay here: this measures the work itself.
        set(t, "auth.lockout_threshold", 100_000);
        set(t, "auth.address_lockout_threshold", 100_000);
        set(t, "auth.base_delay_ms", 0);
        set(t, "auth.max_delay_ms", 0);
    })
    .await;
    s.register("alice", PASSWORD).await;
    let client = s.client();
    let url = s.url(paths::LOGIN);
    let attempt = |user: &'static str| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let start = Instant::now();
            let r = client
                .post(url)
                .json(&serde_json::json!({"username": user, "password": "wrong password"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
            r.bytes().await.unwrap();
            start.elapsed()
        }
    };
    for _ in 0..3 {
        attempt("alice").await;
        attempt("ghost").await;
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..40 {
        // Alternate which goes first.
        if i % 2 == 0 {
            known.push(attempt("alice").await);
            unknown.push(attempt("ghost").await);
        } else {
            unknown.push(attempt("ghost").await);
            known.push(attempt("alice").await);
        }
    }
    let (k, u) = (median(known), median(unknown));
    let diff = k.abs_diff(u).as_secs_f64() / k.max(u).as_secs_f64();
    println!(
        "median login time: known user {:.1} ms, unknown user {:.1} ms, difference {:.1} %",
        k.as_secs_f64() * 1e3,
        u.as_secs_f64() * 1e3,
        diff * 100.0
    );
    assert!(diff < 0.20, "known {k:?} vs unknown {u:?}");
    s.stop().await.unwrap();
}

//! Timing of password logins through the real `scs` binary. Alone in its
//! test binary, so that no other test loads the machine while it measures.

mod common;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use std::time::Instant;

use common::run;
use server::{Fixture, client_pw};

const ALICE_PW: &str = "alice's long password";

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Known and unknown users take the same time, measured through the whole
/// `scs login` as a user runs it.
///
/// The server verifies the password of an unknown user against a dummy
/// Argon2id hash with the same parameters, so the only difference that
/// could show is the Argon2id verification itself. The bound is therefore
/// half of one verification as the server measures it (`/metrics`): a
/// server that skipped the work for unknown users would differ by a whole
/// verification and fail. Each `scs login` is a new process (tens of ms,
/// which dominates and jitters); rounds alternate known and unknown so that
/// drift in the machine's load hits both, and the median of the per-round
/// differences is compared. Delays after failures are configured to 0 so
/// that they do not swamp the measurement.
#[test]
fn unknown_and_known_users_take_the_same_time() {
    let f = Fixture::new(
        "[auth]\nlockout_threshold = 100000\naddress_lockout_threshold = 100000\n\
         base_delay_ms = 0\nmax_delay_ms = 0\n",
    );
    let home = f.user("alice", ALICE_PW);
    let attempt = |name: &str| {
        let start = Instant::now();
        let out = run(client_pw(&home, "a wrong password").args(["login", name]));
        let ms = start.elapsed().as_secs_f64() * 1e3;
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ms
    };
    for _ in 0..3 {
        attempt("alice");
        attempt("nobody");
    }
    const ROUNDS: usize = 31;
    let (mut known, mut unknown, mut diffs) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        let (k, u) = if i % 2 == 0 {
            let k = attempt("alice");
            (k, attempt("nobody"))
        } else {
            let u = attempt("nobody");
            (attempt("alice"), u)
        };
        known.push(k);
        unknown.push(u);
        diffs.push(k - u);
    }
    let (mk, mu, md) = (median(&mut known), median(&mut unknown), median(&mut diffs));
    let argon2_ms = f.srv.metric("scs_argon2_seconds_total") * 1e3
        / f.srv.metric("scs_argon2_operations_total");
    let bound = argon2_ms / 2.0;
    eprintln!(
        "scs login, median of {ROUNDS}: known user {mk:.1} ms, unknown user {mu:.1} ms, \
         median difference {md:+.1} ms; one Argon2id verification {argon2_ms:.1} ms, bound {bound:.1} ms"
    );
    assert!(
        argon2_ms > 2.0,
        "Argon2id with the default parameters cannot take {argon2_ms} ms"
    );
    assert!(
        md.abs() <= bound && (mk - mu).abs() <= bound,
        "known {mk:.1} ms vs unknown {mu:.1} ms (median difference {md:+.1} ms) \
         exceeds the bound of {bound:.1} ms"
    );
}

//! Login throttling, per account and per source address, kept in the
//! database so that every node sees it.
//!
//! An attempt is counted before the password is checked ([`begin`]) and
//! the count is undone on success, so parallel guesses cannot slip past the
//! threshold: one that would is refused unchecked (429, retry after 1 s),
//! without a lockout, so that a burst of right passwords locks nothing.
//! Each failure delays the answer by `base × 2^(n−1)` (capped);
//! at `lockout_threshold` failures the account is locked for
//! `lockout_secs` (429 `throttled` with `retry_after`), and likewise the
//! address at `address_lockout_threshold`. Unknown usernames are counted
//! and locked exactly like known ones, so lockouts reveal nothing about
//! which accounts exist. A success resets the account's count.

use std::net::IpAddr;
use std::time::Duration;

use crate::audit::{self, event};
use crate::metrics::LoginResult;
use crate::routes::ApiErr;
use crate::state::AppState;
use crate::storage::{self, throttle};

/// The throttle key of an account.
pub(crate) fn user_key(name: &str) -> String {
    format!("user:{name}")
}

/// The throttle key of a source address: the IPv4 address, or the /64 of
/// an IPv6 address (one host usually holds a whole /64).
pub(crate) fn addr_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("addr:{v4}"),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return format!("addr:{v4}");
            }
            let s = v6.segments();
            format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// An attempt in progress: both counters reserved.
#[derive(Debug)]
pub(crate) struct Attempt {
    user_key: String,
    addr_key: String,
    user_failures: i64,
    addr_failures: i64,
}

fn retry_after(until: i64, now: i64) -> u64 {
    u64::try_from(until.saturating_sub(now)).unwrap_or(1).max(1)
}

fn refused(st: &AppState, certificate: bool, until: i64, now: i64) -> ApiErr {
    st.metrics.login(certificate, LoginResult::Throttled);
    ApiErr::throttled(
        "too many failed attempts: try again later",
        retry_after(until, now),
    )
}

/// Counts an attempt for `username` from `ip`; refuses it (429) while the
/// account or the address is locked.
pub(crate) async fn begin(st: &AppState, username: &str, ip: IpAddr) -> Result<Attempt, ApiErr> {
    let a = &st.cfg.auth;
    let now = storage::now();
    let lockout = i64::try_from(a.lockout_secs).unwrap_or(i64::MAX);
    let window_start = now.saturating_sub(lockout);
    let user_key = user_key(username);
    let addr_key = addr_key(ip);

    let u = throttle::reserve(&st.db, &user_key, now, window_start).await?;
    if u.locked_until > now {
        return Err(refused(st, false, u.locked_until, now));
    }
    if u.failures > i64::from(a.lockout_threshold) {
        // More attempts in flight than the threshold: refuse this one
        // unchecked, for a second. Those in flight lock the account if they
        // fail; locking here would let a burst of right passwords lock it.
        throttle::release(&st.db, &user_key).await?;
        return Err(refused(st, false, now.saturating_add(1), now));
    }
    let ad = throttle::reserve(&st.db, &addr_key, now, window_start).await?;
    let addr_locked = if ad.locked_until > now {
        Some(ad.locked_until)
    } else if ad.failures > i64::from(a.address_lockout_threshold) {
        // As above, for the address (many users behind one NAT or proxy).
        throttle::release(&st.db, &addr_key).await?;
        Some(now.saturating_add(1))
    } else {
        None
    };
    if let Some(until) = addr_locked {
        throttle::release(&st.db, &user_key).await?;
        return Err(refused(st, false, until, now));
    }
    Ok(Attempt {
        user_key,
        addr_key,
        user_failures: u.failures,
        addr_failures: ad.failures,
    })
}

impl Attempt {
    /// The delay before answering this failure.
    fn delay(&self, st: &AppState) -> Duration {
        let a = &st.cfg.auth;
        let n = u32::try_from(self.user_failures.clamp(1, 32)).unwrap_or(32);
        let ms = a
            .base_delay_ms
            .saturating_mul(1u64 << (n - 1).min(20))
            .min(a.max_delay_ms);
        Duration::from_millis(ms)
    }

    /// A failed attempt: locks what reached its threshold, records the
    /// failure, then waits the growing delay.
    pub(crate) async fn fail(self, st: &AppState, username: &str, ip: IpAddr, event_name: &str) {
        let a = &st.cfg.auth;
        let now = storage::now();
        let until = now.saturating_add(i64::try_from(a.lockout_secs).unwrap_or(i64::MAX));
        let source = ip.to_string();
        let detail = format!("failure {} of {}", self.user_failures, a.lockout_threshold);
        audit::record(
            &st.db,
            event_name,
            Some(username),
            Some(&source),
            Some(&detail),
        )
        .await;
        if self.user_failures >= i64::from(a.lockout_threshold) {
            if let Err(e) = throttle::lock(&st.db, &self.user_key, until).await {
                tracing::error!("cannot record a lockout: {e}");
            }
            st.metrics.lockout();
            let d = format!("account locked for {} s", a.lockout_secs);
            audit::record(
                &st.db,
                event::LOCKOUT,
                Some(username),
                Some(&source),
                Some(&d),
            )
            .await;
        }
        if self.addr_failures >= i64::from(a.address_lockout_threshold) {
            if let Err(e) = throttle::lock(&st.db, &self.addr_key, until).await {
                tracing::error!("cannot record a lockout: {e}");
            }
            st.metrics.lockout();
            let d = format!("address {} locked for {} s", self.addr_key, a.lockout_secs);
            audit::record(&st.db, event::LOCKOUT, None, Some(&source), Some(&d)).await;
        }
        tokio::time::sleep(self.delay(st)).await;
    }

    /// A successful attempt: the account's failures are forgotten and the
    /// address's reservation undone.
    pub(crate) async fn succeed(self, st: &AppState) -> crate::Result<()> {
        throttle::success(&st.db, &self.user_key).await?;
        throttle::release(&st.db, &self.addr_key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(user_key("alice"), "user:alice");
        assert_eq!(addr_key("192.0.2.1".parse().unwrap()), "addr:192.0.2.1");
        assert_eq!(
            addr_key("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "addr:2001:db8:1:2::/64"
        );
        assert_eq!(
            addr_key("::ffff:192.0.2.1".parse().unwrap()),
            "addr:192.0.2.1"
        );
    }
}

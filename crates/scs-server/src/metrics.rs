//! Counters for `/metrics`, in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Outcome of a login attempt, for `scs_logins_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginResult {
    Success = 0,
    Failure = 1,
    Throttled = 2,
    Locked = 3,
}

const RESULTS: [&str; 4] = ["success", "failure", "throttled", "locked"];
const METHODS: [&str; 2] = ["password", "certificate"];

#[derive(Debug, Default)]
pub(crate) struct Metrics {
    requests: Mutex<BTreeMap<(String, &'static str, u16), u64>>,
    logins: [[AtomicU64; 4]; 2],
    registrations: AtomicU64,
    lockouts: AtomicU64,
    connections_active: AtomicI64,
    connections_total: AtomicU64,
    handshake_failures: AtomicU64,
    argon2_micros: AtomicU64,
    argon2_ops: AtomicU64,
    messages: AtomicU64,
    websockets_active: AtomicI64,
}

/// Decrements the active-connection gauge when dropped.
#[derive(Debug)]
pub(crate) struct ConnectionGuard<'a>(&'a Metrics);

impl Drop for ConnectionGuard<'_> {
    fn drop(&mut self) {
        self.0.connections_active.fetch_sub(1, Relaxed);
    }
}

/// Decrements the WebSocket gauge when dropped.
#[derive(Debug)]
pub(crate) struct WsGuard<'a>(&'a Metrics);

impl Drop for WsGuard<'_> {
    fn drop(&mut self) {
        self.0.websockets_active.fetch_sub(1, Relaxed);
    }
}

impl Metrics {
    pub(crate) fn request(&self, route: &str, method: &'static str, status: u16) {
        let mut m = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *m.entry((route.to_owned(), method, status)).or_insert(0) += 1;
    }

    pub(crate) fn login(&self, certificate: bool, result: LoginResult) {
        self.logins[usize::from(certificate)][result as usize].fetch_add(1, Relaxed);
    }

    pub(crate) fn registration(&self) {
        self.registrations.fetch_add(1, Relaxed);
    }

    pub(crate) fn lockout(&self) {
        self.lockouts.fetch_add(1, Relaxed);
    }

    pub(crate) fn connection(&self) -> ConnectionGuard<'_> {
        self.connections_total.fetch_add(1, Relaxed);
        self.connections_active.fetch_add(1, Relaxed);
        ConnectionGuard(self)
    }

    pub(crate) fn handshake_failure(&self) {
        self.handshake_failures.fetch_add(1, Relaxed);
    }

    pub(crate) fn argon2(&self, spent: Duration) {
        self.argon2_ops.fetch_add(1, Relaxed);
        self.argon2_micros.fetch_add(
            u64::try_from(spent.as_micros()).unwrap_or(u64::MAX),
            Relaxed,
        );
    }

    pub(crate) fn message(&self) {
        self.messages.fetch_add(1, Relaxed);
    }

    pub(crate) fn websocket(&self) -> WsGuard<'_> {
        self.websockets_active.fetch_add(1, Relaxed);
        WsGuard(self)
    }

    /// The exposition text.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP scs_http_requests_total HTTP requests by route, method and status.\n");
        out.push_str("# TYPE scs_http_requests_total counter\n");
        {
            let m = self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for ((route, method, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "scs_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP scs_logins_total Login attempts by method and result.\n");
        out.push_str("# TYPE scs_logins_total counter\n");
        for (mi, method) in METHODS.iter().enumerate() {
            for (ri, result) in RESULTS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "scs_logins_total{{method=\"{method}\",result=\"{result}\"}} {}",
                    self.logins[mi][ri].load(Relaxed)
                );
            }
        }
        let counters: [(&str, &str, u64); 5] = [
            (
                "scs_registrations_total",
                "Accounts registered.",
                self.registrations.load(Relaxed),
            ),
            (
                "scs_lockouts_total",
                "Accounts or addresses locked after repeated failures.",
                self.lockouts.load(Relaxed),
            ),
            (
                "scs_connections_total",
                "TCP connections accepted.",
                self.connections_total.load(Relaxed),
            ),
            (
                "scs_tls_handshake_failures_total",
                "TLS handshakes that failed or timed out.",
                self.handshake_failures.load(Relaxed),
            ),
            (
                "scs_messages_total",
                "Messages stored.",
                self.messages.load(Relaxed),
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        }
        let gauges: [(&str, &str, i64); 2] = [
            (
                "scs_connections_active",
                "Open connections.",
                self.connections_active.load(Relaxed),
            ),
            (
                "scs_websockets_active",
                "Open WebSocket connections.",
                self.websockets_active.load(Relaxed),
            ),
        ];
        for (name, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        #[allow(clippy::cast_precision_loss)]
        let secs = self.argon2_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "# HELP scs_argon2_seconds_total Time spent hashing and verifying passwords.\n\
             # TYPE scs_argon2_seconds_total counter\nscs_argon2_seconds_total {secs}\n\
             # HELP scs_argon2_operations_total Password hashes computed or verified.\n\
             # TYPE scs_argon2_operations_total counter\nscs_argon2_operations_total {}",
            self.argon2_ops.load(Relaxed)
        );
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

//! Load generator for `bench/load.sh` (not a test).
//!
//! ```text
//! cargo run --release -p scs-server --example load -- URL CA_PEM SERVER_PID [CLIENTS] [REQUESTS]
//! ```
//!
//! Registers CLIENTS users through the API (Ed25519 keys made here, CSRs
//! from scs-pki; an existing user is reused), then starts CLIENTS clients
//! at once, each with its own TLS connection: each logs in by password and
//! makes REQUESTS authenticated calls, alternating `GET /api/v1/me` and
//! `GET /api/v1/users/NAME`. Prints requests/s, latency percentiles,
//! errors, the server's CPU time and the share of it spent in Argon2id
//! (`scs_argon2_seconds_total` of `/metrics`), and the server's peak RSS
//! (`VmHWM` of /proc/PID/status).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rustls::pki_types::CertificateDer;
use scs_api::{LoginRequest, RegisterRequest, Session};
use scs_crypto::{KeyKind, PrivateKey};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn tls(ca_der: &[u8]) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(ca_der.to_vec()))
        .expect("CA certificate");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    cfg
}

fn http(ca_der: &[u8]) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls(ca_der))
        .timeout(Duration::from_secs(120))
        .build()
        .expect("HTTP client")
}

fn name(i: usize) -> String {
    format!("load{i:04}")
}

fn password(i: usize) -> String {
    format!("load password {i:04}")
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The command name may hold spaces; fields count from after its ')'.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    // USER_HZ is 100 on Linux.
    ticks as f64 / 100.0
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn metric(http: &reqwest::Client, url: &str, name: &str) -> Res<f64> {
    let text = http
        .get(format!("{url}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn register(http: &reqwest::Client, url: &str, i: usize) -> Res<()> {
    let key = PrivateKey::generate(KeyKind::Ed25519)?;
    let csr = scs_pki::make_csr(&key, &name(i), &[])?;
    let resp = http
        .post(format!("{url}/api/v1/register"))
        .json(&RegisterRequest {
            username: name(i),
            password: password(i),
            csr_pem: csr,
        })
        .send()
        .await?;
    match resp.status().as_u16() {
        201 | 409 => Ok(()),
        s => Err(format!("register {}: {s} {}", name(i), resp.text().await?).into()),
    }
}

/// One client: log in, then `requests` authenticated calls. Returns the
/// login latency and the latencies of the calls.
async fn client(
    ca: Arc<Vec<u8>>,
    url: Arc<String>,
    i: usize,
    clients: usize,
    requests: usize,
    start: Arc<tokio::sync::Barrier>,
    errors: Arc<AtomicU64>,
) -> (Option<Duration>, Vec<Duration>) {
    let http = http(&ca);
    start.wait().await;
    let t = Instant::now();
    let login = http
        .post(format!("{url}/api/v1/login"))
        .json(&LoginRequest {
            username: name(i),
            password: password(i),
        })
        .send()
        .await;
    let token = match login {
        Ok(r) if r.status().is_success() => match r.json::<Session>().await {
            Ok(s) => s.token,
            Err(_) => {
                errors.fetch_add(1, Ordering::Relaxed);
                return (None, Vec::new());
            }
        },
        _ => {
            errors.fetch_add(1, Ordering::Relaxed);
            return (None, Vec::new());
        }
    };
    let login_time = t.elapsed();
    let mut times = Vec::with_capacity(requests);
    for k in 0..requests {
        let path = if k % 2 == 0 {
            "/api/v1/me".to_owned()
        } else {
            format!("/api/v1/users/{}", name((i + k) % clients))
        };
        let t = Instant::now();
        let ok = match http
            .get(format!("{url}{path}"))
            .bearer_auth(&token)
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
            _ => false,
        };
        if ok {
            times.push(t.elapsed());
        } else {
            errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    (Some(login_time), times)
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: load URL CA_PEM SERVER_PID [CLIENTS] [REQUESTS]");
        std::process::exit(2);
    }
    let url = Arc::new(args[1].trim_end_matches('/').to_owned());
    let ca = Arc::new(scs_pki::parse_certificate(&std::fs::read(&args[2])?)?);
    let pid: u32 = args[3].parse()?;
    let clients: usize = args.get(4).map_or(Ok(200), |s| s.parse())?;
    let requests: usize = args.get(5).map_or(Ok(50), |s| s.parse())?;

    // Registration (not measured): 8 at a time.
    let admin = http(&ca);
    let t = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(8));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..clients {
        let (admin, url, sem) = (admin.clone(), url.clone(), sem.clone());
        set.spawn(async move {
            let _p = sem.acquire().await;
            register(&admin, &url, i).await
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    println!(
        "registered {clients} users in {:.1} s (Ed25519 keys and CSRs made here)",
        t.elapsed().as_secs_f64()
    );

    // The CPU cost of one Argon2id computation with the server's default
    // parameters, measured here on one thread while the server is idle.
    let one_argon2 = tokio::task::spawn_blocking(|| -> Res<f64> {
        let mut memory = scs_crypto::kdf::Argon2Memory::new();
        let pw = scs_crypto::Passphrase::from("a password");
        let params = scs_crypto::kdf::Argon2Params::OWASP;
        scs_crypto::kdf::argon2id_hash_password_with(&pw, params, &mut memory)?;
        let mut times = Vec::new();
        for _ in 0..7 {
            let t = Instant::now();
            scs_crypto::kdf::argon2id_hash_password_with(&pw, params, &mut memory)?;
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        Ok(times[times.len() / 2])
    })
    .await??;

    let argon_before = metric(&admin, &url, "scs_argon2_seconds_total").await?;
    let ops_before = metric(&admin, &url, "scs_argon2_operations_total").await?;
    let cpu_before = cpu_seconds(pid);
    let own_before = cpu_seconds(std::process::id());

    let errors = Arc::new(AtomicU64::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..clients {
        set.spawn(client(
            ca.clone(),
            url.clone(),
            i,
            clients,
            requests,
            barrier.clone(),
            errors.clone(),
        ));
    }
    barrier.wait().await;
    let t = Instant::now();
    let mut logins = Vec::new();
    let mut calls = Vec::new();
    while let Some(r) = set.join_next().await {
        let (l, c) = r?;
        logins.extend(l);
        calls.extend(c);
    }
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu_before;
    let own = cpu_seconds(std::process::id()) - own_before;
    let argon = metric(&admin, &url, "scs_argon2_seconds_total").await? - argon_before;
    let ops = metric(&admin, &url, "scs_argon2_operations_total").await? - ops_before;
    logins.sort();
    calls.sort();
    let errors = errors.load(Ordering::Relaxed);
    let total = logins.len() + calls.len();

    println!(
        "{clients} clients at once, each: 1 password login + {requests} authenticated requests"
    );
    println!(
        "  {total} requests in {wall:.2} s: {:.0} requests/s ({:.0}/s authenticated calls alone)",
        total as f64 / wall,
        calls.len() as f64 / wall
    );
    println!(
        "  login latency:   p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&logins, 0.50)),
        ms(percentile(&logins, 0.99)),
        ms(logins.last().copied().unwrap_or_default())
    );
    println!(
        "  request latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&calls, 0.50)),
        ms(percentile(&calls, 0.99)),
        ms(calls.last().copied().unwrap_or_default())
    );
    println!("  errors: {errors}");
    let argon_cpu = ops * one_argon2;
    println!(
        "  server CPU: {cpu:.2} s, of which Argon2id ~{argon_cpu:.2} s = {:.0}% \
         ({ops:.0} operations x {:.1} ms measured alone)",
        if cpu > 0.0 {
            100.0 * argon_cpu / cpu
        } else {
            0.0
        },
        one_argon2 * 1e3
    );
    println!(
        "  scs_argon2_seconds_total grew by {argon:.2} s (wall time on the hashing threads, \
         waiting for a core included)"
    );
    println!("  load generator CPU: {own:.2} s (same machine)");
    println!(
        "  server peak RSS (VmHWM): {:.1} MiB",
        status_kib(pid, "VmHWM:") as f64 / 1024.0
    );
    if errors > 0 {
        std::process::exit(1);
    }
    Ok(())
}

//! Messaging load generator for `bench/messaging.sh` (not a test).
//!
//! ```text
//! cargo run --release -p scs-cli --example msgload -- URL CA_PEM [SERVER_PID] [USERS] [MESSAGES]
//! ```
//!
//! Environment: `KEY` = `rsa3072` (default, as `scs register` makes) or
//! `rsa2048`, `ed25519`; `RATE` = messages per second for all clients
//! together (default 0: as fast as they can); `PREFIX` for the user names
//! (default `m`, then 4 digits: a second run on the same server needs
//! another prefix).
//!
//! 1. Makes USERS keys, registers the users through the API (CSRs from
//!    scs-pki) and logs them in, a few at a time.
//! 2. Opens every user's live channel (WebSocket) and waits until all are
//!    up.
//! 3. Starts USERS clients at once; each sends MESSAGES messages, one after
//!    the other, to recipients picked at random (never itself): sealed and
//!    signed on the client with `scs_client::envelope::seal`, posted with
//!    `Client::send_message`. Every body carries a unique tag
//!    (`sender/seq/recipient/random`).
//! 4. Every client opens and verifies each message pushed to it with
//!    `envelope::open` (sender key, sender and recipient names, time, id),
//!    and counts its tag. Once every send returned, messages not pushed
//!    within a grace period are fetched from the mailboxes.
//! 5. Checks that every message arrived exactly once: counts, duplicates,
//!    and SHA-256 over the sorted tags on the sending and receiving sides;
//!    checks each mailbox holds exactly what was sent to it. Prints
//!    messages/s and delivery latency percentiles (send start to verified
//!    receipt), and CPU seconds of the server and of this process.
//!
//! Exits 1 when a message is lost, duplicated or fails verification.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use scs_api::{Event, LoginRequest, Message, RegisterRequest, SendMessage};
use scs_client::{Client, Events, envelope};
use scs_crypto::{KeyKind, PrivateKey};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct User {
    name: String,
    key: PrivateKey,
    client: Client,
    token: String,
}

/// What one run observed.
#[derive(Default)]
struct Tally {
    /// Tag → when its send started.
    started: HashMap<String, Instant>,
    /// Tags whose send returned 201.
    sent: Vec<String>,
    /// Tag → (when it was verified, whether by the live channel).
    received: HashMap<String, (Instant, bool)>,
    /// Server ids seen, per receiving user.
    ids: HashMap<usize, HashSet<String>>,
    duplicates: Vec<String>,
    failures: Vec<String>,
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// A small xorshift generator for picking recipients.
struct Pick(u64);

impl Pick {
    fn new() -> Pick {
        let seed = scs_crypto::rand::array::<8>().expect("random seed");
        Pick(u64::from_le_bytes(seed) | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).expect("small")
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Runs `f(i)` for i in 0..n on `width` tasks at once.
async fn each<F, Fut>(n: usize, width: usize, f: F) -> Res<()>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Res<()>> + Send,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..width {
        let (f, next) = (f.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<(), Box<dyn std::error::Error + Send + Sync>>(());
                }
                f(i).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// Opens, verifies and counts one delivered message for user `me`.
fn receive(
    me: usize,
    users: &[Arc<User>],
    index: &HashMap<String, usize>,
    msg: &Message,
    live: bool,
    tally: &Mutex<Tally>,
) {
    let at = Instant::now();
    let fail = |why: String| {
        tally
            .lock()
            .unwrap()
            .failures
            .push(format!("{} ← {}: {why}", users[me].name, msg.meta.id));
    };
    let Some(&from) = index.get(&msg.meta.sender) else {
        return fail(format!("unknown sender {}", msg.meta.sender));
    };
    let v = match envelope::open(
        msg,
        &users[me].name,
        &[&users[me].key],
        users[from].key.public_key(),
    ) {
        Ok(v) => v,
        Err(e) => return fail(e.to_string()),
    };
    let Some(tag) = v.envelope.body_text() else {
        return fail("the body is not text".into());
    };
    let tag = tag.lines().next().unwrap_or_default().to_owned();
    // sender/seq/recipient/random: the tag names who it was meant for.
    let parts: Vec<&str> = tag.split('/').collect();
    if parts.len() != 4 || parts[0] != users[from].name || parts[2] != users[me].name {
        return fail(format!("tag {tag} does not match the envelope"));
    }
    let mut t = tally.lock().unwrap();
    if !t.ids.entry(me).or_default().insert(msg.meta.id.clone())
        || t.received.insert(tag.clone(), (at, live)).is_some()
    {
        t.duplicates.push(tag);
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: msgload URL CA_PEM [SERVER_PID] [USERS] [MESSAGES]");
        std::process::exit(2);
    }
    let url = scs_client::profile::normalize_url(&args[0])?;
    let ca = scs_pki::parse_certificate(&std::fs::read(&args[1])?)?;
    let server_pid = args.get(2).cloned().unwrap_or_default();
    let n_users: usize = args.get(3).map_or(Ok(100), |s| s.parse())?;
    let n_msgs: usize = args.get(4).map_or(Ok(100), |s| s.parse())?;
    let kind = match std::env::var("KEY").as_deref() {
        Ok("rsa2048") => KeyKind::Rsa2048,
        Ok("ed25519") => KeyKind::Ed25519,
        Ok("rsa3072") | Err(_) => KeyKind::Rsa3072,
        Ok(other) => return Err(format!("KEY={other}: rsa3072, rsa2048 or ed25519").into()),
    };
    let rate: f64 = std::env::var("RATE").map_or(Ok(0.0), |s| s.parse())?;
    let prefix = std::env::var("PREFIX").unwrap_or_else(|_| "m".into());
    assert!(n_users >= 2, "at least two users");

    // 1. Keys, accounts, sessions.
    let t0 = Instant::now();
    let keys: Vec<PrivateKey> = {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let next = AtomicUsize::new(0);
        let out = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n_users {
                            break;
                        }
                        let k = PrivateKey::generate(kind).expect("key generation");
                        out.lock().unwrap().push((i, k));
                    }
                });
            }
        });
        let mut v = out.into_inner().unwrap();
        v.sort_by_key(|(i, _)| *i);
        v.into_iter().map(|(_, k)| k).collect()
    };
    eprintln!(
        "{n_users} {kind:?} keys in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let t0 = Instant::now();
    let slots: Arc<Vec<Mutex<Option<Arc<User>>>>> =
        Arc::new((0..n_users).map(|_| Mutex::new(None)).collect());
    let keys = Arc::new(Mutex::new(keys.into_iter().map(Some).collect::<Vec<_>>()));
    {
        let (slots, keys, url, ca, prefix) =
            (slots.clone(), keys, url.clone(), ca.clone(), prefix.clone());
        each(n_users, 8, move |i| {
            let (slots, keys, url, ca, prefix) = (
                slots.clone(),
                keys.clone(),
                url.clone(),
                ca.clone(),
                prefix.clone(),
            );
            async move {
                let key = keys.lock().unwrap()[i].take().expect("a key");
                let name = format!("{prefix}{i:04}");
                let password = format!("load password of {name}");
                let client = Client::new(&url, scs_client::tls::pinned(&ca, None)?)?;
                client
                    .register(&RegisterRequest {
                        username: name.clone(),
                        password: password.clone(),
                        csr_pem: scs_pki::make_csr(&key, &name, &[])?,
                    })
                    .await?;
                let s = client
                    .login(&LoginRequest {
                        username: name.clone(),
                        password,
                    })
                    .await?;
                *slots[i].lock().unwrap() = Some(Arc::new(User {
                    name,
                    key,
                    client,
                    token: s.token,
                }));
                Ok(())
            }
        })
        .await?;
    }
    let users: Arc<Vec<Arc<User>>> = Arc::new(
        slots
            .iter()
            .map(|s| s.lock().unwrap().clone().expect("registered"))
            .collect(),
    );
    let index: Arc<HashMap<String, usize>> = Arc::new(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.name.clone(), i))
            .collect(),
    );
    eprintln!(
        "{n_users} users registered and logged in in {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    // 2. Live channels.
    let tally = Arc::new(Mutex::new(Tally::default()));
    let total = n_users * n_msgs;
    let pushed = Arc::new(AtomicU64::new(0));
    let mut listeners = Vec::new();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<Res<()>>(n_users);
    for me in 0..n_users {
        let (users, index, tally, pushed, url, ca, ready) = (
            users.clone(),
            index.clone(),
            tally.clone(),
            pushed.clone(),
            url.clone(),
            ca.clone(),
            ready_tx.clone(),
        );
        listeners.push(tokio::spawn(async move {
            let tls = match scs_client::tls::pinned(&ca, None) {
                Ok(t) => t,
                Err(e) => return ready.send(Err(e.into())).await.map_err(drop),
            };
            let mut events = match Events::connect(&url, tls, &users[me].token).await {
                Ok(ev) => {
                    ready.send(Ok(())).await.map_err(drop)?;
                    ev
                }
                Err(e) => return ready.send(Err(e.into())).await.map_err(drop),
            };
            while let Some(ev) = events.next().await {
                match ev {
                    Ok(Event::Message { message }) => {
                        receive(me, &users, &index, &message, true, &tally);
                        pushed.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tally
                            .lock()
                            .unwrap()
                            .failures
                            .push(format!("{}: live channel: {e}", users[me].name));
                        break;
                    }
                }
            }
            Ok(())
        }));
    }
    drop(ready_tx);
    for _ in 0..n_users {
        ready_rx.recv().await.ok_or("a listener stopped")??;
    }
    eprintln!("{n_users} live channels open");

    // 3. Senders.
    let cpu0 = (cpu_seconds(&server_pid), cpu_seconds("self"));
    let t_start = Instant::now();
    let send_errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut senders = Vec::new();
    for me in 0..n_users {
        let (users, tally, errors) = (users.clone(), tally.clone(), send_errors.clone());
        senders.push(tokio::spawn(async move {
            let mut pick = Pick::new();
            let period = if rate > 0.0 {
                Duration::from_secs_f64(n_users as f64 / rate)
            } else {
                Duration::ZERO
            };
            if !period.is_zero() {
                // Spread the clients over one period.
                tokio::time::sleep(period.mul_f64(pick.below(1000) as f64 / 1000.0)).await;
            }
            let mut next = Instant::now();
            for seq in 0..n_msgs {
                if !period.is_zero() {
                    tokio::time::sleep_until(next.into()).await;
                    next += period;
                }
                let mut to = pick.below(n_users - 1);
                if to >= me {
                    to += 1;
                }
                let nonce = hex::encode(scs_crypto::rand::array::<8>().expect("random"));
                let tag = format!("{}/{seq}/{}/{nonce}", users[me].name, users[to].name);
                let body = format!("{tag}\nmessage {seq} of {n_msgs} from {}", users[me].name);
                let started = Instant::now();
                tally.lock().unwrap().started.insert(tag.clone(), started);
                let result = async {
                    let recipients = [(users[to].name.clone(), users[to].key.public_key().clone())];
                    let out = envelope::seal(
                        &users[me].name,
                        &users[me].key,
                        &recipients,
                        body.as_bytes(),
                        None,
                        now_unix(),
                    )?;
                    users[me]
                        .client
                        .send_message(
                            &users[me].token,
                            &SendMessage {
                                recipients: out.envelope.to.clone(),
                                ciphertext_b64: B64.encode(&out.ciphertext),
                                id: Some(out.envelope.id.clone()),
                            },
                        )
                        .await?;
                    Ok::<(), scs_client::Error>(())
                }
                .await;
                match result {
                    Ok(()) => tally.lock().unwrap().sent.push(tag),
                    Err(e) => errors.lock().unwrap().push(format!("{tag}: {e}")),
                }
            }
        }));
    }
    for s in senders {
        s.await?;
    }
    let t_sent = t_start.elapsed();
    eprintln!(
        "all sends returned after {:.1} s; waiting for the last deliveries",
        t_sent.as_secs_f64()
    );
    let sent_ok = tally.lock().unwrap().sent.len() as u64;
    let grace = Instant::now() + Duration::from_secs(30);
    while pushed.load(Ordering::Relaxed) < sent_ok && Instant::now() < grace {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let t_delivered = t_start.elapsed();
    let cpu1 = (cpu_seconds(&server_pid), cpu_seconds("self"));
    let via_live = pushed.load(Ordering::Relaxed);

    // 4. Mailboxes: what the live channel did not bring, and a check that
    // each mailbox holds exactly the messages sent to that user.
    let mut via_mailbox = 0;
    let mut mailbox_total = 0;
    for (me, u) in users.iter().enumerate() {
        let list = u.client.inbox(&u.token).await?;
        mailbox_total += list.len();
        let known = tally
            .lock()
            .unwrap()
            .ids
            .get(&me)
            .cloned()
            .unwrap_or_default();
        for meta in list.iter().filter(|m| !known.contains(&m.id)) {
            let msg = u.client.message(&u.token, &meta.id).await?;
            receive(me, &users, &index, &msg, false, &tally);
            via_mailbox += 1;
        }
    }
    for l in &listeners {
        l.abort();
    }

    // 5. Exactly once?
    let t = tally.lock().unwrap();
    let errors = send_errors.lock().unwrap();
    let digest = |tags: &mut Vec<&String>| {
        tags.sort();
        let joined: Vec<&str> = tags.iter().map(|s| s.as_str()).collect();
        hex::encode(scs_crypto::hash::sha256(joined.join("\n").as_bytes()))
    };
    let sent_hash = digest(&mut t.sent.iter().collect());
    let recv_hash = digest(&mut t.received.keys().collect());
    let mut latencies: Vec<Duration> = t
        .received
        .iter()
        .filter_map(|(tag, (at, _))| t.started.get(tag).map(|s| at.saturating_duration_since(*s)))
        .collect();
    latencies.sort();
    let live_lat: Vec<Duration> = {
        let mut v: Vec<Duration> = t
            .received
            .iter()
            .filter(|(_, (_, live))| *live)
            .filter_map(|(tag, (at, _))| {
                t.started.get(tag).map(|s| at.saturating_duration_since(*s))
            })
            .collect();
        v.sort();
        v
    };
    let missing = t
        .sent
        .iter()
        .filter(|tag| !t.received.contains_key(*tag))
        .count();
    let unexpected = t
        .received
        .keys()
        .filter(|tag| !t.started.contains_key(*tag))
        .count();

    println!(
        "clients: {n_users}, messages each: {n_msgs}, total: {total}, key: {kind:?}, pacing: {}",
        if rate > 0.0 {
            format!("{rate} msg/s")
        } else {
            "none (as fast as possible)".into()
        }
    );
    println!(
        "sent: {} (errors {}), received: {} ({via_live} live, {via_mailbox} from the mailbox), in mailboxes: {mailbox_total}",
        t.sent.len(),
        errors.len(),
        t.received.len(),
    );
    println!(
        "missing: {missing}, duplicated: {}, unexpected: {unexpected}, failed verification: {}",
        t.duplicates.len(),
        t.failures.len()
    );
    println!("SHA-256 of sorted tags: sent {sent_hash}");
    println!("                        recv {recv_hash}");
    println!(
        "throughput: {:.0} messages/s sent ({:.2} s), {:.0} messages/s delivered and verified ({:.2} s)",
        t.sent.len() as f64 / t_sent.as_secs_f64(),
        t_sent.as_secs_f64(),
        t.received.len() as f64 / t_delivered.as_secs_f64(),
        t_delivered.as_secs_f64()
    );
    println!(
        "delivery latency (send start to verified receipt): p50 {}, p90 {}, p99 {}, max {} (live channel only: p50 {}, p99 {})",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default()),
        ms(percentile(&live_lat, 50.0)),
        ms(percentile(&live_lat, 99.0)),
    );
    if let (Some(c0), Some(c1)) = (cpu0.1, cpu1.1) {
        let server = match (cpu0.0, cpu1.0) {
            (Some(s0), Some(s1)) => format!("server {:.1} s, ", s1 - s0),
            _ => String::new(),
        };
        println!(
            "CPU during the run: {server}load generator (sealing, signing, opening, verifying) {:.1} s, over {:.1} s on {} cores",
            c1 - c0,
            t_delivered.as_secs_f64(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
    }
    for e in errors.iter().take(5) {
        println!("send error: {e}");
    }
    for f in t.failures.iter().take(5) {
        println!("failure: {f}");
    }
    for d in t.duplicates.iter().take(5) {
        println!("duplicate: {d}");
    }
    let ok = errors.is_empty()
        && t.failures.is_empty()
        && t.duplicates.is_empty()
        && missing == 0
        && unexpected == 0
        && t.sent.len() == total
        && t.received.len() == total
        && mailbox_total == total
        && sent_hash == recv_hash;
    println!(
        "{}",
        if ok {
            "OK: every message arrived exactly once"
        } else {
            "FAILED: messages were lost, duplicated or refused"
        }
    );
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

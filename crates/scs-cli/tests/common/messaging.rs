//! Users of a real `scs server`, each with a home of their own, for the
//! messaging tests; and raw access to the server's SQLite database (through
//! `python3`'s sqlite3 module) for the tests that play a hostile server.
//!
//! Include after `common/server.rs` as `server`:
//! ```ignore
//! #[path = "common/server.rs"] mod server;
//! #[path = "common/messaging.rs"] mod messaging;
//! ```

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use crate::server::{self, Server};

/// The passphrase of every test user's key.
pub const KEY_PASS: &str = "messaging key passphrase";

/// A server in a temporary directory that also holds the users' homes.
/// The server is killed before the directory goes.
pub struct Net {
    pub srv: Server,
    pub tmp: tempfile::TempDir,
}

impl Net {
    /// `scs server init` with `config` overrides (TOML with section
    /// headers, see `server::init`), then `scs server run`.
    pub fn start(config: &str) -> Net {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("server");
        server::init(&dir, config);
        let srv = Server::start(&dir);
        Net { srv, tmp }
    }

    /// A user whose home is connected to the server (`--ca`) and who
    /// registered; not logged in.
    pub fn registered(&self, name: &str) -> User {
        let home = self.tmp.path().join(format!("home-{name}"));
        std::fs::create_dir_all(&home).unwrap();
        let user = User {
            name: name.to_owned(),
            home,
            password: format!("{name}'s messaging password"),
        };
        user.ok(user
            .scs()
            .arg("connect")
            .arg(&self.srv.url)
            .arg("--ca")
            .arg(self.srv.ca_pem()));
        let out = user.ok(user.scs().args(["register", name]));
        assert!(out.contains(&format!("registered {name}")), "{out}");
        user
    }

    /// [`Net::registered`], then `scs login`.
    pub fn logged_in(&self, name: &str) -> User {
        let user = self.registered(name);
        user.login();
        user
    }

    /// The server's SQLite database.
    pub fn db(&self) -> PathBuf {
        self.srv.dir.join("scs.db")
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        self.srv.kill();
    }
}

/// One person: a home, a password, and `scs` run as them.
pub struct User {
    pub name: String,
    pub home: PathBuf,
    pub password: String,
}

impl User {
    /// `scs` with this user's home, password and key passphrase, and
    /// nothing inherited from the caller's environment.
    pub fn scs(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scs"));
        c.env("SCS_HOME", &self.home)
            .env("SCS_PASSPHRASE", KEY_PASS)
            .env("SCS_PASSWORD", &self.password)
            .env_remove("SCS_NEW_PASSPHRASE")
            .env_remove("SCS_NEW_PASSWORD")
            .env_remove("SCS_SERVER")
            .env_remove("RUST_BACKTRACE")
            .current_dir(&self.home);
        c
    }

    /// Runs and asserts success; stdout.
    pub fn ok(&self, cmd: &mut Command) -> String {
        String::from_utf8(crate::common::ok(cmd)).unwrap()
    }

    /// Runs and asserts success; (stdout, stderr).
    pub fn ok2(&self, cmd: &mut Command) -> (String, String) {
        let out = crate::common::run(cmd);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{} failed: {cmd:?}\nstatus: {}\nstderr: {stderr}",
            self.name,
            out.status
        );
        (String::from_utf8(out.stdout).unwrap(), stderr)
    }

    pub fn login(&self) {
        let out = self.ok(self.scs().args(["login", &self.name]));
        assert!(out.contains("logged in"), "{out}");
    }

    /// `scs send TO… -m TEXT`; the message id it printed.
    pub fn send(&self, to: &[&str], text: &str) -> String {
        let out = self.ok(self.scs().arg("send").args(to).args(["-m", text]));
        sent_id(&out, to)
    }

    /// `scs read ID` (stdout).
    pub fn read(&self, id: &str) -> String {
        self.ok(self.scs().args(["read", id]))
    }

    /// `scs inbox --json`.
    pub fn inbox(&self) -> Vec<serde_json::Value> {
        let out = self.ok(self.scs().args(["inbox", "--json"]));
        serde_json::from_str(&out).unwrap()
    }

    /// `scs contacts verify PEER --yes`: the safety number it showed.
    pub fn verify(&self, peer: &str) -> String {
        let out = self.ok(self.scs().args(["contacts", "verify", peer, "--yes"]));
        assert!(
            out.contains(&format!("{peer}'s key is now verified")),
            "{out}"
        );
        safety_number(&out)
    }
}

/// The SHA-256 fingerprint (hex) of `user`'s key, from the certificate in
/// their own keystore.
pub fn key_fingerprint(user: &User) -> String {
    let out = user.ok(user.scs().args(["key", "list", "--json"]));
    let keys: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let key = keys
        .iter()
        .find(|k| {
            k["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(&format!("{}.", user.name)))
        })
        .unwrap_or_else(|| panic!("no key for {} in {out}", user.name));
    key["fingerprint_sha256"].as_str().unwrap().to_owned()
}

/// The id in `sent ID to A, B (N bytes sealed)`, checking the recipients.
pub fn sent_id(out: &str, to: &[&str]) -> String {
    let line = out
        .lines()
        .find(|l| l.starts_with("sent "))
        .unwrap_or_else(|| panic!("no `sent` line in {out:?}"));
    let mut words = line.split(' ');
    words.next();
    let id = words.next().unwrap().to_owned();
    assert_eq!(id.len(), 32, "{line}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{line}");
    let mut sorted: Vec<&str> = to.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert!(
        line.contains(&format!(" to {} (", sorted.join(", "))),
        "{line}"
    );
    id
}

/// The ciphertext size in `sent … (N bytes sealed)`.
pub fn sent_size(out: &str) -> u64 {
    let open = out.rfind('(').expect("a size");
    out[open + 1..].split(' ').next().unwrap().parse().unwrap()
}

/// The 12 groups after `safety number for …:` in `contacts verify` output.
pub fn safety_number(out: &str) -> String {
    let mut lines = out.lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("safety number for "))
        .unwrap_or_else(|| panic!("no safety number in {out}"));
    let n = lines.next().unwrap().trim().to_owned();
    assert_eq!(n.split(' ').count(), 12, "{n}");
    n
}

/// The value after `prefix` on the first line starting with it.
pub fn field(text: &str, prefix: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in {text}"))
        .trim()
        .to_owned()
}

/// Bytes that look random and differ per `seed` (xorshift64*).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

// --- the database, as a hostile server operator edits it ---------------

/// Whether `python3` with its sqlite3 module is available; prints why a
/// test is skipped when not.
pub fn have_python_sqlite() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import sqlite3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping: `python3` with the sqlite3 module is not installed");
    }
    ok
}

/// Runs Python `code` with `db` (an open `sqlite3` connection, waiting up
/// to 30 s for the server's locks) and `args` (`sys.argv[1:]`), then
/// commits. The database is in WAL mode, so this works while the server
/// runs: the server reads each committed change at its next query.
/// Returns what the code wrote to stdout.
pub fn sql(db: &Path, code: &str, args: &[&str]) -> Vec<u8> {
    let script = format!(
        "import sqlite3, sys\n\
         db = sqlite3.connect(sys.argv[1], timeout=30)\n\
         args = sys.argv[2:]\n\
         {code}\n\
         db.commit()\n\
         db.close()\n"
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(db)
        .args(args)
        .output()
        .expect("spawn python3");
    assert!(
        out.status.success(),
        "python failed: {}\n{code}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// One value of a single-row query, as text.
pub fn sql_value(db: &Path, query: &str, args: &[&str]) -> String {
    let out = sql(
        db,
        &format!("print(db.execute({query:?}, args).fetchone()[0])"),
        args,
    );
    String::from_utf8(out).unwrap().trim().to_owned()
}

/// Every value of every row of every table, as raw bytes (text as UTF-8,
/// numbers in decimal, blobs as they are), each followed by a NUL.
pub fn dump_rows(db: &Path) -> Vec<u8> {
    sql(
        db,
        "out = sys.stdout.buffer\n\
         tables = [r[0] for r in db.execute(\"SELECT name FROM sqlite_master WHERE type = 'table'\")]\n\
         assert 'messages' in tables and 'mailbox' in tables, tables\n\
         for t in tables:\n\
         \x20   for row in db.execute('SELECT * FROM \"%s\"' % t):\n\
         \x20       for v in row:\n\
         \x20           if v is None: v = b''\n\
         \x20           elif isinstance(v, str): v = v.encode()\n\
         \x20           elif isinstance(v, (int, float)): v = str(v).encode()\n\
         \x20           out.write(bytes(v) + b'\\0')\n\
         out.flush()",
        &[],
    )
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

// --- interactive children (`scs chat`) ---------------------------------

/// A child process with piped stdio whose output lines arrive on a
/// channel; killed when dropped.
pub struct Live {
    pub who: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<(char, String)>,
    /// Every line so far, and whether an [`Live::expect`] took it.
    log: Vec<(char, String, bool)>,
}

impl Live {
    pub fn spawn(who: &str, mut cmd: Command) -> Live {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let (tx, rx) = channel();
        forward(child.stdout.take().unwrap(), 'o', tx.clone());
        forward(child.stderr.take().unwrap(), 'e', tx);
        Live {
            who: who.to_owned(),
            stdin: child.stdin.take(),
            child,
            lines: rx,
            log: Vec::new(),
        }
    }

    /// Writes one line to the child's stdin.
    pub fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// The first line not taken yet on stdout (`'o'`) or stderr (`'e'`)
    /// that `pred` accepts, waiting up to `timeout` for it; panics with
    /// everything seen otherwise.
    pub fn expect(
        &mut self,
        stream: char,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        let mut from = 0;
        loop {
            for entry in &mut self.log[from..] {
                if !entry.2 && entry.0 == stream && pred(&entry.1) {
                    entry.2 = true;
                    return entry.1.clone();
                }
            }
            from = self.log.len();
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((s, line)) => self.log.push((s, line, false)),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => panic!(
                    "{}: no matching line on std{} within {timeout:?}; seen: {:#?}",
                    self.who,
                    if stream == 'o' { "out" } else { "err" },
                    self.log
                ),
            }
        }
    }

    /// Every line received so far (after draining what is pending).
    pub fn seen(&mut self) -> Vec<(char, String)> {
        while let Ok((s, l)) = self.lines.try_recv() {
            self.log.push((s, l, false));
        }
        self.log.iter().map(|(s, l, _)| (*s, l.clone())).collect()
    }

    /// Closes stdin (end of input) and waits up to `timeout` for the exit.
    pub fn finish(&mut self, timeout: Duration) -> std::process::ExitStatus {
        drop(self.stdin.take());
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            if Instant::now() >= deadline {
                let seen = self.seen();
                panic!(
                    "{} did not exit after end of input; seen: {seen:#?}",
                    self.who
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward(r: impl std::io::Read + Send + 'static, stream: char, tx: Sender<(char, String)>) {
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send((stream, line)).is_err() {
                break;
            }
        }
    });
}

/// Output of a finished command, for messages.
pub fn describe(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

//! Running the real `scs server` as a child process on 127.0.0.1:0.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CA_PASS: &str = "server CA passphrase";

pub struct Server {
    pub dir: PathBuf,
    pub url: String,
    pub child: Option<Child>,
}

/// `scs server init` in `dir` with the given extra config lines appended.
pub fn init(dir: &Path, config_extra: &str) {
    init_named(dir, "scs CA", config_extra);
}

/// [`init`] with the CA's common name chosen (two servers whose CAs share
/// a name are the hard case for a man in the middle).
pub fn init_named(dir: &Path, ca_name: &str, config_extra: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_scs"))
        .args(["server", "init", "--dir"])
        .arg(dir)
        .args(["--host", "127.0.0.1", "--host", "localhost"])
        .args(["--ca-name", ca_name])
        .env("SCS_PASSPHRASE", CA_PASS)
        .env("SCS_HOME", dir.join("admin-home"))
        .output()
        .expect("spawn scs server init");
    assert!(
        out.status.success(),
        "server init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if !config_extra.is_empty() {
        let cfg = dir.join("config.toml");
        let text = std::fs::read_to_string(&cfg).unwrap();
        std::fs::write(&cfg, apply_overrides(&text, config_extra)).unwrap();
    }
}

/// Replaces `key = value` lines of the config, section by section:
/// `overrides` is TOML with [section] headers.
fn apply_overrides(config: &str, overrides: &str) -> String {
    let mut section = String::new();
    let mut wanted: Vec<(String, String, String)> = Vec::new();
    for line in overrides.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with('[') {
            section = line.to_owned();
        } else if let Some((k, v)) = line.split_once('=') {
            wanted.push((section.clone(), k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let mut out = String::new();
    let mut current = String::new();
    let mut done = vec![false; wanted.len()];
    for line in config.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            current = t.to_owned();
        }
        let mut replaced = false;
        if let Some((k, _)) = t.split_once('=')
            && !t.starts_with('#')
        {
            for (i, (s, wk, wv)) in wanted.iter().enumerate() {
                if *s == current && k.trim() == wk {
                    out.push_str(&format!("{wk} = {wv}\n"));
                    done[i] = true;
                    replaced = true;
                }
            }
        }
        if !replaced {
            out.push_str(line);
            out.push('\n');
        }
    }
    for (i, (s, k, _)) in wanted.iter().enumerate() {
        assert!(done[i], "config key {s} {k} not found in config.toml");
    }
    out
}

impl Server {
    /// Starts `scs server run` and waits for `listening on https://ADDR`.
    pub fn start(dir: &Path) -> Server {
        Server::start_at(dir, "127.0.0.1:0")
    }

    /// [`Server::start`] on a chosen address (e.g. the one another server
    /// just left, to stand in for it).
    pub fn start_at(dir: &Path, listen: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scs"))
            .args(["server", "run", "--dir"])
            .arg(dir)
            .args(["--listen", listen])
            .env("SCS_PASSPHRASE", CA_PASS)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn scs server run");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            while let Some(Ok(line)) = lines.next() {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server did not print `listening on`");
        Server {
            dir: dir.to_path_buf(),
            url,
            child: Some(child),
        }
    }

    /// SIGKILL, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("running");
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status();
        let start = Instant::now();
        loop {
            if let Some(st) = c.try_wait().unwrap() {
                return st;
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = c.kill();
                panic!("server did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The root CA certificate (PEM path) for `scs connect --ca`.
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.join("ca").join("root.crt")
    }

    /// `HOST:PORT`, as `openssl s_client -connect` wants it.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("https://").to_owned()
    }

    /// The server process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// `curl` trusting this server's CA only: `-sS`, the body on stdout
    /// followed by a last line with the HTTP status (000 when no answer).
    pub fn curl(&self) -> Command {
        let mut c = Command::new("curl");
        c.args([
            "-sS",
            "--max-time",
            "30",
            "-w",
            "\n%{http_code}",
            "--cacert",
        ])
        .arg(self.ca_pem());
        c
    }

    /// Calls `PATH` with curl (`body` as JSON if given, `token` as a
    /// bearer token) and returns the status and the body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, String) {
        let mut c = self.curl();
        c.args(["-X", method]);
        if let Some(t) = token {
            c.arg("-H").arg(format!("Authorization: Bearer {t}"));
        }
        if let Some(b) = body {
            c.args([
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                "@-",
            ]);
            return curl_result(pipe(c.arg(format!("{}{path}", self.url)), b.as_bytes()));
        }
        curl_result(
            c.arg(format!("{}{path}", self.url))
                .output()
                .expect("spawn curl"),
        )
    }

    /// The value of a Prometheus counter or gauge of `/metrics`.
    pub fn metric(&self, name: &str) -> f64 {
        let (status, text) = self.call("GET", "/metrics", None, None);
        assert_eq!(status, 200, "{text}");
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no metric {name} in {text}"))
    }
}

/// Runs `cmd` with `input` on its stdin.
pub fn pipe(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    // A server may answer (413) before reading everything: ignore EPIPE.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("wait")
}

/// Splits the output of [`Server::curl`] into status and body.
pub fn curl_result(out: std::process::Output) -> (u16, String) {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

/// Whether `curl` is installed; prints why a test is skipped when not.
pub fn have_curl() -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join("curl").is_file()));
    if !found {
        eprintln!("skipping: `curl` is not installed");
    }
    found
}

/// The passphrase protecting client keys in the tests.
pub const KEY_PASS: &str = "client key passphrase";

/// `scs` for a client whose home is `home`: no secret inherited from the
/// caller's environment, the key passphrase set.
pub fn client(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scs"));
    c.env("SCS_HOME", home)
        .env("SCS_PASSPHRASE", KEY_PASS)
        .env_remove("SCS_NEW_PASSPHRASE")
        .env_remove("SCS_PASSWORD")
        .env_remove("SCS_NEW_PASSWORD")
        .env_remove("SCS_SERVER")
        .current_dir(home.parent().unwrap_or(home));
    c
}

/// [`client`] with the account password in `SCS_PASSWORD`.
pub fn client_pw(home: &Path, password: &str) -> Command {
    let mut c = client(home);
    c.env("SCS_PASSWORD", password);
    c
}

/// The directory of the current server profile of a client home.
pub fn profile_dir(home: &Path) -> PathBuf {
    let profiles = home.join("profiles");
    let name = std::fs::read_to_string(profiles.join("current")).expect("a current profile");
    profiles.join(name.trim())
}

/// The session token a client saved at login.
pub fn session_token(home: &Path) -> String {
    let text = std::fs::read_to_string(profile_dir(home).join("session.toml")).expect("a session");
    let v: toml_lite::Table = toml_lite::parse(&text);
    v.get("token").expect("token").clone()
}

/// Just enough TOML for the flat files a client writes (`key = "string"`
/// and `key = integer`).
pub mod toml_lite {
    use std::collections::BTreeMap;

    pub type Table = BTreeMap<String, String>;

    pub fn parse(text: &str) -> Table {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
            .collect()
    }

    /// Rewrites `key`'s value (raw TOML) in `text`.
    pub fn set(text: &str, key: &str, raw: &str) -> String {
        text.lines()
            .map(|l| match l.split_once('=') {
                Some((k, _)) if k.trim() == key => format!("{key} = {raw}"),
                _ => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A running server in a temporary directory of its own, which also holds
/// the client homes of a test. The server stops before the directory goes.
pub struct Fixture {
    pub srv: Server,
    pub tmp: tempfile::TempDir,
}

impl Fixture {
    /// `scs server init` with `config` overrides (see [`init`]), then
    /// `scs server run`.
    pub fn new(config: &str) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("server");
        init(&dir, config);
        let srv = Server::start(&dir);
        Fixture { srv, tmp }
    }

    /// A client home (not created yet) named after `name`.
    pub fn home(&self, name: &str) -> PathBuf {
        self.tmp.path().join(format!("home-{name}"))
    }

    /// A client home connected to the server with `--ca`.
    pub fn connected(&self, name: &str) -> PathBuf {
        let home = self.home(name);
        std::fs::create_dir_all(&home).unwrap();
        let out = client(&home)
            .arg("connect")
            .arg(&self.srv.url)
            .arg("--ca")
            .arg(self.srv.ca_pem())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "connect failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        home
    }

    /// A home connected to the server, from which `name` registered with
    /// `password` (not logged in).
    pub fn user(&self, name: &str, password: &str) -> PathBuf {
        let home = self.connected(name);
        let out = client_pw(&home, password)
            .args(["register", name])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "register {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        home
    }

    /// [`Fixture::user`], then `scs login` by password.
    pub fn logged_in(&self, name: &str, password: &str) -> PathBuf {
        let home = self.user(name, password);
        let out = client_pw(&home, password)
            .args(["login", name])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "login {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        home
    }

    /// `scs server user ARGS --dir DIR`, asserting success; its stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_scs"))
            .args(["server", "user"])
            .args(args)
            .arg("--dir")
            .arg(&self.srv.dir)
            .env("SCS_PASSPHRASE", CA_PASS)
            .env("SCS_HOME", self.srv.dir.join("admin-home"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scs server user {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The accounts as `scs server user list --json` shows them.
    pub fn accounts(&self) -> Vec<serde_json::Value> {
        admin_accounts(&self.srv.dir)
    }
}

/// `scs server user list --dir DIR --json`.
pub fn admin_accounts(dir: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_scs"))
        .args(["server", "user", "list", "--json", "--dir"])
        .arg(dir)
        .env("SCS_HOME", dir.join("admin-home"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "user list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

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
    let out = Command::new(env!("CARGO_BIN_EXE_scs"))
        .args(["server", "init", "--dir"])
        .arg(dir)
        .args(["--host", "127.0.0.1", "--host", "localhost"])
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
        if let Some((k, _)) = t.split_once('=') {
            if !t.starts_with('#') {
                for (i, (s, wk, wv)) in wanted.iter().enumerate() {
                    if *s == current && k.trim() == wk {
                        out.push_str(&format!("{wk} = {wv}\n"));
                        done[i] = true;
                        replaced = true;
                    }
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_scs"))
            .args(["server", "run", "--dir"])
            .arg(dir)
            .args(["--listen", "127.0.0.1:0"])
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
        let _ = Command::new("kill").arg("-TERM").arg(c.id().to_string()).status();
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
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

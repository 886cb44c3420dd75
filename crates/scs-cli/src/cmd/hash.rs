//! `scs hash`: digests printed exactly like `sha256sum`, and `--check`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use scs_crypto::hash::{self, HashAlg};
use scs_crypto::mac::HmacSha256;
use zeroize::Zeroizing;

use crate::exit::{self, Silent, usage};
use crate::io::{describe_io, display_name, open_input, open_input_progress};

#[derive(Debug, Args)]
pub struct HashArgs {
    /// Algorithm: sha256, sha512, sha3-256, blake3 or md5 (legacy)
    #[arg(short = 'a', long = "algorithm", value_name = "ALG")]
    alg: Option<HashAlg>,
    /// Verify the digests listed in LIST (the `sha256sum` format)
    #[arg(
        short = 'c',
        long = "check",
        value_name = "LIST",
        conflicts_with = "files"
    )]
    check: Option<PathBuf>,
    /// Compute HMAC-SHA256 with the key in this file (raw bytes)
    #[arg(long, value_name = "FILE")]
    hmac_key_file: Option<PathBuf>,
    /// With --check: print nothing for files that match
    #[arg(long, requires = "check")]
    quiet: bool,
    /// Files to hash; `-` or none for standard input
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

enum Digester {
    Hash(HashAlg),
    Hmac(Zeroizing<Vec<u8>>),
}

impl Digester {
    fn digest_hex(&self, path: Option<&Path>) -> Result<String> {
        let input = open_input_progress(path, "hashing")?;
        let name = display_name(path);
        let read_err = |e: std::io::Error| anyhow::anyhow!("{name}: {}", describe_io(&e));
        Ok(match self {
            Digester::Hash(alg) => hash::digest_reader(*alg, input)
                .map_err(read_err)?
                .0
                .to_hex(),
            Digester::Hmac(key) => {
                let mut mac = HmacSha256::new(key);
                hash::pump(input, |chunk| mac.update(chunk)).map_err(read_err)?;
                hex::encode(mac.finalize())
            }
        })
    }

    fn hex_len(&self) -> usize {
        match self {
            Digester::Hash(a) => a.output_len() * 2,
            Digester::Hmac(_) => 64,
        }
    }
}

/// `sha256sum` escapes names holding a backslash, newline or carriage
/// return, and marks the line with a leading backslash.
fn escape_name(name: &str) -> (bool, String) {
    if !name.contains(['\\', '\n', '\r']) {
        return (false, name.to_owned());
    }
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    (true, out)
}

fn unescape_name(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut it = name.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next()? {
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

pub fn run(args: HashArgs) -> Result<()> {
    let digester = match &args.hmac_key_file {
        Some(f) => {
            if args.alg.is_some_and(|a| a != HashAlg::Sha256) {
                return Err(usage(
                    "--hmac-key-file computes HMAC-SHA256; drop -a or use -a sha256",
                )
                .into());
            }
            let key = Zeroizing::new(crate::io::read_small(Some(f), 1 << 20)?);
            Digester::Hmac(key)
        }
        None => Digester::Hash(args.alg.unwrap_or(HashAlg::Sha256)),
    };
    if let Some(list) = &args.check {
        return check(&digester, args.alg.is_some(), list, args.quiet);
    }
    let files: Vec<Option<&Path>> = if args.files.is_empty() {
        vec![None]
    } else {
        args.files.iter().map(|p| Some(p.as_path())).collect()
    };
    let stdout = std::io::stdout();
    let mut worst = 0u8;
    for path in files {
        match digester.digest_hex(path) {
            Ok(hex) => {
                let (escaped, name) = escape_name(&display_name(path));
                let mut out = stdout.lock();
                writeln!(out, "{}{hex}  {name}", if escaped { "\\" } else { "" })?;
                out.flush()?;
            }
            Err(e) => {
                if crate::exit::is_broken_pipe(&e) {
                    return Err(e);
                }
                let _ = crate::exit::report(&e);
                worst = exit::ERROR;
            }
        }
    }
    if worst != 0 {
        return Err(Silent(worst).into());
    }
    Ok(())
}

/// One line of a checksum list: `HEX  NAME`, `HEX *NAME`, or the BSD form
/// `ALG (NAME) = HEX`; a leading backslash marks an escaped name.
fn parse_line(line: &str) -> Option<(Option<HashAlg>, String, String)> {
    let (escaped, line) = match line.strip_prefix('\\') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let unescape = |n: &str| {
        if escaped {
            unescape_name(n)
        } else {
            Some(n.to_owned())
        }
    };
    if let Some(open) = line.find(" (")
        && let Some(close) = line.rfind(") = ")
    {
        let alg: Option<HashAlg> = line[..open].parse().ok();
        if alg.is_some() && close > open {
            let name = unescape(&line[open + 2..close])?;
            let hex = line[close + 4..].trim().to_ascii_lowercase();
            return Some((alg, hex, name));
        }
    }
    let sp = line.find(' ')?;
    let hex = &line[..sp];
    let rest = &line[sp + 1..];
    let name = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('*'))?;
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((None, hex.to_ascii_lowercase(), unescape(name)?))
}

fn check(digester: &Digester, alg_given: bool, list: &Path, quiet: bool) -> Result<()> {
    let reader = std::io::BufReader::new(open_input(Some(list))?);
    let stdout = std::io::stdout();
    let (mut bad, mut unreadable, mut malformed, mut checked) = (0usize, 0usize, 0usize, 0usize);
    for (lineno, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| anyhow::anyhow!("{}: {}", list.display(), describe_io(&e)))?;
        let line = line.strip_suffix('\r').unwrap_or(&line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((line_alg, want, name)) = parse_line(line) else {
            malformed += 1;
            eprintln!(
                "error: {}:{}: not a checksum line",
                list.display(),
                lineno + 1
            );
            continue;
        };
        // The algorithm: -a if given, else the BSD tag, else the length.
        let owned;
        let d = match (digester, alg_given, line_alg) {
            (Digester::Hmac(_), ..) | (_, true, _) => digester,
            (_, false, Some(a)) => {
                owned = Digester::Hash(a);
                &owned
            }
            (_, false, None) => match HashAlg::from_hex_len(want.len()) {
                Some(a) => {
                    owned = Digester::Hash(a);
                    &owned
                }
                None => digester,
            },
        };
        if want.len() != d.hex_len() {
            malformed += 1;
            eprintln!(
                "error: {}:{}: digest length does not match the algorithm",
                list.display(),
                lineno + 1
            );
            continue;
        }
        checked += 1;
        let path = PathBuf::from(&name);
        let status = match d.digest_hex(Some(&path)) {
            Ok(got) if scs_crypto::ct_eq(got.as_bytes(), want.as_bytes()) => "OK",
            Ok(_) => {
                bad += 1;
                "FAILED"
            }
            Err(e) => {
                unreadable += 1;
                let _ = crate::exit::report(&e);
                "FAILED open or read"
            }
        };
        if !(quiet && status == "OK") {
            let (escaped, shown) = escape_name(&name);
            let mut out = stdout.lock();
            writeln!(out, "{}{shown}: {status}", if escaped { "\\" } else { "" })?;
        }
    }
    std::io::stdout().flush()?;
    let plural = |n: usize, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    if malformed > 0 {
        eprintln!(
            "warning: {malformed} {} improperly formatted",
            plural(malformed, "line is", "lines are")
        );
    }
    if unreadable > 0 {
        eprintln!(
            "warning: {unreadable} listed {} could not be read",
            plural(unreadable, "file", "files")
        );
    }
    if bad > 0 {
        eprintln!(
            "warning: {bad} computed {} did NOT match",
            plural(bad, "checksum", "checksums")
        );
    }
    if checked == 0 {
        return Err(crate::exit::failed(format!(
            "{}: no properly formatted checksum lines found",
            list.display()
        ))
        .into());
    }
    if bad > 0 || unreadable > 0 || malformed > 0 {
        return Err(Silent(exit::FAILED).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse() {
        let h = "a".repeat(64);
        assert_eq!(parse_line(&format!("{h}  file.txt")).unwrap().2, "file.txt");
        assert_eq!(parse_line(&format!("{h} *bin")).unwrap().2, "bin");
        assert_eq!(
            parse_line(&format!("\\{h}  a\\\\b\\nc")).unwrap().2,
            "a\\b\nc"
        );
        let (alg, _, name) = parse_line(&format!("SHA256 (x y) = {h}")).unwrap();
        assert_eq!((alg, name.as_str()), (Some(HashAlg::Sha256), "x y"));
        assert!(parse_line("nonsense").is_none());
        assert!(parse_line(&format!("{h}x  f")).is_none());
    }

    #[test]
    fn names_escape_like_coreutils() {
        assert_eq!(escape_name("plain"), (false, "plain".into()));
        assert_eq!(escape_name("a\\b"), (true, "a\\\\b".into()));
        assert_eq!(escape_name("c\rd"), (true, "c\\rd".into()));
    }
}

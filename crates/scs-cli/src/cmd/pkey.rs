//! `scs pkey encrypt|decrypt`: RSA-OAEP (SHA-256, MGF1-SHA256) of small data.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::ctx::Ctx;
use crate::io::{Kind, display_name, open_input, write_output};

#[derive(Debug, Args)]
pub struct PkeyArgs {
    #[command(subcommand)]
    cmd: PkeyCmd,
}

#[derive(Debug, Args)]
struct Common {
    /// Key: a keystore name, or a key/certificate file
    #[arg(short, long, value_name = "KEY")]
    key: String,
    /// Output file (default: standard output)
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite the output file if it exists
    #[arg(long)]
    force: bool,
    /// Input; `-` or none for standard input
    #[arg(value_name = "IN")]
    input: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum PkeyCmd {
    /// Encrypt a short message to an RSA public key
    Encrypt(Common),
    /// Decrypt with an RSA private key
    Decrypt(Common),
}

fn read_bounded(input: Option<&std::path::Path>, limit: usize) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    open_input(input)?
        .take(limit as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| anyhow::anyhow!("{}: {}", display_name(input), crate::io::describe_io(&e)))?;
    Ok(buf)
}

pub fn run(ctx: &Ctx, args: PkeyArgs) -> Result<()> {
    match args.cmd {
        PkeyCmd::Encrypt(c) => {
            let pk = crate::keyref::public_key(ctx, &c.key)?;
            let max = pk.oaep_max_plaintext()?;
            let data = read_bounded(c.input.as_deref(), max)?;
            let ct = pk.oaep_encrypt(&data)?;
            write_output(c.output.as_deref(), c.force, Kind::Binary, &ct)
        }
        PkeyCmd::Decrypt(c) => {
            let key = crate::keyref::private_key(ctx, &c.key)?;
            let data = read_bounded(c.input.as_deref(), 1024)?;
            let pt = key.oaep_decrypt(&data)?;
            let text = std::str::from_utf8(pt.expose())
                .is_ok_and(|t| !t.chars().any(|ch| ch.is_control() && !ch.is_whitespace()));
            write_output(
                c.output.as_deref(),
                c.force,
                Kind::Secret { binary: !text },
                pt.expose(),
            )
        }
    }
}

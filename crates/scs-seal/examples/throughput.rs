//! Times sealing and opening a file in this process:
//! `cargo run --release -p scs-seal --example throughput -- FILE [SEALED]`.
//! Seals FILE to an X25519 key (output discarded), seals it again to SEALED
//! (default: FILE.scs), then opens SEALED (output discarded). `SIGN=1` adds
//! an Ed25519 signature, `ARMOR=1` the text form.

use std::fs::File;
use std::io::{BufWriter, sink};
use std::time::Instant;

use scs_crypto::keys::{KeyKind, PrivateKey};
use scs_seal::{Decryptor, SealOptions, Unlocker, seal};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: throughput FILE [SEALED]")?;
    let sealed_path = args.next().unwrap_or_else(|| format!("{path}.scs"));
    let signed = std::env::var_os("SIGN").is_some();
    let armored = std::env::var_os("ARMOR").is_some();
    let key = PrivateKey::generate(KeyKind::X25519)?;
    let signer = PrivateKey::generate(KeyKind::Ed25519)?;
    let mut opts = SealOptions::for_recipients([key.public_key().clone()]);
    if signed {
        opts = opts.signed_by(&signer);
    }
    opts = opts.armor(armored);
    let len = std::fs::metadata(&path)?.len() as f64;

    for _ in 0..3 {
        let t = Instant::now();
        seal(&opts, File::open(&path)?, sink())?;
        let s = t.elapsed().as_secs_f64();
        println!("seal  {:8.1} MB/s ({s:.3} s)", len / s / 1e6);
    }
    seal(
        &opts,
        File::open(&path)?,
        BufWriter::with_capacity(1 << 20, File::create(&sealed_path)?),
    )?;
    for _ in 0..3 {
        let t = Instant::now();
        let dec = Decryptor::new(File::open(&sealed_path)?)?;
        let unlocked = dec.unlock(&mut Unlocker::new().key(&key))?;
        let opened = dec.open(unlocked, sink())?;
        let s = t.elapsed().as_secs_f64();
        println!(
            "open  {:8.1} MB/s ({s:.3} s) signed={}",
            len / s / 1e6,
            opened.signer().is_some()
        );
    }
    Ok(())
}

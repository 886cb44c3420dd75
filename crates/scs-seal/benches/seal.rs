//! Sealing and opening 64 MiB in memory to an RSA-3072 recipient, unsigned
//! and signed (RSA-PSS). Run with `cargo bench -p scs-seal`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scs_crypto::keys::{KeyKind, PrivateKey};
use scs_seal::{SealOptions, Unlocker, open, seal};

const LEN: usize = 64 << 20;

fn bench(c: &mut Criterion) {
    let recipient = PrivateKey::generate(KeyKind::Rsa3072).expect("key");
    let signer = PrivateKey::generate(KeyKind::Rsa3072).expect("key");
    let plaintext: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    let mut group = c.benchmark_group("sealed-64MiB-rsa3072");
    group.throughput(Throughput::Bytes(LEN as u64));
    group.sample_size(10);

    for (name, opts) in [
        (
            "unsigned",
            SealOptions::for_recipients([recipient.public_key().clone()]),
        ),
        (
            "signed-pss",
            SealOptions::for_recipients([recipient.public_key().clone()]).signed_by(&signer),
        ),
    ] {
        let mut sealed = Vec::with_capacity(LEN + (1 << 20));
        seal(&opts, &plaintext[..], &mut sealed).expect("seal");
        group.bench_function(format!("seal-{name}"), |b| {
            let mut out = Vec::with_capacity(sealed.len());
            b.iter(|| {
                out.clear();
                seal(&opts, &plaintext[..], &mut out).expect("seal");
            });
        });
        group.bench_function(format!("open-{name}"), |b| {
            let mut out = Vec::with_capacity(LEN);
            b.iter(|| {
                out.clear();
                let opened = open(&sealed[..], &mut Unlocker::new().key(&recipient), &mut out)
                    .expect("open");
                assert_eq!(opened.plaintext_len(), LEN as u64);
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

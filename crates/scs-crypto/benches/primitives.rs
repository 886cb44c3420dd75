//! Throughput and latency of the primitives behind scs.
//!
//! `cargo bench -p scs-crypto` runs everything; add a filter (`-- gcm`) to
//! run a subset, and `--warm-up-time 1 --measurement-time 2` for a quick look.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scs_crypto::aead::AesGcm;
use scs_crypto::hash::{self, HashAlg};
use scs_crypto::kdf::{self, Argon2Params};
use scs_crypto::keys::{self, EphemeralX25519, KeyKind};
use scs_crypto::sign::Scheme;
use scs_crypto::{PrivateKey, cbc, mac};

const MIB: usize = 1 << 20;
const KIB: usize = 1 << 10;

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(31) >> 3) as u8).collect()
}

fn hashes(c: &mut Criterion) {
    let buf = data(MIB);
    let mut g = c.benchmark_group("hash");
    g.throughput(Throughput::Bytes(buf.len() as u64));
    for alg in HashAlg::ALL {
        g.bench_with_input(BenchmarkId::new(alg.name(), "1MiB"), &buf, |b, buf| {
            b.iter(|| hash::digest(alg, black_box(buf)));
        });
    }
    g.finish();
}

fn hmac(c: &mut Criterion) {
    let buf = data(MIB);
    let key = [7u8; 32];
    let mut g = c.benchmark_group("hmac");
    g.throughput(Throughput::Bytes(buf.len() as u64));
    g.bench_function("hmac-sha256/1MiB", |b| {
        b.iter(|| mac::hmac_sha256(&key, black_box(&buf)));
    });
    g.finish();
}

fn aes_gcm(c: &mut Criterion) {
    let key = AesGcm::new(&[3u8; 32]).expect("key");
    let nonce = [9u8; 12];
    let aad = b"scs bench";
    let mut g = c.benchmark_group("aes-256-gcm");
    for (label, len) in [("64KiB", 64 * KIB), ("1MiB", MIB)] {
        let pt = data(len);
        g.throughput(Throughput::Bytes(len as u64));
        let mut buf = pt.clone();
        g.bench_function(BenchmarkId::new("seal", label), |b| {
            b.iter(|| {
                key.seal_in_place_separate_tag(&nonce, aad, black_box(&mut buf))
                    .expect("seal")
            });
        });
        let sealed = key.seal(&nonce, aad, &pt).expect("seal");
        let mut work = sealed.clone();
        g.bench_function(BenchmarkId::new("open", label), |b| {
            b.iter(|| {
                work.copy_from_slice(&sealed);
                key.open_in_place(&nonce, aad, black_box(&mut work))
                    .expect("open")
                    .len()
            });
        });
    }
    g.finish();
}

fn aes_cbc(c: &mut Criterion) {
    let key = [5u8; 32];
    let iv = [1u8; 16];
    let pt = data(MIB);
    let mut g = c.benchmark_group("aes-256-cbc");
    g.throughput(Throughput::Bytes(pt.len() as u64));
    g.bench_function("encrypt-pkcs7/1MiB", |b| {
        b.iter(|| cbc::encrypt_pkcs7(&key, &iv, black_box(&pt)).expect("encrypt"));
    });
    let ct = cbc::encrypt_pkcs7(&key, &iv, &pt).expect("encrypt");
    g.bench_function("decrypt-pkcs7/1MiB", |b| {
        b.iter(|| cbc::decrypt_pkcs7(&key, &iv, black_box(&ct)).expect("decrypt"));
    });
    let mut buf = pt.clone();
    g.bench_function("encrypt-nopad-in-place/1MiB", |b| {
        b.iter(|| cbc::encrypt_nopad_in_place(&key, &iv, black_box(&mut buf)).expect("encrypt"));
    });
    g.finish();
}

fn rsa(c: &mut Criterion) {
    let msg = b"a message of modest length, as signed after hashing";
    let secret = [0x42u8; 32];
    for kind in [KeyKind::Rsa2048, KeyKind::Rsa3072, KeyKind::Rsa4096] {
        let key = PrivateKey::generate(kind).expect("keygen");
        let public = key.public_key().clone();
        let mut g = c.benchmark_group(format!("rsa/{kind}"));
        g.sample_size(20);
        g.throughput(Throughput::Elements(1));
        g.bench_function("sign-pss-sha256", |b| {
            b.iter(|| {
                key.sign(Scheme::RsaPssSha256, black_box(msg))
                    .expect("sign")
            });
        });
        let sig = key.sign(Scheme::RsaPssSha256, msg).expect("sign");
        g.bench_function("verify-pss-sha256", |b| {
            b.iter(|| {
                public
                    .verify(Scheme::RsaPssSha256, black_box(msg), black_box(&sig))
                    .expect("verify")
            });
        });
        g.bench_function("oaep-sha256-encrypt", |b| {
            b.iter(|| public.oaep_encrypt(black_box(&secret)).expect("encrypt"));
        });
        let ct = public.oaep_encrypt(&secret).expect("encrypt");
        g.bench_function("oaep-sha256-decrypt", |b| {
            b.iter(|| key.oaep_decrypt(black_box(&ct)).expect("decrypt"));
        });
        g.finish();
    }
}

fn curve25519(c: &mut Criterion) {
    let msg = data(64);
    let ed = PrivateKey::generate(KeyKind::Ed25519).expect("keygen");
    let mut g = c.benchmark_group("curve25519");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ed25519-sign", |b| {
        b.iter(|| ed.sign(Scheme::Ed25519, black_box(&msg)).expect("sign"));
    });
    let sig = ed.sign(Scheme::Ed25519, &msg).expect("sign");
    g.bench_function("ed25519-verify", |b| {
        b.iter(|| {
            ed.public_key()
                .verify(Scheme::Ed25519, black_box(&msg), black_box(&sig))
                .expect("verify")
        });
    });
    let x = PrivateKey::generate(KeyKind::X25519).expect("keygen");
    let peer = *EphemeralX25519::generate().expect("keygen").public();
    g.bench_function("x25519-agree", |b| {
        b.iter(|| x.x25519_agree(black_box(&peer)).expect("agree"));
    });
    let scalar = [0x77u8; 32];
    g.bench_function("x25519-raw", |b| {
        b.iter(|| keys::x25519_raw(black_box(&scalar), black_box(&peer)).expect("agree"));
    });
    g.finish();
}

fn argon2(c: &mut Criterion) {
    let mut g = c.benchmark_group("argon2id");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1));
    let p = Argon2Params::OWASP;
    g.bench_function(format!("owasp-m{}KiB-t{}-p{}", p.m_kib, p.t, p.p), |b| {
        let mut out = [0u8; 32];
        b.iter(|| {
            kdf::argon2id_raw(
                black_box(b"correct horse battery staple"),
                b"sixteen byte slt",
                p,
                None,
                None,
                &mut out,
            )
            .expect("argon2id")
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = hashes, hmac, aes_gcm, aes_cbc, rsa, curve25519, argon2
}
criterion_main!(benches);

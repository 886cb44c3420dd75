//! Systematic tampering: every header byte, sampled payload bytes,
//! truncation, appending, reordering, stanza and signature changes. Each
//! must fail and release nothing but whole chunks that authenticated.

mod common;

use std::ops::Range;

use common::{Kind, assert_authenticated_prefix, data, keys, open_recording, seal_kind};
use scs_crypto::hash::{HashAlg, digest, sha256};
use scs_crypto::kdf::hkdf_sha256;
use scs_crypto::mac::hmac_sha256;
use scs_crypto::sign::Scheme;
use scs_seal::format::{CHUNK_SIZE, SEALED_CHUNK_SIZE};
use scs_seal::{DeterministicSeal, Error, SealOptions, Unlocker, open, seal_deterministic};

/// Byte ranges of a binary sealed file, found by walking the v1 layout.
#[derive(Debug)]
struct Layout {
    header_len: usize,
    nonce: Range<usize>,
    stanzas: Vec<Range<usize>>,
    signer: Option<Range<usize>>,
    chunks: Vec<Range<usize>>,
    trailer: Range<usize>,
}

fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([b[at], b[at + 1]]))
}

fn layout(sealed: &[u8]) -> Layout {
    assert_eq!(&sealed[..14], b"scs-sealed/v1\n");
    let body_len = u32::from_be_bytes(sealed[14..18].try_into().unwrap()) as usize;
    let header_len = 18 + body_len;
    let flags = sealed[18];
    let nonce = 19..35;
    let count = u16_at(sealed, 35);
    let mut pos = 37;
    let mut stanzas = Vec::new();
    for _ in 0..count {
        let len = u16_at(sealed, pos + 1);
        stanzas.push(pos..pos + 3 + len);
        pos += 3 + len;
    }
    let (signer, sig_len) = if flags & 1 == 1 {
        let spki_len = u16_at(sealed, pos + 1);
        let r = pos..pos + 3 + spki_len;
        pos = r.end;
        let sig_len = if sealed[r.start] == 2 { 64 } else { 256 };
        (Some(r), sig_len)
    } else {
        (None, 0)
    };
    assert_eq!(pos + 32, header_len, "layout walk");
    let payload_end = sealed.len() - sig_len;
    let mut chunks = Vec::new();
    let mut at = header_len;
    while at < payload_end {
        let end = (at + SEALED_CHUNK_SIZE).min(payload_end);
        chunks.push(at..end);
        at = end;
    }
    Layout {
        header_len,
        nonce,
        stanzas,
        signer,
        chunks,
        trailer: payload_end..sealed.len(),
    }
}

/// Re-encodes a header from parts; with the file key, the MAC is valid (as
/// a co-recipient, who knows the file key, could make it).
fn build_header(
    flags: u8,
    nonce: &[u8],
    stanzas: &[&[u8]],
    signer: Option<&[u8]>,
    file_key: &[u8; 32],
) -> Vec<u8> {
    let mut body = vec![flags];
    body.extend_from_slice(nonce);
    body.extend_from_slice(&(stanzas.len() as u16).to_be_bytes());
    for s in stanzas {
        body.extend_from_slice(s);
    }
    if let Some(s) = signer {
        body.extend_from_slice(s);
    }
    let mut h = b"scs-sealed/v1\n".to_vec();
    h.extend_from_slice(&((body.len() + 32) as u32).to_be_bytes());
    h.extend_from_slice(&body);
    let mut mac_key = [0u8; 32];
    hkdf_sha256(b"", file_key, b"scs-sealed/v1/header", &mut mac_key).unwrap();
    let tag = hmac_sha256(&mac_key, &h);
    h.extend_from_slice(&tag);
    h
}

fn expect_failure(kind: Kind, sealed: &[u8], plaintext: &[u8], limit: usize, ctx: &str) -> Error {
    let (r, written) = open_recording(kind, sealed);
    let err = match r {
        Ok(_) => panic!("{ctx}: tampered input accepted"),
        Err(e) => e,
    };
    assert_authenticated_prefix(plaintext, &written, limit, ctx);
    err
}

#[test]
fn flipping_any_header_byte_fails_and_writes_nothing() {
    for kind in [
        Kind::X25519,
        Kind::Rsa,
        Kind::Multi,
        Kind::Password,
        Kind::SignedRsaPss,
        Kind::SignedEd25519,
    ] {
        let pt = data(100, 1);
        let sealed = seal_kind(kind, &pt);
        let l = layout(&sealed);
        for i in 0..l.header_len {
            for mask in [0x01u8, 0x80] {
                let mut t = sealed.clone();
                t[i] ^= mask;
                let ctx = format!("{kind:?} header byte {i} ^ {mask:#x}");
                let e = expect_failure(kind, &t, &pt, 0, &ctx);
                assert!(!matches!(e, Error::Read(_) | Error::Write(_)), "{ctx}: {e}");
            }
        }
    }
}

#[test]
fn flipping_payload_bytes_fails_at_that_chunk() {
    for kind in [Kind::X25519, Kind::SignedEd25519, Kind::SignedRsaPss] {
        let pt = data(2 * CHUNK_SIZE + 100, 2);
        let sealed = seal_kind(kind, &pt);
        let l = layout(&sealed);
        assert_eq!(l.chunks.len(), 3);
        let mut positions = Vec::new();
        for c in &l.chunks {
            positions.extend([c.start, c.start + 1, c.start + c.len() / 2, c.end - 17]);
            positions.extend(c.end - 16..c.end); // every tag byte
        }
        let mut x = 12345usize;
        for _ in 0..24 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            positions.push(l.header_len + x % (l.trailer.start - l.header_len));
        }
        for p in positions {
            let chunk = l.chunks.iter().position(|c| c.contains(&p)).unwrap();
            let mut t = sealed.clone();
            t[p] ^= 0x04;
            let ctx = format!("{kind:?} payload byte {p} (chunk {chunk})");
            let e = expect_failure(kind, &t, &pt, chunk, &ctx);
            assert!(matches!(e, Error::PayloadAuthentication), "{ctx}: {e}");
            assert!(e.is_verification_failure());
        }
        for p in l.trailer.clone().step_by(7) {
            let mut t = sealed.clone();
            t[p] ^= 0x10;
            let ctx = format!("{kind:?} signature byte {p}");
            let e = expect_failure(kind, &t, &pt, 3, &ctx);
            assert!(matches!(e, Error::BadSignature), "{ctx}: {e}");
        }
    }
}

#[test]
fn truncation_anywhere_fails() {
    for kind in [Kind::X25519, Kind::SignedEd25519] {
        let pt = data(2 * CHUNK_SIZE + 100, 3);
        let sealed = seal_kind(kind, &pt);
        let l = layout(&sealed);
        let mut cuts = vec![0, 1, 13, 14, 17, 18, 40, l.header_len - 1, l.header_len];
        for c in &l.chunks {
            cuts.extend([
                c.start + 1,
                c.start + 15,
                c.start + 16,
                c.start + 17,
                c.end - 1,
                c.end,
            ]);
        }
        cuts.extend([l.trailer.start + 1, sealed.len() - 1]);
        cuts.retain(|c| *c < sealed.len());
        for cut in cuts {
            let chunk = l
                .chunks
                .iter()
                .position(|c| cut <= c.end)
                .unwrap_or(l.chunks.len());
            let ctx = format!("{kind:?} cut at {cut}");
            let e = expect_failure(kind, &sealed[..cut], &pt, chunk, &ctx);
            if cut == 0 {
                assert!(matches!(e, Error::NotSealed { .. }), "{ctx}: {e}");
            } else {
                assert!(e.is_verification_failure(), "{ctx}: {e}");
            }
        }
    }
}

#[test]
fn truncation_at_a_chunk_boundary_is_reported_as_such() {
    let pt = data(3 * CHUNK_SIZE, 4);
    let sealed = seal_kind(Kind::X25519, &pt);
    let l = layout(&sealed);
    for c in &l.chunks[..2] {
        let (r, written) = open_recording(Kind::X25519, &sealed[..c.end]);
        assert!(matches!(r, Err(Error::Truncated)), "{r:?}");
        assert_authenticated_prefix(&pt, &written, 2, "boundary cut");
    }
    // Cut right after the header: no chunk at all.
    let (r, written) = open_recording(Kind::X25519, &sealed[..l.header_len]);
    assert!(matches!(r, Err(Error::Truncated)), "{r:?}");
    assert!(written.is_empty());
}

#[test]
fn appended_data_fails() {
    for kind in [Kind::X25519, Kind::SignedEd25519] {
        for len in [100usize, CHUNK_SIZE, 2 * CHUNK_SIZE + 5] {
            let pt = data(len, 5);
            let sealed = seal_kind(kind, &pt);
            let l = layout(&sealed);
            let last = l.chunks.last().unwrap().clone();
            let extras: Vec<Vec<u8>> = vec![
                vec![0],
                vec![0; 16],
                vec![0xAA; 17],
                sealed[last.clone()].to_vec(),
                sealed[l.chunks[0].clone()].to_vec(),
                sealed.clone(),
            ];
            for (i, extra) in extras.iter().enumerate() {
                let mut t = sealed.clone();
                t.extend_from_slice(extra);
                let ctx = format!("{kind:?} len {len} extra #{i}");
                let e = expect_failure(kind, &t, &pt, l.chunks.len() - 1, &ctx);
                assert!(e.is_verification_failure(), "{ctx}: {e}");
            }
        }
    }
}

#[test]
fn reordered_dropped_or_duplicated_chunks_fail() {
    for kind in [Kind::X25519, Kind::SignedRsaPss] {
        let pt = data(3 * CHUNK_SIZE + 10, 6);
        let sealed = seal_kind(kind, &pt);
        let l = layout(&sealed);
        let c = |i: usize| &sealed[l.chunks[i].clone()];
        let head = &sealed[..l.header_len];
        let tail = &sealed[l.trailer.clone()];
        let variants: Vec<(&str, Vec<&[u8]>, usize)> = vec![
            ("swap 0 and 1", vec![c(1), c(0), c(2), c(3)], 0),
            ("swap 1 and 2", vec![c(0), c(2), c(1), c(3)], 1),
            ("drop 1", vec![c(0), c(2), c(3)], 1),
            ("drop last", vec![c(0), c(1), c(2)], 2),
            ("duplicate 0", vec![c(0), c(0), c(1), c(2), c(3)], 1),
            ("last moved first", vec![c(3), c(0), c(1), c(2)], 0),
            ("repeat 2", vec![c(0), c(1), c(2), c(2), c(3)], 3),
        ];
        for (name, parts, limit) in variants {
            let mut t = head.to_vec();
            for p in parts {
                t.extend_from_slice(p);
            }
            t.extend_from_slice(tail);
            let ctx = format!("{kind:?} {name}");
            let e = expect_failure(kind, &t, &pt, limit, &ctx);
            assert!(e.is_verification_failure(), "{ctx}: {e}");
        }
    }
}

#[test]
fn chunks_from_another_file_fail() {
    let pt = data(2 * CHUNK_SIZE, 7);
    let a = seal_kind(Kind::X25519, &pt);
    let b = seal_kind(Kind::X25519, &pt);
    let la = layout(&a);
    let lb = layout(&b);
    let mut t = a[..la.header_len].to_vec();
    t.extend_from_slice(&b[lb.chunks[0].clone()]);
    t.extend_from_slice(&a[la.chunks[1].clone()]);
    let e = expect_failure(Kind::X25519, &t, &pt, 0, "spliced chunk");
    assert!(matches!(e, Error::PayloadAuthentication), "{e}");
    // Header of one file, payload of another.
    let mut t = a[..la.header_len].to_vec();
    t.extend_from_slice(&b[lb.header_len..]);
    expect_failure(Kind::X25519, &t, &pt, 0, "spliced payload");
}

fn det(file_key: [u8; 32], rsa: &[&scs_crypto::PublicKey]) -> DeterministicSeal {
    DeterministicSeal {
        file_key,
        payload_nonce: [7; 16],
        password_salt: [8; 16],
        x25519_ephemeral: vec![[0x11; 32], [0x22; 32], [0x33; 32]],
        rsa_ciphertexts: rsa
            .iter()
            .map(|pk| {
                pk.oaep_encrypt_with_label(&file_key, Some(b"scs-sealed/v1/rsa-oaep"))
                    .unwrap()
            })
            .collect(),
    }
}

fn seal_det(opts: &SealOptions<'_>, d: &DeterministicSeal, pt: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    seal_deterministic(opts, d, pt, &mut out).unwrap();
    out
}

#[test]
fn dropped_reordered_or_altered_stanzas_fail_the_header_mac() {
    let k = keys();
    let pt = data(1000, 8);
    let sealed = seal_kind(Kind::Multi, &pt);
    let l = layout(&sealed);
    let s = |i: usize| sealed[l.stanzas[i].clone()].to_vec();
    let mac = &sealed[l.header_len - 32..l.header_len];
    let rebuild = |stanzas: Vec<Vec<u8>>| {
        let mut body = vec![sealed[18]];
        body.extend_from_slice(&sealed[l.nonce.clone()]);
        body.extend_from_slice(&(stanzas.len() as u16).to_be_bytes());
        for st in &stanzas {
            body.extend_from_slice(st);
        }
        body.extend_from_slice(mac);
        let mut h = b"scs-sealed/v1\n".to_vec();
        h.extend_from_slice(&(body.len() as u32).to_be_bytes());
        h.extend_from_slice(&body);
        h.extend_from_slice(&sealed[l.header_len..]);
        h
    };
    let mut unknown = s(0);
    unknown[0] = 0x7f;
    let variants = vec![
        ("drop first", vec![s(1), s(2), s(3)]),
        ("drop last", vec![s(0), s(1), s(2)]),
        ("swap", vec![s(1), s(0), s(2), s(3)]),
        ("duplicate", vec![s(0), s(1), s(2), s(3), s(3)]),
        ("unknown kind", vec![unknown, s(1), s(2), s(3)]),
    ];
    for (name, stanzas) in variants {
        let t = rebuild(stanzas);
        for keys in [vec![&k.rsa, &k.x25519], vec![&k.x25519, &k.rsa]] {
            let mut out = Vec::new();
            let r = open(&t[..], &mut Unlocker::new().keys(keys), &mut out);
            assert!(
                matches!(r, Err(Error::HeaderAuthentication)),
                "{name}: {r:?}"
            );
            assert!(out.is_empty());
        }
    }
}

#[test]
fn a_co_recipient_cannot_change_a_signed_recipient_list() {
    let k = keys();
    let file_key = [0x42; 32];
    let opts = SealOptions::for_recipients([
        k.x25519.public_key().clone(),
        k.x25519_b.public_key().clone(),
    ])
    .signed_by(&k.ed25519);
    let pt = data(CHUNK_SIZE + 3, 9);
    let sealed = seal_det(&opts, &det(file_key, &[]), &pt);
    let l = layout(&sealed);
    let signer = &sealed[l.signer.clone().unwrap()];
    let rest = &sealed[l.header_len..];
    let nonce = &sealed[l.nonce.clone()];
    let st0 = &sealed[l.stanzas[0].clone()];
    let st1 = &sealed[l.stanzas[1].clone()];

    // Recipient list changed, header MAC valid, signature kept: refused.
    for stanzas in [vec![st0], vec![st1, st0], vec![st0, st1, st1]] {
        let mut t = build_header(1, nonce, &stanzas, Some(signer), &file_key);
        t.extend_from_slice(rest);
        let mut out = Vec::new();
        let r = open(&t[..], &mut Unlocker::new().key(&k.x25519), &mut out);
        assert!(matches!(r, Err(Error::BadSignature)), "{r:?}");
        assert_authenticated_prefix(&pt, &out, 2, "recipient list change");
    }

    // Rebuilding the unchanged header validates, as a control.
    let mut t = build_header(1, nonce, &[st0, st1], Some(signer), &file_key);
    t.extend_from_slice(rest);
    assert_eq!(t, sealed);

    // Naming another signer while keeping the signature: refused.
    let other = k.ed25519_b.public_key().spki_der();
    let mut other_signer = vec![2u8];
    other_signer.extend_from_slice(&(other.len() as u16).to_be_bytes());
    other_signer.extend_from_slice(other);
    let mut t = build_header(1, nonce, &[st0, st1], Some(&other_signer), &file_key);
    t.extend_from_slice(rest);
    let r = open(&t[..], &mut Unlocker::new().key(&k.x25519), std::io::sink());
    assert!(matches!(r, Err(Error::BadSignature)), "{r:?}");

    // Stripping the signature makes an unsigned file, reported as unsigned:
    // a signature is never claimed that did not verify.
    let mut t = build_header(0, nonce, &[st0, st1], None, &file_key);
    t.extend_from_slice(&sealed[l.header_len..l.trailer.start]);
    let opened = open(&t[..], &mut Unlocker::new().key(&k.x25519), std::io::sink()).unwrap();
    assert!(opened.signer().is_none());
}

#[test]
fn replaced_signatures_fail() {
    let k = keys();
    let pt = data(CHUNK_SIZE * 2 + 1, 10);
    let sealed = seal_kind(Kind::SignedEd25519, &pt);
    let l = layout(&sealed);
    let header_digest = sha256(&sealed[..l.header_len]);
    let blake3 = |b: &[u8]| digest(HashAlg::Blake3, b).as_bytes().to_vec();
    let mut list = Vec::new();
    for c in &l.chunks {
        list.extend_from_slice(&blake3(&sealed[c.clone()]));
    }
    let mut msg = b"scs-sealed/v1/signature".to_vec();
    msg.extend_from_slice(&header_digest);
    msg.extend_from_slice(&(l.chunks.len() as u64).to_be_bytes());
    msg.extend_from_slice(&blake3(&list));
    // The transcript above is the one the sender signed.
    k.ed25519
        .public_key()
        .verify(Scheme::Ed25519, &msg, &sealed[l.trailer.clone()])
        .expect("transcript matches the specification");

    let replacements = vec![
        (
            "other key, same transcript",
            k.ed25519_b.sign(Scheme::Ed25519, &msg).unwrap(),
        ),
        (
            "same key, other message",
            k.ed25519.sign(Scheme::Ed25519, b"hello").unwrap(),
        ),
        ("zeros", vec![0u8; 64]),
    ];
    for (name, sig) in replacements {
        let mut t = sealed[..l.trailer.start].to_vec();
        t.extend_from_slice(&sig);
        let e = expect_failure(Kind::SignedEd25519, &t, &pt, 3, name);
        assert!(matches!(e, Error::BadSignature), "{name}: {e}");
    }
    // A signature from another file by the same signer.
    let other = seal_kind(Kind::SignedEd25519, &pt);
    let lo = layout(&other);
    let mut t = sealed[..l.trailer.start].to_vec();
    t.extend_from_slice(&other[lo.trailer.clone()]);
    let e = expect_failure(
        Kind::SignedEd25519,
        &t,
        &pt,
        3,
        "signature from another file",
    );
    assert!(matches!(e, Error::BadSignature), "{e}");
}

#[test]
fn armored_tampering_fails() {
    let pt = data(5000, 11);
    let sealed = scs_seal::seal_to_vec(&common::options(Kind::X25519).armor(true), &pt).unwrap();
    let text = String::from_utf8(sealed).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut variants = vec![
        text.replacen('A', "B", 1),
        format!("{text}trailing junk\n"),
        text.replace("-----END SCS ENCRYPTED FILE-----\n", ""),
        lines[..lines.len() - 2].join("\n") + "\n-----END SCS ENCRYPTED FILE-----\n",
    ];
    // Flip one character on each line.
    for i in 1..lines.len() - 1 {
        let mut ls = lines.clone();
        let line: String = ls[i]
            .chars()
            .enumerate()
            .map(|(j, ch)| {
                if j == 3 {
                    if ch == 'x' { 'y' } else { 'x' }
                } else {
                    ch
                }
            })
            .collect();
        ls[i] = &line;
        variants.push(ls.join("\n") + "\n");
    }
    for (i, v) in variants.iter().enumerate() {
        let (r, written) = open_recording(Kind::X25519, v.as_bytes());
        let e = r.expect_err(&format!("armored variant {i} accepted"));
        assert!(e.is_verification_failure(), "variant {i}: {e}");
        assert!(written.is_empty(), "variant {i}");
    }
}

#[test]
fn an_rsa_key_is_tried_on_one_stanza_only() {
    // 200 copies of the recipient's stanza, the first one damaged: a reader
    // that tried them all would succeed (and spend 200 RSA decryptions).
    let pt = data(10, 13);
    let sealed = seal_kind(Kind::Rsa, &pt);
    let l = layout(&sealed);
    let good = sealed[l.stanzas[0].clone()].to_vec();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let mut stanzas: Vec<&[u8]> = vec![&bad];
    stanzas.extend(std::iter::repeat_n(&good[..], 199));
    let mut t = build_header(0, &sealed[l.nonce.clone()], &stanzas, None, &[0; 32]);
    t.extend_from_slice(&sealed[l.header_len..]);
    let start = std::time::Instant::now();
    let (r, written) = open_recording(Kind::Rsa, &t);
    assert!(matches!(r, Err(Error::NoMatch { .. })), "{r:?}");
    assert!(written.is_empty());
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

//! Project Wycheproof (`wycheproof/testvectors_v1/*.json`).
//!
//! `valid` vectors must pass, `invalid` ones must be rejected, and
//! `acceptable` ones may go either way but must not panic or produce output
//! that differs from the file's.

use std::path::{Path, PathBuf};

use scs_crypto::aead::{AesGcm, NONCE_LEN};
use scs_crypto::hash::{HashAlg, digest};
use scs_crypto::keys::{self, KeyAlgorithm};
use scs_crypto::sign::Scheme;
use scs_crypto::{Error, PrivateKey, PublicKey, cbc, kdf, mac};
use serde_json::Value;

use crate::support::{
    Outcome, Summary, Tally, Verdict, discover, file_name, read_text, subdir, unhex,
};

fn dir() -> PathBuf {
    subdir("wycheproof/testvectors_v1")
}

/// A loaded Wycheproof file.
struct File {
    name: String,
    json: Value,
}

impl File {
    fn load(path: &Path) -> Self {
        let name = file_name(path);
        let json: Value = serde_json::from_str(&read_text(path))
            .unwrap_or_else(|e| panic!("{name}: not valid JSON: {e}"));
        Self { name, json }
    }

    fn declared(&self) -> Option<usize> {
        self.json["numberOfTests"]
            .as_u64()
            .map(|n| usize::try_from(n).expect("count fits"))
    }

    fn groups(&self) -> &[Value] {
        self.json["testGroups"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no testGroups array", self.name))
    }
}

fn tests(group: &Value) -> &[Value] {
    group["tests"]
        .as_array()
        .map(Vec::as_slice)
        .expect("test group without tests")
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string field {key} in {v:.200}"))
}

fn n(v: &Value, key: &str) -> usize {
    v[key]
        .as_u64()
        .map(|x| usize::try_from(x).expect("fits"))
        .unwrap_or_else(|| panic!("missing number field {key}"))
}

fn h(v: &Value, key: &str) -> Vec<u8> {
    unhex(s(v, key), key)
}

fn id(file: &File, tc: &Value) -> String {
    format!("{} tcId {}", file.name, tc["tcId"])
}

fn result(tc: &Value) -> &str {
    s(tc, "result")
}

fn rejected(e: &Error) -> Verdict {
    Verdict::Rejected(e.to_string())
}

/// Runs `per_file` over every file matching `pattern` and asserts the family.
fn family(label: &str, pattern: &str, per_file: impl Fn(&File, &mut Tally)) {
    let mut total = Summary::default();
    for path in discover(&dir(), pattern) {
        let file = File::load(&path);
        let mut t = Tally::new(format!("wycheproof {}", file.name));
        per_file(&file, &mut t);
        total.add(t.finish(file.declared()));
    }
    total.assert_ok(label);
}

// ---------------------------------------------------------------- AES-GCM

pub fn aes_gcm() {
    family("wycheproof AES-GCM", "aes_gcm_test.json", |f, t| {
        for g in f.groups() {
            let (iv_bits, tag_bits, key_bits) = (n(g, "ivSize"), n(g, "tagSize"), n(g, "keySize"));
            let reason = if iv_bits != NONCE_LEN * 8 {
                Some("AES-GCM nonce other than 96 bits (the API takes [u8; 12])")
            } else if tag_bits != 128 {
                Some(
                    "AES-GCM tag shorter than 128 bits (the API only produces and checks 128-bit tags)",
                )
            } else if ![128, 192, 256].contains(&key_bits) {
                Some("AES-GCM key size other than 128/192/256 bits")
            } else {
                None
            };
            for tc in tests(g) {
                if let Some(reason) = reason {
                    // Such a nonce cannot even be passed to the API.
                    if iv_bits != NONCE_LEN * 8 {
                        let ok = <[u8; NONCE_LEN]>::try_from(h(tc, "iv").as_slice()).is_err();
                        t.check("unsupported nonce cannot reach the API", id(f, tc), ok, "");
                    }
                    match result(tc) {
                        "invalid" => t.unsupported(format!("rejected as unsupported: {reason}")),
                        _ => t.skip(format!("unsupported parameter: {reason}")),
                    }
                    continue;
                }
                t.run(id(f, tc), result(tc), || {
                    gcm_one(tc, result(tc) != "invalid")
                });
            }
        }
    });
}

fn gcm_one(tc: &Value, check_seal: bool) -> Verdict {
    let (key, iv, aad, msg, ct, tag) = (
        h(tc, "key"),
        h(tc, "iv"),
        h(tc, "aad"),
        h(tc, "msg"),
        h(tc, "ct"),
        h(tc, "tag"),
    );
    let nonce: [u8; NONCE_LEN] = iv.as_slice().try_into().expect("96-bit nonce");
    let k = match AesGcm::new(&key) {
        Ok(k) => k,
        Err(e) => return rejected(&e),
    };
    let sealed = [ct.as_slice(), tag.as_slice()].concat();
    let opened = match k.open(&nonce, &aad, &sealed) {
        Ok(p) => p,
        Err(e) => return rejected(&e),
    };
    if opened.expose() != msg.as_slice() {
        return Verdict::Wrong("open returned other plaintext".into());
    }
    if check_seal {
        match k.seal(&nonce, &aad, &msg) {
            Ok(c) if c == sealed => {}
            Ok(_) => return Verdict::Wrong("seal produced other ciphertext".into()),
            Err(e) => return Verdict::Wrong(format!("seal failed: {e}")),
        }
        let mut buf = msg.clone();
        match k.seal_in_place_separate_tag(&nonce, &aad, &mut buf) {
            Ok(t2) if buf == ct && t2.as_slice() == tag.as_slice() => {}
            _ => return Verdict::Wrong("seal_in_place_separate_tag differs".into()),
        }
    }
    Verdict::Accepted
}

// ---------------------------------------------------------------- AES-CBC

pub fn aes_cbc() {
    family(
        "wycheproof AES-CBC-PKCS5",
        "aes_cbc_pkcs5_test.json",
        |f, t| {
            for g in f.groups() {
                let iv_bits = n(g, "ivSize");
                for tc in tests(g) {
                    if iv_bits != cbc::BLOCK_LEN * 8 {
                        let reason = "AES-CBC IV other than 128 bits";
                        match result(tc) {
                            "invalid" => {
                                t.unsupported(format!("rejected as unsupported: {reason}"))
                            }
                            _ => t.skip(format!("unsupported parameter: {reason}")),
                        }
                        continue;
                    }
                    t.run(id(f, tc), result(tc), || {
                        cbc_one(tc, result(tc) != "invalid")
                    });
                }
            }
        },
    );
}

/// Streaming decryption, for comparison with the one-shot call.
fn cbc_streamed(key: &[u8], iv: &[u8; 16], ct: &[u8]) -> Result<Vec<u8>, Error> {
    let mut d = cbc::CbcDecryptor::new(key, iv)?;
    let mut out = Vec::new();
    for part in ct.chunks(7) {
        d.update(part, &mut out)?;
    }
    d.finish(&mut out)?;
    Ok(out)
}

fn cbc_one(tc: &Value, check_encrypt: bool) -> Verdict {
    let (key, iv, msg, ct) = (h(tc, "key"), h(tc, "iv"), h(tc, "msg"), h(tc, "ct"));
    let iv: [u8; 16] = iv.as_slice().try_into().expect("128-bit IV");
    let one_shot = cbc::decrypt_pkcs7(&key, &iv, &ct);
    let streamed = cbc_streamed(&key, &iv, &ct);
    let pt = match (one_shot, streamed) {
        (Ok(a), Ok(b)) if a.expose() == b.as_slice() => a,
        (Err(e), Err(_)) => return rejected(&e),
        _ => return Verdict::Wrong("one-shot and streaming decryption disagree".into()),
    };
    if pt.expose() != msg.as_slice() {
        return Verdict::Wrong("decryption returned other plaintext".into());
    }
    if check_encrypt {
        match cbc::encrypt_pkcs7(&key, &iv, &msg) {
            Ok(c) if c == ct => {}
            _ => return Verdict::Wrong("encryption produced other ciphertext".into()),
        }
    }
    Verdict::Accepted
}

// ---------------------------------------------------------------- HMAC

pub fn hmac_sha256() {
    family("wycheproof HMAC-SHA256", "hmac_sha256_test.json", |f, t| {
        for g in f.groups() {
            let tag_bits = n(g, "tagSize");
            assert!(
                tag_bits.is_multiple_of(8) && (8..=256).contains(&tag_bits),
                "{}: tag size {tag_bits}",
                f.name
            );
            let tag_len = tag_bits / 8;
            for tc in tests(g) {
                let tag = h(tc, "tag");
                if tag_len < mac::TAG_LEN {
                    // A truncated tag must never satisfy the verifier, which
                    // compares all 32 bytes.
                    let refused =
                        mac::verify_hmac_sha256(&h(tc, "key"), &h(tc, "msg"), &tag).is_err();
                    t.check(
                        "truncated tag refused by verify_hmac_sha256",
                        id(f, tc),
                        refused,
                        "a truncated tag verified",
                    );
                    t.note("tag shorter than 256 bits, compared with the prefix of the full HMAC");
                }
                t.run(id(f, tc), result(tc), || hmac_one(tc, tag_len));
            }
        }
    });
}

fn hmac_one(tc: &Value, tag_len: usize) -> Verdict {
    let (key, msg, tag) = (h(tc, "key"), h(tc, "msg"), h(tc, "tag"));
    let full = mac::hmac_sha256(&key, &msg);
    let mut inc = mac::HmacSha256::new(&key);
    for part in msg.chunks(13) {
        inc.update(part);
    }
    if inc.finalize() != full {
        return Verdict::Wrong("incremental HMAC differs from one-shot".into());
    }
    if tag.len() != tag_len {
        return Verdict::Rejected(format!("tag of {} bytes", tag.len()));
    }
    if tag_len == mac::TAG_LEN {
        let verified = mac::verify_hmac_sha256(&key, &msg, &tag);
        let incremental = {
            let mut m = mac::HmacSha256::new(&key);
            m.update(&msg);
            m.verify(&tag)
        };
        match (verified, incremental) {
            (Ok(()), Ok(())) if full == tag.as_slice() => Verdict::Accepted,
            (Err(e), Err(_)) if full != tag.as_slice() => rejected(&e),
            _ => Verdict::Wrong("verify, incremental verify and computation disagree".into()),
        }
    } else if scs_crypto::ct_eq(&full[..tag_len], &tag) {
        Verdict::Accepted
    } else {
        Verdict::Rejected("truncated tag does not match".into())
    }
}

// ---------------------------------------------------------------- HKDF

pub fn hkdf_sha256() {
    family("wycheproof HKDF-SHA256", "hkdf_sha256_test.json", |f, t| {
        for g in f.groups() {
            for tc in tests(g) {
                t.run(id(f, tc), result(tc), || {
                    let mut out = vec![0u8; n(tc, "size")];
                    match kdf::hkdf_sha256(&h(tc, "salt"), &h(tc, "ikm"), &h(tc, "info"), &mut out)
                    {
                        Err(e) => rejected(&e),
                        Ok(()) if out == h(tc, "okm") => Verdict::Accepted,
                        Ok(()) => Verdict::Wrong("other output".into()),
                    }
                });
            }
        }
    });
}

// ---------------------------------------------------------------- RSA

/// Whether a Wycheproof RSA group's key is one scs refuses by policy.
fn rsa_out_of_policy(g: &Value) -> bool {
    !(keys::RSA_MIN_BITS..=keys::RSA_MAX_BITS).contains(&n(g, "keySize"))
}

fn out_of_policy(t: &mut Tally, tc: &Value, bits: usize) {
    let reason = format!("out of policy (RSA-{bits}, outside 2048..=8192 bits)");
    match result(tc) {
        "valid" => t.skip(reason),
        _ => t.unsupported(reason),
    }
}

fn expect_params(f: &File, g: &Value, pairs: &[(&str, &str)]) {
    for (k, want) in pairs {
        let got = g[*k].as_str().unwrap_or("<absent>");
        assert_eq!(
            got, *want,
            "{}: group parameter {k} is {got}, but the file name promises {want}",
            f.name
        );
    }
}

pub fn rsa_oaep() {
    family(
        "wycheproof RSA-OAEP-SHA256",
        "rsa_oaep_*_sha256_mgf1sha256_test.json",
        |f, t| {
            for g in f.groups() {
                expect_params(
                    f,
                    g,
                    &[("sha", "SHA-256"), ("mgf", "MGF1"), ("mgfSha", "SHA-256")],
                );
                let bits = n(g, "keySize");
                let key = match PrivateKey::from_pkcs8_der(&h(g, "privateKeyPkcs8")) {
                    Ok(k) => Some(k),
                    Err(e) => {
                        assert!(
                            rsa_out_of_policy(g),
                            "{}: RSA-{bits} key refused: {e}",
                            f.name
                        );
                        None
                    }
                };
                for tc in tests(g) {
                    let Some(key) = key.as_ref() else {
                        out_of_policy(t, tc, bits);
                        continue;
                    };
                    let label = h(tc, "label");
                    let label = (!label.is_empty()).then_some(label.as_slice());
                    let expected = result(tc);
                    t.run(id(f, tc), expected, || match keys::oaep_decrypt_with_label(
                        key,
                        &h(tc, "ct"),
                        label,
                    ) {
                        Err(e) => rejected(&e),
                        Ok(p) if p.expose() == h(tc, "msg").as_slice() => Verdict::Accepted,
                        Ok(_) => Verdict::Wrong("other plaintext".into()),
                    });
                    if expected == "valid" {
                        let msg = h(tc, "msg");
                        let round = key
                            .public_key()
                            .oaep_encrypt_with_label(&msg, label)
                            .and_then(|c| keys::oaep_decrypt_with_label(key, &c, label));
                        let ok = matches!(&round, Ok(p) if p.expose() == msg.as_slice());
                        t.check(
                            "encrypt/decrypt round trip",
                            id(f, tc),
                            ok,
                            "round trip failed",
                        );
                    }
                }
            }
        },
    );
}

fn rsa_verify_family(label: &str, pattern: &str, scheme: Scheme, params: &[(&str, &str)]) {
    family(label, pattern, |f, t| {
        for g in f.groups() {
            expect_params(f, g, params);
            if scheme == Scheme::RsaPssSha256 {
                assert_eq!(n(g, "sLen"), 32, "{}: PSS salt length", f.name);
            }
            let bits = n(g, "keySize");
            let spki = PublicKey::from_spki_der(&h(g, "publicKeyDer"));
            let pkcs1 = PublicKey::from_pkcs1_der(&h(g, "publicKeyAsn"));
            let key = match (spki, pkcs1) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "{}: SPKI and PKCS#1 forms differ", f.name);
                    assert_eq!(a.algorithm(), KeyAlgorithm::Rsa { bits });
                    Some(a)
                }
                (Err(e), _) | (_, Err(e)) => {
                    assert!(
                        rsa_out_of_policy(g),
                        "{}: RSA-{bits} key refused: {e}",
                        f.name
                    );
                    None
                }
            };
            for tc in tests(g) {
                let Some(key) = key.as_ref() else {
                    out_of_policy(t, tc, bits);
                    continue;
                };
                t.run(id(f, tc), result(tc), || {
                    let (msg, sig) = (h(tc, "msg"), h(tc, "sig"));
                    let whole = key.verify(scheme, &msg, &sig);
                    let d = digest(HashAlg::Sha256, &msg);
                    let pre = key.verify_digest(scheme, &d, &sig);
                    let streamed =
                        scs_crypto::sign::verify_reader(key, scheme, msg.as_slice(), &sig);
                    match (whole, pre, streamed) {
                        (Ok(()), Ok(()), Ok(())) => Verdict::Accepted,
                        (Err(e), Err(_), Err(_)) => rejected(&e),
                        _ => Verdict::Wrong(
                            "message, digest and stream verification disagree".into(),
                        ),
                    }
                });
            }
        }
    });
}

pub fn rsa_pss() {
    rsa_verify_family(
        "wycheproof RSA-PSS-SHA256",
        "rsa_pss_*_sha256_mgf1_32_test.json",
        Scheme::RsaPssSha256,
        &[("sha", "SHA-256"), ("mgf", "MGF1"), ("mgfSha", "SHA-256")],
    );
}

pub fn rsa_pkcs1() {
    rsa_verify_family(
        "wycheproof RSA-PKCS1v1.5-SHA256",
        "rsa_signature_*_sha256_test.json",
        Scheme::RsaPkcs1Sha256,
        &[("sha", "SHA-256")],
    );
}

// ---------------------------------------------------------------- Ed25519

pub fn ed25519() {
    family("wycheproof Ed25519", "ed25519_test.json", |f, t| {
        for g in f.groups() {
            let raw: [u8; 32] = h(&g["publicKey"], "pk")
                .try_into()
                .unwrap_or_else(|_| panic!("{}: Ed25519 key not 32 bytes", f.name));
            let key = PublicKey::from_raw(KeyAlgorithm::Ed25519, raw)
                .unwrap_or_else(|e| panic!("{}: raw Ed25519 key refused: {e}", f.name));
            if let Some(der) = g["publicKeyDer"].as_str() {
                let spki = PublicKey::from_spki_der(&unhex(der, "publicKeyDer"));
                assert!(
                    matches!(&spki, Ok(k) if *k == key),
                    "{}: SPKI form of the key differs: {spki:?}",
                    f.name
                );
            }
            for tc in tests(g) {
                t.run(id(f, tc), result(tc), || {
                    match key.verify(Scheme::Ed25519, &h(tc, "msg"), &h(tc, "sig")) {
                        Ok(()) => Verdict::Accepted,
                        Err(e) => rejected(&e),
                    }
                });
            }
        }
    });
}

// ---------------------------------------------------------------- X25519

pub fn x25519() {
    family("wycheproof X25519", "x25519_test.json", |f, t| {
        for g in f.groups() {
            assert_eq!(s(g, "curve"), "curve25519", "{}: curve", f.name);
            for tc in tests(g) {
                let (public, private) = (h(tc, "public"), h(tc, "private"));
                let (Ok(public), Ok(private)) = (
                    <[u8; 32]>::try_from(public.as_slice()),
                    <[u8; 32]>::try_from(private.as_slice()),
                ) else {
                    let reason = "X25519 key not 32 bytes (the API takes [u8; 32])";
                    match result(tc) {
                        "valid" => t.skip(format!("unsupported parameter: {reason}")),
                        _ => t.unsupported(format!("rejected as unsupported: {reason}")),
                    }
                    continue;
                };
                let shared = h(tc, "shared");
                let zero = shared.iter().all(|b| *b == 0);
                let outcome = t.run(id(f, tc), result(tc), || {
                    match keys::x25519_raw(&private, &public) {
                        Err(e) => rejected(&e),
                        Ok(_) if zero => Verdict::Wrong(
                            "a secret was returned where the all-zero result must be refused"
                                .into(),
                        ),
                        Ok(s) if s.expose() == shared.as_slice() => Verdict::Accepted,
                        Ok(_) => Verdict::Wrong("other shared secret".into()),
                    }
                });
                if zero && outcome == Outcome::Rejected {
                    t.note("all-zero shared secret (low-order point) refused");
                }
            }
        }
    });
}

//! NIST CAVP `.rsp` files and RFC vectors (`cavp/`, as shipped in the
//! `cryptography-vectors` package). Every vector here is a known answer that
//! must pass, except the PKCS#1 v2.1 PSS file, which is out of scs's policy
//! and must be refused.

use std::path::{Path, PathBuf};

use pkcs1::der::Encode;
use pkcs1::{RsaPrivateKey, RsaPublicKey, UintRef};
use scs_crypto::cbc;
use scs_crypto::hash::{self, HashAlg, Hasher};
use scs_crypto::kdf::{self, Argon2Params};
use scs_crypto::keys::{self, KeyAlgorithm};
use scs_crypto::mac;
use scs_crypto::sign::Scheme;
use scs_crypto::{PrivateKey, PublicKey};

use crate::support::{
    Summary, Tally, Verdict, file_name, optional_file, required_file, subdir, vectors_dir,
};
use crate::text::{Item, Record, parse_labelled, parse_records};

fn rec_id(r: &Record) -> String {
    match r.get("COUNT") {
        Some(c) => format!("{} COUNT {c}", r.origin),
        None => r.origin.clone(),
    }
}

fn same(got: &[u8], want: &[u8], what: &str) -> Verdict {
    if got == want {
        Verdict::Accepted
    } else {
        Verdict::Wrong(format!(
            "{what}: got {}, want {}",
            hex::encode(got),
            hex::encode(want)
        ))
    }
}

/// Files in `dir` matching `pattern`, possibly none.
fn discover_optional(dir: &Path, pattern: &str) -> Vec<PathBuf> {
    let (pre, suf) = pattern.split_once('*').expect("pattern with *");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let n = file_name(p);
            n.len() > pre.len() + suf.len() && n.starts_with(pre) && n.ends_with(suf)
        })
        .collect();
    out.sort();
    out
}

// ---------------------------------------------------------------- hashes

/// Digest through every path scs offers: one shot, incremental in uneven
/// pieces, and the threaded reader.
fn hash_all_ways(alg: HashAlg, msg: &[u8], want: &[u8]) -> Verdict {
    let one = hash::digest(alg, msg);
    if one.as_bytes() != want {
        return same(one.as_bytes(), want, "digest");
    }
    let mut h = Hasher::new(alg);
    let (a, b) = (msg.len() / 3, msg.len() * 2 / 3);
    h.update(&msg[..a]);
    h.update(&msg[a..b]);
    h.update(&msg[b..]);
    let inc = h.finalize();
    if inc != one {
        return Verdict::Wrong("incremental digest differs".into());
    }
    match hash::digest_reader(alg, msg) {
        Ok((d, n)) if d == one && n == msg.len() as u64 => Verdict::Accepted,
        _ => Verdict::Wrong("digest_reader differs".into()),
    }
}

fn hash_file(path: &Path, alg: HashAlg) -> Summary {
    let mut t = Tally::new(format!("cavp {} ({alg})", file_name(path)));
    for r in parse_records(path, "Len") {
        if let Some(sec) = &r.section
            && let Some(l) = sec
                .strip_prefix("L")
                .map(|l| l.trim_start_matches([' ', '=']))
        {
            assert_eq!(
                l.trim().parse::<usize>().ok(),
                Some(alg.output_len()),
                "{}: section [{sec}] does not match {alg}",
                r.origin
            );
        }
        let bits = r.num("Len");
        assert!(
            bits % 8 == 0,
            "{}: bit-oriented message length {bits}",
            r.origin
        );
        let mut msg = r.hex("Msg");
        assert!(msg.len() >= bits / 8, "{}: Msg shorter than Len", r.origin);
        msg.truncate(bits / 8);
        let want = r.hex("MD");
        t.run(rec_id(&r), "valid", || hash_all_ways(alg, &msg, &want));
    }
    t.finish(None)
}

pub fn hashes() {
    let sha2 = subdir("cavp/hashes/SHA2");
    required_file("cavp/hashes/SHA2/SHA256ShortMsg.rsp");
    let mut files = Vec::new();
    for (dir, prefix, alg) in [
        ("SHA2", "SHA256", HashAlg::Sha256),
        ("SHA2", "SHA512", HashAlg::Sha512),
        ("SHA3", "SHA3_256", HashAlg::Sha3_256),
    ] {
        for kind in ["ShortMsg", "LongMsg"] {
            let rel = format!("cavp/hashes/{dir}/{prefix}{kind}.rsp");
            match optional_file(&rel) {
                Some(p) => files.push((p, alg)),
                None => println!("[cavp hashes] {rel} not present in this vector set"),
            }
        }
    }
    assert!(sha2.is_dir());
    files.push((required_file("cavp/hashes/MD5/rfc-1321.txt"), HashAlg::Md5));
    let mut total = Summary::default();
    for (p, alg) in files {
        total.add(hash_file(&p, alg));
    }
    total.assert_ok("cavp hashes");
}

// ---------------------------------------------------------------- HMAC

pub fn hmac_rfc4231() {
    let path = required_file("cavp/HMAC/rfc-4231-sha256.txt");
    let mut t = Tally::new(format!("cavp {}", file_name(&path)));
    // "Len" in this file is informational (the message length in bits in
    // most entries); the key, message and tag are taken as written.
    for r in parse_records(&path, "Len") {
        let (key, msg, want) = (r.hex("Key"), r.hex("Msg"), r.hex("MD"));
        assert!(
            (1..=mac::TAG_LEN).contains(&want.len()),
            "{}: tag length",
            r.origin
        );
        if want.len() < mac::TAG_LEN {
            t.note("output truncated in the RFC, compared with the prefix of the full HMAC");
        }
        t.run(rec_id(&r), "valid", || {
            let full = mac::hmac_sha256(&key, &msg);
            if want.len() == mac::TAG_LEN
                && let Err(e) = mac::verify_hmac_sha256(&key, &msg, &want)
            {
                return Verdict::Rejected(e.to_string());
            }
            same(&full[..want.len()], &want, "HMAC-SHA256")
        });
    }
    t.finish(None).assert_ok("cavp HMAC-SHA256");
}

// ---------------------------------------------------------------- HKDF

pub fn hkdf_rfc5869() {
    let path = required_file("cavp/KDF/rfc-5869-HKDF-SHA256.txt");
    let mut t = Tally::new(format!("cavp {}", file_name(&path)));
    for r in parse_records(&path, "COUNT") {
        let hash = r.req("Hash");
        if hash != "SHA-256" {
            t.skip(format!("HKDF with {hash}, not offered by scs"));
            continue;
        }
        let (ikm, salt, info) = (r.hex("IKM"), r.hex("salt"), r.hex("info"));
        let (prk, okm, len) = (r.hex("PRK"), r.hex("OKM"), r.num("L"));
        assert_eq!(okm.len(), len, "{}: L and OKM disagree", r.origin);
        t.run(rec_id(&r), "valid", || {
            let mut out = vec![0u8; len];
            if let Err(e) = kdf::hkdf_sha256(&salt, &ikm, &info, &mut out) {
                return Verdict::Rejected(e.to_string());
            }
            match same(&out, &okm, "OKM") {
                // HKDF-Extract is HMAC-Hash(salt, IKM) by definition (RFC 5869 §2.2).
                Verdict::Accepted => same(&mac::hmac_sha256(&salt, &ikm), &prk, "PRK"),
                other => other,
            }
        });
    }
    t.finish(None).assert_ok("cavp HKDF-SHA256");
}

// ---------------------------------------------------------------- Argon2id

pub fn argon2id() {
    let path = required_file("cavp/KDF/argon2id.txt");
    let mut t = Tally::new(format!("cavp {}", file_name(&path)));
    for r in parse_records(&path, "COUNT") {
        let params = Argon2Params {
            m_kib: u32::try_from(r.num("memcost")).expect("fits"),
            t: u32::try_from(r.num("iter")).expect("fits"),
            p: u32::try_from(r.num("lanes")).expect("fits"),
        };
        let (pass, salt, want) = (r.hex("pass"), r.hex("salt"), r.hex("output"));
        let (secret, ad) = (r.opt_hex("secret"), r.opt_hex("ad"));
        let len = r.num("length");
        assert_eq!(want.len(), len, "{}: length and output disagree", r.origin);
        if secret.is_some() || ad.is_some() {
            t.note("with secret and/or associated data");
        }
        t.run(rec_id(&r), "valid", || {
            let mut out = vec![0u8; len];
            match kdf::argon2id_raw(
                &pass,
                &salt,
                params,
                secret.as_deref(),
                ad.as_deref(),
                &mut out,
            ) {
                Ok(()) => same(&out, &want, "Argon2id"),
                Err(e) => Verdict::Rejected(e.to_string()),
            }
        });
    }
    t.finish(None).assert_ok("cavp Argon2id");
}

// ---------------------------------------------------------------- AES-CBC

fn cbc_file(path: &Path, require_both: bool) -> Summary {
    let mut t = Tally::new(format!("cavp {}", file_name(path)));
    let mut sections = [0usize; 2];
    for r in parse_records(path, "COUNT") {
        let (key, iv, pt, ct) = (
            r.hex("KEY"),
            r.hex("IV"),
            r.hex("PLAINTEXT"),
            r.hex("CIPHERTEXT"),
        );
        let iv: [u8; 16] = iv.as_slice().try_into().expect("128-bit IV");
        let encrypt = match r.section.as_deref() {
            Some("ENCRYPT") => true,
            Some("DECRYPT") => false,
            other => panic!(
                "{}: record outside [ENCRYPT]/[DECRYPT]: {other:?}",
                r.origin
            ),
        };
        sections[usize::from(!encrypt)] += 1;
        t.run(rec_id(&r), "valid", || {
            let (input, want, what) = if encrypt {
                (&pt, &ct, "CBC encrypt")
            } else {
                (&ct, &pt, "CBC decrypt")
            };
            let mut buf = input.clone();
            let res = if encrypt {
                cbc::encrypt_nopad_in_place(&key, &iv, &mut buf)
            } else {
                cbc::decrypt_nopad_in_place(&key, &iv, &mut buf)
            };
            match res {
                Ok(()) => same(&buf, want, what),
                Err(e) => Verdict::Rejected(e.to_string()),
            }
        });
        if !pt.is_empty() {
            let mut short = pt[..pt.len() - 1].to_vec();
            t.check(
                "input not a multiple of 16 bytes refused",
                rec_id(&r),
                cbc::encrypt_nopad_in_place(&key, &iv, &mut short).is_err()
                    && cbc::decrypt_nopad_in_place(&key, &iv, &mut short).is_err(),
                "accepted",
            );
        }
    }
    if require_both {
        assert!(
            sections[0] > 0 && sections[1] > 0,
            "{}: expected both ENCRYPT and DECRYPT sections, found {sections:?}",
            file_name(path)
        );
    }
    t.finish(None)
}

pub fn aes_cbc_mmt() {
    let dir = subdir("cavp/ciphers/AES/CBC");
    let mmt = crate::support::discover(&dir, "CBCMMT*.rsp");
    let mut total = Summary::default();
    for p in &mmt {
        total.add(cbc_file(p, true));
    }
    // Other CBC known-answer files of the same layout, when present (the
    // Monte Carlo files follow another procedure and are not read).
    for pattern in [
        "CBCGFSbox*.rsp",
        "CBCKeySbox*.rsp",
        "CBCVarKey*.rsp",
        "CBCVarTxt*.rsp",
    ] {
        for p in discover_optional(&dir, pattern) {
            total.add(cbc_file(&p, true));
        }
    }
    total.assert_ok("cavp AES-CBC (no padding)");
}

// ---------------------------------------------------------------- RSA files

type Fields = Vec<(String, Vec<u8>)>;

#[derive(Debug, Default)]
struct RsaBlock {
    public: Fields,
    private: Fields,
    examples: Vec<(String, Fields)>,
}

fn field<'a>(fields: &'a Fields, name: &str, ctx: &str) -> &'a [u8] {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_slice())
        .unwrap_or_else(|| panic!("{ctx}: missing {name:?}"))
}

fn uint<'a>(fields: &'a Fields, name: &str, ctx: &str) -> UintRef<'a> {
    UintRef::new(field(fields, name, ctx)).unwrap_or_else(|e| panic!("{ctx}: {name}: {e}"))
}

/// Groups a PKCS#1-style file into keys, each with its examples.
fn rsa_blocks(path: &Path, example_prefix: &str) -> Vec<RsaBlock> {
    enum Part {
        Public,
        Private,
        Example,
    }
    let name = file_name(path);
    let mut blocks: Vec<RsaBlock> = Vec::new();
    let mut part: Option<Part> = None;
    for item in parse_labelled(path) {
        match item {
            Item::Marker(m) if m == "Public key" => {
                blocks.push(RsaBlock::default());
                part = Some(Part::Public);
            }
            Item::Marker(m) if m == "Private key" => part = Some(Part::Private),
            Item::Marker(m) if m.starts_with(example_prefix) => {
                let b = blocks
                    .last_mut()
                    .unwrap_or_else(|| panic!("{name}: {m} before any key"));
                b.examples.push((m, Vec::new()));
                part = Some(Part::Example);
            }
            Item::Marker(_) => {}
            Item::Field(label, data) => {
                let b = blocks
                    .last_mut()
                    .unwrap_or_else(|| panic!("{name}: {label} before any key"));
                let dest = match part {
                    Some(Part::Public) => &mut b.public,
                    Some(Part::Private) => &mut b.private,
                    Some(Part::Example) => &mut b.examples.last_mut().expect("example").1,
                    None => panic!("{name}: {label} outside a key or example"),
                };
                dest.push((label, data));
            }
        }
    }
    assert!(!blocks.is_empty(), "{name}: no keys found");
    for (i, b) in blocks.iter().enumerate() {
        assert!(
            !b.examples.is_empty(),
            "{name}: key {} has no examples",
            i + 1
        );
    }
    blocks
}

fn private_der(b: &RsaBlock, ctx: &str) -> Vec<u8> {
    let f = &b.private;
    RsaPrivateKey {
        modulus: uint(f, "Modulus", ctx),
        public_exponent: uint(f, "Public exponent", ctx),
        private_exponent: uint(f, "Exponent", ctx),
        prime1: uint(f, "Prime 1", ctx),
        prime2: uint(f, "Prime 2", ctx),
        exponent1: uint(f, "Prime exponent 1", ctx),
        exponent2: uint(f, "Prime exponent 2", ctx),
        coefficient: uint(f, "Coefficient", ctx),
        other_prime_infos: None,
    }
    .to_der()
    .unwrap_or_else(|e| panic!("{ctx}: encoding RSAPrivateKey: {e}"))
}

fn public_der(b: &RsaBlock, ctx: &str) -> Vec<u8> {
    RsaPublicKey {
        modulus: uint(&b.public, "Modulus", ctx),
        public_exponent: uint(&b.public, "Exponent", ctx),
    }
    .to_der()
    .unwrap_or_else(|e| panic!("{ctx}: encoding RSAPublicKey: {e}"))
}

fn modulus_bits(b: &RsaBlock, ctx: &str) -> usize {
    let n = field(&b.public, "Modulus", ctx);
    let n = &n[n.iter().take_while(|x| **x == 0).count()..];
    n.len() * 8 - n.first().map_or(8, |x| x.leading_zeros() as usize)
}

pub fn rsa_oaep_custom() {
    let path = required_file("cavp/asymmetric/RSA/oaep-custom/oaep-sha256-sha256.txt");
    let name = file_name(&path);
    let mut t = Tally::new(format!("cavp {name} (RSA-OAEP SHA-256/MGF1-SHA-256)"));
    for (i, b) in rsa_blocks(&path, "OAEP Example").iter().enumerate() {
        let ctx = format!("{name} key {}", i + 1);
        let key = PrivateKey::from_pkcs1_der(&private_der(b, &ctx))
            .unwrap_or_else(|e| panic!("{ctx}: RSA-{} key refused: {e}", modulus_bits(b, &ctx)));
        let public = key.public_key();
        assert_eq!(
            public.to_pkcs1_der().expect("RSA"),
            public_der(b, &ctx),
            "{ctx}: private and public sections describe different keys"
        );
        for (ex, fields) in &b.examples {
            let id = format!("{ctx} {ex}");
            assert!(
                ex.contains("alg=sha256") && ex.contains("mgf1=sha256"),
                "{id}"
            );
            let msg = field(fields, "Message", &id).to_vec();
            let ct = field(fields, "Encryption", &id).to_vec();
            t.run(&id, "valid", || match key.oaep_decrypt(&ct) {
                Ok(p) => same(p.expose(), &msg, "OAEP plaintext"),
                Err(e) => Verdict::Rejected(e.to_string()),
            });
            let round = public.oaep_encrypt(&msg).and_then(|c| key.oaep_decrypt(&c));
            t.check(
                "encrypt/decrypt round trip",
                &id,
                matches!(&round, Ok(p) if p.expose() == msg.as_slice()),
                "round trip failed",
            );
            let mut bad = ct.clone();
            *bad.last_mut().expect("ciphertext") ^= 1;
            t.check(
                "ciphertext with one bit flipped refused",
                &id,
                key.oaep_decrypt(&bad).is_err(),
                "tampered ciphertext decrypted",
            );
        }
    }
    t.finish(None).assert_ok("cavp RSA-OAEP");
}

/// RSASSA-PSS with SHA-1 and keys of 1024 to 2048 bits: outside scs's
/// policy (SHA-256 only, RSA ≥ 2048). Every example must be refused, either
/// at key import or at verification; none counts as a PSS pass.
pub fn rsa_pss_vect_out_of_policy() {
    let path = required_file("cavp/asymmetric/RSA/pkcs-1v2-1d2-vec/pss-vect.txt");
    let name = file_name(&path);
    let mut t = Tally::new(format!("cavp {name} (RSA-PSS SHA-1)"));
    let reason = "out of policy (SHA-1 / < 2048 bits)";
    let (mut at_import, mut at_verify, mut sizes) = (0usize, 0usize, Vec::new());
    for (i, b) in rsa_blocks(&path, "PSS Example").iter().enumerate() {
        let ctx = format!("{name} key {}", i + 1);
        let bits = modulus_bits(b, &ctx);
        sizes.push(bits);
        let public = PublicKey::from_pkcs1_der(&public_der(b, &ctx));
        let private = PrivateKey::from_pkcs1_der(&private_der(b, &ctx));
        let small = bits < keys::RSA_MIN_BITS;
        if small {
            t.check(
                "sub-2048-bit private key refused at import",
                &ctx,
                private.is_err(),
                "accepted",
            );
        } else {
            let key = private.unwrap_or_else(|e| panic!("{ctx}: RSA-{bits} refused: {e}"));
            let sig = key.sign(Scheme::RsaPssSha256, b"scs");
            let ok = sig.is_ok_and(|s| {
                key.public_key()
                    .verify(Scheme::RsaPssSha256, b"scs", &s)
                    .is_ok()
            });
            t.check(
                "own PSS-SHA256 signature with the key verifies",
                &ctx,
                ok,
                "failed",
            );
        }
        for (ex, fields) in &b.examples {
            let id = format!("{ctx} {ex}");
            let msg = field(fields, "Message to be signed", &id);
            let salt = field(fields, "Salt", &id);
            let sig = field(fields, "Signature", &id);
            assert_eq!(salt.len(), 20, "{id}: SHA-1 PSS salt");
            assert_eq!(sig.len(), bits.div_ceil(8), "{id}: signature length");
            match (&public, small) {
                (Err(_), true) => {
                    at_import += 1;
                    t.unsupported(reason);
                }
                (Ok(k), false) => {
                    assert_eq!(k.algorithm(), KeyAlgorithm::Rsa { bits });
                    let d = hash::digest(HashAlg::Sha256, msg);
                    let refused = k.verify(Scheme::RsaPssSha256, msg, sig).is_err()
                        && k.verify_digest(Scheme::RsaPssSha256, &d, sig).is_err();
                    if refused {
                        at_verify += 1;
                        t.unsupported(reason);
                    } else {
                        t.fail_vector(&id, "SHA-1 PSS signature verified as PSS-SHA256");
                    }
                }
                (Ok(_), true) => t.fail_vector(&id, format!("RSA-{bits} public key accepted")),
                (Err(e), false) => {
                    t.fail_vector(&id, format!("RSA-{bits} public key refused: {e}"));
                }
            }
        }
    }
    println!(
        "[cavp {name}] keys of {sizes:?} bits; refused at import: {at_import}, \
         refused at PSS-SHA256 verification: {at_verify}"
    );
    t.finish(None)
        .assert_ok("cavp RSA-PSS SHA-1 (out of policy)");
}

// ---------------------------------------------------------------- X25519

pub fn x25519_rfc7748() {
    let path = required_file("cavp/asymmetric/X25519/rfc7748.txt");
    let mut t = Tally::new(format!("cavp {}", file_name(&path)));
    for r in parse_records(&path, "COUNT") {
        let scalar: [u8; 32] = r.hex("INPUT_SCALAR").try_into().expect("32 bytes");
        let u: [u8; 32] = r.hex("INPUT_U").try_into().expect("32 bytes");
        let want = r.hex("OUTPUT_U");
        t.run(rec_id(&r), "valid", || {
            match keys::x25519_raw(&scalar, &u) {
                Ok(s) => same(s.expose(), &want, "X25519"),
                Err(e) => Verdict::Rejected(e.to_string()),
            }
        });
    }
    t.finish(None).assert_ok("cavp X25519");
}

/// The vector directory in use, printed once so that a run's log says which
/// set it checked.
pub fn announce() {
    println!("vectors from {}", vectors_dir().display());
}

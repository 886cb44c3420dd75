//! Test vectors of format v1 in `tests/data/sealed-v1-vectors.json`.
//!
//! The test regenerates every deterministic vector from its inputs and
//! compares it byte for byte with the file, and opens every vector. To
//! rewrite the file after a deliberate format change (keys and the
//! randomized RSA parts are kept):
//! `SCS_REGENERATE_VECTORS=1 cargo test -p scs-seal --test vectors`.

use std::collections::BTreeMap;

use scs_crypto::Passphrase;
use scs_crypto::hash::sha256;
use scs_crypto::kdf::{Argon2Params, hkdf_sha256};
use scs_crypto::keys::{KeyKind, PrivateKey};
use scs_seal::format::CHUNK_SIZE;
use scs_seal::{DeterministicSeal, SealOptions, Unlocker, open_slice, seal_deterministic};
use serde_json::{Value, json};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/sealed-v1-vectors.json"
);
/// Vectors whose sealed bytes are larger than this are pinned by hash.
const INLINE_MAX: usize = 4096;
const RSA_LABEL: &[u8] = b"scs-sealed/v1/rsa-oaep";

struct Spec {
    name: &'static str,
    plaintext: Plain,
    recipients: &'static [&'static str],
    passphrase: Option<(&'static str, Argon2Params)>,
    signer: Option<&'static str>,
    armor: bool,
}

enum Plain {
    Text(&'static str),
    /// `len` bytes, byte i = i mod 251.
    Pattern(usize),
}

impl Plain {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Plain::Text(t) => t.as_bytes().to_vec(),
            Plain::Pattern(n) => (0..*n).map(|i| (i % 251) as u8).collect(),
        }
    }
    fn json(&self) -> Value {
        match self {
            Plain::Text(t) => json!({ "utf8": t }),
            Plain::Pattern(n) => json!({ "len": n, "pattern": "byte i = i mod 251" }),
        }
    }
}

const SMALL_ARGON2: Argon2Params = Argon2Params {
    m_kib: 256,
    t: 1,
    p: 1,
};

fn specs() -> Vec<Spec> {
    vec![
        Spec {
            name: "passphrase-empty-plaintext",
            plaintext: Plain::Text(""),
            recipients: &[],
            passphrase: Some(("vector passphrase", SMALL_ARGON2)),
            signer: None,
            armor: false,
        },
        Spec {
            name: "x25519-hello",
            plaintext: Plain::Text("hello, world\n"),
            recipients: &["x25519-a"],
            passphrase: None,
            signer: None,
            armor: false,
        },
        Spec {
            name: "x25519-two-recipients-ed25519-signed",
            plaintext: Plain::Pattern(1000),
            recipients: &["x25519-a", "x25519-b"],
            passphrase: None,
            signer: Some("ed25519-signer"),
            armor: false,
        },
        Spec {
            name: "x25519-armored",
            plaintext: Plain::Text("armored message\n"),
            recipients: &["x25519-b"],
            passphrase: None,
            signer: None,
            armor: true,
        },
        Spec {
            name: "rsa-and-x25519-two-chunks",
            plaintext: Plain::Pattern(CHUNK_SIZE + 1),
            recipients: &["rsa2048-a", "x25519-a"],
            passphrase: None,
            signer: None,
            armor: false,
        },
        Spec {
            name: "x25519-exactly-one-chunk-ed25519-signed",
            plaintext: Plain::Pattern(CHUNK_SIZE),
            recipients: &["x25519-a"],
            passphrase: None,
            signer: Some("ed25519-signer"),
            armor: false,
        },
        Spec {
            name: "rsa-recipient-rsa-pss-signed",
            plaintext: Plain::Text("signed with RSA-PSS\n"),
            recipients: &["rsa2048-a"],
            passphrase: None,
            signer: Some("rsa2048-signer"),
            armor: false,
        },
    ]
}

const KEY_NAMES: [(&str, KeyKind); 5] = [
    ("x25519-a", KeyKind::X25519),
    ("x25519-b", KeyKind::X25519),
    ("ed25519-signer", KeyKind::Ed25519),
    ("rsa2048-a", KeyKind::Rsa2048),
    ("rsa2048-signer", KeyKind::Rsa2048),
];

fn derived<const N: usize>(what: &str, name: &str) -> [u8; N] {
    let d = sha256(format!("scs-sealed/v1 test vector {what} {name}").as_bytes());
    d[..N].try_into().unwrap()
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8]) -> String {
    let mut out = [0u8; 32];
    hkdf_sha256(salt, ikm, info, &mut out).unwrap();
    hex::encode(out)
}

#[test]
fn vectors_regenerate_and_open() {
    let regenerate = std::env::var_os("SCS_REGENERATE_VECTORS").is_some();
    let existing: Option<Value> = std::fs::read(PATH)
        .ok()
        .map(|b| serde_json::from_slice(&b).expect("vectors file is JSON"));
    if existing.is_none() && !regenerate {
        panic!("{PATH} is missing; run with SCS_REGENERATE_VECTORS=1 to create it");
    }
    let old_vectors: BTreeMap<String, Value> = existing
        .as_ref()
        .and_then(|e| e["vectors"].as_array())
        .map(|a| {
            a.iter()
                .map(|v| (v["name"].as_str().unwrap().to_owned(), v.clone()))
                .collect()
        })
        .unwrap_or_default();

    // Keys: kept from the file, generated only when creating it.
    let mut keys: BTreeMap<&str, PrivateKey> = BTreeMap::new();
    let mut keys_json = serde_json::Map::new();
    for (name, kind) in KEY_NAMES {
        let key = match existing.as_ref().map(|e| &e["keys"][name]["pkcs8"]) {
            Some(v) if v.is_string() => PrivateKey::from_pkcs8_der(&unhex(v)).unwrap(),
            _ => {
                assert!(regenerate, "key {name} missing from {PATH}");
                PrivateKey::generate(kind).unwrap()
            }
        };
        keys_json.insert(
            name.to_owned(),
            json!({
                "algorithm": key.algorithm().to_string(),
                "pkcs8": hex::encode(key.to_pkcs8_der().unwrap().expose()),
                "spki": hex::encode(key.public_key().spki_der()),
                "fingerprint": key.public_key().fingerprint_hex(),
            }),
        );
        keys.insert(name, key);
    }

    let mut vectors = Vec::new();
    for spec in specs() {
        let old = old_vectors.get(spec.name);
        let pt = spec.plaintext.bytes();
        let file_key: [u8; 32] = derived("file key", spec.name);
        let payload_nonce: [u8; 16] = derived("payload nonce", spec.name);
        let password_salt: [u8; 16] = derived("password salt", spec.name);
        let recipients: Vec<&PrivateKey> = spec.recipients.iter().map(|n| &keys[n]).collect();
        let x25519_ephemeral: Vec<[u8; 32]> = spec
            .recipients
            .iter()
            .filter(|n| n.starts_with("x25519"))
            .enumerate()
            .map(|(i, _)| derived("x25519 ephemeral", &format!("{} {i}", spec.name)))
            .collect();
        let rsa_names: Vec<&str> = spec
            .recipients
            .iter()
            .copied()
            .filter(|n| n.starts_with("rsa"))
            .collect();
        let rsa_ciphertexts: Vec<Vec<u8>> = rsa_names
            .iter()
            .enumerate()
            .map(|(i, n)| match old.map(|o| &o["rsa_ciphertexts"][i]) {
                Some(v) if v.is_string() => unhex(v),
                _ => keys[n]
                    .public_key()
                    .oaep_encrypt_with_label(&file_key, Some(RSA_LABEL))
                    .unwrap(),
            })
            .collect();
        for (ct, n) in rsa_ciphertexts.iter().zip(&rsa_names) {
            let fk = scs_crypto::keys::oaep_decrypt_with_label(&keys[n], ct, Some(RSA_LABEL))
                .expect("RSA ciphertext of the vector opens");
            assert_eq!(
                fk.expose(),
                &file_key,
                "{}: RSA ciphertext wraps the file key",
                spec.name
            );
        }
        let det = DeterministicSeal {
            file_key,
            payload_nonce,
            password_salt,
            x25519_ephemeral: x25519_ephemeral.clone(),
            rsa_ciphertexts: rsa_ciphertexts.clone(),
        };
        let mut opts = match spec.passphrase {
            Some((p, params)) => {
                SealOptions::for_passphrase(Passphrase::from(p)).argon2_params(params)
            }
            None => SealOptions::for_recipients(recipients.iter().map(|k| k.public_key().clone())),
        };
        if let Some(s) = spec.signer {
            opts = opts.signed_by(&keys[s]);
        }
        opts = opts.armor(spec.armor);
        // RSA-PSS is randomized: such a vector is pinned from the file, and
        // made anew only when regenerating and the old one no longer opens.
        let randomized = spec.signer.is_some_and(|s| s.starts_with("rsa"));
        let pinned = old
            .and_then(|o| o["sealed"].as_str())
            .map(|h| hex::decode(h).unwrap())
            .filter(|b| {
                !regenerate
                    || open_slice(b, &mut Unlocker::new().keys(recipients.iter().copied())).is_ok()
            });
        let sealed = match pinned {
            Some(b) if randomized => b,
            _ => {
                let mut out = Vec::new();
                seal_deterministic(&opts, &det, &pt[..], &mut out).unwrap();
                out
            }
        };

        // Every vector opens with each of its recipients (or its passphrase).
        let mut unlockers: Vec<Unlocker<'_>> =
            recipients.iter().map(|k| Unlocker::new().key(k)).collect();
        if let Some((p, _)) = spec.passphrase {
            unlockers.push(Unlocker::new().passphrase(Passphrase::from(p)));
        }
        for mut u in unlockers {
            let (out, opened) =
                open_slice(&sealed, &mut u).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
            assert!(out == pt, "{}: plaintext", spec.name);
            assert_eq!(
                opened.signer().map(|s| s.fingerprint()),
                spec.signer.map(|s| keys[s].public_key().fingerprint()),
                "{}: signer",
                spec.name
            );
        }

        let mut v = serde_json::Map::new();
        v.insert("name".into(), json!(spec.name));
        v.insert("deterministic".into(), json!(!randomized));
        v.insert("plaintext".into(), spec.plaintext.json());
        v.insert("recipients".into(), json!(spec.recipients));
        if let Some((p, params)) = spec.passphrase {
            v.insert("passphrase".into(), json!(p));
            v.insert(
                "argon2id".into(),
                json!({ "m_kib": params.m_kib, "t": params.t, "p": params.p }),
            );
            v.insert("password_salt".into(), json!(hex::encode(password_salt)));
        }
        v.insert("signer".into(), json!(spec.signer));
        v.insert("armor".into(), json!(spec.armor));
        v.insert("file_key".into(), json!(hex::encode(file_key)));
        v.insert("payload_nonce".into(), json!(hex::encode(payload_nonce)));
        v.insert(
            "x25519_ephemeral_secrets".into(),
            json!(x25519_ephemeral.iter().map(hex::encode).collect::<Vec<_>>()),
        );
        v.insert(
            "rsa_ciphertexts".into(),
            json!(rsa_ciphertexts.iter().map(hex::encode).collect::<Vec<_>>()),
        );
        v.insert(
            "header_mac_key".into(),
            json!(hkdf(b"", &file_key, b"scs-sealed/v1/header")),
        );
        v.insert(
            "payload_key".into(),
            json!(hkdf(&payload_nonce, &file_key, b"scs-sealed/v1/payload")),
        );
        v.insert("sealed_len".into(), json!(sealed.len()));
        v.insert("sealed_sha256".into(), json!(hex::encode(sha256(&sealed))));
        if sealed.len() <= INLINE_MAX {
            v.insert("sealed".into(), json!(hex::encode(&sealed)));
        } else {
            let dec = scs_seal::Decryptor::new(&sealed[..]).unwrap();
            v.insert("header".into(), json!(hex::encode(dec.header().as_bytes())));
        }
        let v = Value::Object(v);
        if !regenerate {
            assert_eq!(Some(&v), old, "vector {} differs from {PATH}", spec.name);
        }
        vectors.push(v);
    }

    let doc = json!({
        "format": "scs-sealed/v1",
        "specification": "docs/sealed-format.md",
        "notes": [
            "All byte strings are lowercase hex. Keys are PKCS#8 (private) and SubjectPublicKeyInfo (public) DER.",
            "Deterministic vectors are reproduced byte for byte from file_key, payload_nonce, password_salt, x25519_ephemeral_secrets (in recipient order) and rsa_ciphertexts (RSA-OAEP is randomized, so the ciphertext is an input).",
            "A vector with deterministic = false carries a randomized RSA-PSS signature: check that it opens and verifies.",
            "Vectors larger than 4096 bytes give sealed_len, sealed_sha256 and the header instead of every byte."
        ],
        "keys": Value::Object(keys_json),
        "vectors": vectors,
    });
    if regenerate {
        std::fs::write(PATH, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    } else {
        assert_eq!(
            existing.as_ref().map(|e| &e["keys"]),
            Some(&doc["keys"]),
            "keys differ"
        );
        assert_eq!(old_vectors.len(), specs().len(), "vector count");
    }
}

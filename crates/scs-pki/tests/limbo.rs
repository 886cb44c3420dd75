//! Runs the x509-limbo path-validation cases through `scs_pki::verify`.
//!
//! The vectors are read from `$SCS_VECTORS_DIR/x509-limbo/` when that is
//! set, else from `../shared/vectors/x509-limbo/` beside the workspace; a
//! missing directory fails the test. A case whose algorithm or feature the
//! verifier does not support is counted as skipped, never as a correct
//! rejection. Every other divergence from the expected result must be
//! listed, with its reason, in `tests/data/limbo-allowlist.toml`; an
//! allow-list entry that no longer diverges fails the test too, so the list
//! stays true.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use scs_pki::{Purpose, VerifyError, verify};

#[derive(Deserialize)]
struct Limbo {
    version: u32,
    testcases: Vec<Testcase>,
}

#[derive(Deserialize)]
struct PeerName {
    kind: String,
    value: String,
}

#[derive(Deserialize)]
struct Testcase {
    id: String,
    #[serde(default)]
    features: Vec<String>,
    validation_kind: String,
    trusted_certs: Vec<String>,
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    validation_time: Option<String>,
    signature_algorithms: Vec<String>,
    key_usage: Vec<String>,
    extended_key_usage: Vec<String>,
    expected_result: String,
    expected_peer_name: Option<PeerName>,
    expected_peer_names: Vec<PeerName>,
    #[serde(default)]
    crls: Vec<String>,
}

#[derive(Deserialize)]
struct AllowList {
    divergences: BTreeMap<String, String>,
}

enum Outcome {
    Success,
    Failure(String),
    Skip(String),
}

fn vectors_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SCS_VECTORS_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

fn pem_der(text: &str) -> Vec<u8> {
    pem::parse(text)
        .expect("PEM in the limbo file")
        .into_contents()
}

fn evaluate(tc: &Testcase) -> Outcome {
    const UNSUPPORTED_FEATURES: &[(&str, &str)] = &[
        (
            "max-chain-depth",
            "feature: a maximum chain depth is not a parameter of verify",
        ),
        (
            "has-policy-constraints",
            "feature: certificate policies are not processed",
        ),
        (
            "name-constraint-dn",
            "feature: directoryName name constraints are not implemented (webpki fails closed)",
        ),
    ];
    for (feature, why) in UNSUPPORTED_FEATURES {
        if tc.features.iter().any(|f| f == feature) {
            return Outcome::Skip((*why).into());
        }
    }
    if !tc.signature_algorithms.is_empty() {
        return Outcome::Skip("signature algorithm restrictions are not a parameter".into());
    }
    let purpose = match (
        tc.validation_kind.as_str(),
        tc.extended_key_usage.as_slice(),
    ) {
        ("SERVER", []) => Purpose::Server,
        ("CLIENT", []) => Purpose::Client,
        (_, [eku]) if eku == "serverAuth" => Purpose::Server,
        (_, [eku]) if eku == "clientAuth" => Purpose::Client,
        _ => return Outcome::Skip(format!("EKU {:?}", tc.extended_key_usage)),
    };
    let host = match &tc.expected_peer_name {
        Some(p) if p.kind == "DNS" || p.kind == "IP" => Some(p.value.as_str()),
        Some(p) => return Outcome::Skip(format!("{} peer name", p.kind)),
        None => None,
    };
    let mut emails = Vec::new();
    for p in &tc.expected_peer_names {
        if p.kind != "RFC822" {
            return Outcome::Skip(format!("{} in expected_peer_names", p.kind));
        }
        emails.push(p.value.as_str());
    }
    let at = tc
        .validation_time
        .as_deref()
        .map(|t| OffsetDateTime::parse(t, &Rfc3339).expect("validation time"));

    let leaf = pem_der(&tc.peer_certificate);
    let inters: Vec<Vec<u8>> = tc
        .untrusted_intermediates
        .iter()
        .map(|p| pem_der(p))
        .collect();
    let anchors: Vec<Vec<u8>> = tc.trusted_certs.iter().map(|p| pem_der(p)).collect();
    let crls: Vec<Vec<u8>> = tc.crls.iter().map(|p| pem_der(p)).collect();

    match verify(&leaf, &inters, &anchors, &crls, Some(purpose), host, at) {
        Err(VerifyError::UnsupportedAlgorithm) => {
            Outcome::Skip("unsupported signature or key algorithm".into())
        }
        Err(e) => Outcome::Failure(e.to_string()),
        Ok(chain) => {
            for e in &emails {
                if !chain.has_email(e) {
                    return Outcome::Failure(format!("leaf does not name {e}"));
                }
            }
            for ku in &tc.key_usage {
                let present = &chain.leaf().key_usage;
                if !present.is_empty() && !present.iter().any(|k| k == ku) {
                    return Outcome::Failure(format!("leaf lacks key usage {ku}"));
                }
            }
            Outcome::Success
        }
    }
}

#[test]
fn x509_limbo() {
    let dir = vectors_dir().join("x509-limbo");
    assert!(
        dir.is_dir(),
        "x509-limbo vectors not found at {} (set SCS_VECTORS_DIR)",
        dir.display()
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("limbo-") && n.ends_with(".json") && n != "limbo-schema.json"
            })
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no limbo-*.json in {}", dir.display());

    let allow: AllowList = toml::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/limbo-allowlist.toml"),
        )
        .unwrap(),
    )
    .unwrap();

    let (mut passed, mut skipped, mut allowed) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    let mut seen_allowed = Vec::new();
    let mut skip_reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let limbo: Limbo = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        assert_eq!(limbo.version, 1);
        for tc in &limbo.testcases {
            let outcome = catch_unwind(AssertUnwindSafe(|| evaluate(tc)))
                .unwrap_or_else(|_| Outcome::Failure("PANIC".into()));
            let (actual, detail) = match outcome {
                Outcome::Skip(why) => {
                    skipped += 1;
                    skip_reasons.entry(why).or_default().push(tc.id.clone());
                    continue;
                }
                Outcome::Success => ("SUCCESS", String::new()),
                Outcome::Failure(why) => ("FAILURE", why),
            };
            if detail == "PANIC" {
                failures.push(format!("{}: verify panicked", tc.id));
                continue;
            }
            if actual == tc.expected_result {
                if allow.divergences.contains_key(&tc.id) {
                    failures.push(format!(
                        "{}: on the allow-list but now agrees ({actual}); remove the entry",
                        tc.id
                    ));
                } else {
                    passed += 1;
                }
            } else if allow.divergences.contains_key(&tc.id) {
                allowed += 1;
                seen_allowed.push(tc.id.clone());
            } else {
                failures.push(format!(
                    "{}: expected {}, got {actual} {detail}",
                    tc.id, tc.expected_result
                ));
            }
        }
    }
    for id in allow.divergences.keys() {
        if !seen_allowed.contains(id) && !failures.iter().any(|f| f.starts_with(id.as_str())) {
            eprintln!("note: allow-list entry {id} was not exercised (skipped or absent)");
        }
    }
    for (why, ids) in &skip_reasons {
        println!("limbo skipped {}: {why}: {}", ids.len(), ids.join(", "));
    }
    for f in &failures {
        println!("limbo divergence: {f}");
    }
    println!(
        "limbo: {passed} passed, {} failed, {skipped} skipped, {allowed} allow-listed",
        failures.len()
    );
    assert!(failures.is_empty(), "{} limbo divergences", failures.len());
}

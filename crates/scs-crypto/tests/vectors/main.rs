//! Known-answer and edge-case vectors for scs-crypto.
//!
//! Vectors are read at run time from `$SCS_VECTORS_DIR`, or else from
//! `../shared/vectors` beside the workspace; a missing directory or family
//! fails loudly. Run with `cargo test -p scs-crypto --test vectors --
//! --nocapture` to see the counts per file.

mod cavp;
mod support;
mod text;
mod wycheproof;

#[test]
fn wycheproof_aes_gcm() {
    wycheproof::aes_gcm();
}

#[test]
fn wycheproof_aes_cbc_pkcs5() {
    wycheproof::aes_cbc();
}

#[test]
fn wycheproof_hmac_sha256() {
    wycheproof::hmac_sha256();
}

#[test]
fn wycheproof_hkdf_sha256() {
    wycheproof::hkdf_sha256();
}

#[test]
fn wycheproof_rsa_oaep_sha256() {
    wycheproof::rsa_oaep();
}

#[test]
fn wycheproof_rsa_pss_sha256() {
    wycheproof::rsa_pss();
}

#[test]
fn wycheproof_rsa_pkcs1_sha256() {
    wycheproof::rsa_pkcs1();
}

#[test]
fn wycheproof_ed25519() {
    wycheproof::ed25519();
}

#[test]
fn wycheproof_x25519() {
    wycheproof::x25519();
}

#[test]
fn cavp_hashes() {
    cavp::announce();
    cavp::hashes();
}

#[test]
fn cavp_hmac_sha256_rfc4231() {
    cavp::hmac_rfc4231();
}

#[test]
fn cavp_hkdf_sha256_rfc5869() {
    cavp::hkdf_rfc5869();
}

#[test]
fn cavp_argon2id() {
    cavp::argon2id();
}

#[test]
fn cavp_aes_cbc_no_padding() {
    cavp::aes_cbc_mmt();
}

#[test]
fn cavp_rsa_oaep_sha256() {
    cavp::rsa_oaep_custom();
}

#[test]
fn cavp_rsa_pss_sha1_out_of_policy() {
    cavp::rsa_pss_vect_out_of_policy();
}

#[test]
fn cavp_x25519_rfc7748() {
    cavp::x25519_rfc7748();
}

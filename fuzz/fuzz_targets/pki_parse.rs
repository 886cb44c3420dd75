//! Certificate requests, certificates, bundles, CRLs and SAN strings from
//! untrusted bytes: every parser must return an error, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A certificate request (PEM or DER), with its signature check.
    let _ = scs_pki::Csr::parse(data);
    // One DER certificate.
    let _ = scs_pki::show(data);
    // A PEM bundle (or one DER certificate), then each member.
    if let Ok(certs) = scs_pki::parse_certificates(data) {
        for cert in &certs {
            let _ = scs_pki::show(cert);
        }
        // Path validation with the input as leaf and as its own anchor.
        let _ = scs_pki::verify(&certs[0], &certs[1..], &certs, &[], None, None, None);
    }
    let _ = scs_pki::parse_crls(data);
    // Names as typed on the command line.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = text.parse::<scs_pki::San>();
        let _ = scs_pki::normalize_serial(text);
    }
});

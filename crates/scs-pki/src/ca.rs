//! The certificate authority: [`Ca::init`], [`Ca::open`], [`Ca::unlock`]
//! and the operations of an unlocked [`CaSigner`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CustomExtension,
    DistinguishedName, DnType, IsCa, Issuer, KeyIdMethod, KeyUsagePurpose, RevokedCertParams,
    SerialNumber,
};
use rustls_pki_types::CertificateDer;
use scs_crypto::pem_io::{KeyFile, PBKDF2_ITERATIONS, encrypt_private_key_pem, parse_key_file};
use scs_crypto::{KeyKind, Passphrase, PrivateKey, PublicKey};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::csr::Csr;
use crate::info::{CertInfo, show};
use crate::input::{certificate_pem, crl_pem, parse_certificate};
use crate::profile::{Profile, check_cn};
use crate::reason::RevocationReason;
use crate::san::San;
use crate::signer::{KeySigner, SubjectKey};
use crate::store::{
    self, DirLock, INTER_CERT, INTER_KEY, META, Meta, ROOT_CERT, ROOT_KEY, Record, Records, Status,
};
use crate::{Error, Result};

/// Longest validity of a leaf certificate, in days (the CA/Browser Forum's
/// former limit; long enough for internal use, short enough to rotate).
pub const MAX_LEAF_DAYS: u32 = 825;
/// Longest validity of a CA certificate, in days (about 100 years).
pub const MAX_CA_DAYS: u32 = 36_525;
/// Longest CRL validity (`nextUpdate - thisUpdate`), in days.
pub const MAX_CRL_DAYS: u32 = 3650;
/// How far `notBefore` is set in the past, for clients whose clocks lag.
pub const BACKDATE: Duration = Duration::minutes(5);

/// Parameters of [`Ca::init`].
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The root's common name, e.g. `Example Corp CA`.
    pub name: String,
    /// `rsa3072`, `rsa4096` or `ed25519`; the intermediate uses the same.
    pub key_kind: KeyKind,
    /// Validity of the root (and intermediate) in days.
    pub days: u32,
    /// Whether an intermediate CA does the day-to-day signing, so the root
    /// key is only needed to create it.
    pub intermediate: bool,
}

/// A CA directory, opened for reading.
#[derive(Debug, Clone)]
pub struct Ca {
    dir: PathBuf,
    meta: Meta,
    root_der: Vec<u8>,
    intermediate_der: Option<Vec<u8>>,
}

/// A newly issued certificate.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Issued {
    /// Upper-case hex serial.
    pub serial: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The issuing CA's certificates above the leaf, excluding the root
    /// (the intermediate, if the CA has one), DER.
    pub chain: Vec<Vec<u8>>,
    /// What was recorded.
    pub record: Record,
}

impl Issued {
    /// The certificate, PEM.
    #[must_use]
    pub fn pem(&self) -> String {
        certificate_pem(&self.der)
    }

    /// The certificate followed by the intermediates a peer needs (not the
    /// root): what a TLS server presents.
    #[must_use]
    pub fn chain_pem(&self) -> String {
        let mut out = self.pem();
        for c in &self.chain {
            out.push_str(&certificate_pem(c));
        }
        out
    }
}

/// A signed certificate revocation list.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Crl {
    /// The CRL number.
    pub number: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub this_update: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub next_update: OffsetDateTime,
    /// Serials listed.
    pub revoked: Vec<String>,
    #[serde(skip)]
    pub der: Vec<u8>,
}

impl Crl {
    /// The CRL, PEM (`X509 CRL`).
    #[must_use]
    pub fn pem(&self) -> String {
        crl_pem(&self.der)
    }
}

pub(crate) fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

fn check_ca_kind(kind: KeyKind) -> Result<()> {
    match kind {
        KeyKind::Rsa3072 | KeyKind::Rsa4096 | KeyKind::Ed25519 => Ok(()),
        other => Err(Error::Unsupported(format!(
            "CA key type {other} (use rsa3072, rsa4096 or ed25519)"
        ))),
    }
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

/// 128 random bits, first byte non-zero so the value always has 16 octets
/// (17 in DER when the top bit is set); positive by construction.
fn new_serial(taken: &HashSet<&str>) -> Result<(Vec<u8>, String)> {
    loop {
        let bytes: [u8; 16] = scs_crypto::rand::array()?;
        if bytes[0] == 0 {
            continue;
        }
        let hex = hex::encode_upper(bytes);
        if !taken.contains(hex.as_str()) {
            return Ok((bytes.to_vec(), hex));
        }
    }
}

/// Normalises a serial typed by a person: optional `0x`, colons or spaces,
/// any case, leading zeros.
pub fn normalize_serial(s: &str) -> Result<String> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let digits: String = t.chars().filter(|c| *c != ':' && *c != ' ').collect();
    if digits.is_empty() || digits.len() > 42 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::invalid(
            "serial number",
            s,
            "expected hexadecimal digits (as `openssl x509 -serial` prints them)",
        ));
    }
    let trimmed = digits.trim_start_matches('0');
    let mut out = trimmed.to_ascii_uppercase();
    if out.is_empty() {
        out = "00".into();
    } else if out.len() % 2 == 1 {
        out.insert(0, '0');
    }
    Ok(out)
}

impl Ca {
    /// Creates a CA in `dir` (created with mode 0700, or an existing empty
    /// directory): a self-signed root and, with `intermediate`, an
    /// intermediate it signs. Private keys are written as encrypted PKCS#8
    /// (PBKDF2-SHA256, AES-256-CBC), which `openssl pkey` opens with the
    /// same passphrase.
    pub fn init(dir: &Path, opts: &InitOptions, passphrase: &Passphrase) -> Result<Ca> {
        check_cn(&opts.name)?;
        check_ca_kind(opts.key_kind)?;
        if opts.days == 0 || opts.days > MAX_CA_DAYS {
            return Err(Error::Policy(format!(
                "CA validity must be 1 to {MAX_CA_DAYS} days"
            )));
        }
        if passphrase.is_empty() {
            return Err(Error::Policy("the CA passphrase must not be empty".into()));
        }
        store::create_dir(dir)?;
        let _lock = DirLock::exclusive(dir)?;
        if store::read_meta(dir).is_ok() {
            return Err(Error::AlreadyExists(dir.to_path_buf()));
        }

        let start = now() - BACKDATE;
        let end = now() + Duration::days(i64::from(opts.days));
        let root_key = PrivateKey::generate(opts.key_kind)?;
        let root_signer = KeySigner::new(&root_key)?;
        let mut taken = HashSet::new();
        let (serial, root_serial) = new_serial(&taken)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(&opts.name);
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.not_before = start;
        params.not_after = end;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(u8::from(opts.intermediate)));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let root_cert = params.self_signed(&root_signer)?;
        let root_der = root_cert.der().to_vec();

        let mut inter = None;
        if opts.intermediate {
            taken.insert(root_serial.as_str());
            let inter_key = PrivateKey::generate(opts.key_kind)?;
            let inter_signer = KeySigner::new(&inter_key)?;
            let (serial, _) = new_serial(&taken)?;
            let issuer =
                Issuer::from_ca_cert_der(&CertificateDer::from(root_der.as_slice()), &root_signer)?;
            let mut p = CertificateParams::default();
            p.distinguished_name = dn(&intermediate_name(&opts.name));
            p.serial_number = Some(SerialNumber::from_slice(&serial));
            p.not_before = start;
            p.not_after = end;
            p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            p.use_authority_key_identifier_extension = true;
            let cert = p.signed_by(&inter_signer, &issuer)?;
            inter = Some((inter_key, cert.der().to_vec()));
        }

        let root_pem = encrypt_private_key_pem(&root_key, passphrase, PBKDF2_ITERATIONS)?;
        store::write_atomic(dir, ROOT_KEY, root_pem.as_bytes())?;
        store::write_atomic(dir, ROOT_CERT, certificate_pem(&root_der).as_bytes())?;
        let intermediate_der = match inter {
            Some((key, der)) => {
                let pem = encrypt_private_key_pem(&key, passphrase, PBKDF2_ITERATIONS)?;
                store::write_atomic(dir, INTER_KEY, pem.as_bytes())?;
                store::write_atomic(dir, INTER_CERT, certificate_pem(&der).as_bytes())?;
                Some(der)
            }
            None => None,
        };
        store::write_records(
            dir,
            &Records {
                version: store::VERSION,
                crl_number: 0,
                certificates: Vec::new(),
            },
        )?;
        let meta = Meta {
            format: store::FORMAT.into(),
            version: store::VERSION,
            name: opts.name.clone(),
            key_kind: opts.key_kind.name().into(),
            intermediate: opts.intermediate,
            created: now(),
        };
        let mut json =
            serde_json::to_vec_pretty(&meta).map_err(|e| Error::Corrupt(format!("{META}: {e}")))?;
        json.push(b'\n');
        store::write_atomic(dir, META, &json)?;
        Ok(Ca {
            dir: dir.to_path_buf(),
            meta,
            root_der,
            intermediate_der,
        })
    }

    /// Opens an existing CA directory (shared lock while reading).
    pub fn open(dir: &Path) -> Result<Ca> {
        if !dir.is_dir() {
            return Err(Error::NotACa {
                path: dir.to_path_buf(),
                reason: "no such directory".into(),
            });
        }
        let _lock = DirLock::shared(dir)?;
        let meta = store::read_meta(dir)?;
        let read_cert = |name: &str| -> Result<Vec<u8>> {
            let bytes = store::read_file(dir, name, None)?;
            let der =
                parse_certificate(&bytes).map_err(|e| Error::Corrupt(format!("{name}: {e}")))?;
            let info = show(&der)?;
            if !info.is_ca {
                return Err(Error::Corrupt(format!("{name} is not a CA certificate")));
            }
            Ok(der)
        };
        let root_der = read_cert(ROOT_CERT)?;
        let intermediate_der = if meta.intermediate {
            Some(read_cert(INTER_CERT)?)
        } else {
            None
        };
        Ok(Ca {
            dir: dir.to_path_buf(),
            meta,
            root_der,
            intermediate_der,
        })
    }

    /// Decrypts the issuing key (the intermediate's, or the root's when
    /// there is no intermediate). A wrong passphrase is
    /// [`Error::WrongPassphrase`].
    pub fn unlock(&self, passphrase: &Passphrase) -> Result<CaSigner<'_>> {
        let name = if self.intermediate_der.is_some() {
            INTER_KEY
        } else {
            ROOT_KEY
        };
        let bytes = {
            let _lock = DirLock::shared(&self.dir)?;
            store::read_file(&self.dir, name, None)?
        };
        let KeyFile::Encrypted(enc) =
            parse_key_file(&bytes).map_err(|e| Error::Corrupt(format!("{name}: {e}")))?
        else {
            return Err(Error::Corrupt(format!(
                "{name} is not an encrypted private key"
            )));
        };
        let key = enc.decrypt(passphrase)?;
        let issuing = self.issuing_der();
        if cert_public_key(issuing)? != *key.public_key() {
            return Err(Error::Corrupt(format!(
                "{name} does not match the issuing certificate"
            )));
        }
        Ok(CaSigner {
            ca: self,
            key,
            issuing_info: show(issuing)?,
        })
    }

    /// The CA directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The root's common name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The key type of the CA keys.
    #[must_use]
    pub fn key_kind(&self) -> &str {
        &self.meta.key_kind
    }

    /// The root certificate, DER.
    #[must_use]
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The intermediate certificate, DER, if the CA has one.
    #[must_use]
    pub fn intermediate_der(&self) -> Option<&[u8]> {
        self.intermediate_der.as_deref()
    }

    /// The certificate of the CA that signs leaves and CRLs.
    #[must_use]
    pub fn issuing_der(&self) -> &[u8] {
        self.intermediate_der.as_deref().unwrap_or(&self.root_der)
    }

    /// The CA chain, PEM: the intermediate (if any), then the root.
    #[must_use]
    pub fn export_chain(&self) -> String {
        let mut out = String::new();
        if let Some(i) = &self.intermediate_der {
            out.push_str(&certificate_pem(i));
        }
        out.push_str(&certificate_pem(&self.root_der));
        out
    }

    /// The root certificate, PEM: what clients trust.
    #[must_use]
    pub fn root_pem(&self) -> String {
        certificate_pem(&self.root_der)
    }

    /// Every issued certificate, in issuance order (shared lock).
    pub fn list(&self) -> Result<Vec<Record>> {
        let _lock = DirLock::shared(&self.dir)?;
        Ok(store::read_records(&self.dir)?.certificates)
    }

    /// The record of one serial (any hex spelling).
    pub fn record(&self, serial: &str) -> Result<Record> {
        let serial = normalize_serial(serial)?;
        self.list()?
            .into_iter()
            .find(|r| r.serial == serial)
            .ok_or(Error::UnknownSerial(serial))
    }

    /// The number of the last CRL produced (0 before the first).
    pub fn crl_number(&self) -> Result<u64> {
        let _lock = DirLock::shared(&self.dir)?;
        Ok(store::read_records(&self.dir)?.crl_number)
    }
}

/// SubjectKeyIdentifier (non-critical) and BasicConstraints with an empty
/// SEQUENCE, i.e. `cA` FALSE by default (critical).
fn leaf_extensions(ski: &[u8]) -> Result<Vec<CustomExtension>> {
    let len = u8::try_from(ski.len())
        .ok()
        .filter(|l| *l < 0x80)
        .ok_or_else(|| Error::Generate("key identifier too long".into()))?;
    let mut ski_der = vec![0x04, len];
    ski_der.extend_from_slice(ski);
    let ski_ext = CustomExtension::from_oid_content(&[2, 5, 29, 14], ski_der);
    let mut bc = CustomExtension::from_oid_content(&[2, 5, 29, 19], vec![0x30, 0x00]);
    bc.set_criticality(true);
    Ok(vec![ski_ext, bc])
}

fn intermediate_name(root: &str) -> String {
    let suffix = " Intermediate";
    let keep = crate::profile::MAX_CN - suffix.len();
    let base: String = root.chars().take(keep).collect();
    format!("{}{suffix}", base.trim_end())
}

pub(crate) fn cert_public_key(der: &[u8]) -> Result<PublicKey> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der)
        .map_err(|e| Error::malformed("certificate", e))?;
    Ok(PublicKey::from_spki_der(cert.public_key().raw)?)
}

/// An unlocked CA: holds the issuing private key in memory (wiped on drop)
/// and performs every operation that changes the CA.
pub struct CaSigner<'a> {
    ca: &'a Ca,
    key: PrivateKey,
    issuing_info: CertInfo,
}

impl core::fmt::Debug for CaSigner<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CaSigner")
            .field("dir", &self.ca.dir)
            .field("issuer", &self.issuing_info.subject)
            .field("key", &self.key)
            .finish()
    }
}

impl CaSigner<'_> {
    /// The CA this signer belongs to.
    #[must_use]
    pub fn ca(&self) -> &Ca {
        self.ca
    }

    /// Verifies a request (PEM or DER) and issues a certificate for it under
    /// `profile`, valid for `days` (see [`CaSigner::sign_request`]).
    pub fn sign_csr(&self, csr: &[u8], profile: Profile, days: u32) -> Result<Issued> {
        let csr = Csr::parse(csr)?;
        self.sign_request(&csr, profile, days)
    }

    /// Issues a certificate for an already verified request. The profile
    /// checks the names ([`Profile::check_names`]); `days` is 1 to
    /// [`MAX_LEAF_DAYS`], and the certificate never outlives the issuing CA
    /// (its `notAfter` is cut to the CA's).
    pub fn sign_request(&self, csr: &Csr, profile: Profile, days: u32) -> Result<Issued> {
        let sans = profile.check_names(csr.common_name(), csr.sans())?;
        self.issue_for_key(csr.public_key(), csr.common_name(), profile, &sans, days)
    }

    /// Generates a key of `kind` and a certificate for it in one step. The
    /// caller stores the key.
    pub fn issue(
        &self,
        cn: &str,
        profile: Profile,
        sans: &[San],
        kind: KeyKind,
        days: u32,
    ) -> Result<(PrivateKey, Issued)> {
        let sans = profile.check_names(cn, sans)?;
        if matches!(kind, KeyKind::X25519) {
            return Err(Error::Unsupported(
                "X25519 keys in certificates (use rsa2048, rsa3072, rsa4096 or ed25519)".into(),
            ));
        }
        let key = PrivateKey::generate(kind)?;
        let issued = self.issue_for_key(key.public_key(), cn, profile, &sans, days)?;
        Ok((key, issued))
    }

    fn issue_for_key(
        &self,
        public: &PublicKey,
        cn: &str,
        profile: Profile,
        sans: &[San],
        days: u32,
    ) -> Result<Issued> {
        if days == 0 || days > MAX_LEAF_DAYS {
            return Err(Error::Policy(format!(
                "certificate validity must be 1 to {MAX_LEAF_DAYS} days"
            )));
        }
        let subject = SubjectKey::new(public)?;
        let t = now();
        let ca_end = self.issuing_info.not_after;
        if ca_end <= t {
            return Err(Error::Policy(
                "the issuing CA certificate has expired".into(),
            ));
        }
        let not_before = (t - BACKDATE).max(self.issuing_info.not_before);
        let not_after = (t + Duration::days(i64::from(days))).min(ca_end);

        let mut params = CertificateParams::default();
        params.distinguished_name = dn(cn);
        params.subject_alt_names = sans.iter().map(San::to_rcgen).collect::<Result<_>>()?;
        params.not_before = not_before;
        params.not_after = not_after;
        params.key_usages = profile.key_usages(subject.is_rsa());
        params.extended_key_usages = profile.extended_key_usages();
        params.use_authority_key_identifier_extension = true;
        // SubjectKeyIdentifier and BasicConstraints `CA:FALSE` are written
        // here rather than by rcgen's `IsCa::ExplicitNoCa`, which encodes the
        // DEFAULT `cA FALSE` explicitly (not DER).
        params.is_ca = IsCa::NoCa;
        let ski = params.key_identifier(&subject);
        params.custom_extensions = leaf_extensions(&ski)?;

        let signer = KeySigner::new(&self.key)?;
        let issuer =
            Issuer::from_ca_cert_der(&CertificateDer::from(self.ca.issuing_der()), &signer)?;

        let _lock = DirLock::exclusive(&self.ca.dir)?;
        let mut records = store::read_records(&self.ca.dir)?;
        let taken: HashSet<&str> = records
            .certificates
            .iter()
            .map(|r| r.serial.as_str())
            .collect();
        let (serial_bytes, serial) = new_serial(&taken)?;
        params.serial_number = Some(SerialNumber::from_slice(&serial_bytes));
        let cert = params.signed_by(&subject, &issuer)?;
        let der = cert.der().to_vec();
        let record = Record {
            serial: serial.clone(),
            subject: cn.to_owned(),
            sans: sans.to_vec(),
            profile,
            not_before,
            not_after,
            status: Status::Valid,
            revoked_at: None,
            revocation_reason: None,
            fingerprint: hex::encode(scs_crypto::hash::sha256(&der)),
            key_algorithm: public.algorithm().to_string(),
            pem: certificate_pem(&der),
        };
        records.certificates.push(record.clone());
        store::write_records(&self.ca.dir, &records)?;
        Ok(Issued {
            serial,
            der,
            chain: self.ca.intermediate_der.iter().cloned().collect(),
            record,
        })
    }

    /// Marks a certificate revoked. An unknown serial, an already revoked
    /// certificate or `removeFromCRL` (meaningful only in delta CRLs, which
    /// scs does not produce) is an error and changes nothing.
    pub fn revoke(&self, serial: &str, reason: RevocationReason) -> Result<Record> {
        let serial = normalize_serial(serial)?;
        if reason == RevocationReason::RemoveFromCrl {
            return Err(Error::Policy(
                "removeFromCRL is only used in delta CRLs; it cannot revoke a certificate".into(),
            ));
        }
        let _lock = DirLock::exclusive(&self.ca.dir)?;
        let mut records = store::read_records(&self.ca.dir)?;
        let rec = records
            .certificates
            .iter_mut()
            .find(|r| r.serial == serial)
            .ok_or_else(|| Error::UnknownSerial(serial.clone()))?;
        if rec.status == Status::Revoked {
            return Err(Error::AlreadyRevoked(serial));
        }
        rec.status = Status::Revoked;
        rec.revoked_at = Some(now());
        rec.revocation_reason = Some(reason);
        let out = rec.clone();
        store::write_records(&self.ca.dir, &records)?;
        Ok(out)
    }

    /// Produces the next CRL, signed by the issuing CA, listing every
    /// revoked certificate, valid for `next_update_days` (1 to
    /// [`MAX_CRL_DAYS`]). Each call takes the next CRL number.
    pub fn crl(&self, next_update_days: u32) -> Result<Crl> {
        if next_update_days == 0 || next_update_days > MAX_CRL_DAYS {
            return Err(Error::Policy(format!(
                "CRL validity must be 1 to {MAX_CRL_DAYS} days"
            )));
        }
        let signer = KeySigner::new(&self.key)?;
        let issuer =
            Issuer::from_ca_cert_der(&CertificateDer::from(self.ca.issuing_der()), &signer)?;
        let aki = self
            .issuing_info
            .subject_key_id
            .as_deref()
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(|| {
                Error::Corrupt("the issuing certificate has no key identifier".into())
            })?;

        let _lock = DirLock::exclusive(&self.ca.dir)?;
        let mut records = store::read_records(&self.ca.dir)?;
        let number = records.crl_number + 1;
        let this_update = now();
        let next_update = this_update + Duration::days(i64::from(next_update_days));
        let mut revoked = Vec::new();
        let mut serials = Vec::new();
        for r in records
            .certificates
            .iter()
            .filter(|r| r.status == Status::Revoked)
        {
            let bytes = hex::decode(&r.serial)
                .map_err(|_| Error::Corrupt(format!("serial {} in the records", r.serial)))?;
            revoked.push(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&bytes),
                revocation_time: r.revoked_at.unwrap_or(this_update),
                reason_code: r.revocation_reason.map(RevocationReason::to_rcgen),
                invalidity_date: None,
            });
            serials.push(r.serial.clone());
        }
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: revoked,
            key_identifier_method: KeyIdMethod::PreSpecified(aki),
        };
        let crl = params.signed_by(&issuer)?;
        records.crl_number = number;
        store::write_records(&self.ca.dir, &records)?;
        Ok(Crl {
            number,
            this_update,
            next_update,
            revoked: serials,
            der: crl.der().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_spellings() {
        assert_eq!(normalize_serial("0x0aB:cd").unwrap(), "ABCD");
        assert_eq!(normalize_serial("ab:cd").unwrap(), "ABCD");
        assert_eq!(normalize_serial("000").unwrap(), "00");
        assert_eq!(normalize_serial("1").unwrap(), "01");
        assert!(normalize_serial("xyz").is_err());
        assert!(normalize_serial("").is_err());
    }

    #[test]
    fn intermediate_names_fit() {
        assert_eq!(intermediate_name("Example CA"), "Example CA Intermediate");
        assert_eq!(
            intermediate_name(&"x".repeat(64)).chars().count(),
            crate::profile::MAX_CN
        );
    }
}

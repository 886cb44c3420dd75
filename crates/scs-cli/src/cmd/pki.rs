//! `scs ca` and `scs cert`: a certificate authority and the certificates it
//! issues, revokes and verifies.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use scs_crypto::KeyKind;
use scs_pki::{Ca, InitOptions, Profile, Purpose, RevocationReason, San};
use serde::Serialize;

use crate::clock::rfc3339;
use crate::ctx::Ctx;
use crate::exit::{failed, usage};
use crate::io::{Kind, read_small, write_output};

/// Where the CA lives: `--ca-dir DIR`, default `$SCS_HOME/ca`.
#[derive(Debug, Args)]
pub struct CaDir {
    /// The CA directory (default: ca/ in the scs home)
    #[arg(long, global = true, env = "SCS_CA_DIR", value_name = "DIR")]
    ca_dir: Option<PathBuf>,
}

impl CaDir {
    fn path(&self, ctx: &Ctx) -> PathBuf {
        self.ca_dir.clone().unwrap_or_else(|| ctx.home.join("ca"))
    }

    fn open(&self, ctx: &Ctx) -> Result<Ca> {
        let dir = self.path(ctx);
        if !dir.join("ca.json").exists() {
            return Err(usage(format!("no CA in {}", dir.display()))
                .hint("create one with `scs ca init --name NAME`, or point --ca-dir at it")
                .into());
        }
        Ok(Ca::open(&dir)?)
    }
}

#[derive(Debug, Args)]
pub struct CaArgs {
    #[command(flatten)]
    dir: CaDir,
    #[command(subcommand)]
    cmd: CaCmd,
}

#[derive(Debug, Subcommand)]
enum CaCmd {
    /// Create a root CA (and optionally an intermediate that does the signing)
    Init {
        /// The CA's common name
        #[arg(long)]
        name: String,
        /// rsa3072, rsa4096 or ed25519
        #[arg(long = "key", default_value = "rsa3072", value_name = "TYPE")]
        kind: KeyKind,
        /// Validity in days
        #[arg(long, default_value_t = 3650)]
        days: u32,
        /// Also create an intermediate CA for day-to-day signing
        #[arg(long)]
        intermediate: bool,
    },
    /// Show the CA
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Write the CA chain (PEM) to hand to others
    Export {
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long)]
        force: bool,
    },
    /// Sign a certificate revocation list
    Crl {
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// DER instead of PEM
        #[arg(long)]
        der: bool,
        /// Days until the next update
        #[arg(long, default_value_t = 7)]
        days: u32,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct CertArgs {
    #[command(flatten)]
    dir: CaDir,
    #[command(subcommand)]
    cmd: CertCmd,
}

#[derive(Debug, Subcommand)]
enum CertCmd {
    /// Make a certificate signing request for a key
    Csr {
        /// The key: a keystore name or a private key file
        #[arg(long)]
        key: String,
        /// Subject common name
        #[arg(long)]
        cn: String,
        /// Subject alternative names: dns:NAME, ip:ADDR, email:ADDR (repeat or comma-separate)
        #[arg(long, value_delimiter = ',')]
        san: Vec<San>,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long)]
        force: bool,
    },
    /// Sign a CSR (its signature and names are checked against the profile)
    Sign {
        /// The request (PEM or DER)
        csr: PathBuf,
        /// server, client or user
        #[arg(long)]
        profile: Profile,
        /// Validity in days
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Also write the intermediate after the certificate
        #[arg(long)]
        chain: bool,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long)]
        force: bool,
    },
    /// Generate a key into the keystore and issue its certificate in one step
    Issue {
        #[arg(long)]
        cn: String,
        /// server, client or user
        #[arg(long)]
        profile: Profile,
        #[arg(long, value_delimiter = ',')]
        san: Vec<San>,
        /// Key type
        #[arg(long = "key-type", default_value = "rsa3072", value_name = "TYPE")]
        kind: KeyKind,
        /// Keystore name for the key (default: the common name)
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Also write the certificate here
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long)]
        force: bool,
    },
    /// List the certificates this CA issued
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a certificate
    Show {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a certificate by serial (hex, as `openssl x509 -serial` prints it)
    Revoke {
        serial: String,
        /// RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged,
        /// superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise
        #[arg(long, default_value = "unspecified")]
        reason: RevocationReason,
    },
    /// Verify a certificate chain: signatures, validity, constraints, purpose, host, revocation
    Verify {
        cert: PathBuf,
        /// Intermediate certificates (PEM bundle)
        #[arg(long, value_name = "FILE")]
        untrusted: Vec<PathBuf>,
        /// Trusted root(s) (default: this CA's root)
        #[arg(long, value_name = "FILE")]
        ca: Vec<PathBuf>,
        /// CRL(s) to check revocation against (PEM or DER)
        #[arg(long, value_name = "FILE")]
        crl: Vec<PathBuf>,
        /// server or client
        #[arg(long)]
        purpose: Option<Purpose>,
        /// DNS name or IP address the certificate must be valid for
        #[arg(long)]
        host: Option<String>,
        /// Verify at this time (RFC 3339) instead of now
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
    },
}

const MAX_INPUT: u64 = scs_pki::MAX_INPUT as u64;

fn fingerprint(der: &[u8]) -> String {
    hex::encode(scs_crypto::hash::sha256(der))
}

pub fn ca(ctx: &Ctx, args: CaArgs) -> Result<()> {
    match args.cmd {
        CaCmd::Init {
            name,
            kind,
            days,
            intermediate,
        } => {
            let dir = args.dir.path(ctx);
            if dir.join("ca.json").exists() {
                return Err(usage(format!("a CA already exists in {}", dir.display())).into());
            }
            let pass = ctx.secrets.choose("the CA key")?;
            let ca = Ca::init(
                &dir,
                &InitOptions {
                    name,
                    key_kind: kind,
                    days,
                    intermediate,
                },
                &pass,
            )?;
            let root = scs_pki::show(ca.root_der())?;
            println!("created CA '{}' in {}", ca.name(), dir.display());
            println!("root fingerprint SHA256:{}", fingerprint(ca.root_der()));
            println!("valid until {}", rfc3339(root.not_after));
            if let Some(i) = ca.intermediate_der() {
                println!("intermediate fingerprint SHA256:{}", fingerprint(i));
            }
        }
        CaCmd::Show { json } => {
            let ca = args.dir.open(ctx)?;
            let root = scs_pki::show(ca.root_der())?;
            let inter = ca.intermediate_der().map(scs_pki::show).transpose()?;
            let issued = ca.list()?.len();
            if json {
                #[derive(Serialize)]
                struct Out<'a> {
                    name: &'a str,
                    dir: String,
                    key: &'a str,
                    root: scs_pki::CertInfo,
                    intermediate: Option<scs_pki::CertInfo>,
                    issued: usize,
                    crl_number: u64,
                }
                let out = Out {
                    name: ca.name(),
                    dir: ca.dir().display().to_string(),
                    key: ca.key_kind(),
                    root,
                    intermediate: inter,
                    issued,
                    crl_number: ca.crl_number()?,
                };
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!("name:         {}", ca.name());
                println!("directory:    {}", ca.dir().display());
                println!("key:          {}", ca.key_kind());
                println!("root:         {}", root.subject);
                println!(
                    "  valid:      {} to {}",
                    rfc3339(root.not_before),
                    rfc3339(root.not_after)
                );
                println!("  SHA256:     {}", root.fingerprint_sha256);
                if let Some(i) = inter {
                    println!("intermediate: {}", i.subject);
                    println!(
                        "  valid:      {} to {}",
                        rfc3339(i.not_before),
                        rfc3339(i.not_after)
                    );
                    println!("  SHA256:     {}", i.fingerprint_sha256);
                }
                println!("issued:       {issued} certificates");
                println!("last CRL:     #{}", ca.crl_number()?);
            }
        }
        CaCmd::Export { output, force } => {
            let ca = args.dir.open(ctx)?;
            write_output(
                output.as_deref(),
                force,
                Kind::Text,
                ca.export_chain().as_bytes(),
            )?;
        }
        CaCmd::Crl {
            output,
            der,
            days,
            force,
        } => {
            let ca = args.dir.open(ctx)?;
            let pass = ctx.secrets.get("the CA key")?;
            let signer = ca.unlock(&pass)?;
            let crl = signer.crl(days)?;
            if der {
                write_output(output.as_deref(), force, Kind::Binary, &crl.der)?;
            } else {
                write_output(output.as_deref(), force, Kind::Text, crl.pem().as_bytes())?;
            }
            eprintln!(
                "CRL #{} lists {} revoked certificates; next update {}",
                crl.number,
                crl.revoked.len(),
                rfc3339(crl.next_update)
            );
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct RecordRow<'a> {
    serial: &'a str,
    subject: &'a str,
    profile: &'a str,
    not_after: String,
    status: &'a str,
    revocation_reason: Option<&'a str>,
    fingerprint_sha256: &'a str,
}

pub fn cert(ctx: &Ctx, args: CertArgs) -> Result<()> {
    match args.cmd {
        CertCmd::Csr {
            key,
            cn,
            san,
            output,
            force,
        } => {
            let key = crate::keyref::private_key(ctx, &key)?;
            let csr = scs_pki::make_csr(&key, &cn, &san)?;
            write_output(output.as_deref(), force, Kind::Text, csr.as_bytes())?;
        }
        CertCmd::Sign {
            csr,
            profile,
            days,
            chain,
            output,
            force,
        } => {
            let ca = args.dir.open(ctx)?;
            let bytes = read_small(Some(&csr), MAX_INPUT)?;
            // Check the request before asking for the CA passphrase.
            scs_pki::Csr::parse(&bytes).with_context(|| csr.display().to_string())?;
            let pass = ctx.secrets.get("the CA key")?;
            let signer = ca.unlock(&pass)?;
            let issued = signer
                .sign_csr(&bytes, profile, days)
                .with_context(|| csr.display().to_string())?;
            let pem = if chain {
                issued.chain_pem()
            } else {
                issued.pem()
            };
            write_output(output.as_deref(), force, Kind::Text, pem.as_bytes())?;
            eprintln!(
                "issued {} certificate for '{}', serial {}, valid until {}",
                profile.name(),
                issued.record.subject,
                issued.serial,
                rfc3339(issued.record.not_after)
            );
        }
        CertCmd::Issue {
            cn,
            profile,
            san,
            kind,
            name,
            days,
            output,
            force,
        } => {
            let ca = args.dir.open(ctx)?;
            let ks = ctx.keystore()?;
            let name = name.unwrap_or_else(|| {
                cn.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect()
            });
            scs_keystore::validate_name(&name)?;
            if ks.contains(&name) {
                return Err(scs_keystore::Error::Exists(name).into());
            }
            let pass = ctx.secrets.get("the CA key")?;
            let signer = ca.unlock(&pass)?;
            let key_pass = ctx.secrets.choose_new(&format!("key '{name}'"))?;
            let (key, issued) = signer.issue(&cn, profile, &san, kind, days)?;
            ks.import_private(&name, &key, &key_pass, Some(&issued.der))?;
            if output.is_some() {
                write_output(
                    output.as_deref(),
                    force,
                    Kind::Text,
                    issued.chain_pem().as_bytes(),
                )?;
            }
            println!(
                "issued {} certificate for '{cn}', serial {}; key '{name}' in the keystore",
                profile.name(),
                issued.serial
            );
        }
        CertCmd::List { json } => {
            let ca = args.dir.open(ctx)?;
            let now = time::OffsetDateTime::now_utc();
            let records = ca.list()?;
            let rows: Vec<RecordRow> = records
                .iter()
                .map(|r| RecordRow {
                    serial: &r.serial,
                    subject: &r.subject,
                    profile: r.profile.name(),
                    not_after: rfc3339(r.not_after),
                    status: r.status_at(now),
                    revocation_reason: r.revocation_reason.map(RevocationReason::name),
                    fingerprint_sha256: &r.fingerprint,
                })
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!(
                    "{:<34} {:<8} {:<8} {:<21} SUBJECT",
                    "SERIAL", "PROFILE", "STATUS", "NOT AFTER"
                );
                for r in &rows {
                    println!(
                        "{:<34} {:<8} {:<8} {:<21} {}",
                        r.serial, r.profile, r.status, r.not_after, r.subject
                    );
                }
            }
        }
        CertCmd::Show { file, json } => {
            let bytes = read_small(Some(&file), MAX_INPUT)?;
            let der = scs_pki::parse_certificates(&bytes)
                .with_context(|| file.display().to_string())?
                .swap_remove(0);
            let info = scs_pki::show(&der).with_context(|| file.display().to_string())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
                print_info(&info);
            }
        }
        CertCmd::Revoke { serial, reason } => {
            let ca = args.dir.open(ctx)?;
            let serial = scs_pki::normalize_serial(&serial)?;
            // An unknown serial fails before the passphrase is asked.
            ca.record(&serial)?;
            let pass = ctx.secrets.get("the CA key")?;
            let signer = ca.unlock(&pass)?;
            let rec = signer.revoke(&serial, reason)?;
            println!(
                "revoked {} ('{}'), reason {}",
                rec.serial,
                rec.subject,
                reason.name()
            );
            eprintln!("hint: publish a new CRL with `scs ca crl`");
        }
        CertCmd::Verify {
            cert,
            untrusted,
            ca,
            crl,
            purpose,
            host,
            at,
        } => {
            let leaf_bytes = read_small(Some(&cert), MAX_INPUT)?;
            // The first certificate is the one verified; any others in the
            // file are candidate intermediates.
            let mut certs = scs_pki::parse_certificates(&leaf_bytes)
                .with_context(|| cert.display().to_string())?;
            let leaf = certs.remove(0);
            let mut intermediates = certs;
            for f in &untrusted {
                intermediates.extend(
                    scs_pki::parse_certificates(&read_small(Some(f), MAX_INPUT)?)
                        .with_context(|| f.display().to_string())?,
                );
            }
            let mut anchors = Vec::new();
            for f in &ca {
                anchors.extend(
                    scs_pki::parse_certificates(&read_small(Some(f), MAX_INPUT)?)
                        .with_context(|| f.display().to_string())?,
                );
            }
            if anchors.is_empty() {
                let own = args.dir.open(ctx).map_err(|_| {
                    usage("no trusted root: give --ca ROOT.pem (or create this CA with `scs ca init`)")
                })?;
                anchors.push(own.root_der().to_vec());
                if let Some(i) = own.intermediate_der() {
                    intermediates.push(i.to_vec());
                }
            }
            let mut crls = Vec::new();
            for f in &crl {
                crls.extend(
                    scs_pki::parse_crls(&read_small(Some(f), MAX_INPUT)?)
                        .with_context(|| f.display().to_string())?,
                );
            }
            let at = at
                .map(|s| {
                    time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
                        .map_err(|_| {
                            usage(format!(
                                "--at {s}: expected RFC 3339, e.g. 2027-01-31T12:00:00Z"
                            ))
                        })
                })
                .transpose()?;
            match scs_pki::verify(
                &leaf,
                &intermediates,
                &anchors,
                &crls,
                purpose,
                host.as_deref(),
                at,
            ) {
                Ok(v) => {
                    println!("{}: OK ({})", cert.display(), v.leaf().subject);
                }
                Err(e) if e.is_verification_failure() => {
                    return Err(failed(format!("{}: {e}", cert.display())).into());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

fn print_info(i: &scs_pki::CertInfo) {
    println!("subject:      {}", i.subject);
    println!("issuer:       {}", i.issuer);
    println!("serial:       {}", i.serial);
    println!(
        "valid:        {} to {}",
        rfc3339(i.not_before),
        rfc3339(i.not_after)
    );
    if !i.subject_alt_names.is_empty() {
        println!("names:        {}", i.subject_alt_names.join(", "));
    }
    println!(
        "key:          {} {} bits (SHA256:{})",
        i.key_algorithm, i.key_bits, i.key_fingerprint_sha256
    );
    println!("signature:    {}", i.signature_algorithm);
    if i.is_ca {
        println!(
            "CA:           yes{}",
            i.path_len
                .map(|p| format!(", path length {p}"))
                .unwrap_or_default()
        );
    }
    if !i.key_usage.is_empty() {
        println!("key usage:    {}", i.key_usage.join(", "));
    }
    if !i.extended_key_usage.is_empty() {
        println!("ext. usage:   {}", i.extended_key_usage.join(", "));
    }
    println!("SHA256:       {}", i.fingerprint_sha256);
}

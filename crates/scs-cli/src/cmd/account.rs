//! Talking to a server: connect (pin its CA), register, login, logout,
//! whoami, passwd, and the directory of users.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use scs_api::{LoginRequest, PasswordChange, RegisterRequest};
use scs_client::Client;
use scs_client::profile::{Profile, StoredSession, normalize_url, slug};
use scs_crypto::KeyKind;
use serde::Serialize;

use crate::clock::{now, when};
use crate::ctx::{Ctx, block_on};
use crate::exit::{failed, usage};

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Server address: https://HOST[:PORT] (default port 8443)
    url: String,
    /// Trust this CA certificate (PEM) instead of asking on first use
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Accept the server's CA without asking (scripts; compare the fingerprint out of band)
    #[arg(short, long)]
    yes: bool,
    /// Replace a profile whose pinned CA differs (only after checking why it changed)
    #[arg(long)]
    replace: bool,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The new account's name (3–32 of a–z 0–9 . _ -)
    username: String,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Account name (default: the one registered from this profile)
    username: Option<String>,
    /// Log in with the account's certificate (mutual TLS) instead of the password
    #[arg(long)]
    cert: bool,
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    cmd: UserCmd,
}

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// Show a user's certificate and key fingerprint
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

/// The profile and a client that trusts only its pinned CA.
pub fn connect_profile(ctx: &Ctx) -> Result<(Profile, Client)> {
    let store = ctx.profiles()?;
    let profile = store.resolve(ctx.server.as_deref())?;
    let ca = store.ca_der(&profile)?;
    let url = normalize_url(&profile.url)?;
    let client = Client::new(&url, scs_client::tls::pinned(&ca, None)?)?;
    Ok((profile, client))
}

/// The profile, a client and the saved session token.
pub fn session(ctx: &Ctx) -> Result<(Profile, Client, StoredSession)> {
    let (profile, client) = connect_profile(ctx)?;
    let Some(s) = ctx.profiles()?.load_session(&profile)? else {
        return Err(failed(format!("not logged in to {}", profile.url))
            .hint("run `scs login`")
            .into());
    };
    if s.is_expired(now()) {
        ctx.profiles()?.clear_session(&profile)?;
        return Err(
            failed(format!("the session on {} has expired", profile.url))
                .hint("run `scs login` again")
                .into(),
        );
    }
    Ok((profile, client, s))
}

pub fn connect(ctx: &Ctx, args: ConnectArgs) -> Result<()> {
    let url = normalize_url(&args.url)?;
    let name = slug(&url);
    let store = ctx.profiles()?;
    let (root_der, chain_pem) = match &args.ca {
        Some(path) => {
            let bytes = crate::io::read_small(Some(path), 1 << 20)?;
            let certs =
                scs_pki::parse_certificates(&bytes).with_context(|| path.display().to_string())?;
            let root = certs
                .last()
                .cloned()
                .expect("parse_certificates returns at least one");
            (root, String::from_utf8_lossy(&bytes).into_owned())
        }
        None => {
            let probe = block_on(scs_client::probe::probe(&url))??;
            eprintln!("The server at {url} presents a certificate issued by this CA:");
            eprintln!("  subject:     {}", probe.root_subject);
            eprintln!("  fingerprint: SHA256:{}", probe.fingerprint);
            eprintln!("Compare the fingerprint with the one the server's administrator gave you");
            eprintln!("(`scs server init` and `scs ca show` print it).");
            if !args.yes {
                if !std::io::stdin().is_terminal() {
                    return Err(usage("not pinning an unverified CA without confirmation")
                        .hint("check the fingerprint, then pass --yes (or give the CA with --ca FILE)")
                        .into());
                }
                eprint!("Trust this CA for {url}? [y/N] ");
                std::io::stderr().flush()?;
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    return Err(usage("not connected").into());
                }
            }
            (probe.root_der, probe.ca_chain_pem)
        }
    };
    let fingerprint = scs_client::cert_fingerprint(&root_der);
    let existing = store.load(&name).ok();
    if let Some(old) = &existing
        && old.ca_fingerprint != fingerprint
        && !args.replace
    {
        return Err(failed(format!(
                "the CA of {url} differs from the one pinned before (SHA256:{}): possible man in the middle",
                old.ca_fingerprint
            ))
            .hint("if the server's CA really changed, check the new fingerprint out of band and use --replace")
            .into());
    }
    // Prove the pin works: a TLS 1.3 connection that trusts only this CA.
    let client = Client::new(&url, scs_client::tls::pinned(&root_der, None)?)?;
    block_on(client.health())??;
    let root_pem = scs_pki::certificate_pem(&root_der);
    let profile = Profile {
        name: name.clone(),
        url: url.to_string().trim_end_matches('/').to_owned(),
        ca_fingerprint: fingerprint.clone(),
        username: existing
            .as_ref()
            .filter(|o| o.ca_fingerprint == fingerprint)
            .and_then(|o| o.username.clone()),
        key_name: existing
            .as_ref()
            .filter(|o| o.ca_fingerprint == fingerprint)
            .and_then(|o| o.key_name.clone()),
    };
    store.save(&profile, &root_pem)?;
    // The issuing chain ends in the pinned root; it is kept to build paths
    // for users' certificates (messaging).
    if scs_pki::parse_certificates(chain_pem.as_bytes())
        .is_ok_and(|c| c.len() > 1 && c.last() == Some(&root_der))
    {
        store.save_ca_chain(&profile, &chain_pem)?;
    }
    println!(
        "connected to {} (profile '{name}', CA SHA256:{fingerprint})",
        profile.url
    );
    Ok(())
}

pub fn register(ctx: &Ctx, args: RegisterArgs) -> Result<()> {
    let username = args.username;
    scs_api::validate_username(&username).map_err(|e| usage(format!("invalid username: {e}")))?;
    let (mut profile, client) = connect_profile(ctx)?;
    let ks = ctx.keystore()?;
    let key_name = format!("{username}.{}", profile.name);
    if ks.contains(&key_name) {
        return Err(
            usage(format!("the keystore already holds a key '{key_name}'"))
                .hint(format!(
                    "delete it with `scs key delete {key_name}` if that account is gone"
                ))
                .into(),
        );
    }
    let password = ctx
        .secrets
        .choose_password(&format!("{username} on {}", profile.url))?;
    let passphrase = ctx.secrets.choose(&format!("the key of {username}"))?;
    eprintln!("generating an RSA-3072 key for {username}…");
    let key = scs_crypto::PrivateKey::generate(KeyKind::Rsa3072)?;
    let csr = scs_pki::make_csr(&key, &username, &[])?;
    let resp = block_on(client.register(&RegisterRequest {
        username: username.clone(),
        password: password.expose().to_owned(),
        csr_pem: csr,
    }))??;
    // The certificate must be for our key, from our pinned CA.
    let cert = scs_pki::parse_certificate(resp.certificate_pem.as_bytes())?;
    let ca = ctx.profiles()?.ca_der(&profile)?;
    let chain = scs_pki::parse_certificates(resp.ca_chain_pem.as_bytes())?;
    let intermediates: Vec<Vec<u8>> = chain.into_iter().filter(|c| c != &ca).collect();
    let verified = scs_pki::verify(
        &cert,
        &intermediates,
        &[ca],
        &[],
        Some(scs_pki::Purpose::Client),
        None,
        None,
    )
    .map_err(|e| {
        failed(format!(
            "the server returned a certificate that does not verify: {e}"
        ))
    })?;
    if verified.leaf().common_name.as_deref() != Some(username.as_str())
        || verified.leaf().key_fingerprint_sha256 != key.public_key().fingerprint_hex()
    {
        return Err(failed("the server returned a certificate for another name or key").into());
    }
    ks.import_private(&key_name, &key, &passphrase, Some(&cert))?;
    profile.username = Some(username.clone());
    profile.key_name = Some(key_name.clone());
    ctx.profiles()?.update(&profile)?;
    println!("registered {username} on {}", profile.url);
    println!(
        "key '{key_name}' (RSA-3072) SHA256:{}",
        key.public_key().fingerprint_hex()
    );
    println!("certificate serial {}", verified.leaf().serial);
    Ok(())
}

fn account_key_name(profile: &Profile, username: &str) -> String {
    match (&profile.username, &profile.key_name) {
        (Some(u), Some(k)) if u == username => k.clone(),
        _ => format!("{username}.{}", profile.name),
    }
}

pub fn login(ctx: &Ctx, args: LoginArgs) -> Result<()> {
    let (profile, client) = connect_profile(ctx)?;
    let username = match args.username.or_else(|| profile.username.clone()) {
        Some(u) => u,
        None => {
            return Err(usage("which account?")
                .hint("give the username: `scs login USER`")
                .into());
        }
    };
    scs_api::validate_username(&username).map_err(|e| usage(format!("invalid username: {e}")))?;
    let session = if args.cert {
        let ks = ctx.keystore()?;
        let key_name = account_key_name(&profile, &username);
        let cert = ks
            .certificate(&key_name)?
            .ok_or_else(|| usage(format!("key '{key_name}' has no certificate")))?;
        let pass = ctx.secrets.get(&format!("key '{key_name}'"))?;
        let key = ks.unlock(&key_name, &pass)?;
        let ca = ctx.profiles()?.ca_der(&profile)?;
        let identity = scs_client::tls::Identity::new(cert, &key)?;
        let url = normalize_url(&profile.url)?;
        let mtls = Client::new(&url, scs_client::tls::pinned(&ca, Some(identity))?)?;
        match block_on(mtls.login_cert())? {
            Ok(s) => s,
            // The handshake broke off, yet the server answers without a
            // certificate: it refused ours (revoked, or not from its CA).
            Err(scs_client::Error::Transport { detail, .. })
                if block_on(client.health())?.is_ok() =>
            {
                return Err(failed(format!(
                    "the server refused the certificate of key '{key_name}': {detail}"
                ))
                .hint(format!(
                    "it may have been revoked (`scs user show {username}` tells); log in with the password"
                ))
                .into());
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        let password = ctx
            .secrets
            .password(&format!("{username} on {}", profile.url))?;
        block_on(client.login(&LoginRequest {
            username: username.clone(),
            password: password.expose().to_owned(),
        }))??
    };
    let stored = StoredSession {
        username: session.username.clone(),
        token: session.token.clone().into(),
        expires_at: session.expires_at,
    };
    ctx.profiles()?.save_session(&profile, &stored)?;
    println!(
        "logged in to {} as {} (session expires {})",
        profile.url,
        session.username,
        when(session.expires_at)
    );
    Ok(())
}

pub fn logout(ctx: &Ctx) -> Result<()> {
    let (profile, client) = connect_profile(ctx)?;
    let store = ctx.profiles()?;
    let Some(s) = store.load_session(&profile)? else {
        println!("not logged in to {}", profile.url);
        return Ok(());
    };
    let result = block_on(client.logout(&s.token))?;
    store.clear_session(&profile)?;
    match result {
        Ok(()) => println!("logged out of {}", profile.url),
        Err(e) if e.api_code() == Some(scs_api::ErrorCode::Unauthorized) => {
            println!(
                "logged out of {} (the session had already ended)",
                profile.url
            );
        }
        Err(e) => {
            eprintln!("warning: the server could not be told ({e}); the local session is removed");
        }
    }
    Ok(())
}

pub fn whoami(ctx: &Ctx, json: bool) -> Result<()> {
    let (profile, client, s) = session(ctx)?;
    let me = block_on(client.whoami(&s.token))??;
    if json {
        println!("{}", serde_json::to_string_pretty(&me)?);
        return Ok(());
    }
    println!("{} on {}", me.username, profile.url);
    println!(
        "logged in by {}",
        match me.auth_method {
            scs_api::AuthMethod::Password => "password",
            scs_api::AuthMethod::Certificate => "certificate",
        }
    );
    println!("session expires {}", when(me.expires_at));
    if let Some(fp) = &me.key_fingerprint {
        println!("key SHA256:{fp}");
    }
    if let Some(sn) = &me.certificate_serial {
        println!("certificate serial {sn}");
    }
    Ok(())
}

pub fn passwd(ctx: &Ctx) -> Result<()> {
    let (profile, client, s) = session(ctx)?;
    let what = format!("{} on {}", s.username, profile.url);
    let old = ctx.secrets.password(&what)?;
    let new = ctx.secrets.new_password(&what)?;
    block_on(client.change_password(
        &s.token,
        &PasswordChange {
            old_password: old.expose().to_owned(),
            new_password: new.expose().to_owned(),
        },
    ))??;
    println!(
        "password of {} changed; other sessions were closed",
        s.username
    );
    Ok(())
}

#[derive(Serialize)]
struct UserRow<'a> {
    username: &'a str,
    registered: String,
    key_fingerprint: Option<&'a str>,
    certificate_serial: Option<&'a str>,
    certificate_revoked: bool,
}

pub fn users(ctx: &Ctx, args: UsersArgs) -> Result<()> {
    let (_, client, s) = session(ctx)?;
    let list = block_on(client.users(&s.token))??;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    println!(
        "{:<32} {:<20} KEY FINGERPRINT (SHA-256)",
        "USER", "REGISTERED"
    );
    for u in &list {
        println!(
            "{:<32} {:<20} {}{}",
            u.username,
            when(u.created_at),
            u.key_fingerprint.as_deref().unwrap_or("-"),
            if u.certificate_revoked {
                " (revoked)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

pub fn user(ctx: &Ctx, args: UserArgs) -> Result<()> {
    let UserCmd::Show { name, json } = args.cmd;
    let (_, client, s) = session(ctx)?;
    let u = block_on(client.user(&s.token, &name))??;
    if json {
        println!("{}", serde_json::to_string_pretty(&u)?);
        return Ok(());
    }
    let row = UserRow {
        username: &u.username,
        registered: when(u.created_at),
        key_fingerprint: u.key_fingerprint.as_deref(),
        certificate_serial: u.certificate_serial.as_deref(),
        certificate_revoked: u.certificate_revoked,
    };
    println!("user:        {}", row.username);
    println!("registered:  {}", row.registered);
    println!("key:         SHA256:{}", row.key_fingerprint.unwrap_or("-"));
    println!(
        "certificate: serial {}{}",
        row.certificate_serial.unwrap_or("-"),
        if row.certificate_revoked {
            " (REVOKED)"
        } else {
            ""
        }
    );
    if let Some(pem) = &u.certificate_pem {
        print!("{pem}");
    }
    Ok(())
}

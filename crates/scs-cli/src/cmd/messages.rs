//! End-to-end encrypted messaging: send, inbox, read, rm, contacts, chat.
//!
//! Every message is sealed on this machine to each recipient's key (and the
//! sender's), signed with the sender's key, and checked by the reader
//! against the sender's pinned key; see `scs_client::envelope`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use scs_api::{Event, Message, MessageMeta, SendMessage};
use scs_client::envelope::{self, Verified};
use scs_client::profile::{Profile, ProfileStore, StoredSession, normalize_url};
use scs_client::{Client, Events};
use scs_crypto::{PrivateKey, PublicKey};
use scs_keystore::contacts::{Contacts, PinStatus, safety_number};

use crate::clock::{now, when};
use crate::ctx::Ctx;
use crate::exit::usage;
use crate::io::{Kind, write_output};

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Recipients (usernames)
    #[arg(required = true, value_name = "USER")]
    users: Vec<String>,
    /// The message text
    #[arg(short = 'm', long, value_name = "TEXT", conflicts_with = "file")]
    message: Option<String>,
    /// Send this file (default: read the message from standard input)
    #[arg(short = 'f', long, value_name = "FILE")]
    file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InboxArgs {
    /// Only messages not read yet
    #[arg(long)]
    unread: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Message id (from `scs inbox`)
    id: String,
    /// Write the body to this file instead of printing it
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[arg(long)]
    force: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    #[arg(required = true, value_name = "ID")]
    ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ContactsArgs {
    #[command(subcommand)]
    cmd: Option<ContactsCmd>,
}

#[derive(Debug, Subcommand)]
enum ContactsCmd {
    /// List pinned contacts and their key fingerprints
    List {
        #[arg(long)]
        json: bool,
    },
    /// Compare safety numbers with USER and accept their current key
    Verify {
        user: String,
        /// Accept without asking (after comparing the safety number)
        #[arg(short, long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The person to chat with
    user: String,
}

/// Size limit of a message body read from a file or stdin (the server
/// enforces its own, usually lower, limit).
const MAX_BODY: u64 = 64 << 20;

/// The keystore name of `me`'s key for this profile (made by `scs register`).
fn own_key_name(profile: &Profile, me: &str) -> String {
    match (&profile.username, &profile.key_name) {
        (Some(u), Some(k)) if u == me => k.clone(),
        _ => format!("{me}.{}", profile.name),
    }
}

/// Everything a messaging command needs: the session, the user's unlocked
/// key, the pinned CA and the contacts.
struct Messenger {
    store: ProfileStore,
    profile: Profile,
    client: Client,
    session: StoredSession,
    key: PrivateKey,
    contacts: Contacts,
    root: Vec<u8>,
    intermediates: Vec<Vec<u8>>,
}

/// The issuing CAs between users' certificates and the pinned root: saved
/// at `scs connect`, or fetched (they are public and only used to build
/// paths to the pinned root, so TLS to the pinned server is enough).
fn intermediates(
    rt: &tokio::runtime::Runtime,
    store: &ProfileStore,
    profile: &Profile,
    client: &Client,
    root: &[u8],
) -> Result<Vec<Vec<u8>>> {
    let chain = match store.ca_chain(profile)? {
        Some(chain) => chain,
        None => {
            let pem = rt.block_on(client.ca_chain())?;
            let chain = scs_pki::parse_certificates(pem.as_bytes())?;
            if chain.last().map(Vec::as_slice) != Some(root) {
                return Err(scs_client::Error::Untrusted(
                    "the CA chain the server publishes does not end in the pinned CA".into(),
                )
                .into());
            }
            store.save_ca_chain(profile, &pem)?;
            chain
        }
    };
    Ok(chain.into_iter().filter(|c| c != root).collect())
}

/// A user's certificate from the directory, verified against the pinned CA
/// and the server's CRL, and issued to that name. Returns its key and PEM.
async fn directory_key(
    client: &Client,
    token: &str,
    root: &[u8],
    intermediates: &[Vec<u8>],
    name: &str,
) -> Result<(PublicKey, String)> {
    let entry = client.user(token, name).await?;
    let pem = entry
        .certificate_pem
        .ok_or_else(|| usage(format!("{name} has no certificate in the directory")))?;
    let der = scs_pki::parse_certificate(pem.as_bytes())?;
    let crls = scs_pki::parse_crls(client.crl().await?.as_bytes())?;
    let bad = |reason: String| scs_client::Error::BadCertificate {
        user: name.to_owned(),
        reason,
    };
    let verified = scs_pki::verify(
        &der,
        intermediates,
        &[root.to_vec()],
        &crls,
        Some(scs_pki::Purpose::Client),
        None,
        None,
    )
    .map_err(|e| bad(e.to_string()))?;
    if verified.leaf().common_name.as_deref() != Some(name) {
        return Err(bad("it is issued to another name".into()).into());
    }
    Ok((scs_keystore::public_key_of_certificate(&der)?, pem))
}

impl Messenger {
    fn open(ctx: &Ctx, rt: &tokio::runtime::Runtime) -> Result<Messenger> {
        let (profile, client, session) = super::account::session(ctx)?;
        let store = ctx.profiles()?;
        let me = session.username.clone();
        let key_name = own_key_name(&profile, &me);
        let ks = ctx.keystore()?;
        if !ks.contains(&key_name) {
            return Err(
                usage(format!("no key '{key_name}' for {me} in the keystore"))
                    .hint("messages are sealed with the key made by `scs register` on this machine")
                    .into(),
            );
        }
        let pass = ctx.secrets.get(&format!("key '{key_name}'"))?;
        let key = ks.unlock(&key_name, &pass)?;
        let root = store.ca_der(&profile)?;
        let contacts = Contacts::open(&ctx.home, &profile.name)?;
        let intermediates = intermediates(rt, &store, &profile, &client, &root)?;
        Ok(Messenger {
            store,
            profile,
            client,
            session,
            key,
            contacts,
            root,
            intermediates,
        })
    }

    fn me(&self) -> &str {
        &self.session.username
    }

    /// A user's key from the directory: their certificate must verify
    /// against the pinned CA (not revoked, issued to that name), and the key
    /// must match the one pinned for them.
    async fn user_key(&self, name: &str) -> Result<PublicKey> {
        let (key, pem) = directory_key(
            &self.client,
            &self.session.token,
            &self.root,
            &self.intermediates,
            name,
        )
        .await?;
        let fp = key.fingerprint_hex();
        match self.contacts.check(name, &fp, &pem, now())? {
            PinStatus::NewlyPinned => {
                eprintln!(
                    "pinned {name}'s key SHA256:{fp} (first use; `scs contacts verify {name}` to confirm it)"
                );
            }
            PinStatus::Matches { .. } => {}
            PinStatus::Changed { pinned_fingerprint } => {
                return Err(anyhow::Error::new(scs_client::Error::KeyChanged {
                    user: name.to_owned(),
                    pinned: pinned_fingerprint,
                    presented: fp,
                }))
                .context(format!("refusing to use {name}'s new key"));
            }
            _ => {}
        }
        Ok(key)
    }

    async fn send(
        &self,
        users: &[String],
        body: &[u8],
        name: Option<String>,
    ) -> Result<MessageMeta> {
        let mut recipients = Vec::new();
        for u in users {
            scs_api::validate_username(u)
                .map_err(|e| usage(format!("invalid recipient '{u}': {e}")))?;
            recipients.push((u.clone(), self.user_key(u).await?));
        }
        let out = envelope::seal(self.me(), &self.key, &recipients, body, name, now())?;
        use base64::Engine as _;
        let req = SendMessage {
            recipients: out.envelope.to.clone(),
            ciphertext_b64: base64::engine::general_purpose::STANDARD.encode(&out.ciphertext),
            id: Some(out.envelope.id.clone()),
        };
        Ok(self.client.send_message(&self.session.token, &req).await?)
    }

    /// Checks a delivered message: signature by the sender's pinned key,
    /// envelope consistency (the id, time, sender and recipients sealed
    /// inside), and that it was not deleted here before.
    async fn verify(&self, msg: &Message) -> Result<Verified> {
        let sender_key = self.user_key(&msg.meta.sender).await?;
        let v = envelope::open(msg, self.me(), &[&self.key], &sender_key)?;
        if self.store.record_seen(&self.profile, &v.envelope.id)?
            == scs_client::profile::Seen::Deleted
        {
            return Err(scs_client::Error::Forged {
                id: msg.meta.id.clone(),
                reason: "it was deleted here before: the server delivered a deleted message again"
                    .into(),
            }
            .into());
        }
        Ok(v)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

pub fn send(ctx: &Ctx, args: SendArgs) -> Result<()> {
    let (body, name) = match (&args.message, &args.file) {
        (Some(m), _) => (m.clone().into_bytes(), None),
        (None, Some(f)) => {
            let b = crate::io::read_small(Some(f), MAX_BODY)?;
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
            (b, name)
        }
        (None, None) => {
            if std::io::stdin().is_terminal() {
                eprintln!("type the message, then Ctrl-D:");
            }
            let mut b = Vec::new();
            std::io::stdin()
                .take(MAX_BODY + 1)
                .read_to_end(&mut b)
                .context("reading the message from standard input")?;
            if b.len() as u64 > MAX_BODY {
                return Err(usage("the message is too large").into());
            }
            (b, None)
        }
    };
    let rt = runtime()?;
    let m = Messenger::open(ctx, &rt)?;
    let meta = rt.block_on(m.send(&args.users, &body, name))?;
    println!(
        "sent {} to {} ({} bytes sealed)",
        meta.id,
        meta.recipients.join(", "),
        meta.size
    );
    Ok(())
}

pub fn inbox(ctx: &Ctx, args: InboxArgs) -> Result<()> {
    let (_, client, s) = super::account::session(ctx)?;
    let rt = runtime()?;
    let mut list = rt.block_on(client.inbox(&s.token))?;
    if args.unread {
        list.retain(|m| !m.read);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if list.is_empty() {
        eprintln!("no messages");
        return Ok(());
    }
    println!(
        "{:<32}  {:<20} {:<20} {:>9}  STATUS",
        "ID", "FROM", "DATE", "SIZE"
    );
    for m in &list {
        println!(
            "{:<32}  {:<20} {:<20} {:>9}  {}",
            m.id,
            m.sender,
            when(m.sent_at),
            m.size,
            if m.read { "read" } else { "new" }
        );
    }
    Ok(())
}

pub fn read(ctx: &Ctx, args: ReadArgs) -> Result<()> {
    scs_client::messages::check_id(&args.id)?;
    let rt = runtime()?;
    let m = Messenger::open(ctx, &rt)?;
    let msg = rt.block_on(m.client.message(&m.session.token, &args.id))?;
    let v = rt.block_on(m.verify(&msg))?;
    let env = &v.envelope;
    let body = env.body_bytes()?;
    let verified_in_person = m.contacts.get(&env.from)?.is_some_and(|c| c.verified);
    if args.json {
        let out = serde_json::json!({
            "id": msg.meta.id,
            "from": env.from,
            "to": env.to,
            "sent_at": env.sent_at,
            "received_at": msg.meta.sent_at,
            "signature": "verified",
            "signer_key_fingerprint": v.signer_fingerprint,
            "key_verified_in_person": verified_in_person,
            "name": env.name,
            "text": env.body_text(),
            "size": body.len(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("From:      {}", env.from);
        println!("To:        {}", env.to.join(", "));
        println!("Date:      {}", when(env.sent_at));
        println!("Message:   {}", msg.meta.id);
        println!(
            "Signature: verified, key SHA256:{}{}",
            v.signer_fingerprint,
            if verified_in_person {
                " (verified in person)"
            } else {
                " (pinned on first use)"
            }
        );
        if let Some(n) = &env.name {
            println!("File:      {n} ({} bytes)", body.len());
        }
        println!();
    }
    if let Some(out) = &args.output {
        write_output(Some(out), args.force, Kind::Secret { binary: true }, &body)?;
        eprintln!("wrote {} bytes to {}", body.len(), out.display());
    } else if !args.json {
        match env.body_text() {
            Some(t) if env.name.is_none() => {
                print!("{t}");
                if !t.ends_with('\n') {
                    println!();
                }
            }
            _ => eprintln!("the body is binary or a file: save it with -o FILE"),
        }
    }
    std::io::stdout().flush()?;
    Ok(())
}

pub fn rm(ctx: &Ctx, args: RmArgs) -> Result<()> {
    let (profile, client, s) = super::account::session(ctx)?;
    let rt = runtime()?;
    let store = ctx.profiles()?;
    for id in &args.ids {
        rt.block_on(client.delete_message(&s.token, id))?;
        store.record_deleted(&profile, id)?;
        println!("deleted {id}");
    }
    Ok(())
}

pub fn contacts(ctx: &Ctx, args: ContactsArgs) -> Result<()> {
    match args.cmd.unwrap_or(ContactsCmd::List { json: false }) {
        ContactsCmd::List { json } => {
            let profile = ctx.profiles()?.resolve(ctx.server.as_deref())?;
            let list = Contacts::open(&ctx.home, &profile.name)?.list()?;
            if json {
                let v: Vec<serde_json::Value> = list
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "user": c.name, "key_fingerprint": c.key_fingerprint,
                            "pinned_at": c.pinned_at, "verified": c.verified,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else if list.is_empty() {
                eprintln!(
                    "no contacts yet: keys are pinned the first time you send to or read from someone"
                );
            } else {
                println!(
                    "{:<32} {:<10} {:<20} KEY FINGERPRINT (SHA-256)",
                    "USER", "VERIFIED", "PINNED"
                );
                for c in &list {
                    println!(
                        "{:<32} {:<10} {:<20} {}",
                        c.name,
                        if c.verified { "yes" } else { "no" },
                        when(c.pinned_at),
                        c.key_fingerprint
                    );
                }
            }
        }
        ContactsCmd::Verify { user, yes } => {
            scs_api::validate_username(&user)
                .map_err(|e| usage(format!("invalid username: {e}")))?;
            let (profile, client, s) = super::account::session(ctx)?;
            let store = ctx.profiles()?;
            let root = store.ca_der(&profile)?;
            let rt = runtime()?;
            let intermediates = intermediates(&rt, &store, &profile, &client, &root)?;
            let (key, pem) = rt.block_on(directory_key(
                &client,
                &s.token,
                &root,
                &intermediates,
                &user,
            ))?;
            let theirs = key.fingerprint_hex();
            // My side of the safety number is my own key, not what the
            // server lists for me: a substituted entry must change the number.
            let me = s.username.clone();
            let key_name = own_key_name(&profile, &me);
            let ks = ctx.keystore()?;
            if !ks.contains(&key_name) {
                return Err(
                    usage(format!("no key '{key_name}' for {me} in the keystore"))
                        .hint("verify contacts from the machine where you ran `scs register`")
                        .into(),
                );
            }
            let mine = ks.public_key(&key_name)?.fingerprint_hex();
            let listed = rt.block_on(client.user(&s.token, &me))?.key_fingerprint;
            if listed.as_deref() != Some(mine.as_str()) {
                eprintln!(
                    "warning: the server lists another key for you (SHA256:{}) than yours (SHA256:{mine}): someone may be impersonating you",
                    listed.as_deref().unwrap_or("none")
                );
            }
            let contacts = Contacts::open(&ctx.home, &profile.name)?;
            let old = contacts.get(&user)?;
            if let Some(o) = &old
                && o.key_fingerprint != theirs
            {
                eprintln!(
                    "warning: {user}'s key changed from SHA256:{} to SHA256:{theirs}",
                    o.key_fingerprint
                );
            }
            println!("{user}'s key: SHA256:{theirs}");
            println!("safety number for {me} and {user}:");
            println!("  {}", safety_number(&mine, &theirs));
            println!(
                "Compare it with {user} in person or by a call: both of you see the same number."
            );
            if !yes {
                if !std::io::stdin().is_terminal() {
                    return Err(usage("not confirmed")
                        .hint("pass --yes after comparing the safety number")
                        .into());
                }
                eprint!("Do the numbers match? [y/N] ");
                std::io::stderr().flush()?;
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    return Err(usage("not verified; the pinned key is unchanged").into());
                }
            }
            contacts.pin(&scs_keystore::contacts::Contact {
                name: user.clone(),
                key_fingerprint: theirs,
                certificate_pem: pem,
                pinned_at: now(),
                verified: true,
            })?;
            println!("{user}'s key is now verified");
        }
    }
    Ok(())
}

fn print_chat_line(v: &Verified) {
    let body = v
        .envelope
        .body_text()
        .unwrap_or_else(|| "(binary message: read it with `scs read`)".into());
    let t = time::OffsetDateTime::from_unix_timestamp(v.envelope.sent_at)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[hour]:[minute]:[second]"
            ))
            .ok()
        })
        .unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "[{t}] {}: {}",
        v.envelope.from,
        body.trim_end_matches('\n')
    );
    let _ = out.flush();
}

pub fn chat(ctx: &Ctx, args: ChatArgs) -> Result<()> {
    let peer = args.user;
    scs_api::validate_username(&peer).map_err(|e| usage(format!("invalid username: {e}")))?;
    let rt = runtime()?;
    let m = Messenger::open(ctx, &rt)?;
    let ca = m.root.clone();
    rt.block_on(async move {
        m.user_key(&peer).await?;
        let url = normalize_url(&m.profile.url)?;
        let tls = scs_client::tls::pinned(&ca, None)?;
        let mut events = Events::connect(&url, tls, &m.session.token).await?;
        // Messages that arrived while offline.
        let inbox = m.client.inbox(&m.session.token).await?;
        for meta in inbox.iter().filter(|x| x.sender == peer && !x.read) {
            let msg = m.client.message(&m.session.token, &meta.id).await?;
            match m.verify(&msg).await {
                Ok(v) => print_chat_line(&v),
                Err(e) => eprintln!("warning: message {} refused: {e:#}", meta.id),
            }
        }
        eprintln!("chatting with {peer}; type a line and press Enter (Ctrl-D to leave)");
        use tokio::io::AsyncBufReadExt;
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        loop {
            tokio::select! {
                line = lines.next_line() => {
                    match line.context("reading standard input")? {
                        Some(l) if l.trim().is_empty() => {}
                        Some(l) => {
                            m.send(std::slice::from_ref(&peer), l.as_bytes(), None).await?;
                        }
                        None => break,
                    }
                }
                ev = events.next() => {
                    match ev {
                        Some(Ok(Event::Message { message })) => {
                            if message.meta.sender == peer {
                                match m.verify(&message).await {
                                    Ok(v) => print_chat_line(&v),
                                    Err(e) => eprintln!("warning: message {} from {} refused: {e:#}", message.meta.id, message.meta.sender),
                                }
                            } else {
                                eprintln!("(new message from {}: `scs read {}`)", message.meta.sender, message.meta.id);
                            }
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => return Err(anyhow::Error::new(e)),
                        None => return Err(usage("the server closed the live channel").hint("`scs login` again if the session ended").into()),
                    }
                }
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        events.close().await;
        anyhow::Ok(())
    })
}

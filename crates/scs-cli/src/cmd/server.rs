//! `scs server`: set up and run the server, and administer its accounts on
//! the server host.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use scs_pki::RevocationReason;
use scs_server::admin;
use scs_server::{CaSource, InitOptions, RunOptions};

use crate::clock::when;
use crate::ctx::Ctx;

#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(subcommand)]
    cmd: ServerCmd,
}

#[derive(Debug, Args)]
struct DirArg {
    /// The server's data directory
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum ServerCmd {
    /// Create a data directory: config, CA, TLS certificate, database
    Init {
        #[command(flatten)]
        dir: DirArg,
        /// Host name or IP address clients use (repeat; default localhost and 127.0.0.1)
        #[arg(long = "host", value_name = "NAME")]
        hosts: Vec<String>,
        /// Address to listen on (default 127.0.0.1:8443)
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Adopt an existing scs CA directory instead of creating one
        #[arg(long, value_name = "CA_DIR")]
        ca_dir: Option<PathBuf>,
        /// Name of the CA to create
        #[arg(long, default_value = "scs CA")]
        ca_name: String,
        /// A PostgreSQL URL instead of the embedded SQLite database
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
    /// Serve (prints `listening on https://ADDR` when ready)
    Run {
        #[command(flatten)]
        dir: DirArg,
        /// Listen here instead of the configured address (port 0: any free port)
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Administer accounts (works while the server runs)
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Show the latest security events
    Audit {
        #[command(flatten)]
        dir: DirArg,
        /// How many events
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// List accounts
    List {
        #[command(flatten)]
        dir: DirArg,
        #[arg(long)]
        json: bool,
    },
    /// Lock an account (and end its sessions)
    Lock {
        name: String,
        #[command(flatten)]
        dir: DirArg,
    },
    /// Unlock an account (also lifts a lockout after failed logins)
    Unlock {
        name: String,
        #[command(flatten)]
        dir: DirArg,
    },
    /// Delete an account, its sessions and its mailbox
    Delete {
        name: String,
        #[command(flatten)]
        dir: DirArg,
    },
    /// Revoke the account's certificate (needs the CA passphrase)
    RevokeCert {
        name: String,
        #[command(flatten)]
        dir: DirArg,
        /// RFC 5280 reason
        #[arg(long, default_value = "keyCompromise")]
        reason: RevocationReason,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub fn run(ctx: &Ctx, args: ServerArgs) -> Result<()> {
    match args.cmd {
        ServerCmd::Init {
            dir,
            hosts,
            listen,
            ca_dir,
            ca_name,
            database_url,
        } => {
            let mut opts = InitOptions::default();
            if !hosts.is_empty() {
                opts.hosts = hosts;
            }
            opts.listen = listen;
            opts.database_url = database_url;
            opts.ca = match ca_dir {
                Some(d) => CaSource::Adopt(d),
                None => match opts.ca {
                    CaSource::Create {
                        key_kind,
                        days,
                        intermediate,
                        ..
                    } => CaSource::Create {
                        name: ca_name,
                        key_kind,
                        days,
                        intermediate,
                    },
                    other => other,
                },
            };
            let adopting = matches!(opts.ca, CaSource::Adopt(_));
            let pass = if adopting {
                ctx.secrets.get("the CA key")?
            } else {
                ctx.secrets.choose("the new CA key")?
            };
            let report = scs_server::init(&dir.dir, &opts, &pass)?;
            println!("initialised {}", report.dir.display());
            println!("config:   {}", report.config_path.display());
            println!(
                "CA:       {} ({})",
                report.ca_dir.display(),
                if report.ca_created {
                    "created"
                } else {
                    "adopted"
                }
            );
            println!("CA fingerprint SHA256:{}", report.ca_fingerprint);
            println!("  give this fingerprint to users: `scs connect` shows it before pinning");
            println!("hosts:    {}", report.hosts.join(", "));
            println!("listen:   {}", report.listen);
            println!(
                "start it with: scs server run --dir {}",
                report.dir.display()
            );
        }
        ServerCmd::Run { dir, listen } => {
            init_logging();
            let pass = ctx.secrets.get("the CA key")?;
            let mut opts = RunOptions::new(pass);
            if let Some(l) = listen {
                opts = opts.listen(l);
            }
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(scs_server::run(&dir.dir, opts, |addr| {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "listening on https://{addr}");
                let _ = out.flush();
            }))?;
        }
        ServerCmd::User { cmd } => match cmd {
            UserCmd::List { dir, json } => {
                let users = admin::list_users(&dir.dir)?;
                if json {
                    let v: Vec<serde_json::Value> = users
                        .iter()
                        .map(|u| {
                            serde_json::json!({
                                "username": u.username,
                                "created_at": u.created_at,
                                "locked": u.locked,
                                "throttled_until": u.throttled_until,
                                "certificate_serial": u.certificate_serial,
                                "key_fingerprint": u.key_fingerprint,
                                "certificate_revoked": u.certificate_revoked,
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&v)?);
                } else {
                    println!(
                        "{:<32} {:<20} {:<10} CERTIFICATE",
                        "USER", "REGISTERED", "STATE"
                    );
                    for u in &users {
                        let state = if u.locked {
                            "locked"
                        } else if u.throttled_until.is_some() {
                            "throttled"
                        } else {
                            "active"
                        };
                        println!(
                            "{:<32} {:<20} {:<10} {}{}",
                            u.username,
                            when(u.created_at),
                            state,
                            u.certificate_serial.as_deref().unwrap_or("-"),
                            if u.certificate_revoked {
                                " (revoked)"
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
            UserCmd::Lock { name, dir } => {
                admin::lock(&dir.dir, &name)?;
                println!("locked {name}; their sessions are ended");
            }
            UserCmd::Unlock { name, dir } => {
                admin::unlock(&dir.dir, &name)?;
                println!("unlocked {name}");
            }
            UserCmd::Delete { name, dir } => {
                admin::delete(&dir.dir, &name)?;
                println!("deleted {name}");
            }
            UserCmd::RevokeCert { name, dir, reason } => {
                let pass = ctx.secrets.get("the CA key")?;
                let serial = admin::revoke_cert(&dir.dir, &name, reason, &pass)?;
                println!("revoked certificate {serial} of {name} ({})", reason.name());
            }
        },
        ServerCmd::Audit { dir, limit, json } => {
            let records = admin::audit_log(&dir.dir, limit)?;
            if json {
                let v: Vec<serde_json::Value> = records
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id, "ts": r.ts, "event": r.event, "username": r.username,
                            "source": r.source, "detail": r.detail,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for r in &records {
                    println!(
                        "{} {:<22} {:<20} {:<22} {}",
                        when(r.ts),
                        r.event,
                        r.username.as_deref().unwrap_or("-"),
                        r.source.as_deref().unwrap_or("-"),
                        r.detail.as_deref().unwrap_or("")
                    );
                }
            }
        }
    }
    Ok(())
}

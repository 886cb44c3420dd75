//! What every command may need: the home directory, the keystore, the
//! secret sources and the selected server profile.

use std::path::PathBuf;

use anyhow::Result;
use scs_keystore::Keystore;

use crate::pass;

#[derive(Debug)]
pub struct Ctx {
    pub home: PathBuf,
    pub secrets: pass::Source,
    /// `--server NAME`: the server profile to use instead of the current one.
    pub server: Option<String>,
}

impl Ctx {
    pub fn new(
        home: Option<PathBuf>,
        secrets: pass::Source,
        server: Option<String>,
    ) -> Result<Self> {
        let home = match home {
            Some(h) => h,
            None => scs_keystore::default_home()?,
        };
        Ok(Self {
            home,
            secrets,
            server,
        })
    }

    /// The keystore (created on first use).
    pub fn keystore(&self) -> Result<Keystore> {
        Ok(Keystore::open(&self.home)?)
    }

    /// The saved server profiles.
    pub fn profiles(&self) -> Result<scs_client::profile::ProfileStore> {
        Ok(scs_client::profile::ProfileStore::open(&self.home)?)
    }
}

/// Runs a future on a single-threaded runtime (network commands).
pub fn block_on<F: std::future::Future>(f: F) -> Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(f))
}

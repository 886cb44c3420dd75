//! What every command may need: the home directory, the keystore and the
//! passphrase sources.

use std::path::PathBuf;

use anyhow::Result;
use scs_keystore::Keystore;

use crate::pass;

#[derive(Debug)]
pub struct Ctx {
    pub home: PathBuf,
    pub secrets: pass::Source,
}

impl Ctx {
    pub fn new(home: Option<PathBuf>, secrets: pass::Source) -> Result<Self> {
        let home = match home {
            Some(h) => h,
            None => scs_keystore::default_home()?,
        };
        Ok(Self { home, secrets })
    }

    /// The keystore (created on first use).
    pub fn keystore(&self) -> Result<Keystore> {
        Ok(Keystore::open(&self.home)?)
    }
}

//! Argon2id hashing and verification off the async threads, a bounded
//! number at a time, so that memory stays bounded under load (each one
//! takes `argon2_m_kib`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use scs_crypto::Passphrase;
use scs_crypto::kdf::{
    Argon2Memory, Argon2Params, argon2id_hash_password, argon2id_hash_password_with,
    argon2id_params_of, argon2id_verify_password_with,
};
use tokio::sync::Semaphore;

use crate::metrics::Metrics;
use crate::{Error, Result};

pub(crate) struct PasswordHasher {
    permits: Arc<Semaphore>,
    params: Argon2Params,
    /// A hash of a random password with the configured parameters: what an
    /// unknown username is verified against, so that it costs the same.
    dummy: Arc<str>,
    /// Working memory, at most one per permit, reused by every hash: a
    /// fresh `argon2_m_kib` for each one fragments the heap and lets the
    /// server's memory grow to many times `m × concurrency`.
    memory: Arc<Mutex<Vec<Argon2Memory>>>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// `concurrency` 0 means one per CPU. Computes the dummy hash (blocking).
    pub(crate) fn new(params: Argon2Params, concurrency: usize) -> Result<Self> {
        let n = if concurrency == 0 {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        } else {
            concurrency
        };
        let random = hex::encode(scs_crypto::rand::array::<32>()?);
        let dummy = argon2id_hash_password(&Passphrase::new(random), params)?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(n)),
            params,
            dummy: dummy.into(),
            memory: Arc::new(Mutex::new(Vec::new())),
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        metrics: &Metrics,
        f: impl FnOnce(&mut Argon2Memory) -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Invalid("the server is shutting down".into()))?;
        let start = Instant::now();
        let pool = self.memory.clone();
        let out = tokio::task::spawn_blocking(move || {
            let mut memory = pool
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()
                .unwrap_or_default();
            let out = f(&mut memory);
            pool.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(memory);
            out
        })
        .await
        .map_err(|_| Error::Invalid("password hashing failed".into()))?;
        metrics.argon2(start.elapsed());
        Ok(out)
    }

    /// A PHC string for a new password.
    pub(crate) async fn hash(&self, metrics: &Metrics, password: Passphrase) -> Result<String> {
        let params = self.params;
        self.blocking(metrics, move |memory| {
            argon2id_hash_password_with(&password, params, memory)
        })
        .await?
        .map_err(Into::into)
    }

    /// Whether `password` matches `phc`. With `None` (no such user) the
    /// dummy hash is verified instead and the answer is `false`: the same
    /// work, the same outcome as a wrong password.
    pub(crate) async fn verify(
        &self,
        metrics: &Metrics,
        phc: Option<&str>,
        password: Passphrase,
    ) -> Result<bool> {
        let known = phc.is_some();
        let phc: Arc<str> = phc.map_or_else(|| self.dummy.clone(), Arc::from);
        let ok = self
            .blocking(metrics, move |memory| {
                match argon2id_verify_password_with(&phc, &password, memory) {
                    Ok(()) => true,
                    Err(scs_crypto::Error::WrongPassphrase) => false,
                    Err(e) => {
                        tracing::error!("a stored password hash is unusable: {e}");
                        false
                    }
                }
            })
            .await?;
        Ok(known && ok)
    }

    /// Whether a stored hash was made with other parameters than the
    /// configured ones (and should be replaced at the next login).
    pub(crate) fn needs_rehash(&self, phc: &str) -> bool {
        argon2id_params_of(phc).map_or(true, |p| p != self.params)
    }
}

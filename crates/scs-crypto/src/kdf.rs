//! Key derivation: HKDF-SHA256, PBKDF2-HMAC-SHA256 and Argon2id.

use core::num::NonZeroU32;

use argon2::password_hash::{PasswordHash, SaltString};
use aws_lc_rs::{hkdf, pbkdf2};

use crate::{Error, Passphrase, Result};

/// Largest HKDF-SHA256 output (255 blocks of 32 bytes).
pub const HKDF_SHA256_MAX: usize = 255 * 32;

struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` into `out`.
pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) -> Result<()> {
    if out.is_empty() || out.len() > HKDF_SHA256_MAX {
        return Err(Error::Unsupported(format!(
            "HKDF-SHA256 output length {} (1 to {HKDF_SHA256_MAX})",
            out.len()
        )));
    }
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let info = [info];
    let okm = prk
        .expand(&info, Len(out.len()))
        .map_err(|_| Error::Internal("hkdf expand"))?;
    okm.fill(out).map_err(|_| Error::Internal("hkdf fill"))
}

/// PBKDF2-HMAC-SHA256 into `out`.
pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) -> Result<()> {
    pbkdf2_with(pbkdf2::PBKDF2_HMAC_SHA256, password, salt, iterations, out)
}

/// The PRFs PBKDF2 may use when opening keys made elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pbkdf2Prf {
    HmacSha1,
    HmacSha256,
    HmacSha384,
    HmacSha512,
}

/// PBKDF2 with a chosen PRF (SHA-1 only for reading legacy key files).
pub fn pbkdf2(
    prf: Pbkdf2Prf,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<()> {
    let alg = match prf {
        Pbkdf2Prf::HmacSha1 => pbkdf2::PBKDF2_HMAC_SHA1,
        Pbkdf2Prf::HmacSha256 => pbkdf2::PBKDF2_HMAC_SHA256,
        Pbkdf2Prf::HmacSha384 => pbkdf2::PBKDF2_HMAC_SHA384,
        Pbkdf2Prf::HmacSha512 => pbkdf2::PBKDF2_HMAC_SHA512,
    };
    pbkdf2_with(alg, password, salt, iterations, out)
}

fn pbkdf2_with(
    alg: pbkdf2::Algorithm,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<()> {
    let iter = NonZeroU32::new(iterations)
        .ok_or_else(|| Error::Unsupported("PBKDF2 iteration count 0".into()))?;
    if out.is_empty() {
        return Err(Error::Unsupported("empty PBKDF2 output".into()));
    }
    pbkdf2::derive(alg, iter, salt, password, out);
    Ok(())
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Argon2Params {
    /// OWASP's first recommendation for password storage: 19 MiB, t=2, p=1.
    pub const OWASP: Argon2Params = Argon2Params {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };
    /// For sealing files to a passphrase (RFC 9106's second recommendation,
    /// 64 MiB, t=3, p=4): an attacker with the file can try guesses offline.
    pub const INTERACTIVE: Argon2Params = Argon2Params {
        m_kib: 64 * 1024,
        t: 3,
        p: 4,
    };
    /// Upper bounds accepted from untrusted input (a file header, a hash
    /// string), so that a hostile file cannot make us allocate or spin forever.
    pub const MAX_M_KIB: u32 = 4 * 1024 * 1024;
    pub const MAX_T: u32 = 64;
    pub const MAX_P: u32 = 64;

    /// Rejects values outside the accepted bounds.
    pub fn check(&self) -> Result<()> {
        // Bound p before using it in arithmetic: the values may be hostile.
        if self.p == 0
            || self.p > Self::MAX_P
            || self.t == 0
            || self.t > Self::MAX_T
            || self.m_kib > Self::MAX_M_KIB
            || u64::from(self.m_kib) < 8 * u64::from(self.p)
        {
            return Err(Error::Unsupported(format!(
                "Argon2id parameters m={} KiB t={} p={}",
                self.m_kib, self.t, self.p
            )));
        }
        Ok(())
    }

    fn to_argon2(self, out_len: Option<usize>) -> Result<argon2::Params> {
        self.check()?;
        argon2::Params::new(self.m_kib, self.t, self.p, out_len)
            .map_err(|e| Error::Unsupported(format!("Argon2id parameters: {e}")))
    }
}

/// Raw Argon2id (RFC 9106) with optional secret and associated data, into `out`.
pub fn argon2id_raw(
    password: &[u8],
    salt: &[u8],
    params: Argon2Params,
    secret: Option<&[u8]>,
    associated_data: Option<&[u8]>,
    out: &mut [u8],
) -> Result<()> {
    params.check()?;
    let mut b = argon2::ParamsBuilder::new();
    b.m_cost(params.m_kib)
        .t_cost(params.t)
        .p_cost(params.p)
        .output_len(out.len());
    if let Some(ad) = associated_data {
        b.data(
            argon2::AssociatedData::new(ad)
                .map_err(|e| Error::Unsupported(format!("Argon2 associated data: {e}")))?,
        );
    }
    let p = b
        .build()
        .map_err(|e| Error::Unsupported(format!("Argon2id parameters: {e}")))?;
    let a = match secret {
        Some(s) => argon2::Argon2::new_with_secret(
            s,
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            p,
        )
        .map_err(|e| Error::Unsupported(format!("Argon2 secret: {e}")))?,
        None => argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p),
    };
    a.hash_password_into(password, salt, out)
        .map_err(|e| Error::Unsupported(format!("Argon2id: {e}")))
}

/// Derives a 256-bit key from a passphrase with Argon2id.
pub fn argon2id_key(
    passphrase: &Passphrase,
    salt: &[u8],
    params: Argon2Params,
) -> Result<crate::secret::Key256> {
    let mut out = [0u8; 32];
    let r = argon2id_raw(
        passphrase.expose().as_bytes(),
        salt,
        params,
        None,
        None,
        &mut out,
    );
    let key = crate::secret::Key256::from_bytes(out);
    zeroize::Zeroize::zeroize(&mut out);
    r.map(|()| key)
}

/// Hashes a password for storage as an Argon2id PHC string
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a random 16-byte salt.
pub fn argon2id_hash_password(password: &Passphrase, params: Argon2Params) -> Result<String> {
    argon2id_hash_password_with(password, params, &mut Argon2Memory::new())
}

/// Verifies `password` against a PHC string made by [`argon2id_hash_password`].
///
/// Only Argon2id strings within the parameter bounds are accepted.
pub fn argon2id_verify_password(phc: &str, password: &Passphrase) -> Result<()> {
    argon2id_verify_password_with(phc, password, &mut Argon2Memory::new())
}

/// Parses an Argon2id PHC string and checks its parameters' bounds.
fn parse_phc(phc: &str) -> Result<(PasswordHash<'_>, argon2::Params)> {
    let hash = PasswordHash::new(phc).map_err(|e| Error::malformed("password hash", e))?;
    if hash.algorithm != argon2::Algorithm::Argon2id.ident() {
        return Err(Error::Unsupported(format!(
            "password hash algorithm {}",
            hash.algorithm
        )));
    }
    let params =
        argon2::Params::try_from(&hash).map_err(|e| Error::malformed("password hash", e))?;
    Argon2Params {
        m_kib: params.m_cost(),
        t: params.t_cost(),
        p: params.p_cost(),
    }
    .check()?;
    Ok((hash, params))
}

/// Working memory for Argon2id password hashing, kept between uses.
///
/// A computation needs `m_kib` KiB. A server that allocates that much for
/// every login leaves its allocator's heap fragmented: freed buffers that
/// small allocations have cut into stay resident, and memory grows to many
/// times `m × concurrency`. One `Argon2Memory` per concurrent computation,
/// reused, keeps it at that. The memory is wiped when dropped.
#[derive(Default)]
pub struct Argon2Memory {
    blocks: Vec<argon2::Block>,
}

impl std::fmt::Debug for Argon2Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Argon2Memory({} KiB)", self.blocks.len())
    }
}

impl Argon2Memory {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn blocks(&mut self, params: &argon2::Params) -> &mut [argon2::Block] {
        let n = params.block_count();
        if self.blocks.len() < n {
            self.blocks.resize(n, argon2::Block::default());
        }
        &mut self.blocks[..n]
    }
}

impl Drop for Argon2Memory {
    fn drop(&mut self) {
        for b in &mut self.blocks {
            zeroize::Zeroize::zeroize(b);
        }
    }
}

/// [`argon2id_hash_password`] in reused working memory.
pub fn argon2id_hash_password_with(
    password: &Passphrase,
    params: Argon2Params,
    memory: &mut Argon2Memory,
) -> Result<String> {
    let salt_bytes: [u8; 16] = crate::rand::array()?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| Error::Unsupported(format!("salt: {e}")))?;
    let p = params.to_argon2(None)?;
    let a = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        p.clone(),
    );
    let blocks = memory.blocks(&p);
    let output =
        argon2::password_hash::Output::init_with(argon2::Params::DEFAULT_OUTPUT_LEN, |out| {
            a.hash_password_into_with_memory(
                password.expose().as_bytes(),
                &salt_bytes,
                out,
                &mut *blocks,
            )
            .map_err(Into::into)
        })
        .map_err(|e| Error::Unsupported(format!("Argon2id: {e}")))?;
    let params_string = argon2::password_hash::ParamsString::try_from(&p)
        .map_err(|e| Error::Unsupported(format!("Argon2id: {e}")))?;
    Ok(PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: params_string,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

/// [`argon2id_verify_password`] in reused working memory.
pub fn argon2id_verify_password_with(
    phc: &str,
    password: &Passphrase,
    memory: &mut Argon2Memory,
) -> Result<()> {
    let (hash, params) = parse_phc(phc)?;
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return Err(Error::malformed("password hash", "no salt or no hash"));
    };
    let version = hash
        .version
        .map(argon2::Version::try_from)
        .transpose()
        .map_err(|e| Error::malformed("password hash", e))?
        .unwrap_or_default();
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_buf)
        .map_err(|e| Error::malformed("password hash", e))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, version, params.clone());
    let blocks = memory.blocks(&params);
    let computed = argon2::password_hash::Output::init_with(expected.len(), |out| {
        a.hash_password_into_with_memory(
            password.expose().as_bytes(),
            salt_bytes,
            out,
            &mut *blocks,
        )
        .map_err(Into::into)
    })
    .map_err(|_| Error::WrongPassphrase)?;
    // `Output`'s equality is constant-time.
    if computed == expected {
        Ok(())
    } else {
        Err(Error::WrongPassphrase)
    }
}

/// Parameters of a PHC string, to tell whether it should be re-hashed.
pub fn argon2id_params_of(phc: &str) -> Result<Argon2Params> {
    let (_, p) = parse_phc(phc)?;
    Ok(Argon2Params {
        m_kib: p.m_cost(),
        t: p.t_cost(),
        p: p.p_cost(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phc_round_trip() {
        let small = Argon2Params {
            m_kib: 64,
            t: 1,
            p: 1,
        };
        let pw = Passphrase::from("correct horse");
        let phc = argon2id_hash_password(&pw, small).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        argon2id_verify_password(&phc, &pw).unwrap();
        assert!(matches!(
            argon2id_verify_password(&phc, &Passphrase::from("wrong")),
            Err(Error::WrongPassphrase)
        ));
        assert_eq!(argon2id_params_of(&phc).unwrap(), small);
        // Interoperable with the argon2 crate's own PHC hashing.
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let theirs = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            small.to_argon2(None).unwrap(),
        )
        .hash_password(
            b"correct horse",
            &SaltString::encode_b64(&[7u8; 16]).unwrap(),
        )
        .unwrap()
        .to_string();
        argon2id_verify_password(&theirs, &pw).unwrap();
        let ours = PasswordHash::new(&phc).unwrap();
        argon2::Argon2::default()
            .verify_password(b"correct horse", &ours)
            .unwrap();
    }

    #[test]
    fn reused_memory_gives_the_same_hashes() {
        let small = Argon2Params {
            m_kib: 64,
            t: 1,
            p: 1,
        };
        let pw = Passphrase::from("correct horse");
        let mut mem = Argon2Memory::new();
        let phc = argon2id_hash_password_with(&pw, small, &mut mem).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        // Each way verifies the other's hashes, with the memory reused and
        // grown for larger parameters.
        argon2id_verify_password(&phc, &pw).unwrap();
        argon2id_verify_password_with(&phc, &pw, &mut mem).unwrap();
        let bigger = argon2id_hash_password(
            &pw,
            Argon2Params {
                m_kib: 256,
                t: 2,
                p: 2,
            },
        )
        .unwrap();
        argon2id_verify_password_with(&bigger, &pw, &mut mem).unwrap();
        argon2id_verify_password_with(&phc, &pw, &mut mem).unwrap();
        assert!(matches!(
            argon2id_verify_password_with(&bigger, &Passphrase::from("wrong"), &mut mem),
            Err(Error::WrongPassphrase)
        ));
        let huge = "$argon2id$v=19$m=999999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
        assert!(argon2id_verify_password_with(huge, &pw, &mut mem).is_err());
    }

    #[test]
    fn hostile_parameters_are_refused() {
        let huge = "$argon2id$v=19$m=999999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
        assert!(argon2id_verify_password(huge, &Passphrase::from("x")).is_err());
        let mut out = [0u8; 32];
        let overflow = Argon2Params {
            m_kib: 64,
            t: 1,
            p: u32::MAX,
        };
        assert!(overflow.check().is_err());
        assert!(hkdf_sha256(b"", b"k", b"", &mut [0u8; HKDF_SHA256_MAX + 1]).is_err());
        assert!(pbkdf2_sha256(b"p", b"s", 0, &mut out).is_err());
    }
}

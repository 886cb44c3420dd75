//! The system CSPRNG, through aws-lc.

use crate::{Error, Result};

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) -> Result<()> {
    aws_lc_rs::rand::fill(buf).map_err(|_| Error::Internal("random generator"))
}

/// `N` random bytes.
pub fn array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}

/// `len` random bytes.
pub fn vec(len: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; len];
    fill(&mut out)?;
    Ok(out)
}

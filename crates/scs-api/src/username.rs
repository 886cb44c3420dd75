//! Username rules, enforced by both the client and the server.

/// Shortest and longest usernames.
pub const MIN_LEN: usize = 3;
pub const MAX_LEN: usize = 32;

/// Why a username is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsernameError {
    Length,
    Characters,
    Start,
}

impl std::fmt::Display for UsernameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UsernameError::Length => "a username has 3 to 32 characters",
            UsernameError::Characters => {
                "a username uses only lowercase letters, digits, '.', '_' and '-'"
            }
            UsernameError::Start => "a username starts with a lowercase letter or a digit",
        })
    }
}

impl std::error::Error for UsernameError {}

/// Usernames are 3–32 characters of `a–z 0–9 . _ -`, starting with a letter
/// or digit: safe in paths, URLs, SQL, logs and certificate names.
pub fn validate_username(name: &str) -> Result<(), UsernameError> {
    if name.len() < MIN_LEN || name.len() > MAX_LEN {
        return Err(UsernameError::Length);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(UsernameError::Characters);
    }
    if !name.as_bytes()[0].is_ascii_alphanumeric() {
        return Err(UsernameError::Start);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        for ok in ["alice", "bob.smith", "u_1", "007", "a-b"] {
            assert!(validate_username(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(10_000);
        for bad in [
            "",
            "ab",
            "Alice",
            "a/b",
            "../etc",
            "a\\b",
            "a\nb",
            "a\0b",
            "x' OR '1'='1",
            "robert'); DROP TABLE users;--",
            ".hidden",
            "-x",
            "ünï",
            long.as_str(),
        ] {
            assert!(validate_username(bad).is_err(), "{bad:?}");
        }
    }
}

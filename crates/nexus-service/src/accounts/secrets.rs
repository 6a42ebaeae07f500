//! Random secrets (session ids, CSRF tokens, API tokens) and the digests they are stored and
//! cached under. They are 256-bit random values, so SHA-256 without salt suffices: there is
//! nothing to guess from the digest.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// The prefix that makes a personal token recognisable (in logs, in secret scanners).
pub const TOKEN_PREFIX: &str = "nexus_";

/// 32 random bytes, base64url without padding (43 characters).
pub fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new personal API token.
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random())
}

/// The digest a secret is stored and cached under.
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Compares in constant time, so a secret cannot be guessed byte by byte from timings.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_distinct() {
        let (a, b) = (random(), random());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(new_token().starts_with("nexus_"));
        assert_eq!(digest("x"), digest("x"));
        assert_ne!(digest("x"), digest("y"));
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
    }
}

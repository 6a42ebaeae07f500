//! Passwords: the rules a new one must meet, and argon2id hashing (RustCrypto `argon2`, its
//! default parameters: 19 MiB, 2 passes, as OWASP recommends).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore as _;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 12;

/// Passwords of twelve characters or more that lists of leaked passwords show people choose
/// most (lower case; compared without case).
const COMMON: &str = include_str!("common-passwords.txt");

/// Why a new password is refused, in a sentence for the person choosing it.
pub fn problem(password: &str, email: &str) -> Option<String> {
    let lower = password.to_lowercase();
    if password.chars().count() < MIN_LENGTH {
        return Some(format!("the password must have at least {MIN_LENGTH} characters"));
    }
    if COMMON.lines().any(|c| c.trim() == lower) {
        return Some("the password is on the list of the most common passwords; choose another".into());
    }
    let first = lower.chars().next().unwrap_or_default();
    if lower.chars().all(|c| c == first) {
        return Some("the password repeats one character; choose another".into());
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if lower == email.to_lowercase() || (local.len() >= 4 && lower.contains(&local)) {
        return Some("the password must not contain the email address".into());
    }
    None
}

/// The PHC string (`$argon2id$v=19$…`) of `password` with a fresh salt.
///
/// # Errors
/// Never in practice (argon2 refuses only absurd inputs); reported as a message.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches `phc`; false for a malformed hash.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when there is no account, so that "no such user" takes as long
/// as "wrong password" and timings do not tell which emails exist.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    // Random per process: a known decoy password would open every account without one.
    DECOY.get_or_init(|| hash(&super::secrets::random()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("x", "not a hash"));
        assert_ne!(hash("correct horse battery").unwrap(), h, "salted");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        assert!(problem("short", "a@b.org").unwrap().contains("12 characters"));
        assert!(problem("Password1234", "a@b.org").unwrap().contains("common"));
        assert!(problem("aaaaaaaaaaaaaa", "a@b.org").unwrap().contains("repeats"));
        assert!(problem("somchai.p-2026!", "somchai.p@cmcity.go.th").unwrap().contains("email"));
        assert_eq!(problem("Mae Kha flows again 2026", "a@b.org"), None);
    }
}

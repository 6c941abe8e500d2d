//! Password hashing with argon2id (OWASP's parameters), off the async
//! executor and with bounded concurrency, so a burst of logins cannot take
//! every core. An unknown login is verified against a dummy hash, so the time
//! taken says nothing about whether the account exists.

use std::sync::{Condvar, Mutex};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::Argon2;
use rand::RngCore;

/// Hashes and checks passwords, at most one at a time per core. The use
/// cases call it on their blocking thread.
pub struct Passwords {
    free: Mutex<usize>,
    freed: Condvar,
    dummy_hash: String,
}

fn hash_now(password: &[u8]) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hash: {e}"))
}

fn verify_now(password: &[u8], hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password, &parsed).is_ok(),
        Err(_) => false,
    }
}

impl Passwords {
    pub fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let mut random = [0u8; 32];
        rand::rng().fill_bytes(&mut random);
        Ok(Self {
            free: Mutex::new(cores),
            freed: Condvar::new(),
            dummy_hash: hash_now(&random)?,
        })
    }

    /// Runs `f` once a core is free for it.
    fn bounded<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
            while *free == 0 {
                free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
            }
            *free -= 1;
        }
        let out = f();
        *self.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.freed.notify_one();
        out
    }

    pub fn hash(&self, password: &str) -> anyhow::Result<String> {
        self.bounded(|| hash_now(password.as_bytes()))
    }

    /// Checks `password` against `hash`; with no hash (no such account) the
    /// same work is done against a dummy and the answer is false.
    pub fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy_hash);
        let ok = self.bounded(|| verify_now(password.as_bytes(), hash));
        known && ok
    }

    /// A hash no password matches, for erased accounts.
    pub fn unusable_hash() -> String {
        let mut random = [0u8; 32];
        rand::rng().fill_bytes(&mut random);
        format!("!erased:{}", hex::encode(random))
    }

    /// Hashes at once, for the command line, the demo and the tests.
    pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
        hash_now(password.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hash = hash_now(b"correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_now(b"correct horse battery", &hash));
        assert!(!verify_now(b"wrong horse battery", &hash));
        assert!(!verify_now(b"anything", &Passwords::unusable_hash()));
    }
}

//! Password hashing with argon2id (OWASP's parameters), off the async
//! executor and with bounded concurrency, so a burst of logins cannot take
//! every core. An unknown login is verified against a dummy hash, so the time
//! taken says nothing about whether the account exists.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::Argon2;
use rand::RngCore;
use tokio::sync::Semaphore;

use crate::web::AppError;

pub struct Passwords {
    permits: Arc<Semaphore>,
    dummy_hash: String,
}

fn hash_now(password: &[u8]) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("argon2 hash: {e}")))
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
        let dummy_hash = hash_now(&random).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash,
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let password = password.as_bytes().to_vec();
        actix_web::web::block(move || hash_now(&password))
            .await
            .map_err(AppError::internal)?
    }

    /// Checks `password` against `hash`; with no hash (no such account) the
    /// same work is done against a dummy and the answer is false.
    pub async fn verify(&self, password: &str, hash: Option<String>) -> Result<bool, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let password = password.as_bytes().to_vec();
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.clone());
        let ok = actix_web::web::block(move || verify_now(&password, &hash))
            .await
            .map_err(AppError::internal)?;
        Ok(known && ok)
    }

    /// A hash no password matches, for erased accounts.
    pub fn unusable_hash() -> String {
        let mut random = [0u8; 32];
        rand::rng().fill_bytes(&mut random);
        format!("!erased:{}", hex::encode(random))
    }

    /// Hashes on the calling thread, for the command line and the demo.
    pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
        hash_now(password.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))
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

//! Password hashing with Argon2id (PHC string format, random salt per user).
//! Hashing is CPU- and memory-heavy by design, so it runs on actix's blocking
//! pool, never on an arbiter thread.

use anyhow::Context as _;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Hashes and verifies passwords with the configured Argon2id cost.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password, verified against when an email is unknown
    /// so a login takes as long whether or not the account exists.
    decoy: String,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32) -> anyhow::Result<Self> {
        let params = Params::new(memory_kib, iterations, 1, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let mut hasher = Self { params, decoy: String::new() };
        hasher.decoy = hasher.hash_now(&super::secret::random_token())?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_now(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("failed to hash a password: {e}"))
    }

    /// Hashes a password on the blocking pool.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let hasher = self.clone();
        actix_web::web::block(move || hasher.hash_now(&password))
            .await
            .context("the password hashing pool is gone")?
    }

    /// Checks a password against a stored hash (or against the decoy when the
    /// account does not exist) on the blocking pool.
    pub async fn verify(&self, password: String, stored: Option<String>) -> anyhow::Result<bool> {
        let hasher = self.clone();
        actix_web::web::block(move || {
            let exists = stored.is_some();
            let hash = stored.unwrap_or_else(|| hasher.decoy.clone());
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| anyhow::anyhow!("stored password hash is unreadable: {e}"))?;
            let matches = hasher.argon2().verify_password(password.as_bytes(), &parsed).is_ok();
            Ok(exists && matches)
        })
        .await
        .context("the password hashing pool is gone")?
    }
}

//! The `token` table: bearer tokens, stored only as SHA-256 hashes so a copy of
//! the database cannot be used to sign in.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use surrealdb::types::SurrealValue;

use super::{Store, user_record};

#[derive(SurrealValue)]
struct Owner {
    owner: String,
}

impl Store {
    /// Stores a token hash for `user_id`, valid until `expires_at`.
    #[tracing::instrument(skip_all)]
    pub async fn create_token(
        &self,
        user_id: &str,
        hash: &str,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.db()
            .query(
                "CREATE token SET owner = $user, hash = $hash, \
                 created_at = time::now(), expires_at = $expires_at",
            )
            .bind(("user", user_record(user_id)))
            .bind(("hash", hash.to_owned()))
            .bind(("expires_at", expires_at))
            .await
            .and_then(|r| r.check())
            .context("failed to store a token")?;
        Ok(())
    }

    /// The owner of an unexpired token with this hash.
    #[tracing::instrument(skip_all)]
    pub async fn token_owner(&self, hash: &str) -> anyhow::Result<Option<String>> {
        let rows: Vec<Owner> = self
            .db()
            .query(
                "SELECT record::id(owner) AS owner FROM token \
                 WHERE hash = $hash AND expires_at > time::now() LIMIT 1",
            )
            .bind(("hash", hash.to_owned()))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to look up a token")?;
        Ok(rows.into_iter().next().map(|o| o.owner))
    }

    /// Revokes one token and every ticket it minted, in one transaction.
    /// (Its open sockets are the Hub's to close: see `auth::revoke`.)
    #[tracing::instrument(skip_all)]
    pub async fn delete_token(&self, hash: &str) -> anyhow::Result<()> {
        self.db()
            .query(
                "BEGIN TRANSACTION;
                 DELETE ticket WHERE token = $hash;
                 DELETE token WHERE hash = $hash;
                 COMMIT TRANSACTION;",
            )
            .bind(("hash", hash.to_owned()))
            .await
            .and_then(|r| r.check())
            .context("failed to revoke a token")?;
        Ok(())
    }

    /// Removes expired tokens and tickets; returns nothing, run periodically.
    #[tracing::instrument(skip_all)]
    pub async fn purge_expired_credentials(&self) -> anyhow::Result<()> {
        self.db()
            .query(
                "DELETE token WHERE expires_at <= time::now();
                 DELETE ticket WHERE expires_at <= time::now();",
            )
            .await
            .and_then(|r| r.check())
            .context("failed to purge expired credentials")?;
        Ok(())
    }
}

//! The `ticket` table: single-use, short-lived WebSocket credentials for
//! browsers (which cannot put a bearer token on an upgrade request). Stored as
//! hashes; consuming one deletes it, so it works once. Each records the hash of
//! the token that minted it: revoking the token deletes its tickets, and a
//! socket opened with one closes when that token is revoked.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use surrealdb::types::SurrealValue;

use super::{Store, user_record};

#[derive(SurrealValue)]
struct Consumed {
    owner: String,
    /// Absent on tickets minted before tickets recorded their token.
    token: Option<String>,
    expires_at: DateTime<Utc>,
}

/// A ticket that was valid when consumed.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub owner: String,
    /// Hash of the token that minted it.
    pub token_hash: String,
}

impl Store {
    /// Stores a ticket hash for `user_id`, minted with the token whose hash is
    /// `token_hash`, valid until `expires_at`.
    #[tracing::instrument(skip_all)]
    pub async fn create_ticket(
        &self,
        user_id: &str,
        token_hash: &str,
        hash: &str,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.db()
            .query(
                "CREATE ticket SET owner = $user, token = $minter, hash = $hash, \
                 expires_at = $expires_at",
            )
            .bind(("user", user_record(user_id)))
            // `$token` is one of SurrealDB's protected parameters.
            .bind(("minter", token_hash.to_owned()))
            .bind(("hash", hash.to_owned()))
            .bind(("expires_at", expires_at))
            .await
            .and_then(|r| r.check())
            .context("failed to store a ticket")?;
        Ok(())
    }

    /// Deletes the ticket and returns it if it had not expired. (Whether its
    /// token is still valid is the caller's check.)
    #[tracing::instrument(skip_all)]
    pub async fn consume_ticket(&self, hash: &str) -> anyhow::Result<Option<Ticket>> {
        let rows: Vec<Consumed> = self
            .db()
            .query(
                "SELECT record::id(owner) AS owner, token, expires_at FROM \
                 (DELETE ticket WHERE hash = $hash RETURN BEFORE)",
            )
            .bind(("hash", hash.to_owned()))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to consume a ticket")?;
        let ticket = rows.into_iter().next().filter(|t| t.expires_at > Utc::now());
        Ok(ticket.and_then(|t| Some(Ticket { owner: t.owner, token_hash: t.token? })))
    }
}

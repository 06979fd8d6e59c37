//! The `ticket` table: single-use, short-lived WebSocket credentials for
//! browsers (which cannot put a bearer token on an upgrade request). Stored as
//! hashes; consuming one deletes it, so it works once.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use surrealdb::types::SurrealValue;

use super::{Store, user_record};

#[derive(SurrealValue)]
struct Consumed {
    owner: String,
    expires_at: DateTime<Utc>,
}

impl Store {
    /// Stores a ticket hash for `user_id`, valid until `expires_at`.
    #[tracing::instrument(skip_all)]
    pub async fn create_ticket(
        &self,
        user_id: &str,
        hash: &str,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.db()
            .query("CREATE ticket SET owner = $user, hash = $hash, expires_at = $expires_at")
            .bind(("user", user_record(user_id)))
            .bind(("hash", hash.to_owned()))
            .bind(("expires_at", expires_at))
            .await
            .and_then(|r| r.check())
            .context("failed to store a ticket")?;
        Ok(())
    }

    /// Deletes the ticket and returns its owner if it had not expired.
    #[tracing::instrument(skip_all)]
    pub async fn consume_ticket(&self, hash: &str) -> anyhow::Result<Option<String>> {
        let rows: Vec<Consumed> = self
            .db()
            .query(
                "SELECT record::id(owner) AS owner, expires_at FROM \
                 (DELETE ticket WHERE hash = $hash RETURN BEFORE)",
            )
            .bind(("hash", hash.to_owned()))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to consume a ticket")?;
        Ok(rows.into_iter().next().filter(|t| t.expires_at > Utc::now()).map(|t| t.owner))
    }
}

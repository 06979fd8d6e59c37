//! The `event` table: each user's durable, ordered log of pushes. Sequence
//! numbers come from a per-user counter row incremented in the same
//! transaction as the insert, so they are gap-free and unique per user even
//! with several nodes writing (a lost race is retried).

use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use protocol::ws::EventFrame;
use surrealdb::types::{RecordId, SurrealValue};

use super::{Store, is_retryable, user_record};

/// How often an append that lost a transaction race is retried.
const APPEND_ATTEMPTS: usize = 8;

#[derive(SurrealValue)]
struct Row {
    seq: i64,
    kind: String,
    body: String,
}

#[derive(SurrealValue)]
struct Seq {
    seq: i64,
}

/// The counter row holding a user's last sequence number.
pub fn counter_record(user_id: &str) -> RecordId {
    RecordId::new("event_counter", user_id)
}

fn frame(row: Row) -> anyhow::Result<EventFrame> {
    let body = serde_json::from_str(&row.body).context("stored event body is not JSON")?;
    Ok(EventFrame::new(&row.kind, u64::try_from(row.seq).unwrap_or_default(), body))
}

impl Store {
    /// Appends an event to the user's log and returns it with its sequence number.
    #[tracing::instrument(skip_all, fields(kind))]
    pub async fn append_event(
        &self,
        user_id: &str,
        kind: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<EventFrame> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_append_event(user_id, kind, body).await {
                Ok(seq) => return Ok(EventFrame::new(kind, seq, body.clone())),
                Err(error) if attempt < APPEND_ATTEMPTS && is_retryable(&error) => {
                    tokio::time::sleep(std::time::Duration::from_millis(2 << attempt)).await;
                }
                Err(error) => return Err(error).context("failed to append an event"),
            }
        }
    }

    async fn try_append_event(
        &self,
        user_id: &str,
        kind: &str,
        body: &serde_json::Value,
    ) -> Result<u64, surrealdb::Error> {
        let mut response = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 UPSERT $counter SET seq = (seq ?? 0) + 1 RETURN NONE;
                 LET $seq = $counter.seq;
                 CREATE event SET owner = $user, seq = $seq, kind = $kind, body = $body,
                     created_at = time::now();
                 RETURN { seq: $seq };
                 COMMIT TRANSACTION;",
            )
            .bind(("counter", counter_record(user_id)))
            .bind(("user", user_record(user_id)))
            .bind(("kind", kind.to_owned()))
            .bind(("body", body.to_string()))
            .await?
            .check()?;
        // The RETURN is the statement just before COMMIT.
        let returned = response.num_statements().saturating_sub(2);
        let seq: Option<Seq> = response.take(returned)?;
        Ok(seq.map_or(0, |s| u64::try_from(s.seq).unwrap_or_default()))
    }

    /// Up to `limit` events of the user after `after`, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn events_since(
        &self,
        user_id: &str,
        after: u64,
        limit: usize,
    ) -> anyhow::Result<Vec<EventFrame>> {
        let rows: Vec<Row> = self
            .db()
            .query(
                "SELECT seq, kind, body FROM event WHERE owner = $user AND seq > $after \
                 ORDER BY seq ASC LIMIT $limit",
            )
            .bind(("user", user_record(user_id)))
            .bind(("after", i64::try_from(after).unwrap_or(i64::MAX)))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read events")?;
        rows.into_iter().map(frame).collect()
    }

    /// The user's newest sequence number, 0 when they have no events.
    #[tracing::instrument(skip_all)]
    pub async fn last_event_seq(&self, user_id: &str) -> anyhow::Result<u64> {
        let rows: Vec<Seq> = self
            .db()
            .query("SELECT seq FROM $counter")
            .bind(("counter", counter_record(user_id)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read the event counter")?;
        Ok(rows.first().map_or(0, |s| u64::try_from(s.seq).unwrap_or_default()))
    }
}

/// The store as the Session actor's event log.
pub struct StoreEventLog(pub Store);

#[async_trait]
impl actors::ports::EventLog for StoreEventLog {
    async fn since(&self, user_id: &str, after: u64, limit: usize) -> anyhow::Result<Vec<EventFrame>> {
        self.0.events_since(user_id, after, limit).await
    }

    async fn last_seq(&self, user_id: &str) -> anyhow::Result<u64> {
        self.0.last_event_seq(user_id).await
    }
}

impl StoreEventLog {
    pub fn shared(store: Store) -> Arc<dyn actors::ports::EventLog> {
        Arc::new(Self(store))
    }
}


//! Ports: the small traits the actors are written against. The server supplies
//! implementations backed by SurrealDB; nothing here knows about a database.

use async_trait::async_trait;
use protocol::ws::EventFrame;

/// The durable, per-user, ordered log of events a client must not miss.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Up to `limit` events of `user_id` with a sequence number greater than
    /// `after`, oldest first.
    async fn since(&self, user_id: &str, after: u64, limit: usize)
    -> anyhow::Result<Vec<EventFrame>>;

    /// The sequence number of the user's newest event, 0 when there is none.
    async fn last_seq(&self, user_id: &str) -> anyhow::Result<u64>;
}

/// Publishing durable events: stored in the user's log, then pushed live.
#[async_trait]
pub trait EventSink: Send + Sync + 'static {
    /// Appends `{"type": kind, ...body}` to the user's log and delivers it.
    async fn publish(&self, user_id: &str, kind: &str, body: serde_json::Value) -> anyhow::Result<()>;
}

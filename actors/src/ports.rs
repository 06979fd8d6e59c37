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

/// Practice answers said out loud and streamed over a socket as they are
/// recorded (`practice.audio.start`, binary frames, `practice.audio.end`).
#[async_trait]
pub trait SpokenAnswers: Send + Sync + 'static {
    /// Opens a stream for `user_id`'s answer to one practice question, or
    /// says why not (no such session or question, a closed session).
    async fn open(
        &self,
        user_id: &str,
        session_id: &str,
        question_id: &str,
        format: protocol::spoken::AudioFormat,
    ) -> Result<Box<dyn AudioStream>, protocol::error::ErrorDetail>;
}

/// One open stream of a socket. Dropped without [`AudioStream::end`] (the
/// socket closed mid-answer), it is abandoned: nothing is stored, and the
/// user's other sockets are told the answer was not saved.
pub trait AudioStream: Send {
    /// The `stream_id` of its frames.
    fn id(&self) -> &str;
    /// The next piece of the recording.
    fn push(&self, bytes: actix_web::web::Bytes);
    /// The recording is complete: transcribe and store it.
    fn end(self: Box<Self>);
}

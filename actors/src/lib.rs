//! Debrief's live system: actix actors and the messages they exchange, written
//! against small traits ("ports") so they can be exercised with any backing store.
//!
//! Layout:
//! - [`ports`]: what the actors need from the outside world (the event log and sink).
//! - [`hub`]: routes pushes to every socket of a user on this node.
//! - [`session`]: one actor per WebSocket connection; [`inbound`] joins and
//!   checks the client's frames and names each failure's close code.
//! - [`chat`]: the Career Interviewer: the `Chats` router and one
//!   `Conversation` actor per active conversation; [`chat_ports`] are the model
//!   and store they need, [`context`] builds what the model sees.
//! - [`upload`]: the `Uploads` registry and one `Upload` actor per tus upload
//!   with bytes flowing (lock, hash, throughput, progress pushes).
//! - [`jobs`]: the `JobSupervisor` and one `Job` actor per running background
//!   job (durable queue with leases, retries with backoff, dead letters).

pub mod chat;
pub mod chat_ports;
pub mod context;
pub mod hub;
pub mod inbound;
pub mod jobs;
pub mod ports;
pub mod session;
pub mod upload;

pub use hub::Hub;
pub use session::{Session, SessionConfig, SessionDeps};

//! Debrief's live system: actix actors and the messages they exchange, written
//! against small traits ("ports") so they can be exercised with any backing store.
//!
//! Layout:
//! - [`ports`]: what the actors need from the outside world (the event log).
//! - [`hub`]: routes pushes to every socket of a user on this node.
//! - [`session`]: one actor per WebSocket connection.

pub mod hub;
pub mod ports;
pub mod session;

pub use hub::Hub;
pub use session::{Session, SessionConfig};

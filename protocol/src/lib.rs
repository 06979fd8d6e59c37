//! Debrief's shared vocabulary: the types that cross the wire between the server,
//! the CLI, the browser and the tests. No I/O lives here.
//!
//! Layout:
//! - [`error`]: the JSON error body every failing request answers with.
//! - [`account`]: registration, login and the public view of a user, with the
//!   parsed newtypes ([`account::Email`], [`account::Password`], [`account::DisplayName`]).
//! - [`chat`]: conversations, messages and the idempotency key of a send.
//! - [`interview`]: recorded interviews, their context and upload pushes.
//! - [`transcript`]: what speech-to-text makes of a recording (segments, words, timings).
//! - [`ws`]: WebSocket frames, client to server ([`ws::ClientFrame`]) and back
//!   ([`ws::ServerFrame`]), and durable events ([`ws::EventFrame`]).

pub mod account;
pub mod chat;
pub mod error;
pub mod interview;
pub mod transcript;
pub mod ws;

//! Debrief's shared vocabulary: the types that cross the wire between the server,
//! the CLI, the browser and the tests. No I/O lives here.
//!
//! Layout:
//! - [`error`]: the JSON error body every failing request answers with.
//! - [`account`]: registration, login and the public view of a user, with the
//!   parsed newtypes ([`account::Email`], [`account::Password`], [`account::DisplayName`]).
//! - [`career`]: the career record the interviewer keeps, and the story plan.
//! - [`chat`]: conversations, messages and the idempotency key of a send.
//! - [`interview`]: recorded interviews, their context and upload pushes.
//! - [`notification`]: in-app notifications (stored, pushed, marked read).
//! - [`practice`]: practice sessions (questions, answers, feedback) and their
//!   comparison with a recorded interview.
//! - [`spoken`]: answers said out loud: their delivery and the frames that carry them.
//! - [`speakers`]: who spoke when in a recording, their roles and talk time.
//! - [`transcript`]: what speech-to-text makes of a recording (segments, words, timings).
//! - [`analysis`]: what Debrief makes of a transcript (speech, structure, tone, score,
//!   recommendations).
//! - [`ws`]: WebSocket frames, client to server ([`ws::ClientFrame`]) and back
//!   ([`ws::ServerFrame`]), and durable events ([`ws::EventFrame`]).

pub mod account;
pub mod analysis;
pub mod career;
pub mod chat;
pub mod error;
pub mod interview;
pub mod notification;
pub mod practice;
pub mod speakers;
pub mod spoken;
pub mod transcript;
pub mod ws;

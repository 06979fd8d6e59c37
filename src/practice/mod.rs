//! Practice sessions' domain: questions (the offline bank and the model),
//! the measures of a typed answer, coaching feedback, and the comparison of a
//! session with a recorded interview, answers said out loud. Most of it is
//! pure; the coaching stream, spoken answers and their live actor store and
//! push through the store and the Hub they are given.
//!
//! - [`answers`]: storing answers and the session's status steps.
//! - [`bank`]: the offline question bank by interview type, role and skill.
//! - [`questions`]: questions from the configured model, validated, or the bank.
//! - [`measure`]: an answer's STAR parts, fillers, hedges, specifics and mark.
//! - [`coach`]: feedback on one answer and on a whole session (rules, or the model's words).
//! - [`coaching_stream`]: coaching on one stored answer, streamed to the owner's sockets.
//! - [`compare`]: practised questions vs the ones asked, matched by meaning.
//! - [`delivery`]: delivery across a session's spoken answers (feedback, drills).
//! - [`drills`]: the user's weakest skills, for a targeted drill.
//! - [`input`]: requests parsed against the configured limits.
//! - [`spoken`]: a spoken answer: decoded, checked, transcribed, measured, stored.
//! - [`live`]: the actor of one answer streamed over a socket, with live partial transcripts.
//! - [`writer`]: the model that writes practice text (endpoint or local), if any.

pub mod answers;
pub mod bank;
pub mod coach;
pub mod coaching_stream;
pub mod compare;
pub mod delivery;
pub mod drills;
pub mod input;
pub mod live;
pub mod measure;
pub mod questions;
pub mod reading;
pub mod spoken;
pub mod writer;

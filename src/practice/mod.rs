//! Practice sessions' domain: questions (the offline bank and the model),
//! the measures of a typed answer, coaching feedback, and the comparison of a
//! session with a recorded interview. No I/O here but the model and embedder
//! ports passed in; the HTTP layer stores and pushes.
//!
//! - [`bank`]: the offline question bank by interview type, role and skill.
//! - [`questions`]: questions from the configured model, validated, or the bank.
//! - [`measure`]: an answer's STAR parts, fillers, hedges, specifics and mark.
//! - [`coach`]: feedback on one answer and on a whole session (rules, or the model's words).
//! - [`compare`]: practised questions vs the ones asked, matched by meaning.
//! - [`drills`]: the user's weakest skills, for a targeted drill.
//! - [`input`]: requests parsed against the configured limits.
//! - [`writer`]: the model that writes practice text (endpoint or local), if any.

pub mod bank;
pub mod coach;
pub mod compare;
pub mod drills;
pub mod input;
pub mod measure;
pub mod questions;
pub mod writer;

//! End-to-end tests: the real server on port 0 with an in-memory SurrealDB,
//! driven over HTTP and WebSocket exactly as clients drive it.
//! One test binary (modules below) so the server is linked once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod analysis;
mod chat;
mod fake_openai;
mod hardening;
mod helpers;
mod interviewer;
/// The interviewer evaluation's scorer (a bench module), so its own tests run with the suite.
#[path = "../../benches/interviewer/score.rs"]
mod interviewer_score;
/// The measures evaluation's scorer (a bench module), shared with the suite's labelled subset.
#[path = "../../benches/measures/eval.rs"]
mod measures_eval;
mod measures;
mod models;
mod operations;
mod practice;
mod restart;
mod sign_in;
mod smtp_sink;
mod speakers;
mod speech;
mod spoken;
mod uploads;
mod websocket;
mod ws_hardening;

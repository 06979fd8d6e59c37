//! The Debrief server.
//!
//! Layout:
//! - [`config`]: the typed settings (defaults, `--config`, `DEBRIEF_…` variables).
//! - [`startup`]: builds and runs the application; [`AppState`](startup::AppState).
//! - [`http`]: the routes, one module per resource (`http::accounts`, `http::ws`…).
//! - [`store`]: SurrealDB access, one module per table family, and migrations.
//! - [`auth`]: password hashing, tokens, tickets, the `AuthUser` extractor,
//!   login rate limits.
//! - [`events`]: durable per-user events: stored, then pushed through the Hub.
//! - [`interviewer`]: the guided Career Interviewer: career record, story plan,
//!   the next question, checked replies (the actors' `Interviewer` port).
//! - [`llm`]: chat models (async-openai, local candle model, rule-based fallback).
//! - [`stt`]: speech to text: the `Transcriber` port and the local Whisper engine;
//!   [`audio`]: WAV reading and resampling to 16 kHz.
//! - [`media`]: decoding a recording's audio to 16 kHz mono WAV; [`opus`]:
//!   Opus through the system's libopus; [`byte_pipe`]: a live recording's
//!   bytes to its decoder thread.
//! - [`speakers`]: who said what: speaker turns laid over the transcript,
//!   roles, channels as speakers, the user's corrections.
//! - [`pipeline`]: a recording's job, stage by stage (decode, transcribe,
//!   analyse, notify), run by the actors' `JobSupervisor`.
//! - [`analysis`]: the deterministic analytics of a timed transcript.
//! - [`notify`]: in-app notifications and email (SMTP).
//! - [`practice`]: practice sessions' questions, answer measures, coaching,
//!   drills and the comparison with a recorded interview.
//! - [`embed`]: sentence embeddings: the `Embedder` port and local MiniLM.
//! - [`models`]: offline model weights: the pinned catalogue, `models fetch`, fetch progress.
//! - [`transcript_formats`]: transcript downloads (txt, srt, vtt) and search.
//! - [`tus`]: the tus 1.0.0 upload server at `/files/`.
//! - [`files`]: the file-store port and its local-directory implementation.
//! - [`error`]: `ApiError`, the single mapping from failures to HTTP.
//! - [`telemetry`]: logging and the Prometheus recorder.
//! - [`cli`]: the command line; [`upload_client`]: `debrief upload`.
//!
//! The actors (WebSocket sessions, the Hub) live in the `debrief-actors`
//! crate; wire types in `debrief-protocol`.

pub mod analysis;
pub mod audio;
pub mod auth;
pub mod byte_pipe;
pub mod cli;
pub mod config;
pub mod embed;
pub mod error;
pub mod events;
pub mod files;
pub mod http;
pub mod interviewer;
pub mod llm;
pub mod media;
pub mod models;
pub mod notify;
pub mod opus;
pub mod pipeline;
pub mod practice;
pub mod silence;
pub mod speakers;
pub mod startup;
pub mod store;
pub mod stt;
pub mod telemetry;
pub mod transcript_formats;
pub mod tus;
pub mod upload_client;

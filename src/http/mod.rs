//! The HTTP surface: one module per resource, each exposing `configure`.
//! This module only composes them.

pub mod accounts;
pub mod body;
pub mod career;
pub mod coaching;
pub mod comparison;
pub mod conversations;
pub mod docs;
pub mod health;
pub mod interviews;
pub mod metrics;
pub mod models;
pub mod notifications;
pub mod pagination;
pub mod practice;
pub mod speakers;
pub mod spoken;
pub mod web;
pub mod ws;
pub mod ws_guard;

/// Registers every route.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    health::configure(cfg);
    metrics::configure(cfg);
    docs::configure(cfg);
    accounts::configure(cfg);
    conversations::configure(cfg);
    career::configure(cfg);
    models::configure(cfg);
    interviews::configure(cfg);
    speakers::configure(cfg);
    notifications::configure(cfg);
    practice::configure(cfg);
    coaching::configure(cfg);
    spoken::configure(cfg);
    comparison::configure(cfg);
    crate::tus::configure(cfg);
    ws::configure(cfg);
    web::configure(cfg);
}

//! `GET /api/v1/models`: which engine answers the chat (and, later,
//! transcribes and embeds), so the UI can say who is talking.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(models);
}

/// One engine and what it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Engine {
    /// `remote` (an OpenAI-compatible endpoint) or `fallback` (rule-based).
    pub kind: String,
    /// A label for people, e.g. "gpt-4o-mini at https://api.openai.com/v1".
    pub name: String,
}

/// The engines serving this server's features.
#[derive(Debug, Serialize, ToSchema)]
pub struct Models {
    pub chat: Engine,
    /// Whether model weights are being fetched right now.
    pub fetch_in_progress: bool,
}

/// Which engine serves each feature.
#[utoipa::path(tag = "operations", responses((status = 200, body = Models)))]
#[get("/api/v1/models")]
pub async fn models(state: web::Data<AppState>) -> HttpResponse {
    let kind = if state.settings.llm.base_url.trim().is_empty() { "fallback" } else { "remote" };
    HttpResponse::Ok().json(Models {
        chat: Engine { kind: kind.into(), name: state.chat_model.describe() },
        fetch_in_progress: false,
    })
}

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
    /// `remote` (an OpenAI-compatible endpoint), `local` (a model run by this
    /// server), `fallback` (rule-based) or `none` (not available yet).
    pub kind: String,
    /// A label for people, e.g. "gpt-4o-mini at https://api.openai.com/v1".
    pub name: String,
}

/// The engines serving this server's features.
#[derive(Debug, Serialize, ToSchema)]
pub struct Models {
    pub chat: Engine,
    pub transcription: Engine,
    pub embeddings: Engine,
    /// Whether model weights are being fetched right now.
    pub fetch_in_progress: bool,
}

/// Which engine serves each feature.
#[utoipa::path(tag = "operations", responses((status = 200, body = Models)))]
#[get("/api/v1/models")]
pub async fn models(state: web::Data<AppState>) -> HttpResponse {
    let none = |what: &str| Engine { kind: String::from("none"), name: format!("no {what} engine yet") };
    HttpResponse::Ok().json(Models {
        chat: Engine { kind: state.chat_choice.kind().into(), name: state.chat_model.describe() },
        transcription: none("transcription"),
        embeddings: none("embedding"),
        fetch_in_progress: state.model_fetch.in_progress(),
    })
}

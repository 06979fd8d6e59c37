//! `GET /api/v1/models`: which engine answers the chat, transcribes, embeds
//! and tells speakers apart, so the UI can say who is talking and what is still loading.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::embed::Embedder as _;
use crate::startup::AppState;
use crate::stt::Transcriber as _;

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
    /// Who spoke when in a one-channel recording (speaker diarization).
    pub diarization: Engine,
    /// Whether model weights are being fetched right now.
    pub fetch_in_progress: bool,
}

/// Which engine serves each feature.
#[utoipa::path(tag = "operations", responses((status = 200, body = Models)))]
#[get("/api/v1/models")]
pub async fn models(state: web::Data<AppState>) -> HttpResponse {
    let models = &state.settings.models;
    let pending = |configured: &str, what: &str| Engine {
        kind: String::from("none"),
        name: if configured.trim().is_empty() {
            format!("no local {what} model configured")
        } else {
            format!("{} is not loaded yet (fetching or missing: `debrief models fetch`)", configured.trim())
        },
    };
    let engines = &state.local_engines;
    let local = |name: String| Engine { kind: String::from("local"), name };
    HttpResponse::Ok().json(Models {
        chat: Engine { kind: state.chat_choice.kind().into(), name: state.chat_model.describe() },
        transcription: engines.transcriber.get().map_or_else(|| pending(&models.stt, "speech"), |t| local(t.engine())),
        embeddings: engines.embedder.get().map_or_else(|| pending(&models.embed, "embedding"), |e| local(e.engine())),
        diarization: engines.diarizer.get().map_or_else(|| pending(&models.diarize, "diarization"), |d| local(d.engine())),
        fetch_in_progress: state.model_fetch.in_progress(),
    })
}

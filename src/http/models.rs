//! `GET /api/v1/models`: which engine answers the chat, transcribes, embeds
//! and tells speakers apart, so the UI can say who is talking and what is
//! still loading: each engine's `state`, and while its weights are fetched,
//! the bytes downloaded so far and the percent.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::models::catalog::{self, Kind};
use crate::models::status::{FetchStatus, Progress, State};
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(models);
}

/// Where an engine is: serving, or on its way (or not) to serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EngineState {
    /// The engine serves (`kind` is `remote` or `local`; a local model not
    /// in memory is loaded by the request that needs it).
    Ready,
    /// No local model is configured: the rule-based fallback answers (chat).
    Fallback,
    /// No engine is configured for this feature.
    Off,
    /// The local model's weights are being fetched (see `bytes_done`, `percent`).
    Downloading,
    /// The local model's weights are being checked and loaded.
    Loading,
    /// The local model's weights are not installed (`debrief models fetch`).
    Missing,
    /// Fetching or loading the local model failed (the server log says why).
    Failed,
}

/// One engine and what it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Engine {
    /// `remote` (an OpenAI-compatible endpoint), `local` (a model run by this
    /// server), `fallback` (rule-based) or `none` (not available yet).
    pub kind: String,
    /// A label for people, e.g. "gpt-4o-mini at https://api.openai.com/v1".
    pub name: String,
    /// Where the engine is: `ready` (it serves), `fallback` (chat: no local
    /// model configured; the rule-based interviewer answers), `off` (nothing
    /// configured), `downloading` (the local model's weights are being
    /// fetched: see `bytes_done`, `bytes_total`, `percent`), `loading` (they
    /// are being checked or loaded), `missing` (not installed: `debrief models
    /// fetch`) or `failed` (fetching or loading failed; the server log says
    /// why). Until `ready`, `kind` says who serves meanwhile.
    pub state: EngineState,
    /// While `downloading`: the step in words, e.g. "downloading part 2 of 6".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// While `downloading`: bytes of the model's packages downloaded so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_done: Option<u64>,
    /// While `downloading`: bytes to download in all, when the package index tells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_total: Option<u64>,
    /// While `downloading` with a known total: whole percent downloaded (0 to 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(maximum = 100)]
    pub percent: Option<u8>,
}

impl Engine {
    /// An engine that serves.
    fn ready(kind: &str, name: String) -> Self {
        Self::new(kind, name, EngineState::Ready, None)
    }

    fn new(kind: &str, name: String, state: EngineState, progress: Option<Progress>) -> Self {
        let percent = progress.as_ref().and_then(Progress::percent);
        let (stage, bytes_done, bytes_total) = match progress {
            Some(p) => (Some(p.stage), Some(p.bytes_done), p.bytes_total),
            None => (None, None, None),
        };
        Self { kind: kind.into(), name, state, stage, bytes_done, bytes_total, percent }
    }
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
    let fetch = &state.model_fetch;
    let engines = &state.local_engines;
    let pending = |configured: &str, kind: Kind, what: &str| {
        let (engine_state, progress) = local_state(fetch, configured, kind);
        let name = if configured.trim().is_empty() {
            format!("no local {what} model configured")
        } else {
            format!("{} is not loaded yet (fetching or missing: `debrief models fetch`)", configured.trim())
        };
        Engine::new("none", name, engine_state, progress)
    };
    let local = |name: String| Engine::ready("local", name);
    HttpResponse::Ok().json(Models {
        chat: chat(&state, fetch),
        // Installed models serve: in memory, or loaded by the next request.
        transcription: engines.transcriber.describe().map_or_else(|| pending(&models.stt, Kind::Stt, "speech"), local),
        embeddings: engines.embedder.describe().map_or_else(|| pending(&models.embed, Kind::Embed, "embedding"), local),
        diarization: engines
            .diarizer
            .describe()
            .map_or_else(|| pending(&models.diarize, Kind::Diarize, "diarization"), local),
        fetch_in_progress: fetch.in_progress(),
    })
}

/// The chat: its endpoint or local model when it serves; else the rule-based
/// fallback, with where the configured local model is.
fn chat(state: &AppState, fetch: &FetchStatus) -> Engine {
    let kind = state.chat_choice.kind();
    if kind != "fallback" {
        return Engine::ready(kind, state.chat_model.describe());
    }
    let configured = &state.settings.models.chat;
    let (engine_state, progress) = local_state(fetch, configured, Kind::Chat);
    let name = match engine_state {
        EngineState::Fallback => state.chat_model.describe(),
        _ => String::from("rule-based interviewer (until the local model is ready)"),
    };
    Engine::new(kind, name, engine_state, progress)
}

/// Where the local model configured for a feature is, and its fetch's progress.
fn local_state(fetch: &FetchStatus, configured: &str, kind: Kind) -> (EngineState, Option<Progress>) {
    let configured = configured.trim();
    if configured.is_empty() {
        let none = if kind == Kind::Chat { EngineState::Fallback } else { EngineState::Off };
        return (none, None);
    }
    if catalog::find(configured).is_none_or(|spec| spec.kind != kind) {
        return (EngineState::Failed, None);
    }
    match fetch.state(configured) {
        Some(State::Fetching(progress)) => (EngineState::Downloading, Some(progress)),
        // Fetched or loaded: the engine slot is filled a moment later.
        Some(State::Checking | State::Done | State::Loading | State::Loaded) => (EngineState::Loading, None),
        Some(State::Failed(_)) => (EngineState::Failed, None),
        Some(State::Missing) | None => (EngineState::Missing, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_being_fetched_is_downloading_with_its_bytes_and_percent() {
        let fetch = FetchStatus::default();
        fetch.begin("whisper-base");
        fetch.stage("whisper-base", String::from("downloading part 1 of 2"));
        fetch.progress("whisper-base", 50_000_000, Some(200_000_000));

        let (state, progress) = local_state(&fetch, " whisper-base ", Kind::Stt);
        let engine = Engine::new("none", String::from("whisper-base"), state, progress);

        let json = serde_json::to_value(&engine).unwrap();
        assert_eq!(json["state"], "downloading");
        assert_eq!(json["stage"], "downloading part 1 of 2");
        assert_eq!(json["bytes_done"], 50_000_000);
        assert_eq!(json["bytes_total"], 200_000_000);
        assert_eq!(json["percent"], 25);
        assert_eq!(json["kind"], "none");
    }

    #[test]
    fn without_a_known_total_there_is_no_percent_and_no_null() {
        let fetch = FetchStatus::default();
        fetch.begin("all-minilm-l6-v2");
        fetch.progress("all-minilm-l6-v2", 1_000, None);

        let (state, progress) = local_state(&fetch, "all-minilm-l6-v2", Kind::Embed);
        let json = serde_json::to_value(Engine::new("none", String::new(), state, progress)).unwrap();

        assert_eq!(json["bytes_done"], 1_000);
        let fields = json.as_object().unwrap();
        assert!(!fields.contains_key("bytes_total") && !fields.contains_key("percent"), "{json}");
    }

    #[test]
    fn each_step_of_a_local_model_has_its_state() {
        let fetch = FetchStatus::default();
        let state = |configured: &str, kind| local_state(&fetch, configured, kind).0;
        assert_eq!(state("", Kind::Chat), EngineState::Fallback);
        assert_eq!(state("", Kind::Stt), EngineState::Off);
        assert_eq!(state("whisper-base", Kind::Stt), EngineState::Missing);
        assert_eq!(state("no-such-model", Kind::Stt), EngineState::Failed);
        assert_eq!(state("whisper-base", Kind::Embed), EngineState::Failed, "a speech model cannot embed");
        fetch.checking("whisper-base");
        assert_eq!(state("whisper-base", Kind::Stt), EngineState::Loading);
        fetch.end("whisper-base", Some(String::from("pip is not available")));
        assert_eq!(state("whisper-base", Kind::Stt), EngineState::Failed);
        fetch.loading("whisper-base");
        assert_eq!(state("whisper-base", Kind::Stt), EngineState::Loading);
        let ready = serde_json::to_value(Engine::ready("local", String::from("Whisper base (local)"))).unwrap();
        assert_eq!(ready, serde_json::json!({"kind": "local", "name": "Whisper base (local)", "state": "ready"}));
    }
}

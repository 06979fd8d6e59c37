//! Chat models behind the actors' `ChatModel` port: an OpenAI-compatible
//! endpoint through async-openai, or, when none is configured, the labelled
//! rule-based interviewer.

pub mod fallback;
pub mod local;
pub mod openai;

use std::sync::Arc;

use actors::chat_ports::ChatModel;

use crate::config::LlmSettings;

/// The chat model the configuration asks for: the endpoint when one is
/// configured, else the offline chat (its local model is loaded, or first
/// fetched, in the background by [`start_local_chat`]).
pub enum ChatChoice {
    Remote(Arc<dyn ChatModel>),
    Offline(Arc<local::OfflineChat>),
}

impl ChatChoice {
    pub fn model(&self) -> Arc<dyn ChatModel> {
        match self {
            Self::Remote(model) => Arc::clone(model),
            Self::Offline(offline) => Arc::clone(offline) as Arc<dyn ChatModel>,
        }
    }

    /// `remote`, `local` or `fallback`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Remote(_) => "remote",
            Self::Offline(offline) if offline.is_local() => "local",
            Self::Offline(_) => "fallback",
        }
    }
}

pub fn chat_model(settings: &LlmSettings) -> anyhow::Result<ChatChoice> {
    if settings.base_url.trim().is_empty() {
        return Ok(ChatChoice::Offline(Arc::new(local::OfflineChat::default())));
    }
    Ok(ChatChoice::Remote(Arc::new(openai::OpenAiChat::new(settings)?)))
}

/// Loads the configured local chat model into `offline` on a background
/// thread, fetching its weights first when they are missing and
/// `models.fetch_on_start` allows it. Until then the rule-based interviewer answers.
pub fn start_local_chat(
    settings: &crate::config::ModelSettings,
    offline: Arc<local::OfflineChat>,
    status: crate::models::status::FetchStatus,
) {
    use crate::models::{catalog, fetch};
    if settings.chat.trim().is_empty() {
        tracing::info!("models.chat is empty: chat uses the rule-based interviewer");
        return;
    }
    let Some(spec) = catalog::find(settings.chat.trim()) else {
        tracing::warn!(model = %settings.chat, "unknown models.chat; chat uses the rule-based interviewer");
        return;
    };
    let settings = settings.clone();
    let spawned = std::thread::Builder::new().name(String::from("debrief-model-load")).spawn(move || {
        if !fetch::is_present(&settings.dir, spec) {
            if !settings.fetch_on_start {
                tracing::info!(model = spec.id, "local chat weights missing (run `debrief models fetch`); the rule-based interviewer answers");
                return;
            }
            if let Err(error) = fetch::ensure(&settings.dir, &settings.python, spec, &status) {
                tracing::warn!(model = spec.id, error = %error, "the rule-based interviewer keeps answering");
                return;
            }
        }
        let path = fetch::model_path(&settings.dir, spec);
        match local::LocalChat::load(&path, spec.name, settings.chat_workers, settings.chat_queue, settings.sampling()) {
            Ok(chat) => offline.install(chat),
            Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot load the local chat model"),
        }
    });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start the model loader");
    }
}

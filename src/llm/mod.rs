//! Chat models behind the actors' `ChatModel` port: an OpenAI-compatible
//! endpoint through async-openai, or, when none is configured, the local model
//! (the guided interviewer's rules answer until it is installed).

mod cached_model;
pub mod local;
pub mod openai;

use std::sync::Arc;

use actors::chat_ports::ChatModel;

use crate::config::LlmSettings;

/// The chat model the configuration asks for: the endpoint when one is
/// configured, else the offline chat (its local model is checked, or first
/// fetched, in the background by [`start_local_chat`], and loaded on first use).
#[derive(Clone)]
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

/// The model's whole reply to `context` (its streamed pieces joined).
pub async fn reply_text(
    model: &dyn ChatModel,
    context: Vec<actors::chat_ports::Turn>,
    max_tokens: u32,
) -> Result<String, actors::chat_ports::ModelError> {
    use futures_util::StreamExt as _;
    let mut stream = model.stream(context, max_tokens).await?;
    let mut reply = String::new();
    while let Some(piece) = stream.next().await {
        reply.push_str(&piece?);
    }
    Ok(reply)
}

/// [`reply_text`] within `timeout`; `None` (with a warning naming `purpose`)
/// when the model fails or is too slow, so the caller falls back to its rules.
pub async fn reply_within(
    model: &dyn ChatModel,
    context: Vec<actors::chat_ports::Turn>,
    max_tokens: u32,
    timeout: std::time::Duration,
    purpose: &'static str,
) -> Option<String> {
    match tokio::time::timeout(timeout, reply_text(model, context, max_tokens)).await {
        Ok(Ok(reply)) => Some(reply),
        Ok(Err(error)) => {
            tracing::warn!(purpose, code = error.code(), "the model failed; falling back to the rules");
            None
        }
        Err(_) => {
            tracing::warn!(purpose, timeout_secs = timeout.as_secs(), "the model was too slow; falling back to the rules");
            None
        }
    }
}

pub fn chat_model(settings: &LlmSettings) -> anyhow::Result<ChatChoice> {
    if settings.base_url.trim().is_empty() {
        return Ok(ChatChoice::Offline(Arc::new(local::OfflineChat::default())));
    }
    Ok(ChatChoice::Remote(Arc::new(openai::OpenAiChat::new(settings)?)))
}

/// Makes the configured local chat model available to `offline` from a
/// background thread, fetching its weights first when they are missing and
/// `models.fetch_on_start` allows it; the first request that needs the model
/// loads it (or start-up does, with `models.load_on_first_use` off). Until
/// the weights are installed the guided interviewer's rules answer alone.
pub fn start_local_chat(
    settings: &crate::config::ModelSettings,
    offline: &local::OfflineChat,
    status: crate::models::status::FetchStatus,
) {
    use crate::models::{catalog::Kind, loader};
    let (workers, queue, sampling) = (settings.chat_workers, settings.chat_queue, settings.sampling());
    loader::install_in_background(settings, "models.chat", &settings.chat, Kind::Chat, status, offline.engine(), move |dir, spec| {
        let file = spec.files.first().map(|f| dir.join(f.name)).unwrap_or_default();
        local::LocalChat::load(&file, spec.name, workers, queue, sampling)
    });
}

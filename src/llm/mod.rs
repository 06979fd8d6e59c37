//! Chat models behind the actors' `ChatModel` port: an OpenAI-compatible
//! endpoint through async-openai, or, when none is configured, the labelled
//! rule-based interviewer.

pub mod fallback;
pub mod openai;

use std::sync::Arc;

use actors::chat_ports::ChatModel;

use crate::config::LlmSettings;

/// The chat model the configuration asks for.
pub fn chat_model(settings: &LlmSettings) -> anyhow::Result<Arc<dyn ChatModel>> {
    if settings.base_url.trim().is_empty() {
        tracing::info!("no llm.base_url configured: chat uses the rule-based interviewer");
        return Ok(Arc::new(fallback::RuleBasedInterviewer));
    }
    Ok(Arc::new(openai::OpenAiChat::new(settings)?))
}

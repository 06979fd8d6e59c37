//! Who writes the free text of practice — the questions, a coaching reply and
//! the session summary — where the rules otherwise would: the configured
//! endpoint, or, offline, the local chat model within a time budget.
//!
//! The rules always stand behind it: a writer that fails, is too slow or
//! answers nothing usable leaves the rules' text in place.

use std::sync::Arc;
use std::time::Duration;

use actors::chat_ports::ChatModel;

use crate::config::PracticeSettings;
use crate::llm::ChatChoice;

/// A model that may write practice text, with its limits.
#[derive(Clone)]
pub struct Writer {
    pub model: Arc<dyn ChatModel>,
    /// How long a whole reply may take (questions, summary), or a coaching
    /// reply its first words.
    pub timeout: Duration,
    /// Longest coaching reply or summary, in tokens.
    pub max_tokens: u32,
    /// `true` for the local model (`false`: the endpoint).
    pub local: bool,
}

/// The writer `choice` offers under `limits`: the endpoint when configured;
/// offline, the local model when it is installed and
/// `practice.local_model_secs` is not zero; otherwise none (the rules write).
pub fn writer(choice: &ChatChoice, limits: &PracticeSettings) -> Option<Writer> {
    match choice {
        ChatChoice::Remote(model) => Some(Writer {
            model: Arc::clone(model),
            timeout: Duration::from_secs(limits.model_timeout_secs.max(1)),
            max_tokens: limits.coaching_max_tokens,
            local: false,
        }),
        ChatChoice::Offline(offline) if offline.is_local() && limits.local_model_secs > 0 => Some(Writer {
            model: Arc::clone(offline) as Arc<dyn ChatModel>,
            timeout: Duration::from_secs(limits.local_model_secs),
            max_tokens: limits.local_max_tokens.min(limits.coaching_max_tokens),
            local: true,
        }),
        ChatChoice::Offline(_) => None,
    }
}

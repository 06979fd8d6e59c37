//! The chat model behind any OpenAI-compatible endpoint (OpenAI, Azure OpenAI,
//! Ollama, vLLM, llama.cpp server), through async-openai with streaming.
//!
//! Reliability lives here, once for every caller:
//! - a global concurrency limit (a semaphore; requests wait up to
//!   `queue_timeout_secs` for a slot);
//! - a deadline for the first piece of a reply and a stall deadline between
//!   pieces;
//! - retries before any text has streamed (a reply is never restarted
//!   halfway, which would show the user text twice): async-openai's own retry
//!   layer handles 429, 5xx and connection errors with exponential backoff and
//!   `Retry-After` (we set how many times), and this module retries timeouts
//!   and broken streams the same number of times.

use std::sync::Arc;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionResponseStream, CreateChatCompletionRequest,
};
use async_trait::async_trait;
use futures_util::StreamExt as _;
use secrecy::ExposeSecret as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use actors::chat_ports::{ChatModel, ModelError, ReplyStream, Turn, TurnRole};

use crate::config::LlmSettings;

/// A streaming chat client for one endpoint and model.
pub struct OpenAiChat {
    client: Client<OpenAIConfig>,
    model: String,
    endpoint: String,
    first_token_timeout: Duration,
    stall_timeout: Duration,
    max_retries: u32,
    retry_base: Duration,
    slots: Arc<Semaphore>,
    queue_timeout: Duration,
}

impl OpenAiChat {
    pub fn new(settings: &LlmSettings) -> anyhow::Result<Self> {
        let endpoint = settings.base_url.trim().trim_end_matches('/').to_owned();
        let config = OpenAIConfig::new()
            .with_api_base(endpoint.clone())
            .with_api_key(settings.api_key.expose_secret().to_owned());
        let retry = async_openai::middleware::retry::OpenAIRetryLayer::new(settings.max_retries as usize);
        let http = reqwest_openai::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| anyhow::anyhow!("failed to build the model's HTTP client: {e}"))?;
        let service = tower::Layer::layer(&retry, async_openai::middleware::ReqwestService::new(http));
        Ok(Self {
            client: Client::with_config(config).with_http_service(service),
            model: settings.model.clone(),
            endpoint,
            first_token_timeout: Duration::from_secs(settings.first_token_timeout_secs.max(1)),
            stall_timeout: Duration::from_secs(settings.stall_timeout_secs.max(1)),
            max_retries: settings.max_retries,
            retry_base: Duration::from_millis(settings.retry_base_ms),
            slots: Arc::new(Semaphore::new(settings.max_concurrency.max(1))),
            queue_timeout: Duration::from_secs(settings.queue_timeout_secs),
        })
    }

    fn request(&self, context: &[Turn], max_tokens: u32) -> CreateChatCompletionRequest {
        let messages = context
            .iter()
            .map(|turn| -> ChatCompletionRequestMessage {
                let content = turn.content.clone();
                match turn.role {
                    TurnRole::System => ChatCompletionRequestSystemMessage {
                        content: content.into(),
                        name: None,
                    }
                    .into(),
                    TurnRole::User => ChatCompletionRequestUserMessage {
                        content: content.into(),
                        name: None,
                    }
                    .into(),
                    TurnRole::Assistant => ChatCompletionRequestAssistantMessage {
                        content: Some(content.into()),
                        ..Default::default()
                    }
                    .into(),
                }
            })
            .collect();
        #[expect(deprecated, reason = "max_tokens is what most OpenAI-compatible servers read")]
        CreateChatCompletionRequest {
            model: self.model.clone(),
            messages,
            max_tokens: Some(max_tokens),
            // Said explicitly: with async-openai's `byot` feature (used for
            // transcription) `create_stream` no longer sets it.
            stream: Some(true),
            ..Default::default()
        }
    }

    /// Opens the stream and waits for its first piece of text.
    async fn open(
        &self,
        request: CreateChatCompletionRequest,
    ) -> Result<(ChatCompletionResponseStream, Option<String>), OpenAIError> {
        let mut stream = self.client.chat().create_stream(request).await?;
        loop {
            match stream.next().await {
                Some(Ok(chunk)) => {
                    if let Some(text) = piece(&chunk) {
                        return Ok((stream, Some(text)));
                    }
                }
                Some(Err(error)) => return Err(error),
                None => return Ok((stream, None)),
            }
        }
    }
}

/// The text of one streamed chunk, if it has any.
fn piece(chunk: &async_openai::types::chat::CreateChatCompletionStreamResponse) -> Option<String> {
    chunk.choices.first().and_then(|c| c.delta.content.clone()).filter(|t| !t.is_empty())
}

/// HTTP status of an API error, if the error came with one.
fn status(error: &OpenAIError) -> Option<u16> {
    match error {
        OpenAIError::ApiError(response) => Some(response.status_code.as_u16()),
        _ => None,
    }
}

/// Whether another attempt may succeed and was not already retried by the
/// HTTP layer (which handles statuses and connection errors).
fn retryable(error: &OpenAIError) -> bool {
    matches!(error, OpenAIError::StreamError(_))
}

fn classify(error: &OpenAIError, retry_after_secs: u64) -> ModelError {
    match status(error) {
        Some(429) => ModelError::RateLimited { retry_after_secs },
        Some(code) if code >= 500 => ModelError::Unavailable(format!("the endpoint answered {code}")),
        Some(code) => ModelError::Rejected(format!("the endpoint answered {code}")),
        None => match error {
            OpenAIError::Reqwest(_) => ModelError::Unavailable(String::from("could not reach the endpoint")),
            _ => ModelError::Unavailable(String::from("the endpoint sent an unreadable stream")),
        },
    }
}

#[async_trait]
impl ChatModel for OpenAiChat {
    fn describe(&self) -> String {
        format!("{} at {}", self.model, self.endpoint)
    }

    async fn stream(&self, context: Vec<Turn>, max_tokens: u32) -> Result<ReplyStream, ModelError> {
        let slot = tokio::time::timeout(self.queue_timeout, Arc::clone(&self.slots).acquire_owned())
            .await
            .map_err(|_| ModelError::Unavailable(String::from("too many replies in progress")))?
            .map_err(|_| ModelError::Unavailable(String::from("the model client is shutting down")))?;
        let request = self.request(&context, max_tokens);
        let mut attempt = 0;
        loop {
            let backoff = self.retry_base * 2u32.saturating_pow(attempt);
            let error = match tokio::time::timeout(self.first_token_timeout, self.open(request.clone())).await {
                Ok(Ok((stream, first))) => return Ok(relay(stream, first, slot, self.stall_timeout)),
                Ok(Err(error)) if retryable(&error) && attempt < self.max_retries => {
                    tracing::warn!(attempt, status = ?status(&error), "model request failed; retrying");
                    None
                }
                Ok(Err(error)) => Some(classify(&error, backoff.as_secs().max(1))),
                Err(_) if attempt < self.max_retries => {
                    tracing::warn!(attempt, "model request timed out; retrying");
                    None
                }
                Err(_) => Some(ModelError::Timeout),
            };
            if let Some(error) = error {
                return Err(error);
            }
            metrics::counter!("debrief_chat_model_retries_total").increment(1);
            tokio::time::sleep(backoff).await;
            attempt += 1;
        }
    }
}

/// Turns the open stream into reply pieces, holding the concurrency slot until
/// the reply ends and failing it if the endpoint stalls.
fn relay(
    stream: ChatCompletionResponseStream,
    first: Option<String>,
    slot: OwnedSemaphorePermit,
    stall: Duration,
) -> ReplyStream {
    let state = (stream, first, Some(slot));
    Box::pin(futures_util::stream::unfold(state, move |(mut stream, mut first, mut slot)| async move {
        slot.as_ref()?;
        if let Some(text) = first.take() {
            return Some((Ok(text), (stream, None, slot)));
        }
        loop {
            match tokio::time::timeout(stall, stream.next()).await {
                Ok(Some(Ok(chunk))) => {
                    if let Some(text) = piece(&chunk) {
                        return Some((Ok(text), (stream, None, slot)));
                    }
                }
                Ok(Some(Err(error))) => {
                    slot.take();
                    return Some((Err(classify(&error, 1)), (stream, None, slot)));
                }
                Ok(None) => return None,
                Err(_) => {
                    slot.take();
                    return Some((Err(ModelError::Timeout), (stream, None, slot)));
                }
            }
        }
    }))
}

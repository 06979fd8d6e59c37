//! Ports of the chat: the interviewer that answers a turn, the model that
//! writes text, and the store that keeps conversations. The server implements
//! them (a guided interviewer over async-openai or a local model, SurrealDB);
//! the actors only see these traits.

use async_trait::async_trait;
use futures_util::stream::BoxStream;
use protocol::chat::{ChatMessage, Conversation, Role};

/// One turn of the context sent to a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub role: TurnRole,
    pub content: String,
}

/// Roles a model understands (the persona and summary are `System`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnRole {
    System,
    User,
    Assistant,
}

impl From<Role> for TurnRole {
    fn from(role: Role) -> Self {
        match role {
            Role::User => Self::User,
            Role::Assistant => Self::Assistant,
        }
    }
}

/// Why a model could not answer. Messages are safe to show to users.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ModelError {
    #[error("the model is rate limited; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the model did not answer in time")]
    Timeout,
    #[error("the model is unavailable: {0}")]
    Unavailable(String),
    #[error("the model refused the request: {0}")]
    Rejected(String),
}

impl ModelError {
    /// Stable snake_case code for `chat.error` frames and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "model_rate_limited",
            Self::Timeout => "model_timeout",
            Self::Unavailable(_) => "model_unavailable",
            Self::Rejected(_) => "model_rejected",
        }
    }
}

/// A stream of reply text pieces.
pub type ReplyStream = BoxStream<'static, Result<String, ModelError>>;

/// Something that writes the Career Interviewer's replies.
#[async_trait]
pub trait ChatModel: Send + Sync + 'static {
    /// A label for the UI: the model's name, and where it runs.
    fn describe(&self) -> String;

    /// Starts a streamed reply to `context` of at most `max_tokens` tokens.
    async fn stream(&self, context: Vec<Turn>, max_tokens: u32) -> Result<ReplyStream, ModelError>;
}

/// What the interviewer needs to answer one turn.
#[derive(Debug, Clone)]
pub struct ReplyRequest {
    pub owner: String,
    pub conversation_id: String,
    /// The stored user message to answer.
    pub user_message: ChatMessage,
    /// The conversation's newest messages, oldest first, ending with `user_message`.
    pub history: Vec<ChatMessage>,
}

/// Writes the Career Interviewer's reply to a turn: decides what to ask and
/// streams the words.
#[async_trait]
pub trait Interviewer: Send + Sync + 'static {
    async fn reply(&self, request: ReplyRequest) -> Result<ReplyStream, ModelError>;
}

/// A stored user message and whether this call stored it (false: it existed).
pub struct UserMessage {
    pub message: ChatMessage,
    pub created: bool,
}

/// What the chat needs from the database. Every call is scoped by `owner`.
#[async_trait]
pub trait ChatStore: Send + Sync + 'static {
    /// Creates a conversation opening with the interviewer's introduction.
    async fn create_conversation(
        &self,
        owner: &str,
        title: &str,
        introduction: &str,
    ) -> anyhow::Result<(Conversation, ChatMessage)>;

    /// Whether the conversation exists and belongs to `owner`.
    async fn owns_conversation(&self, owner: &str, conversation_id: &str) -> anyhow::Result<bool>;

    /// The conversation of an earlier message sent with `client_id`, if any.
    async fn conversation_of_client_id(
        &self,
        owner: &str,
        client_id: &str,
    ) -> anyhow::Result<Option<String>>;

    /// Stores a user message unless one with this `client_id` exists already.
    async fn add_user_message(
        &self,
        owner: &str,
        conversation_id: &str,
        client_id: &str,
        text: &str,
    ) -> anyhow::Result<UserMessage>;

    /// Stores a finished reply.
    async fn add_assistant_message(
        &self,
        owner: &str,
        conversation_id: &str,
        message_id: &str,
        reply_to: &str,
        content: &str,
    ) -> anyhow::Result<ChatMessage>;

    /// The stored reply to a user message, if there is one.
    async fn reply_to(&self, owner: &str, user_message_id: &str) -> anyhow::Result<Option<ChatMessage>>;

    /// A message of the owner's by id.
    async fn message(&self, owner: &str, message_id: &str) -> anyhow::Result<Option<ChatMessage>>;

    /// The newest `limit` messages of a conversation, oldest first.
    async fn recent_messages(
        &self,
        owner: &str,
        conversation_id: &str,
        limit: usize,
    ) -> anyhow::Result<Vec<ChatMessage>>;
}

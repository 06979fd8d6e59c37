//! The Career Interviewer chat on the wire: conversations and messages as the
//! REST API returns them, and the `client_id` that makes a send idempotent.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "user" => Some(Self::User),
            "assistant" => Some(Self::Assistant),
            _ => None,
        }
    }
}

/// The start of a conversation's title until the interviewer knows its subject.
pub const DATED_TITLE_PREFIX: &str = "Conversation of ";

/// The title of a conversation started on `date`, until it has a subject.
pub fn dated_title(date: DateTime<Utc>) -> String {
    format!("{DATED_TITLE_PREFIX}{}", date.format("%Y-%m-%d"))
}

/// A conversation with the Career Interviewer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Conversation {
    pub id: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One stored message of a conversation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ChatMessage {
    pub id: String,
    pub conversation_id: String,
    pub role: Role,
    pub content: String,
    /// Order within the conversation: 1, 2, 3…
    pub position: u64,
    /// The sender's idempotency key (user messages only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The user message this assistant message answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/conversations`
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CreateConversationRequest {
    /// Optional; defaults to "Conversation of <date>".
    #[serde(default)]
    pub title: Option<String>,
}

/// The answer to `POST /api/v1/conversations`: the conversation and its opening message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedConversation {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub messages: Vec<ChatMessage>,
}

/// A page of conversations, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConversationPage {
    pub items: Vec<Conversation>,
    /// Pass as `?cursor=` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A page of messages, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MessagePage {
    pub items: Vec<ChatMessage>,
    /// Pass as `?after=` for the following (newer) messages; absent when none follow.
    pub next_cursor: Option<String>,
    /// Pass as `?before=` for the preceding (older) messages; absent when none precede.
    pub prev_cursor: Option<String>,
}

/// A sender's idempotency key: 1–64 characters of letters, digits, `-` and `_`
/// (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_short_plain_tokens() {
        assert!(ClientId::parse("7f9c2d1e-0b7a-4c4e-9a39-0c2f6b1d2e3f").is_some());
        assert!(ClientId::parse("").is_none());
        assert!(ClientId::parse("has space").is_none());
        assert!(ClientId::parse(&"x".repeat(65)).is_none());
    }
}

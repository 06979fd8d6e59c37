//! The `conversation` and `message` tables: the Career Interviewer chat.
//!
//! Messages carry a per-conversation `position` (1, 2, 3…) taken from the
//! conversation's counter in the same transaction as the insert. Each message
//! has a `client_id` unique per owner: the sender's idempotency key for user
//! messages, `reply:<user message id>` for replies, so neither a retried send
//! nor a retried reply can be stored twice.

use anyhow::Context as _;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use protocol::chat::{ChatMessage, Conversation, Role};
use surrealdb::types::{RecordId, SurrealValue};

use actors::chat_ports::{ChatStore, UserMessage};

use super::{Store, is_unique_violation, user_record};

fn conversation_record(id: &str) -> RecordId {
    RecordId::new("conversation", id)
}

fn message_record(id: &str) -> RecordId {
    RecordId::new("message", id)
}

fn reply_key(user_message_id: &str) -> String {
    format!("reply:{user_message_id}")
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[derive(SurrealValue)]
struct ConversationRow {
    id: String,
    title: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ConversationRow> for Conversation {
    fn from(row: ConversationRow) -> Self {
        Self { id: row.id, title: row.title, created_at: row.created_at, updated_at: row.updated_at }
    }
}

#[derive(SurrealValue)]
struct MessageRow {
    id: String,
    conversation_id: String,
    role: String,
    content: String,
    position: i64,
    client_id: Option<String>,
    reply_to: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<MessageRow> for ChatMessage {
    fn from(row: MessageRow) -> Self {
        let role = Role::parse(&row.role).unwrap_or(Role::Assistant);
        Self {
            id: row.id,
            conversation_id: row.conversation_id,
            role,
            content: row.content,
            position: u64::try_from(row.position).unwrap_or_default(),
            // Replies' keys are internal; only the sender's key is shown.
            client_id: row.client_id.filter(|_| role == Role::User),
            reply_to: row.reply_to,
            created_at: row.created_at,
        }
    }
}

const CONVERSATION_FIELDS: &str = "record::id(id) AS id, title, created_at, updated_at";
const MESSAGE_FIELDS: &str = "record::id(id) AS id, record::id(conversation) AS conversation_id, \
     role, content, position, client_id, reply_to, created_at";

/// Which slice of a conversation's messages to list.
#[derive(Debug, Clone, Copy)]
pub enum MessageWindow {
    /// From the first message on.
    First,
    /// Messages with a position greater than this.
    After(u64),
    /// Messages with a position smaller than this (the latest ones before it).
    Before(u64),
}

/// What a message insert came to.
enum Inserted {
    Message(ChatMessage),
    Duplicate,
}

impl Store {
    /// Stores a message at the conversation's next position.
    #[allow(clippy::too_many_arguments)]
    async fn insert_message(
        &self,
        owner: &str,
        conversation_id: &str,
        message_id: &str,
        role: Role,
        client_id: &str,
        reply_to: Option<&str>,
        content: &str,
    ) -> anyhow::Result<Inserted> {
        let result = self
            .db()
            .query(format!(
                "BEGIN TRANSACTION;
                 UPDATE $conversation SET next_position += 1, updated_at = time::now()
                     WHERE owner = $owner RETURN NONE;
                 LET $position = $conversation.next_position;
                 CREATE $message SET owner = $owner, conversation = $conversation, role = $role,
                     content = $content, position = $position, client_id = $client_id,
                     reply_to = $reply_to, created_at = time::now();
                 SELECT {MESSAGE_FIELDS} FROM $message;
                 COMMIT TRANSACTION;"
            ))
            .bind(("conversation", conversation_record(conversation_id)))
            .bind(("owner", user_record(owner)))
            .bind(("message", message_record(message_id)))
            .bind(("role", role.as_str()))
            .bind(("content", content.to_owned()))
            .bind(("client_id", client_id.to_owned()))
            .bind(("reply_to", reply_to.map(str::to_owned)))
            .await
            .and_then(|r| r.check());
        match result {
            Ok(mut response) => {
                let select = response.num_statements().saturating_sub(2);
                let rows: Vec<MessageRow> = response.take(select).context("failed to read a stored message")?;
                let row = rows.into_iter().next().context("the stored message is missing")?;
                Ok(Inserted::Message(row.into()))
            }
            Err(error) if is_unique_violation(&error) => Ok(Inserted::Duplicate),
            Err(error) => Err(error).context("failed to store a message"),
        }
    }

    /// The owner's message with this idempotency key.
    async fn message_by_client_id(&self, owner: &str, client_id: &str) -> anyhow::Result<Option<ChatMessage>> {
        let rows: Vec<MessageRow> = self
            .db()
            .query(format!(
                "SELECT {MESSAGE_FIELDS} FROM message WHERE owner = $owner AND client_id = $client_id LIMIT 1"
            ))
            .bind(("owner", user_record(owner)))
            .bind(("client_id", client_id.to_owned()))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to look up a message by client id")?;
        Ok(rows.into_iter().next().map(Into::into))
    }

    /// The owner's conversations, newest first, created before `before`.
    #[tracing::instrument(skip_all)]
    pub async fn list_conversations(
        &self,
        owner: &str,
        before: Option<DateTime<Utc>>,
        limit: usize,
    ) -> anyhow::Result<Vec<Conversation>> {
        let rows: Vec<ConversationRow> = self
            .db()
            .query(format!(
                "SELECT {CONVERSATION_FIELDS} FROM conversation
                 WHERE owner = $owner AND ($before = NONE OR created_at < $before)
                 ORDER BY created_at DESC LIMIT $limit"
            ))
            .bind(("owner", user_record(owner)))
            .bind(("before", before))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to list conversations")?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// One of the owner's conversations.
    #[tracing::instrument(skip_all)]
    pub async fn conversation(&self, owner: &str, id: &str) -> anyhow::Result<Option<Conversation>> {
        let rows: Vec<ConversationRow> = self
            .db()
            .query(format!("SELECT {CONVERSATION_FIELDS} FROM $conversation WHERE owner = $owner"))
            .bind(("conversation", conversation_record(id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read a conversation")?;
        Ok(rows.into_iter().next().map(Into::into))
    }

    /// A window of a conversation's messages, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn list_messages(
        &self,
        owner: &str,
        conversation_id: &str,
        window: MessageWindow,
        limit: usize,
    ) -> anyhow::Result<Vec<ChatMessage>> {
        let (condition, order, bound) = match window {
            MessageWindow::First => ("position > $bound", "ASC", 0),
            MessageWindow::After(p) => ("position > $bound", "ASC", p),
            MessageWindow::Before(p) => ("position < $bound", "DESC", p),
        };
        let mut rows: Vec<MessageRow> = self
            .db()
            .query(format!(
                "SELECT {MESSAGE_FIELDS} FROM message
                 WHERE conversation = $conversation AND owner = $owner AND {condition}
                 ORDER BY position {order} LIMIT $limit"
            ))
            .bind(("conversation", conversation_record(conversation_id)))
            .bind(("owner", user_record(owner)))
            .bind(("bound", i64::try_from(bound).unwrap_or(i64::MAX)))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to list messages")?;
        if order == "DESC" {
            rows.reverse();
        }
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Gives a conversation still titled by its date ("Conversation of
    /// 2026-12-06") a title from what it is about.
    #[tracing::instrument(skip_all)]
    pub async fn title_dated_conversation(&self, owner: &str, id: &str, title: &str) -> anyhow::Result<()> {
        self.db()
            .query(
                "UPDATE $conversation SET title = $title
                     WHERE owner = $owner AND string::starts_with(title, $dated) RETURN NONE",
            )
            .bind(("conversation", conversation_record(id)))
            .bind(("owner", user_record(owner)))
            .bind(("title", title.to_owned()))
            .bind(("dated", protocol::chat::DATED_TITLE_PREFIX))
            .await
            .and_then(|r| r.check())
            .context("failed to title a conversation")?;
        Ok(())
    }

    /// Deletes one of the owner's conversations with its messages; false when
    /// there was no such conversation.
    #[tracing::instrument(skip_all)]
    pub async fn delete_conversation(&self, owner: &str, id: &str) -> anyhow::Result<bool> {
        if self.conversation(owner, id).await?.is_none() {
            return Ok(false);
        }
        self.db()
            .query(
                "BEGIN TRANSACTION;
                 DELETE message WHERE conversation = $conversation AND owner = $owner;
                 DELETE $conversation WHERE owner = $owner;
                 COMMIT TRANSACTION;",
            )
            .bind(("conversation", conversation_record(id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|r| r.check())
            .context("failed to delete a conversation")?;
        Ok(true)
    }
}

#[async_trait]
impl ChatStore for Store {
    async fn create_conversation(
        &self,
        owner: &str,
        title: &str,
        introduction: &str,
    ) -> anyhow::Result<(Conversation, ChatMessage)> {
        let id = new_id();
        self.db()
            .query(
                "CREATE $conversation SET owner = $owner, title = $title, next_position = 0,
                     created_at = time::now(), updated_at = time::now()",
            )
            .bind(("conversation", conversation_record(&id)))
            .bind(("owner", user_record(owner)))
            .bind(("title", title.to_owned()))
            .await
            .and_then(|r| r.check())
            .context("failed to create a conversation")?;
        let intro_id = new_id();
        let intro = match self
            .insert_message(owner, &id, &intro_id, Role::Assistant, &format!("intro:{id}"), None, introduction)
            .await?
        {
            Inserted::Message(message) => message,
            Inserted::Duplicate => anyhow::bail!("a new conversation already had an introduction"),
        };
        let conversation = self.conversation(owner, &id).await?.context("the new conversation vanished")?;
        Ok((conversation, intro))
    }

    async fn owns_conversation(&self, owner: &str, conversation_id: &str) -> anyhow::Result<bool> {
        Ok(self.conversation(owner, conversation_id).await?.is_some())
    }

    async fn conversation_of_client_id(&self, owner: &str, client_id: &str) -> anyhow::Result<Option<String>> {
        Ok(self.message_by_client_id(owner, client_id).await?.map(|m| m.conversation_id))
    }

    async fn add_user_message(
        &self,
        owner: &str,
        conversation_id: &str,
        client_id: &str,
        text: &str,
    ) -> anyhow::Result<UserMessage> {
        if let Some(message) = self.message_by_client_id(owner, client_id).await? {
            return Ok(UserMessage { message, created: false });
        }
        let id = new_id();
        match self.insert_message(owner, conversation_id, &id, Role::User, client_id, None, text).await? {
            Inserted::Message(message) => Ok(UserMessage { message, created: true }),
            Inserted::Duplicate => {
                let message = self
                    .message_by_client_id(owner, client_id)
                    .await?
                    .context("a duplicate message could not be found")?;
                Ok(UserMessage { message, created: false })
            }
        }
    }

    async fn add_assistant_message(
        &self,
        owner: &str,
        conversation_id: &str,
        message_id: &str,
        reply_to: &str,
        content: &str,
    ) -> anyhow::Result<ChatMessage> {
        let key = reply_key(reply_to);
        match self
            .insert_message(owner, conversation_id, message_id, Role::Assistant, &key, Some(reply_to), content)
            .await?
        {
            Inserted::Message(message) => Ok(message),
            Inserted::Duplicate => self
                .message_by_client_id(owner, &key)
                .await?
                .context("a duplicate reply could not be found"),
        }
    }

    async fn reply_to(&self, owner: &str, user_message_id: &str) -> anyhow::Result<Option<ChatMessage>> {
        self.message_by_client_id(owner, &reply_key(user_message_id)).await
    }

    async fn message(&self, owner: &str, message_id: &str) -> anyhow::Result<Option<ChatMessage>> {
        let rows: Vec<MessageRow> = self
            .db()
            .query(format!("SELECT {MESSAGE_FIELDS} FROM $message WHERE owner = $owner"))
            .bind(("message", message_record(message_id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read a message")?;
        Ok(rows.into_iter().next().map(Into::into))
    }

    async fn recent_messages(
        &self,
        owner: &str,
        conversation_id: &str,
        limit: usize,
    ) -> anyhow::Result<Vec<ChatMessage>> {
        self.list_messages(owner, conversation_id, MessageWindow::Before(u64::MAX >> 2), limit).await
    }
}

//! Chat history over REST: list, open, read and delete conversations. Talking
//! happens on the WebSocket (`chat.send`); these endpoints show what was said.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::Utc;
use protocol::chat::{
    ConversationPage, CreateConversationRequest, CreatedConversation, MessagePage,
};
use protocol::error::ErrorBody;
use serde::Deserialize;

use actors::chat_ports::ChatStore as _;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::body::OptionalJson;
use crate::http::pagination::{next_page, page_size, parse_cursor};
use crate::startup::AppState;
use crate::store::chat::MessageWindow;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_conversations)
        .service(create_conversation)
        .service(list_messages)
        .service(delete_conversation);
}

/// Longest conversation title, in characters (as sent, spaces included).
pub const TITLE_MAX_CHARS: usize = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// From a previous page's `next_cursor`.
    cursor: Option<String>,
    /// Page size (default 20, at most `chat.max_page_size`).
    limit: Option<usize>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MessageQuery {
    /// Messages after this position (a page's `next_cursor`); not with `before`.
    #[param(minimum = 0)]
    after: Option<i64>,
    /// Messages before this position (a page's `prev_cursor`); not with `after`.
    #[param(minimum = 0)]
    before: Option<i64>,
    /// Page size (default 50, at most `chat.max_page_size`).
    limit: Option<usize>,
}

/// The user's conversations, newest first.
#[utoipa::path(
    tag = "chat",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = ConversationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, description = "limit is not from 1 to the maximum page size", body = ErrorBody))
)]
#[get("/api/v1/conversations")]
pub async fn list_conversations(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_size(query.limit, 20, state.settings.chat.max_page_size)?;
    let before = parse_cursor(query.cursor.as_deref())?;
    let mut items = state.store.list_conversations(&auth.user_id, before, limit + 1).await?;
    let next_cursor = next_page(&mut items, limit, |c| c.created_at);
    Ok(HttpResponse::Ok().json(ConversationPage { items, next_cursor }))
}

/// Starts a conversation; it opens with the Career Interviewer's introduction.
#[utoipa::path(
    tag = "chat",
    security(("bearer" = [])),
    request_body(content = Option<CreateConversationRequest>, description = "optional (absent, empty or null: no title)"),
    responses((status = 201, body = CreatedConversation), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/api/v1/conversations")]
pub async fn create_conversation(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: OptionalJson<CreateConversationRequest>,
) -> Result<HttpResponse, ApiError> {
    let requested = body.into_inner().title;
    let title = match requested.filter(|t| !t.trim().is_empty()) {
        Some(title) if title.chars().count() > TITLE_MAX_CHARS => {
            return Err(ApiError::Validation {
                field: "title",
                message: format!("title must be at most {TITLE_MAX_CHARS} characters"),
            });
        }
        Some(title) => title.trim().to_owned(),
        None => protocol::chat::dated_title(Utc::now()),
    };
    let (conversation, intro) = state
        .store
        .create_conversation(&auth.user_id, &title, &state.chat_config.introduction)
        .await?;
    Ok(HttpResponse::Created().json(CreatedConversation { conversation, messages: vec![intro] }))
}

/// A conversation's messages, oldest first.
#[utoipa::path(
    tag = "chat",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "conversation id"), MessageQuery),
    responses(
        (status = 200, body = MessagePage), (status = 400, description = "both after and before, or an unreadable parameter", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "limit out of range, or a negative position", body = ErrorBody)
    )
)]
#[get("/api/v1/conversations/{id}/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    query: web::Query<MessageQuery>,
) -> Result<HttpResponse, ApiError> {
    if state.store.conversation(&auth.user_id, &id).await?.is_none() {
        return Err(ApiError::NotFound("conversation"));
    }
    let limit = page_size(query.limit, 50, state.settings.chat.max_page_size)?;
    let position = |field: &'static str, value: Option<i64>| {
        value
            .map(|v| u64::try_from(v).map_err(|_| ApiError::Validation { field, message: format!("{field} must be 0 or more") }))
            .transpose()
    };
    let window = match (position("after", query.after)?, position("before", query.before)?) {
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(String::from("use either after or before, not both")));
        }
        (Some(after), None) => MessageWindow::After(after),
        (None, Some(before)) => MessageWindow::Before(before),
        (None, None) => MessageWindow::First,
    };
    let mut items = state.store.list_messages(&auth.user_id, &id, window, limit + 1).await?;
    let more = items.len() > limit;
    if more {
        match window {
            MessageWindow::Before(_) => drop(items.remove(0)),
            _ => items.truncate(limit),
        }
    }
    let first = items.first().map(|m| m.position);
    let last = items.last().map(|m| m.position);
    let (has_next, has_prev) = match window {
        MessageWindow::Before(_) => (true, more),
        MessageWindow::After(after) => (more, after > 0),
        MessageWindow::First => (more, false),
    };
    Ok(HttpResponse::Ok().json(MessagePage {
        next_cursor: last.filter(|_| has_next).map(|p| p.to_string()),
        prev_cursor: first.filter(|p| has_prev && *p > 1).map(|p| p.to_string()),
        items,
    }))
}

/// Deletes a conversation and all its messages.
#[utoipa::path(
    tag = "chat",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "conversation id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/api/v1/conversations/{id}")]
pub async fn delete_conversation(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !state.store.delete_conversation(&auth.user_id, &id).await? {
        return Err(ApiError::NotFound("conversation"));
    }
    state.chats.do_send(actors::chat::Forget { conversation_id: id.into_inner() });
    Ok(HttpResponse::NoContent().finish())
}

//! In-app notifications over REST: the list (newest first, with the unread
//! count) and marking one read. They are pushed live as `notification` events.

use actix_web::{HttpResponse, get, post, web};
use protocol::error::ErrorBody;
use protocol::notification::NotificationPage;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::interviews::PageQuery;
use crate::http::pagination::{next_page, page_size, parse_cursor};
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_notifications).service(mark_read);
}

/// The user's notifications, newest first, and how many are unread.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = NotificationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, description = "limit is not from 1 to the maximum page size", body = ErrorBody))
)]
#[get("/api/v1/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_size(query.limit, 20, state.settings.interviews.max_page_size)?;
    let before = parse_cursor(query.cursor.as_deref())?;
    let (mut items, unread) = state.store.list_notifications(&auth.user_id, before, limit + 1).await?;
    let next_cursor = next_page(&mut items, limit, |n| n.created_at);
    Ok(HttpResponse::Ok().json(NotificationPage { items, unread, next_cursor }))
}

/// Marks a notification read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "notification id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/api/v1/notifications/{id}/read")]
pub async fn mark_read(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    if !state.store.mark_notification_read(&auth.user_id, &id).await? {
        return Err(ApiError::NotFound("notification"));
    }
    Ok(HttpResponse::NoContent().finish())
}

//! Recorded interviews over REST: list, read, edit the context (optimistic
//! locking by `version`), delete (with the recording). Recordings arrive
//! through tus at `/files/`; each upload is an interview from its creation.

use actix_web::{HttpResponse, delete, get, patch, web};
use protocol::error::ErrorBody;
use protocol::interview::{Interview, InterviewPage, UpdateInterviewRequest};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::pagination::{next_page, page_size, parse_cursor};
use crate::startup::AppState;
use crate::store::interviews::EditRefused;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_interviews).service(get_interview).service(update_interview).service(delete_interview);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// From a previous page's `next_cursor`.
    cursor: Option<String>,
    /// Page size (default 20, at most `interviews.max_page_size`).
    limit: Option<usize>,
}

/// The user's interviews, newest first, with their status.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = InterviewPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody))
)]
#[get("/api/v1/interviews")]
pub async fn list_interviews(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_size(query.limit, 20, state.settings.interviews.max_page_size)?;
    let before = parse_cursor(query.cursor.as_deref())?;
    let mut items = state.store.list_interviews(&auth.user_id, before, limit + 1).await?;
    let next_cursor = next_page(&mut items, limit, |i| i.created_at);
    Ok(HttpResponse::Ok().json(InterviewPage { items, next_cursor }))
}

/// One interview: status, version, context and recording.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    responses((status = 200, body = Interview), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/interviews/{id}")]
pub async fn get_interview(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let interview = state.store.interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    Ok(HttpResponse::Ok().json(interview))
}

/// Edits the context (company, job title, type, notes, job description).
/// `version` must be the current one; a stale version answers 409 with the
/// current one in `details.current_version`.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    request_body = UpdateInterviewRequest,
    responses(
        (status = 200, body = Interview), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    )
)]
#[patch("/api/v1/interviews/{id}")]
pub async fn update_interview(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    body: web::Json<UpdateInterviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let current = state.store.interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    if current.version != body.version {
        return Err(ApiError::VersionConflict("interview", current.version));
    }
    let mut context = current.context;
    state
        .settings
        .interviews
        .limits()
        .apply(&mut context, &body)
        .map_err(|e| ApiError::Validation { field: e.field, message: e.message })?;
    match state.store.update_interview_context(&auth.user_id, &id, body.version, &context).await? {
        Ok(updated) => Ok(HttpResponse::Ok().json(updated)),
        Err(EditRefused::NotFound) => Err(ApiError::NotFound("interview")),
        Err(EditRefused::Stale { current }) => Err(ApiError::VersionConflict("interview", current)),
    }
}

/// Deletes the interview, its recording and any unfinished upload of it.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/api/v1/interviews/{id}")]
pub async fn delete_interview(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let deleted = state.store.delete_interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    for upload_id in deleted.upload_ids {
        state.uploads.do_send(actors::upload::Forget { upload_id });
    }
    for key in &deleted.file_keys {
        state.files.delete(key).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

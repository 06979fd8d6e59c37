//! Recorded interviews over REST: list, read, edit the context (optimistic
//! locking by `version`), delete (with the recording). Recordings arrive
//! through tus at `/files/`; each upload is an interview from its creation.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use protocol::error::ErrorBody;
use protocol::interview::{Interview, InterviewPage, UpdateInterviewRequest};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::pagination::{next_page, page_size, parse_cursor};
use crate::startup::AppState;
use crate::store::interviews::EditRefused;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_interviews)
        .service(get_interview)
        .service(update_interview)
        .service(delete_interview)
        .service(get_transcript)
        .service(get_analysis)
        .service(reanalyse);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size (default 20, at most `interviews.max_page_size`).
    pub limit: Option<usize>,
}

/// The user's interviews, newest first, with their status.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = InterviewPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, description = "limit is not from 1 to the maximum page size", body = ErrorBody))
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
        .apply(&mut context, &body)?;
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
    // Stop its job first (on this node; elsewhere the lost lease stops it).
    state.jobs.do_send(actors::jobs::Cancel { interview_id: id.to_string() });
    let deleted = state.store.delete_interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    for upload_id in deleted.upload_ids {
        state.uploads.do_send(actors::upload::Forget { upload_id });
    }
    for key in &deleted.file_keys {
        state.files.delete(key).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TranscriptQuery {
    /// `json` (default), `txt`, `srt` or `vtt`.
    format: Option<String>,
    /// Only the segments containing every word of this text (case-insensitive).
    q: Option<String>,
}

/// The recording's transcript, with timestamps, as JSON, text or subtitles;
/// `q` narrows it to the matching segments. 409 `transcript_not_ready` until
/// transcription has finished.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id"), TranscriptQuery),
    responses(
        (status = 200, body = protocol::transcript::Transcript, description = "JSON, or text/plain, application/x-subrip, text/vtt"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    )
)]
#[get("/api/v1/interviews/{id}/transcript")]
pub async fn get_transcript(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    query: web::Query<TranscriptQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::transcript_formats::{Format, render, search};
    let format = match query.format.as_deref() {
        None => Format::Json,
        Some(raw) => Format::parse(raw)
            .ok_or_else(|| ApiError::BadRequest(format!("format must be json, txt, srt or vtt, not {raw:?}")))?,
    };
    let interview = state.store.interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    let mut transcript = state.store.transcript(&auth.user_id, &id).await?.ok_or_else(|| ApiError::Conflict {
        code: "transcript_not_ready",
        message: format!("the recording has no transcript yet (status: {})", interview.status.as_str()),
    })?;
    if let Some(q) = query.q.as_deref() {
        search(&mut transcript, q);
    }
    let name = interview.recording.filename.as_deref().and_then(|f| f.rsplit_once('.').map(|(stem, _)| stem)).unwrap_or("transcript");
    let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ')).collect();
    let disposition = format!("inline; filename=\"{}.{}\"", if safe.is_empty() { "transcript" } else { &safe }, format.extension());
    let body = match format {
        Format::Json => serde_json::to_string(&transcript).map_err(anyhow::Error::from)?,
        other => render(&transcript, other),
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Content-Disposition", disposition))
        .body(body))
}

/// The recording's analysis: speech, structure (STAR), tone, score,
/// recommendations, and what is missing (`missing`) when the model failed.
/// 409 `analysis_not_ready` until the analysis stage has run.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    responses(
        (status = 200, body = protocol::analysis::Analysis), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)
    )
)]
#[get("/api/v1/interviews/{id}/analysis")]
pub async fn get_analysis(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let interview = state.store.interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    let (analysis, _) = state.store.analysis(&auth.user_id, &id).await?.ok_or_else(|| ApiError::Conflict {
        code: "analysis_not_ready",
        message: format!("the recording has not been analysed yet (status: {})", interview.status.as_str()),
    })?;
    Ok(HttpResponse::Ok().json(analysis))
}

/// Analyses the recording again (the transcript is kept; the analysis and its
/// notification are made anew). 202 with the interview; 409 `job_in_progress`
/// while it is being processed, `not_uploaded` before the upload finished.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    responses(
        (status = 202, body = Interview), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)
    )
)]
#[post("/api/v1/interviews/{id}/analyze")]
pub async fn reanalyse(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    use crate::store::jobs::RequeueRefused;
    state.store.interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    match state.store.requeue_job(&auth.user_id, &id).await? {
        Ok(()) => {}
        Err(RequeueRefused::Busy) => {
            return Err(ApiError::Conflict { code: "job_in_progress", message: "the recording is being processed already".into() });
        }
        Err(RequeueRefused::NoRecording) => {
            return Err(ApiError::Conflict { code: "not_uploaded", message: "the recording has not finished uploading".into() });
        }
    }
    state.jobs.do_send(actors::jobs::Wake);
    let interview = state.store.interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    Ok(HttpResponse::Accepted().json(interview))
}

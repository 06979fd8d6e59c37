//! Prep vs actual over REST: link a recorded interview to a practice session
//! (or unlink it) and read the comparison of the two once the recording is
//! analysed. Questions are matched by meaning with the local embedding model
//! when it is loaded, else by shared content words (`matcher` says which).

use actix_web::{HttpResponse, delete, get, put, web};
use protocol::error::ErrorBody;
use protocol::interview::Interview;
use protocol::practice::{Comparison, LinkPracticeRequest};

use crate::auth::AuthUser;
use crate::embed::{Embedder as _, cosine};
use crate::error::ApiError;
use crate::practice::compare::{self, Asked, Similarities, lexical_matrix};
use crate::practice::reading::Readings;
use crate::startup::AppState;
use crate::store::interviews::PracticeMissing;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(link).service(unlink).service(comparison);
}

async fn set_link(state: &AppState, owner: &str, id: &str, practice_id: Option<&str>) -> Result<Interview, ApiError> {
    // Someone else's interview is not there at all, whatever the session.
    state.store.interview(owner, id).await?.ok_or(ApiError::NotFound("interview"))?;
    match state.store.link_practice(owner, id, practice_id).await? {
        Ok(Some(interview)) => Ok(interview),
        Ok(None) => Err(ApiError::NotFound("interview")),
        Err(PracticeMissing) => Err(ApiError::Validation {
            field: "practice_id",
            message: String::from("practice_id names no practice session of yours"),
        }),
    }
}

/// Links the interview to a practice session, for the comparison.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    request_body = LinkPracticeRequest,
    responses((status = 200, body = Interview), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/api/v1/interviews/{id}/practice")]
pub async fn link(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    body: web::Json<LinkPracticeRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(set_link(&state, &auth.user_id, &id, Some(body.practice_id.trim())).await?))
}

/// Unlinks the interview from its practice session.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    responses((status = 200, body = Interview), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/api/v1/interviews/{id}/practice")]
pub async fn unlink(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(set_link(&state, &auth.user_id, &id, None).await?))
}

/// Practice vs the real interview: practised questions that were asked (with
/// similarity, prep and actual answers side by side and per-metric deltas),
/// unexpected questions, practised ones not asked, and an improvement score
/// from −100 to +100. 409 `not_linked` without a linked session,
/// `analysis_not_ready` before the analysis.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    responses((status = 200, body = Comparison), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[get("/api/v1/interviews/{id}/comparison")]
pub async fn comparison(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let owner = &auth.user_id;
    let interview = state.store.interview(owner, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    let not_linked = || ApiError::Conflict {
        code: "not_linked",
        message: String::from("link the interview to a practice session first"),
    };
    let practice_id = interview.practice_id.as_deref().ok_or_else(not_linked)?;
    let session = state.store.practice(owner, practice_id).await?.ok_or_else(not_linked)?;
    let not_ready = || ApiError::Conflict {
        code: "analysis_not_ready",
        message: format!("the recording has not been analysed yet (status: {})", interview.status.as_str()),
    };
    let (analysis, _) = state.store.analysis(owner, &id).await?.ok_or_else(not_ready)?;
    let transcript = state.store.transcript(owner, &id).await?.ok_or_else(not_ready)?;
    let asked = compare::asked_questions(&analysis, &transcript);
    let practised: Vec<String> = session.questions.iter().map(|q| q.text.clone()).collect();
    let similarities = similarities(&state, &practised, &asked).await;
    let readings = Readings::prepare(state.local_engines.star_reader().await, asked.iter().map(|a| a.answer.clone())).await;
    Ok(HttpResponse::Ok().json(compare::compare(&id, &session, &asked, &similarities, &readings)))
}

/// Embedding similarities when the model is loaded (and answers), else lexical ones.
async fn similarities(state: &AppState, practised: &[String], asked: &[Asked]) -> Similarities {
    let settings = &state.settings.practice;
    if let Some(embedder) = state.local_engines.embedder.acquire().await {
        let texts: Vec<String> = practised.iter().cloned().chain(asked.iter().map(|a| a.text.clone())).collect();
        match embedder.embed(texts).await {
            Ok(vectors) => {
                let (rows, columns) = vectors.split_at(practised.len());
                return Similarities {
                    matcher: embedder.engine(),
                    threshold: settings.match_threshold,
                    matrix: rows.iter().map(|r| columns.iter().map(|c| f64::from(cosine(r, c))).collect()).collect(),
                };
            }
            Err(error) => tracing::warn!(error = format!("{error:#}"), "embedding questions failed; matching words instead"),
        }
    }
    Similarities {
        matcher: "lexical".to_owned(),
        threshold: settings.lexical_match_threshold,
        matrix: lexical_matrix(practised, &asked.iter().map(|a| a.text.clone()).collect::<Vec<_>>()),
    }
}

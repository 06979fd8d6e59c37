//! A recording's speakers over REST: who spoke, in which role, for how long
//! (`GET`), and the user's corrections (`PUT`: roles, merged labels), after
//! which the analysis is recomputed from the stored transcript — no second
//! transcription — with the usual `interview.status` pushes.

use actix_web::{HttpResponse, get, put, web};
use protocol::error::ErrorBody;
use protocol::interview::{Interview, InterviewStatus};
use protocol::speakers::{Speakers, SpeakersUpdate};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::speakers::update::UpdateError;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_speakers).service(put_speakers);
}

fn not_ready(interview: &Interview) -> ApiError {
    ApiError::Conflict {
        code: "analysis_not_ready",
        message: format!("the recording's speakers are not known yet (status: {})", interview.status.as_str()),
    }
}

/// The recording's speakers: label, role and talk time of each, how they
/// were told apart (`diarization`, `channels`, `single`, `user`), how sure
/// that is, and where they spoke over each other. 409 `analysis_not_ready`
/// until the transcript and its speakers exist.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    responses(
        (status = 200, body = Speakers), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)
    )
)]
#[get("/api/v1/interviews/{id}/speakers")]
pub async fn get_speakers(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let interview = state.store.interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    let transcript = state.store.transcript(&auth.user_id, &id).await?;
    let speakers = transcript.and_then(|t| t.speakers).ok_or_else(|| not_ready(&interview))?;
    Ok(HttpResponse::Ok().json(speakers))
}

/// Corrects the speakers: `roles` by label, and `merge` pairs (the second
/// label's speech becomes the first's). 202 with the interview, whose analysis
/// is then recomputed from the stored transcript. Unknown labels, a label
/// merged into itself, or no candidate left → 422 and nothing changes; 409
/// while the recording is being processed or before its speakers are known.
#[utoipa::path(
    tag = "interviews",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "interview id")),
    request_body = SpeakersUpdate,
    responses(
        (status = 202, body = Interview), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    )
)]
#[put("/api/v1/interviews/{id}/speakers")]
pub async fn put_speakers(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    body: web::Json<SpeakersUpdate>,
) -> Result<HttpResponse, ApiError> {
    use crate::store::jobs::RequeueRefused;
    let interview = state.store.interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    let transcript = state.store.transcript(&auth.user_id, &id).await?.ok_or_else(|| not_ready(&interview))?;
    let busy = || ApiError::Conflict { code: "job_in_progress", message: "the recording is being processed already".into() };
    if matches!(interview.status, InterviewStatus::Uploaded | InterviewStatus::Transcribing | InterviewStatus::Analyzing) {
        return Err(busy());
    }
    let corrected = crate::speakers::update::apply(&transcript, &body).map_err(|error| {
        let field = match error {
            UpdateError::SelfMerge(_) => "merge",
            UpdateError::NoSpeakers => return not_ready(&interview),
            UpdateError::UnknownLabel(_) | UpdateError::NoCandidate => "roles",
        };
        ApiError::Validation { field, message: error.to_string() }
    })?;
    state.store.save_transcript(&auth.user_id, &id, &corrected).await?;
    match state.store.requeue_job(&auth.user_id, &id).await? {
        Ok(()) => {}
        Err(RequeueRefused::Busy) => return Err(busy()),
        Err(RequeueRefused::NoRecording) => {
            return Err(ApiError::Conflict { code: "not_uploaded", message: "the recording has not finished uploading".into() });
        }
    }
    state.jobs.do_send(actors::jobs::Wake);
    let interview = state.store.interview(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("interview"))?;
    Ok(HttpResponse::Accepted().json(interview))
}

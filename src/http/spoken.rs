//! Spoken practice answers over HTTP: `POST
//! /api/v1/practice/{id}/questions/{q}/audio` with the recording as the body.
//! The format (from `Content-Type`), the size, the length and the presence of
//! speech are checked before answering, so a recording that cannot be used
//! gets its 413 or 422 at once and the previous answer stays; a usable one is
//! accepted (202 `{"answer_id"}`) and transcribed, stored and coached in the
//! background ([`crate::practice::spoken`]), with `practice.answer.transcribed`
//! and the coaching pushed to the user's sockets.

use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt as _;
use protocol::error::ErrorBody;
use protocol::spoken::{AudioAccepted, AudioFormat};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::practice::spoken::{SpokenError, check_speech, decode_bytes};
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(post_audio);
}

/// Takes a spoken answer to one question.
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id"), ("question_id" = String, Path, description = "question id")),
    request_body(
        description = "the recording",
        content((Vec<u8> = "audio/webm"), (Vec<u8> = "audio/ogg"), (Vec<u8> = "audio/mp4"), (Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/wav"))
    ),
    responses(
        (status = 202, body = AudioAccepted, description = "being transcribed; practice.answer.transcribed and the coaching follow on the socket"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "longer than practice.max_answer_secs, or larger than practice.max_answer_bytes"),
        (status = 422, body = ErrorBody, description = "an unknown format, undecodable audio, or no speech"),
        (status = 503, body = ErrorBody, description = "no speech-to-text engine is ready")
    )
)]
#[post("/api/v1/practice/{id}/questions/{question_id}/audio")]
pub async fn post_audio(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (id, question_id) = path.into_inner();
    let content_type = request.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = AudioFormat::from_content_type(content_type).ok_or_else(|| SpokenError::UnknownFormat(content_type.to_owned()))?;
    let spoken = state.spoken.clone();
    let target = spoken.target(&auth.user_id, &id, &question_id).await?;
    let limits = &state.settings.practice;
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("the body could not be read: {e}")))?;
        if bytes.len() + chunk.len() > limits.max_answer_bytes {
            return Err(SpokenError::TooLarge(limits.max_answer_bytes).into());
        }
        bytes.extend_from_slice(&chunk);
    }
    let max_secs = limits.max_answer_secs;
    let decoded = web::block(move || decode_bytes(bytes, format, max_secs)).await.map_err(|e| ApiError::Unexpected(e.into()))??;
    check_speech(&decoded)?;
    spoken.speech.get().await.map_err(|failure| ApiError::SpeechUnavailable(failure.message))?;
    let answer_id = uuid::Uuid::new_v4().simple().to_string();
    let accepted = AudioAccepted { answer_id: answer_id.clone() };
    actix_rt::spawn(async move { spoken.finish(target, answer_id, None, decoded).await });
    Ok(HttpResponse::Accepted().json(accepted))
}

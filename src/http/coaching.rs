//! Coaching on one typed practice answer: the answer is stored (as `PUT
//! …/answers` would), the request answers 202 with a `stream_id`, and the
//! feedback streams to every socket of the user
//! ([`crate::practice::coaching_stream`]).

use actix_web::{HttpResponse, post, web};
use protocol::error::ErrorBody;
use protocol::practice::{CoachAccepted, CoachRequest};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::practice::answers::store_answers;
use crate::practice::coaching_stream::start_coaching;
use crate::practice::input;
use crate::practice::reading::Readings;
use crate::practice::writer::writer;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(coach_answer);
}

/// Stores the answer and streams coaching on it over the WebSocket.
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id"), ("question_id" = String, Path, description = "question id")),
    request_body = CoachRequest,
    responses(
        (status = 202, body = CoachAccepted, description = "feedback follows as practice.feedback.* frames"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    )
)]
#[post("/api/v1/practice/{id}/questions/{question_id}/coach")]
pub async fn coach_answer(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
    body: web::Json<CoachRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, question_id) = path.into_inner();
    let text = input::answer_text(&body.text, &state.settings.practice)?;
    let answers = [(question_id.clone(), text.clone())];
    let readings = Readings::prepare_changed(state.local_engines.star_reader().await, &state.store, &auth.user_id, &id, &answers).await;
    let session = state
        .store
        .change_practice(&auth.user_id, &id, |session| {
            if !session.questions.iter().any(|q| q.id == question_id) {
                return Err(ApiError::NotFound("question"));
            }
            store_answers(session, &answers, &readings)
        })
        .await?
        .ok_or(ApiError::NotFound("practice session"))??;
    let stream_id = start_coaching(&state.hub, &state.store, writer(&state.chat_choice, &state.settings.practice), &auth.user_id, session, &question_id);
    Ok(HttpResponse::Accepted().json(CoachAccepted { practice_id: id, question_id, stream_id }))
}

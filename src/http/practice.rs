//! Practice sessions over REST: create, history, read, delete; generate and
//! edit questions; store answers in batches; complete with feedback, then
//! regenerate or edit it; targeted drills. The status machine
//! (`draft → in_progress → completed`) is `PracticeStatus::after`; an illegal
//! step answers 409 `illegal_transition`. Coaching is in `http::coaching`.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::Utc;
use protocol::error::ErrorBody;
use protocol::practice::{
    AnswersRequest, CompleteRequest, CreatePracticeRequest, DrillRequest, EditQuestionsRequest, Feedback, FeedbackEdit, GenerateRequest,
    PracticeAction, PracticePage, PracticeSession, PracticeStatus,
};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::body::OptionalJson;
use crate::http::interviews::PageQuery;
use crate::http::pagination::{next_page, page_size, parse_cursor};
use crate::practice::writer::writer;
use crate::practice::answers::{illegal, order_answers, step, store_answers};
use crate::practice::reading::Readings;
use crate::practice::{coach, drills, input, questions};
use crate::startup::AppState;

/// Sessions and analyses read to find the weakest skills for a drill.
const DRILL_EVIDENCE: usize = 20;
/// Skills one drill targets.
const DRILL_SKILLS: usize = 3;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `drills` before `{id}` routes so it is not taken for an id.
    cfg.service(create_drill)
        .service(create_practice)
        .service(list_practice)
        .service(get_practice)
        .service(delete_practice)
        .service(generate_questions)
        .service(edit_questions)
        .service(put_answers)
        .service(complete)
        .service(regenerate_feedback)
        .service(edit_feedback);
}

/// Runs `change` on the owner's session; 404 when there is none.
async fn change(
    state: &AppState,
    owner: &str,
    id: &str,
    change: impl Fn(&mut PracticeSession) -> Result<(), ApiError>,
) -> Result<PracticeSession, ApiError> {
    state.store.change_practice(owner, id, change).await?.ok_or(ApiError::NotFound("practice session"))?
}

fn new_session(owner_fields: input::NewPractice) -> PracticeSession {
    let now = Utc::now();
    PracticeSession {
        id: uuid::Uuid::new_v4().simple().to_string(),
        status: PracticeStatus::Draft,
        version: 1,
        job_title: owner_fields.job_title,
        company: owner_fields.company,
        interview_type: owner_fields.interview_type,
        job_description: owner_fields.job_description,
        resume_url: owner_fields.resume_url,
        focus: Vec::new(),
        questions: Vec::new(),
        answers: Vec::new(),
        feedback: None,
        question_count: 0,
        answered_count: 0,
        completed_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// With a model to write it (the endpoint, or offline the local model), the
/// model writes the session feedback's `detail` (the rules' rating, strengths
/// and improvements stay). When the model fails or is slow, the rules'
/// feedback stands.
async fn with_model_detail(state: &AppState, owner: &str, session: PracticeSession) -> Result<PracticeSession, ApiError> {
    let limits = &state.settings.practice;
    let (Some(writer), Some(written)) = (writer(&state.chat_choice, limits), &session.feedback) else {
        return Ok(session);
    };
    let turns = coach::session_prompt(&session, limits.max_answer_chars.min(1500));
    let reply = crate::llm::reply_within(writer.model.as_ref(), turns, writer.max_tokens, writer.timeout, "practice summary").await;
    let Some(detail) = reply.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()) else {
        return Ok(session);
    };
    let written_at = written.updated_at;
    let updated = state
        .store
        .change_practice(owner, &session.id, |session| match session.feedback.as_mut() {
            // Only the feedback it was asked about (not one edited meanwhile).
            Some(feedback) if feedback.updated_at == written_at => {
                feedback.detail.clone_from(&detail);
                feedback.source = "model".to_owned();
                Ok(())
            }
            _ => Err(()),
        })
        .await?;
    Ok(match updated {
        Some(Ok(updated)) => updated,
        _ => session,
    })
}

/// Starts a practice session (`draft`, no questions yet).
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    request_body = CreatePracticeRequest,
    responses((status = 201, body = PracticeSession), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/api/v1/practice")]
pub async fn create_practice(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<CreatePracticeRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = new_session(input::NewPractice::parse(&body, &state.settings.practice)?);
    state.store.create_practice(&auth.user_id, &session).await?;
    metrics::counter!("debrief_practice_sessions_created_total").increment(1);
    Ok(HttpResponse::Created().json(session))
}

/// The user's practice history, newest first.
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = PracticePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, description = "limit is not from 1 to the maximum page size", body = ErrorBody))
)]
#[get("/api/v1/practice")]
pub async fn list_practice(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_size(query.limit, 20, state.settings.practice.max_page_size)?;
    let before = parse_cursor(query.cursor.as_deref())?;
    let mut items = state.store.list_practice(&auth.user_id, before, limit + 1).await?;
    let next_cursor = next_page(&mut items, limit, |s| s.created_at);
    Ok(HttpResponse::Ok().json(PracticePage { items, next_cursor }))
}

/// One session: questions in order, answers with their measures and coaching, feedback.
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id")),
    responses((status = 200, body = PracticeSession), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/practice/{id}")]
pub async fn get_practice(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let session = state.store.practice(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("practice session"))?;
    Ok(HttpResponse::Ok().json(session))
}

/// Deletes the session (recordings linked to it are unlinked).
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/api/v1/practice/{id}")]
pub async fn delete_practice(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    if !state.store.delete_practice(&auth.user_id, &id).await? {
        return Err(ApiError::NotFound("practice session"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Generates the session's questions (replacing any): from the configured
/// model, else the offline bank (by interview type, role and the job
/// description's skills). Only in `draft`.
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id")),
    request_body(content = Option<GenerateRequest>, description = "optional"),
    responses(
        (status = 200, body = PracticeSession), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    )
)]
#[post("/api/v1/practice/{id}/questions/generate")]
pub async fn generate_questions(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    body: OptionalJson<GenerateRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let count = input::question_count(request.count, &state.settings.practice)?;
    let session = state.store.practice(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("practice session"))?;
    if session.status.after(PracticeAction::Generate).is_none() {
        return Err(illegal(session.status, PracticeAction::Generate));
    }
    let generated = match writer(&state.chat_choice, &state.settings.practice) {
        Some(writer) => questions::generate(&writer, &session, count, &state.settings.practice).await,
        None => questions::offline(&session, count),
    };
    let record = state.store.career_items(&auth.user_id, state.settings.chat.max_record_items).await?;
    let generated = questions::with_record_question(generated, &record);
    let session = change(&state, &auth.user_id, &id, |session| {
        step(session, PracticeAction::Generate)?;
        session.questions.clone_from(&generated);
        session.answers.clear();
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(session))
}

/// Replaces the question list (edit, reorder, add, remove): existing ids keep
/// their answers; answers of removed questions go. Not once completed.
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id")),
    request_body = EditQuestionsRequest,
    responses(
        (status = 200, body = PracticeSession), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    )
)]
#[put("/api/v1/practice/{id}/questions")]
pub async fn edit_questions(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    body: web::Json<EditQuestionsRequest>,
) -> Result<HttpResponse, ApiError> {
    let limits = &state.settings.practice;
    let session = change(&state, &auth.user_id, &id, |session| {
        let questions = input::question_list(&body.questions, &session.questions, limits)?;
        step(session, PracticeAction::EditQuestions)?;
        session.questions = questions;
        order_answers(session);
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(session))
}

/// Stores or overwrites answers, many in one request; the session becomes
/// `in_progress`. Answer some now and the rest later.
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id")),
    request_body = AnswersRequest,
    responses(
        (status = 200, body = PracticeSession), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    )
)]
#[put("/api/v1/practice/{id}/answers")]
pub async fn put_answers(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    body: web::Json<AnswersRequest>,
) -> Result<HttpResponse, ApiError> {
    let answers = input::answers(&body.answers, &state.settings.practice)?;
    let readings = Readings::prepare_changed(state.local_engines.star_reader().await, &state.store, &auth.user_id, &id, &answers).await;
    let session = change(&state, &auth.user_id, &id, |session| store_answers(session, &answers, &readings)).await?;
    metrics::counter!("debrief_practice_answers_total").increment(answers.len() as u64);
    Ok(HttpResponse::Ok().json(session))
}

/// Completes the session with feedback. Every question must be answered,
/// unless `allow_unanswered` is set (the feedback then names what was skipped).
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id")),
    request_body(content = Option<CompleteRequest>, description = "optional"),
    responses(
        (status = 200, body = PracticeSession), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "illegal_transition, or questions_unanswered with details.unanswered")
    )
)]
#[post("/api/v1/practice/{id}/complete")]
pub async fn complete(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>, body: OptionalJson<CompleteRequest>) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let session = change(&state, &auth.user_id, &id, |session| {
        if session.status.after(PracticeAction::Complete).is_none() {
            return Err(illegal(session.status, PracticeAction::Complete));
        }
        let unanswered: Vec<String> = session
            .questions
            .iter()
            .filter(|q| !session.answers.iter().any(|a| a.question_id == q.id))
            .map(|q| q.id.clone())
            .collect();
        if !unanswered.is_empty() && !request.allow_unanswered {
            return Err(ApiError::Unanswered { question_ids: unanswered });
        }
        step(session, PracticeAction::Complete)?;
        session.feedback = Some(coach::session_feedback(session));
        session.completed_at = Some(Utc::now());
        Ok(())
    })
    .await?;
    metrics::counter!("debrief_practice_sessions_completed_total").increment(1);
    Ok(HttpResponse::Ok().json(with_model_detail(&state, &auth.user_id, session).await?))
}

/// Makes the session's feedback anew from its answers (completed sessions).
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id")),
    responses((status = 200, body = PracticeSession), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[post("/api/v1/practice/{id}/feedback/regenerate")]
pub async fn regenerate_feedback(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let session = change(&state, &auth.user_id, &id, |session| {
        step(session, PracticeAction::Feedback)?;
        session.feedback = Some(coach::session_feedback(session));
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(with_model_detail(&state, &auth.user_id, session).await?))
}

/// Replaces the session's feedback with the user's own (completed sessions).
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "practice session id")),
    request_body = FeedbackEdit,
    responses(
        (status = 200, body = PracticeSession), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    )
)]
#[put("/api/v1/practice/{id}/feedback")]
pub async fn edit_feedback(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    body: web::Json<FeedbackEdit>,
) -> Result<HttpResponse, ApiError> {
    let edit = input::feedback(&body, &state.settings.practice)?;
    let session = change(&state, &auth.user_id, &id, |session| {
        step(session, PracticeAction::Feedback)?;
        session.feedback = Some(Feedback {
            rating: edit.rating,
            strengths: edit.strengths.clone(),
            improvements: edit.improvements.clone(),
            detail: edit.detail.clone(),
            suggested_structure: Vec::new(),
            source: "user".to_owned(),
            updated_at: Utc::now(),
        });
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(session))
}

/// Starts a drill: a new `draft` session whose questions target the user's
/// weakest skills (`focus`), found in their practice answers and recordings.
#[utoipa::path(
    tag = "practice",
    security(("bearer" = [])),
    request_body(content = Option<DrillRequest>, description = "optional"),
    responses((status = 201, body = PracticeSession), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/api/v1/practice/drills")]
pub async fn create_drill(state: web::Data<AppState>, auth: AuthUser, body: OptionalJson<DrillRequest>) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let count = input::question_count(request.count, &state.settings.practice)?;
    let sessions = state.store.recent_practice(&auth.user_id, DRILL_EVIDENCE).await?;
    let analyses = state.store.recent_analyses(&auth.user_id, DRILL_EVIDENCE).await?;
    let focus = drills::weakest_skills(&sessions, &analyses, DRILL_SKILLS);
    let latest = sessions.first();
    let mut session = new_session(input::NewPractice {
        job_title: latest.map_or_else(|| "Targeted practice".to_owned(), |s| s.job_title.clone()),
        company: latest.and_then(|s| s.company.clone()),
        interview_type: latest.map_or(protocol::interview::InterviewType::Behavioral, |s| s.interview_type),
        job_description: latest.and_then(|s| s.job_description.clone()),
        resume_url: None,
    });
    session.questions = questions::drill(&focus, &session.job_title, count);
    session.question_count = session.questions.len();
    session.focus = focus;
    state.store.create_practice(&auth.user_id, &session).await?;
    Ok(HttpResponse::Created().json(session))
}

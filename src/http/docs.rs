//! The OpenAPI 3.1 document (generated from the handlers' annotations by
//! utoipa, so it cannot drift from the code) and a page that renders it.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{accounts, coaching, comparison, conversations, health, interviews, metrics, models, notifications, practice, speakers, ws};

#[derive(OpenApi)]
#[openapi(
    info(title = "Debrief API", description = "Interview coaching: accounts, chat, practice, recordings. Recordings are uploaded with tus 1.0.0 at /files/ (creation, creation-with-upload, creation-defer-length, termination, checksum sha1/sha256, expiration; bearer token; Upload-Metadata keys filename, filetype, company, job_title, interview_type, notes, job_description, practice_id); the final PATCH answers Debrief-Interview-Id."),
    paths(
        health::healthz, health::readyz, metrics::exposition,
        accounts::register, accounts::login, accounts::logout,
        accounts::me, accounts::update_me, accounts::delete_me, accounts::ws_ticket,
        conversations::list_conversations, conversations::create_conversation,
        conversations::list_messages, conversations::delete_conversation,
        models::models,
        interviews::list_interviews, interviews::get_interview,
        interviews::update_interview, interviews::delete_interview,
        interviews::get_transcript, interviews::get_analysis, interviews::reanalyse,
        speakers::get_speakers, speakers::put_speakers,
        notifications::list_notifications, notifications::mark_read,
        practice::create_practice, practice::list_practice, practice::get_practice, practice::delete_practice,
        practice::generate_questions, practice::edit_questions, practice::put_answers, practice::complete,
        practice::regenerate_feedback, practice::edit_feedback, practice::create_drill,
        coaching::coach_answer,
        comparison::link, comparison::unlink, comparison::comparison,
        ws::socket,
    ),
    components(schemas(protocol::error::ErrorBody, protocol::ws::ServerFrame)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

/// Declares the bearer-token scheme the private endpoints use.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json).service(docs_page);
}

#[get("/api/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

#[get("/docs")]
async fn docs_page() -> HttpResponse {
    super::web::embedded("docs.html")
}

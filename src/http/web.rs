//! The browser UI: static files from `web/`, built into the binary so the
//! server runs from any directory. Pages are plain HTML and ES modules.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(index).service(interview).service(uploads).service(recording).service(practice_list).service(practice_session).service(asset);
}

/// An embedded file as a response, 404 (JSON) if there is none.
pub fn embedded(path: &str) -> HttpResponse {
    match Assets::get(path) {
        Some(file) => HttpResponse::Ok()
            .content_type(file.metadata.mimetype())
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound()
            .json(protocol::error::ErrorBody::new("not_found", "no such file")),
    }
}

/// The sign-in / register page.
#[get("/")]
async fn index() -> HttpResponse {
    embedded("index.html")
}

/// The Career Interviewer chat.
#[get("/interview")]
async fn interview() -> HttpResponse {
    embedded("interview.html")
}

/// One recording: live processing status, then transcript and analysis.
#[get("/interviews/{id}")]
async fn recording() -> HttpResponse {
    embedded("recording.html")
}

/// Recording uploads (tus) with live progress, and the list of recordings.
#[get("/uploads")]
async fn uploads() -> HttpResponse {
    embedded("uploads.html")
}

/// Practice sessions: the history and a new session.
#[get("/practice")]
async fn practice_list() -> HttpResponse {
    embedded("practice.html")
}

/// One practice session: questions, answers with streamed coaching, feedback.
#[get("/practice/{id}")]
async fn practice_session() -> HttpResponse {
    embedded("practice.html")
}

/// Scripts, styles and images under `/static/`.
#[get("/static/{path:.*}")]
async fn asset(path: web::Path<String>) -> HttpResponse {
    embedded(&path)
}

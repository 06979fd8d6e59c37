//! The browser UI: static files from `web/`, built into the binary so the
//! server runs from any directory. Pages are plain HTML and ES modules.

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpResponse, get, web};
use rust_embed::RustEmbed;

/// The Content-Security-Policy of every answer. Pages run only their own ES
/// modules (`script-src 'self'`: no inline script, no `eval`, no other
/// origin), load styles and images from the server alone (no inline
/// `<style>` or `style=` either), talk only to it (`connect-src 'self'`
/// covers the same-origin WebSocket), load nothing else (`default-src
/// 'none'`), and may not be framed by anyone (`frame-ancestors 'none'`,
/// against clickjacking).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers added to every response that does not set its own:
/// the CSP above; `nosniff`, so a response is never run as another type than
/// it says; no `Referer` leaves the site (page paths hold interview ids);
/// `X-Frame-Options` for browsers that predate `frame-ancestors`.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}

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

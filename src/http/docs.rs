//! The OpenAPI 3.1 document (generated from the handlers' annotations by
//! utoipa, so it cannot drift from the code) and a page that renders it.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{accounts, conversations, health, metrics, models, ws};

#[derive(OpenApi)]
#[openapi(
    info(title = "Debrief API", description = "Interview coaching: accounts, chat, practice, recordings."),
    paths(
        health::healthz, health::readyz, metrics::exposition,
        accounts::register, accounts::login, accounts::logout,
        accounts::me, accounts::update_me, accounts::delete_me, accounts::ws_ticket,
        conversations::list_conversations, conversations::create_conversation,
        conversations::list_messages, conversations::delete_conversation,
        models::models,
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

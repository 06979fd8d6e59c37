//! The OpenAPI 3.1 document (generated from the handlers' annotations by
//! utoipa, so it cannot drift from the code) and a page that renders it.
//!
//! Two steps complete what the annotations say:
//! - [`StandardErrors`] adds the answers every operation of a kind can give
//!   whatever its handler does: 400/413/415 for a JSON body (the extractor's
//!   refusals, `crate::error`), 400 for a path or query it cannot read, 401
//!   where a bearer token is required.
//! - [`document`] writes into the served document what the server refuses
//!   that a Rust type cannot say: the limits of `config/default.toml`
//!   (`maxLength`, `maximum`, `maxItems`) and the shapes of text fields
//!   (`minLength`, "not only spaces"), so that a request valid by the
//!   document is one the server takes. `schemathesis` (scripts/schemathesis.sh)
//!   checks the two agree.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::{HttpResponse, get, web};
use serde_json::{Value, json};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{accounts, career, coaching, comparison, conversations, health, interviews, metrics, models, notifications, practice, speakers, spoken, ws};
use crate::config::Settings;
use crate::startup::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Debrief API", description = "Interview coaching: accounts, chat, practice, recordings. Recordings are uploaded with tus 1.0.0 at /files/ (creation, creation-with-upload, creation-defer-length, termination, checksum sha1/sha256, expiration; bearer token; Upload-Metadata keys filename, filetype, company, job_title, interview_type, notes, job_description, practice_id); the final PATCH answers Debrief-Interview-Id. Errors are `{\"error\": {\"code\", \"message\", \"details\"}}`; a method a path does not take answers 405 with `Allow`."),
    paths(
        health::healthz, health::readyz, metrics::exposition,
        accounts::register, accounts::login, accounts::logout,
        accounts::me, accounts::update_me, accounts::delete_me, accounts::ws_ticket,
        conversations::list_conversations, conversations::create_conversation,
        conversations::list_messages, conversations::delete_conversation,
        career::get_record, career::update_item, career::delete_item,
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
        spoken::post_audio,
        comparison::link, comparison::unlink, comparison::comparison,
        crate::tus::options, crate::tus::create, crate::tus::head, crate::tus::patch, crate::tus::terminate,
        ws::socket,
    ),
    components(schemas(protocol::error::ErrorBody, protocol::ws::ServerFrame)),
    modifiers(&BearerAuth, &StandardErrors),
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

/// Adds the errors an operation can answer because of how it is called,
/// before its handler runs (see the module docs).
struct StandardErrors;

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                add_standard_errors(operation);
            }
        }
    }
}

fn add_standard_errors(operation: &mut Operation) {
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|body| body.content.contains_key("application/json"));
    let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let bearer = operation
        .security
        .as_ref()
        .is_some_and(|requirements| serde_json::to_string(requirements).is_ok_and(|s| s.contains("bearer")));
    let mut add = |status: &str, description: &str| {
        operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                    )
                    .build(),
            )
        });
    };
    if json_body {
        add("400", "the body is not JSON of the expected shape");
        add("413", "the body is larger than server.max_json_bytes");
        add("415", "the body is not application/json");
    }
    if has_parameters || json_body {
        add("400", "a path or query parameter cannot be read");
    }
    if bearer {
        add("401", "no valid bearer token");
    }
}

/// Characters Rust's `str::trim` removes (Unicode `White_Space`), spelled out
/// for a JSON Schema pattern: regex engines disagree on what `\s` is.
const SPACE: &str = r"\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// Text that is not empty once trimmed.
fn not_blank() -> Value {
    json!({ "minLength": 1, "pattern": format!("[^{SPACE}]") })
}

/// Characters a name or an email refuses (`protocol::account`): control
/// characters and the marks that reorder displayed text.
const HIDDEN: &str = r"\x00-\x1F\x7F-\x9F\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069";

/// The served document: [`ApiDoc`] with the limits of `settings` and the
/// text rules the server applies.
pub fn document(settings: &Settings) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    describe_tus_options(&mut doc);
    for (schema, property, rules) in schema_rules(settings) {
        if let Some(target) = doc.pointer_mut(&format!("/components/schemas/{schema}/properties/{property}")) {
            merge(target, rules);
        }
    }
    for (path, method, parameter, rules) in parameter_rules(settings) {
        let Some(parameters) = doc.pointer_mut(&format!("/paths/{}/{method}/parameters", escape(path))) else {
            continue;
        };
        for found in parameters.as_array_mut().into_iter().flatten() {
            if found["name"] == parameter
                && let Some(schema) = found.get_mut("schema")
            {
                merge(schema, rules.clone());
            }
        }
    }
    doc
}

/// `(schema, property path, rules)`: what the request types cannot say.
fn schema_rules(settings: &Settings) -> Vec<(&'static str, &'static str, Value)> {
    let auth = &settings.auth;
    let practice = &settings.practice;
    let interviews = &settings.interviews;
    let text = |max: usize| json!({ "maxLength": max });
    let required_text = |max: usize| with(not_blank(), json!({ "maxLength": max }));
    let shown = |min: usize, max: usize| {
        json!({
            "minLength": min,
            "maxLength": max,
            "pattern": format!("^[^{HIDDEN}]*[^{SPACE}{HIDDEN}][^{HIDDEN}]*$"),
        })
    };
    let count = json!({ "minimum": 1, "maximum": practice.max_questions });
    vec![
        ("RegisterRequest", "email", with(shown(1, auth.email_max_chars), json!({ "format": "email" }))),
        ("RegisterRequest", "name", shown(1, auth.name_max_chars)),
        ("RegisterRequest", "password", with(not_blank(), json!({ "minLength": auth.password_min_chars, "maxLength": auth.password_max_chars }))),
        ("UpdateMeRequest", "name", shown(1, auth.name_max_chars)),
        ("CreateConversationRequest", "title", text(conversations::TITLE_MAX_CHARS)),
        ("UpdateRecordItem", "text", shown(1, settings.chat.record_item_max_chars)),
        ("CreatePracticeRequest", "job_title", required_text(practice.short_text_max_chars)),
        ("CreatePracticeRequest", "company", text(practice.short_text_max_chars)),
        ("CreatePracticeRequest", "interview_type", json!({ "enum": ["behavioral", "technical", "phone", "panel"] })),
        ("CreatePracticeRequest", "job_description", text(practice.job_description_max_chars)),
        (
            "CreatePracticeRequest",
            "resume_url",
            json!({
                "maxLength": practice.resume_url_max_chars,
                "pattern": format!("^[{SPACE}]*(https?://[^{SPACE}]*)?[{SPACE}]*$"),
            }),
        ),
        ("GenerateRequest", "count", count.clone()),
        ("DrillRequest", "count", count),
        ("QuestionEdit", "text", required_text(practice.max_question_chars)),
        ("QuestionEdit", "category", text(practice.short_text_max_chars)),
        ("EditQuestionsRequest", "questions", json!({ "maxItems": practice.max_questions })),
        ("AnswerInput", "text", required_text(practice.max_answer_chars)),
        ("AnswersRequest", "answers", json!({ "minItems": 1, "maxItems": practice.max_batch })),
        ("CoachRequest", "text", required_text(practice.max_answer_chars)),
        ("FeedbackEdit", "rating", json!({ "minimum": 1, "maximum": 5 })),
        ("FeedbackEdit", "detail", text(practice.max_answer_chars)),
        (
            "FeedbackEdit",
            "strengths",
            json!({ "maxItems": practice.max_feedback_items, "items": { "maxLength": practice.max_answer_chars } }),
        ),
        (
            "FeedbackEdit",
            "improvements",
            json!({ "maxItems": practice.max_feedback_items, "items": { "maxLength": practice.max_answer_chars } }),
        ),
        ("LinkPracticeRequest", "practice_id", not_blank()),
        ("SpeakersUpdate", "merge", json!({ "items": { "minItems": 2, "maxItems": 2 } })),
        ("UpdateInterviewRequest", "company", text(interviews.short_text_max_chars)),
        ("UpdateInterviewRequest", "job_title", text(interviews.short_text_max_chars)),
        ("UpdateInterviewRequest", "notes", text(interviews.notes_max_chars)),
        ("UpdateInterviewRequest", "job_description", text(interviews.job_description_max_chars)),
    ]
}

/// `(path, method, parameter, rules)`: page sizes, cursors, tus headers.
fn parameter_rules(settings: &Settings) -> Vec<(&'static str, &'static str, &'static str, Value)> {
    let page = |max: usize| json!({ "minimum": 1, "maximum": max });
    let cursor = json!({ "format": "date-time" });
    let tus_version = json!({ "enum": ["1.0.0"] });
    let mut rules = vec![
        ("/api/v1/conversations", "get", "limit", page(settings.chat.max_page_size)),
        ("/api/v1/conversations/{id}/messages", "get", "limit", page(settings.chat.max_page_size)),
        ("/api/v1/interviews", "get", "limit", page(settings.interviews.max_page_size)),
        ("/api/v1/notifications", "get", "limit", page(settings.interviews.max_page_size)),
        ("/api/v1/practice", "get", "limit", page(settings.practice.max_page_size)),
        ("/api/v1/conversations", "get", "cursor", cursor.clone()),
        ("/api/v1/interviews", "get", "cursor", cursor.clone()),
        ("/api/v1/notifications", "get", "cursor", cursor.clone()),
        ("/api/v1/practice", "get", "cursor", cursor),
        ("/api/v1/interviews/{id}/transcript", "get", "format", json!({ "enum": ["json", "txt", "srt", "vtt"] })),
        ("/files/", "post", "Upload-Length", json!({ "maximum": settings.uploads.max_size_bytes })),
        ("/files/", "post", "Upload-Defer-Length", json!({ "enum": ["1"] })),
        ("/files/", "post", "Upload-Metadata", json!({ "maxLength": settings.uploads.metadata_max_bytes })),
        ("/files/{id}", "patch", "Upload-Length", json!({ "maximum": settings.uploads.max_size_bytes })),
        ("/files/{id}", "patch", "Upload-Checksum", json!({ "pattern": "^(sha1|sha256) [A-Za-z0-9+/]*={0,2}$" })),
    ];
    for (path, method) in [("/files/", "post"), ("/files/{id}", "head"), ("/files/{id}", "patch"), ("/files/{id}", "delete")] {
        rules.push((path, method, "Tus-Resumable", tus_version.clone()));
    }
    rules
}

/// `OPTIONS /files/{id}` answers as `OPTIONS /files/` does (one handler
/// serves both, and an annotation describes one path).
fn describe_tus_options(doc: &mut Value) {
    let Some(mut options) = doc.pointer("/paths/~1files~1/options").cloned() else {
        return;
    };
    options["operationId"] = json!("options_upload");
    options["parameters"] = json!([{
        "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "upload id"
    }]);
    options["responses"]["400"] = json!({
        "description": "a path parameter cannot be read",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
    });
    if let Some(item) = doc.pointer_mut("/paths/~1files~1{id}").and_then(Value::as_object_mut) {
        item.insert(String::from("options"), options);
    }
}

/// `a` with the keys of `b` added (or replaced).
fn with(mut a: Value, b: Value) -> Value {
    merge(&mut a, b);
    a
}

/// Merges the object `rules` into `target`, recursively for objects.
fn merge(target: &mut Value, rules: Value) {
    match (target, rules) {
        (Value::Object(target), Value::Object(rules)) => {
            for (key, value) in rules {
                match target.get_mut(&key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge(existing, value),
                    _ => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (target, rules) => *target = rules,
    }
}

/// A path as a JSON pointer segment (`/` → `~1`).
fn escape(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

/// The methods a route pattern takes, for the `Allow` header of a 405:
/// those the document lists for it, else `GET` (pages, assets, this
/// document). HEAD and OPTIONS are listed only where they are served.
pub fn allowed_methods(pattern: &str) -> String {
    static METHODS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    let methods = METHODS.get_or_init(|| {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        let mut methods = BTreeMap::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let mut listed: Vec<String> = item
                .as_object()
                .into_iter()
                .flatten()
                .map(|(method, _)| method.to_ascii_uppercase())
                .collect();
            if path == "/files/{id}" || path == "/files/" {
                listed.push(String::from("OPTIONS"));
            }
            listed.sort();
            listed.dedup();
            methods.insert(path.trim_end_matches('/').to_owned(), listed.join(", "));
        }
        methods
    });
    methods.get(pattern.trim_end_matches('/')).cloned().unwrap_or_else(|| String::from("GET"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json).service(docs_page);
}

#[get("/api/openapi.json")]
async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(document(&state.settings))
}

#[get("/docs")]
async fn docs_page() -> HttpResponse {
    super::web::embedded("docs.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule names a schema property or a parameter the document has, so
    /// renaming a field cannot silently drop its limits.
    #[test]
    fn every_rule_names_something_the_document_describes() {
        let settings = Settings::defaults().unwrap();
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        for (schema, property, _) in schema_rules(&settings) {
            let pointer = format!("/components/schemas/{schema}/properties/{property}");
            assert!(doc.pointer(&pointer).is_some(), "{pointer} is not in the document");
        }
        for (path, method, parameter, _) in parameter_rules(&settings) {
            let parameters = doc.pointer(&format!("/paths/{}/{method}/parameters", escape(path))).unwrap();
            assert!(
                parameters.as_array().unwrap().iter().any(|p| p["name"] == parameter),
                "{method} {path} has no parameter {parameter}"
            );
        }
    }

    #[test]
    fn limits_come_from_the_settings() {
        let mut settings = Settings::defaults().unwrap();
        settings.auth.name_max_chars = 42;
        let doc = document(&settings);
        assert_eq!(doc.pointer("/components/schemas/RegisterRequest/properties/name/maxLength").unwrap(), 42);
    }

    #[test]
    fn a_405_lists_the_documented_methods_of_its_path() {
        assert_eq!(allowed_methods("/api/v1/me"), "DELETE, GET, PATCH");
        assert_eq!(allowed_methods("/files"), "OPTIONS, POST");
        assert_eq!(allowed_methods("/files/{id}"), "DELETE, HEAD, OPTIONS, PATCH");
        assert_eq!(allowed_methods("/interview"), "GET");
    }
}

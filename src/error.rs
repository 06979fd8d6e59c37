//! The one place where errors become HTTP answers. Handlers return
//! [`ApiError`]; each variant carries a message safe to show, and
//! [`ApiError::status_code`] is an exhaustive match. Unexpected failures are
//! logged with their cause chain and answered with a generic 500.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use protocol::error::ErrorBody;
use serde_json::json;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is well-formed JSON but a field is wrong.
    #[error("{message}")]
    Validation { field: &'static str, message: String },
    /// The body is not the JSON the endpoint expects.
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required: send a valid bearer token")]
    Unauthenticated,
    #[error("email or password is wrong")]
    BadCredentials,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The path exists, but not with this method; `allow` lists those it takes.
    #[error("{method} is not allowed here; use {allow}")]
    MethodNotAllowed { method: String, allow: String },
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the database is not reachable")]
    Unavailable,
    /// The request's or the file's type is not one this endpoint takes.
    #[error("{message}")]
    UnsupportedType { code: &'static str, message: String },
    #[error("the upload's offset is {expected}; resume from there")]
    OffsetMismatch { expected: u64 },
    #[error("another request is writing to this upload; retry shortly")]
    UploadLocked,
    #[error("the body does not match its Upload-Checksum; nothing of it was stored")]
    ChecksumMismatch,
    #[error("{0} has expired")]
    Gone(&'static str),
    #[error("storage quota exceeded: {used} of {quota} bytes in use, this upload needs {requested}")]
    QuotaExceeded { quota: u64, used: u64, requested: u64 },
    #[error("the upload may not exceed {limit} bytes")]
    UploadTooLarge { limit: u64 },
    #[error("this server speaks tus 1.0.0 (send Tus-Resumable: 1.0.0)")]
    TusVersion,
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("answer every question before completing the session ({} unanswered)", question_ids.len())]
    Unanswered { question_ids: Vec<String> },
    #[error("this {0} was changed by someone else; reload it (version {1} is current)")]
    VersionConflict(&'static str, u64),
    /// A spoken answer's audio cannot be used (format, decoding, no speech).
    #[error("{message}")]
    AudioRefused { code: &'static str, message: String },
    #[error("the answer is longer than the limit of {limit_secs} seconds")]
    AnswerTooLong { limit_secs: u64 },
    /// No speech-to-text engine is ready (not configured, or still being fetched).
    #[error("{0}")]
    SpeechUnavailable(String),
    #[error("an unexpected error occurred")]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    /// The stable snake_case code of the error body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation_failed",
            Self::BadRequest(_) => "bad_request",
            Self::Unauthenticated => "unauthenticated",
            Self::BadCredentials => "invalid_credentials",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::EmailTaken => "email_taken",
            Self::RateLimited { .. } => "rate_limited",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::Unavailable => "unavailable",
            Self::UnsupportedType { code, .. } | Self::Conflict { code, .. } => code,
            Self::OffsetMismatch { .. } => "offset_mismatch",
            Self::UploadLocked => "upload_locked",
            Self::ChecksumMismatch => "checksum_mismatch",
            Self::Gone(_) => "gone",
            Self::QuotaExceeded { .. } => "storage_quota_exceeded",
            Self::UploadTooLarge { .. } => "upload_too_large",
            Self::TusVersion => "unsupported_tus_version",
            Self::VersionConflict(..) => "version_conflict",
            Self::Unanswered { .. } => "questions_unanswered",
            Self::AudioRefused { code, .. } => code,
            Self::AnswerTooLong { .. } => "answer_too_long",
            Self::SpeechUnavailable(_) => "speech_unavailable",
            Self::Unexpected(_) => "internal_error",
        }
    }

    fn details(&self) -> serde_json::Value {
        match self {
            Self::Validation { field, .. } => json!({ "field": field }),
            Self::RateLimited { retry_after_secs } => json!({ "retry_after_secs": retry_after_secs }),
            Self::PayloadTooLarge { limit } => json!({ "limit_bytes": limit }),
            Self::UploadTooLarge { limit } => json!({ "limit_bytes": limit }),
            Self::AnswerTooLong { limit_secs } => json!({ "limit_secs": limit_secs }),
            Self::OffsetMismatch { expected } => json!({ "offset": expected }),
            Self::QuotaExceeded { quota, used, requested } => {
                json!({ "quota_bytes": quota, "used_bytes": used, "requested_bytes": requested })
            }
            Self::VersionConflict(_, current) => json!({ "current_version": current }),
            Self::Unanswered { question_ids } => json!({ "unanswered": question_ids }),
            _ => serde_json::Value::Null,
        }
    }
}

impl From<protocol::account::InputError> for ApiError {
    fn from(error: protocol::account::InputError) -> Self {
        Self::Validation { field: error.field(), message: error.to_string() }
    }
}

impl From<protocol::interview::ContextError> for ApiError {
    fn from(error: protocol::interview::ContextError) -> Self {
        Self::Validation { field: error.field, message: error.message }
    }
}

impl From<crate::practice::spoken::SpokenError> for ApiError {
    fn from(error: crate::practice::spoken::SpokenError) -> Self {
        use crate::practice::spoken::SpokenError as E;
        match error {
            E::TooLong(limit_secs) => Self::AnswerTooLong { limit_secs },
            E::TooLarge(limit) => Self::PayloadTooLarge { limit },
            E::NotFound(what) => Self::NotFound(what),
            E::Closed(status) => Self::Conflict { code: "illegal_transition", message: format!("a {status} practice session cannot answer") },
            E::EngineUnavailable(message) => Self::SpeechUnavailable(message),
            E::Store(cause) => Self::Unexpected(cause),
            refused @ (E::UnknownFormat(_) | E::Undecodable(_) | E::NoSpeech | E::Transcription(_) | E::NotSaved(_)) => {
                Self::AudioRefused { code: refused.code(), message: refused.to_string() }
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::EmailTaken => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::UnsupportedType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::OffsetMismatch { .. } | Self::Conflict { .. } | Self::VersionConflict(..) | Self::Unanswered { .. } => {
                StatusCode::CONFLICT
            }
            Self::UploadLocked => StatusCode::LOCKED,
            // tus's checksum extension: "460 Checksum Mismatch".
            Self::ChecksumMismatch => StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST),
            Self::Gone(_) => StatusCode::GONE,
            Self::QuotaExceeded { .. } | Self::UploadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TusVersion => StatusCode::PRECONDITION_FAILED,
            Self::AudioRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::AnswerTooLong { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::SpeechUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Unexpected(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "request failed unexpectedly");
        }
        let body = ErrorBody::with_details(self.code(), self.to_string(), self.details());
        let mut response = HttpResponse::build(self.status_code());
        if let Self::RateLimited { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(*retry_after_secs)));
        }
        if matches!(self, Self::TusVersion) {
            response.insert_header(("Tus-Version", "1.0.0"));
        }
        if let Self::OffsetMismatch { expected } = self {
            response.insert_header(("Upload-Offset", expected.to_string()));
        }
        if let Self::MethodNotAllowed { allow, .. } = self {
            response.insert_header((header::ALLOW, allow.as_str()));
        }
        if matches!(self, Self::Unauthenticated) {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.json(body)
    }
}

/// Turns actix's JSON extractor failures into the contract's error shape
/// (400 for malformed JSON, 413 for bodies over the limit, 415 for other types).
pub fn json_error_handler(
    error: actix_web::error::JsonPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &error {
        E::OverflowKnownLength { limit, .. } => ApiError::PayloadTooLarge { limit: *limit },
        E::Overflow { limit } => ApiError::PayloadTooLarge { limit: *limit },
        E::ContentType => ApiError::UnsupportedType {
            code: "unsupported_media_type",
            message: String::from("send the body as application/json"),
        },
        E::Deserialize(inner) => ApiError::BadRequest(format!("invalid JSON body: {inner}")),
        other => ApiError::BadRequest(format!("invalid JSON body: {other}")),
    };
    api.into()
}

/// A query string the endpoint cannot read (`?limit=-5`) → 400.
pub fn query_error_handler(
    error: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    let reason = match &error {
        actix_web::error::QueryPayloadError::Deserialize(inner) => inner.to_string(),
        other => other.to_string(),
    };
    ApiError::BadRequest(format!("invalid query string: {reason}")).into()
}

/// A path segment the endpoint cannot read (not UTF-8, not a number…) → 400.
pub fn path_error_handler(error: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    let reason = match &error {
        actix_web::error::PathError::Deserialize(inner) => inner.to_string(),
        other => other.to_string(),
    };
    ApiError::BadRequest(format!("invalid path: {reason}")).into()
}

/// A form body the endpoint cannot read → 400, 413 or 415.
pub fn form_error_handler(
    error: actix_web::error::UrlencodedError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::UrlencodedError as E;
    let api = match &error {
        E::Overflow { limit, .. } => ApiError::PayloadTooLarge { limit: *limit },
        E::ContentType => ApiError::UnsupportedType {
            code: "unsupported_media_type",
            message: String::from("send the body as application/x-www-form-urlencoded"),
        },
        other => ApiError::BadRequest(format!("invalid form body: {other}")),
    };
    api.into()
}

/// Answers requests no route takes: 405 with `Allow` when the path exists
/// with other methods (the route table knows which), else 404. Both in the
/// JSON error shape.
pub async fn no_route(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    match req.match_pattern() {
        Some(pattern) => Err(ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: crate::http::docs::allowed_methods(&pattern),
        }),
        None => Err(ApiError::NotFound("route")),
    }
}

/// Safety net for the error shape: an error answered by actix itself or by a
/// library (a WebSocket handshake refused, a body extractor with no error
/// handler) comes as text; this middleware re-answers it as the contract's
/// JSON error with the same status and headers. Responses Debrief built
/// (JSON errors, tus answers, HEAD) pass untouched.
pub async fn json_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let response = next.call(req).await?;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let message = match response.response().error() {
        Some(error) if status.as_u16() >= 400 && !is_json && response.request().method() != Method::HEAD => {
            error.to_string()
        }
        _ => return Ok(response.map_into_left_body()),
    };
    let (request, original) = response.into_parts();
    let mut rebuilt = HttpResponse::build(status);
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rebuilt.append_header((name.clone(), value.clone()));
        }
    }
    let message = if message.trim().is_empty() {
        status.canonical_reason().unwrap_or("the request failed").to_owned()
    } else {
        message
    };
    let body = ErrorBody::new(status_code_name(status), message);
    Ok(ServiceResponse::new(request, rebuilt.json(body)).map_into_right_body())
}

/// A snake_case code for a status (`Bad Request` → `bad_request`).
fn status_code_name(status: StatusCode) -> String {
    if status.is_server_error() {
        return String::from("internal_error");
    }
    status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
}

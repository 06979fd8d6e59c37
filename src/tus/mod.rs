//! A tus 1.0.0 server at `/files/` (no published crate serves tus; this is
//! written to the protocol's text): core protocol plus the extensions
//! creation, creation-with-upload, creation-defer-length, termination,
//! checksum (sha1, sha256) and expiration. Uploads belong to the user whose
//! bearer token created them; anyone else gets 404. Every response carries
//! `Tus-Resumable` and CORS headers so browser clients on other origins work.
//!
//! - [`headers`]: parsing `Upload-Metadata`, `Upload-Checksum`, integers.
//! - [`formats`]: accepted containers, by name, MIME type and magic bytes.
//! - [`receive`]: streaming one PATCH body to the file store.

pub mod formats;
pub mod headers;
mod receive;

use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};

use protocol::error::ErrorBody;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::startup::AppState;
use crate::store::uploads::{NewUpload, UploadRow};

/// The protocol version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// Extensions announced by `OPTIONS`.
pub const EXTENSIONS: &str =
    "creation,creation-with-upload,creation-defer-length,termination,checksum,expiration";
/// The content type of PATCH bodies.
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";
/// Headers a browser client may read.
const EXPOSED: &str = "Location, Upload-Offset, Upload-Length, Upload-Defer-Length, Upload-Metadata, \
     Upload-Expires, Tus-Resumable, Tus-Version, Tus-Max-Size, Tus-Extension, Tus-Checksum-Algorithm, \
     Debrief-Interview-Id";
/// Headers a browser client may send.
const ALLOWED: &str = "Authorization, Content-Type, Tus-Resumable, Upload-Length, Upload-Defer-Length, \
     Upload-Metadata, Upload-Offset, Upload-Checksum, X-Requested-With, X-HTTP-Method-Override";
/// The response header naming the interview an upload belongs to.
pub const INTERVIEW_HEADER: &str = "Debrief-Interview-Id";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/files")
            .wrap(
                DefaultHeaders::new()
                    .add(("Tus-Resumable", TUS_VERSION))
                    .add((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
                    .add((header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED))
                    .add((header::CACHE_CONTROL, "no-store")),
            )
            .service(
                web::resource(["", "/"])
                    .route(web::post().to(create))
                    .route(web::method(actix_web::http::Method::OPTIONS).to(options))
                    // Other methods: 405 with Allow, in the JSON error shape.
                    .default_service(web::to(crate::error::no_route)),
            )
            .service(
                web::resource("/{id}")
                    .route(web::head().to(head))
                    .route(web::patch().to(patch))
                    .route(web::delete().to(terminate))
                    .route(web::method(actix_web::http::Method::OPTIONS).to(options))
                    .default_service(web::to(crate::error::no_route)),
            ),
    );
}

/// Counts a refused request by its error code, then passes the result on.
fn counted<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(error) = &result {
        metrics::counter!("debrief_upload_rejections_total", "reason" => error.code()).increment(1);
    }
    result
}

/// Every request but OPTIONS must say which protocol version it speaks.
fn require_tus(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get("Tus-Resumable").and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(ApiError::TusVersion),
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    headers
        .get(name)
        .map(|v| v.to_str().map_err(|_| ApiError::BadRequest(format!("{name} is not valid text"))))
        .transpose()
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<Option<u64>, ApiError> {
    header_text(headers, name)?.map(|raw| headers::parse_u64(name, raw).map_err(ApiError::BadRequest)).transpose()
}

/// `Upload-Expires` in the HTTP date format.
fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn expires_at(state: &AppState) -> DateTime<Utc> {
    let seconds = i64::try_from(state.settings.uploads.expiry_secs).unwrap_or(i64::MAX / 2);
    Utc::now() + chrono::Duration::seconds(seconds)
}

/// Whether a body accompanies the request (a non-zero length, or chunked).
fn has_body(request: &HttpRequest) -> bool {
    let headers = request.headers();
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    length.is_some_and(|l| l > 0) || headers.contains_key(header::TRANSFER_ENCODING)
}

/// Whether the body is declared as tus bytes.
fn is_offset_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case(OFFSET_OCTET_STREAM))
}

/// `OPTIONS`: the server's capabilities; also answers CORS preflights.
#[utoipa::path(
    options,
    path = "/files/",
    tag = "uploads",
    responses((status = 204, description = "the server's tus capabilities", headers(
        ("Tus-Resumable" = String, description = "1.0.0"),
        ("Tus-Version" = String, description = "versions spoken: 1.0.0"),
        ("Tus-Extension" = String, description = "creation, creation-with-upload, creation-defer-length, termination, checksum, expiration"),
        ("Tus-Max-Size" = u64, description = "the largest upload, in bytes (uploads.max_size_bytes)"),
        ("Tus-Checksum-Algorithm" = String, description = "sha1, sha256"),
    )))
)]
pub(crate) async fn options(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", EXTENSIONS))
        .insert_header(("Tus-Max-Size", state.settings.uploads.max_size_bytes.to_string()))
        .insert_header(("Tus-Checksum-Algorithm", headers::ALGORITHMS))
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "POST, HEAD, PATCH, DELETE, OPTIONS"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
        .finish()
}

/// The container the creation metadata promises; refuses what we cannot read.
fn promised_container(filename: Option<&str>, filetype: Option<&str>) -> Result<formats::Container, ApiError> {
    let unsupported = |message: String| ApiError::UnsupportedType { code: "unsupported_file_type", message };
    let by_name = filename
        .map(|name| {
            formats::from_filename(name).ok_or_else(|| {
                unsupported(format!("{name:?} is not a recording Debrief reads (use {})", formats::EXTENSIONS))
            })
        })
        .transpose()?;
    let by_type = filetype
        .filter(|t| !t.is_empty() && *t != "application/octet-stream")
        .map(|mime| {
            formats::from_mime(mime)
                .ok_or_else(|| unsupported(format!("files of type {mime:?} are not recordings Debrief reads")))
        })
        .transpose()?;
    match (by_name, by_type) {
        (Some(a), Some(b)) if a != b => Err(unsupported(format!(
            "the file name says {} but the file type says {}",
            a.name(),
            b.name()
        ))),
        (Some(container), _) | (None, Some(container)) => Ok(container),
        (None, None) => Err(ApiError::BadRequest(String::from(
            "Upload-Metadata must carry filename or filetype so the recording's format is known",
        ))),
    }
}

/// `POST /files/`: creates an upload and its interview (creation,
/// creation-defer-length), and takes the first bytes when they come along
/// (creation-with-upload).
#[utoipa::path(
    post,
    path = "/files/",
    tag = "uploads",
    security(("bearer" = [])),
    params(
        ("Tus-Resumable" = String, Header, description = "the protocol version the client speaks: 1.0.0 (else 412)"),
        ("Upload-Length" = Option<u64>, Header, description = "the whole size in bytes; send it or Upload-Defer-Length"),
        ("Upload-Defer-Length" = Option<String>, Header, description = "1: the size is told by a later PATCH"),
        ("Upload-Metadata" = Option<String>, Header, description = "comma-separated `key base64(value)` pairs: filename or filetype (required, one of the formats Debrief reads), company, job_title, interview_type, notes, job_description, practice_id"),
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream", description = "optional: the first bytes (creation-with-upload)"),
    responses(
        (status = 201, description = "created; the upload is at Location", headers(
            ("Location" = String, description = "/files/{id}"),
            ("Debrief-Interview-Id" = String, description = "the interview this upload becomes"),
            ("Tus-Resumable" = String, description = "1.0.0"),
        )),
        (status = 400, description = "a header is malformed, or both or neither of Upload-Length and Upload-Defer-Length", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 412, description = "Tus-Resumable is not 1.0.0", body = ErrorBody),
        (status = 413, description = "longer than Tus-Max-Size, or over the storage quota", body = ErrorBody),
        (status = 415, description = "not a recording format Debrief reads, or a body that is not application/offset+octet-stream", body = ErrorBody),
        (status = 422, description = "a context field of the metadata is invalid", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    state: web::Data<AppState>,
    auth: AuthUser,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    counted(create_upload(&state, &auth, &request, payload).await)
}

async fn create_upload(
    state: &web::Data<AppState>,
    auth: &AuthUser,
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let headers = request.headers();
    require_tus(headers)?;
    let settings = &state.settings.uploads;
    let length = header_u64(headers, "Upload-Length")?;
    let deferred = match header_text(headers, "Upload-Defer-Length")? {
        None => false,
        Some("1") => true,
        Some(_) => return Err(ApiError::BadRequest(String::from("Upload-Defer-Length must be 1"))),
    };
    if length.is_some() == deferred {
        return Err(ApiError::BadRequest(String::from(
            "send exactly one of Upload-Length or Upload-Defer-Length: 1",
        )));
    }
    if let Some(length) = length.filter(|l| *l > settings.max_size_bytes) {
        tracing::debug!(length, "upload longer than the maximum");
        return Err(ApiError::UploadTooLarge { limit: settings.max_size_bytes });
    }
    let raw_metadata = header_text(headers, "Upload-Metadata")?.unwrap_or_default();
    if raw_metadata.len() > settings.metadata_max_bytes {
        return Err(ApiError::BadRequest(format!(
            "Upload-Metadata may not exceed {} bytes",
            settings.metadata_max_bytes
        )));
    }
    let metadata = headers::parse_metadata(raw_metadata).map_err(ApiError::BadRequest)?;
    let filename = metadata.get("filename").map(str::trim).filter(|n| !n.is_empty());
    let filetype = metadata.get("filetype").map(str::trim);
    promised_container(filename, filetype)?;
    let limits = state.settings.interviews.limits();
    let context = limits.from_metadata(metadata.iter())?;
    let filename = filename.map(|n| n.chars().take(limits.short_text_max).collect::<String>());
    let practice_id = metadata.get("practice_id").map(str::trim).filter(|p| !p.is_empty());
    if let Some(practice_id) = practice_id
        && state.store.practice(&auth.user_id, practice_id).await?.is_none()
    {
        return Err(ApiError::Validation {
            field: "practice_id",
            message: String::from("practice_id names no practice session of yours"),
        });
    }
    if let Some(requested) = length {
        check_quota(state, &auth.user_id, requested).await?;
    }
    if has_body(request) && !is_offset_stream(headers) {
        return Err(offset_stream_required());
    }

    let upload_id = uuid::Uuid::new_v4().simple().to_string();
    let interview_id = uuid::Uuid::new_v4().simple().to_string();
    let file_key = format!("{}/{upload_id}", auth.user_id);
    let expires = expires_at(state);
    state
        .store
        .create_upload(
            &auth.user_id,
            NewUpload {
                upload_id: &upload_id,
                interview_id: &interview_id,
                length,
                metadata: raw_metadata,
                file_key: &file_key,
                filename: filename.as_deref(),
                filetype,
                context: &context,
                practice_id,
                expires_at: expires,
            },
        )
        .await?;
    metrics::counter!("debrief_uploads_created_total").increment(1);

    let mut response = HttpResponse::Created();
    response
        .insert_header((header::LOCATION, format!("/files/{upload_id}")))
        .insert_header((INTERVIEW_HEADER, interview_id.clone()));
    if is_offset_stream(headers) && has_body(request) {
        let upload = state.store.upload(&auth.user_id, &upload_id).await?.ok_or(ApiError::NotFound("upload"))?;
        let received = receive::receive(state, &auth.user_id, upload, 0, payload, None).await?;
        received_headers(&mut response, received);
    } else {
        response.insert_header(("Upload-Expires", http_date(expires)));
    }
    Ok(response.finish())
}

/// Where a request that carried bytes left the upload: `Upload-Offset`, the
/// interview, and `Upload-Expires` while it is unfinished.
fn received_headers(response: &mut actix_web::HttpResponseBuilder, received: receive::Received) {
    response
        .insert_header(("Upload-Offset", received.offset.to_string()))
        .insert_header((INTERVIEW_HEADER, received.interview_id));
    if let Some(expires) = received.expires_at {
        response.insert_header(("Upload-Expires", http_date(expires)));
    }
}

fn offset_stream_required() -> ApiError {
    ApiError::UnsupportedType {
        code: "unsupported_media_type",
        message: format!("send upload bytes as {OFFSET_OCTET_STREAM}"),
    }
}

/// Refuses an upload of `requested` bytes that would take the user past their quota.
async fn check_quota(state: &AppState, owner: &str, requested: u64) -> Result<(), ApiError> {
    let quota = state.settings.storage.quota_bytes;
    let used = state.store.storage_used(owner).await?;
    if used.saturating_add(requested) > quota {
        return Err(ApiError::QuotaExceeded { quota, used, requested });
    }
    Ok(())
}

/// The owner's upload, refusing one that has expired (and reclaiming it).
async fn live_upload(state: &AppState, owner: &str, id: &str) -> Result<UploadRow, ApiError> {
    let upload = state.store.upload(owner, id).await?.ok_or(ApiError::NotFound("upload"))?;
    if !upload.completed && upload.expires_at < Utc::now() {
        remove_upload(state, owner, id).await?;
        return Err(ApiError::Gone("this upload"));
    }
    Ok(upload)
}

/// Deletes an unfinished upload: its row, its interview, its bytes, its actor.
/// False when there was none.
pub(crate) async fn remove_upload(state: &AppState, owner: &str, id: &str) -> anyhow::Result<bool> {
    let Some(removed) = state.store.delete_upload(owner, id).await? else {
        return Ok(false);
    };
    state.uploads.do_send(actors::upload::Forget { upload_id: removed.id });
    state.files.delete(&removed.file_key).await?;
    Ok(true)
}

/// `HEAD /files/{id}`: how much of the upload is stored.
#[utoipa::path(
    head,
    path = "/files/{id}",
    tag = "uploads",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "upload id (from Location)"), ("Tus-Resumable" = String, Header, description = "the protocol version the client speaks: 1.0.0 (else 412)")),
    responses(
        (status = 200, description = "where the upload stands", headers(
            ("Upload-Offset" = u64, description = "bytes stored"),
            ("Debrief-Interview-Id" = String, description = "the upload's interview"),
            ("Tus-Resumable" = String, description = "1.0.0"),
            ("Upload-Length" = u64, description = "the whole size, once known"),
            ("Upload-Defer-Length" = String, description = "1 while the size is not known"),
            ("Upload-Metadata" = String, description = "as sent at creation"),
            ("Upload-Expires" = String, description = "when an unfinished upload is reclaimed (HTTP date)"),
        )),
        (status = 400, description = "malformed request"),
        (status = 401, description = "no valid bearer token"),
        (status = 404, description = "no such upload of yours"),
        (status = 410, description = "the upload expired"),
        (status = 412, description = "Tus-Resumable is not 1.0.0"),
    )
)]
pub(crate) async fn head(
    state: web::Data<AppState>,
    auth: AuthUser,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_tus(request.headers())?;
    let upload = counted(live_upload(&state, &auth.user_id, &id).await)?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header(("Upload-Offset", upload.offset().to_string()))
        .insert_header((INTERVIEW_HEADER, upload.interview_id.clone()));
    match upload.length() {
        Some(length) => response.insert_header(("Upload-Length", length.to_string())),
        None => response.insert_header(("Upload-Defer-Length", "1")),
    };
    if !upload.metadata.is_empty() {
        response.insert_header(("Upload-Metadata", upload.metadata.clone()));
    }
    if !upload.completed {
        response.insert_header(("Upload-Expires", http_date(upload.expires_at)));
    }
    Ok(response.finish())
}

/// `PATCH /files/{id}`: appends the body at `Upload-Offset`.
#[utoipa::path(
    patch,
    path = "/files/{id}",
    tag = "uploads",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "upload id (from Location)"),
        ("Tus-Resumable" = String, Header, description = "the protocol version the client speaks: 1.0.0 (else 412)"),
        ("Upload-Offset" = u64, Header, description = "where these bytes start; must equal the stored offset (else 409)"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha1 BASE64` or `sha256 BASE64` of this body (else 460 and nothing is stored)"),
        ("Upload-Length" = Option<u64>, Header, description = "the whole size, for an upload created with Upload-Defer-Length"),
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream", description = "the next bytes"),
    responses(
        (status = 204, description = "stored; the final PATCH names the interview", headers(
            ("Upload-Offset" = u64, description = "bytes stored now"),
            ("Debrief-Interview-Id" = String, description = "the upload's interview"),
            ("Tus-Resumable" = String, description = "1.0.0"),
            ("Upload-Expires" = String, description = "while unfinished (HTTP date)"),
        )),
        (status = 400, description = "a header is malformed or missing", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, description = "no such upload of yours", body = ErrorBody),
        (status = 409, description = "Upload-Offset is not the stored offset (the header Upload-Offset says which)", body = ErrorBody),
        (status = 410, description = "the upload expired", body = ErrorBody),
        (status = 412, description = "Tus-Resumable is not 1.0.0", body = ErrorBody),
        (status = 413, description = "past the upload's length, Tus-Max-Size or the storage quota", body = ErrorBody),
        (status = 415, description = "the body is not application/offset+octet-stream, or not a recording format Debrief reads", body = ErrorBody),
        (status = 423, description = "another request is writing to this upload", body = ErrorBody),
        (status = 460, description = "the body does not match Upload-Checksum", body = ErrorBody),
    )
)]
pub(crate) async fn patch(
    state: web::Data<AppState>,
    auth: AuthUser,
    request: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    counted(patch_upload(&state, &auth, &request, &id, payload).await)
}

async fn patch_upload(
    state: &web::Data<AppState>,
    auth: &AuthUser,
    request: &HttpRequest,
    id: &str,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let headers = request.headers();
    require_tus(headers)?;
    if !is_offset_stream(headers) {
        return Err(offset_stream_required());
    }
    let offset = header_u64(headers, "Upload-Offset")?
        .ok_or_else(|| ApiError::BadRequest(String::from("Upload-Offset is required")))?;
    let checksum = header_text(headers, "Upload-Checksum")?
        .map(headers::parse_checksum)
        .transpose()
        .map_err(ApiError::BadRequest)?;
    let mut upload = live_upload(state, &auth.user_id, id).await?;
    if upload.completed {
        // A client retrying the last PATCH (its answer was lost) learns it is done.
        if offset != upload.offset() || has_body(request) {
            return Err(ApiError::OffsetMismatch { expected: upload.offset() });
        }
        return Ok(HttpResponse::NoContent()
            .insert_header(("Upload-Offset", upload.offset().to_string()))
            .insert_header((INTERVIEW_HEADER, upload.interview_id))
            .finish());
    }
    if let Some(declared) = header_u64(headers, "Upload-Length")? {
        match upload.length() {
            Some(length) if length != declared => {
                return Err(ApiError::BadRequest(format!("Upload-Length is already {length}")));
            }
            Some(_) => {}
            None => {
                if declared < upload.offset() {
                    return Err(ApiError::BadRequest(String::from("Upload-Length is less than what is stored")));
                }
                if declared > state.settings.uploads.max_size_bytes {
                    return Err(ApiError::UploadTooLarge { limit: state.settings.uploads.max_size_bytes });
                }
                check_quota(state, &auth.user_id, declared.saturating_sub(upload.offset())).await?;
                state.store.set_upload_length(&auth.user_id, id, declared).await?;
                upload.length = i64::try_from(declared).ok();
            }
        }
    }
    let received = receive::receive(state, &auth.user_id, upload, offset, payload, checksum).await?;
    let mut response = HttpResponse::NoContent();
    received_headers(&mut response, received);
    Ok(response.finish())
}

/// `DELETE /files/{id}` (termination): the unfinished upload and its bytes are gone.
#[utoipa::path(
    delete,
    path = "/files/{id}",
    tag = "uploads",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "upload id (from Location)"), ("Tus-Resumable" = String, Header, description = "the protocol version the client speaks: 1.0.0 (else 412)")),
    responses(
        (status = 204, description = "the upload and its bytes are gone", headers(("Tus-Resumable" = String, description = "1.0.0"))),
        (status = 401, body = ErrorBody),
        (status = 404, description = "no such upload of yours", body = ErrorBody),
        (status = 409, description = "the upload is complete: delete its interview instead", body = ErrorBody),
        (status = 412, description = "Tus-Resumable is not 1.0.0", body = ErrorBody),
    )
)]
pub(crate) async fn terminate(
    state: web::Data<AppState>,
    auth: AuthUser,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_tus(request.headers())?;
    let upload = state.store.upload(&auth.user_id, &id).await?.ok_or(ApiError::NotFound("upload"))?;
    if upload.completed {
        return counted(Err(ApiError::Conflict {
            code: "upload_completed",
            message: format!(
                "this upload is complete; delete its interview with DELETE /api/v1/interviews/{}",
                upload.interview_id
            ),
        }));
    }
    if !remove_upload(&state, &auth.user_id, &id).await? {
        return Err(ApiError::NotFound("upload"));
    }
    metrics::counter!("debrief_uploads_terminated_total").increment(1);
    Ok(HttpResponse::NoContent().finish())
}

/// Reclaims expired uploads (their rows, interviews and bytes). Returns how many.
pub async fn sweep_expired(state: &AppState) -> anyhow::Result<usize> {
    let mut removed = 0;
    for expired in state.store.expired_uploads(Utc::now(), 500).await? {
        if remove_upload(state, &expired.owner_id, &expired.id).await? {
            removed += 1;
        }
    }
    if removed > 0 {
        metrics::counter!("debrief_uploads_expired_total").increment(removed as u64);
        tracing::info!(removed, "reclaimed expired uploads");
    }
    Ok(removed)
}

//! `OptionalJson<T>`: the extractor of a JSON body that may be left out
//! (`POST /api/v1/conversations`, question generation, completion, drills).
//! No body, a blank one or `null` is `T::default()`; anything else must be
//! `application/json` (else 415) within `server.max_json_bytes` (else 413)
//! and be an object that parses as `T` (else 400) — the answers `web::Json`
//! gives.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::startup::AppState;

/// A JSON body, or `T::default()` when there is none.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T> OptionalJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<AppState>>().map_or(usize::MAX, |s| s.settings.server.max_json_bytes);
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || (v.starts_with("application/") && v.ends_with("+json")));
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = bytes.await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Self(T::default()));
            }
            if body.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit }.into());
            }
            if !is_json {
                return Err(ApiError::UnsupportedType {
                    code: "unsupported_media_type",
                    message: String::from("send the body as application/json"),
                }
                .into());
            }
            let invalid = |e: serde_json::Error| ApiError::BadRequest(format!("invalid JSON body: {e}"));
            let value: serde_json::Value = serde_json::from_slice(&body).map_err(invalid)?;
            match value {
                serde_json::Value::Null => Ok(Self(T::default())),
                // Not an array, which serde would read as the struct's fields in order.
                serde_json::Value::Object(_) => Ok(Self(serde_json::from_value(value).map_err(invalid)?)),
                _ => Err(ApiError::BadRequest(String::from("the body must be a JSON object")).into()),
            }
        })
    }
}

//! `AuthUser`: the extractor every private endpoint takes. It reads
//! `Authorization: Bearer TOKEN`, looks the token's hash up, and yields the
//! owner's id; anything else is `401 unauthenticated`.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use super::secret::hash_secret;
use crate::error::ApiError;
use crate::startup::AppState;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: String,
    /// Hash of the token the request came with (for sign-out).
    pub token_hash: String,
}

/// The bearer token of a request, if it has one.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

impl AuthUser {
    /// Resolves a bearer token to its user.
    pub async fn from_token(state: &AppState, token: &str) -> Result<Self, ApiError> {
        let token_hash = hash_secret(token);
        let user_id = state.store.token_owner(&token_hash).await?.ok_or(ApiError::Unauthenticated)?;
        Ok(Self { user_id, token_hash })
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            let token = token.ok_or(ApiError::Unauthenticated)?;
            AuthUser::from_token(&state, &token).await
        })
    }
}

//! Accounts: register, sign in and out, read, rename and delete yourself, and
//! get a WebSocket ticket.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{Duration, Utc};
use protocol::account::{
    AuthResponse, DisplayName, Email, LoginRequest, Password, RegisterRequest, TicketResponse,
    UpdateMeRequest, User,
};
use protocol::error::ErrorBody;
use serde_json::json;

use crate::auth::AuthUser;
use crate::auth::address::ClientAddress;
use crate::auth::secret::{hash_secret, random_token};
use crate::error::ApiError;
use crate::startup::AppState;
use crate::store::users::{Created, UserRow};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(logout)
        .service(me)
        .service(update_me)
        .service(delete_me)
        .service(ws_ticket);
}

/// Where the request comes from, as the sign-in throttle counts it.
fn client_address(req: &HttpRequest, state: &AppState) -> ClientAddress {
    ClientAddress::of(req, state.settings.auth.trust_forwarded_for)
}

/// Creates a token for the user and builds the register/login answer.
async fn issue_token(state: &AppState, user: &UserRow) -> Result<AuthResponse, ApiError> {
    let token = random_token();
    let hours = i64::try_from(state.settings.auth.token_ttl_hours).unwrap_or(i64::MAX / 3600);
    let expires_at = Utc::now() + Duration::hours(hours);
    state.store.create_token(&user.id, &hash_secret(&token), expires_at).await?;
    Ok(AuthResponse { user: user.public(), token, expires_at })
}

/// Creates an account and signs it in.
#[utoipa::path(
    tag = "accounts",
    request_body = RegisterRequest,
    responses(
        (status = 201, body = AuthResponse),
        (status = 409, description = "email already registered", body = ErrorBody),
        (status = 422, description = "a field is invalid", body = ErrorBody),
        (status = 429, description = "too many attempts from this IP", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limiter.check_address(client_address(&req, &state))?;
    let limits = state.settings.auth.limits();
    let email = Email::parse(&body.email, &limits)?;
    let name = DisplayName::parse(&body.name, &limits)?;
    let password = Password::parse(&body.password, &limits)?;
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let user = match state.store.create_user(&id, email.as_str(), name.as_str(), &hash).await? {
        Created::User(user) => user,
        // Saying the email is taken tells a caller that the account exists. We
        // accept that: a sign-up form must say why it failed, and the per-address
        // attempt limit above makes harvesting addresses this way slow. Sign-in
        // never tells (an unknown email and a wrong password answer alike).
        Created::EmailTaken => return Err(ApiError::EmailTaken),
    };
    tracing::info!(user = %user.id, "account created");
    Ok(HttpResponse::Created().json(issue_token(&state, &user).await?))
}

/// Signs in with email and password.
#[utoipa::path(
    tag = "accounts",
    request_body = LoginRequest,
    responses(
        (status = 200, body = AuthResponse),
        (status = 401, description = "wrong email or password", body = ErrorBody),
        (status = 429, description = "too many attempts", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let address = client_address(&req, &state);
    state.limiter.check_address(address)?;
    let limits = state.settings.auth.limits();
    let email = Email::parse(&body.email, &limits).map_err(|_| ApiError::BadCredentials)?;
    state.limiter.check_sign_in(address, email.as_str())?;
    let user = state.store.user_by_email(email.as_str()).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let valid = state.passwords.verify(body.password.clone(), stored).await?;
    match user {
        Some(user) if valid => {
            state.limiter.record_success(address, email.as_str());
            Ok(HttpResponse::Ok().json(issue_token(&state, &user).await?))
        }
        _ => {
            state.limiter.record_failure(address, email.as_str());
            Err(ApiError::BadCredentials)
        }
    }
}

/// Revokes the token this request came with.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses((status = 204), (status = 401, body = ErrorBody)))]
#[post("/api/v1/auth/logout")]
pub async fn logout(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    crate::auth::revoke::revoke_token(&state, &auth).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn current_user(state: &AppState, auth: &AuthUser) -> Result<UserRow, ApiError> {
    state.store.user_by_id(&auth.user_id).await?.ok_or(ApiError::Unauthenticated)
}

/// The signed-in user.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(current_user(&state, &auth).await?.public()))
}

/// Changes the user's display name; every open socket of the user receives
/// an `account.updated` event.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[patch("/api/v1/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<UpdateMeRequest>,
) -> Result<HttpResponse, ApiError> {
    let name = DisplayName::parse(&body.name, &state.settings.auth.limits())?;
    let user = state
        .store
        .rename_user(&auth.user_id, name.as_str())
        .await?
        .ok_or(ApiError::Unauthenticated)?
        .public();
    state.events.publish(&auth.user_id, "account.updated", json!({ "user": user })).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Deletes the account and everything it owns, for good, and closes its sockets.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses((status = 204), (status = 401, body = ErrorBody)))]
#[delete("/api/v1/me")]
pub async fn delete_me(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    state.store.delete_user(&auth.user_id).await?;
    crate::auth::revoke::account_deleted(&state, &auth.user_id);
    state.files.delete_all(&auth.user_id).await?;
    tracing::info!(user = %auth.user_id, "account deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// A single-use ticket for `GET /ws?ticket=T` (browsers cannot send headers
/// on a WebSocket upgrade).
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses((status = 200, body = TicketResponse), (status = 401, body = ErrorBody)))]
#[post("/api/v1/ws-ticket")]
pub async fn ws_ticket(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let ticket = random_token();
    let ttl = state.settings.auth.ticket_ttl_secs;
    let expires_at = Utc::now() + Duration::seconds(i64::try_from(ttl).unwrap_or(60));
    let hash = hash_secret(&ticket);
    state.store.create_ticket(&auth.user_id, &auth.token_hash, &hash, expires_at).await?;
    Ok(HttpResponse::Ok().json(TicketResponse { ticket, expires_in_secs: ttl }))
}

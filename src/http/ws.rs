//! `GET /ws`: authenticates the upgrade (bearer header or single-use ticket),
//! then hands the connection to its own `Session` actor, its bytes read through
//! the [`FrameGuard`] and its frames through `actors::inbound::Messages`,
//! both limited to `ws.max_frame_bytes`.

use actix_web::{FromRequest as _, HttpRequest, HttpResponse, dev, get, web};
use actors::Session;
use actors::inbound::Messages;
use protocol::error::ErrorBody;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::auth::extract::bearer_token;
use crate::auth::secret::hash_secret;
use crate::error::ApiError;
use crate::http::ws_guard::FrameGuard;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(socket);
}

#[derive(Deserialize)]
struct SocketQuery {
    ticket: Option<String>,
}

/// Who is opening the socket, and with which token: the bearer token wins,
/// else the ticket, which counts only while the token that minted it is valid.
async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<AuthUser, ApiError> {
    if let Some(token) = bearer_token(req) {
        return AuthUser::from_token(state, token).await;
    }
    let query = web::Query::<SocketQuery>::from_query(req.query_string())
        .map_err(|_| ApiError::Unauthenticated)?;
    let ticket = query.ticket.as_deref().ok_or(ApiError::Unauthenticated)?;
    let ticket =
        state.store.consume_ticket(&hash_secret(ticket)).await?.ok_or(ApiError::Unauthenticated)?;
    let minter = state.store.token_owner(&ticket.token_hash).await?;
    if minter.as_deref() != Some(ticket.owner.as_str()) {
        return Err(ApiError::Unauthenticated);
    }
    Ok(AuthUser { user_id: ticket.owner, token_hash: ticket.token_hash })
}

/// Upgrades to a WebSocket. Frames are JSON objects with a `type`; see
/// `ServerFrame` for what the server sends besides durable events.
#[utoipa::path(
    tag = "realtime",
    params(("ticket" = Option<String>, Query, description = "single-use ticket from POST /api/v1/ws-ticket")),
    security(("bearer" = []), ()),
    responses(
        (status = 101, description = "switching to the WebSocket protocol"),
        (status = 400, description = "not a WebSocket upgrade request", body = ErrorBody),
        (status = 401, description = "no valid token or ticket", body = ErrorBody),
    )
)]
#[get("/ws")]
pub async fn socket(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let opener = authenticate(&state, &req).await?;
    let limit = state.settings.ws.max_frame_bytes;
    let mut guarded = dev::Payload::from(FrameGuard::boxed(body, limit));
    let body = web::Payload::from_request(&req, &mut guarded).await?;
    let (response, socket, stream) = actix_ws::handle(&req, body)?;
    Session::start(
        opener.user_id,
        opener.token_hash,
        socket,
        Messages::new(stream.max_frame_size(limit), limit),
        state.session_deps.clone(),
        state.settings.ws.session(&state.settings.chat),
    );
    Ok(response)
}

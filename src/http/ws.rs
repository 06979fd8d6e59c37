//! `GET /ws`: authenticates the upgrade (bearer header or single-use ticket),
//! then hands the connection to its own `Session` actor.

use actix_web::{HttpRequest, HttpResponse, get, web};
use actors::Session;
use protocol::error::ErrorBody;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::auth::extract::bearer_token;
use crate::auth::secret::hash_secret;
use crate::error::ApiError;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(socket);
}

#[derive(Deserialize)]
struct SocketQuery {
    ticket: Option<String>,
}

/// Who is opening the socket: the bearer token wins, else the ticket.
async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<String, ApiError> {
    if let Some(token) = bearer_token(req) {
        return Ok(AuthUser::from_token(state, token).await?.user_id);
    }
    let query = web::Query::<SocketQuery>::from_query(req.query_string())
        .map_err(|_| ApiError::Unauthenticated)?;
    let ticket = query.ticket.as_deref().ok_or(ApiError::Unauthenticated)?;
    state.store.consume_ticket(&hash_secret(ticket)).await?.ok_or(ApiError::Unauthenticated)
}

/// Upgrades to a WebSocket. Frames are JSON objects with a `type`; see
/// `ServerFrame` for what the server sends besides durable events.
#[utoipa::path(
    tag = "realtime",
    params(("ticket" = Option<String>, Query, description = "single-use ticket from POST /api/v1/ws-ticket")),
    security(("bearer" = []), ()),
    responses(
        (status = 101, description = "switching to the WebSocket protocol"),
        (status = 401, description = "no valid token or ticket", body = ErrorBody),
    )
)]
#[get("/ws")]
pub async fn socket(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let user_id = authenticate(&state, &req).await?;
    let (response, socket, stream) = actix_ws::handle(&req, body)?;
    let stream = stream
        .max_frame_size(state.settings.ws.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(state.settings.ws.max_frame_bytes);
    Session::start(
        user_id,
        socket,
        stream,
        state.session_deps.clone(),
        state.settings.ws.session(&state.settings.chat),
    );
    Ok(response)
}

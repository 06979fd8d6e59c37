//! "What I know about you" over REST: the career record the Career
//! Interviewer keeps (facts from the user's own messages) and the plan of the
//! story being told; the user corrects or deletes any item.

use actix_web::{HttpResponse, delete, get, patch, web};
use protocol::career::{CareerRecord, RecordItem, UpdateRecordItem};
use protocol::error::ErrorBody;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::interviewer::plan::Plan;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_record).service(update_item).service(delete_item);
}

/// Everything the interviewer knows about the user (oldest first) and where
/// the current story stands.
#[utoipa::path(
    tag = "chat",
    security(("bearer" = [])),
    responses((status = 200, body = CareerRecord), (status = 401, body = ErrorBody))
)]
#[get("/api/v1/career")]
pub async fn get_record(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let items = state.store.career_items(&auth.user_id, state.settings.chat.max_record_items).await?;
    let plan = Plan::from_stored(state.store.career_plan(&auth.user_id).await?.as_deref());
    Ok(HttpResponse::Ok().json(CareerRecord { items, plan: plan.view() }))
}

/// Corrects an item; the interviewer uses the corrected text from then on.
#[utoipa::path(
    tag = "chat",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "record item id")),
    request_body = UpdateRecordItem,
    responses(
        (status = 200, body = RecordItem), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    )
)]
#[patch("/api/v1/career/items/{id}")]
pub async fn update_item(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    body: web::Json<UpdateRecordItem>,
) -> Result<HttpResponse, ApiError> {
    let text = body
        .parse(state.settings.chat.record_item_max_chars)
        .map_err(|message| ApiError::Validation { field: "text", message })?;
    let item = state
        .store
        .update_career_item(&auth.user_id, &id, &text)
        .await?
        .ok_or(ApiError::NotFound("record item"))?;
    Ok(HttpResponse::Ok().json(item))
}

/// Deletes an item; the interviewer forgets it.
#[utoipa::path(
    tag = "chat",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "record item id")),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/api/v1/career/items/{id}")]
pub async fn delete_item(state: web::Data<AppState>, auth: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    if !state.store.delete_career_item(&auth.user_id, &id).await? {
        return Err(ApiError::NotFound("record item"));
    }
    Ok(HttpResponse::NoContent().finish())
}

//! Prometheus metrics: the `/metrics` endpoint and the middleware that counts
//! and times every request by method, route pattern and status.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, get, web};

use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(exposition);
}

/// Prometheus text exposition of every metric.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn exposition(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

/// Counts and times a request. The route label is the matched pattern
/// (`/api/v1/conversations/{id}`), never the raw path, so ids cannot blow up
/// the number of series.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let response = next.call(req).await;
    // The route is known only after routing, i.e. on the way back out.
    let (route, status) = match &response {
        Ok(response) => (response.request().match_pattern(), response.status().as_u16()),
        Err(error) => (None, error.as_response_error().status_code().as_u16()),
    };
    let route = route.unwrap_or_else(|| String::from("unmatched"));
    let labels = [("method", method), ("route", route), ("status", status.to_string())];
    ::metrics::counter!("debrief_http_requests_total", &labels).increment(1);
    ::metrics::histogram!("debrief_http_request_duration_seconds", &labels[..2])
        .record(started.elapsed().as_secs_f64());
    response
}

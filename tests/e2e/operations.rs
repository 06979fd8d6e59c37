//! Operations: health, readiness, metrics, the API description, the web page.

use serde_json::Value;

use crate::helpers::{assert_valid_prometheus_text, spawn_app};

#[actix_web::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[actix_web::test]
async fn metrics_are_valid_prometheus_text_with_requests_sockets_and_events() {
    let app = spawn_app().await;
    let user = app.new_user("Mo").await;
    let mut socket = app.socket(&user.token).await;
    app.rename(&user.token, "Mo 2").await;
    let _push = socket.next_json().await;

    let response = app.get("/metrics").await;

    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert_valid_prometheus_text(&text);
    for metric in [
        "debrief_http_requests_total{method=\"POST\",route=\"/api/v1/auth/register\",status=\"201\"}",
        "debrief_http_request_duration_seconds_bucket",
        "debrief_ws_open_sockets",
        "debrief_ws_frames_out_total",
        "debrief_events_stored_total",
        "debrief_events_delivered_total",
    ] {
        assert!(text.contains(metric), "{metric} missing from:\n{text}");
    }
}

#[actix_web::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = spawn_app().await;
    let spec: Value = app.get("/api/openapi.json").await.json().await.unwrap();

    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/ws-ticket",
        "/ws",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} missing");
    }
    let docs = app.get("/docs").await;
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("/static/docs.js"));
}

#[actix_web::test]
async fn unknown_routes_answer_with_the_json_error_shape() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/nothing-here").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[actix_web::test]
async fn the_sign_in_page_and_its_script_are_served() {
    let app = spawn_app().await;
    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("id=\"auth-form\""));
    let script = app.get("/static/app.js").await;
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"].to_str().unwrap().contains("javascript"));
}

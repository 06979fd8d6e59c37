//! The HTTP surface's hardening (issue #18): every refusal is the contract's
//! JSON error with a fitting 4xx, whichever part of the request was wrong;
//! methods a path does not take answer 405 with `Allow`; the OpenAPI document
//! says what the server refuses; `/metrics` stays valid for `promtool` after
//! real use; pages carry security headers.

use std::io::Write as _;
use std::process::{Command, Stdio};

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::analysis::{finished, quiet_wav, upload, verbose_json};
use crate::fake_openai::FakeOpenAi;
use crate::helpers::{TestApp, WsClient, spawn_app, spawn_app_with};
use crate::practice::{call, create};

/// Asserts the response is the contract's error: `status`, JSON, a code.
async fn assert_json_error(response: Response, status: u16, what: &str) -> Value {
    assert_eq!(response.status(), status, "{what}");
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"), "{what}");
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["code"].as_str().is_some_and(|c| !c.is_empty()), "{what}: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
    body
}

/// A user with one conversation; returns the token and the conversation id.
async fn user_with_conversation(app: &TestApp) -> (String, String) {
    let user = app.new_user("Ada").await;
    let (status, created) = call(app, &user.token, Method::POST, "/api/v1/conversations", None).await;
    assert_eq!(status, 201, "{created}");
    (user.token, created["id"].as_str().unwrap().to_owned())
}

#[actix_web::test]
async fn every_list_endpoint_answers_a_negative_or_huge_limit_with_a_json_error() {
    let app = spawn_app().await;
    let (token, conversation) = user_with_conversation(&app).await;
    let lists = [
        "/api/v1/conversations".to_owned(),
        format!("/api/v1/conversations/{conversation}/messages"),
        "/api/v1/interviews".to_owned(),
        "/api/v1/notifications".to_owned(),
        "/api/v1/practice".to_owned(),
    ];
    for list in &lists {
        let negative = app.client.get(app.url(&format!("{list}?limit=-5"))).bearer_auth(&token).send().await.unwrap();
        let body = assert_json_error(negative, 400, &format!("{list}?limit=-5")).await;
        assert_eq!(body["error"]["code"], "bad_request");

        let zero = app.client.get(app.url(&format!("{list}?limit=0"))).bearer_auth(&token).send().await.unwrap();
        assert_json_error(zero, 422, &format!("{list}?limit=0")).await;

        let huge = app.client.get(app.url(&format!("{list}?limit=100000"))).bearer_auth(&token).send().await.unwrap();
        assert_json_error(huge, 422, &format!("{list}?limit=100000 (above max_page_size)")).await;
    }
    let cursor = app.client.get(app.url("/api/v1/practice?cursor=yesterday")).bearer_auth(&token).send().await.unwrap();
    assert_json_error(cursor, 400, "a cursor this API did not give out").await;
}

#[actix_web::test]
async fn malformed_json_wrong_content_types_and_oversize_bodies_get_json_errors() {
    let app = spawn_app_with(|s| s.server.max_json_bytes = 1024).await;
    let (token, conversation) = user_with_conversation(&app).await;
    let session = create(&app, &token, json!({"job_title": "SRE", "interview_type": "technical"})).await;
    let practice = session["id"].as_str().unwrap();
    // (method, path) of every endpoint that reads a JSON body, optional bodies included.
    let endpoints = [
        (Method::POST, "/api/v1/auth/register".to_owned()),
        (Method::POST, "/api/v1/auth/login".to_owned()),
        (Method::PATCH, "/api/v1/me".to_owned()),
        (Method::POST, "/api/v1/conversations".to_owned()),
        (Method::POST, "/api/v1/practice".to_owned()),
        (Method::POST, "/api/v1/practice/drills".to_owned()),
        (Method::POST, format!("/api/v1/practice/{practice}/questions/generate")),
        (Method::PUT, format!("/api/v1/practice/{practice}/questions")),
        (Method::PUT, format!("/api/v1/practice/{practice}/answers")),
        (Method::POST, format!("/api/v1/practice/{practice}/complete")),
        (Method::PUT, format!("/api/v1/practice/{practice}/feedback")),
        (Method::POST, format!("/api/v1/practice/{practice}/questions/q1/coach")),
        (Method::PATCH, format!("/api/v1/interviews/{conversation}")),
        (Method::PUT, format!("/api/v1/interviews/{conversation}/speakers")),
        (Method::PUT, format!("/api/v1/interviews/{conversation}/practice")),
    ];
    for (method, path) in &endpoints {
        let request = || app.client.request(method.clone(), app.url(path)).bearer_auth(&token);
        let what = format!("{method} {path}");

        let malformed = request().header("Content-Type", "application/json").body("{\"a\": ").send().await.unwrap();
        assert_json_error(malformed, 400, &format!("{what} with malformed JSON")).await;

        let wrong_type = request().header("Content-Type", "text/plain").body("{}").send().await.unwrap();
        let body = assert_json_error(wrong_type, 415, &format!("{what} as text/plain")).await;
        assert_eq!(body["error"]["code"], "unsupported_media_type");

        let oversize = format!("{{\"text\": \"{}\"}}", "x".repeat(4096));
        let too_large = request().header("Content-Type", "application/json").body(oversize).send().await.unwrap();
        assert_json_error(too_large, 413, &format!("{what} over max_json_bytes")).await;
    }
}

#[actix_web::test]
async fn unreadable_queries_and_websocket_handshakes_get_json_errors() {
    let app = spawn_app().await;
    let (token, conversation) = user_with_conversation(&app).await;

    // A query parameter of the wrong type, and two that exclude each other.
    let messages = format!("/api/v1/conversations/{conversation}/messages");
    let wrong = app.client.get(app.url(&format!("{messages}?after=abc"))).bearer_auth(&token).send().await.unwrap();
    assert_json_error(wrong, 400, "after=abc").await;
    let both = app.client.get(app.url(&format!("{messages}?after=1&before=3"))).bearer_auth(&token).send().await.unwrap();
    assert_json_error(both, 400, "after and before together").await;
    let negative = app.client.get(app.url(&format!("{messages}?before=-1"))).bearer_auth(&token).send().await.unwrap();
    assert_json_error(negative, 422, "before=-1").await;

    // A plain GET on the WebSocket endpoint (no upgrade).
    let plain = app.client.get(app.url("/ws")).bearer_auth(&token).send().await.unwrap();
    assert_json_error(plain, 400, "GET /ws without an upgrade").await;

    // An unknown route stays a JSON 404.
    let unknown = app.get("/api/v1/nothing-here").await;
    let body = assert_json_error(unknown, 404, "an unknown route").await;
    assert_eq!(body["error"]["code"], "not_found");
}

#[actix_web::test]
async fn a_method_a_path_does_not_take_answers_405_with_allow() {
    let app = spawn_app().await;
    let trace = Method::from_bytes(b"TRACE").unwrap();
    for (path, allow) in [
        ("/api/v1/me", "DELETE, GET, PATCH"),
        ("/healthz", "GET"),
        ("/api/v1/conversations/abc/messages", "GET"),
        ("/files/", "OPTIONS, POST"),
        ("/files/abc", "DELETE, HEAD, OPTIONS, PATCH"),
        ("/", "GET"),
    ] {
        let response = app.client.request(trace.clone(), app.url(path)).send().await.unwrap();
        let allowed = response.headers().get("allow").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let mut allowed: Vec<&str> = allowed.split(", ").collect();
        allowed.sort_unstable();
        assert_eq!(allowed.join(", "), allow, "TRACE {path}");
        let body = assert_json_error(response, 405, &format!("TRACE {path}")).await;
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }
    let put = app.client.put(app.url("/healthz")).send().await.unwrap();
    assert_json_error(put, 405, "PUT /healthz").await;
}

#[actix_web::test]
async fn the_openapi_document_states_what_the_server_refuses() {
    let app = spawn_app_with(|s| s.auth.name_max_chars = 42).await;
    let spec: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let schemas = &spec["components"]["schemas"];

    // Limits come from the configuration; empty text is refused where the server refuses it.
    assert_eq!(schemas["RegisterRequest"]["properties"]["name"]["maxLength"], 42);
    assert_eq!(schemas["RegisterRequest"]["properties"]["name"]["minLength"], 1);
    assert_eq!(schemas["CreatePracticeRequest"]["properties"]["job_title"]["minLength"], 1);
    assert_eq!(schemas["CoachRequest"]["properties"]["text"]["minLength"], 1);
    // Optional bodies are optional, and `null` is one.
    let generate = &spec["paths"]["/api/v1/practice/{id}/questions/generate"]["post"]["requestBody"];
    assert_ne!(generate["required"], true);
    assert!(generate.to_string().contains("\"null\""), "{generate}");
    assert_ne!(spec["paths"]["/api/v1/conversations"]["post"]["requestBody"]["required"], true);
    // Every operation with a JSON body documents 400, 413 and 415; every one with parameters 400.
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let json_body = operation["requestBody"]["content"].get("application/json").is_some();
            let parameters = operation["parameters"].as_array().is_some_and(|p| !p.is_empty());
            for status in ["400", "413", "415"].into_iter().filter(|_| json_body) {
                assert!(operation["responses"].get(status).is_some(), "{method} {path} lacks {status}");
            }
            if parameters || json_body {
                assert!(operation["responses"].get("400").is_some(), "{method} {path} lacks 400");
            }
        }
    }
    // The WebSocket's refusal of a plain request, and the tus endpoints.
    assert!(spec["paths"]["/ws"]["get"]["responses"].get("400").is_some());
    for (path, method) in [("/files/", "options"), ("/files/", "post"), ("/files/{id}", "head"), ("/files/{id}", "patch"), ("/files/{id}", "delete")] {
        assert!(spec["paths"][path].get(method).is_some(), "{method} {path} is not described");
    }
    let patch = &spec["paths"]["/files/{id}"]["patch"];
    assert!(patch["requestBody"]["content"].get("application/offset+octet-stream").is_some());
    assert!(patch["responses"]["204"]["headers"].get("Upload-Offset").is_some());
}

/// Runs `promtool check metrics` on `text`; its complaints on failure.
fn promtool_check(text: &str) -> Result<(), String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is missing: run scripts/install-promtool.sh (Debian package prometheus)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
    }
}

/// Sends a chat message and waits for the reply to finish.
async fn chat(socket: &mut WsClient, text: &str) {
    socket.send_json(json!({"type": "chat.send", "client_id": uuid::Uuid::new_v4().to_string(), "text": text})).await;
    loop {
        let frame = socket.next_json().await;
        if frame["type"] == "chat.done" || frame["type"] == "chat.error" {
            return;
        }
    }
}

#[actix_web::test]
async fn metrics_after_a_full_story_pass_promtool() {
    let fake = FakeOpenAi::start();
    fake.transcribe_as(verbose_json());
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| s.transcription.base_url = base).await;

    // A user signs up, talks with the interviewer, uploads a recording and practises.
    let user = app.new_user("Noor").await;
    let mut socket = app.socket(&user.token).await;
    chat(&mut socket, "I led our billing migration last year.").await;
    let interview = upload(&app, &user.token, "round.wav", "audio/wav", quiet_wav(2.0), &[]).await;
    finished(&app, &user.token, &interview).await;
    let session = create(&app, &user.token, json!({"job_title": "SRE", "interview_type": "behavioral"})).await;
    let id = session["id"].as_str().unwrap();
    let (status, generated) =
        call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/questions/generate"), Some(json!({"count": 1}))).await;
    assert_eq!(status, 200, "{generated}");
    let question = generated["questions"][0]["id"].as_str().unwrap();
    let answers = json!({"answers": [{"question_id": question, "text": "I split the work and we shipped early."}]});
    let (status, _) = call(&app, &user.token, Method::PUT, &format!("/api/v1/practice/{id}/answers"), Some(answers)).await;
    assert_eq!(status, 200);
    let (status, _) = call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/complete"), None).await;
    assert_eq!(status, 200);
    let refused = app.client.get(app.url("/api/v1/practice?limit=-1")).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(refused.status(), 400);

    let text = app.get("/metrics").await.text().await.unwrap();

    for family in [
        "debrief_jobs_running",
        "debrief_uploads_created_total",
        "debrief_practice_sessions_completed_total",
        "debrief_job_stage_seconds",
        "debrief_chat_reply_duration_seconds",
    ] {
        assert!(text.contains(&format!("# HELP {family} ")), "{family} has no HELP line:\n{text}");
        assert!(text.contains(&format!("# TYPE {family} ")), "{family} has no TYPE line");
    }
    // Every family that has samples has its HELP line.
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let name = line.split(['{', ' ']).next().unwrap();
        let family = ["_bucket", "_sum", "_count"].iter().fold(name, |n, suffix| n.strip_suffix(suffix).unwrap_or(n));
        assert!(
            text.contains(&format!("# HELP {family} ")) || text.contains(&format!("# HELP {name} ")),
            "{name} has no HELP line"
        );
    }
    if let Err(complaints) = promtool_check(&text) {
        panic!("promtool check metrics failed:\n{complaints}\n--- exposition:\n{text}");
    }
}

#[actix_web::test]
async fn pages_carry_security_headers_and_no_inline_script() {
    let app = spawn_app().await;
    for page in ["/", "/interview", "/uploads", "/practice", "/practice/abc", "/interviews/abc", "/docs"] {
        let response = app.get(page).await;
        assert_eq!(response.status(), 200, "{page}");
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let csp = header("content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{page}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{page}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{page}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{page}");
        assert_eq!(header("x-frame-options"), "DENY", "{page}");
        let html = response.text().await.unwrap();
        // Every script is an external module; no inline script, handler or style block.
        for script in html.split("<script").skip(1) {
            let tag = script.split('>').next().unwrap();
            assert!(tag.contains("src=\"/static/"), "{page} has an inline script: <script{tag}>");
            assert!(script.split('>').nth(1).unwrap().starts_with("</script"), "{page}: a script with a body");
        }
        assert!(!html.contains("<style"), "{page} has an inline style block (style-src 'self')");
        assert!(!html.contains(" onclick=") && !html.contains(" onload="), "{page} has an inline event handler");
    }
    // The API answers carry them too.
    let api = app.get("/healthz").await;
    assert!(api.headers().contains_key("content-security-policy"));
}

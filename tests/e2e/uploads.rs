//! Recording uploads over tus 1.0.0 (`/files/`) and the interviews they become.
//! Each test is a user story or a protocol rule, driven with plain HTTP.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use sha2::Digest as _;
use tokio::io::AsyncWriteExt as _;

use crate::helpers::{TestApp, TestUser, spawn_app, spawn_app_with};

/// How long a test polls for a condition before failing (a hang guard).
const POLL_LIMIT: Duration = Duration::from_secs(15);

/// A WAV file of `size` bytes: a RIFF/WAVE header, then varied sample bytes.
pub fn wav(size: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(size);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&u32::try_from(size.saturating_sub(8)).unwrap().to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    let mut state: u32 = 0x1234_5678;
    while bytes.len() < size {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        bytes.push((state >> 24) as u8);
    }
    bytes.truncate(size);
    bytes
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// `Upload-Metadata` from pairs.
pub fn metadata(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k} {}", STANDARD.encode(v))).collect::<Vec<_>>().join(",")
}

fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

/// A tus request with the protocol header and the user's token.
pub fn tus(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    let url = if path.starts_with("http") { path.to_owned() } else { app.url(path) };
    app.client.request(method, url).header("Tus-Resumable", "1.0.0").bearer_auth(token)
}

/// Creates an upload of `length` bytes named `filename`; returns its path (`/files/ID`).
pub async fn create(app: &TestApp, token: &str, length: usize, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![("filename", "final-round.wav"), ("filetype", "audio/wav")];
    pairs.extend_from_slice(extra);
    let response = tus(app, Method::POST, "/files/", token)
        .header("Upload-Length", length.to_string())
        .header("Upload-Metadata", metadata(&pairs))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    header(&response, "Location").unwrap()
}

pub async fn patch(app: &TestApp, token: &str, location: &str, offset: usize, body: Vec<u8>) -> Response {
    tus(app, Method::PATCH, location, token)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset.to_string())
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn head(app: &TestApp, token: &str, location: &str) -> Response {
    tus(app, Method::HEAD, location, token).send().await.unwrap()
}

pub async fn offset_of(app: &TestApp, token: &str, location: &str) -> usize {
    let response = head(app, token, location).await;
    assert_eq!(response.status(), 200);
    header(&response, "Upload-Offset").unwrap().parse().unwrap()
}

async fn interview(app: &TestApp, token: &str, id: &str) -> Response {
    app.client.get(app.url(&format!("/api/v1/interviews/{id}"))).bearer_auth(token).send().await.unwrap()
}

async fn interviews(app: &TestApp, token: &str, query: &str) -> Value {
    let response =
        app.client.get(app.url(&format!("/api/v1/interviews{query}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn stored_file(app: &TestApp, user: &TestUser, location: &str) -> std::path::PathBuf {
    app.storage_dir.join(&user.id).join(location.trim_start_matches("/files/"))
}

/// Polls `check` until it gives a value.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + POLL_LIMIT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["code"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn options_announce_tus_its_extensions_and_the_two_gib_limit() {
    let app = spawn_app().await;
    let response = app.client.request(Method::OPTIONS, app.url("/files/")).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(header(&response, "Tus-Version").as_deref(), Some("1.0.0"));
    assert_eq!(header(&response, "Tus-Max-Size").as_deref(), Some("2147483648"));
    let extensions = header(&response, "Tus-Extension").unwrap();
    for extension in ["creation", "creation-with-upload", "creation-defer-length", "termination", "checksum", "expiration"] {
        assert!(extensions.split(',').any(|e| e == extension), "{extension} missing from {extensions}");
    }
    assert_eq!(header(&response, "Tus-Checksum-Algorithm").as_deref(), Some("sha1,sha256"));
    assert_eq!(header(&response, "Access-Control-Allow-Origin").as_deref(), Some("*"));
    assert!(header(&response, "Access-Control-Allow-Headers").unwrap().contains("Upload-Offset"));
}

#[actix_web::test]
async fn a_recording_sent_in_several_patches_becomes_an_interview_with_live_progress() {
    let app = spawn_app_with(|s| s.uploads.progress_interval_ms = 1).await;
    let user = app.new_user("Uma").await;
    let mut socket = app.socket(&user.token).await;
    let file = wav(300_000);
    let location = create(
        &app,
        &user.token,
        file.len(),
        &[("company", "Acme"), ("job_title", "Site Reliability Engineer"), ("interview_type", "technical")],
    )
    .await;
    assert!(location.starts_with("/files/"));
    assert_eq!(offset_of(&app, &user.token, &location).await, 0);

    let mut interview_id = None;
    for (start, end) in [(0, 100_000), (100_000, 250_000), (250_000, 300_000)] {
        let response = patch(&app, &user.token, &location, start, file[start..end].to_vec()).await;
        assert_eq!(response.status(), 204);
        assert_eq!(header(&response, "Upload-Offset"), Some(end.to_string()));
        assert_eq!(header(&response, "Tus-Resumable").as_deref(), Some("1.0.0"));
        interview_id = header(&response, "Debrief-Interview-Id");
        if end < file.len() {
            assert!(header(&response, "Upload-Expires").unwrap().ends_with("GMT"));
            assert_eq!(offset_of(&app, &user.token, &location).await, end);
        }
    }
    let interview_id = interview_id.unwrap();

    let progress = socket.next_of_type("upload.progress").await;
    assert_eq!(progress["interview_id"], interview_id.as_str());
    assert_eq!(progress["length"], 300_000);
    let completed = socket.next_of_type("upload.completed").await;
    assert_eq!(completed["interview_id"], interview_id.as_str());
    assert_eq!(completed["sha256"], sha256_hex(&file));
    assert_eq!(completed["duplicate"], false);
    assert!(completed["seq"].as_u64().unwrap() > 0, "a durable event");

    let body: Value = interview(&app, &user.token, &interview_id).await.json().await.unwrap();
    // Finished: past `uploading` (its analysis job starts at once; with no
    // speech engine here it fails, which tests/e2e/analysis.rs covers).
    assert_ne!(body["status"], "uploading");
    assert!(body["recording"]["sha256"].is_string());
    assert_eq!(body["company"], "Acme");
    assert_eq!(body["interview_type"], "technical");
    assert_eq!(body["recording"]["filename"], "final-round.wav");
    assert_eq!(body["recording"]["size_bytes"], 300_000);
    assert_eq!(body["recording"]["sha256"], sha256_hex(&file));
    assert_eq!(std::fs::read(stored_file(&app, &user, &location)).unwrap(), file, "byte-identical on disk");

    // A finished upload still answers HEAD with its full offset.
    assert_eq!(offset_of(&app, &user.token, &location).await, file.len());
    // Retrying the last PATCH (its answer was lost) is answered, not refused.
    let retried = patch(&app, &user.token, &location, file.len(), Vec::new()).await;
    assert_eq!(retried.status(), 204);
    assert_eq!(header(&retried, "Debrief-Interview-Id"), Some(interview_id.clone()));
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("debrief_upload_bytes_received_total"));
    assert!(metrics.contains("debrief_upload_duration_seconds"));
}

#[actix_web::test]
async fn protocol_misuse_gets_the_status_tus_prescribes() {
    let app = spawn_app().await;
    let user = app.new_user("Mo").await;
    let token = &user.token;
    let location = create(&app, token, 1000, &[]).await;

    // Wrong offset: 409, with the right one.
    let response = patch(&app, token, &location, 10, wav(20)).await;
    assert_eq!(response.status(), 409);
    assert_eq!(header(&response, "Upload-Offset").as_deref(), Some("0"));
    assert_eq!(error_code(response).await, "offset_mismatch");
    // No protocol version: 412.
    let response = app.client.head(app.url(&location)).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 412);
    assert_eq!(header(&response, "Tus-Version").as_deref(), Some("1.0.0"));
    // Wrong content type: 415.
    let response = tus(&app, Method::PATCH, &location, token)
        .header("Content-Type", "application/json")
        .header("Upload-Offset", "0")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    // Missing or invalid Upload-Offset: 400.
    let response = tus(&app, Method::PATCH, &location, token)
        .header("Content-Type", "application/offset+octet-stream")
        .body(wav(20))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = tus(&app, Method::PATCH, &location, token)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "-3")
        .body(wav(20))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // More bytes than the declared length: 413, nothing stored.
    let response = patch(&app, token, &location, 0, wav(1001)).await;
    assert_eq!(response.status(), 413);
    assert_eq!(offset_of(&app, token, &location).await, 0);
    // Creation without a length, with both, too large, bad metadata: refused.
    let post = || tus(&app, Method::POST, "/files/", token).header("Upload-Metadata", metadata(&[("filename", "a.wav")]));
    assert_eq!(post().send().await.unwrap().status(), 400);
    let both = post().header("Upload-Length", "10").header("Upload-Defer-Length", "1").send().await.unwrap();
    assert_eq!(both.status(), 400);
    let huge = post().header("Upload-Length", "2147483649").send().await.unwrap();
    assert_eq!(huge.status(), 413);
    assert_eq!(error_code(huge).await, "upload_too_large");
    let bad = tus(&app, Method::POST, "/files/", token)
        .header("Upload-Length", "10")
        .header("Upload-Metadata", "filename ***")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let bad_type = tus(&app, Method::POST, "/files/", token)
        .header("Upload-Length", "10")
        .header("Upload-Metadata", metadata(&[("filename", "a.wav"), ("interview_type", "casual")]))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_type.status(), 422);
    // No token: 401; unknown upload: 404.
    let anonymous = app.client.head(app.url(&location)).header("Tus-Resumable", "1.0.0").send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(head(&app, token, "/files/doesnotexist").await.status(), 404);
}

#[actix_web::test]
async fn only_recordings_are_accepted_by_name_type_and_content() {
    let app = spawn_app().await;
    let user = app.new_user("Ria").await;
    for pairs in [
        vec![("filename", "notes.txt")],
        vec![("filetype", "application/pdf")],
        vec![("filename", "call.wav"), ("filetype", "video/mp4")],
    ] {
        let response = tus(&app, Method::POST, "/files/", &user.token)
            .header("Upload-Length", "100")
            .header("Upload-Metadata", metadata(&pairs))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415, "{pairs:?}");
        assert_eq!(error_code(response).await, "unsupported_file_type");
    }

    // Named a WAV, but the bytes are a PDF: refused on sight, and removed.
    let location = create(&app, &user.token, 5000, &[]).await;
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.resize(5000, b' ');
    let response = patch(&app, &user.token, &location, 0, pdf).await;
    assert_eq!(response.status(), 415);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "file_type_mismatch");
    assert!(body["error"]["message"].as_str().unwrap().contains("WAV"));
    assert_eq!(head(&app, &user.token, &location).await.status(), 404);
    assert!(!stored_file(&app, &user, &location).exists());
    assert_eq!(interviews(&app, &user.token, "").await["items"], json!([]));

    // The first bytes may arrive a few at a time: checked once there are enough.
    let file = wav(64);
    let location = create(&app, &user.token, file.len(), &[]).await;
    assert_eq!(patch(&app, &user.token, &location, 0, file[..5].to_vec()).await.status(), 204);
    assert_eq!(patch(&app, &user.token, &location, 5, file[5..].to_vec()).await.status(), 204);
}

#[actix_web::test]
async fn a_checksum_mismatch_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let user = app.new_user("Cy").await;
    let file = wav(4096);
    let location = create(&app, &user.token, file.len(), &[]).await;
    let digest = |bytes: &[u8]| STANDARD.encode(sha1::Sha1::digest(bytes));
    let send = |body: Vec<u8>, checksum: String| {
        tus(&app, Method::PATCH, &location, &user.token)
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", "0")
            .header("Upload-Checksum", checksum)
            .body(body)
            .send()
    };
    let wrong = send(file[..2048].to_vec(), format!("sha1 {}", digest(b"something else"))).await.unwrap();
    assert_eq!(wrong.status().as_u16(), 460);
    assert_eq!(error_code(wrong).await, "checksum_mismatch");
    assert_eq!(offset_of(&app, &user.token, &location).await, 0);
    let unsupported = send(file[..2048].to_vec(), String::from("md5 1B2M2Y8AsgTpgAmY7PhCfg==")).await.unwrap();
    assert_eq!(unsupported.status(), 400);

    let right = send(file[..2048].to_vec(), format!("sha1 {}", digest(&file[..2048]))).await.unwrap();
    assert_eq!(right.status(), 204);
    let sha256 = STANDARD.encode(sha2::Sha256::digest(&file[2048..]));
    let rest = tus(&app, Method::PATCH, &location, &user.token)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "2048")
        .header("Upload-Checksum", format!("sha256 {sha256}"))
        .body(file[2048..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 204);
    assert_eq!(std::fs::read(stored_file(&app, &user, &location)).unwrap(), file);
}

#[actix_web::test]
async fn an_interrupted_patch_keeps_what_arrived_and_the_upload_resumes() {
    let app = spawn_app_with(|s| s.uploads.write_buffer_bytes = 16 * 1024).await;
    let user = app.new_user("Ines").await;
    let file = wav(600_000);
    let location = create(&app, &user.token, file.len(), &[]).await;

    // The connection breaks after 200 000 of the 600 000 bytes announced.
    let sent = 200_000;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head_lines = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n\
         Upload-Offset: 0\r\nContent-Length: {}\r\n\r\n",
        user.token,
        file.len()
    );
    let mut socket = app.socket(&user.token).await;
    stream.write_all(head_lines.as_bytes()).await.unwrap();
    stream.write_all(&file[..sent / 2]).await.unwrap();
    // Once the server is visibly receiving, the rest arrives and the line drops.
    socket.next_of_type("upload.progress").await;
    stream.write_all(&file[sent / 2..sent]).await.unwrap();
    stream.flush().await.unwrap();
    drop(stream);

    let offset = eventually("the received bytes to be stored", || {
        let (app, token, location) = (&app, &user.token, &location);
        async move { Some(offset_of(app, token, location).await).filter(|o| *o == sent) }
    })
    .await;
    let response = patch(&app, &user.token, &location, offset, file[offset..].to_vec()).await;
    assert_eq!(response.status(), 204);
    let id = header(&response, "Debrief-Interview-Id").unwrap();
    let body: Value = interview(&app, &user.token, &id).await.json().await.unwrap();
    assert_eq!(body["recording"]["sha256"], sha256_hex(&file));
    assert_eq!(std::fs::read(stored_file(&app, &user, &location)).unwrap(), file);
}

#[actix_web::test]
async fn a_second_patch_while_one_streams_is_refused_not_interleaved() {
    let app = spawn_app().await;
    let user = app.new_user("Lu").await;
    let file = wav(100_000);
    let location = create(&app, &user.token, file.len(), &[]).await;

    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = futures_util::stream::unfold(receiver, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let slow = tus(&app, Method::PATCH, &location, &user.token)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let mut socket = app.socket(&user.token).await;
    let slow = tokio::spawn(slow);
    sender.send(Ok(file[..40_000].to_vec())).await.unwrap();
    // The server is visibly receiving the first request's bytes.
    socket.next_of_type("upload.progress").await;

    // While the first streams, a second PATCH at the same offset is locked out.
    let second = patch(&app, &user.token, &location, 0, wav(10)).await;
    assert_eq!(second.status(), 423);
    assert_eq!(error_code(second).await, "upload_locked");

    sender.send(Ok(file[40_000..].to_vec())).await.unwrap();
    drop(sender);
    let first = slow.await.unwrap().unwrap();
    assert_eq!(first.status(), 204);
    assert_eq!(std::fs::read(stored_file(&app, &user, &location)).unwrap(), file);
}

#[actix_web::test]
async fn the_storage_quota_is_enforced_with_a_clear_error() {
    let app = spawn_app_with(|s| s.storage.quota_bytes = 1000).await;
    let user = app.new_user("Quinn").await;
    create(&app, &user.token, 600, &[]).await;
    let response = tus(&app, Method::POST, "/files/", &user.token)
        .header("Upload-Length", "600")
        .header("Upload-Metadata", metadata(&[("filename", "second.wav")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "storage_quota_exceeded");
    assert_eq!(body["error"]["details"]["quota_bytes"], 1000);
    assert_eq!(body["error"]["details"]["used_bytes"], 600);
    // Another user has their own quota.
    let other = app.new_user("Rene").await;
    create(&app, &other.token, 600, &[]).await;
}

#[actix_web::test]
async fn another_users_upload_and_interview_do_not_exist_for_them() {
    let app = spawn_app().await;
    let owner = app.new_user("Olga").await;
    let stranger = app.new_user("Sam").await;
    let file = wav(1000);
    let location = create(&app, &owner.token, file.len(), &[]).await;
    assert_eq!(head(&app, &stranger.token, &location).await.status(), 404);
    assert_eq!(patch(&app, &stranger.token, &location, 0, file.clone()).await.status(), 404);
    assert_eq!(tus(&app, Method::DELETE, &location, &stranger.token).send().await.unwrap().status(), 404);

    let response = patch(&app, &owner.token, &location, 0, file).await;
    let id = header(&response, "Debrief-Interview-Id").unwrap();
    assert_eq!(interview(&app, &stranger.token, &id).await.status(), 404);
    let edit = app
        .client
        .patch(app.url(&format!("/api/v1/interviews/{id}")))
        .bearer_auth(&stranger.token)
        .json(&json!({ "version": 1, "company": "Mine now" }))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), 404);
    let delete =
        app.client.delete(app.url(&format!("/api/v1/interviews/{id}"))).bearer_auth(&stranger.token).send().await.unwrap();
    assert_eq!(delete.status(), 404);
    assert_eq!(interviews(&app, &stranger.token, "").await["items"], json!([]));
    assert_eq!(interview(&app, &owner.token, &id).await.status(), 200);
}

#[actix_web::test]
async fn an_abandoned_upload_expires_and_its_bytes_are_reclaimed() {
    let app = spawn_app_with(|s| {
        s.uploads.expiry_secs = 1;
        s.uploads.sweep_interval_secs = 1;
    })
    .await;
    let user = app.new_user("Ed").await;
    let location = create(&app, &user.token, 10_000, &[]).await;
    assert_eq!(patch(&app, &user.token, &location, 0, wav(3000)).await.status(), 204);
    let path = stored_file(&app, &user, &location);
    assert!(path.exists());
    eventually("the sweep to reclaim the upload", || {
        let gone = !path.exists();
        async move { gone.then_some(()) }
    })
    .await;
    let status = head(&app, &user.token, &location).await.status().as_u16();
    assert!(status == 404 || status == 410, "expired upload answered {status}");
    assert_eq!(interviews(&app, &user.token, "").await["items"], json!([]));
}

#[actix_web::test]
async fn termination_removes_an_unfinished_upload_and_its_bytes() {
    let app = spawn_app().await;
    let user = app.new_user("Tess").await;
    let location = create(&app, &user.token, 10_000, &[]).await;
    assert_eq!(patch(&app, &user.token, &location, 0, wav(3000)).await.status(), 204);
    let response = tus(&app, Method::DELETE, &location, &user.token).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(head(&app, &user.token, &location).await.status(), 404);
    assert!(!stored_file(&app, &user, &location).exists());
    assert_eq!(interviews(&app, &user.token, "").await["items"], json!([]));
}

#[actix_web::test]
async fn uploading_the_same_file_again_links_to_the_first_interview() {
    let app = spawn_app().await;
    let user = app.new_user("Dee").await;
    let file = wav(5000);
    let first = create(&app, &user.token, file.len(), &[]).await;
    let first_id = header(&patch(&app, &user.token, &first, 0, file.clone()).await, "Debrief-Interview-Id").unwrap();
    let mut socket = app.socket(&user.token).await;
    let second = create(&app, &user.token, file.len(), &[]).await;
    let response = patch(&app, &user.token, &second, 0, file.clone()).await;
    assert_eq!(response.status(), 204);
    assert_eq!(header(&response, "Debrief-Interview-Id"), Some(first_id.clone()));
    let completed = socket.next_of_type("upload.completed").await;
    assert_eq!(completed["duplicate"], true);
    assert_eq!(completed["interview_id"], first_id.as_str());
    let list = interviews(&app, &user.token, "").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!stored_file(&app, &user, &second).exists(), "no second copy");
    assert!(stored_file(&app, &user, &first).exists());
}

#[actix_web::test]
async fn creation_with_upload_and_a_deferred_length_both_work() {
    let app = spawn_app().await;
    let user = app.new_user("Cal").await;
    let file = wav(2000);
    let response = tus(&app, Method::POST, "/files/", &user.token)
        .header("Upload-Length", file.len().to_string())
        .header("Upload-Metadata", metadata(&[("filename", "short.wav")]))
        .header("Content-Type", "application/offset+octet-stream")
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(header(&response, "Upload-Offset"), Some(file.len().to_string()));
    let id = header(&response, "Debrief-Interview-Id").unwrap();
    let body: Value = interview(&app, &user.token, &id).await.json().await.unwrap();
    // Finished: past `uploading` (its analysis job starts at once; with no
    // speech engine here it fails, which tests/e2e/analysis.rs covers).
    assert_ne!(body["status"], "uploading");
    assert!(body["recording"]["sha256"].is_string());

    let other = wav(3000);
    let response = tus(&app, Method::POST, "/files/", &user.token)
        .header("Upload-Defer-Length", "1")
        .header("Upload-Metadata", metadata(&[("filename", "live.wav")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = header(&response, "Location").unwrap();
    let head_response = head(&app, &user.token, &location).await;
    assert_eq!(header(&head_response, "Upload-Defer-Length").as_deref(), Some("1"));
    assert_eq!(patch(&app, &user.token, &location, 0, other[..1000].to_vec()).await.status(), 204);
    let last = tus(&app, Method::PATCH, &location, &user.token)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "1000")
        .header("Upload-Length", "3000")
        .body(other[1000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(last.status(), 204);
    assert!(header(&last, "Debrief-Interview-Id").is_some());
}

#[actix_web::test]
async fn interview_context_is_edited_with_optimistic_locking_and_listed_newest_first() {
    let app = spawn_app().await;
    let user = app.new_user("Vic").await;
    let mut ids = Vec::new();
    for company in ["First", "Second", "Third"] {
        let response = tus(&app, Method::POST, "/files/", &user.token)
            .header("Upload-Length", "100")
            .header("Upload-Metadata", metadata(&[("filename", "a.mp4"), ("company", company)]))
            .send()
            .await
            .unwrap();
        ids.push(header(&response, "Debrief-Interview-Id").unwrap());
    }
    // The context exists before any byte arrives.
    let page = interviews(&app, &user.token, "?limit=2").await;
    let companies: Vec<_> = page["items"].as_array().unwrap().iter().map(|i| i["company"].clone()).collect();
    assert_eq!(companies, [json!("Third"), json!("Second")]);
    assert_eq!(page["items"][0]["status"], "uploading");
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = interviews(&app, &user.token, &format!("?limit=2&cursor={}", urlencode(cursor))).await;
    assert_eq!(rest["items"][0]["company"], "First");
    assert_eq!(rest["next_cursor"], Value::Null);

    let url = app.url(&format!("/api/v1/interviews/{}", ids[0]));
    let edit = |body: Value| app.client.patch(&url).bearer_auth(&user.token).json(&body).send();
    let updated: Value =
        edit(json!({ "version": 1, "job_title": "Staff Engineer", "interview_type": "panel" })).await.unwrap().json().await.unwrap();
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["company"], "First");
    assert_eq!(updated["job_title"], "Staff Engineer");
    let stale = edit(json!({ "version": 1, "notes": "lost update" })).await.unwrap();
    assert_eq!(stale.status(), 409);
    let body: Value = stale.json().await.unwrap();
    assert_eq!(body["error"]["code"], "version_conflict");
    assert_eq!(body["error"]["details"]["current_version"], 2);
    let invalid = edit(json!({ "version": 2, "interview_type": "casual" })).await.unwrap();
    assert_eq!(invalid.status(), 422);
    let long = edit(json!({ "version": 2, "company": "x".repeat(201) })).await.unwrap();
    assert_eq!(long.status(), 422);
    let cleared: Value = edit(json!({ "version": 2, "interview_type": null })).await.unwrap().json().await.unwrap();
    assert_eq!(cleared["interview_type"], Value::Null);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[actix_web::test]
async fn deleting_an_interview_or_the_account_removes_the_recordings() {
    let app = spawn_app().await;
    let user = app.new_user("Di").await;
    let file = wav(2000);
    let location = create(&app, &user.token, file.len(), &[]).await;
    let id = header(&patch(&app, &user.token, &location, 0, file).await, "Debrief-Interview-Id").unwrap();
    let path = stored_file(&app, &user, &location);
    assert!(path.exists());
    let response =
        app.client.delete(app.url(&format!("/api/v1/interviews/{id}"))).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(!path.exists());
    assert_eq!(interview(&app, &user.token, &id).await.status(), 404);
    assert_eq!(head(&app, &user.token, &location).await.status(), 404);

    let unfinished = create(&app, &user.token, 9000, &[]).await;
    assert_eq!(patch(&app, &user.token, &unfinished, 0, wav(100)).await.status(), 204);
    assert!(app.storage_dir.join(&user.id).exists());
    assert_eq!(app.delete_me(&user.token).await.status(), 204);
    assert!(!app.storage_dir.join(&user.id).exists(), "every file of the account is gone");
}

#[actix_web::test]
async fn the_cli_uploads_a_recording_and_resumes_an_interrupted_one() {
    let app = spawn_app().await;
    let user = app.new_user("Cli").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("panel.wav");
    let file = wav(3 * 1024 * 1024 + 17);
    std::fs::write(&path, &file).unwrap();
    let cli = |file: &std::path::Path, extra: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"));
        command
            .arg("upload")
            .arg(file)
            .args(["--server", &app.address, "--token", &user.token, "--chunk-mib", "1"])
            .args(extra)
            .env("XDG_STATE_HOME", dir.path());
        // The server runs on this test's thread: wait for the CLI elsewhere.
        tokio::task::spawn_blocking(move || command.output())
    };

    let output = cli(&path, &["--company", "Acme", "--interview-type", "panel"]).await.unwrap().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let id = stdout.trim().strip_prefix("interview: ").unwrap();
    let body: Value = interview(&app, &user.token, id).await.json().await.unwrap();
    assert_eq!(body["company"], "Acme");
    assert_eq!(body["interview_type"], "panel");
    assert_eq!(body["recording"]["sha256"], sha256_hex(&file));
    assert!(String::from_utf8_lossy(&output.stderr).contains("100.0 %"));

    // Half sent by an earlier attempt: the CLI continues from the server's offset.
    std::fs::write(&path, wav(2 * 1024 * 1024)).unwrap();
    let second = std::fs::read(&path).unwrap();
    let location = create(&app, &user.token, second.len(), &[]).await;
    assert_eq!(patch(&app, &user.token, &location, 0, second[..1_000_000].to_vec()).await.status(), 204);
    let output = cli(&path, &["--resume", &app.url(&location)]).await.unwrap().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read(stored_file(&app, &user, &location)).unwrap(), second);

    // A file the server will not take: a clear message, exit code 1.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a recording").unwrap();
    let output = cli(&text, &[]).await.unwrap().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a recording Debrief reads"));
}

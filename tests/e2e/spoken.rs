//! Spoken practice, end to end: an answer said out loud (espeak-ng, packed as
//! a browser records it: WebM/Opus, and as WAV) streamed over the socket in
//! real-time-sized pieces or posted whole, transcribed by the local Whisper
//! tiny.en, measured for delivery by the recordings' code, stored as the
//! question's answer and coached. Bad audio is refused by name and the
//! previous answer stays.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::SinkExt as _;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::analysis::quiet_wav;
use crate::helpers::{TestApp, WsClient, spawn_app_with};
use crate::models::fixtures;
use crate::practice::{call, create, generate};

const JOB: &str = "Payment platform engineer: lead migrations of payment services, write runbooks, run Kubernetes.";

/// `tests/audio/spoken_answer.json` spoken by espeak-ng as `format` (once per run).
fn answer(format: &str) -> Vec<u8> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audio");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spoken");
    std::fs::create_dir_all(&out).unwrap();
    let base = out.join("spoken_answer");
    if !base.with_extension(format).exists() {
        let status = Command::new("python3")
            .arg(root.join("make_dialogue.py"))
            .arg(root.join("spoken_answer.json"))
            .arg(&base)
            .args(["--formats", "wav,webm,mp4"])
            .status()
            .unwrap();
        assert!(status.success(), "making test audio needs espeak-ng, sox and ffmpeg (scripts/install-audio-deps.sh)");
    }
    std::fs::read(base.with_extension(format)).unwrap()
}

/// A server whose speech engine is the local Whisper tiny.en.
async fn app_with(adjust: impl FnOnce(&mut debrief::config::Settings) + Send + 'static) -> TestApp {
    let models = fixtures().await;
    spawn_app_with(move |s| {
        s.models.dir = models;
        s.models.stt = "whisper-tiny.en".into();
        s.practice.live_partial_ms = 500;
        adjust(s);
    })
    .await
}

/// A behavioural session for the payment job, with its first question's id.
async fn session(app: &TestApp, token: &str) -> (String, String) {
    let session = create(app, token, json!({"job_title": "Payment Engineer", "interview_type": "behavioral", "job_description": JOB})).await;
    let id = session["id"].as_str().unwrap().to_owned();
    let session = generate(app, token, &id, 2).await;
    (id, session["questions"][0]["id"].as_str().unwrap().to_owned())
}

async fn post_audio(app: &TestApp, token: &str, id: &str, question: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/practice/{id}/questions/{question}/audio")))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Frames that arrive within `wait`.
async fn drain(socket: &mut WsClient, wait: Duration) -> Vec<Value> {
    let mut frames = Vec::new();
    let until = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(until, futures_util::StreamExt::next(&mut socket.stream)).await {
        if let Message::Text(text) = message {
            frames.push(serde_json::from_str(&text).unwrap());
        }
    }
    frames
}

/// Waits (up to two minutes: the first transcription loads the model) for a
/// frame of `kind`, one frame at a time so none after it is lost.
async fn wait_for(socket: &mut WsClient, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let message = tokio::time::timeout_at(deadline, futures_util::StreamExt::next(&mut socket.stream))
            .await
            .unwrap_or_else(|_| panic!("no {kind} frame"))
            .expect("the socket closed")
            .expect("the socket failed");
        let Message::Text(text) = message else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] == kind {
            return frame;
        }
        assert_ne!(frame["type"], "practice.audio.error", "{frame}");
    }
}

fn assert_spoken_delivery(delivery: &Value) {
    let by_word = delivery["fillers"]["by_word"].as_object().unwrap();
    let total = delivery["fillers"]["total"].as_u64().unwrap();
    assert!(total >= 2, "the answer says um, uh, um: {delivery}");
    assert_eq!(total, by_word.values().map(|n| n.as_u64().unwrap()).sum::<u64>(), "{delivery}");
    let used: Vec<&str> = delivery["job_terms"]["used"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(used.iter().any(|t| t.starts_with("migration")), "{delivery}");
    assert!(delivery["job_terms"]["missed"].as_array().unwrap().iter().any(|t| t == "kubernetes"), "{delivery}");
    let duration = delivery["duration_secs"].as_f64().unwrap();
    assert!((8.0..20.0).contains(&duration), "{delivery}");
    assert!(delivery["words_per_minute"].as_f64().unwrap() > 60.0, "{delivery}");
    assert!(delivery["pauses"]["count"].as_u64().unwrap() >= 1, "a 0.9 s silence: {delivery}");
    assert!(delivery["repeated_words"].is_array());
}

#[actix_web::test]
async fn an_answer_streamed_over_the_socket_shows_its_words_live_then_is_stored_with_its_delivery_and_coached() {
    // Short live windows: the answer is committed, and finally transcribed, in several stretches.
    let app = app_with(|s| s.practice.live_window_secs = 4).await;
    let user = app.new_user("Sam").await;
    let (id, question) = session(&app, &user.token).await;
    let webm = answer("webm");
    let mut socket = app.socket(&user.token).await;

    socket.send_json(json!({"type": "practice.audio.start", "session_id": id, "question_id": question, "format": "webm"})).await;
    let ready = socket.next_of_type("practice.audio.ready").await;
    let stream_id = ready["stream_id"].as_str().unwrap().to_owned();
    // Real-time-sized pieces: the recording's bytes spread over its length.
    let pieces = 12;
    let piece = webm.len().div_ceil(pieces);
    let mut partials = Vec::new();
    for chunk in webm.chunks(piece) {
        socket.stream.send(Message::binary(chunk.to_vec())).await.unwrap();
        for frame in drain(&mut socket, Duration::from_millis(900)).await {
            assert_ne!(frame["type"], "practice.audio.error", "{frame}");
            if frame["type"] == "practice.transcript.partial" {
                assert_eq!(frame["stream_id"], stream_id.as_str());
                partials.push(frame["text"].as_str().unwrap().to_owned());
            }
        }
    }
    if partials.is_empty() {
        // A busy machine may be slower than the speaker: the end waits for the first partial.
        let partial = wait_for(&mut socket, "practice.transcript.partial").await;
        partials.push(partial["text"].as_str().unwrap().to_owned());
    }
    assert!(partials.iter().all(|p| !p.trim().is_empty()), "{partials:?}");
    socket.send_json(json!({"type": "practice.audio.end", "stream_id": stream_id})).await;

    let transcribed = wait_for(&mut socket, "practice.answer.transcribed").await;
    assert_eq!(transcribed["session_id"], id.as_str());
    assert_eq!(transcribed["question_id"], question.as_str());
    let text = transcribed["text"].as_str().unwrap().to_lowercase();
    assert!(text.contains("runbook") || text.contains("run book"), "{text}");
    assert_spoken_delivery(&transcribed["delivery"]);
    let done = wait_for(&mut socket, "practice.feedback.done").await;
    assert_eq!(done["question_id"], question.as_str());

    let (_, stored) = call(&app, &user.token, Method::GET, &format!("/api/v1/practice/{id}"), None).await;
    assert_eq!(stored["status"], "in_progress");
    let stored = &stored["answers"][0];
    assert_eq!(stored["text"], transcribed["text"]);
    assert_eq!(stored["delivery"], transcribed["delivery"]);
    assert_eq!(stored["answer_id"], transcribed["answer_id"]);
    assert!(stored["feedback"].is_object(), "{stored}");

    // The session's feedback speaks of delivery, and the next drill works on it.
    let (status, completed) =
        call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/complete"), Some(json!({"allow_unanswered": true}))).await;
    assert_eq!(status, 200, "{completed}");
    let feedback = &completed["feedback"];
    let said: Vec<&str> = feedback["strengths"].as_array().unwrap().iter().chain(feedback["improvements"].as_array().unwrap()).map(|t| t.as_str().unwrap()).collect();
    assert!(said.iter().any(|t| t.contains("words a minute")), "{said:?}");
    assert!(said.iter().any(|t| t.contains("fillers a minute when speaking") || t.contains("Few fillers when speaking")), "{said:?}");
    let (status, drill) = call(&app, &user.token, Method::POST, "/api/v1/practice/drills", Some(json!({"count": 3}))).await;
    assert_eq!(status, 201, "{drill}");
    assert!(drill["focus"].as_array().unwrap().iter().any(|s| s == "delivery"), "{}", drill["focus"]);
}

#[actix_web::test]
async fn a_posted_recording_or_wav_becomes_the_answer_and_bad_audio_is_refused_keeping_the_previous_one() {
    let app = app_with(|s| s.practice.max_answer_secs = 60).await;
    let user = app.new_user("Ola").await;
    let (id, question) = session(&app, &user.token).await;
    let mut socket = app.socket(&user.token).await;

    let (status, accepted) = post_audio(&app, &user.token, &id, &question, "audio/webm;codecs=opus", answer("webm")).await;
    assert_eq!(status, 202, "{accepted}");
    let transcribed = wait_for(&mut socket, "practice.answer.transcribed").await;
    assert_eq!(transcribed["answer_id"], accepted["answer_id"]);
    assert_spoken_delivery(&transcribed["delivery"]);
    let kept = transcribed["text"].clone();

    let (status, _) = post_audio(&app, &user.token, &id, &question, "audio/wav", answer("wav")).await;
    assert_eq!(status, 202);
    let from_wav = wait_for(&mut socket, "practice.answer.transcribed").await;
    assert_spoken_delivery(&from_wav["delivery"]);

    // Unknown format, undecodable bytes, silence: 422 by name, nothing changes.
    let (status, body) = post_audio(&app, &user.token, &id, &question, "text/plain", b"hello".to_vec()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("unsupported_audio_format")), "{body}");
    let (status, body) = post_audio(&app, &user.token, &id, &question, "audio/webm", vec![0x1a; 5000]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("undecodable_audio")), "{body}");
    let (status, body) = post_audio(&app, &user.token, &id, &question, "audio/wav", quiet_wav(3.0)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("no_speech")), "{body}");
    let (status, body) = post_audio(&app, &user.token, &id, &question, "audio/wav", quiet_wav(61.0)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("answer_too_long")), "{body}");
    let (status, _) = post_audio(&app, &user.token, &id, "no-such-question", "audio/wav", answer("wav")).await;
    assert_eq!(status, 404);
    let stranger = app.new_user("Stranger").await;
    let (status, _) = post_audio(&app, &stranger.token, &id, &question, "audio/wav", answer("wav")).await;
    assert_eq!(status, 404, "another user's session is not theirs to answer");

    let (_, stored) = call(&app, &user.token, Method::GET, &format!("/api/v1/practice/{id}"), None).await;
    assert_eq!(stored["answers"][0]["text"], from_wav["text"]);
    assert!(stored["answers"][0]["delivery"].is_object());
    assert!(!kept.as_str().unwrap().is_empty());
}

#[actix_web::test]
async fn a_binary_frame_without_a_stream_is_an_error_and_a_dropped_socket_saves_nothing() {
    let app = app_with(|_| {}).await;
    let user = app.new_user("Kim").await;
    let (id, question) = session(&app, &user.token).await;
    let mut watcher = app.socket(&user.token).await;
    let mut socket = app.socket(&user.token).await;

    socket.stream.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    let error = socket.next_of_type("error").await;
    assert_eq!(error["error"]["code"], "no_audio_stream", "{error}");
    socket.send_json(json!({"type": "ping"})).await;
    assert_eq!(socket.next_of_type("pong").await["type"], "pong", "the socket stays open");

    socket.send_json(json!({"type": "practice.audio.start", "session_id": id, "question_id": "nope", "format": "webm"})).await;
    assert_eq!(socket.next_of_type("error").await["error"]["code"], "not_found");

    socket.send_json(json!({"type": "practice.audio.start", "session_id": id, "question_id": question, "format": "webm"})).await;
    let stream_id = socket.next_of_type("practice.audio.ready").await["stream_id"].as_str().unwrap().to_owned();
    let webm = answer("webm");
    socket.stream.send(Message::binary(webm[..webm.len() / 2].to_vec())).await.unwrap();
    socket.stream.close(None).await.unwrap();

    let error = wait_for(&mut watcher, "practice.audio.error").await;
    assert_eq!(error["stream_id"], stream_id.as_str());
    assert_eq!(error["error"]["code"], "answer_not_saved", "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("not saved"), "{error}");
    let (_, stored) = call(&app, &user.token, Method::GET, &format!("/api/v1/practice/{id}"), None).await;
    assert_eq!(stored["answers"], json!([]), "half an answer is never stored");
    assert_eq!(stored["status"], "draft");
}

#[actix_web::test]
async fn a_client_that_sends_before_ready_and_an_mp4_with_its_index_last_still_get_their_answer_stored() {
    let app = app_with(|_| {}).await;
    let user = app.new_user("Lee").await;
    let (id, question) = session(&app, &user.token).await;
    let mp4 = answer("mp4");
    let mut socket = app.socket(&user.token).await;

    // The whole recording right after the start, before practice.audio.ready:
    // held until the stream is open; the MP4's index comes last, so it is decoded whole at the end.
    socket.send_json(json!({"type": "practice.audio.start", "session_id": id, "question_id": question, "format": "mp4"})).await;
    for chunk in mp4.chunks(60 * 1024) {
        socket.stream.send(Message::binary(chunk.to_vec())).await.unwrap();
    }
    let ready = wait_for(&mut socket, "practice.audio.ready").await;
    socket.send_json(json!({"type": "practice.audio.end", "stream_id": ready["stream_id"]})).await;

    let transcribed = wait_for(&mut socket, "practice.answer.transcribed").await;
    assert_spoken_delivery(&transcribed["delivery"]);
    let (_, stored) = call(&app, &user.token, Method::GET, &format!("/api/v1/practice/{id}"), None).await;
    assert_eq!(stored["answers"][0]["text"], transcribed["text"]);
}

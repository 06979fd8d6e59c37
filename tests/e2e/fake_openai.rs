//! A real HTTP fake of the OpenAI chat completions API: it streams Server-Sent
//! Events exactly as the API does, answers errors on demand, can pause a reply
//! halfway until the test releases it, and records every request it received.
//! It also answers `/v1/audio/transcriptions` (multipart in, `verbose_json`
//! out) with a transcript the test sets, optionally held until released.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

/// What the fake does with the next request.
pub enum Step {
    /// Answer with this HTTP status and an OpenAI-style error body.
    Status(u16),
    /// Stream these pieces.
    Reply(Vec<&'static str>),
    /// Stream `before`, wait for `gate`, then stream `after`.
    Paused { before: Vec<&'static str>, gate: Arc<Notify>, after: Vec<&'static str> },
}

#[derive(Default)]
struct State {
    script: Mutex<VecDeque<Step>>,
    requests: Mutex<Vec<Value>>,
    /// The `verbose_json` body of every transcription answer.
    transcript: Mutex<Option<Value>>,
    /// When set, transcription requests wait for it before answering.
    transcription_gate: Mutex<Option<Arc<Notify>>>,
    transcription_requests: Mutex<usize>,
}

pub struct FakeOpenAi {
    /// The `llm.base_url` to configure (ends in `/v1`).
    pub base_url: String,
    state: Arc<State>,
}

impl FakeOpenAi {
    /// Starts the fake on a free port. With an empty script it echoes.
    pub fn start() -> Self {
        let state = Arc::new(State::default());
        let shared = web::Data::from(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                // Recordings are sent whole (tens of MB at most in tests).
                .app_data(web::PayloadConfig::new(64 << 20))
                .route("/v1/chat/completions", web::post().to(completions))
                .route("/v1/audio/transcriptions", web::post().to(transcriptions))
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        actix_rt::spawn(server.run());
        Self { base_url: format!("http://127.0.0.1:{port}/v1"), state }
    }

    /// Queues what the next requests get.
    pub fn then(&self, step: Step) -> &Self {
        self.state.script.lock().unwrap().push_back(step);
        self
    }

    /// Every request body received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.state.requests.lock().unwrap().clone()
    }

    /// What transcription requests are answered with (OpenAI's `verbose_json`).
    pub fn transcribe_as(&self, verbose_json: Value) -> &Self {
        *self.state.transcript.lock().unwrap() = Some(verbose_json);
        self
    }

    /// Holds transcription answers until `gate` is notified.
    pub fn hold_transcriptions(&self, gate: Arc<Notify>) -> &Self {
        *self.state.transcription_gate.lock().unwrap() = Some(gate);
        self
    }

    /// Stops holding: held requests are answered, later ones at once.
    pub fn release_transcriptions(&self) {
        if let Some(gate) = self.state.transcription_gate.lock().unwrap().take() {
            gate.notify_waiters();
        }
    }

    /// How many transcription requests arrived (answered or not).
    pub fn transcription_requests(&self) -> usize {
        *self.state.transcription_requests.lock().unwrap()
    }
}

async fn transcriptions(state: web::Data<State>, body: Bytes) -> HttpResponse {
    *state.transcription_requests.lock().unwrap() += 1;
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("name=\"file\""), "the audio is sent as the multipart field `file`");
    assert!(text.contains("verbose_json"), "Debrief asks for timestamps");
    let gate = state.transcription_gate.lock().unwrap().clone();
    if let Some(gate) = gate {
        gate.notified().await;
    }
    match state.transcript.lock().unwrap().clone() {
        Some(transcript) => HttpResponse::Ok().json(transcript),
        None => HttpResponse::InternalServerError().json(json!({"error": {"message": "no transcript set", "type": "fake"}})),
    }
}

fn chunk(text: &str, finish: Option<&str>) -> Bytes {
    let delta = if finish.is_some() { json!({}) } else { json!({ "content": text }) };
    let body = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "fake-model",
        "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
    });
    Bytes::from(format!("data: {body}\n\n"))
}

/// The default answer: a follow-up quoting the last user message.
fn echo(request: &Value) -> Vec<String> {
    let last = request["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("nothing");
    format!("You said: {last}. What impact did that have?")
        .split_inclusive(' ')
        .map(str::to_owned)
        .collect()
}

async fn completions(state: web::Data<State>, body: web::Json<Value>) -> HttpResponse {
    assert_eq!(body["stream"], true, "Debrief always streams");
    state.requests.lock().unwrap().push(body.0.clone());
    let step = state.script.lock().unwrap().pop_front();
    let (before, gate, after) = match step {
        Some(Step::Status(code)) => {
            let status = actix_web::http::StatusCode::from_u16(code).unwrap();
            return HttpResponse::build(status).json(json!({
                "error": { "message": format!("fake error {code}"), "type": "fake_error", "param": null, "code": null }
            }));
        }
        Some(Step::Reply(pieces)) => (pieces.into_iter().map(str::to_owned).collect(), None, Vec::new()),
        Some(Step::Paused { before, gate, after }) => (
            before.into_iter().map(str::to_owned).collect(),
            Some(gate),
            after.into_iter().map(str::to_owned).collect(),
        ),
        None => (echo(&body), None, Vec::new()),
    };
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    actix_rt::spawn(async move {
        for piece in &before {
            let _ = tx.send(chunk(piece, None)).await;
        }
        if let Some(gate) = gate {
            gate.notified().await;
        }
        for piece in &after {
            let _ = tx.send(chunk(piece, None)).await;
        }
        let _ = tx.send(chunk("", Some("stop"))).await;
        let _ = tx.send(Bytes::from_static(b"data: [DONE]\n\n")).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|bytes| (Ok::<_, actix_web::Error>(bytes), rx))
    });
    HttpResponse::Ok().content_type("text/event-stream").streaming(stream)
}

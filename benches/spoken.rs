//! Spoken practice, live, on the real `debrief` binary: a spoken answer
//! (`benches/spoken/answer.json`, about a minute, spoken by espeak-ng and
//! packed as WebM/Opus as a browser records it) streamed over the socket in
//! 250 ms pieces at the pace it was said, by 1 and by 4 people at once.
//!
//! Figures, per run:
//! - **live lag**: for each word of the script, from the moment it had been
//!   said (its end in the audio, words spread evenly over their sentence) to
//!   the first `practice.transcript.partial` holding that many words; p50 and
//!   p95 over every word of every stream (word counts, not word matches: a
//!   misheard word still counts as shown);
//! - **final**: seconds from `practice.audio.end` to
//!   `practice.answer.transcribed`, and the final transcript's word error rate
//!   against the script;
//! - **CPU**: the server's CPU seconds (user + system) per second of audio
//!   streamed.
//!
//! Beside it, the peer: the same answer posted whole over HTTP once it is
//! finished (what a client without live partials gets), seconds from the
//! post to `practice.answer.transcribed`.
//!
//! Run: `cargo bench --bench spoken`. Environment: `BENCH_STT_MODEL`
//! (`whisper-base`, fetched into `BENCH_MODELS_DIR`, default
//! `target/tmp/models`, when missing), `BENCH_STREAMS` (`1,4`). Needs
//! espeak-ng, sox and ffmpeg (`scripts/install-audio-deps.sh`). Nothing here
//! asserts a speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// Seconds of audio per binary frame.
const PIECE_SECS: f64 = 0.25;

/// The spoken answer: its WebM bytes, its script, and each word's end (seconds).
struct Answer {
    webm: Vec<u8>,
    script: String,
    word_ends: Vec<f64>,
    duration: f64,
}

fn speak(root: &Path, out: &Path) -> Answer {
    std::fs::create_dir_all(out).unwrap();
    let base = out.join("answer");
    let status = Command::new("python3")
        .arg(root.join("tests/audio/make_dialogue.py"))
        .arg(root.join("benches/spoken/answer.json"))
        .arg(&base)
        .args(["--formats", "wav,webm"])
        .status()
        .unwrap();
    assert!(status.success(), "espeak-ng, sox and ffmpeg are needed (scripts/install-audio-deps.sh)");
    let truth: Value = serde_json::from_slice(&std::fs::read(base.with_extension("json")).unwrap()).unwrap();
    let mut word_ends = Vec::new();
    let mut script = Vec::new();
    for turn in truth["turns"].as_array().unwrap() {
        let (start, end) = (turn["start"].as_f64().unwrap(), turn["end"].as_f64().unwrap());
        let words: Vec<&str> = turn["text"].as_str().unwrap().split_whitespace().collect();
        for k in 0..words.len() {
            word_ends.push(start + (end - start) * (k + 1) as f64 / words.len() as f64);
        }
        script.push(turn["text"].as_str().unwrap().to_owned());
    }
    let wav = hound::WavReader::open(base.with_extension("wav")).unwrap();
    let duration = f64::from(wav.duration()) / f64::from(wav.spec().sample_rate);
    Answer { webm: std::fs::read(base.with_extension("webm")).unwrap(), script: script.join(" "), word_ends, duration }
}

fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap().split_whitespace().collect();
    // utime and stime are fields 14 and 15 (1-based), 12 and 13 after the ')'.
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// POSTs `body` as `token`; the JSON answer.
async fn post_json(client: &reqwest::Client, url: String, token: &str, body: Value) -> Value {
    client.post(url).bearer_auth(token).json(&body).send().await.unwrap().json().await.unwrap()
}

/// A user with a behavioural session; the token, session and first question.
async fn practice(client: &reqwest::Client, address: &str, name: &str) -> (String, String, String) {
    let token = support::register(client, address, &format!("{name}@example.com"), "benchmark password").await;
    let session = post_json(client, format!("{address}/api/v1/practice"), &token, json!({"job_title": "Backend Engineer", "interview_type": "behavioral"})).await;
    let id = session["id"].as_str().unwrap().to_owned();
    let session = post_json(client, format!("{address}/api/v1/practice/{id}/questions/generate"), &token, json!({"count": 1})).await;
    (token, id, session["questions"][0]["id"].as_str().unwrap().to_owned())
}

/// A socket of `token`'s.
async fn connect(ws_url: &str, token: &str) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws_url).unwrap();
    request.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// What one live stream saw.
struct Streamed {
    lags: Vec<f64>,
    final_secs: f64,
    text: String,
}

/// Streams the answer at the pace it was said and collects the partials.
async fn stream(ws_url: &str, token: &str, id: &str, question: &str, answer: &Answer) -> Streamed {
    let (mut tx, mut rx) = connect(ws_url, token).await.split();
    tx.send(Message::text(json!({"type": "practice.audio.start", "session_id": id, "question_id": question, "format": "webm"}).to_string()))
        .await
        .unwrap();
    let stream_id = loop {
        let Some(Ok(Message::Text(text))) = rx.next().await else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] == "practice.audio.ready" {
            break frame["stream_id"].as_str().unwrap().to_owned();
        }
        assert_ne!(frame["type"], "error", "{frame}");
    };
    let started = Instant::now();
    let piece = ((answer.webm.len() as f64) * PIECE_SECS / answer.duration).ceil() as usize;
    let webm = answer.webm.clone();
    let sender = tokio::spawn(async move {
        for (k, chunk) in webm.chunks(piece).enumerate() {
            let due = started + Duration::from_secs_f64(PIECE_SECS * (k + 1) as f64);
            tokio::time::sleep_until(due.into()).await;
            tx.send(Message::binary(chunk.to_vec())).await.unwrap();
        }
        tx.send(Message::text(json!({"type": "practice.audio.end", "stream_id": stream_id}).to_string())).await.unwrap();
        (tx, Instant::now())
    });
    // First arrival (seconds from the start) of a partial with at least n words.
    let mut shown: Vec<f64> = Vec::new();
    let text = loop {
        let Some(Ok(message)) = rx.next().await else { panic!("the socket closed") };
        let Message::Text(text) = message else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        match frame["type"].as_str().unwrap() {
            "practice.transcript.partial" => {
                let n = words(frame["text"].as_str().unwrap());
                let now = started.elapsed().as_secs_f64();
                while shown.len() < n {
                    shown.push(now);
                }
            }
            "practice.answer.transcribed" => break frame["text"].as_str().unwrap().to_owned(),
            "practice.audio.error" | "error" => panic!("{frame}"),
            _ => {}
        }
    };
    let arrived = Instant::now();
    let (_tx, ended) = sender.await.unwrap();
    let lags = answer.word_ends.iter().zip(&shown).map(|(said, seen)| seen - said).collect();
    Streamed { lags, final_secs: (arrived - ended).as_secs_f64(), text }
}

/// Posts the finished answer over HTTP; seconds until it is transcribed.
async fn post_whole(client: &reqwest::Client, ws_url: &str, address: &str, token: &str, id: &str, question: &str, webm: &[u8]) -> f64 {
    let mut socket = connect(ws_url, token).await;
    let started = Instant::now();
    let response = client
        .post(format!("{address}/api/v1/practice/{id}/questions/{question}/audio"))
        .bearer_auth(token)
        .header("Content-Type", "audio/webm")
        .body(webm.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    loop {
        let Some(Ok(Message::Text(text))) = socket.next().await else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] == "practice.answer.transcribed" {
            return started.elapsed().as_secs_f64();
        }
    }
}

#[tokio::main]
async fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let model = std::env::var("BENCH_STT_MODEL").unwrap_or_else(|_| String::from("whisper-base"));
    let models = std::env::var("BENCH_MODELS_DIR").map_or_else(|_| root.join("target/tmp/models"), PathBuf::from);
    let fetched = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["models", "fetch", "--only", "stt"])
        .env("DEBRIEF_MODELS__DIR", &models)
        .env("DEBRIEF_MODELS__STT", &model)
        .status()
        .unwrap();
    assert!(fetched.success(), "fetching {model} failed");
    let answer = speak(&root, &root.join("target/tmp/bench-spoken"));
    let streams: Vec<usize> =
        std::env::var("BENCH_STREAMS").unwrap_or_else(|_| String::from("1,4")).split(',').filter_map(|n| n.trim().parse().ok()).collect();

    let server = support::Server::start(&[
        ("DEBRIEF_MODELS__DIR", models.to_str().unwrap()),
        ("DEBRIEF_MODELS__STT", &model),
        ("DEBRIEF_AUTH__LOGIN_PER_IP_PER_MINUTE", "100000"),
    ]);
    let pid = server.child.id();
    let client = reqwest::Client::new();
    let ws_url = server.ws_url();
    println!("# {model}, answer of {:.1} s ({} words), pieces of {PIECE_SECS} s", answer.duration, answer.word_ends.len());

    // Warm-up: the first transcription loads the model.
    let (token, id, question) = practice(&client, &server.address, "warmup").await;
    let warm = post_whole(&client, &ws_url, &server.address, &token, &id, &question, &answer.webm).await;
    println!("# warm-up (model load + one whole answer over HTTP): {warm:.1} s");

    println!("| run | streams | live lag p50 | live lag p95 | end → final p50 | final WER | CPU s per audio s |");
    println!("|---|---|---|---|---|---|---|");
    for &n in &streams {
        let mut users = Vec::new();
        for k in 0..n {
            users.push(practice(&client, &server.address, &format!("live{n}-{k}")).await);
        }
        let cpu_before = cpu_secs(pid);
        let runs = users.iter().map(|(token, id, question)| stream(&ws_url, token, id, question, &answer));
        let results = futures_util::future::join_all(runs).await;
        let cpu = cpu_secs(pid) - cpu_before;
        let mut lags: Vec<f64> = results.iter().flat_map(|r| r.lags.iter().copied()).collect();
        let mut finals: Vec<f64> = results.iter().map(|r| r.final_secs).collect();
        let wer = results.iter().map(|r| debrief::stt::wer::score(&answer.script, &r.text).wer).sum::<f64>() / n as f64;
        println!(
            "| live over the socket | {n} | {:.2} s | {:.2} s | {:.1} s | {:.1} % | {:.2} |",
            percentile(&mut lags, 0.5),
            percentile(&mut lags, 0.95),
            percentile(&mut finals, 0.5),
            100.0 * wer,
            cpu / (answer.duration * n as f64)
        );
    }
    let (token, id, question) = practice(&client, &server.address, "whole").await;
    let cpu_before = cpu_secs(pid);
    let whole = post_whole(&client, &ws_url, &server.address, &token, &id, &question, &answer.webm).await;
    let cpu = cpu_secs(pid) - cpu_before;
    println!("| peer: whole answer posted after the end | 1 | – | – | {whole:.1} s | – | {:.2} |", cpu / answer.duration);
    server.stop();
}

//! Chat relay benchmark: how much time Debrief adds between an
//! OpenAI-compatible model and the user's WebSocket.
//!
//! A fake model in this process streams 20 pieces, 5 ms apart, each carrying
//! the instant it was sent. The same replies are read (a) straight from the
//! fake over HTTP and (b) through Debrief (`chat.send` on a WebSocket, in an
//! existing conversation: the user message is stored, the context read from
//! the database, the reply relayed and stored), with 1 and 100 conversations
//! at once. Reported: time to first piece and
//! per-piece latency (receive instant − send instant), p50 and p99, and the
//! difference Debrief adds.
//!
//! Run: `cargo bench --bench chat_relay`. Nothing here asserts a speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::web::Bytes;
use actix_web::{App, HttpResponse, HttpServer, web};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

const PIECES: usize = 20;
const GAP: Duration = Duration::from_millis(5);

fn now_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
}

fn sse(content: &str) -> Bytes {
    let body = json!({"id": "b", "object": "chat.completion.chunk", "created": 1, "model": "fake",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]});
    Bytes::from(format!("data: {body}\n\n"))
}

/// The fake model: PIECES pieces, GAP apart, each "<sent-at-ns> ".
async fn completions() -> HttpResponse {
    let stream = futures_util::stream::unfold(0usize, |i| async move {
        if i > PIECES {
            return None;
        }
        if i == PIECES {
            return Some((Ok::<_, actix_web::Error>(Bytes::from_static(b"data: [DONE]\n\n")), i + 1));
        }
        if i > 0 {
            tokio::time::sleep(GAP).await;
        }
        Some((Ok(sse(&format!("{} ", now_ns()))), i + 1))
    });
    HttpResponse::Ok().content_type("text/event-stream").streaming(stream)
}

/// Latencies of one reply: time to first piece and per-piece delays, in µs.
struct Sample {
    first_us: f64,
    pieces_us: Vec<f64>,
}

fn piece_delay_us(text: &str) -> Option<f64> {
    let sent: u128 = text.trim().parse().ok()?;
    Some((now_ns().saturating_sub(sent)) as f64 / 1e3)
}

/// Reads one reply straight from the fake.
async fn direct(client: &reqwest::Client, base: &str) -> Sample {
    let started = now_ns();
    let response = client
        .post(format!("{base}/chat/completions"))
        .json(&json!({"model": "fake", "stream": true, "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let mut sample = Sample { first_us: 0.0, pieces_us: Vec::new() };
    while let Some(bytes) = stream.next().await {
        buffer.push_str(&String::from_utf8_lossy(&bytes.unwrap()));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let data = event.trim().trim_start_matches("data: ");
            if data == "[DONE]" {
                return sample;
            }
            let value: Value = serde_json::from_str(data).unwrap();
            let text = value["choices"][0]["delta"]["content"].as_str().unwrap_or_default();
            if sample.pieces_us.is_empty() {
                sample.first_us = (now_ns() - started) as f64 / 1e3;
            }
            sample.pieces_us.extend(piece_delay_us(text));
        }
    }
    sample
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A signed-in user's socket and conversation, opened by a first (unmeasured) message.
struct Chatter {
    socket: Socket,
    conversation: String,
}

async fn chatter(ws_url: &str, token: &str) -> Chatter {
    let mut request = ws_url.into_client_request().unwrap();
    request.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut chatter = Chatter { socket, conversation: String::new() };
    let warm_up = relayed(&mut chatter, 0).await;
    drop(warm_up);
    chatter
}

/// Sends one message through Debrief and reads the streamed reply.
async fn relayed(chatter: &mut Chatter, n: usize) -> Sample {
    let started = now_ns();
    let mut send = json!({"type": "chat.send", "client_id": format!("bench-{n}-{started}"), "text": "hi"});
    if !chatter.conversation.is_empty() {
        send["conversation_id"] = json!(chatter.conversation);
    }
    chatter.socket.send(Message::text(send.to_string())).await.unwrap();
    let mut sample = Sample { first_us: 0.0, pieces_us: Vec::new() };
    while let Some(Ok(message)) = chatter.socket.next().await {
        let Message::Text(text) = message else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        match frame["type"].as_str() {
            Some("chat.ack") => {
                chatter.conversation = frame["conversation_id"].as_str().unwrap().to_owned();
            }
            Some("chat.delta") => {
                if sample.pieces_us.is_empty() {
                    sample.first_us = (now_ns() - started) as f64 / 1e3;
                }
                sample.pieces_us.extend(piece_delay_us(frame["text"].as_str().unwrap()));
            }
            Some("chat.done") | Some("chat.error") => break,
            _ => {}
        }
    }
    sample
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[((values.len() as f64 * p) as usize).min(values.len() - 1)]
}

fn report(label: &str, samples: &[Sample]) -> (f64, f64, f64, f64) {
    let mut first: Vec<f64> = samples.iter().map(|s| s.first_us).collect();
    let mut pieces: Vec<f64> = samples.iter().flat_map(|s| s.pieces_us.clone()).collect();
    let figures = (
        percentile(&mut first, 0.5),
        percentile(&mut first, 0.99),
        percentile(&mut pieces, 0.5),
        percentile(&mut pieces, 0.99),
    );
    println!(
        "{label}: first piece p50 {:.0} µs p99 {:.0} µs; per piece p50 {:.0} µs p99 {:.0} µs",
        figures.0, figures.1, figures.2, figures.3
    );
    figures
}

#[actix_web::main]
async fn main() {
    let fake = HttpServer::new(|| App::new().route("/v1/chat/completions", web::post().to(completions)))
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
    let base = format!("http://127.0.0.1:{}/v1", fake.addrs()[0].port());
    actix_web::rt::spawn(fake.run());

    let server = support::Server::start(&[
        ("DEBRIEF_LLM__BASE_URL", &base),
        ("DEBRIEF_CHAT__MESSAGES_PER_MINUTE", "100000"),
        ("DEBRIEF_AUTH__LOGIN_PER_IP_PER_MINUTE", "100000"),
    ]);
    let address = server.address.clone();
    let ws_url = server.ws_url();
    let client = reqwest::Client::new();

    for concurrency in [1usize, 100] {
        let rounds = if concurrency == 1 { 30 } else { 3 };
        let mut tokens = Vec::new();
        for i in 0..concurrency {
            tokens.push(support::register(&client, &address, &format!("b{concurrency}-{i}@example.com"), "benchmark password").await);
        }
        let mut chatters =
            futures_util::future::join_all(tokens.iter().map(|t| chatter(&ws_url, t))).await;
        let mut direct_samples = Vec::new();
        let mut relayed_samples = Vec::new();
        for round in 1..=rounds {
            let direct_runs = (0..concurrency).map(|_| direct(&client, &base));
            direct_samples.extend(futures_util::future::join_all(direct_runs).await);
            let relayed_runs = chatters.iter_mut().map(|c| relayed(c, round));
            relayed_samples.extend(futures_util::future::join_all(relayed_runs).await);
        }
        let d = report(&format!("direct  x{concurrency}"), &direct_samples);
        let r = report(&format!("debrief x{concurrency}"), &relayed_samples);
        println!(
            "added by debrief x{concurrency}: first piece p50 {:.0} µs p99 {:.0} µs; per piece p50 {:.0} µs p99 {:.0} µs",
            r.0 - d.0, r.1 - d.1, r.2 - d.2, r.3 - d.3
        );
    }
    server.stop();
}

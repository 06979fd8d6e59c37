//! Foundation benchmark: start-up time, idle memory, memory per idle
//! WebSocket, and push latency, measured on the real `debrief` binary.
//!
//! Run: `cargo bench --bench foundation` (builds in release). Options through
//! the environment: `BENCH_SOCKETS` (default 1000), `BENCH_PUSHES` (default 200).
//! Prints one line per figure; nothing here asserts a speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Resident memory of a process in KiB, from /proc.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

async fn wait_ready(client: &reqwest::Client, address: &str) {
    loop {
        if let Ok(r) = client.get(format!("{address}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::main]
async fn main() {
    let sockets = env_usize("BENCH_SOCKETS", 1000);
    let pushes = env_usize("BENCH_PUSHES", 200);
    let client = reqwest::Client::new();

    let started = Instant::now();
    let server = support::Server::start(&[]);
    let to_listening = started.elapsed();
    let address = server.address.clone();
    let pid = server.child.id();
    let ready_started = Instant::now();
    wait_ready(&client, &address).await;
    println!("startup_to_listening_ms {:.1}", to_listening.as_secs_f64() * 1e3);
    println!(
        "startup_to_ready_ms {:.1}",
        (to_listening + ready_started.elapsed()).as_secs_f64() * 1e3
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_kib(pid);
    println!("idle_rss_mib {:.1}", idle as f64 / 1024.0);

    let token = support::register(&client, &address, "bench@example.com", "benchmark password").await;
    let ws_url = server.ws_url();
    let after_user = rss_kib(pid);

    let mut open = Vec::with_capacity(sockets);
    let opening = Instant::now();
    for _ in 0..sockets {
        let mut request = ws_url.as_str().into_client_request().unwrap();
        request.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
        let (mut stream, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let _welcome = stream.next().await.unwrap().unwrap();
        open.push(stream);
    }
    println!(
        "socket_open_per_sec {:.0}",
        sockets as f64 / opening.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let with_sockets = rss_kib(pid);
    println!("rss_with_{sockets}_sockets_mib {:.1}", with_sockets as f64 / 1024.0);
    println!(
        "rss_per_idle_socket_kib {:.1}",
        (with_sockets.saturating_sub(after_user)) as f64 / sockets as f64
    );

    // Push latency: one rename = one durable event fanned out to every socket.
    let mut first = open.pop().unwrap();
    let mut latencies = Vec::with_capacity(pushes);
    for i in 0..pushes {
        let sent = Instant::now();
        client
            .patch(format!("{address}/api/v1/me"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("Bench {i}")}))
            .send()
            .await
            .unwrap();
        loop {
            match first.next().await.unwrap().unwrap() {
                Message::Text(t) if t.contains("account.updated") => break,
                _ => continue,
            }
        }
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "rename_to_push_ms p50 {:.2} p99 {:.2} (store + fan-out to {sockets} sockets)",
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );

    for mut stream in open {
        let _ = stream.close(None).await;
    }
    let _ = first.close(None).await;
    server.stop();
}

//! What the benchmarks share: starting the real `debrief` binary.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `debrief` with an in-memory database on a free port.
pub struct Server {
    pub child: Child,
    /// `http://IP:PORT`
    pub address: String,
}

impl Server {
    /// Starts the binary with extra `DEBRIEF_…` settings and waits for its
    /// "listening on" line.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_debrief"))
            .env("DEBRIEF_SERVER__BIND", "127.0.0.1:0")
            .env("DEBRIEF_DATABASE__URL", "mem://")
            .env("RUST_LOG", "warn")
            .env("DEBRIEF_MODELS__CHAT", "")
            .env("DEBRIEF_MODELS__STT", "")
            .env("DEBRIEF_MODELS__EMBED", "")
            .env("DEBRIEF_MODELS__FETCH_ON_START", "false")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the debrief binary did not start");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let address = loop {
            let line = lines.next().expect("debrief exited before listening").expect("stdout");
            if let Some(at) = line.find("listening on http://") {
                break line[at + "listening on ".len()..].trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, address }
    }

    /// `ws://IP:PORT/ws`
    #[allow(dead_code)] // not every benchmark opens sockets
    pub fn ws_url(&self) -> String {
        format!("{}/ws", self.address.replacen("http", "ws", 1))
    }

    /// SIGTERM and wait.
    pub fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// Registers an account on the server at `address`; its bearer token.
pub async fn register(client: &reqwest::Client, address: &str, email: &str, password: &str) -> String {
    let body: serde_json::Value = client
        .post(format!("{address}/api/v1/auth/register"))
        .json(&serde_json::json!({"email": email, "password": password, "name": "Bench"}))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON answer");
    body["token"].as_str().expect("a token").to_owned()
}

//! `spawn_app()` and a `TestApp` with one method per endpoint, plus a small
//! WebSocket client over tokio-tungstenite.

use std::time::Duration;

use debrief::config::Settings;
use debrief::startup::Application;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

/// How long a test waits for a frame before failing (a hang guard, not a
/// performance check).
const FRAME_WAIT: Duration = Duration::from_secs(15);

pub struct TestApp {
    pub address: String,
    pub ws_address: String,
    pub client: reqwest::Client,
    /// Where the server keeps uploaded files.
    pub storage_dir: std::path::PathBuf,
    /// Removes `storage_dir` when the app goes (None: the caller owns it).
    pub _storage: Option<std::sync::Arc<tempfile::TempDir>>,
}

/// A fresh server with an empty in-memory database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A fresh server with settings adjusted by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let storage = tempfile::tempdir().unwrap();
    let mut settings = Settings::defaults().unwrap();
    settings.storage.dir = storage.path().to_owned();
    // No local model unless a test asks for one (and never a download).
    settings.models.chat = String::new();
    settings.models.stt = String::new();
    settings.models.embed = String::new();
    settings.models.diarize = String::new();
    settings.models.fetch_on_start = false;
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.workers = 1;
    settings.database.url = "mem://".into();
    settings.auth.login_per_ip_per_minute = 1000;
    adjust(&mut settings);
    let app = Application::build(settings).await.expect("the server failed to start");
    let port = app.port();
    actix_rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        ws_address: format!("ws://127.0.0.1:{port}/ws"),
        client: reqwest::Client::new(),
        storage_dir: storage.path().to_owned(),
        _storage: Some(std::sync::Arc::new(storage)),
    }
}

/// A registered user and their token.
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub password: String,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn register(&self, email: &str, password: &str, name: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/register"))
            .json(&json!({ "email": email, "password": password, "name": name }))
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Registers a user with a unique email and returns them.
    pub async fn new_user(&self, name: &str) -> TestUser {
        let email = format!("{}-{}@example.com", name.to_lowercase(), uuid::Uuid::new_v4().simple());
        let password = String::from("correct horse battery");
        let response = self.register(&email, &password, name).await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        TestUser {
            id: body["user"]["id"].as_str().unwrap().to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
            email,
            password,
        }
    }

    pub async fn me(&self, token: &str) -> reqwest::Response {
        self.client.get(self.url("/api/v1/me")).bearer_auth(token).send().await.unwrap()
    }

    pub async fn rename(&self, token: &str, name: &str) -> reqwest::Response {
        self.client
            .patch(self.url("/api/v1/me"))
            .bearer_auth(token)
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap()
    }

    pub async fn delete_me(&self, token: &str) -> reqwest::Response {
        self.client.delete(self.url("/api/v1/me")).bearer_auth(token).send().await.unwrap()
    }

    pub async fn logout(&self, token: &str) -> reqwest::Response {
        self.client.post(self.url("/api/v1/auth/logout")).bearer_auth(token).send().await.unwrap()
    }

    pub async fn ws_ticket(&self, token: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/ws-ticket"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["ticket"].as_str().unwrap().to_owned()
    }

    /// The first page of a conversation's messages.
    pub async fn messages(&self, token: &str, conversation: &str) -> reqwest::Response {
        self.client
            .get(self.url(&format!("/api/v1/conversations/{conversation}/messages")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Opens a socket with the bearer token and reads the `welcome` frame.
    pub async fn socket(&self, token: &str) -> WsClient {
        let mut request = self.ws_address.as_str().into_client_request().unwrap();
        request
            .headers_mut()
            .insert("Authorization", format!("Bearer {token}").parse().unwrap());
        let (stream, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut client = WsClient { stream };
        let welcome = client.next_json().await;
        assert_eq!(welcome["type"], "welcome", "first frame: {welcome}");
        client
    }
}

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A test's WebSocket connection.
pub struct WsClient {
    pub stream: Stream,
}

impl WsClient {
    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(Message::text(text)).await.unwrap();
    }

    pub async fn send_json(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    /// The next text frame as JSON (pings are answered by tungstenite itself).
    pub async fn next_json(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(FRAME_WAIT, self.stream.next())
                .await
                .expect("no frame arrived")
                .expect("the socket closed")
                .expect("the socket failed");
            match message {
                Message::Text(text) => return serde_json::from_str(&text).unwrap(),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The next frame whose `type` is `kind`, skipping others.
    pub async fn next_of_type(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next_json().await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Waits for the server to close the socket; returns the close frame's reason.
    pub async fn closed(&mut self) -> Option<String> {
        loop {
            let message = tokio::time::timeout(FRAME_WAIT, self.stream.next())
                .await
                .expect("the socket stayed open");
            match message {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.reason.to_string()),
                Some(Ok(_)) => continue,
                None | Some(Err(_)) => return None,
            }
        }
    }
}

/// Checks the Prometheus text exposition format line by line: comments are
/// `# HELP name text` or `# TYPE name counter|gauge|histogram|summary|untyped`,
/// samples are `name{label="value",...} number`.
pub fn assert_valid_prometheus_text(text: &str) {
    let name_ok = |name: &str| {
        !name.is_empty()
            && name.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            let keyword = parts.next().unwrap();
            let name = parts.next().unwrap_or_default();
            match keyword {
                "HELP" => assert!(name_ok(name), "bad HELP line: {line}"),
                "TYPE" => {
                    assert!(name_ok(name), "bad TYPE line: {line}");
                    let kind = parts.next().unwrap_or_default();
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "bad TYPE: {line}"
                    );
                }
                _ => {}
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        assert!(
            value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
            "bad value: {line}"
        );
        let name = series.split('{').next().unwrap();
        assert!(name_ok(name), "bad metric name: {line}");
        if let Some(labels) = series.strip_prefix(name).filter(|l| !l.is_empty()) {
            assert!(labels.starts_with('{') && labels.ends_with('}'), "bad labels: {line}");
        }
    }
}

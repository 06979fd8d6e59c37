//! The real binary on disk storage: a graceful stop and a restart keep
//! accounts and events.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient};

/// The `debrief` binary serving `database_dir` on a free port.
struct Server {
    child: Child,
    app: TestApp,
}

impl Server {
    fn start(database_dir: &Path) -> Self {
        Self::start_with(database_dir, &[])
    }

    fn start_with(database_dir: &Path, env: &[(&str, &str)]) -> Self {
        // Files live beside the database, so a restart finds both.
        let storage_dir = database_dir.with_file_name("files");
        let mut child = Command::new(env!("CARGO_BIN_EXE_debrief"))
            .envs(env.iter().copied())
            .env("DEBRIEF_SERVER__BIND", "127.0.0.1:0")
            .env("DEBRIEF_SERVER__WORKERS", "1")
            .env("DEBRIEF_DATABASE__URL", format!("surrealkv://{}", database_dir.display()))
            .env("DEBRIEF_STORAGE__DIR", &storage_dir)
            .env("DEBRIEF_MODELS__CHAT", "")
            .env("DEBRIEF_MODELS__STT", "")
            .env("DEBRIEF_MODELS__EMBED", "")
            .env("DEBRIEF_MODELS__FETCH_ON_START", "false")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines.next().expect("the server exited before listening").unwrap();
            if let Some(at) = line.find("listening on http://") {
                break line[at + "listening on ".len()..].trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let ws_address = format!("{}/ws", address.replacen("http", "ws", 1));
        let app = TestApp { address, ws_address, client: reqwest::Client::new(), storage_dir, _storage: None };
        Self { child, app }
    }

    /// SIGKILL: the process dies on the spot, nothing is flushed or closed.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        self.child.wait().unwrap()
    }
}

/// A server left running (a test that ends, or fails, without stopping it)
/// is killed, so it cannot outlive the test run holding its output pipe.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

#[actix_web::test]
async fn accounts_and_events_survive_a_graceful_restart_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db");

    let first = Server::start(&database);
    let user = first.app.new_user("Ray").await;
    assert_eq!(first.app.rename(&user.token, "Ray Renamed").await.status(), 200);
    let status = first.terminate();
    assert!(status.success(), "graceful stop exits 0, got {status}");

    let second = Server::start(&database);
    let login = second.app.login(&user.email, &user.password).await;
    assert_eq!(login.status(), 200);
    let login: Value = login.json().await.unwrap();
    assert_eq!(login["user"]["name"], "Ray Renamed");
    assert_eq!(second.app.me(&user.token).await.status(), 200, "old tokens still work");

    let mut socket: WsClient = second.app.socket(&user.token).await;
    socket.send_json(json!({"type": "hello", "last_seq": 0})).await;
    let replayed = socket.next_json().await;
    assert_eq!(replayed["type"], "account.updated");
    assert_eq!(replayed["seq"], 1);
    assert_eq!(socket.next_json().await["type"], "hello.ok");
    drop(socket);
    assert!(second.terminate().success());
}

#[actix_web::test]
async fn chat_history_survives_a_restart_on_disk() {
    let fake = crate::fake_openai::FakeOpenAi::start();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db");
    let model = [("DEBRIEF_LLM__BASE_URL", fake.base_url.as_str())];

    let first = Server::start_with(&database, &model);
    let user = first.app.new_user("Sam").await;
    let mut socket = first.app.socket(&user.token).await;
    socket
        .send_json(json!({"type": "chat.send", "client_id": "h-1", "text": "I design APIs"}))
        .await;
    let ack = socket.next_json().await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    while socket.next_json().await["type"] != "chat.done" {}
    drop(socket);
    assert!(first.terminate().success());

    let second = Server::start_with(&database, &model);
    let listed: Value = second.app.messages(&user.token, &conversation).await.json().await.unwrap();
    let contents: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(contents.len(), 3);
    assert_eq!(contents[1], "I design APIs");
    assert!(contents[2].contains("I design APIs"), "the reply is kept too");
    assert!(second.terminate().success());
}

#[actix_web::test]
async fn an_upload_survives_a_killed_server_and_resumes_to_a_byte_identical_file() {
    use crate::uploads::{create, offset_of, patch, sha256_hex, wav};
    use tokio::io::AsyncWriteExt as _;

    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db");
    let small_steps = [("DEBRIEF_UPLOADS__CHECKPOINT_BYTES", "65536"), ("DEBRIEF_UPLOADS__WRITE_BUFFER_BYTES", "16384")];
    let file = wav(1_000_000);

    let first = Server::start_with(&database, &small_steps);
    let user = first.app.new_user("Kim").await;
    let location = create(&first.app, &user.token, file.len(), &[]).await;
    // A PATCH is streaming when the server is killed.
    let address = first.app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n\
         Upload-Offset: 0\r\nContent-Length: {}\r\n\r\n",
        user.token,
        file.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&file[..400_000]).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while offset_of(&first.app, &user.token, &location).await < 65_536 {
        assert!(std::time::Instant::now() < deadline, "no checkpoint was stored");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    first.kill();
    drop(stream);

    let second = Server::start_with(&database, &small_steps);
    let offset = offset_of(&second.app, &user.token, &location).await;
    assert!((65_536..=400_000).contains(&offset), "resumes from a durable offset, got {offset}");
    let response = patch(&second.app, &user.token, &location, offset, file[offset..].to_vec()).await;
    assert_eq!(response.status(), 204);
    let interview_id = response.headers()["Debrief-Interview-Id"].to_str().unwrap().to_owned();
    let interview: Value = second
        .app
        .client
        .get(second.app.url(&format!("/api/v1/interviews/{interview_id}")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Finished: its analysis job has started (and fails: nothing transcribes here).
    assert_ne!(interview["status"], "uploading");
    assert_eq!(interview["recording"]["sha256"], sha256_hex(&file), "the hash is recomputed over the stored bytes");
    let stored = second.app.storage_dir.join(&user.id).join(location.trim_start_matches("/files/"));
    assert_eq!(std::fs::read(stored).unwrap(), file, "byte-identical after the crash");
    assert!(second.terminate().success());
}

#[actix_web::test]
async fn a_job_killed_mid_transcription_completes_after_restart_with_one_analysis_and_one_notification() {
    use crate::analysis::{finished, quiet_wav, replayed_events, upload, verbose_json};
    let fake = crate::fake_openai::FakeOpenAi::start();
    fake.transcribe_as(verbose_json());
    fake.hold_transcriptions(std::sync::Arc::new(tokio::sync::Notify::new()));
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db");
    let env = [
        ("DEBRIEF_TRANSCRIPTION__BASE_URL", fake.base_url.as_str()),
        ("DEBRIEF_JOBS__LEASE_SECS", "2"),
        ("DEBRIEF_JOBS__POLL_INTERVAL_MS", "200"),
    ];

    let first = Server::start_with(&database, &env);
    let user = first.app.new_user("Kim").await;
    let id = upload(&first.app, &user.token, "call.wav", "audio/wav", quiet_wav(21.0), &[]).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while fake.transcription_requests() == 0 {
        assert!(std::time::Instant::now() < deadline, "transcription never started");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    first.kill();
    fake.release_transcriptions();

    let second = Server::start_with(&database, &env);
    let interview = finished(&second.app, &user.token, &id).await;
    assert_eq!(interview["status"], "completed", "{interview}");
    assert!(fake.transcription_requests() >= 2, "the transcription was run again after the crash");
    let analysis = second.app.client.get(second.app.url(&format!("/api/v1/interviews/{id}/analysis"))).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(analysis.status(), 200);
    let events = replayed_events(&second.app, &user.token).await;
    let notifications = events.iter().filter(|e| e["type"] == "notification").count();
    assert_eq!(notifications, 1, "exactly one notification");
    let completed = events.iter().filter(|e| e["type"] == "interview.status" && e["stage"] == "completed").count();
    assert_eq!(completed, 1, "completed exactly once");
    let listed: Value = second.app.client.get(second.app.url("/api/v1/notifications")).bearer_auth(&user.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_half_answered_practice_session_resumes_after_a_restart() {
    use crate::practice::{call, create};
    use reqwest::Method;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db");

    let first = Server::start(&database);
    let user = first.app.new_user("Kim").await;
    let session = create(&first.app, &user.token, json!({"job_title": "Data Analyst", "interview_type": "behavioral"})).await;
    let id = session["id"].as_str().unwrap().to_owned();
    let (_, session) =
        call(&first.app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/questions/generate"), None).await;
    let first_question = session["questions"][0]["id"].as_str().unwrap().to_owned();
    let (status, before) = call(&first.app, &user.token, Method::PUT, &format!("/api/v1/practice/{id}/answers"),
        Some(json!({"answers": [{"question_id": first_question, "text": "My first answer, saved."}]}))).await;
    assert_eq!(status, 200);
    assert!(first.terminate().success());

    let second = Server::start(&database);
    let (status, after) = call(&second.app, &user.token, Method::GET, &format!("/api/v1/practice/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(after, before, "questions, answers and status are as they were");
    assert_eq!(after["status"], "in_progress");
    // Resume: answer the rest where it stopped.
    let rest: Vec<Value> = after["questions"].as_array().unwrap()[1..]
        .iter()
        .map(|q| json!({"question_id": q["id"], "text": "Answered after the restart."}))
        .collect();
    let (status, resumed) =
        call(&second.app, &user.token, Method::PUT, &format!("/api/v1/practice/{id}/answers"), Some(json!({"answers": rest}))).await;
    assert_eq!(status, 200);
    assert_eq!(resumed["answered_count"], resumed["question_count"]);
    let (status, _) = call(&second.app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/complete"), None).await;
    assert_eq!(status, 200);
}

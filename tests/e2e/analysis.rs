//! Recording analysis end to end: a finished upload becomes a job that
//! decodes, transcribes, analyses and notifies, with every stage pushed.
//! Real audio (espeak-ng speaking a known script, packed as M4A by ffmpeg)
//! through the local Whisper tiny.en fixture; a real HTTP fake of the OpenAI
//! transcription and chat APIs for the remote path and the model outage; a
//! real SMTP server (`smtp_sink`) receiving the email.

use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::fake_openai::{FakeOpenAi, Step};
use crate::helpers::{TestApp, TestUser, spawn_app_with};
use crate::smtp_sink::SmtpSink;
use crate::speech::speak;
use crate::uploads::{metadata, tus};

/// Longest a job may take here before the test calls it a hang (tiny.en in a
/// debug build on two cores; not a speed check).
const JOB_WAIT: Duration = Duration::from_secs(240);

/// Uploads `bytes` in one PATCH as `filename`; returns the interview id.
pub async fn upload(app: &TestApp, token: &str, filename: &str, filetype: &str, bytes: Vec<u8>, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![("filename", filename), ("filetype", filetype)];
    pairs.extend_from_slice(extra);
    let created = tus(app, Method::POST, "/files/", token)
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", metadata(&pairs))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let location = created.headers()["Location"].to_str().unwrap().to_owned();
    let patched = tus(app, Method::PATCH, &location, token)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 204);
    patched.headers()["Debrief-Interview-Id"].to_str().unwrap().to_owned()
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap()
}

/// Polls the interview until its status is `completed` or `failed`.
pub async fn finished(app: &TestApp, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + JOB_WAIT;
    loop {
        let interview: Value = get(app, token, &format!("/api/v1/interviews/{id}")).await.json().await.unwrap();
        if interview["status"] == "completed" || interview["status"] == "failed" {
            return interview;
        }
        assert!(Instant::now() < deadline, "the job did not finish: {interview}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Every durable event of the user, replayed from the start.
/// Waits until the local speech model (loaded in the background) transcribes.
async fn speech_model_loaded(app: &TestApp) {
    let deadline = Instant::now() + JOB_WAIT;
    while app.get("/api/v1/models").await.json::<Value>().await.unwrap()["transcription"]["kind"] != "local" {
        assert!(Instant::now() < deadline, "the speech model did not load");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn replayed_events(app: &TestApp, token: &str) -> Vec<Value> {
    let mut socket = app.socket(token).await;
    socket.send_json(json!({"type": "hello", "last_seq": 0})).await;
    let mut events = Vec::new();
    loop {
        let frame = socket.next_json().await;
        match frame["type"].as_str() {
            Some("hello.ok") => return events,
            Some("welcome") => {}
            _ => events.push(frame),
        }
    }
}

fn stages_of(events: &[Value], id: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["type"] == "interview.status" && e["interview_id"] == id)
        .map(|e| e["stage"].as_str().unwrap().to_owned())
        .collect()
}

/// ffmpeg converts `input` with `args` into `out` (the test audio tools are
/// installed by scripts/install-audio-deps.sh).
fn ffmpeg(args: &[&str], out: &std::path::Path) {
    let status = Command::new("ffmpeg").args(["-y", "-loglevel", "error"]).args(args).arg(out).status().unwrap();
    assert!(status.success(), "ffmpeg failed making {}", out.display());
}

#[actix_web::test]
async fn a_spoken_interview_uploaded_as_m4a_is_transcribed_analysed_and_notified_by_app_and_email() {
    let models = crate::models::fixtures().await;
    let (wav, script) = speak("interview");
    let m4a = wav.with_extension("m4a");
    ffmpeg(&["-i", wav.to_str().unwrap(), "-c:a", "aac", "-b:a", "64k"], &m4a);
    let smtp = SmtpSink::start().await;
    let smtp_url = smtp.url.clone();
    let app = spawn_app_with(move |s| {
        s.models.dir = models;
        s.models.stt = "whisper-tiny.en".into();
        s.email.smtp_url = smtp_url.into();
        s.email.public_url = "https://debrief.example".into();
    })
    .await;
    let user = app.new_user("Maya").await;
    speech_model_loaded(&app).await;

    let id = upload(
        &app,
        &user.token,
        "final-round.m4a",
        "audio/mp4",
        std::fs::read(&m4a).unwrap(),
        &[("company", "Acme"), ("job_title", "Engineering Manager"), ("interview_type", "behavioral")],
    )
    .await;
    let interview = finished(&app, &user.token, &id).await;
    assert_eq!(interview["status"], "completed", "{interview}");
    assert!((interview["duration_secs"].as_f64().unwrap() - 34.0).abs() < 3.0, "{interview}");

    // The transcript is close to what was said (tiny.en, AAC at 64 kb/s).
    let transcript: Value = get(&app, &user.token, &format!("/api/v1/interviews/{id}/transcript")).await.json().await.unwrap();
    let text: Vec<&str> = transcript["segments"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    let wer = debrief::stt::wer::score(&script, &text.join(" ")).wer;
    assert!(wer <= 0.15, "word error rate {wer:.3} over the 15 % bound");
    assert_eq!(transcript["engine"], "Whisper tiny.en (local)");

    // Subtitles and text downloads, and search.
    let srt = get(&app, &user.token, &format!("/api/v1/interviews/{id}/transcript?format=srt")).await;
    assert_eq!(srt.headers()["content-type"], "application/x-subrip; charset=utf-8");
    assert!(srt.text().await.unwrap().starts_with("1\n00:00:0"));
    let vtt = get(&app, &user.token, &format!("/api/v1/interviews/{id}/transcript?format=vtt")).await.text().await.unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n00:00:0"), "{vtt}");
    let found: Value =
        get(&app, &user.token, &format!("/api/v1/interviews/{id}/transcript?q=billing")).await.json().await.unwrap();
    let found = found["segments"].as_array().unwrap();
    assert!(!found.is_empty() && found.iter().all(|s| s["text"].as_str().unwrap().to_lowercase().contains("billing")));
    let bad = get(&app, &user.token, &format!("/api/v1/interviews/{id}/transcript?format=doc")).await;
    assert_eq!(bad.status(), 400);

    // The analysis measured what the script holds: fillers, two questions, STAR cues.
    let analysis: Value = get(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await.json().await.unwrap();
    let fillers = &analysis["speech"]["fillers"];
    let count = |term: &str| {
        fillers["items"].as_array().unwrap().iter().find(|f| f["term"] == term).map_or(0, |f| f["count"].as_u64().unwrap())
    };
    assert!(count("um") + count("uh") >= 3, "the script has 4 um/uh: {fillers}");
    assert!(analysis["structure"]["questions_detected"].as_bool().unwrap(), "{}", analysis["structure"]);
    assert!(analysis["speech"]["words_per_minute"].as_f64().unwrap() > 60.0);
    let overall = analysis["score"]["overall"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&overall));
    assert!(!analysis["recommendations"].as_array().unwrap().is_empty());
    assert!(analysis["missing"].as_array().unwrap().is_empty(), "no model is configured, so nothing is missing");

    // Every stage was a durable event, in order, then one notification.
    let events = replayed_events(&app, &user.token).await;
    assert_eq!(stages_of(&events, &id), ["decoding", "transcribing", "diarizing", "analyzing", "notifying", "completed"]);
    let notifications: Vec<&Value> = events.iter().filter(|e| e["type"] == "notification").collect();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0]["notification"]["kind"], "analysis.completed");
    let listed: Value = get(&app, &user.token, "/api/v1/notifications").await.json().await.unwrap();
    assert_eq!(listed["unread"], 1);
    let notification_id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let read = app.client.post(app.url(&format!("/api/v1/notifications/{notification_id}/read"))).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(read.status(), 204);
    let listed: Value = get(&app, &user.token, "/api/v1/notifications").await.json().await.unwrap();
    assert_eq!(listed["unread"], 0);

    // The email reached the SMTP server, with a link and no transcript text.
    let deadline = Instant::now() + Duration::from_secs(15);
    while smtp.mails().is_empty() {
        assert!(Instant::now() < deadline, "no email arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].from.contains("debrief@localhost"), "{}", mails[0].from);
    assert!(mails[0].to[0].contains(&user.email), "{:?}", mails[0].to);
    assert!(mails[0].data.contains(&format!("https://debrief.example/interviews/{id}")), "{}", mails[0].data);
    assert!(!mails[0].data.to_lowercase().contains("billing"), "no transcript text in the email");
}

/// A transcript as OpenAI's `verbose_json` (words without punctuation, as whisper-1 sends them).
pub fn verbose_json() -> Value {
    verbose_json_of(&[
        (0.0, 3.0, "Tell me about a time you led a project?"),
        (3.5, 9.0, "Um, last year I led the migration of our billing system."),
        (9.5, 14.0, "Uh, I split the work and as a result we shipped two days early."),
        (15.0, 17.0, "Why do you want this job?"),
        (17.5, 21.0, "I really love building products."),
    ])
}

/// OpenAI's `verbose_json` for these lines (start, end, text): one segment
/// each, words spread evenly, punctuation left to the segments as whisper-1 does.
pub fn verbose_json_of(lines: &[(f64, f64, &str)]) -> Value {
    let mut words = Vec::new();
    let segments: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (start, end, text))| {
            let parts: Vec<&str> = text.split_whitespace().collect();
            let step = (end - start) / parts.len() as f64;
            for (k, part) in parts.iter().enumerate() {
                let bare: String = part.chars().filter(|c| c.is_alphanumeric()).collect();
                words.push(json!({"word": bare, "start": start + step * k as f64, "end": start + step * (k as f64 + 0.8)}));
            }
            json!({"id": i, "seek": 0, "start": start, "end": end, "text": format!(" {text}"), "tokens": [],
                   "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.3, "no_speech_prob": 0.01})
        })
        .collect();
    let duration = lines.last().map_or(0.0, |l| l.1);
    json!({"task": "transcribe", "language": "english", "duration": duration, "text": "", "segments": segments, "words": words})
}

/// A 16 kHz mono WAV of quiet noise, `secs` long (the fake does not listen).
pub fn quiet_wav(secs: f64) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    let spec = hound::WavSpec { channels: 1, sample_rate: 16_000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::new(&mut bytes, spec).unwrap();
    for i in 0..(16_000.0 * secs) as i32 {
        writer.write_sample(((i64::from(i) * 7919) % 200 - 100) as i16).unwrap();
    }
    writer.finalize().unwrap();
    bytes.into_inner()
}

#[actix_web::test]
async fn a_model_outage_still_yields_transcript_and_metrics_and_a_re_analysis_adds_the_judgement() {
    let fake = FakeOpenAi::start();
    fake.transcribe_as(verbose_json());
    // The chat model fails the judgement the first time (no retries configured).
    fake.then(Step::Status(503));
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| {
        s.transcription.base_url = base.clone();
        s.llm.base_url = base;
        s.llm.max_retries = 0;
        s.llm.retry_base_ms = 1;
    })
    .await;
    let user = app.new_user("Omar").await;
    let mut socket = app.socket(&user.token).await;
    let id = upload(&app, &user.token, "call.wav", "audio/wav", quiet_wav(21.0), &[]).await;

    // Live: the stages arrive on the open socket as they happen.
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("completed") {
        let frame = socket.next_of_type("interview.status").await;
        assert_eq!(frame["interview_id"], id.as_str());
        seen.push(frame["stage"].as_str().unwrap().to_owned());
        assert_ne!(frame["stage"], "failed", "{frame}");
    }
    assert!(seen.contains(&"transcribing".to_owned()) && seen.contains(&"analyzing".to_owned()), "{seen:?}");
    assert!(fake.transcription_requests() >= 1);

    let transcript: Value = get(&app, &user.token, &format!("/api/v1/interviews/{id}/transcript")).await.json().await.unwrap();
    assert_eq!(transcript["engine"], "whisper-1 (remote)");
    assert_eq!(transcript["segments"][0]["words"][8]["word"], " project?", "punctuation restored from the segment");
    let analysis: Value = get(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await.json().await.unwrap();
    assert_eq!(analysis["structure"]["questions"].as_array().unwrap().len(), 2, "{}", analysis["structure"]);
    assert!(analysis["speech"]["fillers"]["total"].as_u64().unwrap() >= 2);
    assert!(analysis["judgement"].is_null());
    let missing = analysis["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].as_str().unwrap().contains("judgement"));

    // Another user sees none of it.
    let stranger: TestUser = app.new_user("Stranger").await;
    for path in ["", "/transcript", "/analysis"] {
        let response = get(&app, &stranger.token, &format!("/api/v1/interviews/{id}{path}")).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    let refused = app.client.post(app.url(&format!("/api/v1/interviews/{id}/analyze"))).bearer_auth(&stranger.token).send().await.unwrap();
    assert_eq!(refused.status(), 404);

    // The model is back: a re-analysis adds its judgement, keeps the transcript.
    fake.then(Step::Reply(vec![r#"{"summary": "Clear story with a result.", "answers": [{"answer_index": 0, "relevance": 85, "comment": "On topic."}]}"#]));
    let requested = app.client.post(app.url(&format!("/api/v1/interviews/{id}/analyze"))).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(requested.status(), 202, "{}", requested.text().await.unwrap());
    let interview = finished(&app, &user.token, &id).await;
    assert_eq!(interview["status"], "completed");
    let analysis: Value = get(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await.json().await.unwrap();
    assert_eq!(analysis["judgement"]["summary"], "Clear story with a result.");
    assert_eq!(analysis["judgement"]["answers"][0]["relevance"], 85);
    assert!(analysis["missing"].as_array().unwrap().is_empty());
    assert_eq!(fake.transcription_requests(), 1, "the transcript was kept, not made again");
    let listed: Value = get(&app, &user.token, "/api/v1/notifications").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "one notification per analysis");
}

#[actix_web::test]
async fn a_video_without_audio_fails_early_with_a_clear_reason_and_no_retries() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("silent.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "color=c=black:s=64x64:d=2", "-c:v", "mpeg4", "-an"], &video);
    let fake = FakeOpenAi::start();
    fake.transcribe_as(verbose_json());
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| s.transcription.base_url = base).await;
    let user = app.new_user("Lee").await;
    let id = upload(&app, &user.token, "screen.mp4", "video/mp4", std::fs::read(&video).unwrap(), &[]).await;
    let interview = finished(&app, &user.token, &id).await;
    assert_eq!(interview["status"], "failed");
    assert!(interview["failure_reason"].as_str().unwrap().contains("no audio track"), "{interview}");
    assert_eq!(fake.transcription_requests(), 0, "it failed before transcription");
    let analysis = get(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await;
    assert_eq!(analysis.status(), 409);
    let events = replayed_events(&app, &user.token).await;
    assert_eq!(stages_of(&events, &id), ["decoding", "failed"], "one attempt: retrying cannot add a sound track");
    let failed = events.iter().find(|e| e["type"] == "notification").unwrap();
    assert_eq!(failed["notification"]["kind"], "analysis.failed");
}

#[actix_web::test]
async fn deleting_an_interview_while_its_job_runs_stops_the_job_and_removes_everything() {
    let fake = FakeOpenAi::start();
    fake.transcribe_as(verbose_json());
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    fake.hold_transcriptions(gate.clone());
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| s.transcription.base_url = base).await;
    let user = app.new_user("Ana").await;
    let id = upload(&app, &user.token, "call.wav", "audio/wav", quiet_wav(5.0), &[]).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while fake.transcription_requests() == 0 {
        assert!(Instant::now() < deadline, "transcription never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deleted = app.client.delete(app.url(&format!("/api/v1/interviews/{id}"))).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    gate.notify_waiters();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for path in ["", "/transcript", "/analysis"] {
        assert_eq!(get(&app, &user.token, &format!("/api/v1/interviews/{id}{path}")).await.status(), 404, "{path}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(app.storage_dir.join(&user.id)).map(|d| d.flatten().collect()).unwrap_or_default();
    assert!(leftovers.is_empty(), "files left: {leftovers:?}");
    let listed: Value = get(&app, &user.token, "/api/v1/notifications").await.json().await.unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty(), "no notification for a deleted interview");
}

#[actix_web::test]
async fn silences_inside_an_answer_are_pauses_even_when_the_word_timings_run_over_them() {
    let models = crate::models::fixtures().await;
    // Four silences of 0.8–1.0 s between the candidate's sentences.
    let (wav, _) = speak("pauses");
    let app = spawn_app_with(move |s| {
        s.models.dir = models;
        s.models.stt = "whisper-tiny.en".into();
    })
    .await;
    let user = app.new_user("Pia").await;
    speech_model_loaded(&app).await;
    let id = upload(&app, &user.token, "hard-call.wav", "audio/wav", std::fs::read(&wav).unwrap(), &[("interview_type", "behavioral")]).await;
    let interview = finished(&app, &user.token, &id).await;
    assert_eq!(interview["status"], "completed", "{interview}");
    let analysis: Value = get(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await.json().await.unwrap();
    let pauses = &analysis["speech"]["pauses"];
    let count = pauses["count"].as_u64().unwrap();
    assert!((3..=5).contains(&count), "four silences, found {count}: {pauses}");
    let total = pauses["total_secs"].as_f64().unwrap();
    assert!((2.4..=5.0).contains(&total), "{pauses}");
    for pause in pauses["list"].as_array().unwrap() {
        assert!(pause["duration"].as_f64().unwrap() >= 0.6, "{pause}");
    }
}

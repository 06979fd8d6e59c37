//! Who said what in a recording, end to end: real espeak-ng interviews (two
//! voices differing in pitch and speed, made by `tests/audio/make_dialogue.py`
//! with the true turn boundaries) packed in the formats people record in, a
//! real HTTP fake of OpenAI's transcription API answering with the script at
//! those times, and the server's own decoding, speaker detection and
//! analysis. Only the candidate is coached; the user can correct the roles.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::analysis::{finished, upload, verbose_json_of};
use crate::fake_openai::FakeOpenAi;
use crate::helpers::{TestApp, spawn_app_with};

/// A generated dialogue: its files by extension and its true turns.
struct Dialogue {
    base: PathBuf,
    turns: Vec<Value>,
}

impl Dialogue {
    fn file(&self, suffix: &str) -> Vec<u8> {
        std::fs::read(self.base.with_extension(suffix)).unwrap()
    }

    /// The fake transcription's answer: each true turn's text at its time.
    fn transcript(&self) -> Value {
        let lines: Vec<(f64, f64, &str)> = self
            .turns
            .iter()
            .map(|t| (t["start"].as_f64().unwrap(), t["end"].as_f64().unwrap(), t["text"].as_str().unwrap()))
            .collect();
        verbose_json_of(&lines)
    }
}

/// Speaks `tests/audio/<script>.json` as a dialogue in `formats` (once per run).
fn dialogue(script: &str, name: &str, args: &[&str]) -> Dialogue {
    static LOCK: Mutex<()> = Mutex::new(());
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audio");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dialogues");
    std::fs::create_dir_all(&out).unwrap();
    let base = out.join(name);
    let status = Command::new("python3")
        .arg(root.join("make_dialogue.py"))
        .arg(root.join(format!("{script}.json")))
        .arg(&base)
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "making test audio needs espeak-ng, sox and ffmpeg (scripts/install-audio-deps.sh)");
    let truth: Value = serde_json::from_slice(&std::fs::read(base.with_extension("json")).unwrap()).unwrap();
    Dialogue { base, turns: truth["turns"].as_array().unwrap().clone() }
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let response = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn put_speakers(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    let response = app.client.put(app.url(&format!("/api/v1/interviews/{id}/speakers"))).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Waits until the analysis has been made `runs` times over (a re-analysis done).
async fn analysis_after(app: &TestApp, token: &str, id: &str, previous: &Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let interview = finished(app, token, id).await;
        assert_eq!(interview["status"], "completed", "{interview}");
        let (_, analysis) = get_json(app, token, &format!("/api/v1/interviews/{id}/analysis")).await;
        if &analysis != previous {
            return analysis;
        }
        assert!(Instant::now() < deadline, "the analysis was not recomputed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn roles(speakers: &Value) -> Vec<(String, String)> {
    speakers["speakers"].as_array().unwrap().iter().map(|s| (s["label"].as_str().unwrap().to_owned(), s["role"].as_str().unwrap().to_owned())).collect()
}

#[actix_web::test]
async fn a_stereo_call_recording_in_mp4_aac_48_khz_has_one_speaker_per_channel_and_only_the_candidate_is_coached() {
    let talk = dialogue("interview", "stereo-call", &["--formats", "stereo-mp4"]);
    let fake = FakeOpenAi::start();
    fake.transcribe_as(talk.transcript());
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| s.transcription.base_url = base).await;
    let user = app.new_user("Maya").await;

    let id = upload(&app, &user.token, "call.mp4", "video/mp4", talk.file("stereo.mp4"), &[]).await;
    let interview = finished(&app, &user.token, &id).await;
    assert_eq!(interview["status"], "completed", "{interview}");

    let (status, speakers) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/speakers")).await;
    assert_eq!(status, 200);
    assert_eq!(speakers["source"], "channels", "{speakers}");
    assert_eq!(roles(&speakers), [("S1".into(), "interviewer".into()), ("S2".into(), "candidate".into())]);
    let shares: f64 = speakers["speakers"].as_array().unwrap().iter().map(|s| s["share"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 0.01, "{speakers}");
    // The candidate speaks most of this interview.
    assert!(speakers["speakers"][1]["share"].as_f64().unwrap() > 0.6, "{speakers}");

    let (_, transcript) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/transcript")).await;
    let labels: Vec<&str> = transcript["segments"].as_array().unwrap().iter().map(|s| s["speaker"].as_str().unwrap()).collect();
    assert_eq!(labels, ["S1", "S2", "S2", "S1", "S2"]);
    let txt = app.client.get(app.url(&format!("/api/v1/interviews/{id}/transcript?format=txt"))).bearer_auth(&user.token).send().await.unwrap().text().await.unwrap();
    assert!(txt.lines().next().unwrap().contains("Interviewer: Tell me about a time"), "{txt}");
    assert!(txt.lines().nth(1).unwrap().contains("Candidate: Um, so last year"), "{txt}");

    let (_, analysis) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await;
    assert_eq!(analysis["speakers"]["source"], "channels");
    let questions: Vec<&str> = analysis["structure"]["questions"].as_array().unwrap().iter().map(|q| q["text"].as_str().unwrap()).collect();
    assert_eq!(questions.len(), 2, "{questions:?}");
    assert!(questions[0].starts_with("Tell me about a time"));
    // Per question: the candidate's answer with its own measures.
    let answers = analysis["structure"]["answers"].as_array().unwrap();
    assert_eq!(answers[0]["filler_count"].as_u64().unwrap() + answers[1]["filler_count"].as_u64().unwrap(), analysis["speech"]["fillers"]["total"].as_u64().unwrap());
    assert!(answers[0]["words_per_minute"].as_f64().unwrap() > 60.0, "{}", answers[0]);
    assert_eq!(answers[0]["star"]["result"], true, "{}", answers[0]);

    // Deleting the interview deletes every file made from it, the channel envelope included.
    let deleted = app.client.delete(app.url(&format!("/api/v1/interviews/{id}"))).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let left: Vec<String> = std::fs::read_dir(app.storage_dir.join(&user.id))
        .map(|dir| dir.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.contains(&id)).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[actix_web::test]
async fn the_interviewers_fillers_are_not_the_candidates_and_swapping_roles_counts_the_other_voice() {
    let talk = dialogue("interviewer_fillers", "interviewer-fillers", &["--formats", "stereo-wav"]);
    let fake = FakeOpenAi::start();
    fake.transcribe_as(talk.transcript());
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| s.transcription.base_url = base).await;
    let user = app.new_user("Maya").await;

    let id = upload(&app, &user.token, "call.wav", "audio/wav", talk.file("stereo.wav"), &[]).await;
    assert_eq!(finished(&app, &user.token, &id).await["status"], "completed");
    let (_, analysis) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await;
    assert_eq!(analysis["speech"]["fillers"]["total"], 0, "the candidate never says um: {}", analysis["speech"]["fillers"]);

    // Wrong labels or no candidate: 422 and nothing changes.
    let path = format!("/api/v1/interviews/{id}/speakers");
    let (_, before) = get_json(&app, &user.token, &path).await;
    let (status, body) = put_speakers(&app, &user.token, &id, json!({"roles": {"S7": "candidate"}})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("validation_failed")), "{body}");
    let (status, _) = put_speakers(&app, &user.token, &id, json!({"roles": {"S2": "interviewer"}})).await;
    assert_eq!(status, 422);
    assert_eq!(get_json(&app, &user.token, &path).await.1, before);
    // Another user cannot see or change them.
    let stranger = app.new_user("Eve").await;
    assert_eq!(get_json(&app, &stranger.token, &path).await.0, 404);
    assert_eq!(put_speakers(&app, &stranger.token, &id, json!({"roles": {"S1": "candidate"}})).await.0, 404);

    let (status, _) = put_speakers(&app, &user.token, &id, json!({"roles": {"S1": "candidate", "S2": "interviewer"}})).await;
    assert_eq!(status, 202);
    let swapped = analysis_after(&app, &user.token, &id, &analysis).await;
    assert!(swapped["speech"]["fillers"]["total"].as_u64().unwrap() >= 6, "{}", swapped["speech"]["fillers"]);
    let (_, speakers) = get_json(&app, &user.token, &path).await;
    assert_eq!(speakers["source"], "user");
    assert_eq!(roles(&speakers), [("S1".into(), "candidate".into()), ("S2".into(), "interviewer".into())]);
    assert_eq!(fake.transcription_requests(), 1, "the stored transcript was analysed again, not transcribed again");
}

#[actix_web::test]
async fn a_recording_with_one_audio_track_per_participant_has_one_speaker_per_track() {
    let talk = dialogue("interview", "two-tracks", &["--formats", "stereo-wav"]);
    // OBS- or Zoom-style: each participant on an audio track of their own (MP4, AAC).
    let tracks = talk.base.with_extension("tracks.mp4");
    let status = Command::new("ffmpeg")
        .args(["-y", "-loglevel", "error", "-i"])
        .arg(talk.base.with_extension("stereo.wav"))
        .args(["-filter_complex", "[0:a]channelsplit=channel_layout=stereo[l][r];[l]aformat=channel_layouts=mono[lm];[r]aformat=channel_layouts=mono[rm]", "-map", "[lm]", "-map", "[rm]", "-c:a", "aac"])
        .arg(&tracks)
        .status()
        .unwrap();
    assert!(status.success());
    let fake = FakeOpenAi::start();
    fake.transcribe_as(talk.transcript());
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| s.transcription.base_url = base).await;
    let user = app.new_user("Maya").await;

    let id = upload(&app, &user.token, "obs.mp4", "video/mp4", std::fs::read(&tracks).unwrap(), &[]).await;
    assert_eq!(finished(&app, &user.token, &id).await["status"], "completed");

    let (_, speakers) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/speakers")).await;
    assert_eq!(speakers["source"], "channels", "{speakers}");
    assert_eq!(roles(&speakers), [("S1".into(), "interviewer".into()), ("S2".into(), "candidate".into())]);
    let (_, analysis) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await;
    // Both tracks are heard: the whole interview is analysed.
    assert!(analysis["duration_secs"].as_f64().unwrap() > 25.0, "{}", analysis["duration_secs"]);
}

#[actix_web::test]
async fn a_browser_webm_opus_interview_is_diarized_and_the_interviewers_fillers_are_not_counted_as_the_candidates() {
    let models = crate::models::fixtures().await;
    let talk = dialogue("interviewer_fillers", "interviewer-fillers-webm", &["--formats", "webm"]);
    let fake = FakeOpenAi::start();
    fake.transcribe_as(talk.transcript());
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| {
        s.transcription.base_url = base;
        s.models.dir = models;
        s.models.diarize = "silero-campplus".into();
    })
    .await;
    let user = app.new_user("Maya").await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while app.get("/api/v1/models").await.json::<Value>().await.unwrap()["diarization"]["kind"] != "local" {
        assert!(Instant::now() < deadline, "the diarization models did not load");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let id = upload(&app, &user.token, "interview.webm", "video/webm", talk.file("webm"), &[]).await;
    let interview = finished(&app, &user.token, &id).await;
    assert_eq!(interview["status"], "completed", "{interview}");

    let (_, speakers) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/speakers")).await;
    assert_eq!(speakers["source"], "diarization", "{speakers}");
    assert_eq!(roles(&speakers), [("S1".into(), "interviewer".into()), ("S2".into(), "candidate".into())]);
    let (_, analysis) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await;
    assert_eq!(analysis["speech"]["fillers"]["total"], 0, "the candidate never says um: {}", analysis["speech"]["fillers"]);
    assert_eq!(analysis["structure"]["questions"].as_array().unwrap().len(), 2, "{}", analysis["structure"]);

    let (status, _) = put_speakers(&app, &user.token, &id, json!({"roles": {"S1": "candidate", "S2": "interviewer"}})).await;
    assert_eq!(status, 202);
    let swapped = analysis_after(&app, &user.token, &id, &analysis).await;
    assert!(swapped["speech"]["fillers"]["total"].as_u64().unwrap() >= 6, "{}", swapped["speech"]["fillers"]);
}

#[actix_web::test]
async fn a_one_voice_recording_is_one_speaker_the_candidate_analysed_as_before() {
    let fake = FakeOpenAi::start();
    fake.transcribe_as(crate::analysis::verbose_json());
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| s.transcription.base_url = base).await;
    let user = app.new_user("Maya").await;

    let id = upload(&app, &user.token, "answers.wav", "audio/wav", crate::analysis::quiet_wav(21.0), &[]).await;
    assert_eq!(finished(&app, &user.token, &id).await["status"], "completed");

    let (_, speakers) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/speakers")).await;
    assert_eq!(speakers["source"], "single", "{speakers}");
    assert_eq!(roles(&speakers), [("S1".into(), "candidate".into())]);
    let (_, analysis) = get_json(&app, &user.token, &format!("/api/v1/interviews/{id}/analysis")).await;
    // As before speakers: questions found from their wording, the rest is the candidate's.
    assert_eq!(analysis["structure"]["questions"].as_array().unwrap().len(), 2);
    assert_eq!(analysis["speech"]["fillers"]["total"], 2);
}

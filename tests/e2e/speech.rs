//! Offline speech and meaning, on real audio: espeak-ng speaks known
//! interview scripts (two voices, fillers, silences between turns; see
//! `tests/audio/`), `debrief transcribe` runs the Whisper tiny.en fixture
//! on them, and the transcript is scored against the script. Bounds were
//! measured on these scripts (synthetic speech): tiny.en 7.3 % WER on the
//! two-speaker interview, 16.4 % on the 78-second one; Whisper base 4.9 %
//! and 15.0 % (faster-whisper base: 4.9 % and 15.9 %).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use debrief::embed::{LocalEmbedder, cosine};
use debrief::stt::wer::{Score, score, words};
use serde_json::Value;

use crate::models::fixtures;

/// Speaks `tests/audio/<script>.json` into a 16 kHz WAV (once per run);
/// returns the WAV and the script's text.
pub fn speak(script: &str) -> (PathBuf, String) {
    static LOCK: Mutex<()> = Mutex::new(());
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audio");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("audio");
    std::fs::create_dir_all(&out).unwrap();
    let wav = out.join(format!("{script}.wav"));
    let source = root.join(format!("{script}.json"));
    let stale = std::fs::metadata(&wav).and_then(|w| Ok(w.modified()? < std::fs::metadata(&source)?.modified()?)).unwrap_or(true);
    if stale {
        let status = Command::new("python3").arg(root.join("make_audio.py")).arg(&source).arg(&wav).status().unwrap();
        assert!(status.success(), "making test audio needs espeak-ng and sox (scripts/install-audio-deps.sh)");
    }
    (wav.clone(), std::fs::read_to_string(wav.with_extension("txt")).unwrap())
}

/// `debrief transcribe --json` with the tiny.en fixture.
async fn transcribe(wav: &Path) -> Value {
    transcribe_with(wav, &[]).await
}

/// `debrief transcribe --json` with the tiny.en fixture and `extra` arguments.
async fn transcribe_with(wav: &Path, extra: &[&str]) -> Value {
    let models = fixtures().await;
    let wav = wav.to_owned();
    let extra: Vec<String> = extra.iter().map(|a| (*a).to_owned()).collect();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_debrief"))
            .args(["transcribe", "--model", "whisper-tiny.en", "--json"])
            .args(&extra)
            .arg(&wav)
            .env("DEBRIEF_MODELS__DIR", &models)
            .env("DEBRIEF_MODELS__FETCH_ON_START", "false")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn transcript_text(transcript: &Value) -> String {
    let text: Vec<&str> = transcript["segments"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    text.join(" ")
}

fn timed_words(transcript: &Value) -> Vec<(f64, f64, String)> {
    transcript["segments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["words"].as_array().unwrap().iter())
        .map(|w| (w["start"].as_f64().unwrap(), w["end"].as_f64().unwrap(), w["word"].as_str().unwrap().to_owned()))
        .collect()
}

#[actix_web::test]
async fn a_two_speaker_interview_is_transcribed_with_its_fillers_pauses_and_word_timings() {
    let (wav, script) = speak("interview");
    let transcript = transcribe(&wav).await;
    let reference = words(&script);
    let hypothesis = words(&transcript_text(&transcript));
    let wer = score(&script, &transcript_text(&transcript)).wer;
    assert!(wer <= 0.12, "word error rate {wer:.3}: {hypothesis:?}");

    // The script says "um" twice and "uh" twice (Whisper may write either), "like" twice.
    let filled = hypothesis.iter().filter(|w| *w == "um" || *w == "uh").count();
    assert!(filled >= 3, "filled pauses kept: {filled} of 4: {hypothesis:?}");
    assert!(hypothesis.iter().filter(|w| *w == "like").count() >= 2, "{hypothesis:?}");

    let duration = transcript["duration_secs"].as_f64().unwrap();
    assert!((duration - 33.9).abs() < 0.5, "{duration}");
    let timed = timed_words(&transcript);
    assert!(timed.len() >= reference.len() * 9 / 10, "{} words timed", timed.len());
    for pair in timed.windows(2) {
        assert!(pair[0].0 <= pair[1].0 && pair[0].1 <= pair[1].1, "word timings go back: {pair:?}");
    }
    assert!(timed.iter().all(|(start, end, _)| 0.0 <= *start && start <= end && *end <= duration), "{timed:?}");
    // The interviewer's question is followed by 1.2 s of silence: a gap between words shows it.
    let question_end = timed.iter().position(|(_, _, w)| w.contains("deadline")).expect("the question's last word");
    let gap = timed[question_end + 1].0 - timed[question_end].1;
    assert!(gap >= 0.6, "the pause after the question is {gap:.2} s");
    assert!(transcript["segments"][0]["avg_logprob"].as_f64().unwrap() < 0.0);
    assert_eq!(transcript["engine"], "Whisper tiny.en (local)");
}

#[actix_web::test]
async fn a_recording_longer_than_two_windows_loses_no_words_at_the_30_second_cuts() {
    let (wav, script) = speak("long");
    let transcript = transcribe(&wav).await;
    let duration = transcript["duration_secs"].as_f64().unwrap();
    assert!(duration > 70.0, "{duration}");
    let hypothesis = words(&transcript_text(&transcript));
    let Score { wer, longest_deletion: dropped } = score(&script, &transcript_text(&transcript));
    assert!(wer <= 0.22, "word error rate {wer:.3}: {hypothesis:?}");
    // Misheard words cost a substitution and at most one neighbour here; a
    // window cut through a word would drop it and its neighbours.
    assert!(dropped <= 2, "{dropped} reference words in a row are missing: {hypothesis:?}");
    // Speech near both cuts is there, in order, with timings inside the audio.
    let timed = timed_words(&transcript);
    for cut in [30.0, 60.0] {
        assert!(timed.iter().any(|(s, e, _)| *s < cut + 2.0 && *e > cut - 2.0), "no words around {cut} s");
    }
    assert!(timed.windows(2).all(|p| p[0].0 <= p[1].0), "word timings go back");
    assert!(timed.last().unwrap().1 <= duration);
    assert_eq!(hypothesis.last().map(String::as_str), Some("conversation"), "the last words are there");
}

#[actix_web::test]
async fn greedy_decoding_as_spoken_answers_use_transcribes_a_long_recording_whole_with_its_word_timings() {
    let (wav, script) = speak("long");
    let transcript = transcribe_with(&wav, &["--beam", "1"]).await;
    let duration = transcript["duration_secs"].as_f64().unwrap();
    let hypothesis = words(&transcript_text(&transcript));
    let Score { wer, longest_deletion: dropped } = score(&script, &transcript_text(&transcript));
    assert!(wer <= 0.22, "word error rate {wer:.3}: {hypothesis:?}");
    assert!(dropped <= 2, "{dropped} reference words in a row are missing: {hypothesis:?}");
    let timed = timed_words(&transcript);
    assert!(timed.len() >= words(&script).len() * 9 / 10, "{} words timed", timed.len());
    assert!(timed.windows(2).all(|p| p[0].0 <= p[1].0 && p[0].1 <= p[1].1), "word timings go back");
    assert!(timed.iter().all(|(start, end, _)| 0.0 <= *start && start <= end && *end <= duration), "{timed:?}");
    assert_eq!(hypothesis.last().map(String::as_str), Some("conversation"), "the last words are there");
}

#[actix_web::test]
async fn paraphrased_questions_embed_closer_than_unrelated_ones() {
    let models = fixtures().await;
    let embedder = LocalEmbedder::load(&models.join("all-minilm-l6-v2"), "all-MiniLM-L6-v2").unwrap();
    let texts = [
        "Tell me about a time you led a project under a tight deadline.",
        "Describe a situation where you managed a project with very little time.",
        "What is your favourite programming language and why?",
        "Why do you want to work for our company?",
        "What attracts you to this organisation?",
    ];
    let vectors = embedder.embed_batch(&texts).unwrap();
    assert_eq!(vectors.len(), 5);
    for v in &vectors {
        assert_eq!(v.len(), 384);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "normalised: {norm}");
    }
    let sim = |a: usize, b: usize| cosine(&vectors[a], &vectors[b]);
    assert!(sim(0, 1) > sim(0, 2) + 0.2, "deadline paraphrase {} vs unrelated {}", sim(0, 1), sim(0, 2));
    assert!(sim(3, 4) > sim(3, 0) + 0.2, "motivation paraphrase {} vs unrelated {}", sim(3, 4), sim(3, 0));
    // A batch gives the same vectors as one at a time.
    let single = embedder.embed_batch(&texts[2..3]).unwrap();
    assert!(cosine(&single[0], &vectors[2]) > 0.9999);
}

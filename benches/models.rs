//! Offline models beside their reference engines, in one run, on the same
//! model files and the same audio:
//! - speech: Whisper base in Debrief (candle) and in faster-whisper
//!   (CTranslate2 int8), each at beam 5 and greedy: real-time factor (audio seconds
//!   per second of transcription), word error rate against the script the
//!   audio was spoken from, peak RSS;
//! - chat: Qwen2.5-0.5B (Q8_0 GGUF) in Debrief (candle) and in llama.cpp
//!   (llama-cpp-python): prompt and generation tokens per second, peak RSS;
//!   and in Debrief, the prompt tokens a follow-up runs with the KV cache kept.
//!
//! Run: `cargo bench --bench models`. It fetches the weights (`models.dir`
//! or `BENCH_MODELS_DIR`), speaks the test scripts with espeak-ng
//! (`scripts/install-audio-deps.sh`), and installs the reference engines
//! into a virtualenv under the target folder (pip; llama-cpp-python builds
//! llama.cpp from source the first time, several minutes). Environment:
//! `BENCH_CHAT_MODEL` (`qwen2.5-0.5b`), `BENCH_STT_MODEL` (`whisper-base`),
//! `BENCH_RUNS` (3), `BENCH_MAX_TOKENS` (128), `BENCH_SKIP_REFERENCE=1`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use actors::chat_ports::{Turn, TurnRole};
use debrief::config::Settings;
use debrief::models::{catalog, fetch, status::FetchStatus};
use serde_json::Value;

const FASTER_WHISPER: &str = "faster-whisper==1.2.1";
const LLAMA_CPP: &str = "llama-cpp-python==0.3.16";
/// Test scripts and how many times each is spoken over (the last one: about
/// ten minutes, to show memory stays bounded however long the recording).
const SCRIPTS: [(&str, u32); 3] = [("interview", 1), ("long", 1), ("long", 8)];

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn kib_line(status: &str, key: &str) -> Option<f64> {
    status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|s| kib_line(&s, "VmHWM:")).map_or(0.0, |k| k / 1024.0)
}

/// Runs `command`, sampling its peak RSS until it exits; returns stdout, stderr, peak MiB.
fn run_measured(mut command: Command) -> (String, String, f64) {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0.0f64;
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    loop {
        if let Some(kib) = std::fs::read_to_string(&status_path).ok().and_then(|s| kib_line(&s, "VmHWM:")) {
            peak = peak.max(kib / 1024.0);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    assert!(child.wait().unwrap().success(), "{command:?} failed: {stderr}");
    (stdout, stderr, peak)
}

fn wer(reference: &str, hypothesis: &str) -> f64 {
    debrief::stt::wer::score(reference, hypothesis).wer
}

/// How one figure of a run is printed.
type Show = dyn Fn(&Reference) -> String;

/// One transcription run of either engine.
struct Reference {
    beam: u32,
    rtf: f64,
    wer: f64,
    peak_mib: f64,
}

/// The virtualenv with the reference engines (created once, kept under the target folder).
fn reference_python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        assert!(Command::new("python3").args(["-m", "venv"]).arg(&venv).status().unwrap().success());
    }
    for (module, package) in [("faster_whisper", FASTER_WHISPER), ("llama_cpp", LLAMA_CPP)] {
        let present = Command::new(&python).args(["-c", &format!("import {module}")]).stderr(Stdio::null()).status().unwrap().success();
        if !present {
            println!("# installing {package} (llama-cpp-python compiles llama.cpp: minutes)");
            let status = Command::new(&python).args(["-m", "pip", "install", "-q", package]).status().unwrap();
            assert!(status.success(), "pip install {package} failed");
        }
    }
    python
}

fn speak(script: &str, times: u32) -> (PathBuf, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audio");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-audio");
    std::fs::create_dir_all(&out).unwrap();
    let wav = out.join(format!("{script}-x{times}.wav"));
    if !wav.exists() {
        let status = Command::new("python3")
            .arg(root.join("make_audio.py"))
            .arg(root.join(format!("{script}.json")))
            .arg(&wav)
            .arg(times.to_string())
            .status()
            .unwrap();
        assert!(status.success(), "making audio needs espeak-ng and sox (scripts/install-audio-deps.sh)");
    }
    (wav.clone(), std::fs::read_to_string(wav.with_extension("txt")).unwrap())
}

fn ensure(settings: &Settings, dir: &Path, id: &str) -> &'static catalog::ModelSpec {
    let spec = catalog::find(id).expect("a known model");
    let fetched = fetch::ensure(dir, &settings.models.python, spec, &FetchStatus::default());
    println!("# {}", fetch::describe(&fetched, spec));
    fetched.unwrap();
    spec
}

fn main() {
    let settings = Settings::defaults().unwrap();
    let dir = std::env::var("BENCH_MODELS_DIR").map_or_else(|_| settings.models.dir.clone(), PathBuf::from);
    let runs: usize = env_or("BENCH_RUNS", "3").parse().unwrap();
    let max_tokens: usize = env_or("BENCH_MAX_TOKENS", "128").parse().unwrap();
    let skip_reference = std::env::var("BENCH_SKIP_REFERENCE").is_ok_and(|v| v == "1");
    let stt = ensure(&settings, &dir, &env_or("BENCH_STT_MODEL", "whisper-base"));
    let chat = ensure(&settings, &dir, &env_or("BENCH_CHAT_MODEL", "qwen2.5-0.5b"));
    let python = (!skip_reference).then(reference_python);

    println!("figure | debrief (candle) | reference");
    for (script, times) in SCRIPTS {
        let (wav, reference) = speak(script, times);
        let script = if times == 1 { script.to_owned() } else { format!("{script} ×{times}") };
        let mut ours = Vec::new();
        let mut audio = 0.0;
        for beam in [5u32, 1] {
            let mut command = Command::new(env!("CARGO_BIN_EXE_debrief"));
            command.args(["transcribe", "--json", "--timing", "--beam", &beam.to_string(), "--model", stt.id]);
            command.arg(&wav).env("DEBRIEF_MODELS__DIR", &dir).env("RUST_LOG", "warn");
            let (stdout, stderr, peak) = run_measured(command);
            let transcript: Value = serde_json::from_str(&stdout).unwrap();
            let text: Vec<&str> = transcript["segments"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
            let rtf: f64 = stderr.rsplit("real-time factor ").next().and_then(|t| t.trim().trim_end_matches(')').parse().ok()).unwrap();
            audio = transcript["duration_secs"].as_f64().unwrap();
            ours.push(Reference { beam, rtf, wer: wer(&reference, &text.join(" ")), peak_mib: peak });
        }
        let mut theirs = Vec::new();
        if let Some(python) = &python {
            for beam in [5u32, 1] {
                let mut command = Command::new(python);
                command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/reference/faster_whisper_run.py"));
                command.arg(fetch::model_dir(&dir, stt)).arg(&wav).arg(beam.to_string());
                let (stdout, _, peak) = run_measured(command);
                let result: Value = serde_json::from_str(&stdout).unwrap();
                let rtf = result["audio_secs"].as_f64().unwrap() / result["elapsed_secs"].as_f64().unwrap();
                theirs.push(Reference { beam, rtf, wer: wer(&reference, result["text"].as_str().unwrap()), peak_mib: peak });
            }
        }
        let cell = |runs: &[Reference], f: &Show| {
            runs.iter().map(|t| format!("{} (beam {})", f(t), t.beam)).collect::<Vec<_>>().join(", ")
        };
        let rows: [(&str, &Show); 3] = [
            ("real-time factor", &|t| format!("{:.2}", t.rtf)),
            ("word error rate", &|t| format!("{:.1} %", t.wer * 100.0)),
            ("peak RSS MiB", &|t| format!("{:.0}", t.peak_mib)),
        ];
        for (figure, show) in rows {
            println!("{} {figure}, {script} ({audio:.0} s) | {} | {}", stt.id, cell(&ours, show), cell(&theirs, show));
        }
    }

    let persona = settings.chat.persona().unwrap();
    let context = vec![
        Turn { role: TurnRole::System, content: persona.system_prompt },
        Turn { role: TurnRole::Assistant, content: persona.introduction },
        Turn {
            role: TurnRole::User,
            content: String::from(
                "I lead the platform team at a logistics company. Last quarter we moved our deployments \
                 from hand-run scripts to a pipeline, and release failures dropped by half.",
            ),
        },
    ];
    let gguf = fetch::file_path(&dir, chat, None);
    let reference_chat = python.as_ref().map(|python| {
        let prompt = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-prompt.json");
        let turns: Vec<Value> = context
            .iter()
            .map(|t| {
                let role = match t.role {
                    TurnRole::System => "system",
                    TurnRole::Assistant => "assistant",
                    TurnRole::User => "user",
                };
                serde_json::json!({"role": role, "content": t.content})
            })
            .collect();
        std::fs::write(&prompt, serde_json::to_string(&turns).unwrap()).unwrap();
        let mut command = Command::new(python);
        command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/reference/llama_cpp_run.py"));
        command.arg(&gguf).arg(&prompt).arg(max_tokens.to_string()).arg(runs.to_string());
        let (stdout, _, peak) = run_measured(command);
        let result: Value = serde_json::from_str(&stdout).unwrap();
        (result, peak)
    });
    // Ours last and in this process: its peak RSS is the chat model's alone.
    let (mut prompt_rate, mut generation_rate) = (0.0f64, 0.0f64);
    for _ in 0..runs {
        let timing = debrief::llm::local::time_generation(&gguf, &context, max_tokens, settings.models.sampling()).unwrap();
        prompt_rate = prompt_rate.max(timing.prompt_tokens as f64 / timing.first_token.as_secs_f64());
        generation_rate =
            generation_rate.max(timing.generated_tokens.saturating_sub(1) as f64 / timing.generation.as_secs_f64().max(1e-9));
    }
    let cell = |key: &str, digits: usize| {
        reference_chat.as_ref().map_or_else(|| String::from("-"), |(r, _)| format!("{:.*}", digits, r[key].as_f64().unwrap_or(0.0)))
    };
    println!("{} prompt tokens/s | {prompt_rate:.1} | {} (llama.cpp)", chat.id, cell("prompt_tokens_per_s", 1));
    println!("{} generation tokens/s | {generation_rate:.1} | {} (llama.cpp)", chat.id, cell("generation_tokens_per_s", 1));
    let their_peak = reference_chat.as_ref().map_or_else(|| String::from("-"), |(_, peak)| format!("{peak:.0}"));
    println!("{} peak RSS MiB | {:.0} | {their_peak} (llama.cpp)", chat.id, peak_rss_mib());
    // A follow-up on the same KV cache: only the tokens it adds run.
    let [first, second] = debrief::llm::local::time_follow_up(
        &gguf,
        &context,
        "We also cut the time from merge to production from a day to under an hour.",
        max_tokens,
        settings.models.sampling(),
    )
    .unwrap();
    for (turn, timing) in [("first", first), ("second", second)] {
        println!(
            "{} prompt tokens processed, {turn} turn | {} of {} ({:.2} s to the first token) | -",
            chat.id,
            timing.processed_tokens,
            timing.prompt_tokens,
            timing.first_token.as_secs_f64()
        );
    }
}

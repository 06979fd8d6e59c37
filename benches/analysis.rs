//! Analysis benchmark: how long the deterministic analytics take on a long
//! transcript (a synthetic one-hour interview, ~8 800 words in ~950 segments),
//! and the transcript downloads rendered from it.
//!
//! Run: `cargo bench --bench analysis`. `BENCH_MINUTES` (default 60) sets the
//! length, `BENCH_RUNS` (default 20) the repetitions. The offline
//! transcription's real-time factor is in `cargo bench --bench models`.
//! Prints one line per figure; nothing here asserts a speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use debrief::analysis::synthetic::synthetic_transcript;
use debrief::analysis::{Context, analyse};
use debrief::transcript_formats::{Format, render};

fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let minutes = env_u32("BENCH_MINUTES", 60);
    let runs = env_u32("BENCH_RUNS", 20).max(1);
    let transcript = synthetic_transcript(minutes);
    let words = transcript.words().count();
    let context = Context::default();
    let mut times = Vec::new();
    let mut analysis = None;
    for _ in 0..runs {
        let started = Instant::now();
        analysis = Some(analyse(&transcript, &context));
        times.push(started.elapsed());
    }
    times.sort();
    let analysis = analysis.unwrap();
    println!(
        "analysis of a {minutes}-minute transcript ({words} words, {} segments): median {:.2} ms, best {:.2} ms, first {:.2} ms over {runs} runs",
        transcript.segments.len(),
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(*times.last().unwrap()),
    );
    println!(
        "  found {} questions, {} fillers, score {}",
        analysis.structure.questions.len(),
        analysis.speech.fillers.total,
        analysis.score.overall
    );
    let json = serde_json::to_string(&analysis).unwrap();
    println!("  analysis JSON {} KiB", json.len() / 1024);
    for format in [Format::Txt, Format::Srt, Format::Vtt] {
        let started = Instant::now();
        let text = render(&transcript, format);
        println!("  {} download: {:.2} ms, {} KiB", format.extension(), ms(started.elapsed()), text.len() / 1024);
    }
    let started = Instant::now();
    let body = serde_json::to_string(&transcript).unwrap();
    println!("  json download: {:.2} ms, {} KiB", ms(started.elapsed()), body.len() / 1024);
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

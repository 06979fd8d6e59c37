//! Analysis benchmark: how long the deterministic analytics take on a long
//! transcript (a synthetic one-hour interview, ~8 800 words in ~950 segments),
//! the transcript downloads rendered from it, and the practice work done per
//! request: measuring a typed answer, offline question generation, coaching
//! feedback, and matching 30 practised questions to 30 asked ones.
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

/// Median of `runs` calls of `work`, in milliseconds.
fn median_ms(runs: u32, mut work: impl FnMut()) -> f64 {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .collect();
    times.sort();
    ms(times[times.len() / 2])
}

fn practice(runs: u32) {
    use debrief::practice::{bank, coach, compare, measure};
    use protocol::interview::InterviewType;
    let answer = "Last year our checkout kept failing during peak sales, and my goal was to make it reliable \
        before Black Friday. I built load tests that replayed real traffic, I led the rollout of a write queue \
        in front of the database, and I coached two junior engineers through on-call. As a result, errors \
        fell by 80 percent and we handled three times the traffic without an outage. ".repeat(2);
    let words = answer.split_whitespace().count();
    let question = "Tell me about a time you made a service more reliable.";
    println!("practice ({runs} runs each, median):");
    println!("  measure a {words}-word typed answer: {:.3} ms", median_ms(runs, || drop(measure::measure(question, &answer, InterviewType::Behavioral, None))));
    let metrics = measure::measure(question, &answer, InterviewType::Behavioral, None);
    let description = "We run Rust services on Kubernetes with PostgreSQL and Kafka; you will mentor engineers.";
    println!(
        "  generate 30 offline questions: {:.3} ms",
        median_ms(runs, || drop(bank::generate("Senior Software Engineer", Some("Acme"), InterviewType::Technical, Some(description), 30)))
    );
    let questions: Vec<String> = bank::generate("Product Manager", None, InterviewType::Panel, None, 30).into_iter().map(|q| q.text).collect();
    let asked: Vec<String> = bank::generate("Product Manager", None, InterviewType::Behavioral, None, 30).into_iter().map(|q| q.text).collect();
    println!(
        "  match 30 practised with 30 asked questions by shared words: {:.3} ms",
        median_ms(runs, || drop(compare::lexical_matrix(&questions, &asked)))
    );
    let question = protocol::practice::PracticeQuestion {
        id: "q".into(),
        order: 1,
        text: questions[1].clone(),
        category: "behavioral".into(),
        source: "bank".into(),
        skill: None,
    };
    println!("  coaching feedback (rules) and its text: {:.3} ms", median_ms(runs, || drop(coach::render(&coach::answer_feedback(&question, &metrics)))));
}

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
    practice(runs);
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

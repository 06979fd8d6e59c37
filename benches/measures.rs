//! The coach's judgements measured against a labelled set: STAR parts
//! (per-part precision, recall, F1), relevance of each answer to its question
//! (Spearman's rank correlation with the 1–5 labels) and filler counts (share
//! within ±5 %, mean absolute error), on the sets in `benches/measures/`:
//! `answers_a.json` and `answers_b.json` (120 answers, read while the
//! detectors were developed: their figures flatter them) and `answers_c.json`
//! (45 answers written separately and only ever scored: the honest figure).
//! `GUIDE.md` there says how every label was made.
//!
//! Pauses need audio: with `BENCH_PAUSES=1` (espeak-ng, sox and the
//! `whisper-tiny.en` model in `target/tmp/models`, as the e2e suite leaves
//! them), every spoken answer of the held-out set is spoken sentence by
//! sentence with known silences between (0.3–1.2 s; espeak-ng's own silence
//! around each sentence trimmed and commas dropped, so the labelled pause
//! count is exact), transcribed by local Whisper and analysed with and without
//! the audio's quiet stretches; the pause counts are compared (aim: within ±1).
//!
//! With `BENCH_EMBED=1` (the `all-minilm-l6-v2` model in `target/tmp/models`)
//! it also ranks relevance by sentence-embedding similarity, the alternative
//! the rules were chosen over.
//!
//! Run: `cargo bench --bench measures` (`BENCH_SHOW=1` also lists every
//! disagreement on the development sets).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg_attr(test, allow(dead_code))]
#[path = "measures/eval.rs"]
mod eval;

use std::path::PathBuf;

use debrief::analysis::fit::fit;
use debrief::analysis::{Context, analyse_text, star_of};
use eval::{Item, PARTS};

fn main() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/measures");
    let dev: Vec<Item> = ["answers_a.json", "answers_b.json"].iter().flat_map(|f| eval::load(&folder.join(f))).collect();
    let held_out = eval::load(&folder.join("answers_c.json"));
    let show = std::env::var_os("BENCH_SHOW").is_some();
    println!("| set | answers | part | precision | recall | F1 |");
    println!("|---|---|---|---|---|---|");
    for (name, items) in [("development (a+b)", &dev), ("held out (c)", &held_out)] {
        let counts = eval::star_counts(items, |item| star_of(&item.answer));
        for (part, c) in PARTS.iter().zip(counts) {
            println!("| {name} | {} | {part:?} | {:.2} | {:.2} | {:.2} |", items.len(), c.precision(), c.recall(), c.f1());
        }
    }
    println!();
    println!("| set | answers | relevance: Spearman with the labels | exact | within 1 |");
    println!("|---|---|---|---|---|");
    for (name, items) in [("development (a+b)", &dev), ("held out (c)", &held_out)] {
        let found: Vec<f64> = items.iter().map(|i| f64::from(fit(&i.question, &i.answer, &star_of(&i.answer)).score)).collect();
        let labels: Vec<f64> = items.iter().map(|i| f64::from(i.relevance)).collect();
        let exact = found.iter().zip(&labels).filter(|(f, l)| f == l).count();
        let near = found.iter().zip(&labels).filter(|(f, l)| (*f - *l).abs() <= 1.0).count();
        println!("| {name} | {} | {:.2} | {exact} | {near} |", items.len(), eval::spearman(&found, &labels));
    }
    println!();
    println!("| set | spoken answers | fillers within ±5 % | mean abs error | labelled total | found total |");
    println!("|---|---|---|---|---|---|");
    for (name, items) in [("development (a+b)", &dev), ("held out (c)", &held_out)] {
        let f = eval::filler_errors(items, |item| analyse_text(&item.answer, &Context::default()).speech.fillers.total as u32);
        println!("| {name} | {} | {} ({:.0} %) | {:.2} | {} | {} |", f.items, f.within_5_percent,
            100.0 * f.within_5_percent as f64 / f.items.max(1) as f64, f.mean_abs_error, f.labelled_total, f.found_total);
    }
    if show {
        disagreements(&dev);
    }
    if std::env::var_os("BENCH_PAUSES").is_some() {
        pauses(&held_out);
    }
    if std::env::var_os("BENCH_EMBED").is_some() {
        embedding_alternative(&[("development (a+b)", &dev), ("held out (c)", &held_out)]);
    }

}

/// Every item of `items` where the detectors and the labels disagree.
fn disagreements(items: &[Item]) {
    for item in items {
        let star = star_of(&item.answer);
        let matched = eval::star_match(item, &star);
        let wrong: Vec<String> = PARTS
            .iter()
            .zip(matched)
            .filter(|(_, (labelled, detected, hit))| !(*hit || (!labelled && !detected)))
            .map(|(part, (labelled, detected, _))| format!("{part:?} labelled={labelled} detected={detected}"))
            .collect();
        let fillers = analyse_text(&item.answer, &Context::default()).speech.fillers;
        let filler_wrong = item.fillers.is_some_and(|label| label as usize != fillers.total);
        let fit = fit(&item.question, &item.answer, &star);
        let fit_wrong = fit.score.abs_diff(item.relevance) > 1;
        if wrong.is_empty() && !filler_wrong && !fit_wrong {
            continue;
        }
        if fit_wrong {
            println!("\n== {} relevance labelled {} found {} {:?} | {}", item.id, item.relevance, fit.score, fit.reasons, item.question);
        }
        println!("\n== {} ({}) {}", item.id, item.styles.join(","), wrong.join("; "));
        println!("   {}", item.answer);
        for cue in &star.cues {
            println!("   -> {:?} [{}] {}", cue.part, cue.phrase, cue.quote);
        }
        for part in PARTS {
            let spans = match part {
                protocol::analysis::StarPart::Situation => &item.star.situation,
                protocol::analysis::StarPart::Task => &item.star.task,
                protocol::analysis::StarPart::Action => &item.star.action,
                protocol::analysis::StarPart::Result => &item.star.result,
            };
            for span in spans {
                println!("   == {part:?}: {span}");
            }
        }
        if filler_wrong {
            let terms: Vec<String> = fillers.items.iter().map(|f| format!("{}×{}", f.term, f.count)).collect();
            println!("   fillers: labelled {:?}, found {} ({})", item.fillers, fillers.total, terms.join(", "));
        }
    }
}

/// Silences between an answer's sentences, in turn (seconds): half of them pauses.
const GAPS: [f64; 6] = [0.3, 0.9, 0.5, 1.2, 0.4, 0.7];

/// Pause counts on spoken audio with known silences, with and without the
/// audio's quiet stretches.
fn pauses(items: &[Item]) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let models = root.join("target/tmp/models");
    let work = std::env::temp_dir().join("debrief-measures-pauses");
    std::fs::create_dir_all(&work).unwrap();
    println!();
    println!("| answer | pauses labelled | from word timings | with the audio's silences |");
    println!("|---|---|---|---|");
    let (mut within_words, mut within_audio, mut n) = (0, 0, 0);
    for item in items.iter().filter(|i| i.styles.iter().any(|s| s == "spoken")) {
        let sentences: Vec<&str> = item.answer.split_inclusive(['.', '?', '!']).map(str::trim).filter(|s| !s.is_empty()).collect();
        // Run-on answers have no stops: cut them every 14 words instead.
        let words: Vec<&str> = item.answer.split_whitespace().collect();
        let chunks: Vec<String> = if sentences.len() > 1 {
            sentences.iter().map(|s| (*s).to_owned()).collect()
        } else {
            words.chunks(14).map(|c| c.join(" ")).collect()
        };
        // No commas inside a chunk: espeak-ng would pause at them, unlabelled.
        let chunks: Vec<String> = chunks.iter().map(|c| c.replace([',', ';', ':', '—', '–'], "")).collect();
        let mut turns = vec![serde_json::json!({"speaker": "interviewer", "text": item.question, "pause_after": 1.2})];
        let mut labelled = 0;
        for (k, chunk) in chunks.iter().enumerate() {
            let last = k + 1 == chunks.len();
            let gap = if last { 0.5 } else { GAPS[k % GAPS.len()] };
            labelled += usize::from(!last && gap >= 0.6);
            turns.push(serde_json::json!({"speaker": "candidate", "text": chunk, "pause_after": gap}));
        }
        let script = work.join(format!("{}.json", item.id));
        let wav = work.join(format!("{}.wav", item.id));
        std::fs::write(&script, serde_json::json!({"turns": turns, "trim": true}).to_string()).unwrap();
        let made = std::process::Command::new("python3").arg(root.join("tests/audio/make_audio.py")).arg(&script).arg(&wav).status().unwrap();
        assert!(made.success(), "espeak-ng and sox are needed (scripts/install-audio-deps.sh)");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
            .args(["transcribe", "--model", "whisper-tiny.en", "--json"])
            .arg(&wav)
            .env("DEBRIEF_MODELS__DIR", &models)
            .env("DEBRIEF_MODELS__FETCH_ON_START", "false")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let transcript: protocol::transcript::Transcript = serde_json::from_slice(&output.stdout).unwrap();
        let mut pcm = debrief::audio::WavPcm::open(&wav).unwrap().unwrap();
        let silences = debrief::silence::silences(&mut pcm, debrief::analysis::pace::PAUSE_SECS).unwrap();
        let count = |silences: Vec<(f64, f64)>| {
            let context = Context { silences, ..Context::default() };
            debrief::analysis::analyse(&transcript, &context).speech.pauses.count
        };
        let (from_words, from_audio) = (count(Vec::new()), count(silences));
        within_words += usize::from(from_words.abs_diff(labelled) <= 1);
        within_audio += usize::from(from_audio.abs_diff(labelled) <= 1);
        n += 1;
        println!("| {} | {labelled} | {from_words} | {from_audio} |", item.id);
    }
    println!("| within ±1 | | {within_words} of {n} | {within_audio} of {n} |");
}

/// The sentence-embedding alternative for relevance, measured beside the
/// rules: all-MiniLM-L6-v2's cosine between the question and the whole answer,
/// and the best of its 20-word stretches, ranked against the labels alone and
/// added to the rules' score.
fn embedding_alternative(sets: &[(&str, &Vec<Item>)]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tmp/models/all-minilm-l6-v2");
    let embedder = debrief::embed::LocalEmbedder::load(&dir, "all-minilm-l6-v2").expect("the e2e suite leaves all-minilm-l6-v2 in target/tmp/models");
    println!();
    println!("| set | rules | cosine, whole answer | cosine, best stretch | rules + 2 × whole | rules + 2 × best |");
    println!("|---|---|---|---|---|---|");
    for (name, items) in sets {
        let (mut rules, mut whole, mut best) = (Vec::new(), Vec::new(), Vec::new());
        for item in items.iter() {
            let words: Vec<&str> = item.answer.split_whitespace().collect();
            let stretches: Vec<String> = words.chunks(20).map(|c| c.join(" ")).collect();
            let mut texts = vec![item.question.as_str(), item.answer.as_str()];
            texts.extend(stretches.iter().map(String::as_str));
            let v = embedder.embed_batch(&texts).unwrap();
            let cos = |k: usize| f64::from(debrief::embed::cosine(&v[0], &v[k]));
            rules.push(f64::from(fit(&item.question, &item.answer, &star_of(&item.answer)).score));
            whole.push(cos(1));
            best.push((2..v.len()).map(cos).fold(f64::MIN, f64::max));
        }
        let labels: Vec<f64> = items.iter().map(|i| f64::from(i.relevance)).collect();
        let plus = |extra: &[f64]| rules.iter().zip(extra).map(|(r, e)| r + 2.0 * e).collect::<Vec<f64>>();
        let rho = |found: &[f64]| eval::spearman(found, &labels);
        println!("| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |", rho(&rules), rho(&whole), rho(&best), rho(&plus(&whole)), rho(&plus(&best)));
    }
}

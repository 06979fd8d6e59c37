//! The coach's judgements measured against a labelled set: STAR parts
//! (per-part precision, recall, F1), relevance of each answer to its question
//! (Spearman's rank correlation with the 1–5 labels) and filler counts (share
//! within ±5 %, mean absolute error), on the sets in `benches/measures/`:
//! `answers_a.json` and `answers_b.json` (120 answers, read while the
//! detectors were developed: their figures flatter them) and `answers_c.json`
//! (45 answers written separately and only ever scored: the honest figure).
//! `GUIDE.md` there says how every label was made.
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
        let found: Vec<f64> = items.iter().map(|i| f64::from(fit(&i.question, &i.answer).score)).collect();
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
        let fit = fit(&item.question, &item.answer);
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

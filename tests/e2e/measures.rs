//! The coach's judgements against labelled answers: a fixed subset of the
//! bench's development set (`benches/measures/`, every sixth answer), with
//! floors below the bench's aims, so a real regression fails here while
//! noise does not. The whole set, and the held-out part, are measured by
//! `cargo bench --bench measures`.

use std::path::PathBuf;
use std::sync::Arc;

use debrief::analysis::star_reader::{ClauseEmbedder, StarReader};
use debrief::analysis::{Context, analyse_text, star_of, star_read};
use debrief::embed::LocalEmbedder;

use crate::measures_eval::{self as eval, Item, PARTS};

/// Every sixth answer of the development set: 20 answers, chosen by position, not by result.
fn subset() -> Vec<Item> {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/measures");
    let all: Vec<Item> = ["answers_a.json", "answers_b.json"].iter().flat_map(|f| eval::load(&folder.join(f))).collect();
    all.into_iter().step_by(6).collect()
}

#[test]
fn star_parts_are_found_where_the_labels_put_them() {
    let items = subset();
    assert_eq!(items.len(), 20);
    let counts = eval::star_counts(&items, |item| star_of(&item.answer));
    for (part, c) in PARTS.iter().zip(counts) {
        assert!(c.f1() >= 0.75, "{part:?}: precision {:.2}, recall {:.2}, F1 {:.2}", c.precision(), c.recall(), c.f1());
    }
}

/// The learned reader as recordings use it (the local embedding model and
/// the weights this build ships) on the same subset. The subset is part of
/// what the weights were fitted on, so this guards the wiring, not the
/// quality (the bench's held-out figures do that): weights out of step with
/// the features read noise and fail here.
#[actix_web::test]
async fn the_learned_reader_finds_star_parts_where_the_labels_put_them() {
    let models = crate::models::fixtures().await;
    let embedder = LocalEmbedder::load(&models.join("all-minilm-l6-v2"), "all-minilm-l6-v2").unwrap();
    let reader = StarReader::new(Arc::new(embedder) as Arc<dyn ClauseEmbedder>).expect("src/analysis/star_reader.json holds this build's weights");
    let items = subset();
    let counts = eval::star_counts(&items, |item| star_read(&item.answer, Some(&reader)));
    for (part, c) in PARTS.iter().zip(counts) {
        assert!(c.f1() >= 0.8, "{part:?}: precision {:.2}, recall {:.2}, F1 {:.2}", c.precision(), c.recall(), c.f1());
    }
}

#[test]
fn filler_counts_stay_close_to_the_labels() {
    let items = subset();
    let errors = eval::filler_errors(&items, |item| analyse_text(&item.answer, &Context::default()).speech.fillers.total as u32);
    assert!(errors.items >= 5, "{errors:?}");
    assert!(errors.mean_abs_error <= 1.5, "{errors:?}");
    let total_error = f64::from(errors.found_total.abs_diff(errors.labelled_total)) / f64::from(errors.labelled_total);
    assert!(total_error <= 0.15, "{errors:?}");
}

#[test]
fn rank_correlation_is_one_for_the_same_order_and_minus_one_reversed() {
    assert!((eval::spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 35.0]) - 1.0).abs() < 1e-9);
    assert!((eval::spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-9);
    assert!(eval::spearman(&[1.0, 1.0, 2.0, 2.0], &[1.0, 2.0, 1.0, 2.0]).abs() < 1e-9);
}

#[test]
fn a_labelled_span_is_found_by_its_words_whatever_the_punctuation() {
    let answer = eval::words("Last spring, I pushed a migration. It broke.");
    assert_eq!(eval::locate(&answer, "I pushed a migration"), Some(2..6));
    assert_eq!(eval::locate(&answer, "nothing like this"), None);
}

/// Rank correlation over 20 answers is mostly noise, so this one reads the
/// whole development set (120 answers, rules only: milliseconds). The aim is
/// 0.7; the rules reach about 0.5 there and 0.3 on the held-out set (see the
/// bench), so the floor guards against regressions only.
#[test]
fn relevance_to_the_question_ranks_answers_as_the_labels_do() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/measures");
    let items: Vec<Item> = ["answers_a.json", "answers_b.json"].iter().flat_map(|f| eval::load(&folder.join(f))).collect();
    let found: Vec<f64> = items.iter().map(|i| f64::from(debrief::analysis::fit::fit(&i.question, &i.answer, &star_of(&i.answer)).score)).collect();
    let labels: Vec<f64> = items.iter().map(|i| f64::from(i.relevance)).collect();
    let rho = eval::spearman(&found, &labels);
    assert!(rho >= 0.4, "Spearman {rho:.2}");
}

//! Scores the answer measures against the labelled set in this folder
//! (`GUIDE.md`): STAR parts by precision, recall and F1, relevance by rank
//! correlation, filler counts by their error. Shared by the bench
//! (`benches/measures.rs`, the whole set) and the e2e suite (a fixed subset
//! with floors below the bench's aims).

use std::ops::Range;
use std::path::Path;

use debrief::analysis::synthetic::transcript_from_text;
use debrief::analysis::tokens::from_transcript;
use protocol::analysis::{Star, StarPart};
use serde::Deserialize;

/// One labelled answer (see `GUIDE.md`). Not every user reads every field.
#[derive(Debug, Clone, Deserialize)]
#[allow(dead_code)]
pub struct Item {
    pub id: String,
    #[serde(default)]
    pub role: String,
    pub question: String,
    #[serde(default)]
    pub styles: Vec<String>,
    pub answer: String,
    pub star: Labels,
    pub relevance: u8,
    pub fillers: Option<u32>,
}

/// The labelled spans of each STAR part.
#[derive(Debug, Clone, Deserialize)]
pub struct Labels {
    pub situation: Vec<String>,
    pub task: Vec<String>,
    pub action: Vec<String>,
    pub result: Vec<String>,
}

impl Labels {
    fn of(&self, part: StarPart) -> &[String] {
        match part {
            StarPart::Situation => &self.situation,
            StarPart::Task => &self.task,
            StarPart::Action => &self.action,
            StarPart::Result => &self.result,
        }
    }
}

pub const PARTS: [StarPart; 4] = [StarPart::Situation, StarPart::Task, StarPart::Action, StarPart::Result];

/// The items of one file of the set.
pub fn load(path: &Path) -> Vec<Item> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// True and false positives and negatives of one part.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 { 1.0 } else { f64::from(a) / f64::from(b) }
}

/// Lower-case words as the analysis tokenises them.
pub fn words(text: &str) -> Vec<String> {
    from_transcript(&transcript_from_text(text)).into_iter().map(|t| t.norm).collect()
}

/// Where `span`'s words sit in `answer`'s words.
pub fn locate(answer: &[String], span: &str) -> Option<Range<usize>> {
    let needle = words(span);
    if needle.is_empty() {
        return None;
    }
    answer.windows(needle.len()).position(|w| w == needle.as_slice()).map(|at| at..at + needle.len())
}

/// The detector's evidence for each part: word ranges of the answer. Cues
/// of a typed answer start at 0.4 s per word (150 wpm), so the word index is
/// recovered from `at_secs`; the range covers the cue's quote (or phrase).
pub fn evidence(star: &Star) -> Vec<(StarPart, Range<usize>)> {
    star.cues
        .iter()
        .map(|cue| {
            let first = (cue.at_secs / 0.4).round() as usize;
            let shown = if cue.quote.is_empty() { &cue.phrase } else { &cue.quote };
            (cue.part, first..first + words(shown).len().max(1))
        })
        .collect()
}

/// The word ranges of each part's labelled spans, in `PARTS` order.
pub fn spans(item: &Item, answer: &[String]) -> [Vec<Range<usize>>; 4] {
    PARTS.map(|part| item.star.of(part).iter().filter_map(|s| locate(answer, s)).collect())
}

/// How one item's STAR reading compares with its labels, per part:
/// `(labelled, detected, detected where labelled)`.
pub fn star_match(item: &Item, star: &Star) -> [(bool, bool, bool); 4] {
    let labelled = spans(item, &words(&item.answer));
    let found = evidence(star);
    [0, 1, 2, 3].map(|k| {
        let detected: Vec<&Range<usize>> = found.iter().filter(|(p, _)| *p == PARTS[k]).map(|(_, r)| r).collect();
        let hit = detected.iter().any(|d| labelled[k].iter().any(|l| d.start < l.end && l.start < d.end));
        (!item.star.of(PARTS[k]).is_empty(), !detected.is_empty(), hit)
    })
}

/// Per-part counts over `items`: a detection is a true positive when it
/// overlaps a labelled span of its part; a detection elsewhere is a false
/// positive, and a labelled part it misses (or finds elsewhere) a false negative.
pub fn star_counts(items: &[Item], read: impl Fn(&Item) -> Star) -> [Counts; 4] {
    let mut counts = [Counts::default(); 4];
    for item in items {
        for (k, (labelled, detected, hit)) in star_match(item, &read(item)).into_iter().enumerate() {
            match (labelled, detected, hit) {
                (_, true, true) => counts[k].tp += 1,
                (true, true, false) => {
                    counts[k].fp += 1;
                    counts[k].fn_ += 1;
                }
                (false, true, _) => counts[k].fp += 1,
                (true, false, _) => counts[k].fn_ += 1,
                (false, false, _) => {}
            }
        }
    }
    counts
}

/// Spearman's rank correlation (average ranks for ties).
pub fn spearman(xs: &[f64], ys: &[f64]) -> f64 {
    let (rx, ry) = (ranks(xs), ranks(ys));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    if vx == 0.0 || vy == 0.0 { 0.0 } else { cov / (vx * vy).sqrt() }
}

fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Filler counts against the labels.
#[derive(Debug, Clone, Copy, Default)]
pub struct FillerErrors {
    pub items: usize,
    /// Items whose count is within ±5 % of the label (exact below 20).
    pub within_5_percent: usize,
    pub mean_abs_error: f64,
    pub labelled_total: u32,
    pub found_total: u32,
}

pub fn filler_errors(items: &[Item], count: impl Fn(&Item) -> u32) -> FillerErrors {
    let mut errors = FillerErrors::default();
    let mut abs = 0.0;
    for item in items {
        let Some(label) = item.fillers else { continue };
        let found = count(item);
        errors.items += 1;
        errors.labelled_total += label;
        errors.found_total += found;
        let error = f64::from(found.abs_diff(label));
        abs += error;
        if error <= 0.05 * f64::from(label) {
            errors.within_5_percent += 1;
        }
    }
    errors.mean_abs_error = if errors.items == 0 { 0.0 } else { abs / errors.items as f64 };
    errors
}

//! Fits the learned STAR clause reader (`src/analysis/star_reader.rs`: one
//! logistic regression per part over a clause's all-MiniLM-L6-v2 embedding,
//! the part the rules gave it and where it sits in the answer) on the
//! development sets only: class-balanced, L2, full-batch gradient descent,
//! deterministic. A clause takes the most likely part when that is above
//! [`THRESHOLD`]; these settings were chosen by five-fold cross-validation on
//! the development sets, then scored on the held-out set once.

use debrief::analysis::star::{clauses, words_of};
use debrief::analysis::star_reader::{EMBEDDING_MODEL, Weights, features};
use debrief::analysis::tokens::Token;
use debrief::embed::LocalEmbedder;

use protocol::analysis::{Star, StarCue, StarPart};

use crate::eval::{self, Counts, Item, PARTS};

const STEPS: usize = 3000;
const RATE: f64 = 1.0;
const L2: f64 = 1.0;
pub const THRESHOLD: f64 = 0.7;

/// One clause of one answer, read.
pub struct Clause {
    /// Which answer of the items it belongs to.
    item: usize,
    /// Its words, and when its first is said (a typed answer's words are 0.4 s apart).
    text: String,
    at_secs: f64,
    features: Vec<f64>,
    /// Whether it overlaps a labelled span of each part (training target).
    overlaps: [bool; 4],
}

/// Every clause of `items`, with its features.
pub fn read(items: &[Item], embedder: &LocalEmbedder) -> Vec<Clause> {
    let mut out = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let tokens: Vec<Token> = debrief::analysis::tokens::from_text(&item.answer);
        let hits = debrief::analysis::fillers::find(&tokens, &vec![true; tokens.len()]);
        let filler = debrief::analysis::fillers::mask(&hits, tokens.len());
        let found = clauses(&tokens, &filler, 0, tokens.len());
        let spans = eval::spans(item, &eval::words(&item.answer));
        let texts: Vec<String> = found.iter().map(|c| words_of(&tokens, c)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = embedder.embed_batch(&refs).expect("embeddings");
        let count = found.len();
        for (k, ((clause, vector), text)) in found.iter().zip(vectors).zip(texts).enumerate() {
            let features = features(&vector, clause.part, k, count).into_iter().map(f64::from).collect();
            let overlaps = spans.each_ref().map(|ranges| ranges.iter().any(|r| clause.tokens.start < r.end && r.start < clause.tokens.end));
            out.push(Clause { item: n, text, at_secs: tokens[clause.tokens.start].start, features, overlaps });
        }
    }
    out
}

/// Weights and bias of each part's regression.
pub struct Model {
    weights: Vec<[f64; 4]>,
    bias: [f64; 4],
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Model {
    /// Fits the four regressions on `clauses`.
    pub fn fit(clauses: &[&Clause]) -> Self {
        let (n, d) = (clauses.len() as f64, clauses[0].features.len());
        let share: [f64; 4] = [0, 1, 2, 3].map(|p| clauses.iter().filter(|c| c.overlaps[p]).count() as f64 / n);
        let mut model = Model { weights: vec![[0.0; 4]; d], bias: [0.0; 4] };
        for _ in 0..STEPS {
            let mut grad = vec![[0.0; 4]; d];
            let mut grad_bias = [0.0; 4];
            for &clause in clauses {
                let p = model.probabilities(&clause.features);
                // Class-balanced: each part's positives weigh as much as its negatives.
                let g: [f64; 4] = std::array::from_fn(|part| {
                    let (target, weight) = if clause.overlaps[part] { (1.0, 0.5 / share[part].max(1e-3)) } else { (0.0, 0.5 / (1.0 - share[part]).max(1e-3)) };
                    (p[part] - target) * weight
                });
                for (sum, g) in grad_bias.iter_mut().zip(g) {
                    *sum += g;
                }
                for (row, x) in grad.iter_mut().zip(&clause.features) {
                    for (sum, g) in row.iter_mut().zip(g) {
                        *sum += g * x;
                    }
                }
            }
            for (w, g) in model.weights.iter_mut().zip(&grad) {
                for (w, g) in w.iter_mut().zip(g) {
                    *w -= RATE * (g + L2 * *w) / n;
                }
            }
            for (b, g) in model.bias.iter_mut().zip(grad_bias) {
                *b -= RATE * g / n;
            }
        }
        model
    }

    fn probabilities(&self, features: &[f64]) -> [f64; 4] {
        let mut z = self.bias;
        for (w, x) in self.weights.iter().zip(features) {
            for (z, w) in z.iter_mut().zip(w) {
                *z += w * x;
            }
        }
        z.map(sigmoid)
    }

    /// The STAR reading of answer `item` from `clauses`, a clause taking
    /// its most likely part above `threshold`.
    fn star(&self, clauses: &[&Clause], item: usize, threshold: f64) -> Star {
        let cues: Vec<StarCue> = clauses
            .iter()
            .filter(|c| c.item == item)
            .filter_map(|c| {
                let p = self.probabilities(&c.features);
                let (best, &likely) = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
                (likely > threshold).then(|| StarCue { part: PARTS[best], phrase: String::new(), quote: c.text.clone(), at_secs: c.at_secs })
            })
            .collect();
        let has = |part: StarPart| cues.iter().any(|c| c.part == part);
        Star { situation: has(StarPart::Situation), task: has(StarPart::Task), action: has(StarPart::Action), result: has(StarPart::Result), cues }
    }

    /// The fitted weights as the product reads them.
    pub fn weights(&self) -> Weights {
        let narrow = |row: &[f64; 4]| row.map(|w| w as f32);
        Weights { model: EMBEDDING_MODEL.to_owned(), threshold: THRESHOLD as f32, bias: narrow(&self.bias), weights: self.weights.iter().map(narrow).collect() }
    }
}

/// Five-fold cross-validation on `items` (folds by answer, every fifth): the
/// per-part counts at each of `thresholds`, every answer read by a model
/// fitted without it.
pub fn cross_validate(items: &[Item], clauses: &[Clause], thresholds: &[f64]) -> Vec<[Counts; 4]> {
    let mut readings: Vec<Vec<Star>> = vec![Vec::new(); thresholds.len()];
    let mut order: Vec<usize> = Vec::new();
    for fold in 0..5 {
        let train: Vec<&Clause> = clauses.iter().filter(|c| c.item % 5 != fold).collect();
        let test: Vec<&Clause> = clauses.iter().filter(|c| c.item % 5 == fold).collect();
        let model = Model::fit(&train);
        for item in (0..items.len()).filter(|i| i % 5 == fold) {
            order.push(item);
            for (k, threshold) in thresholds.iter().enumerate() {
                readings[k].push(model.star(&test, item, *threshold));
            }
        }
    }
    let index: std::collections::HashMap<&str, usize> = items.iter().enumerate().map(|(k, i)| (i.id.as_str(), k)).collect();
    readings
        .into_iter()
        .map(|stars| {
            let by_item: std::collections::HashMap<usize, Star> = order.iter().copied().zip(stars).collect();
            eval::star_counts(items, |item| by_item[&index[item.id.as_str()]].clone())
        })
        .collect()
}

//! A learned STAR clause reader, measured beside the rules: one logistic
//! regression per part over a clause's all-MiniLM-L6-v2 embedding, the part
//! the rules gave it and where it sits in the answer. Fitted on the
//! development sets only (class-balanced, L2, full-batch gradient descent,
//! deterministic), then scored on the held-out set once. A clause takes the
//! most likely part when that is above [`THRESHOLD`]; the settings were chosen
//! by five-fold cross-validation on the development sets.

use debrief::analysis::star::clauses;
use debrief::analysis::tokens::Token;
use debrief::embed::LocalEmbedder;
use protocol::analysis::{Star, StarCue, StarPart};

use crate::eval::{self, Item, PARTS};

const STEPS: usize = 3000;
const RATE: f64 = 1.0;
const L2: f64 = 1.0;
pub const THRESHOLD: f64 = 0.7;

/// One clause of one answer, read.
pub struct Clause {
    item: usize,
    text: String,
    /// When its first word is said (a typed answer's words are 0.4 s apart).
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
        let texts: Vec<String> = found.iter().map(|c| c.tokens.clone().map(|i| tokens[i].surface.as_str()).collect::<Vec<_>>().join(" ")).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = embedder.embed_batch(&refs).expect("embeddings");
        let count = found.len();
        for (k, ((clause, vector), text)) in found.iter().zip(vectors).zip(texts).enumerate() {
            let mut features: Vec<f64> = vector.iter().map(|&x| f64::from(x)).collect();
            features.extend(PARTS.iter().map(|p| f64::from(u8::from(clause.part == Some(*p)))));
            features.push(f64::from(u8::from(clause.part.is_none())));
            features.push(k as f64 / (count.max(2) - 1) as f64);
            features.push(f64::from(u8::from(k == 0)));
            features.push(f64::from(u8::from(k + 1 == count)));
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
    pub fn fit(clauses: &[Clause]) -> Self {
        let (n, d) = (clauses.len() as f64, clauses[0].features.len());
        let share: [f64; 4] = [0, 1, 2, 3].map(|p| clauses.iter().filter(|c| c.overlaps[p]).count() as f64 / n);
        let mut model = Model { weights: vec![[0.0; 4]; d], bias: [0.0; 4] };
        for _ in 0..STEPS {
            let mut grad = vec![[0.0; 4]; d];
            let mut grad_bias = [0.0; 4];
            for clause in clauses {
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

    /// The STAR reading of item `item` from its clauses.
    pub fn star(&self, clauses: &[Clause], item: usize) -> Star {
        let cues: Vec<StarCue> = clauses
            .iter()
            .filter(|c| c.item == item)
            .filter_map(|c| {
                let p = self.probabilities(&c.features);
                let (best, &likely) = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
                (likely > THRESHOLD).then(|| StarCue { part: PARTS[best], phrase: String::new(), quote: c.text.clone(), at_secs: c.at_secs })
            })
            .collect();
        let has = |part: StarPart| cues.iter().any(|c| c.part == part);
        Star { situation: has(StarPart::Situation), task: has(StarPart::Task), action: has(StarPart::Action), result: has(StarPart::Result), cues }
    }
}

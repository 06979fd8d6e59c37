//! STAR parts read again by a learned clause reader, on top of the rules of
//! [`super::star`]: one logistic regression per part over what the rules
//! said of a clause, the clause's all-MiniLM-L6-v2 embedding and its place in
//! the answer. The weights (`star_reader.json`) were fitted on the
//! development half of the labelled set in `benches/measures/` and scored on
//! its held-out half (`BENCH_EMBED=1 cargo bench --bench measures`, which
//! also refits them with `BENCH_TRAIN=1`); there the reader lifted held-out
//! F1 for situation from 0.83 to 0.91 and for result from 0.84 to 0.92.
//!
//! A clause takes the part the reader finds most likely when that is above
//! the shipped threshold, and none otherwise. When the reader and the rules
//! agree, the cue keeps the rules' trigger words; when they differ, the cue
//! quotes the clause alone. Without the local embedding model the rules
//! stand as they are.

use std::fmt;
use std::sync::{Arc, LazyLock};

use protocol::analysis::StarPart;
use serde::{Deserialize, Serialize};

use super::star::Clause;

/// The embedding model the shipped weights were fitted with (`models.embed`).
pub const EMBEDDING_MODEL: &str = "all-minilm-l6-v2";
/// Length of one of its embeddings.
pub const EMBEDDING_DIMS: usize = 384;
/// Features of a clause: its embedding, the rules' part (four parts or
/// none) and its place (relative position, first, last).
pub const FEATURES: usize = EMBEDDING_DIMS + 5 + 3;

const PARTS: [StarPart; 4] = [StarPart::Situation, StarPart::Task, StarPart::Action, StarPart::Result];

/// Turns clauses into embeddings; blocking (call it off the async threads).
pub trait ClauseEmbedder: Send + Sync {
    fn embed(&self, texts: &[&str]) -> anyhow::Result<Vec<Vec<f32>>>;
}

impl ClauseEmbedder for crate::embed::LocalEmbedder {
    fn embed(&self, texts: &[&str]) -> anyhow::Result<Vec<Vec<f32>>> {
        self.embed_batch(texts)
    }
}

/// One logistic regression per part (`weights[feature][part]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Weights {
    /// The embedding model the weights belong to.
    pub model: String,
    /// A clause takes a part only above this probability.
    pub threshold: f32,
    pub bias: [f32; 4],
    pub weights: Vec<[f32; 4]>,
}

/// The weights shipped with this build (`None` if the file does not fit:
/// a unit test keeps that from happening).
pub static SHIPPED: LazyLock<Option<Weights>> = LazyLock::new(|| {
    serde_json::from_str::<Weights>(include_str!("star_reader.json"))
        .ok()
        .filter(|w| w.weights.len() == FEATURES && w.model == EMBEDDING_MODEL)
});

impl Weights {
    /// Each part's probability for a clause with `features`.
    pub fn probabilities(&self, features: &[f32]) -> [f32; 4] {
        let mut z = self.bias;
        for (w, x) in self.weights.iter().zip(features) {
            for (z, w) in z.iter_mut().zip(w) {
                *z += w * x;
            }
        }
        z.map(|z| 1.0 / (1.0 + (-z).exp()))
    }

    /// The part a clause with `features` states, if any.
    pub fn part(&self, features: &[f32]) -> Option<StarPart> {
        let p = self.probabilities(features);
        let (best, likely) = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
        (*likely > self.threshold).then_some(PARTS[best])
    }
}

/// The features of clause `k` of `count`, given its embedding and the part
/// the rules gave it.
pub fn features(embedding: &[f32], rule: Option<StarPart>, k: usize, count: usize) -> Vec<f32> {
    let flag = |on: bool| if on { 1.0 } else { 0.0 };
    let mut features = embedding.to_vec();
    features.extend(PARTS.iter().map(|p| flag(rule == Some(*p))));
    features.push(flag(rule.is_none()));
    features.push(k as f32 / (count.max(2) - 1) as f32);
    features.push(flag(k == 0));
    features.push(flag(k + 1 == count));
    features
}

/// The learned reader the analysis is given: an embedder and the weights.
#[derive(Clone)]
pub struct StarReader {
    embedder: Arc<dyn ClauseEmbedder>,
    weights: &'static Weights,
}

impl fmt::Debug for StarReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StarReader").field("model", &self.weights.model).finish_non_exhaustive()
    }
}

impl PartialEq for StarReader {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.embedder, &other.embedder)
    }
}

impl StarReader {
    /// A reader over `embedder`, which must be [`EMBEDDING_MODEL`]; `None`
    /// when this build ships no usable weights.
    pub fn new(embedder: Arc<dyn ClauseEmbedder>) -> Option<Self> {
        SHIPPED.as_ref().map(|weights| Self { embedder, weights })
    }

    /// Reads `clauses` (whose words are `texts`) again, in place. On an
    /// embedding failure the rules' parts stay and the error is returned.
    pub fn reread(&self, clauses: &mut [Clause], texts: &[&str]) -> anyhow::Result<()> {
        if clauses.is_empty() {
            return Ok(());
        }
        let embeddings = self.embedder.embed(texts)?;
        anyhow::ensure!(embeddings.len() == clauses.len(), "the embedder returned {} embeddings for {} clauses", embeddings.len(), clauses.len());
        let count = clauses.len();
        for (k, (clause, embedding)) in clauses.iter_mut().zip(embeddings).enumerate() {
            anyhow::ensure!(embedding.len() == EMBEDDING_DIMS, "embeddings of {} dimensions, not {EMBEDDING_DIMS}", embedding.len());
            let part = self.weights.part(&features(&embedding, clause.part, k, count));
            if part != clause.part {
                clause.part = part;
                clause.trigger.clear();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_weights_fit_the_features() {
        let weights = SHIPPED.as_ref().expect("star_reader.json parses and has one row per feature");
        assert_eq!(weights.weights.len(), FEATURES);
        assert!(weights.threshold > 0.0 && weights.threshold < 1.0);
    }

    struct Broken;
    impl ClauseEmbedder for Broken {
        fn embed(&self, _: &[&str]) -> anyhow::Result<Vec<Vec<f32>>> {
            anyhow::bail!("no model")
        }
    }

    fn clause(part: Option<StarPart>) -> Clause {
        Clause { tokens: 0..1, part, trigger: "words".into() }
    }

    #[test]
    fn a_failing_embedder_leaves_the_rules_parts() {
        let reader = StarReader::new(Arc::new(Broken)).unwrap();
        let mut clauses = vec![clause(Some(StarPart::Action)), clause(None)];
        assert!(reader.reread(&mut clauses, &["a", "b"]).is_err());
        assert_eq!(clauses, vec![clause(Some(StarPart::Action)), clause(None)]);
    }

    #[test]
    fn features_carry_the_embedding_the_rules_part_and_the_place() {
        let f = features(&[0.5; EMBEDDING_DIMS], Some(StarPart::Task), 2, 3);
        assert_eq!(f.len(), FEATURES);
        assert_eq!(&f[EMBEDDING_DIMS..], &[0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0]);
        // One clause: its place is 0, first and last.
        let f = features(&[0.0; EMBEDDING_DIMS], None, 0, 1);
        assert_eq!(&f[EMBEDDING_DIMS..], &[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
    }

}

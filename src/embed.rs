//! Sentence embeddings: the `Embedder` port (matching practised questions
//! to asked ones by meaning) and the local all-MiniLM-L6-v2 engine on
//! candle's BERT: tokens (at most 256), mean-pooled over the real tokens,
//! L2-normalised, so the dot product of two embeddings is their cosine.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use candle_core::{DType, Device, Tensor};
use candle_transformers::models::bert::{BertModel, Config};

/// The longest input MiniLM was trained on; longer text is truncated.
const MAX_TOKENS: usize = 256;

/// Turns texts into unit vectors whose dot product says how alike they mean.
#[async_trait::async_trait]
pub trait Embedder: Send + Sync {
    /// `all-MiniLM-L6-v2 (local)`, or the remote model's name.
    fn engine(&self) -> String;
    async fn embed(&self, texts: Vec<String>) -> anyhow::Result<Vec<Vec<f32>>>;
}

/// Cosine similarity of two normalised embeddings.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// all-MiniLM-L6-v2, loaded from `model.safetensors`, `tokenizer.json`, `config.json`.
pub struct LocalEmbedder {
    model: BertModel,
    tokenizer: tokenizers::Tokenizer,
    name: String,
}

impl LocalEmbedder {
    pub fn load(dir: &Path, name: &str) -> anyhow::Result<Self> {
        let device = Device::Cpu;
        let config: Config = serde_json::from_slice(&std::fs::read(dir.join("config.json"))?).context("cannot read the embedding model's config.json")?;
        let weights = std::fs::read(dir.join("model.safetensors")).context("cannot read the embedding weights")?;
        let vb = candle_nn::VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)?;
        let model = BertModel::load(vb, &config)?;
        let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| anyhow::anyhow!("cannot read the embedding tokenizer: {e}"))?;
        tokenizer.with_padding(Some(tokenizers::PaddingParams { strategy: tokenizers::PaddingStrategy::BatchLongest, ..Default::default() }));
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Self { model, tokenizer, name: name.to_owned() })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Embeds a batch of texts in one forward pass.
    pub fn embed_batch(&self, texts: &[&str]) -> anyhow::Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self.tokenizer.encode_batch(texts.to_vec(), true).map_err(|e| anyhow::anyhow!("{e}"))?;
        let device = Device::Cpu;
        let rows = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> candle_core::Result<Tensor> {
            let rows = encodings.iter().map(|e| Tensor::new(f(e), &device)).collect::<candle_core::Result<Vec<_>>>()?;
            Tensor::stack(&rows, 0)
        };
        let ids = rows(&|e| e.get_ids())?;
        let types = rows(&|e| e.get_type_ids())?;
        let mask = rows(&|e| e.get_attention_mask())?;
        let hidden = self.model.forward(&ids, &types, Some(&mask))?;
        // Mean over the real tokens only.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        Ok(mean.broadcast_div(&norms)?.to_vec2()?)
    }
}

/// The local engine as an [`Embedder`], off the async runtime's threads.
pub struct LocalEmbedding(pub Arc<LocalEmbedder>);

#[async_trait::async_trait]
impl Embedder for LocalEmbedding {
    fn engine(&self) -> String {
        format!("{} (local)", self.0.name())
    }

    async fn embed(&self, texts: Vec<String>) -> anyhow::Result<Vec<Vec<f32>>> {
        let model = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            model.embed_batch(&refs)
        })
        .await?
    }
}

//! The local chat engine: a GGUF chat model (Qwen2.5 by default, SmolLM2 as
//! the test fixture) run by candle on the CPU, behind the actors' `ChatModel`
//! port.
//!
//! Generation runs on dedicated threads (`models.chat_workers`) fed by a
//! bounded queue (`models.chat_queue`), never on actix's arbiters, so sockets
//! and HTTP stay responsive while a model generates. Each reply streams piece
//! by piece through a channel; when nobody reads any more (the conversation
//! went away), the worker stops generating. The prompt follows ChatML, the
//! template both models' GGUF files carry.

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

use actors::chat_ports::{ChatModel, ModelError, ReplyStream, Turn, TurnRole};
use anyhow::Context as _;
use async_trait::async_trait;
use candle_core::quantized::gguf_file;
use candle_core::quantized::tokenizer::TokenizerFromGguf as _;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::{quantized_llama, quantized_qwen2};
use tokenizers::Tokenizer;

use super::fallback::RuleBasedInterviewer;

/// How replies are sampled.
#[derive(Debug, Clone, Copy)]
pub struct SamplingSettings {
    pub temperature: f64,
    pub top_p: f64,
    pub repeat_penalty: f32,
}

/// Positions the llama path of candle supports (its rotary table).
const LLAMA_MAX_POSITIONS: usize = 4096;
/// Tokens looked back on for the repeat penalty.
const REPEAT_WINDOW: usize = 64;

enum Weights {
    Llama(quantized_llama::ModelWeights),
    Qwen2(quantized_qwen2::ModelWeights),
}

impl Weights {
    fn forward(&mut self, input: &Tensor, position: usize) -> candle_core::Result<Tensor> {
        match self {
            Self::Llama(model) => model.forward(input, position),
            Self::Qwen2(model) => model.forward(input, position),
        }
    }

    fn clear_kv_cache(&mut self) {
        match self {
            Self::Llama(model) => model.clear_kv_cache(),
            Self::Qwen2(model) => model.clear_kv_cache(),
        }
    }
}

/// A loaded model: its weights (with their KV cache: one generation at a
/// time), tokenizer and stop tokens.
struct Engine {
    weights: Weights,
    tokenizer: Arc<Tokenizer>,
    stops: Vec<u32>,
    max_positions: usize,
}

impl Engine {
    fn load(path: &Path) -> anyhow::Result<Self> {
        let mut file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let content = gguf_file::Content::read(&mut file).context("not a GGUF file")?;
        let text = |key: &str| content.metadata.get(key).and_then(|v| v.to_string().ok()).cloned();
        let architecture = text("general.architecture").unwrap_or_default();
        let mut tokenizer = Tokenizer::from_gguf(&content).context("cannot build the tokenizer")?;
        if text("tokenizer.ggml.pre").as_deref() == Some("smollm") {
            // SmolLM2 splits digits one by one and adds no prefix space.
            use tokenizers::pre_tokenizers::{byte_level::ByteLevel, digits::Digits, sequence::Sequence};
            tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
                Digits::new(true).into(),
                ByteLevel::new(false, true, true).into(),
            ])));
        }
        let stops: Vec<u32> =
            ["<|im_end|>", "<|endoftext|>"].iter().filter_map(|t| tokenizer.token_to_id(t)).collect();
        anyhow::ensure!(!stops.is_empty(), "the model has no ChatML end token");
        let (weights, max_positions) = match architecture.as_str() {
            "llama" => (
                Weights::Llama(quantized_llama::ModelWeights::from_gguf(content, &mut file, &Device::Cpu)?),
                LLAMA_MAX_POSITIONS,
            ),
            "qwen2" => {
                let positions = content
                    .metadata
                    .get("qwen2.context_length")
                    .and_then(|v| v.to_u32().ok())
                    .map_or(LLAMA_MAX_POSITIONS, |n| n as usize);
                (Weights::Qwen2(quantized_qwen2::ModelWeights::from_gguf(content, &mut file, &Device::Cpu)?), positions)
            }
            other => anyhow::bail!("unsupported model architecture {other:?}"),
        };
        Ok(Self { weights, tokenizer: Arc::new(tokenizer), stops, max_positions })
    }

    /// Generates a reply to `prompt`, handing each piece of text to `emit`;
    /// stops early when `emit` returns false (nobody is listening).
    fn generate(
        &mut self,
        prompt: &str,
        max_tokens: usize,
        sampling: SamplingSettings,
        mut emit: impl FnMut(String) -> bool,
    ) -> anyhow::Result<()> {
        self.weights.clear_kv_cache();
        let encoding = self.tokenizer.encode(prompt, false).map_err(anyhow::Error::msg)?;
        let mut ids = encoding.get_ids().to_vec();
        let room = self.max_positions.saturating_sub(max_tokens).max(1);
        if ids.len() > room {
            ids.drain(..ids.len() - room);
        }
        let seed = u64::from(uuid::Uuid::new_v4().as_u128() as u32);
        let mut sampler = LogitsProcessor::from_sampling(
            seed,
            Sampling::TopP { p: sampling.top_p, temperature: sampling.temperature },
        );
        let mut decoder = self.tokenizer.decode_stream(true);
        let mut history = ids.clone();
        let mut input = Tensor::new(ids.as_slice(), &Device::Cpu)?.unsqueeze(0)?;
        let mut position = 0;
        for _ in 0..max_tokens {
            let length = input.dim(1)?;
            let logits = self.weights.forward(&input, position)?.squeeze(0)?;
            position += length;
            let recent = &history[history.len().saturating_sub(REPEAT_WINDOW)..];
            let logits = candle_transformers::utils::apply_repeat_penalty(&logits, sampling.repeat_penalty, recent)?;
            let next = sampler.sample(&logits)?;
            if self.stops.contains(&next) || position >= self.max_positions {
                break;
            }
            history.push(next);
            if let Some(text) = decoder.step(next).map_err(anyhow::Error::msg)?
                && !emit(text)
            {
                return Ok(());
            }
            input = Tensor::new(&[next], &Device::Cpu)?.unsqueeze(0)?;
        }
        Ok(())
    }
}

/// How long one generation took (for the benchmark).
#[derive(Debug, Clone, Copy)]
pub struct GenerationTiming {
    pub prompt_tokens: usize,
    /// From the start to the first generated token (prompt evaluation).
    pub first_token: std::time::Duration,
    pub generated_tokens: usize,
    /// From the first generated token to the last.
    pub generation: std::time::Duration,
}

/// Loads the model at `path` and times one reply to `context` (benchmarks).
pub fn time_generation(
    path: &Path,
    context: &[Turn],
    max_tokens: usize,
    sampling: SamplingSettings,
) -> anyhow::Result<GenerationTiming> {
    let mut engine = Engine::load(path)?;
    let prompt = chatml(context);
    let prompt_tokens = engine.tokenizer.encode(prompt.as_str(), false).map_err(anyhow::Error::msg)?.len();
    let started = std::time::Instant::now();
    let mut first = None;
    let mut generated = 0;
    engine.generate(&prompt, max_tokens, sampling, |_| {
        first.get_or_insert_with(|| started.elapsed());
        generated += 1;
        true
    })?;
    let first_token = first.unwrap_or_else(|| started.elapsed());
    Ok(GenerationTiming {
        prompt_tokens,
        first_token,
        generated_tokens: generated,
        generation: started.elapsed().saturating_sub(first_token),
    })
}

/// ChatML for the turns, ending where the assistant speaks.
fn chatml(context: &[Turn]) -> String {
    let mut prompt = String::new();
    for turn in context {
        let role = match turn.role {
            TurnRole::System => "system",
            TurnRole::User => "user",
            TurnRole::Assistant => "assistant",
        };
        // Control tokens inside text would be read as structure.
        let content = turn.content.replace("<|im_start|>", "").replace("<|im_end|>", "");
        prompt.push_str(&format!("<|im_start|>{role}\n{content}<|im_end|>\n"));
    }
    prompt.push_str("<|im_start|>assistant\n");
    prompt
}

/// One reply to generate.
struct Job {
    prompt: String,
    max_tokens: usize,
    pieces: tokio::sync::mpsc::Sender<Result<String, ModelError>>,
}

/// A local GGUF chat model on its own worker threads.
pub struct LocalChat {
    name: String,
    jobs: SyncSender<Job>,
}

impl LocalChat {
    /// Loads the model (seconds: the weights are read and the embeddings
    /// expanded) and starts its workers.
    pub fn load(
        path: &Path,
        name: &str,
        workers: usize,
        queue: usize,
        sampling: SamplingSettings,
    ) -> anyhow::Result<Self> {
        let (jobs, waiting) = std::sync::mpsc::sync_channel::<Job>(queue.max(1));
        let waiting = Arc::new(Mutex::new(waiting));
        // Each worker holds its own copy of the weights (and KV cache).
        for index in 0..workers.max(1) {
            let mut engine = Engine::load(path)?;
            let waiting = Arc::clone(&waiting);
            std::thread::Builder::new()
                .name(format!("debrief-llm-{index}"))
                .spawn(move || work(&mut engine, &waiting, sampling))
                .context("cannot start a model worker")?;
        }
        Ok(Self { name: format!("{name} (local, candle)"), jobs })
    }
}

/// A worker: takes jobs until the engine is dropped.
fn work(engine: &mut Engine, waiting: &Mutex<Receiver<Job>>, sampling: SamplingSettings) {
    loop {
        let job = match waiting.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if job.pieces.is_closed() {
            continue;
        }
        let started = std::time::Instant::now();
        let mut tokens = 0u64;
        let result = engine.generate(&job.prompt, job.max_tokens, sampling, |text| {
            tokens += 1;
            job.pieces.blocking_send(Ok(text)).is_ok()
        });
        metrics::counter!("debrief_local_chat_tokens_total").increment(tokens);
        metrics::histogram!("debrief_local_chat_seconds").record(started.elapsed().as_secs_f64());
        if let Err(error) = result {
            tracing::warn!(error = format!("{error:#}"), "local model failed");
            let _ = job.pieces.blocking_send(Err(ModelError::Unavailable(String::from("the local model failed"))));
        }
    }
}

#[async_trait]
impl ChatModel for LocalChat {
    fn describe(&self) -> String {
        self.name.clone()
    }

    async fn stream(&self, context: Vec<Turn>, max_tokens: u32) -> Result<ReplyStream, ModelError> {
        let (pieces, receiver) = tokio::sync::mpsc::channel(64);
        let job = Job { prompt: chatml(&context), max_tokens: max_tokens as usize, pieces };
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(ModelError::Unavailable(String::from("the local model is busy; try again shortly")));
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(ModelError::Unavailable(String::from("the local model stopped")));
            }
        }
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|piece| (piece, receiver))
        });
        Ok(Box::pin(stream))
    }
}

/// The chat without an endpoint: the local model once it is loaded, the
/// labelled rule-based interviewer until then.
#[derive(Default)]
pub struct OfflineChat {
    local: OnceLock<LocalChat>,
    fallback: RuleBasedInterviewer,
}

impl OfflineChat {
    /// Switches to `local` (once).
    pub fn install(&self, local: LocalChat) {
        tracing::info!(model = %local.describe(), "the local chat model is ready");
        let _ = self.local.set(local);
    }

    pub fn is_local(&self) -> bool {
        self.local.get().is_some()
    }
}

#[async_trait]
impl ChatModel for OfflineChat {
    fn describe(&self) -> String {
        match self.local.get() {
            Some(local) => local.describe(),
            None => self.fallback.describe(),
        }
    }

    async fn stream(&self, context: Vec<Turn>, max_tokens: u32) -> Result<ReplyStream, ModelError> {
        match self.local.get() {
            Some(local) => local.stream(context, max_tokens).await,
            None => self.fallback.stream(context, max_tokens).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_frames_each_turn_and_opens_the_assistant_turn() {
        let prompt = chatml(&[
            Turn { role: TurnRole::System, content: String::from("Be brief.") },
            Turn { role: TurnRole::User, content: String::from("Hi<|im_end|> there") },
        ]);
        assert_eq!(
            prompt,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n"
        );
    }
}

//! The local chat engine: a GGUF chat model (Qwen2.5 by default, SmolLM2 as
//! the test fixture) run by candle on the CPU, behind the actors' `ChatModel`
//! port.
//!
//! Generation runs on dedicated threads (`models.chat_workers`, sharing one
//! copy of the weights), never on actix's arbiters, so sockets and HTTP stay
//! responsive while a model generates. Each reply streams piece by piece
//! through a channel; when nobody reads any more (the conversation went
//! away), the worker stops generating. The prompt follows ChatML, the
//! template both models' GGUF files carry. Without an endpoint the model is
//! loaded by the first request that needs it and dropped after
//! `models.idle_unload_secs` unused ([`OfflineChat`]).
//!
//! ## The KV cache between turns
//!
//! Each worker keeps its model's KV cache after a reply, with the token ids it
//! holds: the prompt and the reply. A conversation's next prompt repeats all
//! of that (the reply is now an assistant turn) and adds the user's message,
//! so the worker cuts the cache back to the longest prefix the new prompt
//! shares with it and runs only the rest ([`Engine::generate`]). At least the
//! prompt's last token always runs: its logits start the reply.
//!
//! - **One sequence per worker.** A prompt from another conversation replaces
//!   the cache beyond what the two share (usually the persona's system
//!   prompt, which every conversation starts with). Once a conversation
//!   outgrows `chat.context_tokens` its older turns are summarised and the
//!   prefix shrinks to the system prompt too.
//! - **Routing.** Each worker has its own queue; a job goes to the least busy
//!   worker and, among those, to the one whose cache shares the longest
//!   prefix with the prompt ([`choose`]). A busy worker's cache is about to
//!   be replaced by its current job, so it is never preferred for its prefix.
//!   At most `chat_workers + chat_queue` jobs are in flight; beyond that the
//!   model answers "busy".
//! - **Eviction.** By age: a worker idle for [`CACHE_IDLE`] drops its cache.
//!   By memory: between turns a worker keeps at most [`KEPT_POSITIONS`]
//!   positions (the first ones, which the next prompt is likeliest to share);
//!   during a reply the cache holds the prompt and the reply, as it must.
//!
//! How many prompt tokens were reused and how many processed is counted in
//! `debrief_local_chat_prompt_tokens_total{cached="true"|"false"}`.

use std::cmp::Reverse;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use actors::chat_ports::{ChatModel, ModelError, ReplyStream, Turn, TurnRole};
use anyhow::Context as _;
use async_trait::async_trait;
use candle_core::quantized::gguf_file;
use candle_core::quantized::tokenizer::TokenizerFromGguf as _;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use futures_util::StreamExt as _;
use tokenizers::Tokenizer;

use super::cached_model::CachedModel;
use crate::models::resident::Resident;

/// How replies are sampled.
#[derive(Debug, Clone, Copy)]
pub struct SamplingSettings {
    /// 0 (or less): always the likeliest token (greedy, deterministic).
    pub temperature: f64,
    pub top_p: f64,
    pub repeat_penalty: f32,
}

impl SamplingSettings {
    fn sampling(self) -> Sampling {
        if self.temperature <= 0.0 {
            Sampling::ArgMax
        } else {
            Sampling::TopP { p: self.top_p, temperature: self.temperature }
        }
    }
}

/// Tokens looked back on for the repeat penalty.
const REPEAT_WINDOW: usize = 64;
/// A worker with no job for this long drops its KV cache (the conversation
/// has most likely ended; its memory goes back to the system).
pub const CACHE_IDLE: Duration = Duration::from_secs(10 * 60);
/// Positions a worker keeps in its KV cache between replies: a few thousand
/// covers `chat.context_tokens` and a reply, at about 24 KiB a position for
/// Qwen2.5-0.5B (24 layers, 2 key/value heads of 64, f32): ~100 MiB.
pub const KEPT_POSITIONS: usize = 4096;

/// What one generation did with its prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptUsage {
    /// Prompt tokens already in the KV cache (not run again).
    pub reused: usize,
    /// Prompt tokens run through the model.
    pub processed: usize,
}

/// A loaded model: its weights with their KV cache (one generation at a
/// time), the token ids that cache holds, the tokenizer and stop tokens.
struct Engine {
    model: CachedModel,
    /// The tokens whose keys and values are in the model's cache, in order.
    cached: Vec<u32>,
    tokenizer: Arc<Tokenizer>,
    stops: Vec<u32>,
}

impl Engine {
    fn load(path: &Path) -> anyhow::Result<Self> {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        // Buffered: the metadata is read value by value (Qwen2.5's vocabulary
        // and merges are 300,000 strings); tensors are read whole either way.
        let mut file = std::io::BufReader::with_capacity(1 << 20, file);
        let content = gguf_file::Content::read(&mut file).context("not a GGUF file")?;
        let text = |key: &str| content.metadata.get(key).and_then(|v| v.to_string().ok()).cloned();
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
        let model = CachedModel::from_gguf(&content, &mut file, &Device::Cpu).context("cannot load the model")?;
        Ok(Self { model, cached: Vec::new(), tokenizer: Arc::new(tokenizer), stops })
    }

    /// Another engine on the same weights (shared, not copied) with an empty
    /// KV cache of its own: one per worker.
    fn fork(&self) -> Self {
        let mut model = self.model.clone();
        model.clear_kv_cache();
        Self { model, cached: Vec::new(), tokenizer: Arc::clone(&self.tokenizer), stops: self.stops.clone() }
    }

    fn encode(&self, prompt: &str) -> anyhow::Result<Vec<u32>> {
        encode(&self.tokenizer, prompt)
    }

    /// Generates a reply to the tokens `prompt`, handing each piece of text
    /// to `emit`; stops early when `emit` returns false (nobody is
    /// listening). Runs only the part of the prompt the KV cache does not
    /// hold already; afterwards the cache holds the prompt and the reply.
    fn generate(
        &mut self,
        prompt: &[u32],
        max_tokens: usize,
        sampling: SamplingSettings,
        emit: impl FnMut(String) -> bool,
    ) -> anyhow::Result<PromptUsage> {
        anyhow::ensure!(!prompt.is_empty(), "an empty prompt");
        // Keep the end of a prompt too long to leave room for the reply.
        let room = self.model.max_positions().saturating_sub(max_tokens).max(1);
        let prompt = &prompt[prompt.len().saturating_sub(room)..];
        let reused = self.reuse_prefix(prompt)?;
        let result = self.reply(prompt, reused, max_tokens, sampling, emit);
        self.keep_at_most(KEPT_POSITIONS)?;
        result.map(|()| PromptUsage { reused, processed: prompt.len() - reused })
    }

    /// The sampling loop: runs `prompt[reused..]`, then each sampled token.
    fn reply(
        &mut self,
        prompt: &[u32],
        reused: usize,
        max_tokens: usize,
        sampling: SamplingSettings,
        mut emit: impl FnMut(String) -> bool,
    ) -> anyhow::Result<()> {
        let seed = u64::from(uuid::Uuid::new_v4().as_u128() as u32);
        let mut sampler = LogitsProcessor::from_sampling(seed, sampling.sampling());
        let tokenizer = Arc::clone(&self.tokenizer);
        let mut decoder = tokenizer.decode_stream(true);
        let mut history = prompt.to_vec();
        let mut input = prompt[reused..].to_vec();
        for _ in 0..max_tokens {
            let logits = self.step(&input)?;
            let recent = &history[history.len().saturating_sub(REPEAT_WINDOW)..];
            let logits = candle_transformers::utils::apply_repeat_penalty(&logits, sampling.repeat_penalty, recent)?;
            let next = sampler.sample(&logits)?;
            if self.stops.contains(&next) || self.cached.len() >= self.model.max_positions() {
                break;
            }
            history.push(next);
            if let Some(text) = decoder.step(next).map_err(anyhow::Error::msg)?
                && !emit(text)
            {
                return Ok(());
            }
            input = vec![next];
        }
        Ok(())
    }

    /// Runs `tokens` after the cached ones; the logits of the last. On an
    /// error the cache is emptied (some layers may have appended, others not).
    fn step(&mut self, tokens: &[u32]) -> anyhow::Result<Tensor> {
        let input = Tensor::new(tokens, &Device::Cpu)?.unsqueeze(0)?;
        match self.model.forward(&input) {
            Ok(logits) => {
                self.cached.extend_from_slice(tokens);
                Ok(logits.squeeze(0)?)
            }
            Err(error) => {
                self.forget();
                Err(error.into())
            }
        }
    }

    /// Cuts the KV cache back to the longest prefix it shares with `prompt`
    /// (non-empty), leaving at least its last token to run (the logits that
    /// start the reply); how many tokens it kept.
    fn reuse_prefix(&mut self, prompt: &[u32]) -> anyhow::Result<usize> {
        let shared = common_prefix(&self.cached, prompt).min(prompt.len().saturating_sub(1));
        self.keep_at_most(shared)?;
        Ok(shared)
    }

    /// Keeps the first `positions` positions of the KV cache.
    fn keep_at_most(&mut self, positions: usize) -> anyhow::Result<()> {
        if let Err(error) = self.model.truncate_kv_cache(positions) {
            self.forget();
            return Err(error.into());
        }
        self.cached.truncate(positions);
        Ok(())
    }

    /// Empties the KV cache.
    fn forget(&mut self) {
        self.model.clear_kv_cache();
        self.cached.clear();
    }
}

fn encode(tokenizer: &Tokenizer, prompt: &str) -> anyhow::Result<Vec<u32>> {
    Ok(tokenizer.encode(prompt, false).map_err(anyhow::Error::msg)?.get_ids().to_vec())
}

/// How many tokens `a` and `b` share from the start.
fn common_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// How long one generation took (for the benchmark).
#[derive(Debug, Clone, Copy)]
pub struct GenerationTiming {
    pub prompt_tokens: usize,
    /// Of the prompt's tokens, those run through the model (the others were
    /// in its KV cache).
    pub processed_tokens: usize,
    /// From the start to the first generated token (prompt evaluation).
    pub first_token: Duration,
    pub generated_tokens: usize,
    /// From the first generated token to the last.
    pub generation: Duration,
}

/// A chat model used as a reader rather than a writer: how likely it thinks
/// each of a few words is to open its reply to a prompt (a yes or a no, a
/// digit of a rating), read off the logits of the prompt's last token, with
/// no sampling. Deterministic. Consecutive prompts that share a beginning (a
/// fixed instruction) run only what differs, on the KV cache.
pub struct Scorer {
    engine: Engine,
}

impl Scorer {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        Ok(Self { engine: Engine::load(path)? })
    }

    /// The probability (softmax over the whole vocabulary) that the reply to
    /// `context` starts with each of `openings`, by each opening's first token.
    pub fn opening_probabilities(&mut self, context: &[Turn], openings: &[&str]) -> anyhow::Result<Vec<f32>> {
        let prompt = self.engine.encode(&chatml(context))?;
        let room = self.engine.model.max_positions().saturating_sub(1).max(1);
        let prompt = &prompt[prompt.len().saturating_sub(room)..];
        let reused = self.engine.reuse_prefix(prompt)?;
        let logits = self.engine.step(&prompt[reused..])?;
        let probabilities = candle_nn::ops::softmax_last_dim(&logits.to_dtype(candle_core::DType::F32)?)?.to_vec1::<f32>()?;
        self.engine.keep_at_most(KEPT_POSITIONS)?;
        openings
            .iter()
            .map(|opening| {
                let first = *self.engine.encode(opening)?.first().context("an empty opening")?;
                Ok(probabilities.get(first as usize).copied().unwrap_or(0.0))
            })
            .collect()
    }
}

/// Loads the model at `path` and times one reply to `context` (benchmarks).
pub fn time_generation(
    path: &Path,
    context: &[Turn],
    max_tokens: usize,
    sampling: SamplingSettings,
) -> anyhow::Result<GenerationTiming> {
    let mut engine = Engine::load(path)?;
    Ok(time_reply(&mut engine, context, max_tokens, sampling)?.0)
}

/// Loads the model at `path` and times a reply to `context`, then one to the
/// user's `follow_up` after that reply, on the same KV cache (benchmarks):
/// the second runs only the tokens the first did not.
pub fn time_follow_up(
    path: &Path,
    context: &[Turn],
    follow_up: &str,
    max_tokens: usize,
    sampling: SamplingSettings,
) -> anyhow::Result<[GenerationTiming; 2]> {
    let mut engine = Engine::load(path)?;
    let (first, reply) = time_reply(&mut engine, context, max_tokens, sampling)?;
    let mut context = context.to_vec();
    context.push(Turn { role: TurnRole::Assistant, content: reply });
    context.push(Turn { role: TurnRole::User, content: follow_up.to_owned() });
    let (second, _) = time_reply(&mut engine, &context, max_tokens, sampling)?;
    Ok([first, second])
}

/// Times one reply of `engine` to `context`; the timing and the reply.
fn time_reply(
    engine: &mut Engine,
    context: &[Turn],
    max_tokens: usize,
    sampling: SamplingSettings,
) -> anyhow::Result<(GenerationTiming, String)> {
    let prompt = engine.encode(&chatml(context))?;
    let started = Instant::now();
    let mut first = None;
    let mut generated = 0;
    let mut reply = String::new();
    let usage = engine.generate(&prompt, max_tokens, sampling, |piece| {
        first.get_or_insert_with(|| started.elapsed());
        generated += 1;
        reply.push_str(&piece);
        true
    })?;
    let first_token = first.unwrap_or_else(|| started.elapsed());
    let timing = GenerationTiming {
        prompt_tokens: prompt.len(),
        processed_tokens: usage.processed,
        first_token,
        generated_tokens: generated,
        generation: started.elapsed().saturating_sub(first_token),
    };
    Ok((timing, reply))
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
    /// The ChatML prompt's token ids.
    prompt: Vec<u32>,
    max_tokens: usize,
    pieces: tokio::sync::mpsc::Sender<Result<String, ModelError>>,
}

/// What the dispatcher knows of one worker. All workers' states sit under one
/// lock, so a choice and its bookkeeping cannot interleave with another.
#[derive(Debug, Default)]
struct WorkerState {
    /// The token ids in its KV cache when it last went idle.
    cached: Vec<u32>,
    /// Its jobs, queued or running.
    load: usize,
}

fn lock(workers: &Mutex<Vec<WorkerState>>) -> MutexGuard<'_, Vec<WorkerState>> {
    // The states are plain numbers and ids: still usable after a panic.
    workers.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The worker for `prompt`: the least busy, and among those the one whose
/// cache shares the longest prefix with it (the first on a tie). A busy
/// worker's cache is about to be replaced by its current job's, so its
/// prefix never outweighs another's idleness.
fn choose(workers: &[WorkerState], prompt: &[u32]) -> usize {
    workers
        .iter()
        .enumerate()
        .min_by_key(|(_, worker)| (worker.load, Reverse(common_prefix(&worker.cached, prompt))))
        .map_or(0, |(index, _)| index)
}

/// A local GGUF chat model on its own worker threads.
pub struct LocalChat {
    name: String,
    tokenizer: Arc<Tokenizer>,
    /// Each worker's queue, by worker index.
    queues: Vec<SyncSender<Job>>,
    workers: Arc<Mutex<Vec<WorkerState>>>,
    /// Jobs in flight at most: one running per worker and `models.chat_queue` waiting.
    capacity: usize,
}

impl LocalChat {
    /// Loads the model (1.7 s for Qwen2.5-0.5B here: the weights are read
    /// once, whatever the number of workers) and starts its workers. Dropping it stops them:
    /// each finishes its reply, drops its KV cache and the last one the
    /// weights, and gives the freed memory back to the system.
    pub fn load(
        path: &Path,
        name: &str,
        workers: usize,
        queue: usize,
        sampling: SamplingSettings,
    ) -> anyhow::Result<Self> {
        let count = workers.max(1);
        let capacity = count + queue.max(1);
        let states = Arc::new(Mutex::new((0..count).map(|_| WorkerState::default()).collect::<Vec<_>>()));
        let mut queues = Vec::with_capacity(count);
        let loaded = Engine::load(path)?;
        let tokenizer = Arc::clone(&loaded.tokenizer);
        // The workers share the weights; each has its own KV cache.
        for index in 0..count {
            let mut engine = loaded.fork();
            // `capacity` slots: the in-flight bound is kept by `dispatch`.
            let (jobs, waiting) = std::sync::mpsc::sync_channel::<Job>(capacity);
            let states = Arc::clone(&states);
            std::thread::Builder::new()
                .name(format!("debrief-llm-{index}"))
                .spawn(move || {
                    work(&mut engine, &waiting, index, &states, sampling);
                    drop(engine);
                    crate::models::resident::release_free_memory();
                })
                .context("cannot start a model worker")?;
            queues.push(jobs);
        }
        Ok(Self { name: format!("{name} (local, candle)"), tokenizer, queues, workers: states, capacity })
    }

    /// Queues `job` for the worker [`choose`] picks, unless `capacity` jobs
    /// are in flight already.
    fn dispatch(&self, job: Job) -> Result<(), ModelError> {
        let mut workers = lock(&self.workers);
        if workers.iter().map(|worker| worker.load).sum::<usize>() >= self.capacity {
            return Err(ModelError::Unavailable(String::from("the local model is busy; try again shortly")));
        }
        let index = choose(&workers, &job.prompt);
        let stopped = || ModelError::Unavailable(String::from("the local model stopped"));
        let (Some(queue), Some(worker)) = (self.queues.get(index), workers.get_mut(index)) else {
            return Err(stopped());
        };
        match queue.try_send(job) {
            Ok(()) => {
                worker.load += 1;
                Ok(())
            }
            Err(TrySendError::Full(_)) => {
                Err(ModelError::Unavailable(String::from("the local model is busy; try again shortly")))
            }
            Err(TrySendError::Disconnected(_)) => Err(stopped()),
        }
    }
}

/// A worker: runs its queue's jobs until the queue closes (the `LocalChat`
/// was dropped), telling the dispatcher what its cache holds after each.
fn work(
    engine: &mut Engine,
    jobs: &Receiver<Job>,
    index: usize,
    workers: &Mutex<Vec<WorkerState>>,
    sampling: SamplingSettings,
) {
    while let Some(job) = next_job(engine, jobs, index, workers) {
        run(engine, &job, sampling);
        if let Some(worker) = lock(workers).get_mut(index) {
            worker.cached.clone_from(&engine.cached);
            worker.load = worker.load.saturating_sub(1);
        }
        // A reply's activations and the cut-off end of its KV cache are free
        // now; glibc would keep them in this thread's arena (a few ms).
        crate::models::resident::release_free_memory();
    }
}

/// The next job; when none comes within [`CACHE_IDLE`], the KV cache is
/// dropped first.
fn next_job(engine: &mut Engine, jobs: &Receiver<Job>, index: usize, workers: &Mutex<Vec<WorkerState>>) -> Option<Job> {
    match jobs.recv_timeout(CACHE_IDLE) {
        Ok(job) => Some(job),
        Err(RecvTimeoutError::Disconnected) => None,
        Err(RecvTimeoutError::Timeout) => {
            engine.forget();
            crate::models::resident::release_free_memory();
            if let Some(worker) = lock(workers).get_mut(index) {
                worker.cached.clear();
            }
            jobs.recv().ok()
        }
    }
}

/// Generates one reply, streaming it to the job's channel.
fn run(engine: &mut Engine, job: &Job, sampling: SamplingSettings) {
    if job.pieces.is_closed() {
        return;
    }
    let started = Instant::now();
    let mut tokens = 0u64;
    let result = engine.generate(&job.prompt, job.max_tokens, sampling, |text| {
        tokens += 1;
        job.pieces.blocking_send(Ok(text)).is_ok()
    });
    metrics::counter!("debrief_local_chat_tokens_total").increment(tokens);
    metrics::histogram!("debrief_local_chat_seconds").record(started.elapsed().as_secs_f64());
    match result {
        Ok(usage) => {
            metrics::counter!("debrief_local_chat_prompt_tokens_total", "cached" => "true")
                .increment(usage.reused as u64);
            metrics::counter!("debrief_local_chat_prompt_tokens_total", "cached" => "false")
                .increment(usage.processed as u64);
        }
        Err(error) => {
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
        // Tokenized here (about a millisecond per thousand tokens) to route
        // the job by what the workers' caches hold.
        let prompt = encode(&self.tokenizer, &chatml(&context)).map_err(|error| {
            tracing::warn!(error = format!("{error:#}"), "cannot tokenize the prompt");
            ModelError::Unavailable(String::from("the local model failed"))
        })?;
        let (pieces, receiver) = tokio::sync::mpsc::channel(64);
        self.dispatch(Job { prompt, max_tokens: max_tokens as usize, pieces })?;
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|piece| (piece, receiver))
        });
        Ok(Box::pin(stream))
    }
}

/// The chat without an endpoint: the local model once its weights are
/// installed (loaded by the first request that needs it, dropped again after
/// `models.idle_unload_secs` unused); until then callers fall back to their
/// rules (the chat's label says "rule-based interviewer").
///
/// The request that finds the model out of memory starts its load and waits
/// for it (1.7 s for Qwen2.5-0.5B, release build, 2 cores); its caller bounds
/// the wait. The interviewer's is `chat.local_ack_budget_ms`: when the
/// load and the reply do not fit in it, the rules answer that message and the
/// model, loaded meanwhile, writes the next.
#[derive(Default)]
pub struct OfflineChat {
    local: Resident<LocalChat>,
}

impl OfflineChat {
    /// The local model's engine, for the loader to install the model in.
    pub fn engine(&self) -> &Resident<LocalChat> {
        &self.local
    }

    /// Whether the local model answers (installed: in memory, or loaded by
    /// the next request); otherwise nothing does, and callers use their rules.
    pub fn is_local(&self) -> bool {
        self.local.is_available()
    }
}

#[async_trait]
impl ChatModel for OfflineChat {
    fn describe(&self) -> String {
        match self.local.spec().filter(|_| self.local.is_available()) {
            Some(spec) => format!("{} (local, candle)", spec.name),
            // The guided interviewer's rules answer the chat meanwhile.
            None => String::from("rule-based interviewer (no model configured)"),
        }
    }

    async fn stream(&self, context: Vec<Turn>, max_tokens: u32) -> Result<ReplyStream, ModelError> {
        if !self.local.is_available() {
            return Err(ModelError::Unavailable(String::from("no local model is installed")));
        }
        let Some(local) = self.local.acquire().await else {
            return Err(ModelError::Unavailable(String::from("the local model could not be loaded")));
        };
        let pieces = local.stream(context, max_tokens).await?;
        // The stream holds the model: a reply in progress keeps it in use.
        Ok(Box::pin(pieces.map(move |piece| {
            let _in_use = &local;
            piece
        })))
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::OnceLock;

    use super::*;
    use crate::models::{catalog, fetch, status::FetchStatus};

    /// Greedy: the same prompt always gets the same reply.
    const GREEDY: SamplingSettings = SamplingSettings { temperature: 0.0, top_p: 1.0, repeat_penalty: 1.1 };
    const PERSONA: &str = "You are a friendly interview coach. Ask one short question at a time about the \
        candidate's last project, and give brief, concrete feedback on their answers.";

    /// The SmolLM2-135M fixture, fetched once into `target/tmp/models`, where
    /// the e2e tests keep theirs.
    fn fixture() -> PathBuf {
        static PATH: OnceLock<PathBuf> = OnceLock::new();
        PATH.get_or_init(|| {
            // This test binary is target/<profile>/deps/<name>.
            let exe = std::env::current_exe().unwrap();
            let dir = exe.ancestors().nth(3).unwrap().join("tmp/models");
            let python = crate::config::Settings::defaults().unwrap().models.python;
            let spec = catalog::find("smollm2-135m").unwrap();
            fetch::ensure(&dir, &python, spec, &FetchStatus::default()).unwrap();
            fetch::file_path(&dir, spec, None)
        })
        .clone()
    }

    fn turn(role: TurnRole, content: &str) -> Turn {
        Turn { role, content: content.to_owned() }
    }

    fn opening() -> Vec<Turn> {
        vec![
            turn(TurnRole::System, PERSONA),
            turn(TurnRole::User, "I led the move of our deployments from hand-run scripts to a pipeline."),
        ]
    }

    /// The opening, the model's `answer` and the user's next message.
    fn follow_up(answer: &str) -> Vec<Turn> {
        let mut context = opening();
        context.push(turn(TurnRole::Assistant, answer));
        context.push(turn(TurnRole::User, "Release failures dropped by half."));
        context
    }

    /// A greedy reply of at most 24 tokens to `context`, and what it did with the prompt.
    fn reply(engine: &mut Engine, context: &[Turn]) -> (String, PromptUsage) {
        let prompt = engine.encode(&chatml(context)).unwrap();
        let mut text = String::new();
        let usage = engine
            .generate(&prompt, 24, GREEDY, |piece| {
                text.push_str(&piece);
                true
            })
            .unwrap();
        assert_eq!(usage.reused + usage.processed, prompt.len());
        (text, usage)
    }

    #[test]
    fn a_follow_up_runs_only_its_new_tokens_through_the_model() {
        let mut engine = Engine::load(&fixture()).unwrap();

        let (answer, first) = reply(&mut engine, &opening());
        let (_, second) = reply(&mut engine, &follow_up(&answer));

        assert_eq!(first.reused, 0, "{first:?}");
        assert!(second.processed < first.processed, "first {first:?}, second {second:?}");
        assert!(second.reused >= first.processed, "the first prompt is reused whole: {first:?}, {second:?}");
    }

    #[test]
    fn a_greedy_reply_is_the_same_with_and_without_the_cache() {
        let mut engine = Engine::load(&fixture()).unwrap();
        let (answer, _) = reply(&mut engine, &opening());

        let (cached, with_cache) = reply(&mut engine, &follow_up(&answer));
        engine.forget();
        let (fresh, without_cache) = reply(&mut engine, &follow_up(&answer));

        assert!(with_cache.reused > 0, "{with_cache:?}");
        assert_eq!(without_cache.reused, 0, "{without_cache:?}");
        assert!(!fresh.is_empty());
        assert_eq!(cached, fresh);
    }

    #[test]
    fn the_same_prompt_again_runs_only_its_last_token_and_gets_the_same_reply() {
        let mut engine = Engine::load(&fixture()).unwrap();

        let (first_reply, first) = reply(&mut engine, &opening());
        let (second_reply, second) = reply(&mut engine, &opening());

        assert_eq!(second, PromptUsage { reused: first.processed - 1, processed: 1 });
        assert_eq!(first_reply, second_reply);
    }

    /// The offline chat with the fixture installed but not loaded, as the
    /// loader leaves it at start; unloaded after `idle` unused.
    fn offline_chat(idle: Duration) -> OfflineChat {
        let chat = OfflineChat::default();
        let spec = catalog::find("smollm2-135m").unwrap();
        let path = fixture();
        let load = Box::new(move || LocalChat::load(&path, spec.name, 1, 2, GREEDY));
        chat.engine().install(spec, load, Some(idle), FetchStatus::default());
        chat
    }

    #[tokio::test]
    async fn the_local_model_is_loaded_by_the_first_request_not_at_start() {
        let chat = offline_chat(Duration::from_secs(600));
        assert!(chat.is_local(), "installed: the local model answers");
        assert!(chat.describe().contains("SmolLM2"), "{}", chat.describe());
        assert!(!chat.engine().is_loaded(), "no weights in memory before the first request");

        let reply = crate::llm::reply_text(&chat, opening(), 8).await.unwrap();

        assert!(!reply.trim().is_empty());
        assert!(chat.engine().is_loaded());
        assert_eq!(chat.engine().loads(), 1);
        crate::llm::reply_text(&chat, opening(), 4).await.unwrap();
        assert_eq!(chat.engine().loads(), 1, "loaded once");
    }

    #[tokio::test]
    async fn a_model_unused_for_the_idle_period_is_unloaded_and_the_next_request_loads_it_again() {
        let idle = Duration::from_secs(600);
        let chat = offline_chat(idle);
        let first = crate::llm::reply_text(&chat, opening(), 8).await.unwrap();
        let replied = Instant::now();

        assert!(!chat.engine().unload_if_idle(replied + idle / 2));
        assert!(chat.engine().unload_if_idle(replied + idle));

        assert!(!chat.engine().is_loaded());
        assert!(chat.is_local(), "still the local model's to answer");
        let again = crate::llm::reply_text(&chat, opening(), 8).await.unwrap();
        assert_eq!(chat.engine().loads(), 2);
        assert_eq!(again, first, "greedy: the reloaded model answers as before");
    }

    #[tokio::test]
    async fn a_reply_in_progress_keeps_the_model_in_memory() {
        let idle = Duration::from_secs(600);
        let chat = offline_chat(idle);
        let mut reply = chat.stream(opening(), 8).await.unwrap();

        assert!(!chat.engine().unload_if_idle(Instant::now() + idle * 2), "the stream holds the model");
        while let Some(piece) = reply.next().await {
            piece.unwrap();
        }
        drop(reply);
        assert!(chat.engine().unload_if_idle(Instant::now() + idle * 3));
    }

    #[tokio::test]
    async fn with_a_tiny_idle_period_the_watcher_unloads_the_model_by_itself() {
        let chat = offline_chat(Duration::from_millis(100));
        crate::llm::reply_text(&chat, opening(), 4).await.unwrap();

        // The loader thread steps every 50 ms here; no clock to drive.
        let deadline = Instant::now() + Duration::from_secs(30);
        while chat.engine().is_loaded() {
            assert!(Instant::now() < deadline, "still loaded");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        crate::llm::reply_text(&chat, opening(), 4).await.unwrap();
        assert_eq!(chat.engine().loads(), 2);
    }

    #[test]
    fn a_prompt_goes_to_the_idle_worker_whose_cache_shares_the_most_of_it() {
        let workers = [
            WorkerState { cached: vec![1, 2, 9], load: 0 },
            WorkerState { cached: vec![1, 2, 3, 4, 5], load: 0 },
            WorkerState { cached: vec![], load: 0 },
        ];

        assert_eq!(choose(&workers, &[1, 2, 3, 4, 6, 7]), 1);
        assert_eq!(choose(&workers, &[8]), 0, "no prefix anywhere: the first idle worker");
    }

    #[test]
    fn a_busy_worker_is_passed_over_even_when_its_cache_holds_the_prompt() {
        let workers = [
            WorkerState { cached: vec![1, 2, 3, 4, 5], load: 1 },
            WorkerState { cached: vec![1], load: 0 },
            WorkerState { cached: vec![], load: 0 },
        ];

        assert_eq!(choose(&workers, &[1, 2, 3, 4, 5, 6]), 1);
    }

    #[test]
    fn common_prefix_counts_the_shared_leading_tokens() {
        assert_eq!(common_prefix(&[1, 2, 3], &[1, 2, 4, 5]), 2);
        assert_eq!(common_prefix(&[1, 2], &[1, 2, 3]), 2);
        assert_eq!(common_prefix(&[], &[1]), 0);
    }

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

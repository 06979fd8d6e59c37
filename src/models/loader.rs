//! Making the configured offline models available in the background at
//! start-up: each on its own thread, fetching its weights first when they
//! are missing and `models.fetch_on_start` allows it, verifying them, then
//! installing the model in its engine's [`Resident`], which loads it on first
//! use (or at once, with `models.load_on_first_use` off) and drops it again
//! after `models.idle_unload_secs` unused. Until a model is installed the
//! features say "not ready" (the chat answers with its labelled rule-based
//! interviewer). Each step is recorded in the shared [`FetchStatus`]
//! (checking, fetching, installed, loading, loaded, missing, failed) for `GET
//! /api/v1/models`. Before the first loader starts, the work folders of
//! fetches killed halfway are removed.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use super::catalog::{self, Kind, ModelSpec};
use super::fetch;
use super::resident::Resident;
use super::status::FetchStatus;
use crate::config::ModelSettings;

/// Fetches (if allowed) and verifies the model configured under `key`
/// (`models.chat`…) on a background thread, then installs it in `engine`,
/// which loads it with `load` (given the model's folder) when first used.
pub fn install_in_background<T: Send + Sync + 'static>(
    settings: &ModelSettings,
    key: &'static str,
    id: &str,
    kind: Kind,
    status: FetchStatus,
    engine: &Resident<T>,
    load: impl Fn(&Path, &'static ModelSpec) -> anyhow::Result<T> + Send + Sync + 'static,
) {
    remove_stale_fetches(settings, &status);
    let id = id.trim();
    if id.is_empty() {
        tracing::info!(key, "no local model configured");
        return;
    }
    let Some(spec) = catalog::find(id).filter(|s| s.kind == kind) else {
        tracing::warn!(key, model = id, "unknown model; that feature has no local engine");
        return;
    };
    status.checking(spec.id);
    let settings = settings.clone();
    let thread_status = status.clone();
    let engine = engine.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("debrief-fetch-{}", kind.as_str()))
        .spawn(move || {
            if fetch_and_verify(&settings, spec, &thread_status) {
                let dir = fetch::model_dir(&settings.dir, spec);
                let load = Box::new(move || load(&dir, spec));
                engine.install(spec, load, settings.idle_unload(), thread_status);
                tracing::info!(model = spec.id, on_first_use = settings.load_on_first_use, "local model available");
                if !settings.load_on_first_use {
                    engine.load_now();
                }
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start the model loader");
        status.failed(spec.id, format!("cannot start the model loader: {error}"));
    }
}

/// The loader thread's work: check, fetch if missing and allowed; whether
/// the weights are there and intact.
fn fetch_and_verify(settings: &ModelSettings, spec: &'static ModelSpec, status: &FetchStatus) -> bool {
    if fetch::is_present(&settings.dir, spec) {
        return true;
    }
    if !settings.fetch_on_start {
        tracing::info!(model = spec.id, "local model weights missing (run `debrief models fetch`)");
        status.missing(spec.id);
        return false;
    }
    // `ensure` records the fetch's progress and failure itself.
    match fetch::ensure(&settings.dir, &settings.python, spec, status) {
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(model = spec.id, error = %error, "cannot fetch the local model");
            false
        }
    }
}

/// Once per process (the first loader to start does it): removes the work
/// folders of fetches that died halfway, i.e. that nothing has written to
/// for `models.stale_fetch_secs` before this process started. Work folders
/// of this process's own fetches are younger and always kept; those of a
/// live fetch on another node sharing `models.dir` are kept as long as it
/// keeps writing.
fn remove_stale_fetches(settings: &ModelSettings, status: &FetchStatus) {
    if !status.claim_cleanup() {
        return;
    }
    // At least a second: file times lag the clock by a few milliseconds.
    let limit = Duration::from_secs(settings.stale_fetch_secs.max(1));
    let cutoff = status.started_at().checked_sub(limit).unwrap_or(UNIX_EPOCH);
    match fetch::remove_stale_fetches(&settings.dir, cutoff) {
        Ok(reclaimed) if reclaimed.entries > 0 => tracing::info!(
            removed = reclaimed.entries,
            bytes_reclaimed = reclaimed.bytes,
            "removed half-finished model fetches"
        ),
        Ok(_) => {}
        Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot look for half-finished model fetches"),
    }
}

/// The local speech, embedding and diarization engines, each loaded on
/// first use once its weights are installed.
#[derive(Default, Clone)]
pub struct LocalEngines {
    pub transcriber: Resident<crate::stt::LocalTranscriber>,
    pub embedder: Resident<crate::embed::LocalEmbedding>,
    pub diarizer: Resident<crate::speakers::local::LocalDiarizer>,
    /// The fetches under way (a job waits for models still being fetched).
    pub fetch: FetchStatus,
}

impl LocalEngines {
    /// The learned STAR reader, when the local embedding model its weights
    /// were fitted with is installed (loaded here if it is not in memory).
    pub async fn star_reader(&self) -> Option<crate::analysis::star_reader::StarReader> {
        use crate::analysis::star_reader::{ClauseEmbedder, EMBEDDING_MODEL, StarReader};
        if self.embedder.spec()?.id != EMBEDDING_MODEL {
            return None;
        }
        let local = self.embedder.acquire().await?;
        StarReader::new(std::sync::Arc::clone(&local.0) as std::sync::Arc<dyn ClauseEmbedder>)
    }

    /// Starts checking (and fetching) the configured speech, embedding and
    /// diarization models; each is loaded when first needed. The speech
    /// engine decodes whole recordings with a beam search of `beam_size`
    /// (`transcription.beam_size`; 1: greedy).
    pub fn start(settings: &ModelSettings, beam_size: usize, status: &FetchStatus) -> Self {
        let engines = Self { fetch: status.clone(), ..Self::default() };
        install_in_background(settings, "models.stt", &settings.stt, Kind::Stt, status.clone(), &engines.transcriber, move |dir, spec| {
            let whisper = crate::stt::LocalWhisper::load(dir, spec.name)?;
            let options = crate::stt::Options { initial_prompt: spec.initial_prompt.map(str::to_owned), word_timestamps: true, short_context: false, beam_size };
            Ok(crate::stt::LocalTranscriber::new(whisper, options))
        });
        install_in_background(settings, "models.embed", &settings.embed, Kind::Embed, status.clone(), &engines.embedder, |dir, spec| {
            let embedder = crate::embed::LocalEmbedder::load(dir, spec.name)?;
            Ok(crate::embed::LocalEmbedding(std::sync::Arc::new(embedder)))
        });
        let max_speakers = settings.max_speakers.max(1);
        install_in_background(settings, "models.diarize", &settings.diarize, Kind::Diarize, status.clone(), &engines.diarizer, move |dir, spec| {
            crate::speakers::local::LocalDiarizer::load(dir, spec.name, max_speakers)
        });
        engines
    }
}

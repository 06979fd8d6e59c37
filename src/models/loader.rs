//! Loading the configured offline models in the background at start-up:
//! each on its own thread, fetching its weights first when they are missing
//! and `models.fetch_on_start` allows it, then handing the loaded engine to
//! whoever waits for it. Until then the features say "not ready" (the chat
//! answers with its labelled rule-based interviewer). Each step is recorded
//! in the shared [`FetchStatus`] (checking, fetching, loading, loaded,
//! missing, failed) for `GET /api/v1/models`. Before the first loader
//! starts, the work folders of fetches killed halfway are removed.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use super::catalog::{self, Kind, ModelSpec};
use super::fetch;
use super::status::FetchStatus;
use crate::config::ModelSettings;

/// Fetches (if allowed) and loads the model configured under `key`
/// (`models.chat`…) on a background thread; `ready` gets the model's folder.
pub fn load_in_background(
    settings: &ModelSettings,
    key: &'static str,
    id: &str,
    kind: Kind,
    status: FetchStatus,
    ready: impl FnOnce(&Path, &'static ModelSpec) -> anyhow::Result<()> + Send + 'static,
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
    let spawned = std::thread::Builder::new()
        .name(format!("debrief-load-{}", kind.as_str()))
        .spawn(move || fetch_and_load(&settings, spec, &thread_status, ready));
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start the model loader");
        status.failed(spec.id, format!("cannot start the model loader: {error}"));
    }
}

/// The loader thread's work: check, fetch if missing and allowed, load.
fn fetch_and_load(
    settings: &ModelSettings,
    spec: &'static ModelSpec,
    status: &FetchStatus,
    ready: impl FnOnce(&Path, &'static ModelSpec) -> anyhow::Result<()>,
) {
    if !fetch::is_present(&settings.dir, spec) {
        if !settings.fetch_on_start {
            tracing::info!(model = spec.id, "local model weights missing (run `debrief models fetch`)");
            status.missing(spec.id);
            return;
        }
        // `ensure` records the fetch's progress and failure itself.
        if let Err(error) = fetch::ensure(&settings.dir, &settings.python, spec, status) {
            tracing::warn!(model = spec.id, error = %error, "cannot fetch the local model");
            return;
        }
    }
    status.loading(spec.id);
    match ready(&fetch::model_dir(&settings.dir, spec), spec) {
        Ok(()) => {
            tracing::info!(model = spec.id, "local model ready");
            status.loaded(spec.id);
        }
        Err(error) => {
            tracing::warn!(model = spec.id, error = format!("{error:#}"), "cannot load the local model");
            status.failed(spec.id, format!("{error:#}"));
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

/// The local speech, embedding and diarization engines, filled in when they are loaded.
#[derive(Default, Clone)]
pub struct LocalEngines {
    pub transcriber: Arc<OnceLock<Arc<crate::stt::LocalTranscriber>>>,
    pub embedder: Arc<OnceLock<Arc<crate::embed::LocalEmbedding>>>,
    pub diarizer: Arc<OnceLock<Arc<crate::speakers::local::LocalDiarizer>>>,
    /// The fetches under way (a job waits for models still being fetched).
    pub fetch: FetchStatus,
}

impl LocalEngines {
    /// Starts loading the configured speech, embedding and diarization models.
    pub fn start(settings: &ModelSettings, status: &FetchStatus) -> Self {
        let engines = Self { fetch: status.clone(), ..Self::default() };
        let slot = Arc::clone(&engines.transcriber);
        load_in_background(settings, "models.stt", &settings.stt, Kind::Stt, status.clone(), move |dir, spec| {
            let whisper = crate::stt::LocalWhisper::load(dir, spec.name)?;
            let options = crate::stt::Options { initial_prompt: spec.initial_prompt.map(str::to_owned), word_timestamps: true };
            slot.set(Arc::new(crate::stt::LocalTranscriber::new(whisper, options))).ok();
            Ok(())
        });
        let slot = Arc::clone(&engines.embedder);
        load_in_background(settings, "models.embed", &settings.embed, Kind::Embed, status.clone(), move |dir, spec| {
            let embedder = crate::embed::LocalEmbedder::load(dir, spec.name)?;
            slot.set(Arc::new(crate::embed::LocalEmbedding(Arc::new(embedder)))).ok();
            Ok(())
        });
        let slot = Arc::clone(&engines.diarizer);
        let max_speakers = settings.max_speakers.max(1);
        load_in_background(settings, "models.diarize", &settings.diarize, Kind::Diarize, status.clone(), move |dir, spec| {
            slot.set(Arc::new(crate::speakers::local::LocalDiarizer::load(dir, spec.name, max_speakers)?)).ok();
            Ok(())
        });
        engines
    }
}

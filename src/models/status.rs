//! What the model fetcher is doing, shared between the fetch thread, the log
//! and `GET /api/v1/models`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The state of one model's fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Running; the stage in words ("downloading part 2 of 6").
    Fetching(String),
    Done,
    Failed(String),
}

/// Fetch progress by model id; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct FetchStatus {
    models: Arc<Mutex<BTreeMap<String, State>>>,
}

impl FetchStatus {
    fn set(&self, id: &str, state: State) {
        if let Ok(mut models) = self.models.lock() {
            models.insert(id.to_owned(), state);
        }
    }

    pub fn begin(&self, id: &str) {
        tracing::info!(model = id, "fetching model weights");
        self.set(id, State::Fetching(String::from("starting")));
    }

    pub fn stage(&self, id: &str, stage: String) {
        tracing::info!(model = id, stage = %stage, "model fetch");
        self.set(id, State::Fetching(stage));
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

    pub fn state(&self, id: &str) -> Option<State> {
        self.models.lock().ok().and_then(|m| m.get(id).cloned())
    }

    /// Whether any fetch is running.
    pub fn in_progress(&self) -> bool {
        self.models.lock().is_ok_and(|m| m.values().any(|s| matches!(s, State::Fetching(_))))
    }
}

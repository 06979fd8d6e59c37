//! Keeping a local engine in memory only while it is used: a [`Resident`]
//! holds one engine (the chat model, Whisper, MiniLM, the diarization
//! models) that is loaded the first time it is asked for and dropped again
//! once nobody has used it for `models.idle_unload_secs`.
//!
//! ## Its life
//!
//! `absent` (no model configured, or its weights are still being checked or
//! fetched, or missing) → [`install`](Resident::install) once the loader has
//! verified the weights → `unloaded` → the first [`acquire`](Resident::acquire)
//! (or [`load_now`](Resident::load_now), at start) starts a load on a thread of its own →
//! `loading` (every caller waits for the same load) → `loaded` (or `failed`,
//! for good: the weights are broken, the log and `GET /api/v1/models` say so)
//! → unused for the idle period → `unloaded` again, and so on.
//!
//! ## When an engine is idle
//!
//! An engine is in use while anyone holds the `Arc` it was handed out as (a
//! transcription running, a reply streaming: the chat's stream holds it). The
//! thread that loaded it stays on as its watcher: every quarter of the idle
//! period (at most 30 s) it takes one step, [`unload_if_idle`](Resident::unload_if_idle),
//! which counts an engine held by someone as used just now and drops one that
//! has been neither handed out nor held for the whole period. The step takes
//! the time as an argument, so tests drive it without waiting.
//!
//! ## Giving the memory back
//!
//! Dropping the weights frees them to the allocator, which does not always
//! return them to the system: glibc keeps freed chunks of its arenas (each
//! thread that loaded or ran a model has one) for reuse; only chunks above
//! its mmap threshold (which grows up to 32 MiB as large buffers are freed)
//! go back at once. Most tensors are a few MiB, and a load interleaves each
//! tensor's read buffer with its copy, so freed memory sits in holes.
//! [`release_free_memory`] (`malloc_trim(0)`: every free page of every arena
//! back to the system) runs after each load, after each unload, and in the
//! chat's workers after each reply. Measured (release, Qwen2.5-0.5B, Whisper
//! tiny.en, 2 cores): after the chat model's unload the process holds 92 MiB
//! with it and 233 MiB without; the peak of a chat reply and a transcription
//! at once is 1.14 GiB with it and 1.35 GiB without.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::catalog::ModelSpec;
use super::status::FetchStatus;

/// Loads an installed engine (seconds; runs on a thread of its own).
pub type Loader<T> = Box<dyn Fn() -> anyhow::Result<T> + Send + Sync>;

/// The longest the watcher sleeps between two steps.
const MAX_WATCH_TICK: Duration = Duration::from_secs(30);
/// The shortest (a tiny idle period in a test or a demo).
const MIN_WATCH_TICK: Duration = Duration::from_millis(50);

/// How an installed engine is loaded and for how long it may stay unused.
struct Installed<T> {
    spec: &'static ModelSpec,
    load: Loader<T>,
    /// `None`: never unloaded.
    idle_unload: Option<Duration>,
    status: FetchStatus,
}

/// Where the engine is.
enum Slot<T> {
    /// Not installed (yet): nothing to load.
    Absent,
    /// Installed, not in memory: the next use loads it.
    Unloaded,
    Loading,
    Loaded {
        engine: Arc<T>,
        /// When it was last handed out or seen held.
        last_used: Instant,
        /// Which load this is (a watcher only looks after its own).
        residency: u64,
    },
    /// Loading failed; not tried again.
    Failed,
}

struct Shared<T> {
    slot: Mutex<Slot<T>>,
    installed: OnceLock<Installed<T>>,
    /// Woken when a load ends, either way.
    settled: Notify,
    /// Loads so far.
    loads: Mutex<u64>,
}

/// One local engine, loaded on first use and dropped when idle. Clones share it.
pub struct Resident<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Resident<T> {
    fn clone(&self) -> Self {
        Self { shared: Arc::clone(&self.shared) }
    }
}

impl<T> Default for Resident<T> {
    fn default() -> Self {
        Self {
            shared: Arc::new(Shared {
                slot: Mutex::new(Slot::Absent),
                installed: OnceLock::new(),
                settled: Notify::new(),
                loads: Mutex::new(0),
            }),
        }
    }
}

/// What [`Resident::find`] found.
enum Found<T> {
    Ready(Arc<T>),
    /// A load is under way (perhaps started by this call).
    Loading,
    /// Nothing to load: not installed, or its load failed.
    Unavailable,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The slot is only ever replaced whole: still consistent after a panic.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: Send + Sync + 'static> Resident<T> {
    /// Makes the verified model `spec` loadable by `load` (once; later calls
    /// are ignored). `idle_unload`: how long it may stay unused in memory
    /// (`None`: for ever).
    pub fn install(&self, spec: &'static ModelSpec, load: Loader<T>, idle_unload: Option<Duration>, status: FetchStatus) {
        status.installed(spec.id);
        if self.shared.installed.set(Installed { spec, load, idle_unload, status }).is_err() {
            return;
        }
        let mut slot = lock(&self.shared.slot);
        if matches!(*slot, Slot::Absent) {
            *slot = Slot::Unloaded;
        }
    }

    /// The installed model.
    pub fn spec(&self) -> Option<&'static ModelSpec> {
        self.shared.installed.get().map(|installed| installed.spec)
    }

    /// Whether the engine serves: installed and not failed (it may have to be
    /// loaded first).
    pub fn is_available(&self) -> bool {
        matches!(*lock(&self.shared.slot), Slot::Unloaded | Slot::Loading | Slot::Loaded { .. })
    }

    /// Whether its weights are in memory now.
    pub fn is_loaded(&self) -> bool {
        matches!(*lock(&self.shared.slot), Slot::Loaded { .. })
    }

    /// How many times it has been loaded.
    pub fn loads(&self) -> u64 {
        *lock(&self.shared.loads)
    }

    /// `Name (local)` for people, while it serves.
    pub fn describe(&self) -> Option<String> {
        self.spec().filter(|_| self.is_available()).map(|spec| format!("{} (local)", spec.name))
    }

    /// The engine, loaded first when it is not in memory (waiting for a load
    /// already under way); `None` when it is not installed or cannot be loaded.
    pub async fn acquire(&self) -> Option<Arc<T>> {
        loop {
            // Registered before looking, so the end of a load cannot slip
            // between the look and the wait.
            let settled = self.shared.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            match self.find() {
                Found::Ready(engine) => return Some(engine),
                Found::Unavailable => return None,
                Found::Loading => settled.await,
            }
        }
    }

    /// Hands the engine out (marking it used), or starts its load.
    fn find(&self) -> Found<T> {
        let mut slot = lock(&self.shared.slot);
        match &mut *slot {
            Slot::Loaded { engine, last_used, .. } => {
                *last_used = Instant::now();
                Found::Ready(Arc::clone(engine))
            }
            Slot::Loading => Found::Loading,
            Slot::Absent | Slot::Failed => Found::Unavailable,
            Slot::Unloaded => {
                *slot = Slot::Loading;
                drop(slot);
                self.start_load();
                Found::Loading
            }
        }
    }

    /// Starts loading the engine now when it is installed and not in memory
    /// (at start, with `models.load_on_first_use` off).
    pub fn load_now(&self) {
        let _ = self.find();
    }

    /// Loads on a thread of its own, which then watches for idleness.
    fn start_load(&self) {
        let resident = self.clone();
        let kind = self.spec().map_or("model", |spec| spec.kind.as_str());
        let spawned = std::thread::Builder::new()
            .name(format!("debrief-model-{kind}"))
            .spawn(move || {
                if let Some((residency, idle)) = resident.load() {
                    resident.watch(residency, idle);
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start a model loader thread");
            if let Some(installed) = self.shared.installed.get() {
                installed.status.failed(installed.spec.id, format!("cannot start the model loader: {error}"));
            }
            *lock(&self.shared.slot) = Slot::Failed;
            self.shared.settled.notify_waiters();
        }
    }

    /// Runs the load and records its outcome; the residency and idle period
    /// to watch, when the engine is loaded and may be unloaded.
    fn load(&self) -> Option<(u64, Option<Duration>)> {
        let Some(installed) = self.shared.installed.get() else {
            *lock(&self.shared.slot) = Slot::Failed;
            self.shared.settled.notify_waiters();
            return None;
        };
        let id = installed.spec.id;
        installed.status.loading(id);
        let started = Instant::now();
        // A panic in the runtime would otherwise leave every user waiting.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (installed.load)()))
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the model loader panicked")));
        // The buffers the weights were read through are free now.
        release_free_memory();
        let outcome = {
            let mut slot = lock(&self.shared.slot);
            match result {
                Ok(engine) => {
                    let residency = {
                        let mut loads = lock(&self.shared.loads);
                        *loads += 1;
                        *loads
                    };
                    *slot = Slot::Loaded { engine: Arc::new(engine), last_used: Instant::now(), residency };
                    let seconds = started.elapsed().as_secs_f64();
                    tracing::info!(model = id, seconds, "local model loaded");
                    installed.status.loaded(id);
                    metrics::counter!("debrief_local_model_loads_total", "model" => id).increment(1);
                    metrics::histogram!("debrief_local_model_load_seconds", "model" => id).record(seconds);
                    metrics::gauge!("debrief_local_model_loaded", "model" => id).set(1.0);
                    Some((residency, installed.idle_unload))
                }
                Err(error) => {
                    tracing::warn!(model = id, error = format!("{error:#}"), "cannot load the local model");
                    installed.status.failed(id, format!("{error:#}"));
                    *slot = Slot::Failed;
                    None
                }
            }
        };
        self.shared.settled.notify_waiters();
        outcome
    }

    /// The watcher: steps until this residency ends. Holds the engine only
    /// weakly, so a dropped server's engine is not kept alive by it.
    fn watch(self, residency: u64, idle: Option<Duration>) {
        let Some(idle) = idle else { return };
        let tick = (idle / 4).clamp(MIN_WATCH_TICK, MAX_WATCH_TICK);
        let shared = Arc::downgrade(&self.shared);
        drop(self);
        loop {
            std::thread::sleep(tick);
            let Some(shared) = Weak::upgrade(&shared) else { return };
            let resident = Self { shared };
            if resident.step(Instant::now(), Some(residency)) != Step::Kept {
                return;
            }
        }
    }

    /// One step of the watcher at time `now`: drops the engine when it has
    /// been unused for the idle period (and nobody holds it); true if it did.
    pub fn unload_if_idle(&self, now: Instant) -> bool {
        self.step(now, None) == Step::Unloaded
    }

    fn step(&self, now: Instant, only: Option<u64>) -> Step {
        let Some(installed) = self.shared.installed.get() else { return Step::Gone };
        let Some(idle) = installed.idle_unload else { return Step::Gone };
        let mut slot = lock(&self.shared.slot);
        let Slot::Loaded { engine, last_used, residency } = &mut *slot else { return Step::Gone };
        if only.is_some_and(|only| only != *residency) {
            return Step::Gone;
        }
        if Arc::strong_count(engine) > 1 {
            *last_used = now;
            return Step::Kept;
        }
        if now.saturating_duration_since(*last_used) < idle {
            return Step::Kept;
        }
        let unloaded = std::mem::replace(&mut *slot, Slot::Unloaded);
        drop(slot);
        // The last reference (none was handed out under the lock): the weights go here.
        drop(unloaded);
        release_free_memory();
        let id = installed.spec.id;
        tracing::info!(model = id, idle_secs = idle.as_secs(), "local model unloaded after its idle period");
        installed.status.installed(id);
        metrics::counter!("debrief_local_model_unloads_total", "model" => id).increment(1);
        metrics::gauge!("debrief_local_model_loaded", "model" => id).set(0.0);
        Step::Unloaded
    }
}

/// What one watcher step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Kept,
    Unloaded,
    /// Nothing (more) to watch: not loaded, another residency, or never unloaded.
    Gone,
}

/// Hands the allocator's free memory back to the system (glibc keeps it
/// otherwise; see the module's documentation). Nothing on other platforms.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_memory() {
    // SAFETY: malloc_trim only returns free pages of glibc's own heaps to the
    // system; it touches no memory in use and may be called from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Nothing to do where the allocator is not glibc's.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::models::catalog;

    const IDLE: Duration = Duration::from_secs(60);

    /// A stand-in engine that counts how many of it are alive.
    struct Weights {
        alive: Arc<AtomicU64>,
    }

    impl Drop for Weights {
        fn drop(&mut self) {
            self.alive.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// An installed resident of stand-in weights, and the count of those alive.
    fn installed(fail: bool) -> (Resident<Weights>, Arc<AtomicU64>) {
        let alive = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&alive);
        let resident = Resident::default();
        let load: Loader<Weights> = Box::new(move || {
            anyhow::ensure!(!fail, "broken weights");
            counted.fetch_add(1, Ordering::SeqCst);
            Ok(Weights { alive: Arc::clone(&counted) })
        });
        let spec = catalog::find("smollm2-135m").unwrap();
        resident.install(spec, load, Some(IDLE), FetchStatus::default());
        (resident, alive)
    }

    #[tokio::test]
    async fn an_installed_engine_is_loaded_by_its_first_use_not_before() {
        let (resident, alive) = installed(false);
        assert!(resident.is_available());
        assert!(!resident.is_loaded());
        assert_eq!(alive.load(Ordering::SeqCst), 0);

        let engine = resident.acquire().await;

        assert!(engine.is_some());
        assert!(resident.is_loaded());
        assert_eq!(resident.loads(), 1);
        assert!(resident.acquire().await.is_some());
        assert_eq!(resident.loads(), 1, "a loaded engine is not loaded again");
    }

    #[tokio::test]
    async fn an_engine_unused_for_the_idle_period_is_dropped_and_loaded_again_when_next_used() {
        let (resident, alive) = installed(false);
        drop(resident.acquire().await);
        let used = Instant::now();

        assert!(!resident.unload_if_idle(used + IDLE / 2), "not idle long enough");
        assert!(resident.unload_if_idle(used + IDLE + Duration::from_secs(1)));

        assert!(!resident.is_loaded());
        assert_eq!(alive.load(Ordering::SeqCst), 0, "the weights were dropped");
        assert!(resident.is_available(), "still serves: loaded on next use");
        assert!(resident.acquire().await.is_some());
        assert_eq!(resident.loads(), 2);
        assert_eq!(alive.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_engine_held_by_a_user_is_not_dropped_however_long_ago_it_was_handed_out() {
        let (resident, alive) = installed(false);
        let held = resident.acquire().await;
        let long_after = Instant::now() + IDLE * 10;

        assert!(!resident.unload_if_idle(long_after));
        drop(held);
        assert!(!resident.unload_if_idle(long_after + IDLE / 2), "held until just now");
        assert!(resident.unload_if_idle(long_after + IDLE));
        assert_eq!(alive.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn users_arriving_together_share_one_load() {
        let (resident, alive) = installed(false);

        let (a, b) = tokio::join!(resident.acquire(), resident.acquire());

        assert!(a.is_some() && b.is_some());
        assert_eq!(resident.loads(), 1);
        assert_eq!(alive.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_engine_that_cannot_be_loaded_is_unavailable_and_not_retried() {
        let (resident, _) = installed(true);

        assert!(resident.acquire().await.is_none());

        assert!(!resident.is_available());
        assert!(resident.describe().is_none());
        assert!(resident.acquire().await.is_none());
    }

    #[tokio::test]
    async fn a_loader_that_panics_leaves_nobody_waiting() {
        let resident: Resident<Weights> = Resident::default();
        let spec = catalog::find("smollm2-135m").unwrap();
        resident.install(spec, Box::new(|| panic!("corrupt tensor")), Some(IDLE), FetchStatus::default());

        assert!(resident.acquire().await.is_none());
        assert!(!resident.is_available());
    }

    #[tokio::test]
    async fn nothing_is_loaded_before_the_model_is_installed() {
        let resident: Resident<Weights> = Resident::default();
        assert!(!resident.is_available());
        resident.load_now();
        assert!(!resident.is_loaded());
        assert!(resident.acquire().await.is_none());
    }
}

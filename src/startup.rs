//! Wiring: builds the application from its settings (database, actors,
//! HTTP server) and runs it until a signal stops it.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor as _, Addr};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{App, HttpServer, web};
use actors::chat::{ChatConfig, Chats};
use actors::chat_ports::ChatModel;
use actors::jobs::JobSupervisor;
use actors::upload::Uploads;
use actors::{Hub, SessionDeps};
use anyhow::Context as _;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::auth::limiter::LoginLimiter;
use crate::auth::password::PasswordHasher;
use crate::config::Settings;
use crate::error::{form_error_handler, json_error_handler, no_route, path_error_handler, query_error_handler};
use crate::events::Events;
use crate::files::{FileStore, LocalDir};
use crate::store::Store;
use crate::store::events::StoreEventLog;

/// Everything a request handler may need, shared by all workers.
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub hub: Addr<Hub>,
    pub chats: Addr<Chats>,
    pub chat_model: Arc<dyn ChatModel>,
    /// Which kind of engine answers the chat (remote, local, fallback).
    pub chat_choice: crate::llm::ChatChoice,
    /// Progress of model weight fetches.
    pub model_fetch: crate::models::status::FetchStatus,
    /// The local speech, embedding and diarization engines (loaded on first use).
    pub local_engines: crate::models::loader::LocalEngines,
    pub chat_config: ChatConfig,
    pub session_deps: SessionDeps,
    /// Transcribes, measures and stores practice answers said out loud.
    pub spoken: crate::practice::spoken::Spoken,
    pub events: Events,
    pub uploads: Addr<Uploads>,
    /// Runs recording jobs (wake it when one is queued, cancel on delete).
    pub jobs: Addr<JobSupervisor>,
    pub files: Arc<dyn FileStore>,
    pub passwords: PasswordHasher,
    pub limiter: Arc<LoginLimiter>,
    pub metrics: PrometheusHandle,
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects to the database, starts the actors and binds the listener.
    /// Must run inside an actix system (`#[actix_web::main]`, `#[actix_web::test]`).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let metrics = crate::telemetry::metrics_handle()?;
        let store = Store::connect(&settings.database).await?;
        let hub = Hub::default().start();
        let chat_choice = crate::llm::chat_model(&settings.llm)?;
        let model_fetch = crate::models::status::FetchStatus::default();
        if let crate::llm::ChatChoice::Offline(offline) = &chat_choice {
            crate::llm::start_local_chat(&settings.models, offline, model_fetch.clone());
        }
        let local_engines = crate::models::loader::LocalEngines::start(&settings.models, settings.transcription.beam_size, &model_fetch);
        let chat_model = chat_choice.model();
        let persona = settings.chat.persona()?;
        let interviewer = crate::interviewer::GuidedInterviewer::new(
            store.clone(),
            chat_choice.clone(),
            settings.chat.interviewer(&persona),
        );
        let chat_config = settings.chat.actor_config(persona);
        let chats = Chats::new(
            Arc::new(store.clone()),
            Arc::new(interviewer),
            hub.clone(),
            chat_config.clone(),
        )
        .start();
        let settings = Arc::new(settings);
        let spoken = crate::practice::spoken::Spoken {
            store: store.clone(),
            hub: hub.clone(),
            speech: crate::pipeline::SpeechEngine::from_settings(&settings, &local_engines),
            settings: Arc::clone(&settings),
            chat_choice: chat_choice.clone(),
            local: local_engines.clone(),
        };
        let session_deps = SessionDeps {
            hub: hub.clone(),
            log: StoreEventLog::shared(store.clone()),
            chats: chats.clone(),
            spoken: Arc::new(spoken.clone()),
        };
        let events = Events::new(store.clone(), hub.clone());
        let uploads = Uploads::new(hub.clone(), Arc::new(events.clone()), settings.uploads.actor_config()).start();
        let files: Arc<dyn FileStore> = Arc::new(LocalDir::new(&settings.storage.dir)?);
        let jobs = start_jobs(&settings, &store, &files, &events, &hub, &chat_choice, &local_engines)?;
        let auth = &settings.auth;
        let state = web::Data::new(AppState {
            passwords: PasswordHasher::new(auth.argon2_memory_kib, auth.argon2_iterations)?,
            limiter: Arc::new(LoginLimiter::new(auth.throttle())),
            events,
            uploads,
            jobs,
            files,
            chats,
            chat_model,
            chat_choice,
            model_fetch,
            local_engines,
            chat_config,
            session_deps,
            spoken,
            settings,
            store,
            hub,
            metrics,
        });

        let server_settings = &state.settings.server;
        let listener = TcpListener::bind(&server_settings.bind)
            .with_context(|| format!("failed to bind {}", server_settings.bind))?;
        let address = listener.local_addr().context("failed to read the bound address")?;
        let json_limit = server_settings.max_json_bytes;
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                // Every extractor's refusal is the contract's JSON error (crate::error).
                .app_data(
                    web::JsonConfig::default().limit(json_limit).error_handler(json_error_handler),
                )
                .app_data(web::QueryConfig::default().error_handler(query_error_handler))
                .app_data(web::PathConfig::default().error_handler(path_error_handler))
                .app_data(web::FormConfig::default().limit(json_limit).error_handler(form_error_handler))
                .wrap(from_fn(crate::error::json_errors))
                .wrap(Compress::default())
                .wrap(crate::http::web::security_headers())
                .wrap(from_fn(crate::http::metrics::track))
                .configure(crate::http::configure)
                .default_service(web::to(no_route))
        })
        .listen(listener)
        .context("failed to start listening")?
        .shutdown_timeout(server_settings.shutdown_timeout_secs)
        .client_request_timeout(Duration::from_secs(server_settings.client_request_timeout_secs));
        if server_settings.workers > 0 {
            server = server.workers(server_settings.workers);
        }
        let server = server.run();
        println!("listening on http://{address}");
        tracing::info!(%address, "listening");
        Ok(Self { port: address.port(), server, state })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/SIGINT (actix-web stops accepting, lets in-flight
    /// requests finish within `shutdown_timeout_secs`), then closes the database.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let housekeeping = actix_rt::spawn(housekeeping(self.state.clone()));
        let sweeper = actix_rt::spawn(sweep_uploads(self.state.clone()));
        self.server.await.context("the HTTP server failed")?;
        // Hand running jobs back to the queue so a restart takes them up at once.
        if let Err(error) = self.state.jobs.send(actors::jobs::Shutdown).await {
            tracing::warn!(%error, "stopping the jobs failed");
        }
        housekeeping.abort();
        sweeper.abort();
        tracing::info!("stopped accepting connections; closing the database");
        drop(self.state);
        Ok(())
    }
}

/// The recording pipeline and the supervisor that runs it.
fn start_jobs(
    settings: &Arc<Settings>,
    store: &Store,
    files: &Arc<dyn FileStore>,
    events: &Events,
    hub: &Addr<Hub>,
    chat_choice: &crate::llm::ChatChoice,
    local_engines: &crate::models::loader::LocalEngines,
) -> anyhow::Result<Addr<JobSupervisor>> {
    use crate::pipeline::{Pipeline, SpeechEngine};
    let speech = SpeechEngine::from_settings(settings, local_engines);
    // Judgement comes from a configured endpoint only (the small local models would guess).
    let judge = match chat_choice {
        crate::llm::ChatChoice::Remote(model) => Some(Arc::clone(model)),
        crate::llm::ChatChoice::Offline(_) => None,
    };
    let notifier = crate::notify::Notifier::new(store.clone(), events.clone(), &settings.email)?;
    let pipeline = Pipeline::new(
        store.clone(),
        Arc::clone(files),
        events.clone(),
        hub.clone(),
        notifier,
        speech,
        judge,
        local_engines.clone(),
        Arc::clone(settings),
    );
    Ok(JobSupervisor::new(Arc::new(store.clone()), Arc::new(pipeline), settings.jobs.actor_config()).start())
}

/// Periodic chores: purge expired credentials, forget idle rate-limit keys,
/// keep the metrics exporter's histograms fresh.
async fn housekeeping(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(error) = state.store.purge_expired_credentials().await {
            tracing::warn!(error = format!("{error:#}"), "housekeeping failed");
        }
        state.limiter.forget_idle();
        state.metrics.run_upkeep();
    }
}

/// Reclaims expired uploads every `uploads.sweep_interval_secs`.
async fn sweep_uploads(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(state.settings.uploads.sweep_interval_secs.max(1)));
    loop {
        tick.tick().await;
        if let Err(error) = crate::tus::sweep_expired(&state).await {
            tracing::warn!(error = format!("{error:#}"), "sweeping expired uploads failed");
        }
    }
}

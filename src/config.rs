//! Configuration: one typed struct, loaded from `config/default.toml` (built
//! into the binary), then the `--config FILE`, then `DEBRIEF_<SECTION>__<KEY>`
//! environment variables. It is passed into the application, never global.

use std::path::Path;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;

/// The defaults, documented key by key.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// All of Debrief's settings.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub ws: WsSettings,
    pub llm: LlmSettings,
    pub chat: ChatSettings,
    pub storage: StorageSettings,
    pub uploads: UploadSettings,
    pub interviews: InterviewSettings,
    pub practice: PracticeSettings,
    pub models: ModelSettings,
    pub transcription: TranscriptionSettings,
    pub jobs: JobSettings,
    pub media: MediaSettings,
    pub email: EmailSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub workers: usize,
    pub shutdown_timeout_secs: u64,
    pub max_json_bytes: usize,
    pub client_request_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub namespace: String,
    pub database: String,
    pub username: String,
    pub password: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub token_ttl_hours: u64,
    pub ticket_ttl_secs: u64,
    pub email_max_chars: usize,
    pub name_max_chars: usize,
    pub password_min_chars: usize,
    pub password_max_chars: usize,
    pub login_per_ip_per_minute: u32,
    pub login_failures_per_ip_per_hour: u32,
    pub login_free_failures: u32,
    pub login_backoff_base_secs: u64,
    pub login_backoff_max_secs: u64,
    pub login_failure_memory_secs: u64,
    pub login_tracked_keys_max: usize,
    pub trust_forwarded_for: bool,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
}

impl AuthSettings {
    /// The account field bounds, in the form the protocol's parsers take.
    pub fn limits(&self) -> protocol::account::AccountLimits {
        protocol::account::AccountLimits {
            email_max: self.email_max_chars,
            name_max: self.name_max_chars,
            password_min: self.password_min_chars,
            password_max: self.password_max_chars,
        }
    }

    /// The sign-in throttle's limits.
    pub fn throttle(&self) -> crate::auth::limiter::ThrottleLimits {
        crate::auth::limiter::ThrottleLimits {
            attempts_per_ip_per_minute: self.login_per_ip_per_minute,
            failures_per_ip_per_hour: self.login_failures_per_ip_per_hour,
            free_failures: self.login_free_failures,
            backoff_base: Duration::from_secs(self.login_backoff_base_secs),
            backoff_max: Duration::from_secs(self.login_backoff_max_secs),
            failure_memory: Duration::from_secs(self.login_failure_memory_secs),
            tracked_keys_max: self.login_tracked_keys_max,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct WsSettings {
    pub heartbeat_interval_secs: u64,
    pub client_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    pub max_frame_bytes: usize,
    pub outbound_queue: usize,
    pub replay_batch: usize,
    /// Bytes of a spoken answer held while its stream opens.
    pub audio_pending_max_bytes: usize,
}

impl WsSettings {
    /// The per-session settings the Session actor takes.
    pub fn session(&self, chat: &ChatSettings) -> actors::SessionConfig {
        actors::SessionConfig {
            heartbeat_interval: Duration::from_secs(self.heartbeat_interval_secs.max(1)),
            client_timeout: Duration::from_secs(self.client_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            outbound_queue: self.outbound_queue,
            replay_batch: self.replay_batch,
            chat_max_chars: chat.max_message_chars,
            audio_pending_max_bytes: self.audio_pending_max_bytes,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LlmSettings {
    pub base_url: String,
    pub api_key: SecretString,
    pub model: String,
    pub first_token_timeout_secs: u64,
    pub stall_timeout_secs: u64,
    pub max_retries: u32,
    pub retry_base_ms: u64,
    pub max_concurrency: usize,
    pub queue_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatSettings {
    pub persona_file: String,
    pub max_message_chars: usize,
    pub messages_per_minute: u32,
    pub context_tokens: usize,
    pub context_messages: usize,
    pub max_reply_tokens: u32,
    pub idle_stop_secs: u64,
    pub max_page_size: usize,
    pub max_record_items: usize,
    pub record_item_max_chars: usize,
    pub local_ack_budget_ms: u64,
}

/// The built-in persona.
pub const DEFAULT_PERSONA: &str = include_str!("../config/interviewer.toml");

/// The Career Interviewer's persona file.
#[derive(Debug, Clone, Deserialize)]
pub struct Persona {
    pub system_prompt: String,
    pub introduction: String,
}

impl ChatSettings {
    /// The persona from `persona_file`, or the built-in one.
    pub fn persona(&self) -> anyhow::Result<Persona> {
        use anyhow::Context as _;
        let text = if self.persona_file.is_empty() {
            DEFAULT_PERSONA.to_owned()
        } else {
            std::fs::read_to_string(&self.persona_file)
                .with_context(|| format!("failed to read the persona file {}", self.persona_file))?
        };
        let persona: Persona = parse_toml(&text)?;
        Ok(Persona {
            system_prompt: persona.system_prompt.trim().to_owned(),
            introduction: persona.introduction.trim().to_owned(),
        })
    }

    /// The guided interviewer's settings.
    pub fn interviewer(&self, persona: &Persona) -> crate::interviewer::InterviewerSettings {
        crate::interviewer::InterviewerSettings {
            system_prompt: persona.system_prompt.as_str().into(),
            context_tokens: self.context_tokens,
            max_reply_tokens: self.max_reply_tokens,
            max_record_items: self.max_record_items,
            local_ack_budget: Duration::from_millis(self.local_ack_budget_ms),
        }
    }

    /// The chat actors' settings.
    pub fn actor_config(&self, persona: Persona) -> actors::chat::ChatConfig {
        actors::chat::ChatConfig {
            introduction: persona.introduction.into(),
            context_messages: self.context_messages,
            max_reply_tokens: self.max_reply_tokens,
            messages_per_minute: self.messages_per_minute,
            idle_stop: Duration::from_secs(self.idle_stop_secs.max(1)),
        }
    }
}

/// Parses a TOML document with figment's TOML provider (no second TOML crate).
fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> anyhow::Result<T> {
    Figment::from(Toml::string(text)).extract().map_err(|e| anyhow::anyhow!("invalid persona file: {e}"))
}

#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub dir: std::path::PathBuf,
    pub quota_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UploadSettings {
    pub max_size_bytes: u64,
    pub expiry_secs: u64,
    pub sweep_interval_secs: u64,
    pub checkpoint_bytes: u64,
    pub write_buffer_bytes: usize,
    pub progress_interval_ms: u64,
    pub metadata_max_bytes: usize,
    pub idle_stop_secs: u64,
}

impl UploadSettings {
    /// The Upload actors' settings.
    pub fn actor_config(&self) -> actors::upload::UploadConfig {
        actors::upload::UploadConfig {
            progress_interval: Duration::from_millis(self.progress_interval_ms.max(1)),
            idle_stop: Duration::from_secs(self.idle_stop_secs.max(1)),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct InterviewSettings {
    pub short_text_max_chars: usize,
    pub notes_max_chars: usize,
    pub job_description_max_chars: usize,
    pub max_page_size: usize,
}

impl InterviewSettings {
    /// The context field bounds, in the form the protocol's parsers take.
    pub fn limits(&self) -> protocol::interview::ContextLimits {
        protocol::interview::ContextLimits {
            short_text_max: self.short_text_max_chars,
            notes_max: self.notes_max_chars,
            job_description_max: self.job_description_max_chars,
        }
    }
}

/// Practice sessions: their limits, question generation, coaching and the
/// comparison with recordings.
#[derive(Debug, Clone, Deserialize)]
pub struct PracticeSettings {
    /// Questions generated when a request does not say how many.
    pub default_questions: usize,
    /// Most questions a session may hold.
    pub max_questions: usize,
    pub short_text_max_chars: usize,
    pub job_description_max_chars: usize,
    pub resume_url_max_chars: usize,
    /// Longest answer or feedback text, in characters.
    pub max_answer_chars: usize,
    /// Longest question, in characters (model-written ones too).
    pub max_question_chars: usize,
    /// Most strengths or improvements in edited feedback.
    pub max_feedback_items: usize,
    /// Most answers in one batch request.
    pub max_batch: usize,
    pub max_page_size: usize,
    /// How long the model may take to write questions before the bank answers.
    pub model_timeout_secs: u64,
    /// Longest coaching reply from the model, in tokens.
    pub coaching_max_tokens: u32,
    /// Offline: how long the local chat model may take to write questions or
    /// the session summary, or a coaching reply's first words, before the
    /// rules answer; 0 (the default) leaves practice to the rules.
    pub local_model_secs: u64,
    /// Offline: longest coaching reply or summary from the local model, in tokens.
    pub local_max_tokens: u32,
    /// Cosine similarity of embeddings from which an asked question is a practised one.
    pub match_threshold: f64,
    /// The same for the content-word overlap used while no embedding model is loaded.
    pub lexical_match_threshold: f64,
    /// Longest spoken answer, in seconds (longer: 413).
    pub max_answer_secs: u64,
    /// Largest spoken answer's recording, in bytes (larger: 413).
    pub max_answer_bytes: usize,
    /// How often a live answer's partial transcript is refreshed, in milliseconds.
    pub live_partial_ms: u64,
    /// Longest stretch of a live answer transcribed again for each partial, in seconds.
    pub live_window_secs: u64,
    /// A live answer that receives no audio for this long is dropped, in seconds.
    pub live_idle_secs: u64,
    /// Hypotheses of the beam search that transcribes a finished spoken
    /// answer (1: greedy, the quickest feedback).
    pub answer_beam_size: usize,
}

/// A remote OpenAI-compatible `/v1/audio/transcriptions` endpoint; empty
/// `base_url`: the local speech model transcribes.
#[derive(Debug, Clone, Deserialize)]
pub struct TranscriptionSettings {
    pub base_url: String,
    pub api_key: SecretString,
    pub model: String,
    pub timeout_secs: u64,
    /// Largest file sent in one request (the endpoint's upload limit).
    pub max_upload_bytes: u64,
    /// A segment whose mean token log-probability is below this is flagged low-confidence.
    pub low_confidence_logprob: f64,
    /// Hypotheses the local engine's beam search keeps for whole recordings
    /// (1: greedy). Spoken answers have their own (`practice.answer_beam_size`);
    /// live partials are always greedy.
    pub beam_size: usize,
}

/// The background jobs that process recordings.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    pub concurrency: usize,
    pub lease_secs: u64,
    pub max_attempts: u32,
    pub backoff_base_secs: u64,
    pub poll_interval_ms: u64,
    /// Shortest gap between two live progress pushes of one job.
    pub progress_interval_ms: u64,
    /// Real-time factor assumed for the ETA before the engine has been measured.
    pub assumed_rtf: f64,
}

impl JobSettings {
    pub fn actor_config(&self) -> actors::jobs::JobConfig {
        actors::jobs::JobConfig {
            concurrency: self.concurrency.max(1),
            lease: Duration::from_secs(self.lease_secs.max(1)),
            max_attempts: self.max_attempts.max(1),
            backoff_base: Duration::from_secs(self.backoff_base_secs),
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(50)),
        }
    }
}

/// Decoding recordings.
#[derive(Debug, Clone, Deserialize)]
pub struct MediaSettings {
    /// Longest recording analysed, in seconds.
    pub max_duration_secs: u64,
}

/// Email notifications over SMTP; empty `smtp_url`: no email.
#[derive(Debug, Clone, Deserialize)]
pub struct EmailSettings {
    /// `smtp://host:port` (plain, for a local relay), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://host:465`, with `user:password@` when needed.
    pub smtp_url: SecretString,
    pub from: String,
    /// The address links in emails point to (`https://debrief.example.com`).
    pub public_url: String,
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ModelSettings {
    pub dir: std::path::PathBuf,
    pub chat: String,
    /// The local speech-to-text model (`whisper-base`, `whisper-tiny.en`, or empty for none).
    pub stt: String,
    /// The local sentence-embedding model (`all-minilm-l6-v2`, or empty for none).
    pub embed: String,
    /// The local speaker-diarization models (`silero-campplus`, or empty for none).
    pub diarize: String,
    /// Most speakers diarization looks for in one recording (at least 1).
    pub max_speakers: usize,
    pub python: String,
    pub fetch_on_start: bool,
    /// At start, half-finished fetches (`.fetch-*` in `dir`) in which nothing
    /// was written for this many seconds are removed.
    pub stale_fetch_secs: u64,
    /// Load each local model when it is first needed (a chat reply, a
    /// recording, a comparison) rather than at start.
    pub load_on_first_use: bool,
    /// A loaded local model unused for this many seconds is dropped from
    /// memory (and loaded again when next needed); 0: kept for ever.
    pub idle_unload_secs: u64,
    pub chat_workers: usize,
    pub chat_queue: usize,
    pub temperature: f64,
    pub top_p: f64,
    pub repeat_penalty: f32,
}

impl ModelSettings {
    /// How long a loaded local model may stay unused in memory (`None`: for ever).
    pub fn idle_unload(&self) -> Option<Duration> {
        (self.idle_unload_secs > 0).then(|| Duration::from_secs(self.idle_unload_secs))
    }

    /// How the local chat model samples.
    pub fn sampling(&self) -> crate::llm::local::SamplingSettings {
        crate::llm::local::SamplingSettings {
            temperature: self.temperature,
            top_p: self.top_p,
            repeat_penalty: self.repeat_penalty,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub filter: String,
}

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(#[from] Box<figment::Error>);

impl Settings {
    /// Defaults, then `file` (if any), then `DEBRIEF_…` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::prefixed("DEBRIEF_").split("__"));
        figment.extract().map_err(|e| ConfigError(Box::new(e)))
    }

    /// The built-in defaults alone, ignoring files and the environment (tests).
    pub fn defaults() -> Result<Self, ConfigError> {
        Figment::from(Toml::string(DEFAULT_TOML)).extract().map_err(|e| ConfigError(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_defaults_load() {
        let settings = Settings::defaults().unwrap();
        assert_eq!(settings.server.bind, "127.0.0.1:8080");
        assert_eq!(settings.database.url, "surrealkv://./data/db");
    }

    #[test]
    fn the_built_in_persona_introduces_a_career_interviewer() {
        let persona = Settings::defaults().unwrap().chat.persona().unwrap();
        assert!(persona.introduction.contains("Career Interviewer"));
        assert!(persona.system_prompt.contains("ONE question"));
    }

    #[test]
    fn local_models_load_on_first_use_and_unload_after_ten_idle_minutes_by_default() {
        let models = Settings::defaults().unwrap().models;
        assert!(models.load_on_first_use);
        assert_eq!(models.idle_unload(), Some(Duration::from_secs(600)));
        let kept = ModelSettings { idle_unload_secs: 0, ..models };
        assert_eq!(kept.idle_unload(), None, "0 keeps a loaded model for ever");
    }

    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail API returns its own error type")]
    fn environment_variables_override_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DEBRIEF_SERVER__BIND", "127.0.0.1:0");
            jail.set_env("DEBRIEF_DATABASE__URL", "mem://");
            let settings = Settings::load(None).unwrap();
            assert_eq!(settings.server.bind, "127.0.0.1:0");
            assert_eq!(settings.database.url, "mem://");
            Ok(())
        });
    }
}

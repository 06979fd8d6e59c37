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
    pub cache_mib: u64,
    pub memtable_mib: u64,
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
    pub login_per_account_per_minute: u32,
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
}

#[derive(Debug, Clone, Deserialize)]
pub struct WsSettings {
    pub heartbeat_interval_secs: u64,
    pub client_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    pub max_frame_bytes: usize,
    pub outbound_queue: usize,
    pub replay_batch: usize,
}

impl WsSettings {
    /// The per-session settings the Session actor takes.
    pub fn session(&self) -> actors::SessionConfig {
        actors::SessionConfig {
            heartbeat_interval: Duration::from_secs(self.heartbeat_interval_secs.max(1)),
            client_timeout: Duration::from_secs(self.client_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            outbound_queue: self.outbound_queue,
            replay_batch: self.replay_batch,
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

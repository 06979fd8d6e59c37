//! The SurrealDB store: the one source of truth. One connection type
//! (`engine::any`) so `database.url` alone picks the engine: `mem://`,
//! `surrealkv://PATH` or `ws://HOST:PORT`.
//!
//! One module per table family, one query per function; every query that
//! touches user data is scoped by its owner.

pub mod chat;
pub mod events;
pub mod migrations;
pub mod tickets;
pub mod tokens;
pub mod users;

use anyhow::Context as _;
use secrecy::ExposeSecret as _;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::opt::auth::Root;
use surrealdb::types::RecordId;

use crate::config::DatabaseSettings;

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Surreal<Any>,
}

impl Store {
    /// Connects, selects the namespace and database, and brings the schema up to date.
    #[tracing::instrument(skip_all)]
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let url = engine_url(settings);
        if let Some(dir) = settings.url.strip_prefix("surrealkv://") {
            let dir = dir.split('?').next().unwrap_or(dir);
            std::fs::create_dir_all(dir)
                .with_context(|| format!("failed to create the database directory {dir}"))?;
        }
        let db = surrealdb::engine::any::connect(url)
            .await
            .context("failed to open the database")?;
        if !settings.username.is_empty() {
            db.signin(Root {
                username: settings.username.clone(),
                password: settings.password.expose_secret().to_owned(),
            })
            .await
            .context("failed to sign in to the database")?;
        }
        db.use_ns(settings.namespace.as_str())
            .use_db(settings.database.as_str())
            .await
            .context("failed to select the namespace and database")?;
        let store = Self { db };
        migrations::run(&store).await?;
        Ok(store)
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.db.query("RETURN 1").await.and_then(|r| r.check()).is_ok()
    }

    pub(crate) fn db(&self) -> &Surreal<Any> {
        &self.db
    }
}

/// The connection URL, with the embedded engine's memory bounds added for
/// `surrealkv://` (SurrealKV reads them from the query string; left alone it
/// sizes its block cache from the host's memory).
fn engine_url(settings: &DatabaseSettings) -> String {
    const MIB: u64 = 1024 * 1024;
    let url = settings.url.clone();
    if !url.starts_with("surrealkv://") {
        return url;
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    let mut params = Vec::new();
    if !url.contains("surrealkv_block_cache_capacity") {
        params.push(format!("surrealkv_block_cache_capacity={}", settings.cache_mib * MIB));
    }
    if !url.contains("surrealkv_max_memtable_size") {
        params.push(format!("surrealkv_max_memtable_size={}", settings.memtable_mib * MIB));
    }
    if params.is_empty() { url } else { format!("{url}{separator}{}", params.join("&")) }
}

/// The record id of a user.
pub fn user_record(user_id: &str) -> RecordId {
    RecordId::new("user", user_id)
}

/// Whether an error is SurrealDB telling us that a transaction lost a race and
/// may simply be run again.
pub(crate) fn is_retryable(error: &surrealdb::Error) -> bool {
    let text = error.to_string().to_lowercase();
    text.contains("can be retried") || text.contains("conflict")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> DatabaseSettings {
        let mut settings = crate::config::Settings::defaults().unwrap().database;
        settings.url = url.to_owned();
        settings
    }

    #[test]
    fn the_embedded_engine_gets_explicit_memory_bounds() {
        let url = engine_url(&settings("surrealkv://./data/db"));
        assert_eq!(
            url,
            "surrealkv://./data/db?surrealkv_block_cache_capacity=67108864\
             &surrealkv_max_memtable_size=67108864"
        );
    }

    #[test]
    fn other_engines_are_left_alone() {
        assert_eq!(engine_url(&settings("mem://")), "mem://");
        assert_eq!(engine_url(&settings("ws://db:8000")), "ws://db:8000");
    }
}

//! The SurrealDB store: the one source of truth. One connection type
//! (`engine::any`) so `database.url` alone picks the engine: `mem://`,
//! `surrealkv://PATH` or `ws://HOST:PORT`.
//!
//! One module per table family, one query per function; every query that
//! touches user data is scoped by its owner.

pub mod career;
pub mod chat;
pub mod events;
pub mod interviews;
pub mod jobs;
pub mod migrations;
pub mod practice;
pub mod results;
pub mod tickets;
pub mod tokens;
pub mod uploads;
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
        let url = settings.url.as_str();
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

/// The record id of a user.
pub fn user_record(user_id: &str) -> RecordId {
    RecordId::new("user", user_id)
}

/// Whether an error is SurrealDB refusing a write that would break a UNIQUE index.
pub(crate) fn is_unique_violation(error: &surrealdb::Error) -> bool {
    error.to_string().contains("already contains")
}

/// Whether an error is SurrealDB telling us that a transaction lost a race and
/// may simply be run again. A commit that loses to a concurrent write of the
/// same rows reports only "The query was not executed due to a failed
/// transaction" (found by schemathesis: a rename racing the account's deletion).
pub(crate) fn is_retryable(error: &surrealdb::Error) -> bool {
    let text = error.to_string().to_lowercase();
    text.contains("can be retried") || text.contains("conflict") || text.contains("failed transaction")
}

/// Attempts of a write that keeps losing races before its error is returned.
pub(crate) const RACE_ATTEMPTS: u32 = 4;

/// Runs an idempotent write again (backing off 10, 20, 40 ms) while SurrealDB
/// says it lost a race with a concurrent write of the same rows (a job writing
/// an interview as the user deletes it, two renames at once). `what` names
/// the write in the error.
pub(crate) async fn retry_races<T, F, Fut>(what: &'static str, mut write: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, surrealdb::Error>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match write().await {
            Ok(value) => return Ok(value),
            Err(error) if attempt < RACE_ATTEMPTS && is_retryable(&error) => {
                tracing::debug!(%error, attempt, what, "a write lost a race; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(5 << attempt)).await;
            }
            Err(error) => return Err(anyhow::Error::new(error).context(what)),
        }
    }
}

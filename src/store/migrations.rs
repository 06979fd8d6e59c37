//! Versioned schema migrations, applied in order at start-up. Each migration
//! runs once; the `migration` table records which ones have. Statements use
//! `IF NOT EXISTS` so two nodes starting together cannot trip over each other.
//!
//! Add a migration by appending to [`MIGRATIONS`]; never edit a released one.

use anyhow::Context as _;
use surrealdb::types::SurrealValue;

use super::Store;

/// One schema change.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub statements: &'static str,
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "accounts, tokens, tickets and events",
    statements: r#"
        DEFINE TABLE IF NOT EXISTS migration SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS version ON migration TYPE int;
        DEFINE FIELD IF NOT EXISTS name ON migration TYPE string;
        DEFINE FIELD IF NOT EXISTS applied_at ON migration TYPE datetime;

        DEFINE TABLE IF NOT EXISTS user SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS email ON user TYPE string;
        DEFINE FIELD IF NOT EXISTS name ON user TYPE string;
        DEFINE FIELD IF NOT EXISTS password_hash ON user TYPE string;
        DEFINE FIELD IF NOT EXISTS created_at ON user TYPE datetime;
        DEFINE INDEX IF NOT EXISTS user_email ON user FIELDS email UNIQUE;

        DEFINE TABLE IF NOT EXISTS token SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON token TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS hash ON token TYPE string;
        DEFINE FIELD IF NOT EXISTS created_at ON token TYPE datetime;
        DEFINE FIELD IF NOT EXISTS expires_at ON token TYPE datetime;
        DEFINE INDEX IF NOT EXISTS token_hash ON token FIELDS hash UNIQUE;
        DEFINE INDEX IF NOT EXISTS token_owner ON token FIELDS owner;

        DEFINE TABLE IF NOT EXISTS ticket SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON ticket TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS hash ON ticket TYPE string;
        DEFINE FIELD IF NOT EXISTS expires_at ON ticket TYPE datetime;
        DEFINE INDEX IF NOT EXISTS ticket_hash ON ticket FIELDS hash UNIQUE;
        DEFINE INDEX IF NOT EXISTS ticket_owner ON ticket FIELDS owner;

        DEFINE TABLE IF NOT EXISTS event_counter SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS seq ON event_counter TYPE int;

        DEFINE TABLE IF NOT EXISTS event SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON event TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS seq ON event TYPE int;
        DEFINE FIELD IF NOT EXISTS kind ON event TYPE string;
        DEFINE FIELD IF NOT EXISTS body ON event TYPE string;
        DEFINE FIELD IF NOT EXISTS created_at ON event TYPE datetime;
        DEFINE INDEX IF NOT EXISTS event_owner_seq ON event FIELDS owner, seq UNIQUE;
    "#,
}, Migration {
    version: 2,
    name: "career interviewer conversations and messages",
    statements: r#"
        DEFINE TABLE IF NOT EXISTS conversation SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON conversation TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS title ON conversation TYPE string;
        DEFINE FIELD IF NOT EXISTS next_position ON conversation TYPE int;
        DEFINE FIELD IF NOT EXISTS created_at ON conversation TYPE datetime;
        DEFINE FIELD IF NOT EXISTS updated_at ON conversation TYPE datetime;
        DEFINE INDEX IF NOT EXISTS conversation_owner_created ON conversation FIELDS owner, created_at;

        DEFINE TABLE IF NOT EXISTS message SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON message TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS conversation ON message TYPE record<conversation>;
        DEFINE FIELD IF NOT EXISTS role ON message TYPE string ASSERT $value IN ["user", "assistant"];
        DEFINE FIELD IF NOT EXISTS content ON message TYPE string;
        DEFINE FIELD IF NOT EXISTS position ON message TYPE int;
        DEFINE FIELD IF NOT EXISTS client_id ON message TYPE string;
        DEFINE FIELD IF NOT EXISTS reply_to ON message TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS created_at ON message TYPE datetime;
        DEFINE INDEX IF NOT EXISTS message_conversation_position ON message FIELDS conversation, position UNIQUE;
        DEFINE INDEX IF NOT EXISTS message_owner_client ON message FIELDS owner, client_id UNIQUE;
    "#,
}, Migration {
    version: 3,
    name: "recorded interviews and their tus uploads",
    statements: r#"
        DEFINE TABLE IF NOT EXISTS interview SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON interview TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS status ON interview TYPE string;
        DEFINE FIELD IF NOT EXISTS version ON interview TYPE int;
        DEFINE FIELD IF NOT EXISTS company ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS job_title ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS interview_type ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS notes ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS job_description ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS filename ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS filetype ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS size_bytes ON interview TYPE option<int>;
        DEFINE FIELD IF NOT EXISTS sha256 ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS file_key ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS upload ON interview TYPE option<record<upload>>;
        DEFINE FIELD IF NOT EXISTS created_at ON interview TYPE datetime;
        DEFINE FIELD IF NOT EXISTS updated_at ON interview TYPE datetime;
        DEFINE INDEX IF NOT EXISTS interview_owner_created ON interview FIELDS owner, created_at;
        DEFINE INDEX IF NOT EXISTS interview_owner_sha256 ON interview FIELDS owner, sha256;

        DEFINE TABLE IF NOT EXISTS upload SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON upload TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS interview ON upload TYPE record<interview>;
        DEFINE FIELD IF NOT EXISTS length ON upload TYPE option<int>;
        DEFINE FIELD IF NOT EXISTS offset ON upload TYPE int;
        DEFINE FIELD IF NOT EXISTS metadata ON upload TYPE string;
        DEFINE FIELD IF NOT EXISTS file_key ON upload TYPE string;
        DEFINE FIELD IF NOT EXISTS completed ON upload TYPE bool;
        DEFINE FIELD IF NOT EXISTS created_at ON upload TYPE datetime;
        DEFINE FIELD IF NOT EXISTS expires_at ON upload TYPE datetime;
        DEFINE INDEX IF NOT EXISTS upload_owner ON upload FIELDS owner;
        DEFINE INDEX IF NOT EXISTS upload_expires ON upload FIELDS completed, expires_at;
    "#,
}, Migration {
    version: 4,
    name: "analysis jobs, transcripts, analyses and notifications",
    statements: r#"
        DEFINE FIELD IF NOT EXISTS duration_secs ON interview TYPE option<float>;
        DEFINE FIELD IF NOT EXISTS failure_reason ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS stage ON interview TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS stage_progress ON interview TYPE option<float>;
        DEFINE FIELD IF NOT EXISTS eta_secs ON interview TYPE option<float>;
        DEFINE FIELD IF NOT EXISTS audio ON interview TYPE option<object> FLEXIBLE;

        DEFINE TABLE IF NOT EXISTS job SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON job TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS interview ON job TYPE record<interview>;
        DEFINE FIELD IF NOT EXISTS state ON job TYPE string ASSERT $value IN ["queued", "running", "done", "dead"];
        DEFINE FIELD IF NOT EXISTS run ON job TYPE int;
        DEFINE FIELD IF NOT EXISTS attempts ON job TYPE int;
        DEFINE FIELD IF NOT EXISTS run_after ON job TYPE datetime;
        DEFINE FIELD IF NOT EXISTS lease_owner ON job TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS lease_until ON job TYPE option<datetime>;
        DEFINE FIELD IF NOT EXISTS last_error ON job TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS created_at ON job TYPE datetime;
        DEFINE FIELD IF NOT EXISTS updated_at ON job TYPE datetime;
        DEFINE INDEX IF NOT EXISTS job_state_due ON job FIELDS state, run_after;
        DEFINE INDEX IF NOT EXISTS job_owner ON job FIELDS owner;

        DEFINE TABLE IF NOT EXISTS transcript SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON transcript TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS engine ON transcript TYPE string;
        DEFINE FIELD IF NOT EXISTS body ON transcript TYPE string;
        DEFINE FIELD IF NOT EXISTS created_at ON transcript TYPE datetime;
        DEFINE INDEX IF NOT EXISTS transcript_owner ON transcript FIELDS owner;

        DEFINE TABLE IF NOT EXISTS analysis SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON analysis TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS run ON analysis TYPE int;
        DEFINE FIELD IF NOT EXISTS body ON analysis TYPE string;
        DEFINE FIELD IF NOT EXISTS created_at ON analysis TYPE datetime;
        DEFINE INDEX IF NOT EXISTS analysis_owner ON analysis FIELDS owner;

        DEFINE TABLE IF NOT EXISTS notification SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON notification TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS kind ON notification TYPE string;
        DEFINE FIELD IF NOT EXISTS title ON notification TYPE string;
        DEFINE FIELD IF NOT EXISTS body ON notification TYPE string;
        DEFINE FIELD IF NOT EXISTS interview_id ON notification TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS read ON notification TYPE bool;
        DEFINE FIELD IF NOT EXISTS pushed ON notification TYPE bool;
        DEFINE FIELD IF NOT EXISTS email ON notification TYPE string;
        DEFINE FIELD IF NOT EXISTS created_at ON notification TYPE datetime;
        DEFINE INDEX IF NOT EXISTS notification_owner_created ON notification FIELDS owner, created_at;
    "#,
}, Migration {
    version: 5,
    name: "practice sessions and their link to recordings",
    statements: r#"
        DEFINE TABLE IF NOT EXISTS practice SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON practice TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS status ON practice TYPE string ASSERT $value IN ["draft", "in_progress", "completed"];
        DEFINE FIELD IF NOT EXISTS version ON practice TYPE int;
        DEFINE FIELD IF NOT EXISTS body ON practice TYPE string;
        DEFINE FIELD IF NOT EXISTS summary ON practice TYPE string;
        DEFINE FIELD IF NOT EXISTS created_at ON practice TYPE datetime;
        DEFINE FIELD IF NOT EXISTS updated_at ON practice TYPE datetime;
        DEFINE INDEX IF NOT EXISTS practice_owner_created ON practice FIELDS owner, created_at;

        DEFINE FIELD IF NOT EXISTS practice_id ON interview TYPE option<string>;
        DEFINE INDEX IF NOT EXISTS interview_owner_practice ON interview FIELDS owner, practice_id;
    "#,
}, Migration {
    version: 6,
    name: "tickets record the token that minted them",
    statements: r#"
        DEFINE FIELD IF NOT EXISTS token ON ticket TYPE option<string>;
        DEFINE INDEX IF NOT EXISTS ticket_token ON ticket FIELDS token;
    "#,
}, Migration {
    version: 7,
    name: "the career record and story plan of the Career Interviewer",
    statements: r#"
        DEFINE TABLE IF NOT EXISTS career_item SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON career_item TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS kind ON career_item TYPE string;
        DEFINE FIELD IF NOT EXISTS text ON career_item TYPE string;
        DEFINE FIELD IF NOT EXISTS message_id ON career_item TYPE option<string>;
        DEFINE FIELD IF NOT EXISTS story ON career_item TYPE int;
        DEFINE FIELD IF NOT EXISTS edited ON career_item TYPE bool;
        DEFINE FIELD IF NOT EXISTS created_at ON career_item TYPE datetime;
        DEFINE FIELD IF NOT EXISTS updated_at ON career_item TYPE datetime;
        DEFINE INDEX IF NOT EXISTS career_item_owner_created ON career_item FIELDS owner, created_at;

        DEFINE TABLE IF NOT EXISTS career_plan SCHEMAFULL;
        DEFINE FIELD IF NOT EXISTS owner ON career_plan TYPE record<user>;
        DEFINE FIELD IF NOT EXISTS body ON career_plan TYPE string;
        DEFINE FIELD IF NOT EXISTS updated_at ON career_plan TYPE datetime;
    "#,
}];

#[derive(SurrealValue)]
struct Applied {
    version: i64,
}

/// Applies every migration newer than the newest one recorded.
#[tracing::instrument(skip_all)]
pub async fn run(store: &Store) -> anyhow::Result<()> {
    let current = current_version(store).await?;
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let query = format!(
            "BEGIN TRANSACTION;\n{}\nCREATE type::record('migration', $version) \
             SET version = $version, name = $name, applied_at = time::now();\nCOMMIT TRANSACTION;",
            migration.statements
        );
        store
            .db()
            .query(query)
            .bind(("version", migration.version))
            .bind(("name", migration.name))
            .await
            .and_then(|r| r.check())
            .with_context(|| format!("failed to apply migration {}", migration.version))?;
        tracing::info!(version = migration.version, name = migration.name, "applied migration");
    }
    Ok(())
}

/// The newest applied migration, 0 on an empty database.
async fn current_version(store: &Store) -> anyhow::Result<i64> {
    let mut response = store
        .db()
        .query("SELECT version FROM migration ORDER BY version DESC LIMIT 1")
        .await
        .context("failed to read the schema version")?;
    // Before the first migration the table does not exist: that is version 0.
    let applied: Vec<Applied> = response.take(0).unwrap_or_default();
    Ok(applied.first().map_or(0, |a| a.version))
}

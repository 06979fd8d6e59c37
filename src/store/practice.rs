//! The `practice` table: practice sessions. A session is one row holding the
//! whole session as JSON (`body`: questions, answers, feedback always change
//! together and are read together) beside the columns its queries need:
//! `owner`, `created_at` (the history's index), `status`, `version`, and a
//! `summary` for the history list.
//!
//! Every change is read, change, write-if-`version`-unchanged: two requests
//! changing one session never lose either's change (the loser re-reads and
//! re-applies).

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use protocol::practice::{PracticeSession, PracticeSummary};
use surrealdb::types::{RecordId, SurrealValue};

use super::{Store, user_record};

/// How often a change is re-applied after losing a race before giving up.
const MAX_CHANGE_ATTEMPTS: usize = 8;

fn practice_record(id: &str) -> RecordId {
    RecordId::new("practice", id)
}

#[derive(SurrealValue)]
struct BodyRow {
    body: String,
}

fn version_value(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

impl Store {
    /// Stores a new session.
    #[tracing::instrument(skip_all)]
    pub async fn create_practice(&self, owner: &str, session: &PracticeSession) -> anyhow::Result<()> {
        self.db()
            .query(
                "CREATE $practice SET owner = $owner, status = $status, version = $version, body = $body,
                     summary = $summary, created_at = $created_at, updated_at = $updated_at",
            )
            .bind(("practice", practice_record(&session.id)))
            .bind(("owner", user_record(owner)))
            .bind(("status", session.status.as_str().to_owned()))
            .bind(("version", version_value(session.version)))
            .bind(("body", serde_json::to_string(session)?))
            .bind(("summary", serde_json::to_string(&PracticeSummary::from(session))?))
            .bind(("created_at", session.created_at))
            .bind(("updated_at", session.updated_at))
            .await
            .and_then(|r| r.check())
            .context("failed to create a practice session")?;
        Ok(())
    }

    /// One of the owner's sessions.
    #[tracing::instrument(skip_all)]
    pub async fn practice(&self, owner: &str, id: &str) -> anyhow::Result<Option<PracticeSession>> {
        let rows: Vec<BodyRow> = self
            .db()
            .query("SELECT body FROM $practice WHERE owner = $owner")
            .bind(("practice", practice_record(id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read a practice session")?;
        rows.into_iter()
            .next()
            .map(|row| serde_json::from_str(&row.body).context("a stored practice session is not valid JSON"))
            .transpose()
    }

    /// The owner's sessions, newest first, created before `before`.
    #[tracing::instrument(skip_all)]
    pub async fn list_practice(
        &self,
        owner: &str,
        before: Option<DateTime<Utc>>,
        limit: usize,
    ) -> anyhow::Result<Vec<PracticeSummary>> {
        let rows: Vec<String> = self
            .db()
            .query(
                "SELECT VALUE summary FROM practice
                 WHERE owner = $owner AND ($before = NONE OR created_at < $before)
                 ORDER BY created_at DESC LIMIT $limit",
            )
            .bind(("owner", user_record(owner)))
            .bind(("before", before))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to list practice sessions")?;
        rows.iter()
            .map(|summary| serde_json::from_str(summary).context("a stored practice summary is not valid JSON"))
            .collect()
    }

    /// The owner's newest `limit` sessions with every answer (for drills).
    #[tracing::instrument(skip_all)]
    pub async fn recent_practice(&self, owner: &str, limit: usize) -> anyhow::Result<Vec<PracticeSession>> {
        let rows: Vec<String> = self
            .db()
            .query("SELECT VALUE body FROM practice WHERE owner = $owner ORDER BY created_at DESC LIMIT $limit")
            .bind(("owner", user_record(owner)))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read recent practice sessions")?;
        rows.iter()
            .map(|body| serde_json::from_str(body).context("a stored practice session is not valid JSON"))
            .collect()
    }

    /// Writes `session` when the stored version is still `expected`; false when
    /// another change came first (or the session is gone).
    async fn replace_practice(&self, owner: &str, session: &PracticeSession, expected: u64) -> anyhow::Result<bool> {
        #[derive(SurrealValue)]
        struct Written {
            version: i64,
        }
        let written: Vec<Written> = self
            .db()
            .query(
                "UPDATE $practice SET status = $status, version = $version, body = $body, summary = $summary,
                     updated_at = $updated_at
                 WHERE owner = $owner AND version = $expected RETURN version",
            )
            .bind(("practice", practice_record(&session.id)))
            .bind(("owner", user_record(owner)))
            .bind(("expected", version_value(expected)))
            .bind(("status", session.status.as_str().to_owned()))
            .bind(("version", version_value(session.version)))
            .bind(("body", serde_json::to_string(session)?))
            .bind(("summary", serde_json::to_string(&PracticeSummary::from(session))?))
            .bind(("updated_at", session.updated_at))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to update a practice session")?;
        Ok(!written.is_empty())
    }

    /// Applies `change` to the owner's session and stores the result (version
    /// and counts brought up to date). `None`: no such session; `Some(Err)`:
    /// `change` refused, nothing was written.
    #[tracing::instrument(skip_all)]
    pub async fn change_practice<E>(
        &self,
        owner: &str,
        id: &str,
        change: impl Fn(&mut PracticeSession) -> Result<(), E>,
    ) -> anyhow::Result<Option<Result<PracticeSession, E>>> {
        for _ in 0..MAX_CHANGE_ATTEMPTS {
            let Some(mut session) = self.practice(owner, id).await? else {
                return Ok(None);
            };
            let expected = session.version;
            if let Err(refused) = change(&mut session) {
                return Ok(Some(Err(refused)));
            }
            session.version = expected + 1;
            session.updated_at = Utc::now();
            session.question_count = session.questions.len();
            session.answered_count = session.answers.len();
            if self.replace_practice(owner, &session, expected).await? {
                return Ok(Some(Ok(session)));
            }
        }
        anyhow::bail!("a practice session kept changing under {MAX_CHANGE_ATTEMPTS} attempts to update it")
    }

    /// Deletes the session and unlinks the recordings compared with it.
    /// False when the owner has no such session.
    #[tracing::instrument(skip_all)]
    pub async fn delete_practice(&self, owner: &str, id: &str) -> anyhow::Result<bool> {
        let mut response = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 LET $exists = (SELECT VALUE id FROM ONLY $practice WHERE owner = $owner) != NONE;
                 UPDATE interview SET practice_id = NONE WHERE owner = $owner AND practice_id = $id;
                 DELETE $practice WHERE owner = $owner;
                 RETURN $exists;
                 COMMIT TRANSACTION;",
            )
            .bind(("practice", practice_record(id)))
            .bind(("id", id.to_owned()))
            .bind(("owner", user_record(owner)))
            .await
            .context("failed to delete a practice session")?;
        let returned = response.num_statements().saturating_sub(2);
        let exists: Option<bool> = response.take(returned).context("failed to read a deleted practice session")?;
        Ok(exists.unwrap_or(false))
    }
}

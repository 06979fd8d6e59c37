//! The `job` table: the durable queue of recording jobs, one row per
//! interview (`job:<interview id>`), run again for a re-analysis.
//!
//! States: `queued` (due at `run_after`) → `running` (leased by one node until
//! `lease_until`) → `done`, or back to `queued` for another attempt, or `dead`
//! (the dead letter, with `last_error`). A running job whose lease expired is
//! due again: its node died. Every write of a running job checks that the
//! writer still holds the lease.

use std::time::Duration;

use actors::jobs::{ClaimedJob, JobQueue};
use anyhow::Context as _;
use async_trait::async_trait;
use chrono::Utc;
use surrealdb::types::{RecordId, SurrealValue};

use super::{Store, user_record};

/// The record id of an interview's job.
pub fn job_record(interview_id: &str) -> RecordId {
    RecordId::new("job", interview_id)
}

/// Which jobs are due: queued and due, or running with an expired lease.
const DUE: &str = "((state = 'queued' AND run_after <= $now) OR (state = 'running' AND lease_until < $now))";

#[derive(SurrealValue)]
struct ClaimedRow {
    id: String,
    owner: String,
    run: i64,
    attempts: i64,
}

fn lease_end(lease: Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX)
}

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Why a re-analysis cannot be queued.
#[derive(Debug, PartialEq, Eq)]
pub enum RequeueRefused {
    /// The interview has no job: its recording never finished uploading.
    NoRecording,
    /// A job is queued or running already.
    Busy,
}

impl Store {
    /// Queues another run of an interview's job (a re-analysis). The
    /// transcript is kept; the analysis and notification are made again.
    pub async fn requeue_job(&self, owner: &str, interview_id: &str) -> anyhow::Result<Result<(), RequeueRefused>> {
        #[derive(SurrealValue)]
        struct State {
            state: String,
        }
        let mut response = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 LET $before = (SELECT state FROM ONLY $job WHERE owner = $owner);
                 UPDATE $job SET state = 'queued', run += 1, attempts = 0, run_after = time::now(),
                     lease_owner = NONE, lease_until = NONE, last_error = NONE, updated_at = time::now()
                     WHERE owner = $owner AND state IN ['done', 'dead'] RETURN NONE;
                 UPDATE $interview SET status = 'uploaded', stage = 'queued', stage_progress = 0.0,
                     eta_secs = NONE, failure_reason = NONE, updated_at = time::now()
                     WHERE owner = $owner AND $before.state IN ['done', 'dead'] RETURN NONE;
                 RETURN $before;
                 COMMIT TRANSACTION;",
            )
            .bind(("job", job_record(interview_id)))
            .bind(("interview", super::uploads::interview_record(interview_id)))
            .bind(("owner", user_record(owner)))
            .await
            .context("failed to queue a re-analysis")?;
        // The RETURN is the statement before COMMIT.
        let last = response.num_statements().saturating_sub(2);
        let before: Option<State> = response.take(last).context("failed to read a job's state")?;
        Ok(match before.map(|b| b.state) {
            None => Err(RequeueRefused::NoRecording),
            Some(state) if state == "done" || state == "dead" => Ok(()),
            Some(_) => Err(RequeueRefused::Busy),
        })
    }

    /// The state of an interview's job (`queued`, `running`, `done`, `dead`) and its last error.
    pub async fn job_state(&self, owner: &str, interview_id: &str) -> anyhow::Result<Option<(String, Option<String>, u32)>> {
        #[derive(SurrealValue)]
        struct Row {
            state: String,
            last_error: Option<String>,
            attempts: i64,
        }
        let rows: Vec<Row> = self
            .db()
            .query("SELECT state, last_error, attempts FROM $job WHERE owner = $owner")
            .bind(("job", job_record(interview_id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read a job")?;
        Ok(rows.into_iter().next().map(|r| (r.state, r.last_error, count(r.attempts))))
    }
}

#[async_trait]
impl JobQueue for Store {
    async fn claim(&self, worker: &str, limit: usize, lease: Duration) -> anyhow::Result<Vec<ClaimedJob>> {
        let now = Utc::now();
        let due: Vec<RecordId> = self
            .db()
            .query(format!("SELECT VALUE id FROM job WHERE {DUE} ORDER BY run_after LIMIT $limit"))
            .bind(("now", now))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to list due jobs")?;
        let mut claimed = Vec::new();
        for id in due {
            // The condition is checked again in the write: another node may have won it.
            let rows: Vec<ClaimedRow> = self
                .db()
                .query(format!(
                    "UPDATE $job SET state = 'running', lease_owner = $worker, lease_until = $until,
                         attempts += 1, updated_at = time::now()
                     WHERE {DUE}
                     RETURN record::id(id) AS id, record::id(owner) AS owner, run, attempts"
                ))
                .bind(("job", id))
                .bind(("now", now))
                .bind(("worker", worker.to_owned()))
                .bind(("until", lease_end(lease)))
                .await
                .and_then(|mut r| r.take(0))
                .context("failed to claim a job")?;
            claimed.extend(rows.into_iter().map(|row| ClaimedJob {
                interview_id: row.id.clone(),
                id: row.id,
                owner: row.owner,
                run: count(row.run),
                attempts: count(row.attempts),
            }));
        }
        Ok(claimed)
    }

    async fn renew(&self, job: &ClaimedJob, worker: &str, lease: Duration) -> anyhow::Result<bool> {
        let rows: Vec<RecordId> = self
            .db()
            .query(
                "UPDATE $job SET lease_until = $until WHERE state = 'running' AND lease_owner = $worker
                 RETURN VALUE id",
            )
            .bind(("job", job_record(&job.id)))
            .bind(("worker", worker.to_owned()))
            .bind(("until", lease_end(lease)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to renew a job lease")?;
        Ok(!rows.is_empty())
    }

    async fn finish(&self, job: &ClaimedJob, worker: &str) -> anyhow::Result<()> {
        self.set_job_state(job, worker, "done", None, None).await
    }

    async fn retry(&self, job: &ClaimedJob, worker: &str, error: &str, delay: Duration) -> anyhow::Result<()> {
        self.set_job_state(job, worker, "queued", Some(error), Some(lease_end(delay))).await
    }

    async fn bury(&self, job: &ClaimedJob, worker: &str, error: &str) -> anyhow::Result<()> {
        self.set_job_state(job, worker, "dead", Some(error), None).await
    }

    async fn release(&self, job: &ClaimedJob, worker: &str) -> anyhow::Result<()> {
        self.db()
            .query(
                "UPDATE $job SET state = 'queued', attempts -= 1, run_after = time::now(), lease_owner = NONE,
                     lease_until = NONE WHERE state = 'running' AND lease_owner = $worker RETURN NONE",
            )
            .bind(("job", job_record(&job.id)))
            .bind(("worker", worker.to_owned()))
            .await
            .and_then(|r| r.check())
            .context("failed to release a job")?;
        Ok(())
    }
}

impl Store {
    async fn set_job_state(
        &self,
        job: &ClaimedJob,
        worker: &str,
        state: &str,
        error: Option<&str>,
        run_after: Option<chrono::DateTime<Utc>>,
    ) -> anyhow::Result<()> {
        self.db()
            .query(
                "UPDATE $job SET state = $state, last_error = $error, run_after = $run_after ?? run_after,
                     lease_owner = NONE, lease_until = NONE, updated_at = time::now()
                 WHERE lease_owner = $worker AND run = $run RETURN NONE",
            )
            .bind(("job", job_record(&job.id)))
            .bind(("worker", worker.to_owned()))
            .bind(("run", i64::from(job.run)))
            .bind(("state", state.to_owned()))
            .bind(("error", error.map(str::to_owned)))
            .bind(("run_after", run_after))
            .await
            .and_then(|r| r.check())
            .context("failed to record a job's outcome")?;
        Ok(())
    }
}

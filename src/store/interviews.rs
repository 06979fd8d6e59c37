//! The `interview` table: recorded interviews, their context and status.
//!
//! Edits use optimistic locking: an update names the `version` it is based on
//! and only applies when that is still the stored one.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use protocol::interview::{Interview, InterviewContext, InterviewStatus, InterviewType, RecordingInfo, Stage, StageProgress};
use surrealdb::types::SurrealValue;

use super::uploads::interview_record;
use super::{Store, user_record};

#[derive(SurrealValue)]
struct InterviewRow {
    id: String,
    status: String,
    version: i64,
    company: Option<String>,
    job_title: Option<String>,
    interview_type: Option<String>,
    notes: Option<String>,
    job_description: Option<String>,
    filename: Option<String>,
    filetype: Option<String>,
    size_bytes: Option<i64>,
    sha256: Option<String>,
    upload_id: Option<String>,
    upload_offset: Option<i64>,
    duration_secs: Option<f64>,
    failure_reason: Option<String>,
    stage: Option<String>,
    stage_progress: Option<f64>,
    eta_secs: Option<f64>,
    practice_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A stored stage, when it is one still under way.
fn running_stage(stage: Option<&str>) -> Option<Stage> {
    [Stage::Queued, Stage::Decoding, Stage::Transcribing, Stage::Diarizing, Stage::Analyzing, Stage::Notifying]
        .into_iter()
        .find(|s| Some(s.as_str()) == stage)
}

fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}

impl From<InterviewRow> for Interview {
    fn from(row: InterviewRow) -> Self {
        let status = InterviewStatus::parse(&row.status).unwrap_or(InterviewStatus::Failed);
        let size_bytes = row.size_bytes.map(unsigned);
        let uploaded_bytes = match status {
            InterviewStatus::Uploading => row.upload_offset.map(unsigned).unwrap_or_default(),
            _ => size_bytes.unwrap_or_default(),
        };
        Self {
            id: row.id,
            status,
            version: unsigned(row.version),
            context: InterviewContext {
                company: row.company,
                job_title: row.job_title,
                interview_type: row.interview_type.as_deref().and_then(InterviewType::parse),
                notes: row.notes,
                job_description: row.job_description,
            },
            recording: RecordingInfo {
                filename: row.filename,
                filetype: row.filetype,
                size_bytes,
                uploaded_bytes,
                sha256: row.sha256,
                upload_id: row.upload_id,
            },
            duration_secs: row.duration_secs,
            failure_reason: row.failure_reason,
            progress: running_stage(row.stage.as_deref()).map(|stage| StageProgress {
                stage,
                progress: row.stage_progress.unwrap_or_default(),
                eta_secs: row.eta_secs,
            }),
            practice_id: row.practice_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const INTERVIEW_FIELDS: &str = "record::id(id) AS id, status, version, company, job_title, interview_type, \
     notes, job_description, filename, filetype, size_bytes, sha256, \
     (IF upload != NONE THEN record::id(upload) END) AS upload_id, upload.offset AS upload_offset, \
     duration_secs, failure_reason, stage, stage_progress, eta_secs, practice_id, created_at, updated_at";

/// Why an edit did not apply.
#[derive(Debug)]
pub enum EditRefused {
    NotFound,
    /// The edit was based on an older version; this is the current one.
    Stale { current: u64 },
}

/// The practice session to link is not one of the owner's.
#[derive(Debug)]
pub struct PracticeMissing;

/// What deleting an interview leaves to clean up.
#[derive(Debug, SurrealValue)]
pub struct DeletedInterview {
    /// Files to delete (the recording, and any unfinished upload's bytes).
    pub file_keys: Vec<String>,
    pub upload_ids: Vec<String>,
}

impl Store {
    /// The owner's interviews, newest first, created before `before`.
    #[tracing::instrument(skip_all)]
    pub async fn list_interviews(
        &self,
        owner: &str,
        before: Option<DateTime<Utc>>,
        limit: usize,
    ) -> anyhow::Result<Vec<Interview>> {
        let rows: Vec<InterviewRow> = self
            .db()
            .query(format!(
                "SELECT {INTERVIEW_FIELDS} FROM interview
                 WHERE owner = $owner AND ($before = NONE OR created_at < $before)
                 ORDER BY created_at DESC LIMIT $limit"
            ))
            .bind(("owner", user_record(owner)))
            .bind(("before", before))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to list interviews")?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// One of the owner's interviews.
    #[tracing::instrument(skip_all)]
    pub async fn interview(&self, owner: &str, id: &str) -> anyhow::Result<Option<Interview>> {
        let rows: Vec<InterviewRow> = self
            .db()
            .query(format!("SELECT {INTERVIEW_FIELDS} FROM $interview WHERE owner = $owner"))
            .bind(("interview", interview_record(id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read an interview")?;
        Ok(rows.into_iter().next().map(Into::into))
    }

    /// Replaces the interview's context when `version` is still current.
    #[tracing::instrument(skip_all)]
    pub async fn update_interview_context(
        &self,
        owner: &str,
        id: &str,
        version: u64,
        context: &InterviewContext,
    ) -> anyhow::Result<Result<Interview, EditRefused>> {
        let rows: Vec<InterviewRow> = self
            .db()
            .query(format!(
                "UPDATE $interview SET company = $company, job_title = $job_title,
                     interview_type = $interview_type, notes = $notes, job_description = $job_description,
                     version += 1, updated_at = time::now()
                 WHERE owner = $owner AND version = $version RETURN {INTERVIEW_FIELDS}"
            ))
            .bind(("interview", interview_record(id)))
            .bind(("owner", user_record(owner)))
            .bind(("version", i64::try_from(version).unwrap_or(i64::MAX)))
            .bind(("company", context.company.clone()))
            .bind(("job_title", context.job_title.clone()))
            .bind(("interview_type", context.interview_type.map(|t| t.as_str().to_owned())))
            .bind(("notes", context.notes.clone()))
            .bind(("job_description", context.job_description.clone()))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to update an interview")?;
        if let Some(row) = rows.into_iter().next() {
            return Ok(Ok(row.into()));
        }
        Ok(Err(match self.interview(owner, id).await? {
            Some(current) => EditRefused::Stale { current: current.version },
            None => EditRefused::NotFound,
        }))
    }

    /// Links the interview to one of the owner's practice sessions (`None`
    /// unlinks). `Ok(None)`: no such interview; `Err(PracticeMissing)` when the
    /// session is not the owner's.
    #[tracing::instrument(skip_all)]
    pub async fn link_practice(
        &self,
        owner: &str,
        id: &str,
        practice_id: Option<&str>,
    ) -> anyhow::Result<Result<Option<Interview>, PracticeMissing>> {
        if let Some(practice_id) = practice_id
            && self.practice(owner, practice_id).await?.is_none()
        {
            return Ok(Err(PracticeMissing));
        }
        let rows: Vec<InterviewRow> = self
            .db()
            .query(format!(
                "UPDATE $interview SET practice_id = $practice_id, version += 1, updated_at = time::now()
                 WHERE owner = $owner RETURN {INTERVIEW_FIELDS}"
            ))
            .bind(("interview", interview_record(id)))
            .bind(("owner", user_record(owner)))
            .bind(("practice_id", practice_id.map(str::to_owned)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to link an interview to practice")?;
        Ok(Ok(rows.into_iter().next().map(Into::into)))
    }

    /// Deletes the interview and every upload that brought it. `None` when the
    /// owner has no such interview.
    #[tracing::instrument(skip_all)]
    pub async fn delete_interview(&self, owner: &str, id: &str) -> anyhow::Result<Option<DeletedInterview>> {
        // The transaction may lose to the interview's job writing its stage;
        // deleting is idempotent, so it is run again.
        super::retry_races("failed to delete an interview", || self.try_delete_interview(owner, id)).await
    }

    async fn try_delete_interview(&self, owner: &str, id: &str) -> Result<Option<DeletedInterview>, surrealdb::Error> {
        let mut response = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 LET $found = (SELECT VALUE file_key FROM ONLY $interview WHERE owner = $owner);
                 LET $audio = (SELECT VALUE audio FROM ONLY $interview WHERE owner = $owner);
                 LET $exists = (SELECT VALUE id FROM ONLY $interview WHERE owner = $owner) != NONE;
                 LET $uploads = (SELECT record::id(id) AS id, file_key FROM upload
                     WHERE owner = $owner AND interview = $interview);
                 DELETE upload WHERE owner = $owner AND interview = $interview;
                 DELETE job WHERE owner = $owner AND interview = $interview;
                 DELETE type::record('transcript', record::id($interview)) WHERE owner = $owner;
                 DELETE type::record('analysis', record::id($interview)) WHERE owner = $owner;
                 DELETE notification WHERE owner = $owner AND interview_id = record::id($interview);
                 DELETE $interview WHERE owner = $owner;
                 RETURN IF $exists THEN {
                     file_keys: array::distinct(array::concat([$found, $audio.key, $audio.envelope_key], $uploads.file_key)).filter(|$k| $k != NONE),
                     upload_ids: $uploads.id
                 } END;
                 COMMIT TRANSACTION;",
            )
            .bind(("interview", interview_record(id)))
            .bind(("owner", user_record(owner)))
            .await?;
        let returned = response.num_statements().saturating_sub(2);
        response.take(returned)
    }
}

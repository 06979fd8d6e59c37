//! What a recording's job produces and records: the interview's stage and
//! status, the decoded audio's facts, the transcript (`transcript:<interview>`),
//! the analysis (`analysis:<interview>`) and notifications
//! (`notification:<interview>_<run>`). One row per interview (and per run for
//! notifications), written with UPSERT/CREATE-if-absent, so a stage that runs
//! twice never leaves two results.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use protocol::analysis::Analysis;
use protocol::interview::{InterviewContext, InterviewType, Stage};
use protocol::notification::Notification;
use protocol::transcript::Transcript;
use surrealdb::types::{RecordId, SurrealValue};

use super::uploads::interview_record;
use super::{Store, user_record};

/// What the pipeline needs to know about an interview's recording.
#[derive(Debug, Clone)]
pub struct RecordingToProcess {
    pub file_key: String,
    pub filename: Option<String>,
    pub context: InterviewContext,
    /// The decoded 16 kHz audio, once the decode stage has run.
    pub audio_key: Option<String>,
    pub duration_secs: Option<f64>,
}

/// Facts about the decoded audio, kept with the interview.
#[derive(Debug, Clone, SurrealValue)]
pub struct StoredAudio {
    /// File-store key of the 16 kHz mono WAV.
    pub key: String,
    pub rms_dbfs: f64,
    pub peak_dbfs: f64,
    pub silence_share: f64,
    pub source: String,
    /// File-store key of the per-channel loudness envelope (several channels
    /// or tracks only), so deleting the interview deletes it too.
    pub envelope_key: Option<String>,
}

/// A notification to store (its id makes storing it twice a no-op).
pub struct NewNotification<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub interview_id: Option<&'a str>,
}

/// A stored notification and what is left to do with it.
#[derive(Debug, Clone)]
pub struct StoredNotification {
    pub notification: Notification,
    pub pushed: bool,
    /// `pending`, `sent`, `off` (no SMTP or no address) or `failed`.
    pub email: String,
}

#[derive(SurrealValue)]
struct NotificationRow {
    id: String,
    kind: String,
    title: String,
    body: String,
    interview_id: Option<String>,
    read: bool,
    pushed: bool,
    email: String,
    created_at: DateTime<Utc>,
}

impl From<NotificationRow> for StoredNotification {
    fn from(row: NotificationRow) -> Self {
        Self {
            notification: Notification {
                id: row.id,
                kind: row.kind,
                title: row.title,
                body: row.body,
                interview_id: row.interview_id,
                read: row.read,
                created_at: row.created_at,
            },
            pushed: row.pushed,
            email: row.email,
        }
    }
}

const NOTIFICATION_FIELDS: &str =
    "record::id(id) AS id, kind, title, body, interview_id, read, pushed, email, created_at";

fn record(table: &str, id: &str) -> RecordId {
    RecordId::new(table, id)
}

impl Store {
    /// The recording behind an interview's job; `None` when the interview is gone.
    pub async fn recording_to_process(&self, owner: &str, interview_id: &str) -> anyhow::Result<Option<RecordingToProcess>> {
        #[derive(SurrealValue)]
        struct Row {
            file_key: Option<String>,
            filename: Option<String>,
            company: Option<String>,
            job_title: Option<String>,
            interview_type: Option<String>,
            notes: Option<String>,
            job_description: Option<String>,
            audio_key: Option<String>,
            duration_secs: Option<f64>,
        }
        let rows: Vec<Row> = self
            .db()
            .query(
                "SELECT file_key, filename, company, job_title, interview_type, notes, job_description,
                     audio.key AS audio_key, duration_secs
                 FROM $interview WHERE owner = $owner",
            )
            .bind(("interview", interview_record(interview_id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read an interview's recording")?;
        Ok(rows.into_iter().next().and_then(|row| {
            Some(RecordingToProcess {
                file_key: row.file_key?,
                filename: row.filename,
                context: InterviewContext {
                    company: row.company,
                    job_title: row.job_title,
                    interview_type: row.interview_type.as_deref().and_then(InterviewType::parse),
                    notes: row.notes,
                    job_description: row.job_description,
                },
                audio_key: row.audio_key,
                duration_secs: row.duration_secs,
            })
        }))
    }

    /// Records where processing is. Status changes do not bump `version`
    /// (that counts the user's edits of the context).
    pub async fn set_stage(
        &self,
        owner: &str,
        interview_id: &str,
        stage: Stage,
        progress: f64,
        eta_secs: Option<f64>,
        failure: Option<&str>,
    ) -> anyhow::Result<()> {
        self.db()
            .query(
                "UPDATE $interview SET status = $status, stage = $stage, stage_progress = $progress,
                     eta_secs = $eta, failure_reason = $failure, updated_at = time::now()
                 WHERE owner = $owner RETURN NONE",
            )
            .bind(("interview", interview_record(interview_id)))
            .bind(("owner", user_record(owner)))
            .bind(("status", stage.status().as_str().to_owned()))
            .bind(("stage", stage.as_str().to_owned()))
            .bind(("progress", progress))
            .bind(("eta", eta_secs))
            .bind(("failure", failure.map(str::to_owned)))
            .await
            .and_then(|r| r.check())
            .context("failed to record an interview's stage")?;
        Ok(())
    }

    /// Records the decoded audio and the recording's duration.
    pub async fn set_audio(&self, owner: &str, interview_id: &str, audio: StoredAudio, duration_secs: f64) -> anyhow::Result<()> {
        self.db()
            .query("UPDATE $interview SET audio = $audio, duration_secs = $duration WHERE owner = $owner RETURN NONE")
            .bind(("interview", interview_record(interview_id)))
            .bind(("owner", user_record(owner)))
            .bind(("audio", audio))
            .bind(("duration", duration_secs))
            .await
            .and_then(|r| r.check())
            .context("failed to record an interview's audio")?;
        Ok(())
    }

    /// Stores (or replaces) the interview's transcript.
    pub async fn save_transcript(&self, owner: &str, interview_id: &str, transcript: &Transcript) -> anyhow::Result<()> {
        let body = serde_json::to_string(transcript).context("failed to encode a transcript")?;
        self.db()
            .query(
                "UPSERT $transcript SET owner = $owner, engine = $engine, body = $body, created_at = time::now()
                 RETURN NONE",
            )
            .bind(("transcript", record("transcript", interview_id)))
            .bind(("owner", user_record(owner)))
            .bind(("engine", transcript.engine.clone()))
            .bind(("body", body))
            .await
            .and_then(|r| r.check())
            .context("failed to store a transcript")?;
        Ok(())
    }

    /// The interview's transcript, when there is one.
    pub async fn transcript(&self, owner: &str, interview_id: &str) -> anyhow::Result<Option<Transcript>> {
        let bodies: Vec<String> = self
            .db()
            .query("SELECT VALUE body FROM $transcript WHERE owner = $owner")
            .bind(("transcript", record("transcript", interview_id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read a transcript")?;
        bodies
            .first()
            .map(|body| serde_json::from_str(body).context("a stored transcript does not decode"))
            .transpose()
    }

    /// Stores (or replaces) the interview's analysis.
    pub async fn save_analysis(&self, owner: &str, interview_id: &str, run: u32, analysis: &Analysis) -> anyhow::Result<()> {
        let body = serde_json::to_string(analysis).context("failed to encode an analysis")?;
        self.db()
            .query(
                "UPSERT $analysis SET owner = $owner, run = $run, body = $body, created_at = time::now()
                 RETURN NONE",
            )
            .bind(("analysis", record("analysis", interview_id)))
            .bind(("owner", user_record(owner)))
            .bind(("run", i64::from(run)))
            .bind(("body", body))
            .await
            .and_then(|r| r.check())
            .context("failed to store an analysis")?;
        Ok(())
    }

    /// The interview's analysis and the job run that made it.
    pub async fn analysis(&self, owner: &str, interview_id: &str) -> anyhow::Result<Option<(Analysis, u32)>> {
        #[derive(SurrealValue)]
        struct Row {
            body: String,
            run: i64,
        }
        let rows: Vec<Row> = self
            .db()
            .query("SELECT body, run FROM $analysis WHERE owner = $owner")
            .bind(("analysis", record("analysis", interview_id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read an analysis")?;
        rows.into_iter()
            .next()
            .map(|row| {
                let analysis = serde_json::from_str(&row.body).context("a stored analysis does not decode")?;
                Ok((analysis, u32::try_from(row.run).unwrap_or_default()))
            })
            .transpose()
    }

    /// The owner's newest `limit` analyses (for drills).
    #[tracing::instrument(skip_all)]
    pub async fn recent_analyses(&self, owner: &str, limit: usize) -> anyhow::Result<Vec<Analysis>> {
        let bodies: Vec<String> = self
            .db()
            .query("SELECT VALUE body FROM analysis WHERE owner = $owner ORDER BY created_at DESC LIMIT $limit")
            .bind(("owner", user_record(owner)))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read recent analyses")?;
        // An analysis of an older rubric that no longer decodes is skipped, not fatal.
        Ok(bodies.iter().filter_map(|body| serde_json::from_str(body).ok()).collect())
    }

    /// Stores a notification unless one with its id exists; either way returns the stored one.
    pub async fn create_notification(&self, owner: &str, new: NewNotification<'_>, email: &str) -> anyhow::Result<StoredNotification> {
        let rows: Vec<NotificationRow> = self
            .db()
            .query(format!(
                "IF (SELECT VALUE id FROM ONLY $notification) = NONE {{
                     CREATE $notification SET owner = $owner, kind = $kind, title = $title, body = $body,
                         interview_id = $interview_id, read = false, pushed = false, email = $email,
                         created_at = time::now() RETURN NONE;
                 }};
                 SELECT {NOTIFICATION_FIELDS} FROM $notification WHERE owner = $owner;"
            ))
            .bind(("notification", record("notification", new.id)))
            .bind(("owner", user_record(owner)))
            .bind(("kind", new.kind.to_owned()))
            .bind(("title", new.title.to_owned()))
            .bind(("body", new.body.to_owned()))
            .bind(("interview_id", new.interview_id.map(str::to_owned)))
            .bind(("email", email.to_owned()))
            .await
            .and_then(|mut r| r.take(1))
            .context("failed to store a notification")?;
        rows.into_iter().next().map(Into::into).context("a stored notification vanished")
    }

    /// Records that a notification was pushed, or what became of its email.
    pub async fn mark_notification(&self, owner: &str, id: &str, pushed: Option<bool>, email: Option<&str>) -> anyhow::Result<()> {
        self.db()
            .query("UPDATE $notification SET pushed = $pushed ?? pushed, email = $email ?? email WHERE owner = $owner RETURN NONE")
            .bind(("notification", record("notification", id)))
            .bind(("owner", user_record(owner)))
            .bind(("pushed", pushed))
            .bind(("email", email.map(str::to_owned)))
            .await
            .and_then(|r| r.check())
            .context("failed to update a notification")?;
        Ok(())
    }

    /// The owner's notifications, newest first, created before `before`, and the unread count.
    pub async fn list_notifications(
        &self,
        owner: &str,
        before: Option<DateTime<Utc>>,
        limit: usize,
    ) -> anyhow::Result<(Vec<Notification>, u64)> {
        let mut response = self
            .db()
            .query(format!(
                "SELECT {NOTIFICATION_FIELDS} FROM notification
                     WHERE owner = $owner AND ($before = NONE OR created_at < $before)
                     ORDER BY created_at DESC LIMIT $limit;
                 RETURN count(SELECT id FROM notification WHERE owner = $owner AND read = false);"
            ))
            .bind(("owner", user_record(owner)))
            .bind(("before", before))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .context("failed to list notifications")?;
        let rows: Vec<NotificationRow> = response.take(0).context("failed to read notifications")?;
        let unread: Option<i64> = response.take(1).context("failed to count notifications")?;
        Ok((
            rows.into_iter().map(|r| StoredNotification::from(r).notification).collect(),
            unread.and_then(|n| u64::try_from(n).ok()).unwrap_or_default(),
        ))
    }

    /// Marks one of the owner's notifications read; `false` when there is no such notification.
    pub async fn mark_notification_read(&self, owner: &str, id: &str) -> anyhow::Result<bool> {
        let rows: Vec<RecordId> = self
            .db()
            .query("UPDATE $notification SET read = true WHERE owner = $owner RETURN VALUE id")
            .bind(("notification", record("notification", id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to mark a notification read")?;
        Ok(!rows.is_empty())
    }

    /// The user's email address and name (for email notifications).
    pub async fn contact(&self, owner: &str) -> anyhow::Result<Option<(String, String)>> {
        #[derive(SurrealValue)]
        struct Row {
            email: String,
            name: String,
        }
        let rows: Vec<Row> = self
            .db()
            .query("SELECT email, name FROM $user")
            .bind(("user", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read a user's contact")?;
        Ok(rows.into_iter().next().map(|r| (r.email, r.name)))
    }
}

//! The `upload` table: tus uploads, their durable offset and expiry.
//!
//! An upload is created together with its interview (status `uploading`) so
//! the interview's context can be edited while bytes arrive. The stored
//! `offset` only ever covers bytes the file store has made durable. A
//! completed upload row stays (a client that asks again learns it is done)
//! until its interview is deleted.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use protocol::interview::InterviewContext;
use surrealdb::types::{RecordId, SurrealValue};

use super::{Store, user_record};

pub(crate) fn upload_record(id: &str) -> RecordId {
    RecordId::new("upload", id)
}

pub(crate) fn interview_record(id: &str) -> RecordId {
    RecordId::new("interview", id)
}

/// An upload as stored.
#[derive(Debug, Clone, SurrealValue)]
pub struct UploadRow {
    pub id: String,
    pub interview_id: String,
    pub length: Option<i64>,
    pub offset: i64,
    /// The `Upload-Metadata` header as the client sent it (echoed by HEAD).
    pub metadata: String,
    pub file_key: String,
    pub completed: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl UploadRow {
    pub fn offset(&self) -> u64 {
        u64::try_from(self.offset).unwrap_or_default()
    }

    pub fn length(&self) -> Option<u64> {
        self.length.and_then(|l| u64::try_from(l).ok())
    }
}

const UPLOAD_FIELDS: &str = "record::id(id) AS id, record::id(interview) AS interview_id, length, offset, \
     metadata, file_key, completed, created_at, expires_at";

/// What a new upload is created with.
pub struct NewUpload<'a> {
    pub upload_id: &'a str,
    pub interview_id: &'a str,
    pub length: Option<u64>,
    pub metadata: &'a str,
    pub file_key: &'a str,
    pub filename: Option<&'a str>,
    pub filetype: Option<&'a str>,
    pub context: &'a InterviewContext,
    /// The practice session the interview is compared with, if given.
    pub practice_id: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

/// An upload that was removed, and the file it leaves to delete.
#[derive(Debug, SurrealValue)]
pub struct RemovedUpload {
    pub owner_id: String,
    pub id: String,
    pub file_key: String,
}

fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Store {
    /// Creates the upload and its interview (status `uploading`) together.
    #[tracing::instrument(skip_all)]
    pub async fn create_upload(&self, owner: &str, new: NewUpload<'_>) -> anyhow::Result<()> {
        let context = new.context;
        self.db()
            .query(
                "BEGIN TRANSACTION;
                 CREATE $interview SET owner = $owner, status = 'uploading', version = 1,
                     company = $company, job_title = $job_title, interview_type = $interview_type,
                     notes = $notes, job_description = $job_description,
                     filename = $filename, filetype = $filetype, size_bytes = $length,
                     upload = $upload, practice_id = $practice_id,
                     created_at = time::now(), updated_at = time::now()
                     RETURN NONE;
                 CREATE $upload SET owner = $owner, interview = $interview, length = $length, offset = 0,
                     metadata = $metadata, file_key = $file_key, completed = false,
                     created_at = time::now(), expires_at = $expires_at RETURN NONE;
                 COMMIT TRANSACTION;",
            )
            .bind(("owner", user_record(owner)))
            .bind(("interview", interview_record(new.interview_id)))
            .bind(("upload", upload_record(new.upload_id)))
            .bind(("company", context.company.clone()))
            .bind(("job_title", context.job_title.clone()))
            .bind(("interview_type", context.interview_type.map(|t| t.as_str().to_owned())))
            .bind(("notes", context.notes.clone()))
            .bind(("job_description", context.job_description.clone()))
            .bind(("filename", new.filename.map(str::to_owned)))
            .bind(("filetype", new.filetype.map(str::to_owned)))
            .bind(("length", new.length.map(int)))
            .bind(("metadata", new.metadata.to_owned()))
            .bind(("file_key", new.file_key.to_owned()))
            .bind(("expires_at", new.expires_at))
            .bind(("practice_id", new.practice_id.map(str::to_owned)))
            .await
            .and_then(|r| r.check())
            .context("failed to create an upload")?;
        Ok(())
    }

    /// One of the owner's uploads.
    #[tracing::instrument(skip_all)]
    pub async fn upload(&self, owner: &str, id: &str) -> anyhow::Result<Option<UploadRow>> {
        let rows: Vec<UploadRow> = self
            .db()
            .query(format!("SELECT {UPLOAD_FIELDS} FROM $upload WHERE owner = $owner"))
            .bind(("upload", upload_record(id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read an upload")?;
        Ok(rows.into_iter().next())
    }

    /// Records `offset` durable bytes and pushes the expiry forward. False when
    /// the upload no longer exists.
    #[tracing::instrument(skip_all)]
    pub async fn set_upload_offset(
        &self,
        owner: &str,
        id: &str,
        offset: u64,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let rows: Vec<UploadRow> = self
            .db()
            .query(format!(
                "UPDATE $upload SET offset = $offset, expires_at = $expires_at
                 WHERE owner = $owner AND completed = false RETURN {UPLOAD_FIELDS}"
            ))
            .bind(("upload", upload_record(id)))
            .bind(("owner", user_record(owner)))
            .bind(("offset", int(offset)))
            .bind(("expires_at", expires_at))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to store an upload's offset")?;
        Ok(!rows.is_empty())
    }

    /// Fixes the length of an upload created with `Upload-Defer-Length`.
    #[tracing::instrument(skip_all)]
    pub async fn set_upload_length(&self, owner: &str, id: &str, length: u64) -> anyhow::Result<()> {
        self.db()
            .query(
                "UPDATE $upload SET length = $length WHERE owner = $owner AND length = NONE RETURN NONE;
                 UPDATE interview SET size_bytes = $length WHERE owner = $owner AND upload = $upload RETURN NONE;",
            )
            .bind(("upload", upload_record(id)))
            .bind(("owner", user_record(owner)))
            .bind(("length", int(length)))
            .await
            .and_then(|r| r.check())
            .context("failed to store an upload's length")?;
        Ok(())
    }

    /// Bytes the owner keeps or has reserved: finished recordings plus the
    /// declared (or, when deferred, received) length of unfinished uploads.
    #[tracing::instrument(skip_all)]
    pub async fn storage_used(&self, owner: &str) -> anyhow::Result<u64> {
        let mut response = self
            .db()
            .query(
                "RETURN math::sum((SELECT VALUE size_bytes ?? 0 FROM interview
                     WHERE owner = $owner AND file_key != NONE));
                 RETURN math::sum((SELECT VALUE length ?? offset FROM upload
                     WHERE owner = $owner AND completed = false));",
            )
            .bind(("owner", user_record(owner)))
            .await
            .context("failed to sum stored bytes")?;
        let kept: Option<i64> = response.take(0).context("failed to sum stored recordings")?;
        let reserved: Option<i64> = response.take(1).context("failed to sum unfinished uploads")?;
        let total = kept.unwrap_or_default().saturating_add(reserved.unwrap_or_default());
        Ok(u64::try_from(total).unwrap_or_default())
    }

    /// Removes an unfinished upload and its `uploading` interview (termination).
    /// `None` when there was no such upload.
    #[tracing::instrument(skip_all)]
    pub async fn delete_upload(&self, owner: &str, id: &str) -> anyhow::Result<Option<RemovedUpload>> {
        let mut response = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 LET $row = (SELECT record::id(owner) AS owner_id, record::id(id) AS id, file_key
                     FROM ONLY $upload WHERE owner = $owner AND completed = false);
                 LET $interview = (SELECT VALUE interview FROM ONLY $upload
                     WHERE owner = $owner AND completed = false);
                 IF $row != NONE {
                     DELETE interview WHERE id = $interview AND status = 'uploading';
                     DELETE $upload;
                 };
                 RETURN $row;
                 COMMIT TRANSACTION;",
            )
            .bind(("upload", upload_record(id)))
            .bind(("owner", user_record(owner)))
            .await
            .context("failed to delete an upload")?;
        let select = response.num_statements().saturating_sub(2);
        response.take(select).context("failed to read a deleted upload")
    }

    /// Unfinished uploads whose expiry has passed, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn expired_uploads(&self, now: DateTime<Utc>, limit: usize) -> anyhow::Result<Vec<RemovedUpload>> {
        let rows: Vec<RemovedUpload> = self
            .db()
            .query(
                "SELECT record::id(owner) AS owner_id, record::id(id) AS id, file_key FROM upload
                 WHERE completed = false AND expires_at < $now ORDER BY expires_at LIMIT $limit",
            )
            .bind(("now", now))
            .bind(("limit", int(limit as u64)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to find expired uploads")?;
        Ok(rows)
    }

    /// The owner's other finished interview holding a recording with this hash.
    #[tracing::instrument(skip_all)]
    pub async fn interview_with_sha256(
        &self,
        owner: &str,
        sha256: &str,
        except: &str,
    ) -> anyhow::Result<Option<String>> {
        let ids: Vec<String> = self
            .db()
            .query(
                "SELECT VALUE record::id(id) FROM interview
                 WHERE owner = $owner AND sha256 = $sha256 AND id != $except LIMIT 1",
            )
            .bind(("owner", user_record(owner)))
            .bind(("sha256", sha256.to_owned()))
            .bind(("except", interview_record(except)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to look up a recording by hash")?;
        Ok(ids.into_iter().next())
    }

    /// Marks the upload complete. Its interview becomes `uploaded` with the
    /// recording's size and hash, or, when `duplicate_of` names an earlier
    /// interview with the same content, the upload points there and its own
    /// `uploading` interview is removed.
    #[tracing::instrument(skip_all)]
    pub async fn complete_upload(
        &self,
        owner: &str,
        upload: &UploadRow,
        sha256: &str,
        duplicate_of: Option<&str>,
    ) -> anyhow::Result<()> {
        let size = upload.offset;
        let query = if duplicate_of.is_some() {
            "BEGIN TRANSACTION;
             DELETE interview WHERE id = $interview AND owner = $owner AND status = 'uploading';
             UPDATE $upload SET completed = true, offset = $size, interview = $target
                 WHERE owner = $owner RETURN NONE;
             COMMIT TRANSACTION;"
        } else {
            "BEGIN TRANSACTION;
             UPDATE $interview SET status = 'uploaded', size_bytes = $size, sha256 = $sha256,
                 file_key = $file_key, version += 1, updated_at = time::now()
                 WHERE owner = $owner RETURN NONE;
             UPDATE $upload SET completed = true, offset = $size WHERE owner = $owner RETURN NONE;
             UPSERT type::record('job', record::id($interview)) SET owner = $owner, interview = $interview,
                 state = 'queued', run = 1, attempts = 0, run_after = time::now(), lease_owner = NONE,
                 lease_until = NONE, created_at = time::now(), updated_at = time::now() RETURN NONE;
             UPDATE $interview SET stage = 'queued', stage_progress = 0.0 WHERE owner = $owner RETURN NONE;
             COMMIT TRANSACTION;"
        };
        self.db()
            .query(query)
            .bind(("owner", user_record(owner)))
            .bind(("upload", upload_record(&upload.id)))
            .bind(("interview", interview_record(&upload.interview_id)))
            .bind(("target", interview_record(duplicate_of.unwrap_or(&upload.interview_id))))
            .bind(("size", size))
            .bind(("sha256", sha256.to_owned()))
            .bind(("file_key", upload.file_key.clone()))
            .await
            .and_then(|r| r.check())
            .context("failed to complete an upload")?;
        Ok(())
    }
}

//! Recorded interviews on the wire: the record a finished (or running) upload
//! becomes, its editable context (company, role, type, notes, job description),
//! and the validation of that context, shared by tus metadata and REST edits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What kind of interview was recorded.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InterviewType {
    Behavioral,
    Technical,
    Phone,
    Panel,
}

impl InterviewType {
    pub const ALL: [Self; 4] = [Self::Behavioral, Self::Technical, Self::Phone, Self::Panel];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Behavioral => "behavioral",
            Self::Technical => "technical",
            Self::Phone => "phone",
            Self::Panel => "panel",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// Where an interview is in its life. `uploading` precedes the contract's
/// `uploaded → transcribing → analyzing → completed | failed`: the record
/// exists from the moment the upload is created, so its context can be
/// entered and edited while the bytes are still arriving.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InterviewStatus {
    Uploading,
    Uploaded,
    Transcribing,
    Analyzing,
    Completed,
    Failed,
}

impl InterviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploading => "uploading",
            Self::Uploaded => "uploaded",
            Self::Transcribing => "transcribing",
            Self::Analyzing => "analyzing",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Uploading,
            Self::Uploaded,
            Self::Transcribing,
            Self::Analyzing,
            Self::Completed,
            Self::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// The user-entered context of an interview.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct InterviewContext {
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub interview_type: Option<InterviewType>,
    pub notes: Option<String>,
    pub job_description: Option<String>,
}

/// The recording behind an interview, as far as it has arrived.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct RecordingInfo {
    pub filename: Option<String>,
    pub filetype: Option<String>,
    /// Total size in bytes (absent while an upload defers its length).
    pub size_bytes: Option<u64>,
    /// Bytes safely stored so far.
    pub uploaded_bytes: u64,
    /// SHA-256 of the content (hex), once complete.
    pub sha256: Option<String>,
    /// The tus upload that brings it (`/files/{upload_id}`).
    pub upload_id: Option<String>,
}

/// One recorded interview.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Interview {
    pub id: String,
    pub status: InterviewStatus,
    /// Optimistic-locking counter: send it back with an edit; it grows with each change.
    pub version: u64,
    #[serde(flatten)]
    pub context: InterviewContext,
    pub recording: RecordingInfo,
    /// Length of the recording's audio in seconds, once decoded.
    #[serde(default)]
    pub duration_secs: Option<f64>,
    /// Why processing failed, in words for the user (set with status `failed`).
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// Where processing is, while it runs (absent otherwise).
    #[serde(default)]
    pub progress: Option<StageProgress>,
    /// The practice session this interview is compared with, if linked.
    #[serde(default)]
    pub practice_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stage of processing a recording, finer than the interview's status.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Waiting for a worker (or for the next attempt).
    Queued,
    /// Reading the container and decoding the audio track to 16 kHz mono.
    Decoding,
    Transcribing,
    /// Telling the speakers apart and finding who is the candidate.
    Diarizing,
    Analyzing,
    /// Storing the in-app notification and sending the email.
    Notifying,
    Completed,
    Failed,
}

impl Stage {
    /// The interview status a stage shows as.
    pub fn status(self) -> InterviewStatus {
        match self {
            Self::Queued => InterviewStatus::Uploaded,
            Self::Decoding | Self::Transcribing | Self::Diarizing => InterviewStatus::Transcribing,
            Self::Analyzing | Self::Notifying => InterviewStatus::Analyzing,
            Self::Completed => InterviewStatus::Completed,
            Self::Failed => InterviewStatus::Failed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Decoding => "decoding",
            Self::Transcribing => "transcribing",
            Self::Diarizing => "diarizing",
            Self::Analyzing => "analyzing",
            Self::Notifying => "notifying",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }
}

/// How far the current stage has come.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct StageProgress {
    pub stage: Stage,
    /// Share of the stage done, 0 to 1.
    pub progress: f64,
    /// Estimated seconds until the whole job is done (from the recording's
    /// duration and the engine's measured speed); absent when unknown.
    pub eta_secs: Option<f64>,
}

/// The `interview.status` push: stage changes are durable events (replayed
/// after a reconnect, with `seq`); progress within a stage is live only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct InterviewStatusPush {
    pub interview_id: String,
    pub status: InterviewStatus,
    pub stage: Stage,
    pub progress: f64,
    pub eta_secs: Option<f64>,
    /// Set when `status` is `failed`: what went wrong, for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A page of interviews, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct InterviewPage {
    pub items: Vec<Interview>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// `PATCH /api/v1/interviews/{id}`: the fields present replace the stored
/// ones (an empty string clears a text field, `null` clears the type).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UpdateInterviewRequest {
    /// The `version` the edit is based on; a stale one answers 409.
    pub version: u64,
    pub company: Option<String>,
    pub job_title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<InterviewType>)]
    pub interview_type: Option<Option<String>>,
    pub notes: Option<String>,
    pub job_description: Option<String>,
}

/// Tells "absent" (outer `None`) from "null" (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Length bounds of the context fields, in characters.
#[derive(Debug, Clone, Copy)]
pub struct ContextLimits {
    pub short_text_max: usize,
    pub notes_max: usize,
    pub job_description_max: usize,
}

/// A context field that is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ContextError {
    pub field: &'static str,
    pub message: String,
}

/// `value` trimmed; empty becomes `None`; longer than `max` characters is an
/// error naming `field`. Every free-text field of the API is read this way.
/// The length counted is the text as sent, spaces included (as the API
/// document's `maxLength` counts it).
pub fn bounded_text(field: &'static str, value: &str, max: usize) -> Result<Option<String>, ContextError> {
    if value.chars().count() > max {
        return Err(ContextError { field, message: format!("{field} must be at most {max} characters") });
    }
    let value = value.trim();
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

impl ContextLimits {
    /// Trims `value`; empty becomes `None`; longer than `max` is an error.
    pub fn text(&self, field: &'static str, value: &str, max: usize) -> Result<Option<String>, ContextError> {
        bounded_text(field, value, max)
    }

    /// The interview type named by `raw` (empty: none).
    pub fn interview_type(&self, raw: &str) -> Result<Option<InterviewType>, ContextError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        InterviewType::parse(&raw.to_ascii_lowercase()).map(Some).ok_or_else(|| ContextError {
            field: "interview_type",
            message: String::from("interview_type must be one of behavioral, technical, phone, panel"),
        })
    }

    /// Reads the context from tus `Upload-Metadata` pairs (unknown keys are ignored).
    pub fn from_metadata<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<InterviewContext, ContextError> {
        let mut context = InterviewContext::default();
        for (key, value) in pairs {
            match key {
                "company" => context.company = self.text("company", value, self.short_text_max)?,
                "job_title" => context.job_title = self.text("job_title", value, self.short_text_max)?,
                "interview_type" => context.interview_type = self.interview_type(value)?,
                "notes" => context.notes = self.text("notes", value, self.notes_max)?,
                "job_description" => {
                    context.job_description = self.text("job_description", value, self.job_description_max)?;
                }
                _ => {}
            }
        }
        Ok(context)
    }

    /// Applies an edit to `context`.
    pub fn apply(&self, context: &mut InterviewContext, edit: &UpdateInterviewRequest) -> Result<(), ContextError> {
        if let Some(company) = &edit.company {
            context.company = self.text("company", company, self.short_text_max)?;
        }
        if let Some(job_title) = &edit.job_title {
            context.job_title = self.text("job_title", job_title, self.short_text_max)?;
        }
        if let Some(kind) = &edit.interview_type {
            context.interview_type = match kind {
                Some(raw) => self.interview_type(raw)?,
                None => None,
            };
        }
        if let Some(notes) = &edit.notes {
            context.notes = self.text("notes", notes, self.notes_max)?;
        }
        if let Some(description) = &edit.job_description {
            context.job_description = self.text("job_description", description, self.job_description_max)?;
        }
        Ok(())
    }
}

/// `upload.progress` (live, not stored): how far an upload has come.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct UploadProgress {
    pub upload_id: String,
    pub interview_id: String,
    /// Bytes received so far (including bytes not yet made durable).
    pub offset: u64,
    pub length: Option<u64>,
    /// 0–100, when the length is known.
    pub percent: Option<f64>,
    /// Recent throughput.
    pub bytes_per_second: u64,
    /// Seconds left at the recent throughput, when it can be told.
    pub eta_secs: Option<u64>,
}

/// `upload.completed` (stored, replayed): the recording is complete.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct UploadCompleted {
    pub upload_id: String,
    /// The interview the recording belongs to.
    pub interview_id: String,
    pub size_bytes: u64,
    pub sha256: String,
    /// The user had already uploaded this exact file: `interview_id` is that
    /// earlier interview and no second copy is kept.
    pub duplicate: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ContextLimits {
        ContextLimits { short_text_max: 10, notes_max: 20, job_description_max: 30 }
    }

    #[test]
    fn metadata_becomes_a_trimmed_context() {
        let context = limits()
            .from_metadata([("company", " Acme "), ("interview_type", "Panel"), ("notes", ""), ("other", "x")])
            .unwrap();
        assert_eq!(context.company.as_deref(), Some("Acme"));
        assert_eq!(context.interview_type, Some(InterviewType::Panel));
        assert_eq!(context.notes, None);
    }

    #[test]
    fn an_unknown_type_or_a_long_field_is_refused_by_name() {
        let error = limits().from_metadata([("interview_type", "casual")]).unwrap_err();
        assert_eq!(error.field, "interview_type");
        let error = limits().from_metadata([("company", "a company name that is long")]).unwrap_err();
        assert_eq!(error.field, "company");
    }

    #[test]
    fn an_edit_replaces_present_fields_and_null_clears_the_type() {
        let mut context = limits().from_metadata([("company", "Acme"), ("interview_type", "phone")]).unwrap();
        let edit: UpdateInterviewRequest =
            serde_json::from_str(r#"{"version":1,"job_title":"SRE","interview_type":null}"#).unwrap();
        limits().apply(&mut context, &edit).unwrap();
        assert_eq!(context.company.as_deref(), Some("Acme"));
        assert_eq!(context.job_title.as_deref(), Some("SRE"));
        assert_eq!(context.interview_type, None);
    }
}

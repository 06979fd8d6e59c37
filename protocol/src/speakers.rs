//! Who said what in a recording: the speakers found (by diarization, by the
//! recording's channels, or one voice), the role each plays in the interview,
//! their talk time, and where they spoke over each other. Labels are `S1`,
//! `S2`, … in order of first speech; the user may correct roles and merge
//! labels (`PUT /api/v1/interviews/{id}/speakers`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The part a speaker plays in the interview.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerRole {
    /// Asks the questions (several on a panel).
    Interviewer,
    /// Answers them: the person Debrief coaches.
    Candidate,
    /// Anyone else (a note-taker, a recruiter saying hello).
    Other,
}

impl SpeakerRole {
    /// The word a transcript line begins with (`Interviewer: …`).
    pub fn title(self) -> &'static str {
        match self {
            Self::Interviewer => "Interviewer",
            Self::Candidate => "Candidate",
            Self::Other => "Other",
        }
    }
}

/// How the speakers were told apart.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerSource {
    /// Voice activity detection and speaker embeddings, clustered.
    Diarization,
    /// One speaker per audio channel or track of the recording.
    Channels,
    /// One voice (or diarization could not run: see the analysis notes).
    Single,
    /// Roles or labels corrected by the user.
    User,
}

/// One speaker and their talk time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Speaker {
    /// `S1`, `S2`, … in order of first speech.
    pub label: String,
    pub role: SpeakerRole,
    /// Seconds of transcribed speech.
    pub speaking_secs: f64,
    /// Share of all speaking time, 0 to 1.
    pub share: f64,
}

/// A stretch where two or more speakers spoke at once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Overlap {
    pub start: f64,
    pub end: f64,
    /// The labels speaking together.
    pub speakers: Vec<String>,
}

/// The speakers of a recording (`GET /api/v1/interviews/{id}/speakers`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Speakers {
    pub speakers: Vec<Speaker>,
    pub source: SpeakerSource,
    /// How sure the split and the roles are, 0 to 1 (1 when the user set them).
    pub confidence: f64,
    /// Where speakers spoke over each other.
    #[serde(default)]
    pub overlaps: Vec<Overlap>,
    /// Total seconds of overlapping speech.
    #[serde(default)]
    pub overlap_secs: f64,
    /// Why the recording was taken as one voice when diarization failed or was unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Speakers {
    /// The role of `label`, if it is one of these speakers.
    pub fn role_of(&self, label: &str) -> Option<SpeakerRole> {
        self.speakers.iter().find(|s| s.label == label).map(|s| s.role)
    }
}

/// `PUT /api/v1/interviews/{id}/speakers`: roles by label, and pairs of labels
/// to merge (the second joins the first).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SpeakersUpdate {
    /// The role of each label named; labels left out keep theirs.
    #[serde(default)]
    pub roles: BTreeMap<String, SpeakerRole>,
    /// `[["S2", "S3"]]`: S3's speech becomes S2's.
    #[serde(default)]
    pub merge: Option<Vec<[String; 2]>>,
}

//! The career record: what the Career Interviewer has learned about the user
//! (roles, employers, projects, results…), taken from the user's own messages,
//! and the plan of the story being told. The user sees it ("What I know about
//! you"), corrects any item or deletes it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What kind of fact a record item is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A job title the user holds or held ("senior backend engineer").
    Role,
    /// A company, school, hospital… the user works or worked for.
    Employer,
    /// Something the user built, ran or changed.
    Project,
    /// A difficulty the user faced.
    Challenge,
    /// Something the user did.
    Action,
    /// An outcome of the user's work.
    Result,
    /// A figure the user gave (a percentage, an amount, a count, a duration).
    Number,
    /// Someone the user worked with, led or served.
    Person,
    /// A skill, tool or method the user named.
    Skill,
}

impl ItemKind {
    pub const ALL: [Self; 9] = [
        Self::Role,
        Self::Employer,
        Self::Project,
        Self::Challenge,
        Self::Action,
        Self::Result,
        Self::Number,
        Self::Person,
        Self::Skill,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Role => "role",
            Self::Employer => "employer",
            Self::Project => "project",
            Self::Challenge => "challenge",
            Self::Action => "action",
            Self::Result => "result",
            Self::Number => "number",
            Self::Person => "person",
            Self::Skill => "skill",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One fact of the record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct RecordItem {
    pub id: String,
    pub kind: ItemKind,
    pub text: String,
    /// The user message it was taken from (absent once the user edited it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The story it belongs to (1, 2, 3…).
    pub story: u32,
    /// Whether the user corrected it by hand.
    pub edited: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The parts of a story, in the order the interviewer asks for them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum StoryPart {
    Situation,
    Task,
    Actions,
    Result,
    Reflection,
}

impl StoryPart {
    pub const ALL: [Self; 5] = [Self::Situation, Self::Task, Self::Actions, Self::Result, Self::Reflection];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Situation => "situation",
            Self::Task => "task",
            Self::Actions => "actions",
            Self::Result => "result",
            Self::Reflection => "reflection",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

/// Where the current story stands: which parts the user has told, what the
/// interviewer asks for next.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct StoryPlan {
    /// The story being told (1, 2, 3…).
    pub story: u32,
    /// What the story is about, in the user's words (a few words), once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Parts already told.
    pub told: Vec<StoryPart>,
    /// The part the interviewer asks for next (absent: the next story starts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<StoryPart>,
}

/// `GET /api/v1/career`: everything the interviewer knows about the user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CareerRecord {
    /// Oldest first.
    pub items: Vec<RecordItem>,
    pub plan: StoryPlan,
}

/// `PATCH /api/v1/career/items/{id}`: the corrected text of an item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct UpdateRecordItem {
    pub text: String,
}

impl UpdateRecordItem {
    /// The corrected text: trimmed, 1 to `max` characters as sent, no control
    /// or text-direction characters. The error says why not.
    pub fn parse(&self, max: usize) -> Result<String, String> {
        if self.text.chars().count() > max {
            return Err(format!("text must be at most {max} characters"));
        }
        if self.text.chars().any(crate::account::hides_or_reorders_text) {
            return Err(String::from("text must not contain control or text-direction characters"));
        }
        let text = self.text.trim();
        if text.is_empty() {
            return Err(String::from("text must not be empty"));
        }
        Ok(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correction_is_trimmed_and_bounded() {
        let edit = |text: &str| UpdateRecordItem { text: text.into() }.parse(10);
        assert_eq!(edit("  Acme  ").as_deref(), Ok("Acme"));
        assert!(edit("   ").is_err());
        assert!(edit("much too long here").is_err());
        assert!(edit("Ann\u{202E}gpj").is_err());
    }

    #[test]
    fn kinds_and_parts_round_trip_through_their_names() {
        for kind in ItemKind::ALL {
            assert_eq!(ItemKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for part in StoryPart::ALL {
            assert_eq!(StoryPart::parse(part.as_str()), Some(part));
        }
    }
}

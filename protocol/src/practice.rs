//! Practice sessions: mock interviews for a target role. A session is
//! `draft` when created, `in_progress` once answering starts and `completed`
//! when finished; its questions are an ordered list, each answered at most
//! once (an answer can be overwritten), with coaching feedback per answer and
//! structured feedback for the session. A recording linked to a session is
//! compared with it ([`Comparison`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::interview::InterviewType;

/// Where a practice session is in its life.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PracticeStatus {
    /// Created; questions may be generated and edited.
    Draft,
    /// At least one answer is stored.
    InProgress,
    /// Finished, with feedback.
    Completed,
}

impl PracticeStatus {
    pub const ALL: [Self; 3] = [Self::Draft, Self::InProgress, Self::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// What a request may do to a session, for the status machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeAction {
    /// Replace the questions with generated ones.
    Generate,
    /// Edit, reorder, add or remove questions.
    EditQuestions,
    /// Store or overwrite answers (and get coaching on one).
    Answer,
    Complete,
    /// Make or edit the session's feedback.
    Feedback,
}

impl PracticeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Generate => "generate questions",
            Self::EditQuestions => "edit questions",
            Self::Answer => "answer",
            Self::Complete => "complete",
            Self::Feedback => "change feedback",
        }
    }
}

impl PracticeStatus {
    /// The status after `action`, or `None` when the action is illegal now.
    /// `draft → in_progress` on the first answer; `in_progress → completed`;
    /// nothing changes a completed session but its feedback.
    pub fn after(self, action: PracticeAction) -> Option<Self> {
        use PracticeAction as A;
        match (self, action) {
            (Self::Draft, A::Generate | A::EditQuestions) => Some(Self::Draft),
            (Self::Draft | Self::InProgress, A::Answer) => Some(Self::InProgress),
            (Self::InProgress, A::EditQuestions) => Some(Self::InProgress),
            (Self::InProgress, A::Complete) => Some(Self::Completed),
            (Self::Completed, A::Feedback) => Some(Self::Completed),
            _ => None,
        }
    }
}

/// One question of a session, in its place.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PracticeQuestion {
    pub id: String,
    /// 1-based position.
    pub order: u32,
    pub text: String,
    /// `behavioral`, `technical`, `situational`, `motivation`, `role_specific`, or the user's own.
    pub category: String,
    /// `bank`, `job_description`, `model`, `user`, `drill` or `record` (the
    /// user's own story, from the Career Interviewer's record).
    pub source: String,
    /// The role or drill skill it probes, if any.
    #[serde(default)]
    pub skill: Option<String>,
}

/// The deterministic measures of one answer (the same analytics as recordings).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AnswerMetrics {
    pub word_count: usize,
    /// Filler words and phrases (um, uh, like, you know…).
    pub fillers: usize,
    pub filler_terms: Vec<String>,
    /// Hedging phrases (I think, maybe, sort of…).
    pub hedges: usize,
    pub star: StarParts,
    /// 0–100: how much of Situation, Task, Action, Result is there.
    pub star_score: u32,
    /// Whether the answer quantifies anything (numbers, percentages).
    pub has_numbers: bool,
    /// 0–100: the answer's overall mark from these measures.
    pub score: u32,
    /// The clauses that state each STAR part, quoted.
    #[serde(default)]
    pub star_cues: Vec<crate::analysis::StarCue>,
    /// How well the answer answers its question (1–5, with reasons).
    #[serde(default)]
    pub fit: Option<crate::analysis::QuestionFit>,
}

/// Which parts of STAR an answer has.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct StarParts {
    pub situation: bool,
    pub task: bool,
    pub action: bool,
    pub result: bool,
}

/// Structured feedback, on one answer or on a whole session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Feedback {
    /// 1 (needs work) to 5 (excellent).
    pub rating: u8,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    pub detail: String,
    /// A better shape for the answer, step by step (answers only; may be empty).
    #[serde(default)]
    pub suggested_structure: Vec<String>,
    /// `rules` (Debrief's analytics), `model` (the configured model) or `user` (edited).
    pub source: String,
    pub updated_at: DateTime<Utc>,
}

/// A stored answer with its measures and coaching.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PracticeAnswer {
    pub question_id: String,
    pub text: String,
    pub updated_at: DateTime<Utc>,
    pub metrics: AnswerMetrics,
    /// Coaching on this answer, once asked for (cleared when the answer changes).
    #[serde(default)]
    pub feedback: Option<Feedback>,
    /// How it was said, when it was spoken (absent for typed answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<crate::spoken::Delivery>,
    /// The spoken answer's id (`answer_id` of its pushes), when it was spoken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_id: Option<String>,
}

/// A practice session with everything in it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PracticeSession {
    pub id: String,
    pub status: PracticeStatus,
    /// Grows with each change.
    pub version: u64,
    pub job_title: String,
    pub company: Option<String>,
    pub interview_type: InterviewType,
    pub job_description: Option<String>,
    pub resume_url: Option<String>,
    /// The skills a drill session targets (empty otherwise).
    #[serde(default)]
    pub focus: Vec<String>,
    /// In order.
    pub questions: Vec<PracticeQuestion>,
    /// In the order of the questions.
    pub answers: Vec<PracticeAnswer>,
    /// The session's feedback, once completed.
    pub feedback: Option<Feedback>,
    pub question_count: usize,
    pub answered_count: usize,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A session in the history list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PracticeSummary {
    pub id: String,
    pub status: PracticeStatus,
    pub job_title: String,
    pub company: Option<String>,
    pub interview_type: InterviewType,
    pub question_count: usize,
    pub answered_count: usize,
    /// The session feedback's rating, once completed.
    pub rating: Option<u8>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&PracticeSession> for PracticeSummary {
    fn from(session: &PracticeSession) -> Self {
        Self {
            id: session.id.clone(),
            status: session.status,
            job_title: session.job_title.clone(),
            company: session.company.clone(),
            interview_type: session.interview_type,
            question_count: session.question_count,
            answered_count: session.answered_count,
            rating: session.feedback.as_ref().map(|f| f.rating),
            completed_at: session.completed_at,
            created_at: session.created_at,
            updated_at: session.updated_at,
        }
    }
}

/// A page of the history, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PracticePage {
    pub items: Vec<PracticeSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/v1/practice`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatePracticeRequest {
    pub job_title: String,
    #[serde(default)]
    pub company: Option<String>,
    /// behavioral, technical, phone or panel.
    pub interview_type: String,
    #[serde(default)]
    pub job_description: Option<String>,
    #[serde(default)]
    pub resume_url: Option<String>,
}

/// `POST /api/v1/practice/{id}/questions/generate` (the body is optional).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct GenerateRequest {
    /// How many questions (default `practice.default_questions`).
    #[serde(default)]
    pub count: Option<usize>,
}

/// One question of `PUT /api/v1/practice/{id}/questions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuestionEdit {
    /// An existing question's id (its answer is kept); absent for a new question.
    #[serde(default)]
    pub id: Option<String>,
    pub text: String,
    #[serde(default)]
    pub category: Option<String>,
}

/// `PUT /api/v1/practice/{id}/questions`: the whole list, in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EditQuestionsRequest {
    pub questions: Vec<QuestionEdit>,
}

/// One answer of `PUT /api/v1/practice/{id}/answers`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnswerInput {
    pub question_id: String,
    pub text: String,
}

/// `PUT /api/v1/practice/{id}/answers`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnswersRequest {
    pub answers: Vec<AnswerInput>,
}

/// `POST /api/v1/practice/{id}/questions/{question_id}/coach`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoachRequest {
    pub text: String,
}

/// The answer to a coach request: feedback follows on the WebSocket.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoachAccepted {
    pub practice_id: String,
    pub question_id: String,
    /// Names the `practice.feedback.*` frames of this feedback.
    pub stream_id: String,
}

/// `PUT /api/v1/practice/{id}/feedback`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeedbackEdit {
    pub rating: u8,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    pub detail: String,
}

/// `POST /api/v1/practice/{id}/complete` (the body is optional).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CompleteRequest {
    /// Complete even though some questions have no answer (the feedback says so).
    #[serde(default)]
    pub allow_unanswered: bool,
}

/// `POST /api/v1/practice/drills` (the body is optional).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DrillRequest {
    #[serde(default)]
    pub count: Option<usize>,
}

/// `PUT /api/v1/interviews/{id}/practice`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LinkPracticeRequest {
    pub practice_id: String,
}

/// Live coaching pushes (`practice.feedback.delta|done|error`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FeedbackDelta {
    pub practice_id: String,
    pub question_id: String,
    pub stream_id: String,
    /// From 1.
    pub seq: u64,
    pub text: String,
}

/// The finished coaching of one answer (also stored with the answer).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FeedbackDone {
    pub practice_id: String,
    pub question_id: String,
    pub stream_id: String,
    pub feedback: Feedback,
    /// Boxed: the socket frame enum stays small.
    pub metrics: Box<AnswerMetrics>,
}

/// Practice vs the real interview.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Comparison {
    pub interview_id: String,
    pub practice_id: String,
    /// What matched questions by meaning: the embedding model, or `lexical`.
    pub matcher: String,
    /// Similarity from which an asked question counts as the practised one.
    pub threshold: f64,
    pub questions_matched: usize,
    pub questions_unexpected: usize,
    pub questions_not_asked: usize,
    /// −100 (much worse than in practice) to +100 (much better).
    pub improvement_score: i32,
    pub matches: Vec<QuestionMatch>,
    pub unexpected: Vec<UnexpectedQuestion>,
    pub not_asked: Vec<NotAsked>,
}

/// A practised question that was asked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct QuestionMatch {
    pub practice_question_id: String,
    pub practice_question: String,
    pub asked_question: String,
    pub asked_at_secs: f64,
    /// 0–1.
    pub similarity: f64,
    pub prep_answer: Option<String>,
    pub actual_answer: String,
    pub prep: Option<AnswerMetrics>,
    pub actual: AnswerMetrics,
    pub deltas: Vec<MetricDelta>,
}

/// How one measure changed from practice to the interview.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct MetricDelta {
    /// `score`, `star_score`, `fillers`, `hedges` or `word_count`.
    pub metric: String,
    pub prep: f64,
    pub actual: f64,
    pub delta: f64,
    /// Whether the change is for the better (fewer fillers, more STAR…).
    pub better: bool,
}

/// An asked question that was not practised.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct UnexpectedQuestion {
    pub asked_question: String,
    pub asked_at_secs: f64,
    pub closest_practice_question: Option<String>,
    pub similarity: f64,
}

/// A practised question that was not asked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct NotAsked {
    pub practice_question_id: String,
    pub practice_question: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use PracticeAction as A;
    use PracticeStatus as S;

    #[test]
    fn answering_starts_a_draft_and_completing_needs_answers_first() {
        assert_eq!(S::Draft.after(A::Answer), Some(S::InProgress));
        assert_eq!(S::Draft.after(A::Complete), None);
        assert_eq!(S::InProgress.after(A::Complete), Some(S::Completed));
    }

    #[test]
    fn a_completed_session_only_takes_feedback() {
        for action in [A::Generate, A::EditQuestions, A::Answer, A::Complete] {
            assert_eq!(S::Completed.after(action), None, "{action:?}");
        }
        assert_eq!(S::Completed.after(A::Feedback), Some(S::Completed));
        assert_eq!(S::InProgress.after(A::Feedback), None);
    }

    #[test]
    fn questions_are_generated_only_before_answering() {
        assert_eq!(S::Draft.after(A::Generate), Some(S::Draft));
        assert_eq!(S::InProgress.after(A::Generate), None);
        assert_eq!(S::InProgress.after(A::EditQuestions), Some(S::InProgress));
    }

    #[test]
    fn statuses_round_trip_as_snake_case() {
        for status in S::ALL {
            assert_eq!(S::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}

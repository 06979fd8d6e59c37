//! Recording analysis on the wire: what Debrief makes of a timed transcript of
//! an interview. Speech (fillers, pace, pauses, clarity), structure (questions,
//! answers, STAR), tone (sentiment, confidence, enthusiasm), a per-minute
//! timeline, a scored rubric and recommendations tied to moments.
//!
//! Times are seconds from the start of the recording; scores are 0–100; rates
//! are per minute. The server computes it deterministically (same transcript,
//! same analysis); `version` names the rubric and algorithms, so stored
//! analyses can be told apart when they change.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The full analysis of one recording (or one typed answer).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Analysis {
    /// Version of the rubric and algorithms that produced this analysis (starts at 1).
    pub version: u32,
    /// Length of the analysed recording in seconds.
    pub duration_secs: f64,
    /// Words in the whole transcript, interviewer's questions included.
    pub word_count: usize,
    /// Delivery: fillers, pace, pauses, clarity.
    pub speech: SpeechAnalysis,
    /// Content: detected questions, answers and their STAR structure.
    pub structure: StructureAnalysis,
    /// Tone: sentiment over time, confidence, enthusiasm.
    pub tone: ToneAnalysis,
    /// Coverage of the job description's keywords; absent without a job description.
    pub relevance: Option<RelevanceAnalysis>,
    /// One bucket per minute of the recording, for a chart.
    pub timeline: Vec<TimelineBucket>,
    /// The overall score and its breakdown by category.
    pub score: ScoreBreakdown,
    /// What to work on, most important first (at most eight).
    pub recommendations: Vec<Recommendation>,
    /// Caveats about the input or the analysis (skipped parts, low-confidence audio).
    pub notes: Vec<String>,
    /// Parts that could not be produced this time (e.g. the model's judgement
    /// when the model endpoint failed), each a sentence for the user.
    #[serde(default)]
    pub missing: Vec<String>,
    /// The model's judgement of the answers, when a model endpoint is configured and answered.
    #[serde(default)]
    pub judgement: Option<Judgement>,
    /// Who spoke: each speaker's role and talk time, and where they overlapped
    /// (absent for a typed answer).
    #[serde(default)]
    pub speakers: Option<crate::speakers::Speakers>,
}

/// What a language model adds to the measured analytics.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Judgement {
    /// The engine that judged (`gpt-4o-mini (remote)`).
    pub engine: String,
    /// A short overall assessment in the coach's words.
    pub summary: String,
    /// Relevance of each answer to its question and the job, 0 to 100.
    pub answers: Vec<AnswerJudgement>,
}

/// The model's view of one answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AnswerJudgement {
    /// Index into `structure.answers`.
    pub answer_index: usize,
    /// 0 (off topic) to 100 (answers the question squarely, fits the role).
    pub relevance: u32,
    pub comment: String,
}

/// Delivery metrics of the candidate's speech.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SpeechAnalysis {
    /// Filler words and phrases ("um", "like", "you know"…).
    pub fillers: FillerSummary,
    /// Speaking pace: words over speaking time, long pauses excluded.
    pub words_per_minute: f64,
    /// Seconds of speaking time the pace is measured over.
    pub speaking_secs: f64,
    /// Silences between consecutive words.
    pub pauses: PauseSummary,
    /// 0–100: how clearly the speech came across (recognition confidence,
    /// filler rate, pace); the formula is in the server's `analysis::pace` docs.
    pub clarity: u32,
    /// Mean word probability from the speech engine (0–1), when it gave word timings.
    pub mean_word_probability: Option<f64>,
    /// Share (0–1) of words in segments the engine flagged as low-confidence.
    pub low_confidence_share: f64,
}

/// Every filler found, grouped by term.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FillerSummary {
    /// One entry per filler term used, most frequent first.
    pub items: Vec<FillerCount>,
    /// All fillers together.
    pub total: usize,
    /// All fillers per minute of recording.
    pub per_minute: f64,
}

/// One filler term and where it was said.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FillerCount {
    /// The canonical term (`um`, `uh`, `like`, `you know`, `right?`…); spelling
    /// variants are folded in (`umm` counts as `um`).
    pub term: String,
    /// How many times it was said.
    pub count: usize,
    /// Times per minute of recording.
    pub per_minute: f64,
    /// Start time (seconds) of each occurrence.
    pub positions: Vec<f64>,
}

/// Silences between the candidate's consecutive words.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PauseSummary {
    /// Pauses at least as long as the pause threshold (0.6 s).
    pub count: usize,
    /// Their total length in seconds.
    pub total_secs: f64,
    /// The longest pause in seconds (0 when there is none).
    pub longest_secs: f64,
    /// When the longest pause started, if there is one.
    pub longest_at_secs: Option<f64>,
    /// Pauses at least as long as the long-pause threshold (2 s), which pace leaves out.
    pub long_count: usize,
    /// Every pause, in order.
    pub list: Vec<Pause>,
}

/// One silence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Pause {
    /// When the silence started (end of the previous word), seconds.
    pub start: f64,
    /// How long it lasted, seconds.
    pub duration: f64,
}

/// Questions and answers found in the transcript.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct StructureAnalysis {
    /// False when no question was found: the whole transcript is then one
    /// answer without a question and STAR analysis is skipped.
    pub questions_detected: bool,
    /// Detected questions, in order.
    pub questions: Vec<Question>,
    /// The answers: the speech after each question up to the next one.
    pub answers: Vec<Answer>,
    /// Mean STAR score (0–100) over answers where STAR is expected; absent when
    /// STAR was skipped or no question called for a story.
    pub star_average: Option<u32>,
}

/// A question the interviewer asked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Question {
    /// Position in `questions`, referenced by `Answer::question_index`.
    pub index: usize,
    /// When the question started, seconds.
    pub at_secs: f64,
    /// The question as transcribed.
    pub text: String,
    /// Whether the question asks for a story ("tell me about a time…"), so the
    /// answer is expected to follow STAR.
    pub behavioral: bool,
}

/// The candidate's answer to one question.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Answer {
    /// The question answered; absent when no question was detected.
    pub question_index: Option<usize>,
    /// When the answer started, seconds.
    pub start: f64,
    /// When the answer ended, seconds.
    pub end: f64,
    /// The candidate's words in the answer, fillers included.
    pub word_count: usize,
    /// `end - start`, seconds.
    pub duration_secs: f64,
    /// Fillers in the answer (a two-word filler counts once).
    #[serde(default)]
    pub filler_count: usize,
    /// The answer's pace, words per minute (0 when shorter than 3 s).
    #[serde(default)]
    pub words_per_minute: f64,
    /// Coverage of the job description's keywords in this answer (0–100);
    /// absent without a job description.
    #[serde(default)]
    pub relevance: Option<u32>,
    /// The answer's opening words (at most 80 characters).
    pub excerpt: String,
    /// Whether this answer should tell a STAR story (a behavioural question, or
    /// any story question in a behavioural interview).
    pub star_expected: bool,
    /// STAR elements found; absent when STAR analysis was skipped.
    pub star: Option<Star>,
    /// 25 points per STAR element present (0–100); absent when skipped.
    pub star_score: Option<u32>,
    /// How well it answers its question (1–5, with reasons); absent without a question.
    #[serde(default)]
    pub fit: Option<QuestionFit>,
}

/// How well an answer answers its question: 1 (does not answer it) to 5
/// (answers exactly what was asked), with the words that show it and the
/// reasons for every point lost.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct QuestionFit {
    pub score: u8,
    /// The question's topic ("conflict", "deadline"…), when it names a known one.
    pub topic: Option<String>,
    /// The answer's words that show the topic or the question's own words.
    pub evidence: Vec<String>,
    /// Why points were lost, in plain words.
    pub reasons: Vec<String>,
}

/// The STAR elements of an answer (Situation, Task, Action, Result).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Star {
    /// The context was set ("last year", "at my previous company"…).
    pub situation: bool,
    /// The speaker's goal or responsibility was named ("I was responsible for"…).
    pub task: bool,
    /// What the speaker did ("I built", "I led", "then I"…).
    pub action: bool,
    /// The outcome ("as a result", "we reduced", a percentage…).
    pub result: bool,
    /// Every cue phrase found, in order.
    pub cues: Vec<StarCue>,
}

/// A clause that states one STAR element, and the words that show it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct StarCue {
    /// The element it signals.
    pub part: StarPart,
    /// The words that decided it (lower case, fillers removed); empty when
    /// the learned reader decided from the whole clause (see `quote`).
    pub phrase: String,
    /// The clause that states it, as said (at most 160 characters).
    #[serde(default)]
    pub quote: String,
    /// When it was said, seconds.
    pub at_secs: f64,
}

/// One of the four STAR elements.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StarPart {
    Situation,
    Task,
    Action,
    Result,
}

/// Tone of the candidate's speech.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ToneAnalysis {
    /// Overall label from `sentiment_score`.
    pub sentiment: SentimentLabel,
    /// Overall sentiment, −1 (negative) to 1 (positive).
    pub sentiment_score: f64,
    /// Sentiment per 30-second bucket that holds speech.
    pub sentiment_timeline: Vec<SentimentPoint>,
    /// 0–100: assertive language against hedging (50 when neither is used).
    pub confidence: u32,
    /// 0–100: positive energy (enthusiasm words, exclamations, positive sentiment).
    pub enthusiasm: u32,
    /// Hedging phrases found ("I think", "maybe"…).
    pub hedges: Vec<PhraseCount>,
    /// Assertive phrases found ("I led", "definitely"…).
    pub assertive: Vec<PhraseCount>,
    /// Enthusiasm cues found ("excited", "love", "!"…).
    pub enthusiasm_cues: Vec<PhraseCount>,
}

/// Overall sentiment.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    Positive,
    Neutral,
    Negative,
}

/// Sentiment of one stretch of time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SentimentPoint {
    /// Start of the bucket, seconds.
    pub at_secs: f64,
    /// −1 (negative) to 1 (positive).
    pub score: f64,
}

/// A phrase and where it was said.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PhraseCount {
    /// The phrase (lower case).
    pub phrase: String,
    /// How many times it was said.
    pub count: usize,
    /// Start time (seconds) of each occurrence.
    pub positions: Vec<f64>,
}

/// How much of the job description the answers touched.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct RelevanceAnalysis {
    /// 0–100: covering half of the job description's keywords scores 100.
    pub score: u32,
    /// Keywords of the job description the candidate said.
    pub matched: Vec<String>,
    /// Keywords of the job description the candidate never said.
    pub missing: Vec<String>,
}

/// One minute of the recording, for a chart.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct TimelineBucket {
    /// Start of the minute, seconds.
    pub minute_start_secs: f64,
    /// Candidate's pace in that minute (0 when they barely spoke).
    pub words_per_minute: f64,
    /// Fillers said in that minute.
    pub fillers: usize,
    /// Sentiment in that minute, −1 to 1 (0 when silent).
    pub sentiment: f64,
}

/// The overall score and how it was reached. The rubric (version 2): the
/// weighted mean of speech 0.35 (clarity: recognition, fillers, pace), structure
/// 0.35 (0.8 × mean STAR score of story answers + 0.2 × answer-length fit, 20 s
/// to 3 min), tone 0.30 (0.5 × confidence + 0.3 × enthusiasm + 0.2 × sentiment)
/// and, with a job description, relevance 0.20 (its keywords said); a category
/// that cannot be scored is left out and the weights rescaled. STAR parts are
/// read clause by clause and quoted (`Star.cues`); each answer's fit to its
/// question is 1–5 with its reasons (`Answer.fit`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ScoreBreakdown {
    /// 0–100: the weighted mean of the category scores.
    pub overall: u32,
    /// One entry per scored category (skipped categories are left out and the
    /// remaining weights rescaled to sum to 1).
    pub breakdown: Vec<CategoryScore>,
}

/// One category of the rubric.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CategoryScore {
    /// Which category.
    pub category: ScoreCategory,
    /// 0–100.
    pub score: u32,
    /// Its weight in the overall score (weights sum to 1).
    pub weight: f64,
    /// How the score was reached, in one sentence.
    pub explanation: String,
}

/// A rubric category; recommendations name the one they improve.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScoreCategory {
    Speech,
    Structure,
    Tone,
    Relevance,
}

/// One concrete thing to improve.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Recommendation {
    /// The rubric category it improves.
    pub category: ScoreCategory,
    /// What happened and what to do instead.
    pub message: String,
    /// The moment it refers to, seconds, if any.
    pub at_secs: Option<f64>,
    /// A short quote of what was said (at most 80 characters), if any.
    pub evidence: Option<String>,
}

//! How well an answer answers its question, 1–5, with the reasons a reader
//! can check. Deterministic rules, measured against the labelled set in
//! `benches/measures/` (`GUIDE.md`'s relevance scale):
//!
//! - A question asking for a story ("tell me about a time…") wants one: an
//!   answer with no deed of the candidate's in it tells none (at most 2), and
//!   one that declines ("I'd rather not", "can we skip") answers nothing (1).
//! - The question's **topic** — a conflict, a mistake, a deadline, a
//!   customer… ([`TOPICS`]) — should be in the answer, in its own words or a
//!   related one ("disagreed", "pushed back" for a conflict); a story about
//!   something else loses two points.
//! - Other content words of the question ("a **designer**", "**data**")
//!   that never come up cost one point; hedged openings that admit a near
//!   miss ("the closest I've come", "not sure it's a conflict exactly") cost
//!   one; a very short story (under 30 words), or any answer under 8 words,
//!   costs one.
//!
//! The score never falls below 1; each lost point names its reason.

use std::sync::LazyLock;

use protocol::analysis::Star;

use super::phrases::PhraseSet;
use super::structure::asks_for_story;
use super::tokens::from_text;

/// A story shorter than this many words is thin.
pub const SHORT_WORDS: usize = 30;
/// Any answer shorter than this many words is bare.
pub const BARE_WORDS: usize = 8;

/// Topics interview questions ask about, each with the words (stems) that
/// show an answer is about it.
pub const TOPICS: &[(&str, &[&str])] = &[
    ("conflict", &["conflict", "disagre", "argu", "clash", "tension", "friction", "push back", "pushed back", "dispute", "fell out", "get along", "got along", "upset", "angry", "frustrat", "resent", "object", "complain", "difficult"]),
    ("disagree", &["disagre", "argu", "push back", "pushed back", "objected", "conflict", "didn't agree", "wrong", "convinc", "debate", "against"]),
    ("deadline", &["deadline", "due", "on time", "late", "cut-off", "cutoff", "launch", "days", "weeks", "hours", "week", "rush", "schedule", "date", "by the"]),
    ("mistake", &["mistake", "wrong", "error", "forgot", "missed", "my fault", "on me", "should have", "broke", "slip", "apologi", "embarrass", "didn't check", "without", "lesson", "learn"]),
    ("fail", &["fail", "mistake", "wrong", "missed", "lost", "didn't work", "lesson", "learn", "should have", "short"]),
    ("persuade", &["convinc", "persuad", "pitch", "case", "proposal", "buy-in", "agreed", "sign off", "signed off", "won", "showed", "data", "argu", "present"]),
    ("convince", &["convinc", "persuad", "pitch", "case", "proposal", "buy-in", "agreed", "adopt", "showed", "won", "present"]),
    ("lead", &["led", "lead", "team", "coach", "mentor", "delegat", "ran", "organis", "organiz", "owned"]),
    ("pressure", &["pressure", "stress", "busy", "overwhelm", "calm", "panic", "short-staffed", "juggl", "deadline", "urgent", "rush"]),
    ("customer", &["customer", "client", "user", "patient", "guest", "caller", "account", "buyer", "she", "he", "they", "lady", "man", "woman"]),
    ("client", &["client", "customer", "account", "user", "buyer"]),
    ("patient", &["patient", "family", "relative", "ward", "bed"]),
    ("student", &["student", "pupil", "kid", "child", "class", "parent"]),
    ("parent", &["parent", "mother", "father", "mum", "dad", "family"]),
    ("cost", &["cost", "budget", "spend", "saving", "saved", "cheaper", "money", "pound", "dollar", "price", "expens", "£", "$"]),
    ("budget", &["budget", "cost", "spend", "money", "pound", "dollar", "£", "$"]),
    ("security", &["security", "breach", "phish", "incident", "vulnerab", "leak", "attack", "secret", "password", "credential", "token"]),
    ("incident", &["incident", "outage", "down", "page", "alert", "rollback", "rolled back", "breach", "phish"]),
    ("outage", &["outage", "down", "incident", "page", "alert", "rollback", "rolled back", "restor"]),
    ("learn", &["learn", "picked up", "course", "documentation", "docs", "studied", "tutorial", "new to", "read", "practis", "practic"]),
    ("data", &["data", "analytic", "metric", "number", "dashboard", "experiment", "test", "analys", "query", "sql", "survey"]),
    ("accessib", &["accessib", "screen reader", "screen-reader", "contrast", "wcag", "disab", "keyboard", "blind"]),
    ("coach", &["coach", "mentor", "train", "taught", "feedback", "sat with", "sat down", "shadow", "one-to-one", "1:1"]),
    ("mentor", &["mentor", "coach", "train", "taught", "feedback", "sat with", "junior"]),
    ("priorit", &["priorit", "urgent", "first", "triage", "backlog", "order", "rank"]),
    ("scope", &["scope", "requirement", "change request", "feature", "cut", "budget"]),
    ("target", &["target", "quota", "goal", "number", "%", "percent", "exceed", "hit", "beat"]),
    ("quota", &["quota", "target", "number", "%", "percent", "deal"]),
    ("explain", &["explain", "simple", "analogy", "non-technical", "walked", "diagram", "picture", "plain", "understand"]),
    ("complex", &["explain", "simple", "analogy", "plain", "understand", "complex", "complicated"]),
    ("caseload", &["case", "caseload", "workload", "juggl", "priorit", "visits", "families"]),
    ("workload", &["workload", "juggl", "priorit", "busy", "tasks", "hours", "overtime"]),
    ("above and beyond", &["extra", "stayed", "weekend", "evening", "personally", "out of my way", "myself", "own time"]),
    ("manager", &["manager", "boss", "director", "lead", "supervisor", "head of"]),
    ("colleague", &["colleague", "coworker", "co-worker", "teammate", "peer", "another", "nurse", "rep", "engineer", "teacher"]),
    ("decision", &["decid", "decision", "chose", "choice", "call", "option", "trade-off", "tradeoff"]),
    ("improve", &["improv", "better", "faster", "slower", "reduc", "increas", "cut", "%", "percent", "quality", "went up", "went down", "fell", "rose", "dropped", "from", "half", "double"]),
    ("ethic", &["ethic", "right thing", "honest", "refus", "report", "integrity", "rules", "policy", "backdate"]),
    ("feedback", &["feedback", "criticis", "review", "told me", "comments"]),
];

/// Openings that admit the answer is a near miss.
const NEAR_MISS: &[&str] = &[
    "the closest", "not sure it's", "not sure it was", "i can't really think", "i can't think",
    "i don't think i've", "i don't think i have", "not exactly", "i guess the nearest", "not really a",
];

/// Answers that decline the question.
const DECLINES: &[&str] = &[
    "i'd rather not", "i would rather not", "can we skip", "rather talk about", "i don't have a specific",
    "not sure i have a specific", "i'm not sure i have", "i don't really have", "prefer not to",
    "i've always got on", "i've never had",
];

/// Question words that say nothing about its topic.
const QUESTION_STOPWORDS: &[&str] = &[
    "tell", "me", "about", "time", "when", "you", "your", "had", "have", "describe", "situation", "where",
    "give", "example", "of", "a", "an", "the", "to", "with", "did", "do", "how", "what", "why", "that",
    "was", "were", "is", "are", "in", "on", "for", "at", "it", "handle", "handled", "dealt", "deal", "can",
    "walk", "through", "ever", "made", "make", "had", "one", "some", "someone", "something", "there",
    "would", "could", "like", "most", "more", "work", "worked", "working", "job", "role", "this", "here",
    "we", "our", "and", "or", "not", "be", "been", "because", "which", "who", "want", "get", "got",
];

/// How an answer fits its question.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// 1 (does not answer it) to 5 (answers exactly what was asked).
    pub score: u8,
    /// The question's topic, when it names one of [`TOPICS`].
    pub topic: Option<&'static str>,
    /// The answer's words that show the topic or the question's own words.
    pub evidence: Vec<String>,
    /// Why points were lost, in plain words.
    pub reasons: Vec<String>,
}

struct Sets {
    near_miss: PhraseSet,
    declines: PhraseSet,
}

static SETS: LazyLock<Sets> = LazyLock::new(|| Sets { near_miss: PhraseSet::new(NEAR_MISS), declines: PhraseSet::new(DECLINES) });

/// How well `answer` answers `question`, given the answer's STAR reading
/// (the caller has it already).
pub fn fit(question: &str, answer: &str, star: &Star) -> Fit {
    let question_tokens = from_text(question);
    let answer_tokens = from_text(answer);
    let q: Vec<&str> = question_tokens.iter().map(|t| t.norm.as_str()).collect();
    let a: Vec<&str> = answer_tokens.iter().map(|t| t.norm.as_str()).collect();
    let answer_text = format!(" {} ", a.join(" "));
    let sets = &*SETS;
    let mut score: i32 = 5;
    let mut reasons = Vec::new();
    let mut evidence = Vec::new();

    let wants_story = asks_for_story(&q);
    if let Some(declined) = sets.declines.find_all(&a).first() {
        return Fit { score: 1, topic: None, evidence, reasons: vec![format!("it declines the question (\"{}\")", declined.phrase)] };
    }
    if a.is_empty() {
        return Fit { score: 1, topic: None, evidence, reasons: vec!["there is no answer".to_owned()] };
    }
    if wants_story && !star.action {
        score = score.min(2);
        reasons.push("the question asks for a story and the answer tells none (no step of yours in it)".to_owned());
    }

    let question_text = format!(" {} ", q.join(" "));
    let topic = TOPICS.iter().find(|(name, _)| question_text.contains(&format!(" {name}")));
    if let Some((name, words)) = topic {
        let found: Vec<&str> = words.iter().copied().filter(|w| answer_text.contains(&format!(" {w}"))).collect();
        if found.is_empty() {
            score -= 2;
            reasons.push(format!("the question is about {name}; the answer never speaks of it"));
        } else {
            evidence.extend(found.iter().take(3).map(|w| (*w).to_owned()));
        }
    }

    let content: Vec<&str> = q
        .iter()
        .copied()
        .filter(|w| w.len() > 3 && !QUESTION_STOPWORDS.contains(w) && topic.is_none_or(|(name, _)| !w.starts_with(name)))
        .collect();
    let shared: Vec<&str> = content.iter().copied().filter(|w| answer_text.contains(&format!(" {}", stem(w)))).collect();
    if !content.is_empty() && shared.is_empty() && topic.is_none() {
        score -= 1;
        reasons.push(format!("it never mentions {}", content.join(", ")));
    }
    evidence.extend(shared.iter().map(|w| (*w).to_owned()));

    if let Some(miss) = sets.near_miss.find_all(&a).first() {
        score -= 1;
        reasons.push(format!("it says it is a near miss (\"{}\")", miss.phrase));
    }
    if a.len() < BARE_WORDS || (wants_story && a.len() < SHORT_WORDS) {
        score -= 1;
        reasons.push(format!("it is short ({} words)", a.len()));
    }
    Fit { score: score.clamp(1, 5) as u8, topic: topic.map(|(name, _)| *name), evidence, reasons }
}

impl From<Fit> for protocol::analysis::QuestionFit {
    fn from(fit: Fit) -> Self {
        Self { score: fit.score, topic: fit.topic.map(str::to_owned), evidence: fit.evidence, reasons: fit.reasons }
    }
}

/// A word without its common endings, for matching "designer" with "design".
fn stem(word: &str) -> &str {
    for ending in ["ers", "er", "ing", "ed", "es", "s"] {
        if let Some(stem) = word.strip_suffix(ending)
            && stem.len() >= 4
        {
            return stem;
        }
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::star::star_of_text;

    fn fit(question: &str, answer: &str) -> Fit {
        super::fit(question, answer, &star_of_text(&from_text(answer), None))
    }

    #[test]
    fn a_story_on_the_topic_asked_scores_five() {
        let fit = fit(
            "Tell me about a conflict with a colleague.",
            "Last year a colleague and I disagreed about the release plan. I sat down with her, we compared both plans \
             against the customer's dates and agreed on hers with one change. The release went out on time and we still work together.",
        );
        assert_eq!(fit.score, 5, "{fit:?}");
        assert_eq!(fit.topic, Some("conflict"));
        assert!(fit.evidence.contains(&"disagre".to_owned()), "{fit:?}");
    }

    #[test]
    fn a_list_of_skills_for_a_story_question_scores_low_and_says_why() {
        let fit = fit(
            "Tell me about a time you made a mistake in production.",
            "I hold two cloud certifications and I run a small cluster at home. I'm careful by nature and I read runbooks before I touch anything.",
        );
        assert!(fit.score <= 2, "{fit:?}");
        assert!(fit.reasons.iter().any(|r| r.contains("never speaks of it")), "{fit:?}");
    }

    #[test]
    fn declining_the_question_scores_one() {
        assert_eq!(fit("Tell me about a time you disagreed with your manager.", "I'd rather not talk about my last job.").score, 1);
    }

    #[test]
    fn a_story_about_something_else_loses_the_topic() {
        let fit = fit(
            "Tell me about a conflict you had with a designer.",
            "We had a redesign due in two weeks. I built the frozen parts first and left the rest behind a flag. We shipped on the Thursday.",
        );
        assert!(fit.score <= 3, "{fit:?}");
    }

    #[test]
    fn empty_and_one_word_answers_score_one() {
        assert_eq!(fit("Why do you want this role?", "").score, 1);
        assert!(fit("Why do you want this role?", "Money.").score <= 4);
    }
}

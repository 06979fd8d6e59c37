//! The measures of one answer, typed in practice or spoken in an interview:
//! the same deterministic analytics as recordings (fillers, hedging, STAR),
//! plus whether it quantifies anything, folded into one 0–100 mark.

use protocol::analysis::Star;
use protocol::interview::InterviewType;
use protocol::practice::{AnswerMetrics, StarParts};

use crate::analysis::fit::fit;
use crate::analysis::{Context, analyse_text, star_of};

/// Answers shorter than this many words are thin.
pub const SHORT_ANSWER_WORDS: usize = 60;
/// Answers longer than this many words ramble.
pub const LONG_ANSWER_WORDS: usize = 320;

/// Measures an answer to `question`; `read` is its STAR reading by the
/// learned reader when there is one (else the rules read it).
pub fn measure(question: &str, answer: &str, interview_type: InterviewType, read: Option<&Star>) -> AnswerMetrics {
    let context = Context { interview_type: Some(interview_type), ..Context::default() };
    let analysis = analyse_text(answer, &context);
    let found = read.cloned().unwrap_or_else(|| star_of(answer));
    let star = StarParts { situation: found.situation, task: found.task, action: found.action, result: found.result };
    let star_score = 25 * [star.situation, star.task, star.action, star.result].into_iter().filter(|p| *p).count() as u32;
    let mut metrics = AnswerMetrics {
        word_count: analysis.word_count,
        fillers: analysis.speech.fillers.total,
        filler_terms: analysis.speech.fillers.items.iter().map(|f| f.term.clone()).collect(),
        hedges: analysis.tone.hedges.iter().map(|h| h.count).sum(),
        star,
        star_score,
        has_numbers: has_numbers(answer),
        score: 0,
        fit: Some(fit(question, answer, &found).into()),
        star_cues: found.cues,
    };
    metrics.score = mark(&metrics);
    metrics
}

/// 0–100: STAR 40, length 20, specifics 15, fluency 15, confidence 10.
pub fn mark(m: &AnswerMetrics) -> u32 {
    if m.word_count == 0 {
        return 0;
    }
    let words = m.word_count as f64;
    let star = f64::from(m.star_score) * 0.4;
    let length = if m.word_count < SHORT_ANSWER_WORDS {
        20.0 * words / SHORT_ANSWER_WORDS as f64
    } else if m.word_count > LONG_ANSWER_WORDS {
        (20.0 - (words - LONG_ANSWER_WORDS as f64) / 20.0).max(0.0)
    } else {
        20.0
    };
    let specifics = if m.has_numbers { 15.0 } else { 0.0 };
    let fillers_per_100 = m.fillers as f64 * 100.0 / words;
    let fluency = (15.0 - fillers_per_100 * 3.0).max(0.0);
    let confidence = (10.0 - m.hedges as f64 * 3.0).max(0.0);
    (star + length + specifics + fluency + confidence).round().clamp(0.0, 100.0) as u32
}

/// Whether the text quantifies something: digits, or number words before a unit.
pub fn has_numbers(text: &str) -> bool {
    const NUMBER_WORDS: &[&str] = &[
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "fifteen", "twenty",
        "thirty", "forty", "fifty", "hundred", "thousand", "million", "percent", "half", "double", "doubled",
        "tripled", "halved",
    ];
    text.chars().any(|c| c.is_ascii_digit())
        || text
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| NUMBER_WORDS.contains(&w.to_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUESTION: &str = "Tell me about a time you made a service more reliable.";
    const STAR_ANSWER: &str = "Last year our checkout service was failing during sales. My task was to make it \
        reliable before Black Friday. I built load tests, I split the database writes into a queue and I \
        coached two juniors through the rollout. As a result, errors fell by 80 percent and we handled \
        three times the traffic without an outage.";

    #[test]
    fn a_full_star_story_with_numbers_scores_high() {
        let m = measure(QUESTION, STAR_ANSWER, InterviewType::Behavioral, None);
        assert!(m.star.situation && m.star.task && m.star.action && m.star.result, "{m:?}");
        assert_eq!(m.star_score, 100);
        assert!(m.has_numbers);
        assert_eq!(m.fillers, 0);
        assert!(m.score >= 80, "{m:?}");
    }

    #[test]
    fn a_hedging_filler_laden_short_answer_scores_low() {
        let m = measure(QUESTION, "Um, I think I maybe sort of helped, like, with the project, you know.", InterviewType::Behavioral, None);
        assert!(m.fillers >= 2, "{m:?}");
        assert!(m.hedges >= 1, "{m:?}");
        assert!(!m.has_numbers);
        assert!(m.score < 40, "{m:?}");
        assert!(m.score < measure(QUESTION, STAR_ANSWER, InterviewType::Behavioral, None).score);
    }

    #[test]
    fn numbers_are_found_as_digits_or_words() {
        assert!(has_numbers("we cut costs by 30%"));
        assert!(has_numbers("revenue doubled"));
        assert!(!has_numbers("we worked hard"));
    }

    #[test]
    fn empty_one_word_and_ten_thousand_word_answers_get_measures_that_say_so() {
        let long = "I rebuilt the deploy pipeline and the release time fell by half. ".repeat(800);
        for answer in ["", "Yes.", long.as_str()] {
            let m = measure(QUESTION, answer, InterviewType::Behavioral, None);
            let json = serde_json::to_string(&m).unwrap();
            assert!(!json.contains("NaN") && !json.contains("null,\"score\"") && !json.contains(":-"), "{json}");
            assert!(m.score <= 100);
            let fit = m.fit.unwrap();
            if answer.split_whitespace().count() < 8 {
                assert!(fit.score <= 2 && !fit.reasons.is_empty(), "{answer:?}: {fit:?}");
            }
        }
        let long = measure(QUESTION, &long, InterviewType::Behavioral, None);
        assert_eq!(long.word_count, 9600);
        let feedback = crate::practice::coach::answer_feedback(
            &protocol::practice::PracticeQuestion { id: "q".into(), order: 1, text: QUESTION.into(), category: "behavioral".into(), source: "bank".into(), skill: None },
            &long,
        );
        assert!(feedback.improvements.iter().any(|i| i.starts_with("Tighten it: 9600 words")), "{feedback:?}");
    }

    #[test]
    fn an_empty_answer_scores_zero() {
        assert_eq!(measure(QUESTION, "", InterviewType::Technical, None).score, 0);
    }
}

//! Prep vs actual: which practised questions were asked in a recorded
//! interview (matched by meaning: embeddings when the model is loaded, else
//! shared content words), which asked ones were unexpected, and how each
//! answer changed from practice to the real thing.

use protocol::analysis::Analysis;
use protocol::practice::{AnswerMetrics, Comparison, MetricDelta, NotAsked, PracticeSession, QuestionMatch, UnexpectedQuestion};
use protocol::transcript::Transcript;

use super::measure::{LONG_ANSWER_WORDS, SHORT_ANSWER_WORDS, measure};
use super::reading::Readings;

/// A question asked in the recording and the answer that followed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub text: String,
    pub at_secs: f64,
    pub answer: String,
}

/// The asked questions with their answers' words, from the analysis's
/// question/answer segmentation and the transcript's timings.
pub fn asked_questions(analysis: &Analysis, transcript: &Transcript) -> Vec<Asked> {
    analysis
        .structure
        .questions
        .iter()
        .map(|question| {
            let answer = analysis.structure.answers.iter().find(|a| a.question_index == Some(question.index));
            let answer = answer.map(|a| words_between(transcript, a.start, a.end)).unwrap_or_default();
            Asked { text: question.text.clone(), at_secs: question.at_secs, answer }
        })
        .collect()
}

/// The candidate's words spoken from `start` to `end` (seconds): others'
/// speech in between (an interviewer's "mm-hm") is left out.
fn words_between(transcript: &Transcript, start: f64, end: f64) -> String {
    const SLACK: f64 = 0.01;
    let mut words = Vec::new();
    for segment in &transcript.segments {
        if transcript.role_of(segment).is_some_and(|role| role != protocol::speakers::SpeakerRole::Candidate) {
            continue;
        }
        if segment.words.is_empty() {
            if segment.start >= start - SLACK && segment.end <= end + SLACK {
                words.push(segment.text.trim().to_owned());
            }
            continue;
        }
        words.extend(
            segment
                .words
                .iter()
                .filter(|w| w.start >= start - SLACK && w.end <= end + SLACK)
                .map(|w| w.word.trim().to_owned()),
        );
    }
    words.join(" ")
}

/// Words that say nothing about what a question is about.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "at", "by", "from", "about", "as", "is",
    "are", "was", "were", "be", "been", "do", "did", "does", "you", "your", "yours", "me", "my", "i", "we", "our",
    "us", "it", "its", "that", "this", "these", "those", "what", "which", "who", "how", "why", "when", "where",
    "tell", "describe", "give", "example", "time", "times", "can", "could", "would", "should", "have", "had",
    "has", "there", "their", "them", "they", "some", "any", "one", "so", "if", "then", "than", "walk", "through",
    "share", "talk", "like", "please",
];

fn content_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect();
    words.sort();
    words.dedup();
    words
}

/// A crude English stem: enough for "projects"/"project", "managed"/"manage".
fn stem(word: &str) -> String {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(stripped) = word.strip_suffix(suffix)
            && stripped.len() >= 3
        {
            return stripped.to_owned();
        }
    }
    word.to_owned()
}

/// Overlap of content words, 0–1 (cosine of the two word sets).
pub fn lexical_similarity(a: &str, b: &str) -> f64 {
    overlap(&content_words(a), &content_words(b))
}

/// [`lexical_similarity`] of every practised question (rows) to every asked
/// one (columns), each text split into words once.
pub fn lexical_matrix(practised: &[String], asked: &[String]) -> Vec<Vec<f64>> {
    let asked: Vec<Vec<String>> = asked.iter().map(|a| content_words(a)).collect();
    practised
        .iter()
        .map(|p| {
            let p = content_words(p);
            asked.iter().map(|a| overlap(&p, a)).collect()
        })
        .collect()
}

/// Cosine of two sorted, de-duplicated word sets.
fn overlap(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.iter().filter(|w| b.binary_search(w).is_ok()).count();
    shared as f64 / ((a.len() * b.len()) as f64).sqrt()
}

/// How questions were matched: by whom, from what similarity, and the
/// similarity of every practised question (rows) to every asked one (columns).
pub struct Similarities {
    pub matcher: String,
    pub threshold: f64,
    pub matrix: Vec<Vec<f64>>,
}

/// Builds the comparison from the matched similarities.
/// `readings`: the asked answers' STAR readings by the learned reader, where made.
pub fn compare(interview_id: &str, session: &PracticeSession, asked: &[Asked], similarities: &Similarities, readings: &Readings) -> Comparison {
    let pairs = assign(&similarities.matrix, similarities.threshold);
    let mut matches = Vec::new();
    let mut matched_asked = vec![false; asked.len()];
    let mut not_asked = Vec::new();
    for (row, question) in session.questions.iter().enumerate() {
        let Some(&(_, column, similarity)) = pairs.iter().find(|(r, _, _)| *r == row) else {
            not_asked.push(NotAsked { practice_question_id: question.id.clone(), practice_question: question.text.clone() });
            continue;
        };
        matched_asked[column] = true;
        let prep = session.answers.iter().find(|a| a.question_id == question.id);
        let actual = measure(&asked[column].text, &asked[column].answer, session.interview_type, readings.get(&asked[column].answer));
        matches.push(QuestionMatch {
            practice_question_id: question.id.clone(),
            practice_question: question.text.clone(),
            asked_question: asked[column].text.clone(),
            asked_at_secs: asked[column].at_secs,
            similarity: round(similarity),
            prep_answer: prep.map(|a| a.text.clone()),
            actual_answer: asked[column].answer.clone(),
            deltas: prep.map(|p| deltas(&p.metrics, &actual)).unwrap_or_default(),
            prep: prep.map(|a| a.metrics.clone()),
            actual,
        });
    }
    let unexpected: Vec<UnexpectedQuestion> = asked
        .iter()
        .enumerate()
        .filter(|(column, _)| !matched_asked[*column])
        .map(|(column, q)| {
            let closest = (0..session.questions.len())
                .map(|row| (row, similarities.matrix[row][column]))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            UnexpectedQuestion {
                asked_question: q.text.clone(),
                asked_at_secs: q.at_secs,
                closest_practice_question: closest.map(|(row, _)| session.questions[row].text.clone()),
                similarity: round(closest.map_or(0.0, |(_, s)| s)),
            }
        })
        .collect();
    Comparison {
        interview_id: interview_id.to_owned(),
        practice_id: session.id.clone(),
        matcher: similarities.matcher.clone(),
        threshold: similarities.threshold,
        questions_matched: matches.len(),
        questions_unexpected: unexpected.len(),
        questions_not_asked: not_asked.len(),
        improvement_score: improvement(&matches),
        matches,
        unexpected,
        not_asked,
    }
}

/// One-to-one matches (row, column, similarity), most similar first, each at
/// least `threshold`.
fn assign(matrix: &[Vec<f64>], threshold: f64) -> Vec<(usize, usize, f64)> {
    let mut candidates: Vec<(usize, usize, f64)> = matrix
        .iter()
        .enumerate()
        .flat_map(|(row, columns)| columns.iter().enumerate().map(move |(column, s)| (row, column, *s)))
        .filter(|(_, _, s)| *s >= threshold)
        .collect();
    candidates.sort_by(|a, b| b.2.total_cmp(&a.2));
    let mut taken: Vec<(usize, usize, f64)> = Vec::new();
    for candidate in candidates {
        if !taken.iter().any(|t| t.0 == candidate.0 || t.1 == candidate.1) {
            taken.push(candidate);
        }
    }
    taken
}

/// How each measure changed from practice to the interview.
fn deltas(prep: &AnswerMetrics, actual: &AnswerMetrics) -> Vec<MetricDelta> {
    let distance_from_range = |words: usize| {
        if words < SHORT_ANSWER_WORDS {
            (SHORT_ANSWER_WORDS - words) as f64
        } else {
            words.saturating_sub(LONG_ANSWER_WORDS) as f64
        }
    };
    let delta = |metric: &str, prep: f64, actual: f64, better: bool| MetricDelta {
        metric: metric.to_owned(),
        prep,
        actual,
        delta: actual - prep,
        better,
    };
    vec![
        delta("score", prep.score.into(), actual.score.into(), actual.score > prep.score),
        delta("star_score", prep.star_score.into(), actual.star_score.into(), actual.star_score > prep.star_score),
        delta("fillers", prep.fillers as f64, actual.fillers as f64, actual.fillers < prep.fillers),
        delta("hedges", prep.hedges as f64, actual.hedges as f64, actual.hedges < prep.hedges),
        delta(
            "word_count",
            prep.word_count as f64,
            actual.word_count as f64,
            distance_from_range(actual.word_count) < distance_from_range(prep.word_count),
        ),
    ]
}

/// The mean change of the answers' marks, −100..=100 (0 when nothing compares).
fn improvement(matches: &[QuestionMatch]) -> i32 {
    let changes: Vec<f64> = matches
        .iter()
        .filter_map(|m| m.prep.as_ref().map(|p| f64::from(m.actual.score) - f64::from(p.score)))
        .collect();
    if changes.is_empty() {
        return 0;
    }
    (changes.iter().sum::<f64>() / changes.len() as f64).round().clamp(-100.0, 100.0) as i32
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reworded_questions_share_their_content_words() {
        let a = "Tell me about a time you led a project under a tight deadline.";
        let b = "Describe a project you led with a tight deadline.";
        let c = "Why do you want to leave your current job?";
        assert!(lexical_similarity(a, b) > 0.7, "{}", lexical_similarity(a, b));
        assert!(lexical_similarity(a, c) < 0.2, "{}", lexical_similarity(a, c));
    }

    #[test]
    fn the_matrix_holds_each_pairs_similarity() {
        let practised = vec!["Why this company?".to_owned(), "Describe a conflict you resolved.".to_owned()];
        let asked = vec!["How did you resolve a conflict?".to_owned()];
        let matrix = lexical_matrix(&practised, &asked);
        assert_eq!(matrix.len(), 2);
        assert_eq!(matrix[1][0], lexical_similarity(&practised[1], &asked[0]));
        assert!(matrix[1][0] > matrix[0][0]);
    }

    #[test]
    fn matching_is_one_to_one_and_best_first() {
        let matrix = vec![vec![0.9, 0.8], vec![0.85, 0.3]];
        let pairs = assign(&matrix, 0.5);
        assert_eq!(pairs, vec![(0, 0, 0.9)]);
        let pairs = assign(&[vec![0.9, 0.8], vec![0.95, 0.3]], 0.5);
        assert_eq!(pairs, vec![(1, 0, 0.95), (0, 1, 0.8)]);
    }
}

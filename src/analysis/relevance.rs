//! Relevance to the job: how many of the job description's keywords the
//! candidate said. Only computed when a job description is given.
//!
//! - Keywords: the job description's words, lower-cased, at least four
//!   characters long (or containing `+`/`#`, as in "c++", "c#"), minus common
//!   English and job-advert words ([`STOPWORDS`]); the [`KEYWORD_COUNT`] (12)
//!   most frequent, ties in order of first appearance.
//! - A keyword is matched when the candidate said a word with the same stem
//!   (trailing "'s", "ing", "ed", "s" removed while at least four letters remain:
//!   "mentoring" matches "mentored").
//! - Score = 100 × min(1, matched / ([`FULL_COVERAGE_SHARE`] × keywords)):
//!   saying half the keywords scores 100.

use protocol::analysis::RelevanceAnalysis;

use super::phrases::{WordMap, WordSet};
use super::tokens::Token;

/// How many job-description keywords are checked.
pub const KEYWORD_COUNT: usize = 12;
/// Share of the keywords that earns a full score.
pub const FULL_COVERAGE_SHARE: f64 = 0.5;

/// Words too common to be keywords.
pub const STOPWORDS: &[&str] = &[
    "about",
    "above",
    "after",
    "again",
    "also",
    "among",
    "and",
    "able",
    "ability",
    "abilities",
    "across",
    "being",
    "below",
    "between",
    "both",
    "candidate",
    "candidates",
    "company",
    "could",
    "day",
    "days",
    "degree",
    "each",
    "environment",
    "equivalent",
    "etc",
    "excellent",
    "experience",
    "experienced",
    "from",
    "have",
    "having",
    "help",
    "here",
    "highly",
    "ideal",
    "ideally",
    "include",
    "includes",
    "including",
    "into",
    "join",
    "just",
    "knowledge",
    "like",
    "looking",
    "make",
    "more",
    "most",
    "must",
    "need",
    "needs",
    "other",
    "our",
    "ours",
    "over",
    "plus",
    "preferred",
    "proven",
    "required",
    "requirements",
    "responsibilities",
    "role",
    "roles",
    "should",
    "skills",
    "skill",
    "some",
    "strong",
    "such",
    "team",
    "teams",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "under",
    "using",
    "very",
    "well",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "will",
    "with",
    "within",
    "work",
    "working",
    "would",
    "year",
    "years",
    "your",
    "yours",
    "you'll",
    "you're",
    "we're",
    "who",
    "whom",
    "why",
    "good",
    "great",
    "best",
    "level",
    "new",
    "opportunity",
    "position",
    "apply",
    "based",
    "related",
    "across",
    "ensure",
    "etc.",
    "per",
    "every",
    "want",
    "seeking",
    "understanding",
    "demonstrated",
];

/// Coverage of the job description by the candidate's words (`content`:
/// the candidate's non-filler token indices). `None` when the description has
/// no keywords.
pub fn analyse(
    job_description: &str,
    tokens: &[Token],
    content: &[usize],
) -> Option<RelevanceAnalysis> {
    let keywords = keywords(job_description);
    if keywords.is_empty() {
        return None;
    }
    let said: WordSet<String> = content.iter().map(|&i| stem(&tokens[i].norm)).collect();
    let (matched, missing): (Vec<String>, Vec<String>) = keywords
        .into_iter()
        .partition(|keyword| said.contains(&stem(keyword)));
    let needed = FULL_COVERAGE_SHARE * (matched.len() + missing.len()) as f64;
    let score = (100.0 * (matched.len() as f64 / needed).min(1.0)).round() as u32;
    Some(RelevanceAnalysis {
        score,
        matched,
        missing,
    })
}

/// The most frequent keywords of `text`.
pub fn keywords(text: &str) -> Vec<String> {
    let stopwords: WordSet<&str> = STOPWORDS.iter().copied().collect();
    let mut counts: WordMap<String, (usize, usize)> = WordMap::default();
    let words = text
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '+' | '#' | '\'' | '’')))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’').to_lowercase())
        .filter(|w| w.len() >= 4 || (w.len() >= 2 && w.contains(['+', '#'])))
        .filter(|w| !stopwords.contains(w.as_str()) && !w.chars().all(|c| c.is_ascii_digit()));
    for (order, word) in words.enumerate() {
        counts.entry(word).or_insert((0, order)).0 += 1;
    }
    let mut ranked: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    ranked
        .into_iter()
        .take(KEYWORD_COUNT)
        .map(|(word, _)| word)
        .collect()
}

/// A crude stem: plural and verb endings dropped while four letters remain.
fn stem(word: &str) -> String {
    let word = word.trim_end_matches("'s");
    for suffix in ["ing", "ed", "s"] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= 4
            && !(suffix == "s" && stem.ends_with('s'))
        {
            return stem.to_owned();
        }
    }
    word.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::synthetic::transcript_from_lines;
    use crate::analysis::tokens::from_transcript;

    #[test]
    fn keywords_are_the_most_frequent_uncommon_words() {
        let keywords = keywords(
            "We need Kubernetes experience. Kubernetes and Postgres; C++ a plus. Mentoring juniors.",
        );
        assert_eq!(
            keywords,
            ["kubernetes", "postgres", "c++", "mentoring", "juniors"]
        );
    }

    #[test]
    fn a_candidate_who_says_half_the_keywords_scores_full_relevance() {
        let tokens = from_transcript(&transcript_from_lines(&[
            "I mentored two people and ran Postgres.",
        ]));
        let content: Vec<usize> = (0..tokens.len()).collect();

        let relevance = analyse(
            "Kubernetes, Postgres, mentoring, Terraform.",
            &tokens,
            &content,
        )
        .unwrap();

        assert_eq!(relevance.matched, ["postgres", "mentoring"]);
        assert_eq!(relevance.missing, ["kubernetes", "terraform"]);
        assert_eq!(relevance.score, 100);
    }
}

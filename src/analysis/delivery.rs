//! How a spoken practice answer was delivered. One implementation with
//! recordings: the transcript (all of it the candidate's) goes through
//! [`super::analyse`], and its fillers, pace, pauses and job-description
//! terms are read from there. Two measures are the answer's own:
//!
//! - **Length aimed at**, by the question's category ([`target_secs`]): a
//!   story (behavioural, situational) 60–120 s, a technical or role answer
//!   60–180 s, anything else (motivation, "tell me about yourself") 30–90 s.
//! - **Repeated words**: content words of at least four letters (fillers and
//!   [`FUNCTION_WORDS`] left out) said [`REPEATED_MIN`] times or more, the
//!   [`REPEATED_SHOWN`] most frequent (ties in order of first use). Words that
//!   pad an answer and are not fillers ("really", "very") count: overusing
//!   them is worth knowing.

use std::collections::BTreeMap;

use protocol::spoken::{Delivery, DeliveryFillers, DeliveryPauses, JobTerms, WordCount};
use protocol::transcript::Transcript;

use super::phrases::{WordMap, WordSet};
use super::{Context, fillers, tokens};

/// A word said this many times or more is repeated.
pub const REPEATED_MIN: usize = 3;
/// Repeated words shown at most.
pub const REPEATED_SHOWN: usize = 5;

/// Words of four letters or more that carry no content.
pub const FUNCTION_WORDS: &[&str] = &[
    "that", "this", "these", "those", "with", "have", "having", "they", "them", "their", "there", "then", "than", "were",
    "what", "when", "where", "which", "while", "would", "could", "should", "been", "being", "about", "into", "onto",
    "from", "some", "also", "because", "will", "your", "it's", "i'm", "i've", "i'd", "i'll", "we're", "we've", "we'd",
    "didn't", "don't", "doesn't", "wasn't", "weren't", "isn't", "aren't", "couldn't", "wouldn't", "that's", "there's",
    "they're", "what's", "here", "over", "does", "did", "said", "each", "other", "more", "most", "such", "much",
    "many", "after", "before", "again", "only", "both", "until", "through",
];

/// The length a spoken answer to a question of `category` should take, seconds.
pub fn target_secs(category: &str) -> [u32; 2] {
    match category {
        "behavioral" | "situational" => [60, 120],
        "technical" | "role_specific" => [60, 180],
        _ => [30, 90],
    }
}

/// The delivery of a spoken answer to a question of `category`; `context`
/// brings the audio's quiet stretches and the job description.
pub fn delivery(transcript: &Transcript, context: &Context, category: &str) -> Delivery {
    let context = Context { answer_only: true, ..context.clone() };
    let analysis = super::analyse(transcript, &context);
    let speech = analysis.speech;
    let job_terms = analysis.relevance.map_or_else(JobTerms::default, |r| JobTerms { used: r.matched, missed: r.missing });
    Delivery {
        duration_secs: analysis.duration_secs,
        target_secs: target_secs(category),
        words_per_minute: speech.words_per_minute,
        fillers: DeliveryFillers {
            total: speech.fillers.total,
            per_minute: speech.fillers.per_minute,
            by_word: speech.fillers.items.iter().map(|f| (f.term.clone(), f.count)).collect::<BTreeMap<_, _>>(),
        },
        pauses: DeliveryPauses { count: speech.pauses.count, longest_secs: speech.pauses.longest_secs },
        job_terms,
        repeated_words: repeated_words(transcript),
    }
}

/// The content words said most often ([`REPEATED_MIN`] times or more).
pub fn repeated_words(transcript: &Transcript) -> Vec<WordCount> {
    let tokens = tokens::from_transcript(transcript);
    let everyone = vec![true; tokens.len()];
    let filler = fillers::mask(&fillers::find(&tokens, &everyone), tokens.len());
    let function: WordSet<&str> = FUNCTION_WORDS.iter().copied().collect();
    let mut counts: WordMap<&str, (usize, usize)> = WordMap::default();
    for (order, token) in tokens.iter().enumerate() {
        let word = token.norm.as_str();
        if filler[order] || word.chars().filter(|c| c.is_alphabetic()).count() < 4 || function.contains(word) {
            continue;
        }
        counts.entry(word).or_insert((0, order)).0 += 1;
    }
    let mut ranked: Vec<(&str, (usize, usize))> = counts.into_iter().filter(|(_, (n, _))| *n >= REPEATED_MIN).collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    ranked.into_iter().take(REPEATED_SHOWN).map(|(word, (count, _))| WordCount { word: word.to_owned(), count }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::synthetic::transcript_from_text;

    #[test]
    fn a_spoken_answer_counts_its_fillers_terms_and_repeated_words() {
        let transcript = transcript_from_text(
            "Um, so I led the migration. We had, um, a deadline and I planned the migration in stages. \
             Do you know what I did? I wrote the runbook and the migration finished on time.",
        );
        let context = Context { job_description: Some("Lead a database migration; write a runbook; Kubernetes.".into()), ..Context::default() };
        let delivery = delivery(&transcript, &context, "behavioral");
        assert_eq!(delivery.fillers.by_word.get("um"), Some(&2));
        assert_eq!(delivery.fillers.total, delivery.fillers.by_word.values().sum::<usize>());
        assert_eq!(delivery.target_secs, [60, 120]);
        assert!(delivery.job_terms.used.contains(&"migration".to_owned()), "{:?}", delivery.job_terms);
        assert!(delivery.job_terms.missed.contains(&"kubernetes".to_owned()), "{:?}", delivery.job_terms);
        assert_eq!(delivery.repeated_words, vec![WordCount { word: "migration".into(), count: 3 }]);
        assert!(delivery.repeated_words.iter().all(|w| w.word != "that"));
    }

    #[test]
    fn the_candidates_own_question_is_still_the_answer() {
        // Alone, "Do you know what I did?" would be taken for the interviewer's.
        let transcript = transcript_from_text("Do you know what I did? I rewrote the importer and it ran ten times faster.");
        let delivery = delivery(&transcript, &Context::default(), "behavioral");
        assert!(delivery.duration_secs > 0.0);
        let analysis = crate::analysis::analyse(&transcript, &Context { answer_only: true, ..Context::default() });
        assert_eq!(analysis.structure.questions.len(), 0);
    }

    #[test]
    fn an_empty_answer_has_measures_that_say_so() {
        let transcript = transcript_from_text("");
        let delivery = delivery(&transcript, &Context::default(), "motivation");
        assert_eq!(delivery.fillers.total, 0);
        assert_eq!(delivery.pauses.count, 0);
        assert!(delivery.words_per_minute.is_finite() && delivery.duration_secs >= 0.0);
        assert!(delivery.repeated_words.is_empty());
        assert_eq!(delivery.target_secs, [30, 90]);
    }
}

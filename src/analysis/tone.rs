//! Tone of the candidate's speech: sentiment over time, confidence and
//! enthusiasm. Words are matched normalised with fillers removed; the
//! interviewer's detected questions are left out.
//!
//! - **Sentiment**: each word in the embedded lexicon ([`POSITIVE_WORDS`],
//!   [`NEGATIVE_WORDS`], a few hundred common words) counts +1 or −1; a negator
//!   ("not", "never", "no", "without", any "…n't") within the
//!   [`NEGATION_WINDOW`] (3) words before flips it ("not good" is negative,
//!   "never failed" positive). For a stretch with `pos` positive and `neg`
//!   negative words: score = tanh((pos − neg) / sqrt(pos + neg + α)), α =
//!   [`SENTIMENT_ALPHA`] (4), so one positive word scores 0.42 and three score
//!   0.81. The timeline has one point per [`SENTIMENT_BUCKET_SECS`] (30 s)
//!   bucket with speech; the overall score is the mean of the buckets weighted
//!   by their words; above [`SENTIMENT_LABEL_THRESHOLD`] (0.15) it is positive,
//!   below −0.15 negative, else neutral.
//! - **Confidence** (0–100) = 50 + 50 × (A − H) / (A + H + k), with A assertive
//!   phrases ([`ASSERTIVE_PHRASES`]: "I led", "I decided", "definitely"…), H
//!   hedges ([`HEDGE_PHRASES`]: "I think", "maybe", "kind of", "I guess",
//!   "not sure"…) and k = [`CONFIDENCE_SMOOTHING`] (3): 50 when neither is
//!   used, 75 for three assertive phrases and no hedge. "kind of"/"sort of"
//!   after "what/this/the/a…" is a noun phrase ("the kind of work"), not a hedge.
//! - **Enthusiasm** (0–100) = clamp(30 + 15 × e + 30 × s, 0, 100), with e the
//!   enthusiasm cues ([`ENTHUSIASM_PHRASES`]: "excited", "love", "passionate"…,
//!   plus each exclamation mark) per 100 candidate words and s the overall
//!   sentiment (−1..1). Flat, neutral speech scores 30.

use std::sync::LazyLock;

use protocol::analysis::{PhraseCount, SentimentLabel, SentimentPoint, ToneAnalysis};

use super::phrases::{Found, PhraseSet, WordSet};
use super::tokens::{Token, round};

/// Width of a sentiment timeline bucket, seconds.
pub const SENTIMENT_BUCKET_SECS: f64 = 30.0;
/// α in the sentiment formula: damps stretches with few sentiment words.
pub const SENTIMENT_ALPHA: f64 = 4.0;
/// Overall scores beyond ± this are labelled positive / negative.
pub const SENTIMENT_LABEL_THRESHOLD: f64 = 0.15;
/// A negator this many words before a sentiment word flips it.
pub const NEGATION_WINDOW: usize = 3;
/// k in the confidence formula.
pub const CONFIDENCE_SMOOTHING: f64 = 3.0;

/// Positive words.
pub const POSITIVE_WORDS: &[&str] = &[
    "good",
    "great",
    "excellent",
    "amazing",
    "awesome",
    "fantastic",
    "wonderful",
    "brilliant",
    "best",
    "better",
    "improve",
    "improved",
    "improvement",
    "improving",
    "success",
    "successful",
    "successfully",
    "succeed",
    "succeeded",
    "win",
    "won",
    "winning",
    "achieve",
    "achieved",
    "achievement",
    "accomplish",
    "accomplished",
    "proud",
    "happy",
    "glad",
    "pleased",
    "delighted",
    "enjoy",
    "enjoyed",
    "enjoying",
    "love",
    "loved",
    "loving",
    "liked",
    "excited",
    "exciting",
    "passionate",
    "passion",
    "eager",
    "keen",
    "motivated",
    "motivating",
    "inspired",
    "inspiring",
    "interesting",
    "interested",
    "fascinating",
    "fun",
    "positive",
    "benefit",
    "beneficial",
    "valuable",
    "value",
    "effective",
    "efficient",
    "efficiently",
    "reliable",
    "robust",
    "stable",
    "smooth",
    "smoothly",
    "clear",
    "clearly",
    "easy",
    "easier",
    "simple",
    "simpler",
    "fast",
    "faster",
    "quick",
    "quickly",
    "strong",
    "stronger",
    "growth",
    "grow",
    "grew",
    "opportunity",
    "opportunities",
    "support",
    "supported",
    "supportive",
    "help",
    "helped",
    "helpful",
    "helping",
    "collaborate",
    "collaborated",
    "collaboration",
    "collaborative",
    "trust",
    "trusted",
    "respect",
    "respected",
    "appreciate",
    "appreciated",
    "thank",
    "thanks",
    "grateful",
    "confident",
    "solved",
    "solve",
    "resolved",
    "resolve",
    "fixed",
    "fix",
    "saved",
    "save",
    "gained",
    "gain",
    "increase",
    "increased",
    "boost",
    "boosted",
    "praised",
    "praise",
    "reward",
    "rewarding",
    "recognized",
    "recognised",
    "promoted",
    "promotion",
    "learn",
    "learned",
    "learnt",
    "learning",
    "creative",
    "innovative",
    "innovation",
    "impact",
    "impactful",
    "productive",
    "perfect",
    "nice",
    "cool",
    "incredible",
    "outstanding",
    "superb",
    "thrilled",
    "ideal",
    "welcome",
    "satisfying",
    "satisfied",
    "satisfaction",
    "secure",
    "safe",
    "healthy",
    "calm",
    "agree",
    "agreed",
    "delivered",
    "shipped",
    "launched",
    "exceeded",
    "ahead",
];

/// Negative words.
pub const NEGATIVE_WORDS: &[&str] = &[
    "bad",
    "worse",
    "worst",
    "terrible",
    "awful",
    "horrible",
    "poor",
    "poorly",
    "fail",
    "failed",
    "failing",
    "failure",
    "failures",
    "mistake",
    "mistakes",
    "wrong",
    "error",
    "errors",
    "problem",
    "problems",
    "issue",
    "issues",
    "bug",
    "bugs",
    "broken",
    "break",
    "broke",
    "crash",
    "crashed",
    "outage",
    "outages",
    "incident",
    "difficult",
    "difficulty",
    "struggle",
    "struggled",
    "struggling",
    "conflict",
    "conflicts",
    "argue",
    "argued",
    "argument",
    "angry",
    "annoyed",
    "annoying",
    "frustrated",
    "frustrating",
    "frustration",
    "upset",
    "unhappy",
    "sad",
    "worried",
    "worry",
    "afraid",
    "scared",
    "fear",
    "nervous",
    "anxious",
    "stress",
    "stressed",
    "stressful",
    "pressure",
    "late",
    "delay",
    "delayed",
    "delays",
    "behind",
    "slow",
    "slower",
    "stuck",
    "blocked",
    "blocker",
    "confused",
    "confusing",
    "confusion",
    "messy",
    "mess",
    "chaos",
    "chaotic",
    "unclear",
    "complicated",
    "boring",
    "bored",
    "tired",
    "exhausted",
    "burnout",
    "hate",
    "hated",
    "dislike",
    "disliked",
    "blame",
    "blamed",
    "criticized",
    "criticised",
    "complain",
    "complained",
    "complaint",
    "complaints",
    "toxic",
    "rude",
    "unfair",
    "lost",
    "lose",
    "losing",
    "loss",
    "risk",
    "risky",
    "danger",
    "dangerous",
    "painful",
    "pain",
    "weak",
    "weakness",
    "weaknesses",
    "lack",
    "lacked",
    "lacking",
    "missing",
    "missed",
    "miss",
    "ignored",
    "ignore",
    "rejected",
    "reject",
    "quit",
    "fired",
    "layoff",
    "layoffs",
    "cancelled",
    "canceled",
    "wasted",
    "waste",
    "expensive",
    "unfortunately",
    "sadly",
    "disappointed",
    "disappointing",
    "disappointment",
    "impossible",
    "unable",
    "useless",
    "ugly",
    "overwhelmed",
    "overwhelming",
    "tense",
    "tension",
    "disagree",
    "disagreed",
    "disagreement",
    "decline",
    "declined",
    "regret",
    "sorry",
    "apologize",
    "apologise",
    "doubt",
    "unsure",
    "terribly",
    "badly",
];

/// Hedging phrases.
pub const HEDGE_PHRASES: &[&str] = &[
    "i think",
    "i guess",
    "i suppose",
    "i feel like",
    "i believe",
    "maybe",
    "perhaps",
    "probably",
    "possibly",
    "kind of",
    "sort of",
    "kinda",
    "sorta",
    "not sure",
    "i'm not sure",
    "i don't know",
    "i'm not certain",
    "might",
    "hopefully",
    "somewhat",
    "a little bit",
    "more or less",
    "i would say",
    "i'd say",
    "try to",
    "i hope",
    "not really",
];

/// Assertive phrases.
pub const ASSERTIVE_PHRASES: &[&str] = &[
    "i led",
    "i decided",
    "i built",
    "i delivered",
    "i drove",
    "i owned",
    "i launched",
    "i created",
    "i designed",
    "i implemented",
    "i achieved",
    "i solved",
    "i shipped",
    "i made sure",
    "i'm confident",
    "i am confident",
    "i'm certain",
    "i am certain",
    "i'm sure",
    "i am sure",
    "definitely",
    "certainly",
    "absolutely",
    "clearly",
    "without a doubt",
    "i know",
    "i will",
    "i took ownership",
    "i took the lead",
    "i initiated",
    "i established",
    "i negotiated",
    "i convinced",
    "i resolved",
    "i ensured",
    "i chose",
    "i recommended",
];

/// Enthusiasm cues (exclamation marks count too).
pub const ENTHUSIASM_PHRASES: &[&str] = &[
    "excited",
    "exciting",
    "love",
    "loved",
    "passionate",
    "passion",
    "thrilled",
    "eager",
    "keen",
    "enjoy",
    "enjoyed",
    "fascinating",
    "fascinated",
    "amazing",
    "fantastic",
    "awesome",
    "great",
    "can't wait",
    "looking forward",
    "proud",
    "fun",
    "inspiring",
    "inspired",
    "motivated",
    "delighted",
    "incredible",
    "energized",
    "energised",
    "curious",
];

/// Words before "kind of"/"sort of" that make it a noun phrase.
const DETERMINERS: &[&str] = &[
    "what",
    "this",
    "that",
    "the",
    "a",
    "any",
    "some",
    "every",
    "which",
    "same",
    "one",
    "these",
    "those",
    "different",
    "right",
    "my",
    "your",
    "our",
    "their",
    "its",
    "his",
    "her",
    "whatever",
];

struct Lexicon {
    positive: WordSet<&'static str>,
    negative: WordSet<&'static str>,
    hedges: PhraseSet,
    assertive: PhraseSet,
    enthusiasm: PhraseSet,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| Lexicon {
    positive: POSITIVE_WORDS.iter().copied().collect(),
    negative: NEGATIVE_WORDS.iter().copied().collect(),
    hedges: PhraseSet::new(HEDGE_PHRASES),
    assertive: PhraseSet::new(ASSERTIVE_PHRASES),
    enthusiasm: PhraseSet::new(ENTHUSIASM_PHRASES),
});

/// Tone, plus what the recommendations and the timeline need.
#[derive(Debug, Clone, PartialEq)]
pub struct Tone {
    pub analysis: ToneAnalysis,
    /// Per token: +1 positive, −1 negative (after negation), 0 otherwise.
    pub polarity: Vec<i8>,
    /// Token index of each hedge, in order.
    pub hedge_tokens: Vec<usize>,
}

/// Sentiment of a stretch with `pos` positive and `neg` negative words, −1..1.
pub fn sentiment_score(pos: usize, neg: usize) -> f64 {
    let (pos, neg) = (pos as f64, neg as f64);
    ((pos - neg) / (pos + neg + SENTIMENT_ALPHA).sqrt()).tanh()
}

/// Tone of the content words: `content` lists the candidate's non-filler
/// token indices, in order.
pub fn analyse(tokens: &[Token], content: &[usize]) -> Tone {
    let words: Vec<&str> = content.iter().map(|&i| tokens[i].norm.as_str()).collect();
    let polarity = polarity(&words);
    let (sentiment_timeline, sentiment_score) = sentiment_timeline(tokens, content, &polarity);

    let hedges: Vec<Found> = LEXICON
        .hedges
        .find_all(&words)
        .into_iter()
        .filter(|found| !is_noun_kind_of(&words, found))
        .collect();
    let assertive = LEXICON.assertive.find_all(&words);
    let mut enthusiasm = LEXICON.enthusiasm.find_all(&words);
    enthusiasm.extend(
        content
            .iter()
            .enumerate()
            .filter(|(_, i)| tokens[**i].exclaim_after)
            .map(|(at, _)| Found {
                phrase: "!",
                at,
                len: 1,
            }),
    );
    enthusiasm.sort_by_key(|found| found.at);

    let (a, h) = (assertive.len() as f64, hedges.len() as f64);
    let confidence = 50.0 + 50.0 * (a - h) / (a + h + CONFIDENCE_SMOOTHING);
    let per_100_words = if words.is_empty() {
        0.0
    } else {
        enthusiasm.len() as f64 * 100.0 / words.len() as f64
    };
    let enthusiasm_score = 30.0 + 15.0 * per_100_words + 30.0 * sentiment_score;

    let at = |found: &Found| tokens[content[found.at]].start;
    let analysis = ToneAnalysis {
        sentiment: label(sentiment_score),
        sentiment_score: round(sentiment_score, 3),
        sentiment_timeline,
        confidence: confidence.round().clamp(0.0, 100.0) as u32,
        enthusiasm: enthusiasm_score.round().clamp(0.0, 100.0) as u32,
        hedges: counts(&hedges, at),
        assertive: counts(&assertive, at),
        enthusiasm_cues: counts(&enthusiasm, at),
    };
    let hedge_tokens = hedges.iter().map(|found| content[found.at]).collect();
    Tone {
        analysis,
        polarity: full_polarity(tokens.len(), content, &polarity),
        hedge_tokens,
    }
}

fn label(score: f64) -> SentimentLabel {
    if score > SENTIMENT_LABEL_THRESHOLD {
        SentimentLabel::Positive
    } else if score < -SENTIMENT_LABEL_THRESHOLD {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    }
}

fn is_negator(word: &str) -> bool {
    matches!(
        word,
        "not"
            | "never"
            | "no"
            | "without"
            | "hardly"
            | "nothing"
            | "nobody"
            | "cannot"
            | "neither"
            | "nor"
    ) || word.ends_with("n't")
}

/// Polarity per content word, negation applied.
fn polarity(words: &[&str]) -> Vec<i8> {
    (0..words.len())
        .map(|k| {
            let word = words[k];
            let base: i8 = if LEXICON.positive.contains(word) {
                1
            } else if LEXICON.negative.contains(word) {
                -1
            } else {
                0
            };
            let negated = words[k.saturating_sub(NEGATION_WINDOW)..k]
                .iter()
                .any(|w| is_negator(w));
            if negated { -base } else { base }
        })
        .collect()
}

fn full_polarity(token_count: usize, content: &[usize], polarity: &[i8]) -> Vec<i8> {
    let mut full = vec![0; token_count];
    for (&i, &p) in content.iter().zip(polarity) {
        full[i] = p;
    }
    full
}

/// One point per 30-s bucket with words, and the word-weighted overall score.
fn sentiment_timeline(
    tokens: &[Token],
    content: &[usize],
    polarity: &[i8],
) -> (Vec<SentimentPoint>, f64) {
    // (bucket, words, pos, neg), in time order: tokens are in time order.
    let mut buckets: Vec<(u64, usize, usize, usize)> = Vec::new();
    for (&i, &p) in content.iter().zip(polarity) {
        let bucket = (tokens[i].start.max(0.0) / SENTIMENT_BUCKET_SECS) as u64;
        if buckets.last().is_none_or(|last| last.0 != bucket) {
            buckets.push((bucket, 0, 0, 0));
        }
        if let Some(last) = buckets.last_mut() {
            last.1 += 1;
            last.2 += usize::from(p > 0);
            last.3 += usize::from(p < 0);
        }
    }
    let total_words: usize = buckets.iter().map(|b| b.1).sum();
    let mut weighted = 0.0;
    let points = buckets
        .iter()
        .map(|&(bucket, words, pos, neg)| {
            let score = sentiment_score(pos, neg);
            weighted += score * words as f64;
            SentimentPoint {
                at_secs: bucket as f64 * SENTIMENT_BUCKET_SECS,
                score: round(score, 3),
            }
        })
        .collect();
    let overall = if total_words > 0 {
        weighted / total_words as f64
    } else {
        0.0
    };
    (points, overall)
}

/// "kind of"/"sort of" after a determiner is a noun phrase, not a hedge.
fn is_noun_kind_of(words: &[&str], found: &Found) -> bool {
    matches!(found.phrase, "kind of" | "sort of")
        && found
            .at
            .checked_sub(1)
            .is_some_and(|p| DETERMINERS.contains(&words[p]))
}

/// Groups matches by phrase, most frequent first (ties: first said first).
fn counts(found: &[Found], at: impl Fn(&Found) -> f64) -> Vec<PhraseCount> {
    let mut counts: Vec<PhraseCount> = Vec::new();
    for hit in found {
        let secs = round(at(hit), 2);
        match counts.iter_mut().find(|c| c.phrase == hit.phrase) {
            Some(count) => {
                count.count += 1;
                count.positions.push(secs);
            }
            None => counts.push(PhraseCount {
                phrase: hit.phrase.to_owned(),
                count: 1,
                positions: vec![secs],
            }),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.count));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::synthetic::transcript_from_lines;
    use crate::analysis::tokens::from_transcript;

    fn tone_of(text: &str) -> Tone {
        let tokens = from_transcript(&transcript_from_lines(&[text]));
        let content: Vec<usize> = (0..tokens.len()).collect();
        analyse(&tokens, &content)
    }

    #[test]
    fn not_good_is_negative_and_not_bad_is_positive() {
        assert_eq!(
            tone_of("The launch was not good.").analysis.sentiment,
            SentimentLabel::Negative
        );
        assert_eq!(
            tone_of("Honestly it was not bad at all.")
                .analysis
                .sentiment,
            SentimentLabel::Positive
        );
        assert_eq!(
            tone_of("We didn't really fail.").analysis.sentiment,
            SentimentLabel::Positive
        );
    }

    #[test]
    fn one_positive_word_scores_point_four_two() {
        assert_eq!(round(sentiment_score(1, 0), 2), 0.42);
        assert_eq!(sentiment_score(0, 0), 0.0);
        assert!(sentiment_score(0, 3) < -0.8);
    }

    #[test]
    fn the_timeline_has_a_point_per_thirty_seconds_of_speech() {
        // 150 wpm: 100 words last 40 s, so two buckets.
        let tone = tone_of(&"great ".repeat(100));
        let at: Vec<f64> = tone
            .analysis
            .sentiment_timeline
            .iter()
            .map(|p| p.at_secs)
            .collect();
        assert_eq!(at, [0.0, 30.0]);
    }

    #[test]
    fn hedging_lowers_confidence_and_ownership_raises_it() {
        let hedging = tone_of("I think maybe we kind of fixed it, I guess.");
        let owning = tone_of("I led the migration. I decided to cut scope. I delivered it.");

        assert_eq!(hedging.analysis.hedges.len(), 4);
        assert_eq!(hedging.analysis.confidence, 21);
        assert_eq!(owning.analysis.confidence, 75);
        assert_eq!(tone_of("We met on Monday.").analysis.confidence, 50);
    }

    #[test]
    fn the_kind_of_work_is_not_a_hedge() {
        assert!(
            tone_of("This is the kind of work I enjoy.")
                .analysis
                .hedges
                .is_empty()
        );
    }

    #[test]
    fn excitement_and_exclamations_raise_enthusiasm() {
        let flat = tone_of("We moved the service to a new cluster.");
        let keen = tone_of("I love this product and I'm really excited to join!");

        assert_eq!(flat.analysis.enthusiasm, 30);
        assert_eq!(keen.analysis.enthusiasm, 100);
        assert_eq!(keen.analysis.enthusiasm_cues.len(), 3);
    }
}

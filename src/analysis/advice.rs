//! Recommendations: concrete, tied to moments, most important first, at most
//! [`MAX_RECOMMENDATIONS`] (8). Each rule below proposes at most one
//! recommendation (STAR and answer length: one per answer) with an importance;
//! the list is sorted by importance (ties keep rule order), repeated messages
//! are dropped, and the list is cut.
//!
//! | Rule | When | Importance |
//! |------|------|------------|
//! | filler burst | ≥ [`FILLER_BURST_MIN`] (4) fillers within [`FILLER_BURST_WINDOW_SECS`] (60 s) | 50 + 5 per filler (at most 100) |
//! | filler rate | more than [`FILLER_RATE_TARGET`] (3) fillers a minute overall | 40 + 5 per filler a minute (at most 80) |
//! | STAR gap | a story answer misses an element (Result first, then Action, Situation, Task) | 45 + 10 per element missing (+10 for a missing Result) |
//! | pace | overall pace outside 120–160 wpm (with ≥ 30 s of speech) | 30 + half the distance to the band |
//! | rushed minute | a minute faster than [`RUSHED_WPM`] (190 wpm) | 25 |
//! | answer length | a story answer under 20 s or any answer over 3 min | 30 |
//! | hedging | ≥ [`HEDGE_MIN`] (3) hedges and confidence under 50 | 35 + 1 per hedge (at most 50) |
//! | relevance | job-description coverage under 70 | 30 |
//! | negative stretch | a 30-s bucket with sentiment ≤ [`NEGATIVE_STRETCH`] (−0.5) | 25 |
//! | long silence | a pause of at least [`SILENCE_SECS`] (5 s) | 20 + its length in seconds |
//! | low enthusiasm | enthusiasm under 40 | 20 |
//! | hard to transcribe | more than 10 % of words low-confidence | 15 |
//!
//! Evidence is a quote of the sentence at that moment, at most
//! [`EVIDENCE_MAX_CHARS`] (80) characters.

use protocol::analysis::{
    Answer, Recommendation, ScoreCategory, SpeechAnalysis, StructureAnalysis, ToneAnalysis,
};
use protocol::analysis::{RelevanceAnalysis, TimelineBucket};

use super::fillers::Hit;
use super::pace::{PACE_MAX_WPM, PACE_MIN_WPM};
use super::score::{ANSWER_MAX_SECS, ANSWER_MIN_SECS};
use super::tokens::{Sentence, Token, clock, quote, round, truncate};
use super::tone::SENTIMENT_BUCKET_SECS;

/// At most this many recommendations.
pub const MAX_RECOMMENDATIONS: usize = 8;
/// Width of the filler-burst window, seconds.
pub const FILLER_BURST_WINDOW_SECS: f64 = 60.0;
/// Fillers within the window that make a burst.
pub const FILLER_BURST_MIN: usize = 4;
/// Overall fillers a minute above which to advise.
pub const FILLER_RATE_TARGET: f64 = 3.0;
/// A minute faster than this (wpm) is rushed.
pub const RUSHED_WPM: f64 = 190.0;
/// Hedges needed before advising on them.
pub const HEDGE_MIN: usize = 3;
/// A sentiment bucket at or below this is a negative stretch.
pub const NEGATIVE_STRETCH: f64 = -0.5;
/// A pause at least this long (seconds) is worth a word.
pub const SILENCE_SECS: f64 = 5.0;
/// Longest evidence quote, characters.
pub const EVIDENCE_MAX_CHARS: usize = 80;
/// Longest question quote inside a message, characters.
const QUESTION_QUOTE_CHARS: usize = 45;

/// Everything the rules look at.
pub struct Findings<'a> {
    pub tokens: &'a [Token],
    pub sentences: &'a [Sentence],
    /// `candidate[i]`: token `i` is the candidate's (quotes hold only theirs).
    pub candidate: &'a [bool],
    pub hits: &'a [Hit],
    pub polarity: &'a [i8],
    pub hedge_tokens: &'a [usize],
    pub speech: &'a SpeechAnalysis,
    pub structure: &'a StructureAnalysis,
    pub tone: &'a ToneAnalysis,
    pub relevance: Option<&'a RelevanceAnalysis>,
    pub timeline: &'a [TimelineBucket],
    /// Pace and pauses were measured (not a typed answer).
    pub timed: bool,
}

struct Candidate {
    importance: f64,
    recommendation: Recommendation,
}

fn candidate(
    importance: f64,
    category: ScoreCategory,
    message: String,
    at_secs: Option<f64>,
    evidence: Option<String>,
) -> Candidate {
    let at_secs = at_secs.map(|secs| round(secs, 2));
    Candidate {
        importance,
        recommendation: Recommendation {
            category,
            message,
            at_secs,
            evidence,
        },
    }
}

/// The recommendations, most important first.
pub fn recommend(findings: &Findings<'_>) -> Vec<Recommendation> {
    if findings.tokens.is_empty() {
        return Vec::new();
    }
    let mut candidates = Vec::new();
    candidates.extend(filler_burst(findings));
    candidates.extend(filler_rate(findings));
    for answer in &findings.structure.answers {
        candidates.extend(star_gap(findings, answer));
        candidates.extend(answer_length(findings, answer));
    }
    if findings.timed {
        candidates.extend(pace(findings));
        candidates.extend(rushed_minute(findings));
        candidates.extend(long_silence(findings));
    }
    candidates.extend(hedging(findings));
    candidates.extend(relevance(findings));
    candidates.extend(negative_stretch(findings));
    candidates.extend(low_enthusiasm(findings));
    candidates.extend(hard_to_transcribe(findings));
    // Stable: equal importance keeps rule order.
    candidates.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    let mut recommendations: Vec<Recommendation> = Vec::new();
    for candidate in candidates {
        if recommendations.len() == MAX_RECOMMENDATIONS {
            break;
        }
        if recommendations
            .iter()
            .all(|r| r.message != candidate.recommendation.message)
        {
            recommendations.push(candidate.recommendation);
        }
    }
    recommendations
}

/// The sentence holding token `i`, quoted: the candidate's words of it
/// around `i` only (an interviewer's words run into it are left out).
fn evidence_at(findings: &Findings<'_>, i: usize) -> Option<String> {
    let index = findings.sentences.partition_point(|s| s.last < i);
    let sentence = findings.sentences.get(index)?;
    let theirs = |k: usize| findings.candidate.get(k).copied().unwrap_or(true);
    if !theirs(i) {
        return None;
    }
    let mut first = i;
    while first > sentence.first && theirs(first - 1) {
        first -= 1;
    }
    let mut last = i;
    while last < sentence.last && theirs(last + 1) {
        last += 1;
    }
    Some(quote(findings.tokens, first, last, EVIDENCE_MAX_CHARS))
}

/// The densest window of fillers: (first hit, hits in it).
fn densest_window(findings: &Findings<'_>) -> Option<(usize, usize)> {
    let at = |k: usize| findings.tokens[findings.hits[k].token].start;
    let mut best: Option<(usize, usize)> = None;
    let mut first = 0;
    for last in 0..findings.hits.len() {
        while at(last) - at(first) > FILLER_BURST_WINDOW_SECS {
            first += 1;
        }
        let count = last - first + 1;
        if best.is_none_or(|(_, n)| count > n) {
            best = Some((first, count));
        }
    }
    best
}

fn filler_burst(findings: &Findings<'_>) -> Option<Candidate> {
    let (first, count) = densest_window(findings)?;
    if count < FILLER_BURST_MIN {
        return None;
    }
    let window = &findings.hits[first..first + count];
    let start = findings.tokens[window[0].token].start;
    let span = findings.tokens[window[count - 1].token].start - start;
    let mut terms: Vec<(&str, usize)> = Vec::new();
    for hit in window {
        match terms.iter_mut().find(|(term, _)| *term == hit.term) {
            Some((_, n)) => *n += 1,
            None => terms.push((hit.term, 1)),
        }
    }
    terms.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let said = match terms.as_slice() {
        [(term, n)] => format!("'{term}' {}", times(*n)),
        [(term, n), ..] if 2 * n >= count => format!("'{term}' {} among {count} fillers", times(*n)),
        _ => format!("{count} fillers"),
    };
    let message = format!(
        "You said {said} in {:.0} s around {}: when you need a moment, pause silently instead.",
        span.max(1.0),
        clock(start)
    );
    Some(candidate(
        50.0 + 5.0 * count.min(10) as f64,
        ScoreCategory::Speech,
        message,
        Some(start),
        evidence_at(findings, window[0].token),
    ))
}

/// "once", "twice", "3 times".
fn times(n: usize) -> String {
    match n {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        _ => format!("{n} times"),
    }
}

fn filler_rate(findings: &Findings<'_>) -> Option<Candidate> {
    let fillers = &findings.speech.fillers;
    if fillers.per_minute <= FILLER_RATE_TARGET {
        return None;
    }
    let top = fillers.items.first()?;
    let message = format!(
        "You averaged {:.1} fillers a minute (aim for under {FILLER_RATE_TARGET:.0}); the most frequent was '{}' ({}). Practise answers aloud and replace fillers with a short pause.",
        fillers.per_minute, top.term, times(top.count)
    );
    Some(candidate(
        40.0 + 5.0 * fillers.per_minute.min(8.0),
        ScoreCategory::Speech,
        message,
        None,
        None,
    ))
}

fn question_text(findings: &Findings<'_>, answer: &Answer) -> Option<String> {
    let question = findings.structure.questions.get(answer.question_index?)?;
    Some(truncate(&question.text, QUESTION_QUOTE_CHARS))
}

fn star_gap(findings: &Findings<'_>, answer: &Answer) -> Option<Candidate> {
    let star = answer.star.as_ref()?;
    if !answer.star_expected || answer.word_count == 0 {
        return None;
    }
    let missing: Vec<&str> = [
        (star.result, "Result"),
        (star.action, "Action"),
        (star.situation, "Situation"),
        (star.task, "Task"),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, name)| name)
    .collect();
    let first = *missing.first()?;
    let advice = match first {
        "Result" => "end with the outcome and a number (\"we cut release time by 30%\")",
        "Action" => "say what you did yourself, with 'I' and a verb (\"I built…\", \"I led…\")",
        "Situation" => "open with one sentence on when and where (\"Last year at…\")",
        _ => "say what you were responsible for (\"My goal was…\")",
    };
    let question = question_text(findings, answer)?;
    let named = match missing.as_slice() {
        [.., last] if missing.len() > 1 => {
            format!("{} or {last}", missing[..missing.len() - 1].join(", "))
        }
        _ => first.to_owned(),
    };
    let message = format!("Your answer to '{question}' has no {named}: {advice}.");
    let importance = 45.0 + 10.0 * missing.len() as f64 + if star.result { 0.0 } else { 10.0 };
    let evidence =
        (!answer.excerpt.is_empty()).then(|| truncate(&answer.excerpt, EVIDENCE_MAX_CHARS));
    Some(candidate(
        importance,
        ScoreCategory::Structure,
        message,
        Some(answer.start),
        evidence,
    ))
}

fn answer_length(findings: &Findings<'_>, answer: &Answer) -> Option<Candidate> {
    if !findings.timed || answer.word_count == 0 {
        return None;
    }
    let question = question_text(findings, answer)?;
    let message = if answer.duration_secs > ANSWER_MAX_SECS {
        format!(
            "Your answer to '{question}' ran {}: aim for under 2 minutes; keep the situation to a sentence and lead with what you did.",
            clock(answer.duration_secs)
        )
    } else if answer.star_expected && answer.duration_secs < ANSWER_MIN_SECS {
        format!(
            "Your answer to '{question}' lasted only {:.0} s: develop the story with concrete details (what was at stake, what you did, what changed); aim for 1–2 minutes.",
            answer.duration_secs
        )
    } else {
        return None;
    };
    Some(candidate(
        30.0,
        ScoreCategory::Structure,
        message,
        Some(answer.start),
        None,
    ))
}

fn pace(findings: &Findings<'_>) -> Option<Candidate> {
    let wpm = findings.speech.words_per_minute;
    if findings.speech.speaking_secs < 30.0 || (PACE_MIN_WPM..=PACE_MAX_WPM).contains(&wpm) {
        return None;
    }
    let (distance, advice) = if wpm < PACE_MIN_WPM {
        (
            PACE_MIN_WPM - wpm,
            "pick up the pace a little and keep sentences short",
        )
    } else {
        (
            wpm - PACE_MAX_WPM,
            "slow down and pause after each key point",
        )
    };
    let message = format!("You spoke at {wpm:.0} words a minute; aim for 120–160: {advice}.");
    Some(candidate(
        30.0 + distance / 2.0,
        ScoreCategory::Speech,
        message,
        None,
        None,
    ))
}

fn rushed_minute(findings: &Findings<'_>) -> Option<Candidate> {
    let fastest = findings
        .timeline
        .iter()
        .filter(|b| b.words_per_minute > RUSHED_WPM)
        .max_by(|a, b| a.words_per_minute.total_cmp(&b.words_per_minute))?;
    let message = format!(
        "Around {} you sped up to {:.0} words a minute: take a breath and slow down when you reach the important part.",
        clock(fastest.minute_start_secs),
        fastest.words_per_minute
    );
    Some(candidate(
        25.0,
        ScoreCategory::Speech,
        message,
        Some(fastest.minute_start_secs),
        None,
    ))
}

fn long_silence(findings: &Findings<'_>) -> Option<Candidate> {
    let pauses = &findings.speech.pauses;
    let at = pauses.longest_at_secs?;
    if pauses.longest_secs < SILENCE_SECS {
        return None;
    }
    let message = format!(
        "You went silent for {:.1} s at {}: if you need time, say so (\"Let me think about that for a second\").",
        pauses.longest_secs,
        clock(at)
    );
    let next_word = findings
        .tokens
        .partition_point(|t| t.start < at + pauses.longest_secs - 0.01);
    Some(candidate(
        20.0 + pauses.longest_secs,
        ScoreCategory::Speech,
        message,
        Some(at),
        evidence_at(findings, next_word),
    ))
}

fn hedging(findings: &Findings<'_>) -> Option<Candidate> {
    let total: usize = findings.tone.hedges.iter().map(|h| h.count).sum();
    if total < HEDGE_MIN || findings.tone.confidence >= 50 {
        return None;
    }
    let listed: Vec<String> = findings
        .tone
        .hedges
        .iter()
        .take(3)
        .map(|h| format!("'{}' {}×", h.phrase, h.count))
        .collect();
    let first = *findings.hedge_tokens.first()?;
    let at = findings.tokens[first].start;
    let message = format!(
        "You hedged {total} times ({}), first at {}: state what you did and decided (\"I decided…\", \"I delivered…\").",
        listed.join(", "),
        clock(at)
    );
    Some(candidate(
        35.0 + total.min(15) as f64,
        ScoreCategory::Tone,
        message,
        Some(at),
        evidence_at(findings, first),
    ))
}

fn relevance(findings: &Findings<'_>) -> Option<Candidate> {
    let relevance = findings.relevance?;
    if relevance.score >= 70 || relevance.missing.is_empty() {
        return None;
    }
    let missing: Vec<String> = relevance
        .missing
        .iter()
        .take(4)
        .map(|k| format!("'{k}'"))
        .collect();
    let message = format!(
        "The job description stresses {} but you never mentioned them: tie one of your examples to them.",
        missing.join(", ")
    );
    Some(candidate(
        30.0,
        ScoreCategory::Relevance,
        message,
        None,
        None,
    ))
}

fn negative_stretch(findings: &Findings<'_>) -> Option<Candidate> {
    let worst = findings
        .tone
        .sentiment_timeline
        .iter()
        .filter(|p| p.score <= NEGATIVE_STRETCH)
        .min_by(|a, b| a.score.total_cmp(&b.score))?;
    let end = worst.at_secs + SENTIMENT_BUCKET_SECS;
    let word = (0..findings.tokens.len()).find(|&i| {
        findings.polarity[i] < 0 && (worst.at_secs..end).contains(&findings.tokens[i].start)
    });
    let message = format!(
        "Around {} your tone turned negative: frame setbacks with what you learned and what you changed.",
        clock(worst.at_secs)
    );
    let evidence = word.and_then(|i| evidence_at(findings, i));
    Some(candidate(
        25.0,
        ScoreCategory::Tone,
        message,
        Some(worst.at_secs),
        evidence,
    ))
}

fn low_enthusiasm(findings: &Findings<'_>) -> Option<Candidate> {
    if findings.tone.enthusiasm >= 40 {
        return None;
    }
    let message = "Little enthusiasm came through: say what excites you about the role and the team (\"I'm excited about…\").".to_owned();
    Some(candidate(20.0, ScoreCategory::Tone, message, None, None))
}

fn hard_to_transcribe(findings: &Findings<'_>) -> Option<Candidate> {
    let share = findings.speech.low_confidence_share;
    if share <= 0.10 {
        return None;
    }
    let message = format!(
        "{:.0}% of what you said was hard to transcribe: speak up, face the microphone and finish your words.",
        share * 100.0
    );
    Some(candidate(15.0, ScoreCategory::Speech, message, None, None))
}

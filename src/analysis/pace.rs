//! Pace, pauses and clarity of the candidate's speech (the interviewer's
//! detected questions are left out).
//!
//! - **Pause**: the silence between two consecutive words of the candidate
//!   lasting at least [`PAUSE_SECS`] (0.6 s), from the words' timings or, when
//!   the audio was read, from its quiet stretches (`crate::silence`: engines
//!   stretch words over silences, so timings alone miss pauses). Silences
//!   around an interviewer's question are turn-taking, not pauses.
//! - **Long pause**: at least [`LONG_PAUSE_SECS`] (2 s). Pace leaves long pauses
//!   out entirely (the whole silence), so thinking time does not read as slow
//!   speech.
//! - **Speaking time**: each word's duration plus the silence after it when that
//!   silence is shorter than a long pause and the next word is also the
//!   candidate's.
//! - **Words per minute**: candidate words (fillers included: they take time)
//!   over speaking time. The comfortable band is [`PACE_MIN_WPM`]–[`PACE_MAX_WPM`]
//!   (120–160 wpm).
//! - **Clarity** (0–100) = 100 × (0.5 × recognition + 0.25 × fluency + 0.25 × pace fit):
//!   - recognition = clamp((mean word probability − 0.5) / 0.4, 0, 1) ×
//!     (1 − low-confidence share); without word probabilities, 1 − low-confidence
//!     share. A mean probability of 0.9 or more counts as fully clear.
//!   - fluency = 1 − min(fillers per minute / [`FILLER_RATE_CEILING`], 1)
//!     (10 fillers a minute or more: 0).
//!   - pace fit = 1 inside the band, else 1 − min(distance to the band /
//!     [`PACE_TOLERANCE_WPM`], 1) (60 wpm outside the band or more: 0).

use protocol::analysis::{Pause, PauseSummary};

use super::tokens::{Token, gap_before, round};

/// A silence between words at least this long (seconds) is a pause.
pub const PAUSE_SECS: f64 = 0.6;
/// A pause at least this long (seconds) is left out of speaking time.
pub const LONG_PAUSE_SECS: f64 = 2.0;
/// Lower edge of the comfortable pace band, words per minute.
pub const PACE_MIN_WPM: f64 = 120.0;
/// Upper edge of the comfortable pace band, words per minute.
pub const PACE_MAX_WPM: f64 = 160.0;
/// Distance from the band (wpm) at which pace fit reaches 0.
pub const PACE_TOLERANCE_WPM: f64 = 60.0;
/// Fillers per minute at which fluency reaches 0.
pub const FILLER_RATE_CEILING: f64 = 10.0;

/// The candidate's pace and pauses.
#[derive(Debug, Clone, PartialEq)]
pub struct Pace {
    /// Candidate words.
    pub words: usize,
    pub speaking_secs: f64,
    pub words_per_minute: f64,
    pub pauses: PauseSummary,
}

/// Speaking time credited to token `i`: its duration plus the silence after
/// it, when that silence is short and the next word is also the candidate's.
pub fn speaking_share(tokens: &[Token], candidate: &[bool], i: usize) -> f64 {
    let own = (tokens[i].end - tokens[i].start).max(0.0);
    let next_is_candidate = candidate.get(i + 1).copied().unwrap_or(false);
    if !next_is_candidate {
        return own;
    }
    let gap = gap_before(tokens, i + 1);
    if gap < LONG_PAUSE_SECS {
        own + gap
    } else {
        own
    }
}

/// Measures pace and pauses over the candidate's words.
pub fn measure(tokens: &[Token], candidate: &[bool]) -> Pace {
    measure_with(tokens, candidate, &[])
}

/// [`measure`], with the audio's quiet stretches: a silence of at least
/// [`PAUSE_SECS`] between two of the candidate's consecutive words is a pause
/// even when the words' timings run over it (speech engines stretch words
/// across silences), and it is as long as the silence when that is longer.
pub fn measure_with(tokens: &[Token], candidate: &[bool], silences: &[(f64, f64)]) -> Pace {
    let mut words = 0;
    let mut speaking_secs = 0.0;
    let mut list = Vec::new();
    for i in 0..tokens.len() {
        if !candidate[i] {
            continue;
        }
        words += 1;
        speaking_secs += speaking_share(tokens, candidate, i);
        let gap = gap_before(tokens, i);
        if i > 0 && candidate[i - 1] {
            let heard = silence_between(&tokens[i - 1], &tokens[i], silences);
            let (start, duration) = match heard {
                Some((start, end)) if end - start > gap => (start, end - start),
                _ => (tokens[i - 1].end, gap),
            };
            if duration >= PAUSE_SECS {
                list.push(Pause { start: round(start, 2), duration: round(duration, 2) });
            }
        }
    }
    let words_per_minute = if speaking_secs >= 1.0 {
        words as f64 * 60.0 / speaking_secs
    } else {
        0.0
    };
    Pace {
        words,
        speaking_secs: round(speaking_secs, 2),
        words_per_minute: round(words_per_minute, 1),
        pauses: summarise_pauses(list),
    }
}

/// The longest silence of at least [`PAUSE_SECS`] whose middle lies between
/// the middles of two consecutive words (so each silence belongs to one pair).
fn silence_between(before: &Token, after: &Token, silences: &[(f64, f64)]) -> Option<(f64, f64)> {
    let (from, to) = ((before.start + before.end) / 2.0, (after.start + after.end) / 2.0);
    let first = silences.partition_point(|(_, end)| *end < from);
    silences[first..]
        .iter()
        .take_while(|(start, _)| *start < to)
        .filter(|(start, end)| end - start >= PAUSE_SECS && (start + end) / 2.0 >= from && (start + end) / 2.0 < to)
        .copied()
        .max_by(|a, b| (a.1 - a.0).total_cmp(&(b.1 - b.0)))
}

fn summarise_pauses(list: Vec<Pause>) -> PauseSummary {
    let longest = list.iter().fold(None::<&Pause>, |best, pause| match best {
        Some(best) if best.duration >= pause.duration => Some(best),
        _ => Some(pause),
    });
    PauseSummary {
        count: list.len(),
        total_secs: round(list.iter().map(|p| p.duration).sum(), 2),
        longest_secs: longest.map_or(0.0, |p| p.duration),
        longest_at_secs: longest.map(|p| p.start),
        long_count: list
            .iter()
            .filter(|p| p.duration >= LONG_PAUSE_SECS)
            .count(),
        list,
    }
}

/// What clarity is computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClarityInputs {
    pub mean_word_probability: Option<f64>,
    pub low_confidence_share: f64,
    pub fillers_per_minute: f64,
    pub words_per_minute: f64,
}

/// Clarity, 0–100 (formula in the module docs).
pub fn clarity(inputs: ClarityInputs) -> u32 {
    let trusted = 1.0 - inputs.low_confidence_share.clamp(0.0, 1.0);
    let recognition = match inputs.mean_word_probability {
        Some(p) => ((p - 0.5) / 0.4).clamp(0.0, 1.0) * trusted,
        None => trusted,
    };
    let fluency = 1.0 - (inputs.fillers_per_minute / FILLER_RATE_CEILING).min(1.0);
    let score = 0.5 * recognition + 0.25 * fluency + 0.25 * pace_fit(inputs.words_per_minute);
    (100.0 * score).round().clamp(0.0, 100.0) as u32
}

/// 1 inside the comfortable band, falling to 0 at [`PACE_TOLERANCE_WPM`] outside it.
pub fn pace_fit(words_per_minute: f64) -> f64 {
    let distance = if words_per_minute < PACE_MIN_WPM {
        PACE_MIN_WPM - words_per_minute
    } else {
        (words_per_minute - PACE_MAX_WPM).max(0.0)
    };
    1.0 - (distance / PACE_TOLERANCE_WPM).min(1.0)
}

/// Mean word probability and low-confidence share over the candidate's words.
pub fn recognition(tokens: &[Token], candidate: &[bool]) -> (Option<f64>, f64) {
    let (mut words, mut low, mut probability_sum, mut probabilities) =
        (0usize, 0usize, 0.0, 0usize);
    for (token, _) in tokens.iter().zip(candidate).filter(|(_, c)| **c) {
        words += 1;
        low += usize::from(token.low_confidence);
        if let Some(p) = token.probability {
            probability_sum += p;
            probabilities += 1;
        }
    }
    let mean = (probabilities > 0).then(|| round(probability_sum / probabilities as f64, 3));
    let share = if words > 0 {
        round(low as f64 / words as f64, 3)
    } else {
        0.0
    };
    (mean, share)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tokens::from_transcript;
    use protocol::transcript::{Segment, Transcript, Word};

    /// Words of 0.4 s each, starting at the given times.
    fn words_at(starts: &[f64]) -> Vec<Token> {
        let words = starts
            .iter()
            .map(|&start| Word {
                start,
                end: start + 0.4,
                word: " word".into(),
                probability: 0.95,
            })
            .collect();
        let segment = Segment {
            words,
            ..Segment::default()
        };
        from_transcript(&Transcript {
            segments: vec![segment],
            ..Transcript::default()
        })
    }

    #[test]
    fn pauses_longer_than_two_seconds_are_excluded_from_words_per_minute() {
        // Two runs of ten back-to-back words (4 s each) with a 10 s silence between.
        let starts: Vec<f64> = (0..10)
            .map(|i| i as f64 * 0.4)
            .chain((0..10).map(|i| 14.0 + i as f64 * 0.4))
            .collect();
        let tokens = words_at(&starts);

        let pace = measure(&tokens, &vec![true; tokens.len()]);

        assert_eq!(pace.speaking_secs, 8.0);
        assert_eq!(pace.words_per_minute, 150.0);
        assert_eq!(pace.pauses.long_count, 1);
        assert_eq!(pace.pauses.longest_secs, 10.0);
        assert_eq!(pace.pauses.longest_at_secs, Some(4.0));
    }

    #[test]
    fn a_silence_of_at_least_six_tenths_of_a_second_is_a_pause() {
        let tokens = words_at(&[0.0, 0.9, 2.0, 2.4]);

        let pace = measure(&tokens, &vec![true; tokens.len()]);

        assert_eq!(pace.pauses.count, 1);
        assert_eq!(
            pace.pauses.list[0],
            Pause {
                start: 1.3,
                duration: 0.7
            }
        );
        assert_eq!(pace.pauses.long_count, 0);
    }

    #[test]
    fn the_gap_around_an_interviewers_question_is_not_a_pause() {
        let tokens = words_at(&[0.0, 5.0, 10.0]);

        let pace = measure(&tokens, &[true, false, true]);

        assert_eq!(pace.pauses.count, 0);
        assert_eq!(pace.words, 2);
    }

    #[test]
    fn clear_fluent_speech_in_the_band_scores_full_clarity() {
        let inputs = ClarityInputs {
            mean_word_probability: Some(0.93),
            low_confidence_share: 0.0,
            fillers_per_minute: 0.0,
            words_per_minute: 140.0,
        };
        assert_eq!(clarity(inputs), 100);
    }

    #[test]
    fn mumbled_filler_heavy_rushed_speech_scores_low_clarity() {
        let inputs = ClarityInputs {
            mean_word_probability: Some(0.6),
            low_confidence_share: 0.5,
            fillers_per_minute: 10.0,
            words_per_minute: 230.0,
        };
        // recognition 0.25 × 0.5 = 0.125; fluency 0; pace fit 0.
        assert_eq!(clarity(inputs), 6);
    }

    #[test]
    fn pace_fit_falls_linearly_outside_the_band() {
        assert_eq!(pace_fit(140.0), 1.0);
        assert_eq!(pace_fit(90.0), 0.5);
        assert_eq!(pace_fit(250.0), 0.0);
    }
}

//! The per-minute timeline for the chart: one bucket per started minute of
//! the recording (silent minutes included, so the x axis is even).
//!
//! - Words per minute: the candidate's words starting in that minute over the
//!   speaking time credited to them (see `pace`); 0 when they spoke less than
//!   [`MIN_SPEAKING_SECS`] (5 s) in it, where a rate would mean nothing.
//! - Fillers: fillers starting in that minute.
//! - Sentiment: the `tone` formula over that minute's sentiment words (0 when
//!   there are none).

use protocol::analysis::TimelineBucket;

use super::fillers::Hit;
use super::pace::speaking_share;
use super::tokens::{Token, round};
use super::tone::sentiment_score;

/// Less speaking time than this (seconds) in a minute gives no pace.
pub const MIN_SPEAKING_SECS: f64 = 5.0;

#[derive(Default, Clone, Copy)]
struct Minute {
    words: usize,
    speaking_secs: f64,
    fillers: usize,
    pos: usize,
    neg: usize,
}

/// The buckets of a `duration_secs` recording.
pub fn build(
    tokens: &[Token],
    candidate: &[bool],
    hits: &[Hit],
    polarity: &[i8],
    duration_secs: f64,
) -> Vec<TimelineBucket> {
    let count = (duration_secs / 60.0).ceil().max(0.0) as usize;
    let mut minutes = vec![Minute::default(); count];
    let minute_of = |secs: f64| ((secs.max(0.0) / 60.0) as usize).min(count.saturating_sub(1));
    if count > 0 {
        for (i, token) in tokens.iter().enumerate().filter(|(i, _)| candidate[*i]) {
            let minute = &mut minutes[minute_of(token.start)];
            minute.words += 1;
            minute.speaking_secs += speaking_share(tokens, candidate, i);
            minute.pos += usize::from(polarity[i] > 0);
            minute.neg += usize::from(polarity[i] < 0);
        }
        for hit in hits {
            minutes[minute_of(tokens[hit.token].start)].fillers += 1;
        }
    }
    minutes
        .iter()
        .enumerate()
        .map(|(index, minute)| TimelineBucket {
            minute_start_secs: index as f64 * 60.0,
            words_per_minute: if minute.speaking_secs >= MIN_SPEAKING_SECS {
                round(minute.words as f64 * 60.0 / minute.speaking_secs, 1)
            } else {
                0.0
            },
            fillers: minute.fillers,
            sentiment: round(sentiment_score(minute.pos, minute.neg), 3),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::synthetic::transcript_from_lines;
    use crate::analysis::tokens::from_transcript;

    #[test]
    fn a_ninety_second_recording_has_two_buckets_with_fillers_where_they_were_said() {
        // 150 wpm: 225 words take 90 s; the filler is word 200 (at 80 s).
        let mut words = vec!["word"; 225];
        words[200] = "um";
        let tokens = from_transcript(&transcript_from_lines(&[&words.join(" ")]));
        let candidate = vec![true; tokens.len()];
        let hits = [Hit {
            term: "um",
            token: 200,
            len: 1,
        }];

        let timeline = build(&tokens, &candidate, &hits, &vec![0; tokens.len()], 90.0);

        assert_eq!(timeline.len(), 2);
        assert_eq!((timeline[0].fillers, timeline[1].fillers), (0, 1));
        assert_eq!(timeline[0].words_per_minute, 150.0);
        assert_eq!(timeline[1].minute_start_secs, 60.0);
    }
}

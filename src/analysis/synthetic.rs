//! Transcripts built from text: typed answers (practice sessions), test
//! fixtures and a long deterministic interview for benchmarks.
//!
//! - Typed text is "spoken" at [`TYPED_WPM`] (150 wpm: 0.4 s a word, no gaps),
//!   one segment per sentence, with word timings of probability 1, so the
//!   analysis runs unchanged; pace and pauses then mean nothing.
//! - Lines are turns (question, answer…): [`TURN_GAP_SECS`] (1 s) of silence
//!   separates them.
//! - [`synthetic_transcript`] repeats a mixed question/answer script with
//!   fillers, hedges and STAR cues, varying word lengths, gaps (short, pauses,
//!   some long pauses) and confidences with a fixed pseudo-random sequence: the
//!   same `minutes` always gives the same transcript (~145 words a minute
//!   overall, ~170 wpm while speaking).

use protocol::transcript::{Segment, Transcript, Word};

/// Pace of typed text, words per minute.
pub const TYPED_WPM: f64 = 150.0;
/// Silence between two lines (turns), seconds.
pub const TURN_GAP_SECS: f64 = 1.0;

/// Typed text as a transcript at 150 wpm, one segment per sentence.
pub fn transcript_from_text(text: &str) -> Transcript {
    transcript_from_lines(&[text])
}

/// Turns as a transcript at 150 wpm, one segment per sentence, 1 s between turns.
pub fn transcript_from_lines(lines: &[&str]) -> Transcript {
    let step = 60.0 / TYPED_WPM;
    let mut segments = Vec::new();
    let mut clock = 0.0;
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            clock += TURN_GAP_SECS;
        }
        for sentence in split_sentences(line) {
            let words: Vec<Word> = sentence
                .iter()
                .enumerate()
                .map(|(i, word)| {
                    let start = clock + step * i as f64;
                    Word {
                        start,
                        end: start + step,
                        word: format!(" {word}"),
                        probability: 1.0,
                    }
                })
                .collect();
            let end = clock + step * words.len() as f64;
            segments.push(Segment {
                start: clock,
                end,
                text: format!(" {}", sentence.join(" ")),
                avg_logprob: 0.0,
                no_speech_prob: 0.0,
                low_confidence: false,
                words,
                speaker: None,
            });
            clock = end;
        }
    }
    Transcript {
        language: "en".into(),
        duration_secs: clock,
        engine: "text".into(),
        segments,
        speakers: None,
    }
}

/// Words of `text`, grouped into sentences ending in `.`, `!`, `?` or `…`.
fn split_sentences(text: &str) -> Vec<Vec<&str>> {
    let mut sentences = Vec::new();
    let mut current = Vec::new();
    for word in text.split_whitespace() {
        current.push(word);
        let bare = word.trim_end_matches(['"', '\'', ')', '”', '’']);
        if bare.ends_with(['.', '!', '?', '…']) {
            sentences.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    sentences
}

/// The script repeated by [`synthetic_transcript`]: (is the interviewer, text).
const SCRIPT: &[(bool, &str)] = &[
    (
        true,
        "So, tell me about a time you handled a difficult project?",
    ),
    (
        false,
        "Um, so, last year at my previous company our team was behind schedule. Uh, I was responsible for the release. I, um, talked to every engineer and, like, I reorganised the backlog. You know, as a result we shipped two weeks early and cut bugs by 30 percent.",
    ),
    (true, "Great. Why do you want this job?"),
    (
        false,
        "Uh, I really love building products, and I would like to grow. I think, um, maybe I can learn a lot here. The team seems excited about the mission and so am I!",
    ),
    (true, "Can you walk me through a conflict with a colleague?"),
    (
        false,
        "Sure. In my role as tech lead, uh, a colleague and I disagreed about the database design. It was, um, kind of frustrating, honestly. I decided to set up a meeting, and, like, we compared both options with real data. In the end we picked his design and improved latency by 40%.",
    ),
    (true, "What is your greatest weakness?"),
    (
        false,
        "Hmm, I guess I sometimes take on too much. I mean, I want to help everyone. Basically, I now plan my week and say no when I have to. It is not perfect, but it is definitely better.",
    ),
    (true, "Have you ever failed to meet a deadline?"),
    (
        false,
        "Yes. Um, at my last job we missed a launch by a week. Uh, the problem was a vendor delay, and, you know, I did not warn the client early enough. I learned to flag risks on day one.",
    ),
];

/// A deterministic interview transcript of about `minutes` minutes, for
/// benchmarks and tests: the script above repeated, ~145 words a minute,
/// up to sixteen words a segment (a sentence, mostly), with word timings, pauses and varied
/// confidences.
pub fn synthetic_transcript(minutes: u32) -> Transcript {
    let limit = f64::from(minutes) * 60.0;
    let mut random = Lcg(0x5eed_1234_abcd_0042);
    let mut segments = Vec::new();
    let mut clock = 0.0;
    'script: for turn in 0.. {
        let (interviewer, line) = SCRIPT[turn % SCRIPT.len()];
        clock += if interviewer {
            1.2
        } else {
            0.8 + random.unit()
        };
        for sentence in split_sentences(line) {
            for chunk in sentence.chunks(16) {
                // A segment lasts under 50 s, so every word ends within `limit`.
                if clock + 50.0 >= limit {
                    break 'script;
                }
                let segment = synthetic_segment(chunk, &mut clock, &mut random);
                segments.push(segment);
            }
            clock += 0.15 + 0.25 * random.unit();
        }
    }
    Transcript {
        language: "en".into(),
        duration_secs: limit,
        engine: "synthetic".into(),
        segments,
        speakers: None,
    }
}

fn synthetic_segment(chunk: &[&str], clock: &mut f64, random: &mut Lcg) -> Segment {
    let start = *clock;
    let mut words = Vec::with_capacity(chunk.len());
    let mut probability_sum = 0.0;
    for word in chunk {
        let length = 0.17 + 0.02 * word.len().min(10) as f64 + 0.03 * random.unit();
        let probability = 0.7 + 0.29 * random.unit();
        probability_sum += probability;
        words.push(Word {
            start: *clock,
            end: *clock + length,
            word: format!(" {word}"),
            probability,
        });
        let roll = random.unit();
        *clock += length
            + if roll < 0.008 {
                2.5
            } else if roll < 0.038 {
                0.7
            } else {
                0.03 * random.unit()
            };
    }
    let mean = probability_sum / chunk.len().max(1) as f64;
    Segment {
        start,
        end: words.last().map_or(start, |w| w.end),
        text: format!(" {}", chunk.join(" ")),
        avg_logprob: mean.ln(),
        no_speech_prob: 0.01,
        low_confidence: mean < 0.78,
        words,
        speaker: None,
    }
}

/// A linear congruential generator: deterministic variation without a crate.
struct Lcg(u64);

impl Lcg {
    /// A number in [0, 1).
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_is_spoken_at_150_words_a_minute_one_segment_per_sentence() {
        let transcript = transcript_from_text("I built it. Then I shipped it!");

        assert_eq!(transcript.segments.len(), 2);
        assert_eq!(transcript.words().count(), 7);
        assert!((transcript.duration_secs - 2.8).abs() < 1e-9);
    }

    #[test]
    fn an_hour_long_synthetic_interview_is_realistic_and_always_the_same() {
        let hour = synthetic_transcript(60);

        let words = hour.words().count();
        assert!((7_000..11_000).contains(&words), "{words} words");
        assert!(
            (700..1_200).contains(&hour.segments.len()),
            "{} segments",
            hour.segments.len()
        );
        assert_eq!(hour, synthetic_transcript(60));
    }
}

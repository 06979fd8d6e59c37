//! Lays speaker turns over a transcript. Each word goes to the speaker whose
//! turns cover most of it (the nearest turn within [`NEAREST_SECS`] when none
//! does, else the previous word's speaker); a segment whose words change
//! speaker is split there, so every segment has one speaker. Labels `S1`, `S2`,
//! … follow the order of first speech in the transcript; a speaker who said no
//! transcribed word is dropped. Talk time is the span of each speaker's words,
//! and overlaps are where two speakers' turns cover the same time.

use protocol::speakers::{Overlap, Speaker, SpeakerRole, SpeakerSource, Speakers};
use protocol::transcript::{Segment, Transcript, Word};

use super::{Turn, label};
use crate::analysis::tokens::round;

/// How far (seconds) a word may be from a turn and still be given to it.
pub const NEAREST_SECS: f64 = 1.0;
/// Overlaps shorter than this (seconds) are not reported.
pub const MIN_OVERLAP_SECS: f64 = 0.2;

/// Gives every segment of `transcript` a speaker from `turns` and sets
/// `transcript.speakers` (roles all `Other`, for [`super::roles`] to decide).
pub fn apply(transcript: &mut Transcript, turns: &[Turn], source: SpeakerSource, confidence: f64) {
    let mut sorted = turns.to_vec();
    sorted.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut order: Vec<usize> = Vec::new();
    let mut segments = Vec::with_capacity(transcript.segments.len());
    let mut last_speaker = sorted.first().map_or(0, |t| t.speaker);
    for segment in std::mem::take(&mut transcript.segments) {
        for (speaker, piece) in split(segment, &sorted, &mut last_speaker) {
            let rank = order.iter().position(|&s| s == speaker).unwrap_or_else(|| {
                order.push(speaker);
                order.len() - 1
            });
            segments.push(Segment { speaker: Some(label(rank)), ..piece });
        }
    }
    transcript.segments = segments;
    let overlaps = overlaps(&sorted, &order);
    let overlap_total = overlap_secs(&overlaps);
    let speakers = (0..order.len()).map(|rank| Speaker { label: label(rank), role: SpeakerRole::Other, speaking_secs: 0.0, share: 0.0 }).collect();
    transcript.speakers = Some(Speakers {
        speakers,
        source,
        confidence: confidence.clamp(0.0, 1.0),
        overlaps,
        overlap_secs: overlap_total,
        note: None,
    });
    talk_time(transcript);
}

/// One voice: every segment is `S1`, the candidate.
pub fn single(transcript: &mut Transcript, note: Option<String>) {
    for segment in &mut transcript.segments {
        segment.speaker = Some(label(0));
    }
    transcript.speakers = Some(Speakers {
        speakers: vec![Speaker { label: label(0), role: SpeakerRole::Candidate, speaking_secs: 0.0, share: 0.0 }],
        source: SpeakerSource::Single,
        confidence: if note.is_some() { 0.5 } else { 1.0 },
        overlaps: Vec::new(),
        overlap_secs: 0.0,
        note,
    });
    talk_time(transcript);
}

/// Recomputes each speaker's talk time and share from the labelled segments.
pub fn talk_time(transcript: &mut Transcript) {
    let Some(speakers) = transcript.speakers.as_mut() else { return };
    for speaker in &mut speakers.speakers {
        speaker.speaking_secs = 0.0;
    }
    for segment in &transcript.segments {
        let Some(speaker) = segment.speaker.as_deref().and_then(|l| speakers.speakers.iter_mut().find(|s| s.label == l)) else {
            continue;
        };
        let span = match (segment.words.first(), segment.words.last()) {
            (Some(first), Some(last)) => last.end - first.start,
            _ => segment.end - segment.start,
        };
        speaker.speaking_secs += span.max(0.0);
    }
    let total: f64 = speakers.speakers.iter().map(|s| s.speaking_secs).sum();
    for speaker in &mut speakers.speakers {
        speaker.share = if total > 0.0 { round(speaker.speaking_secs / total, 3) } else { 0.0 };
        speaker.speaking_secs = round(speaker.speaking_secs, 2);
    }
}

/// The segment cut where its words change speaker: `(speaker, piece)` in order.
fn split(segment: Segment, turns: &[Turn], last_speaker: &mut usize) -> Vec<(usize, Segment)> {
    if segment.words.is_empty() {
        let speaker = speaker_at(turns, segment.start, segment.end).unwrap_or(*last_speaker);
        *last_speaker = speaker;
        return vec![(speaker, segment)];
    }
    let speakers: Vec<usize> = segment
        .words
        .iter()
        .map(|word| {
            let speaker = speaker_at(turns, word.start, word.end).unwrap_or(*last_speaker);
            *last_speaker = speaker;
            speaker
        })
        .collect();
    if speakers.iter().all(|&s| s == speakers[0]) {
        return vec![(speakers[0], segment)];
    }
    let mut pieces: Vec<(usize, Vec<Word>)> = Vec::new();
    for (word, speaker) in segment.words.iter().zip(&speakers) {
        match pieces.last_mut() {
            Some((current, words)) if current == speaker => words.push(word.clone()),
            _ => pieces.push((*speaker, vec![word.clone()])),
        }
    }
    let count = pieces.len();
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, (speaker, words))| {
            let start = if i == 0 { segment.start } else { words[0].start };
            let end = if i + 1 == count { segment.end } else { words.last().map_or(start, |w| w.end) };
            let text: String = words.iter().map(|w| w.word.as_str()).collect();
            let text = if text.starts_with(' ') { text } else { format!(" {text}") };
            (speaker, Segment { start, end, text, words, ..segment.clone() })
        })
        .collect()
}

/// The speaker whose turns cover most of `start..end`, else the nearest turn
/// within [`NEAREST_SECS`].
fn speaker_at(turns: &[Turn], start: f64, end: f64) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    let mut nearest: Option<(usize, f64)> = None;
    // Turns are sorted by start: those starting after `end + NEAREST_SECS` cannot matter.
    for turn in turns.iter().take_while(|t| t.start <= end + NEAREST_SECS) {
        let covered = turn.end.min(end) - turn.start.max(start);
        if covered > 0.0 {
            let entry = best.get_or_insert((turn.speaker, 0.0));
            if entry.0 == turn.speaker {
                entry.1 += covered;
            } else if covered > entry.1 {
                *entry = (turn.speaker, covered);
            }
        } else {
            let distance = (turn.start - end).max(start - turn.end);
            if distance <= NEAREST_SECS && nearest.is_none_or(|(_, d)| distance < d) {
                nearest = Some((turn.speaker, distance));
            }
        }
    }
    best.or(nearest).map(|(speaker, _)| speaker)
}

/// Stretches where turns of different speakers overlap (speakers kept in `order`).
fn overlaps(turns: &[Turn], order: &[usize]) -> Vec<Overlap> {
    let mut found: Vec<Overlap> = Vec::new();
    for (i, a) in turns.iter().enumerate() {
        for b in turns[i + 1..].iter().take_while(|b| b.start < a.end) {
            if a.speaker == b.speaker {
                continue;
            }
            let (start, end) = (b.start.max(a.start), a.end.min(b.end));
            let (Some(x), Some(y)) = (order.iter().position(|&s| s == a.speaker), order.iter().position(|&s| s == b.speaker)) else {
                continue;
            };
            if end - start >= MIN_OVERLAP_SECS {
                let mut speakers = vec![label(x.min(y)), label(x.max(y))];
                speakers.dedup();
                found.push(Overlap { start: round(start, 2), end: round(end, 2), speakers });
            }
        }
    }
    found.sort_by(|a, b| a.start.total_cmp(&b.start));
    found
}

/// Total seconds of overlapping speech, rounded to hundredths.
pub fn overlap_secs(overlaps: &[Overlap]) -> f64 {
    round(overlaps.iter().map(|o| o.end - o.start).sum(), 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(start: f64, text: &str) -> Word {
        Word { start, end: start + 0.4, word: format!(" {text}"), probability: 0.9 }
    }

    fn transcript() -> Transcript {
        // One segment that holds a question and the start of its answer.
        let words = vec![word(0.0, "Why"), word(0.5, "this"), word(1.0, "job?"), word(2.0, "Because"), word(2.5, "I")];
        Transcript {
            duration_secs: 3.0,
            segments: vec![Segment { start: 0.0, end: 3.0, text: " Why this job? Because I".into(), words, ..Segment::default() }],
            ..Transcript::default()
        }
    }

    #[test]
    fn a_segment_is_split_where_the_speaker_changes_and_labelled_in_order_of_first_speech() {
        let mut t = transcript();
        let turns = [Turn { start: 1.9, end: 3.0, speaker: 0 }, Turn { start: 0.0, end: 1.5, speaker: 1 }];

        apply(&mut t, &turns, SpeakerSource::Diarization, 0.8);

        let labelled: Vec<(&str, &str)> = t.segments.iter().map(|s| (s.speaker.as_deref().unwrap(), s.text.as_str())).collect();
        assert_eq!(labelled, [("S1", " Why this job?"), ("S2", " Because I")]);
        assert_eq!(t.segments[0].start, 0.0);
        assert_eq!(t.segments[1].end, 3.0);
        let speakers = t.speakers.unwrap();
        assert_eq!(speakers.speakers.len(), 2);
        assert_eq!(speakers.speakers[0].speaking_secs, 1.4);
        assert!((speakers.speakers[0].share + speakers.speakers[1].share - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_speaker_who_said_no_word_is_dropped_and_overlaps_are_reported() {
        let mut t = transcript();
        let turns = [
            Turn { start: 0.0, end: 1.6, speaker: 0 },
            Turn { start: 1.2, end: 3.0, speaker: 1 },
            Turn { start: 10.0, end: 11.0, speaker: 2 },
        ];

        apply(&mut t, &turns, SpeakerSource::Channels, 1.0);

        let speakers = t.speakers.unwrap();
        assert_eq!(speakers.speakers.len(), 2);
        assert_eq!(speakers.overlaps, [Overlap { start: 1.2, end: 1.6, speakers: vec!["S1".into(), "S2".into()] }]);
        assert_eq!(speakers.overlap_secs, 0.4);
    }

    #[test]
    fn one_voice_is_the_candidate() {
        let mut t = transcript();
        single(&mut t, None);
        assert_eq!(t.segments[0].speaker.as_deref(), Some("S1"));
        assert_eq!(t.role_of(&t.segments[0]), Some(SpeakerRole::Candidate));
        assert_eq!(t.speakers.unwrap().speakers[0].share, 1.0);
    }
}

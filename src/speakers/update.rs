//! The user's corrections to a recording's speakers: merges (`["S2", "S3"]`:
//! S3's speech becomes S2's) and roles by label. Everything is checked before
//! anything changes: an unknown label, a label merged into itself, or no
//! candidate left refuses the whole update.

use protocol::speakers::{SpeakerRole, SpeakerSource, SpeakersUpdate};
use protocol::transcript::Transcript;

/// Why an update was refused (each a sentence for the user; answered 422).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum UpdateError {
    #[error("the recording has no speaker labelled {0}")]
    UnknownLabel(String),
    #[error("a label cannot be merged into itself ({0})")]
    SelfMerge(String),
    #[error("no speaker would be the candidate: name one (\"roles\": {{\"S1\": \"candidate\"}})")]
    NoCandidate,
    #[error("the recording's speakers are not known yet")]
    NoSpeakers,
}

/// Applies `update` to `transcript` (segments relabelled, roles set, talk
/// time and overlaps recomputed, `source` = `user`, confidence 1).
pub fn apply(transcript: &Transcript, update: &SpeakersUpdate) -> Result<Transcript, UpdateError> {
    let mut next = transcript.clone();
    let speakers = next.speakers.as_mut().ok_or(UpdateError::NoSpeakers)?;
    let known = |label: &str, speakers: &protocol::speakers::Speakers| speakers.speakers.iter().any(|s| s.label == label);
    for [keep, gone] in update.merge.iter().flatten() {
        for label in [keep, gone] {
            if !known(label, speakers) {
                return Err(UpdateError::UnknownLabel(label.clone()));
            }
        }
        if keep == gone {
            return Err(UpdateError::SelfMerge(keep.clone()));
        }
        speakers.speakers.retain(|s| &s.label != gone);
        for overlap in &mut speakers.overlaps {
            for label in &mut overlap.speakers {
                if label == gone {
                    label.clone_from(keep);
                }
            }
            overlap.speakers.dedup();
        }
        speakers.overlaps.retain(|o| o.speakers.len() > 1);
        for segment in &mut next.segments {
            if segment.speaker.as_deref() == Some(gone.as_str()) {
                segment.speaker = Some(keep.clone());
            }
        }
    }
    let speakers = next.speakers.as_mut().ok_or(UpdateError::NoSpeakers)?;
    for (label, role) in &update.roles {
        let speaker = speakers.speakers.iter_mut().find(|s| &s.label == label).ok_or_else(|| UpdateError::UnknownLabel(label.clone()))?;
        speaker.role = *role;
    }
    if !speakers.speakers.iter().any(|s| s.role == SpeakerRole::Candidate) {
        return Err(UpdateError::NoCandidate);
    }
    speakers.overlap_secs = super::assign::overlap_secs(&speakers.overlaps);
    speakers.source = SpeakerSource::User;
    speakers.confidence = 1.0;
    super::assign::talk_time(&mut next);
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speakers::Turn;
    use crate::speakers::assign;
    use protocol::transcript::{Segment, Word};

    fn three_speakers() -> Transcript {
        let segment = |start: f64, text: &str| Segment {
            start,
            end: start + 1.0,
            text: text.into(),
            words: vec![Word { start, end: start + 1.0, word: text.into(), probability: 1.0 }],
            ..Segment::default()
        };
        let mut t = Transcript { segments: vec![segment(0.0, " Hi?"), segment(2.0, " Hello."), segment(4.0, " Yes.")], ..Transcript::default() };
        let turns = [Turn { start: 0.0, end: 1.0, speaker: 0 }, Turn { start: 2.0, end: 3.0, speaker: 1 }, Turn { start: 4.0, end: 5.0, speaker: 2 }];
        assign::apply(&mut t, &turns, SpeakerSource::Diarization, 0.7);
        t
    }

    #[test]
    fn a_merge_and_roles_relabel_the_speech_and_mark_it_as_the_users() {
        let t = three_speakers();
        let update = SpeakersUpdate {
            roles: [("S1".to_owned(), SpeakerRole::Interviewer), ("S2".to_owned(), SpeakerRole::Candidate)].into(),
            merge: Some(vec![["S2".into(), "S3".into()]]),
        };

        let next = apply(&t, &update).unwrap();

        let labels: Vec<&str> = next.segments.iter().map(|s| s.speaker.as_deref().unwrap()).collect();
        assert_eq!(labels, ["S1", "S2", "S2"]);
        let speakers = next.speakers.unwrap();
        assert_eq!(speakers.source, SpeakerSource::User);
        assert_eq!(speakers.speakers.len(), 2);
        assert_eq!(speakers.speakers[1].speaking_secs, 2.0);
    }

    #[test]
    fn unknown_labels_or_no_candidate_change_nothing() {
        let t = three_speakers();
        let unknown = SpeakersUpdate { roles: [("S9".to_owned(), SpeakerRole::Candidate)].into(), merge: None };
        assert_eq!(apply(&t, &unknown).unwrap_err(), UpdateError::UnknownLabel("S9".into()));
        let none = SpeakersUpdate {
            roles: [("S1", SpeakerRole::Interviewer), ("S2", SpeakerRole::Other), ("S3", SpeakerRole::Interviewer)]
                .map(|(l, r)| (l.to_owned(), r))
                .into(),
            merge: None,
        };
        assert_eq!(apply(&t, &none).unwrap_err(), UpdateError::NoCandidate);
    }
}

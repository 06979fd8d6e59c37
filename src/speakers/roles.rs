//! Roles from what each speaker says: the speaker who asks the most questions
//! is the interviewer; of the others, the one who speaks the most is the
//! candidate; anyone else who asks questions is a panel interviewer, the rest
//! are `other`. Questions are found as the analysis finds them (wording and
//! question marks, [`crate::analysis::structure`]). One speaker is the
//! candidate.
//!
//! Confidence: how clearly the interviewer asks more and says less than the
//! candidate, `0.5 + 0.25 × question margin + 0.25 × word margin` (each margin
//! `(a − b) / (a + b)`, from −1 to 1), times the split's own confidence.

use protocol::speakers::SpeakerRole;
use protocol::transcript::Transcript;

use crate::analysis::{Context, structure, tokens};

/// What one speaker said, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Said {
    questions: usize,
    words: usize,
}

/// Sets every speaker's role in `transcript.speakers` and its confidence.
pub fn assign(transcript: &mut Transcript) {
    let Some(speakers) = transcript.speakers.as_ref() else { return };
    let labels: Vec<String> = speakers.speakers.iter().map(|s| s.label.clone()).collect();
    let said: Vec<Said> = labels.iter().map(|label| count(transcript, label)).collect();
    let roles = decide(&said);
    let Some(speakers) = transcript.speakers.as_mut() else { return };
    for (speaker, role) in speakers.speakers.iter_mut().zip(&roles.0) {
        speaker.role = *role;
    }
    speakers.confidence = tokens::round(speakers.confidence * roles.1, 2);
}

/// Questions and words of one speaker's segments.
fn count(transcript: &Transcript, label: &str) -> Said {
    let own = Transcript {
        segments: transcript.segments.iter().filter(|s| s.speaker.as_deref() == Some(label)).cloned().collect(),
        ..Transcript::default()
    };
    let tokens = tokens::from_transcript(&own);
    let sentences = tokens::sentences(&tokens);
    let layout = structure::layout(&tokens, &sentences, &Context::default());
    Said { questions: layout.questions.len(), words: tokens.len() }
}

/// The role of each speaker and how sure the choice is.
fn decide(said: &[Said]) -> (Vec<SpeakerRole>, f64) {
    let mut roles = vec![SpeakerRole::Other; said.len()];
    if said.len() <= 1 {
        roles.iter_mut().for_each(|r| *r = SpeakerRole::Candidate);
        return (roles, 1.0);
    }
    // Most questions; on a tie, fewer words.
    let Some(interviewer) = (0..said.len()).max_by(|&a, &b| {
        said[a].questions.cmp(&said[b].questions).then(said[b].words.cmp(&said[a].words))
    }) else {
        return (roles, 0.0);
    };
    let Some(candidate) = (0..said.len()).filter(|&i| i != interviewer).max_by_key(|&i| said[i].words) else {
        return (roles, 0.0);
    };
    roles[interviewer] = SpeakerRole::Interviewer;
    roles[candidate] = SpeakerRole::Candidate;
    for (i, role) in roles.iter_mut().enumerate() {
        if *role == SpeakerRole::Other && said[i].questions > 0 {
            *role = SpeakerRole::Interviewer;
        }
    }
    let (i, c) = (said[interviewer], said[candidate]);
    let confidence = 0.5 + 0.25 * margin(i.questions, c.questions) + 0.25 * margin(c.words, i.words);
    (roles, confidence.clamp(0.0, 1.0))
}

fn margin(a: usize, b: usize) -> f64 {
    if a + b == 0 { 0.0 } else { (a as f64 - b as f64) / (a + b) as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_who_asks_is_the_interviewer_and_the_one_who_answers_most_the_candidate() {
        let said = [Said { questions: 0, words: 400 }, Said { questions: 6, words: 90 }, Said { questions: 2, words: 30 }, Said { questions: 0, words: 5 }];
        let (roles, confidence) = decide(&said);
        assert_eq!(roles, [SpeakerRole::Candidate, SpeakerRole::Interviewer, SpeakerRole::Interviewer, SpeakerRole::Other]);
        assert!(confidence > 0.9, "{confidence}");
    }

    #[test]
    fn speakers_that_cannot_be_told_apart_give_a_low_confidence() {
        let (roles, confidence) = decide(&[Said { questions: 2, words: 100 }, Said { questions: 2, words: 100 }]);
        assert_eq!(roles.iter().filter(|r| **r == SpeakerRole::Candidate).count(), 1);
        assert_eq!(confidence, 0.5);
    }

    #[test]
    fn one_speaker_is_the_candidate() {
        assert_eq!(decide(&[Said { questions: 3, words: 50 }]).0, [SpeakerRole::Candidate]);
    }
}

//! Who said what in a recording, between the audio and the analysis: speaker
//! turns (from diarization or from the recording's channels) are laid over the
//! transcript's words, each speaker gets a role (the one asking the questions
//! is the interviewer, the one answering the candidate), and the user may
//! correct roles and merge labels afterwards.
//!
//! - [`assign`]: turns → a speaker label on every segment (segments split
//!   where the speaker changes), talk time and overlaps.
//! - [`roles`]: the interviewer and the candidate, from who asks questions.
//! - [`channels`]: one speaker per channel or track, from their loudness.
//! - [`local`]: the offline diarization engine (Silero VAD + CAM++).
//! - [`update`]: the user's corrections (roles, merges), checked first.

pub mod assign;
pub mod channels;
pub mod local;
pub mod roles;
pub mod update;

/// A stretch of speech by one speaker (speakers numbered from 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Turn {
    pub start: f64,
    pub end: f64,
    pub speaker: usize,
}

/// The label of speaker `index` (0 → `S1`).
pub fn label(index: usize) -> String {
    format!("S{}", index + 1)
}

/// A diarization engine: who spoke when in a 16 kHz mono WAV file, and how
/// clearly the voices are separated (0–1).
pub trait Diarize: Send + Sync {
    /// `progress` receives the share done (0 to 1) as the work goes.
    fn turns(&self, wav: &std::path::Path, progress: &mut dyn FnMut(f64)) -> anyhow::Result<(Vec<Turn>, f64)>;
}

/// Labels `transcript`'s speakers and their roles: one per channel when the
/// recording's channels hold different people (`envelope`), else by
/// `diarizer`, else one voice. Never fails: a diarization error leaves one
/// speaker and a note saying so.
/// `diarizer` is the engine, or why there is none (said in the note of a
/// one-channel recording then taken as one voice).
pub fn identify(
    transcript: &mut protocol::transcript::Transcript,
    envelope: Option<&std::path::Path>,
    wav: &std::path::Path,
    diarizer: Result<&dyn Diarize, &str>,
    progress: &mut dyn FnMut(f64),
) {
    use protocol::speakers::SpeakerSource;
    let by_channel = envelope.and_then(|path| match channels::read(path) {
        Ok((count, values)) => channels::turns(count, &values),
        Err(error) => {
            tracing::warn!(error = %error, "the channel envelope could not be read");
            None
        }
    });
    let found = match (by_channel, diarizer) {
        (Some((turns, confidence)), _) => Ok(Some((turns, confidence, SpeakerSource::Channels))),
        (None, Ok(diarizer)) => diarizer.turns(wav, progress).map(|(turns, confidence)| Some((turns, confidence, SpeakerSource::Diarization))),
        (None, Err(reason)) => Err(anyhow::anyhow!("{reason}")),
    };
    match found {
        Ok(Some((turns, confidence, source))) => {
            assign::apply(transcript, &turns, source, confidence);
            if transcript.speakers.as_ref().is_some_and(|s| s.speakers.len() < 2) {
                assign::single(transcript, None);
            }
        }
        Ok(None) => assign::single(transcript, None),
        Err(error) => {
            tracing::info!(error = format!("{error:#}"), "no diarization; the recording is taken as one voice");
            let note = format!(
                "The speakers could not be told apart ({error:#}), so the recording is taken as one voice: questions are found from their wording and every other word is counted as yours."
            );
            assign::single(transcript, Some(note));
        }
    }
    roles::assign(transcript);
}

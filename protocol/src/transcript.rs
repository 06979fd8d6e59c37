//! Transcripts: what a speech-to-text engine (local Whisper or a remote
//! endpoint) makes of a recording. Times are seconds from the start of the
//! audio; confidences are the engine's own (average log-probability and
//! no-speech probability per segment, probability per word).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A recording's words, in segments with timestamps.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Transcript {
    /// ISO 639-1 code of the spoken language (`en`).
    pub language: String,
    /// Length of the audio in seconds.
    pub duration_secs: f64,
    /// The engine that produced it (`whisper-base (local)`, `whisper-1 (remote)`).
    pub engine: String,
    pub segments: Vec<Segment>,
    /// Who speaks, once the speakers have been told apart (absent before).
    #[serde(default)]
    pub speakers: Option<crate::speakers::Speakers>,
}

/// A stretch of speech the engine decoded as one piece.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// Mean log-probability of the segment's tokens (closer to 0 is surer).
    pub avg_logprob: f64,
    /// Probability that the window held no speech at all.
    pub no_speech_prob: f64,
    /// Set when the engine was unsure (`avg_logprob` below the threshold): shown
    /// to the user, never hidden.
    pub low_confidence: bool,
    /// Word timestamps, when the engine gives them (empty otherwise).
    #[serde(default)]
    pub words: Vec<Word>,
    /// The speaker's label (`S1`, `S2`, …); absent until speakers are told apart.
    #[serde(default)]
    pub speaker: Option<String>,
}

/// One word with its timing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Word {
    pub start: f64,
    pub end: f64,
    /// The word as written, with any leading space or punctuation the engine attached.
    pub word: String,
    pub probability: f64,
}

impl Transcript {
    /// The whole text, segments joined by single spaces.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for segment in &self.segments {
            let piece = segment.text.trim();
            if piece.is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(piece);
        }
        text
    }

    /// The role of a segment's speaker, when speakers and roles are known.
    pub fn role_of(&self, segment: &Segment) -> Option<crate::speakers::SpeakerRole> {
        let label = segment.speaker.as_deref()?;
        self.speakers.as_ref()?.role_of(label)
    }

    /// Every word in order, across segments.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.segments.iter().flat_map(|s| s.words.iter())
    }
}

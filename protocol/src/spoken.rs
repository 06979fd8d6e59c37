//! Spoken practice answers: how an answer said out loud was delivered, and
//! the frames and bodies of recording one (`POST …/questions/{q}/audio`, or
//! live over the WebSocket with `practice.audio.*` frames).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a spoken answer was said, measured by the same code as recordings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Delivery {
    /// Length of the recording, seconds.
    pub duration_secs: f64,
    /// The length aimed at for the question's category, seconds (`[shortest, longest]`).
    pub target_secs: [u32; 2],
    /// Words over speaking time, long pauses left out (0 for a few words).
    pub words_per_minute: f64,
    pub fillers: DeliveryFillers,
    pub pauses: DeliveryPauses,
    /// The job description's key terms said and not said (both empty without one).
    pub job_terms: JobTerms,
    /// The content words said most often (three times or more), most first.
    pub repeated_words: Vec<WordCount>,
}

/// Fillers of a spoken answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DeliveryFillers {
    pub total: usize,
    pub per_minute: f64,
    /// How often each filler was said (`{"um": 3, "you know": 1}`).
    pub by_word: BTreeMap<String, usize>,
}

/// Pauses of 0.6 s or more inside a spoken answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DeliveryPauses {
    pub count: usize,
    /// 0 when there is none.
    pub longest_secs: f64,
}

/// The job description's key terms in a spoken answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct JobTerms {
    pub used: Vec<String>,
    pub missed: Vec<String>,
}

/// A word and how often it was said.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct WordCount {
    pub word: String,
    pub count: usize,
}

/// `202` to a posted recording: it is being transcribed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AudioAccepted {
    /// Names this spoken answer in the pushes that follow.
    pub answer_id: String,
}

/// Containers a spoken answer may come in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    Webm,
    Ogg,
    Mp4,
    Mpeg,
    Wav,
}

impl AudioFormat {
    /// The format of a `Content-Type` (its parameters ignored), if it is one of ours.
    pub fn from_content_type(value: &str) -> Option<Self> {
        let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "audio/webm" | "video/webm" => Some(Self::Webm),
            "audio/ogg" | "audio/opus" => Some(Self::Ogg),
            "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "video/mp4" | "audio/aac" => Some(Self::Mp4),
            "audio/mpeg" | "audio/mp3" => Some(Self::Mpeg),
            "audio/wav" | "audio/wave" | "audio/x-wav" | "audio/vnd.wave" => Some(Self::Wav),
            _ => None,
        }
    }

    /// The file extension that helps the container probe.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Webm => "webm",
            Self::Ogg => "ogg",
            Self::Mp4 => "mp4",
            Self::Mpeg => "mp3",
            Self::Wav => "wav",
        }
    }
}

/// `practice.answer.transcribed`: a spoken answer is now the question's answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AnswerTranscribed {
    pub session_id: String,
    pub question_id: String,
    pub answer_id: String,
    pub text: String,
    pub delivery: Delivery,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_name_their_format_whatever_their_parameters() {
        assert_eq!(AudioFormat::from_content_type("audio/webm;codecs=opus"), Some(AudioFormat::Webm));
        assert_eq!(AudioFormat::from_content_type("Audio/MP4"), Some(AudioFormat::Mp4));
        assert_eq!(AudioFormat::from_content_type("audio/wav"), Some(AudioFormat::Wav));
        assert_eq!(AudioFormat::from_content_type("text/plain"), None);
        assert_eq!(AudioFormat::from_content_type(""), None);
    }

    #[test]
    fn a_format_reads_as_the_contract_names_it() {
        let format: AudioFormat = serde_json::from_str("\"webm\"").unwrap();
        assert_eq!(format, AudioFormat::Webm);
        assert!(serde_json::from_str::<AudioFormat>("\"flac\"").is_err());
    }
}

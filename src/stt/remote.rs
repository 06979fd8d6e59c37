//! A remote OpenAI-compatible speech-to-text endpoint as a [`Transcriber`]:
//! `POST {transcription.base_url}/audio/transcriptions` through async-openai,
//! `verbose_json` with segment and word timestamps.
//!
//! The decoded 16 kHz audio is sent as WAV in pieces no larger than
//! `transcription.max_upload_bytes` (OpenAI takes 25 MB, about 13 minutes);
//! each piece's times are shifted by its start. The response is read with our
//! own lenient type (the `byot` path): servers other than OpenAI often leave
//! out fields async-openai's type requires (`usage`), and word timestamps may
//! be missing altogether — segments are enough for the analysis.

use std::io::Cursor;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::audio::{AudioInput, AudioResponseFormat, CreateTranscriptionRequest, TimestampGranularity};
use protocol::transcript::{Segment, Transcript, Word};
use secrecy::ExposeSecret as _;
use serde::Deserialize;

use super::{Options, Pcm, Progress, SttError, Transcriber};
use crate::audio::SPEECH_RATE;
use crate::config::TranscriptionSettings;

/// The endpoint's `verbose_json` answer, every field optional.
#[derive(Debug, Deserialize, Default)]
struct Verbose {
    #[serde(default)]
    language: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    segments: Vec<RemoteSegment>,
    #[serde(default)]
    words: Vec<RemoteWord>,
}

#[derive(Debug, Deserialize)]
struct RemoteSegment {
    start: f64,
    end: f64,
    text: String,
    #[serde(default)]
    avg_logprob: f64,
    #[serde(default)]
    no_speech_prob: f64,
}

#[derive(Debug, Deserialize)]
struct RemoteWord {
    word: String,
    start: f64,
    end: f64,
}

/// A client of one endpoint and model.
pub struct RemoteTranscriber {
    client: Client<OpenAIConfig>,
    model: String,
    /// Samples per request (from the upload limit).
    piece_samples: usize,
    timeout: Duration,
    low_confidence_logprob: f64,
}

impl RemoteTranscriber {
    pub fn new(settings: &TranscriptionSettings) -> Self {
        let config = OpenAIConfig::new()
            .with_api_base(settings.base_url.trim().trim_end_matches('/'))
            .with_api_key(settings.api_key.expose_secret());
        // 16-bit mono: two bytes a sample, less the 44-byte header.
        let piece_samples = (settings.max_upload_bytes.saturating_sub(44) / 2).max(u64::from(SPEECH_RATE)) as usize;
        Self {
            client: Client::with_config(config),
            model: settings.model.clone(),
            piece_samples,
            timeout: Duration::from_secs(settings.timeout_secs.max(1)),
            low_confidence_logprob: settings.low_confidence_logprob,
        }
    }

    async fn transcribe_piece(&self, samples: &[f32], options: &Options) -> Result<Verbose, SttError> {
        let request = CreateTranscriptionRequest {
            file: AudioInput::from_vec_u8(String::from("audio.wav"), wav_bytes(samples)?),
            model: self.model.clone(),
            prompt: options.initial_prompt.clone(),
            response_format: Some(AudioResponseFormat::VerboseJson),
            timestamp_granularities: Some(vec![TimestampGranularity::Segment, TimestampGranularity::Word]),
            ..Default::default()
        };
        let audio = self.client.audio();
        let transcription = audio.transcription();
        let call = transcription.create_verbose_json_byot::<_, Verbose>(request);
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(verbose)) => Ok(verbose),
            Ok(Err(error)) => Err(SttError::Remote(error.to_string())),
            Err(_) => Err(SttError::Remote(format!("no answer within {} s", self.timeout.as_secs()))),
        }
    }
}

#[async_trait::async_trait]
impl Transcriber for RemoteTranscriber {
    fn engine(&self) -> String {
        format!("{} (remote)", self.model)
    }

    async fn transcribe(&self, mut pcm: Box<dyn Pcm>, options: Options, mut progress: Progress) -> Result<Transcript, SttError> {
        let total = pcm.samples();
        let mut transcript = Transcript {
            duration_secs: total as f64 / f64::from(SPEECH_RATE),
            engine: self.engine(),
            ..Transcript::default()
        };
        let mut start = 0;
        while start < total {
            let samples = pcm.read(start, self.piece_samples).map_err(SttError::Engine)?;
            if samples.is_empty() {
                break;
            }
            let offset = start as f64 / f64::from(SPEECH_RATE);
            let verbose = self.transcribe_piece(&samples, &options).await?;
            if transcript.language.is_empty() {
                transcript.language = language_code(&verbose.language);
            }
            transcript.segments.extend(segments(verbose, offset, self.low_confidence_logprob));
            start += samples.len();
            progress(start as f64 / total.max(1) as f64);
        }
        Ok(transcript)
    }
}

/// The endpoint's segments with their words, shifted by `offset` seconds.
fn segments(verbose: Verbose, offset: f64, low_confidence_logprob: f64) -> Vec<Segment> {
    let mut words = verbose.words.into_iter().peekable();
    let mut segments: Vec<Segment> = verbose
        .segments
        .into_iter()
        .map(|s| {
            let mut segment = Segment {
                start: s.start + offset,
                end: s.end + offset,
                text: s.text,
                avg_logprob: s.avg_logprob,
                no_speech_prob: s.no_speech_prob,
                low_confidence: s.avg_logprob < low_confidence_logprob,
                words: Vec::new(),
                speaker: None,
            };
            // Words belong to the segment they start in.
            while let Some(word) = words.next_if(|w| w.start < s.end || s.end <= s.start) {
                segment.words.push(Word {
                    start: word.start + offset,
                    end: word.end + offset,
                    word: format!(" {}", word.word.trim()),
                    probability: 1.0,
                });
            }
            punctuate(&mut segment);
            segment
        })
        .collect();
    if let Some(last) = segments.last_mut() {
        last.words.extend(words.map(|w| Word { start: w.start + offset, end: w.end + offset, word: format!(" {}", w.word.trim()), probability: 1.0 }));
    }
    if segments.is_empty() && !verbose.text.trim().is_empty() {
        segments.push(Segment { start: offset, end: offset, text: verbose.text, ..Segment::default() });
    }
    segments
}

/// OpenAI's word timestamps come without punctuation, which the analysis
/// reads (questions end in `?`, sentences in `.`): each word takes its
/// written form from the segment's text when the letters agree.
fn punctuate(segment: &mut Segment) {
    let letters = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    let mut written = segment.text.split_whitespace().peekable();
    for word in &mut segment.words {
        let bare = letters(&word.word);
        // Skip written tokens the engine did not time (rare), up to a few.
        for _ in 0..3 {
            match written.peek() {
                Some(token) if letters(token) == bare => {
                    word.word = format!(" {token}");
                    written.next();
                    break;
                }
                Some(_) => {
                    written.next();
                }
                None => break,
            }
        }
    }
}

/// OpenAI answers `english`; transcripts carry ISO 639-1 codes.
fn language_code(language: &str) -> String {
    match language.to_lowercase().as_str() {
        "english" => "en".into(),
        "french" => "fr".into(),
        "german" => "de".into(),
        "spanish" => "es".into(),
        other => other.chars().take(8).collect(),
    }
}

/// 16-bit mono 16 kHz WAV bytes of `samples`.
fn wav_bytes(samples: &[f32]) -> Result<Vec<u8>, SttError> {
    let spec = hound::WavSpec { channels: 1, sample_rate: SPEECH_RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut bytes = Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    let mut writer = hound::WavWriter::new(&mut bytes, spec).map_err(|e| SttError::Engine(e.into()))?;
    for &sample in samples {
        writer.write_sample(crate::audio::to_i16(sample)).map_err(|e| SttError::Engine(e.into()))?;
    }
    writer.finalize().map_err(|e| SttError::Engine(e.into()))?;
    Ok(bytes.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_land_in_their_segments_and_pieces_are_shifted() {
        let verbose: Verbose = serde_json::from_value(serde_json::json!({
            "language": "english", "duration": 4.0, "text": "Hello there. Tell me more?",
            "segments": [
                {"start": 0.0, "end": 1.5, "text": " Hello there.", "avg_logprob": -0.2, "no_speech_prob": 0.0},
                {"start": 2.0, "end": 4.0, "text": " Tell me more?", "avg_logprob": -1.4, "no_speech_prob": 0.1}
            ],
            "words": [
                {"word": "Hello", "start": 0.0, "end": 0.5}, {"word": "there.", "start": 0.6, "end": 1.2},
                {"word": "Tell", "start": 2.0, "end": 2.3}, {"word": "me", "start": 2.4, "end": 2.6},
                {"word": "more?", "start": 2.7, "end": 3.2}
            ]
        }))
        .unwrap();
        let segments = segments(verbose, 10.0, -1.0);
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].words.len(), 2);
        assert_eq!(segments[1].words.len(), 3);
        assert_eq!(segments[1].start, 12.0);
        assert_eq!(segments[1].words[0].word, " Tell");
        assert!(segments[1].low_confidence && !segments[0].low_confidence);
    }

    #[test]
    fn bare_words_take_their_punctuation_from_the_segment_text() {
        let verbose: Verbose = serde_json::from_value(serde_json::json!({
            "segments": [{"start": 0.0, "end": 3.0, "text": " Um, what did you do?"}],
            "words": [{"word": "Um", "start": 0.0, "end": 0.2}, {"word": "what", "start": 0.3, "end": 0.5},
                      {"word": "did", "start": 0.6, "end": 0.7}, {"word": "you", "start": 0.8, "end": 0.9},
                      {"word": "do", "start": 1.0, "end": 1.2}]
        }))
        .unwrap();
        let words: Vec<String> = segments(verbose, 0.0, -1.0)[0].words.iter().map(|w| w.word.clone()).collect();
        assert_eq!(words, [" Um,", " what", " did", " you", " do?"]);
    }

    #[test]
    fn an_answer_without_usage_or_words_still_reads() {
        let verbose: Verbose = serde_json::from_str(r#"{"text":"Hi.","segments":[{"start":0,"end":1,"text":"Hi."}]}"#).unwrap();
        let segments = segments(verbose, 0.0, -1.0);
        assert_eq!(segments[0].text, "Hi.");
        assert!(segments[0].words.is_empty());
    }
}

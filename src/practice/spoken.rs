//! A spoken practice answer, however it came (a posted recording, or a live
//! stream over a socket, [`super::live`]): decoded to 16 kHz mono by the
//! recordings' media code, refused when it holds no speech or runs too long,
//! transcribed (the local Whisper or the endpoint), measured for delivery by
//! the recordings' analysis ([`crate::analysis::delivery`]), stored as the
//! question's answer, pushed (`practice.answer.transcribed`), then coached as
//! a typed answer is. The audio is never written to disk: it lives in memory
//! until it is transcribed, then it is dropped.

use std::sync::Arc;

use actix::Addr;
use actors::Hub;
use actors::hub::Broadcast;
use protocol::error::ErrorDetail;
use protocol::practice::{PracticeAction, PracticeSession};
use protocol::spoken::{AnswerTranscribed, AudioFormat, Delivery};
use protocol::transcript::Transcript;
use protocol::ws::ServerFrame;

use crate::config::Settings;
use crate::llm::ChatChoice;
use crate::media::{self, AudioInfo, MediaError};
use crate::models::loader::LocalEngines;
use crate::pipeline::SpeechEngine;
use crate::practice::answers::store_answers;
use crate::practice::coaching_stream::start_coaching;
use crate::practice::reading::Readings;
use crate::practice::writer::writer;
use crate::store::Store;
use crate::stt::Options;

/// Less voiced audio than this (seconds of frames above the silence level)
/// is no answer.
pub const MIN_SPEECH_SECS: f64 = 0.3;

/// Why a spoken answer cannot be used; every message is for the user.
#[derive(Debug, thiserror::Error)]
pub enum SpokenError {
    #[error("{0:?} is not an audio format Debrief takes: send audio/webm, audio/ogg, audio/mp4, audio/mpeg or audio/wav")]
    UnknownFormat(String),
    #[error("the recording cannot be decoded: {0}")]
    Undecodable(String),
    #[error("no speech was heard in the recording; check the microphone and say the answer again")]
    NoSpeech,
    #[error("the answer is longer than the limit of {0} seconds")]
    TooLong(u64),
    #[error("the recording is larger than the limit of {0} bytes")]
    TooLarge(usize),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("a {0} practice session takes no more answers")]
    Closed(&'static str),
    #[error("{0}")]
    EngineUnavailable(String),
    #[error("transcription failed: {0}")]
    Transcription(String),
    /// The answer was given up before its end (the socket closed, the audio stopped coming).
    #[error("{0}")]
    NotSaved(String),
    #[error("the answer could not be stored")]
    Store(#[from] anyhow::Error),
}

impl SpokenError {
    /// The snake_case code of its error body or frame.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownFormat(_) => "unsupported_audio_format",
            Self::Undecodable(_) => "undecodable_audio",
            Self::NoSpeech => "no_speech",
            Self::TooLong(_) => "answer_too_long",
            Self::TooLarge(_) => "payload_too_large",
            Self::NotFound(_) => "not_found",
            Self::Closed(_) => "illegal_transition",
            Self::EngineUnavailable(_) => "speech_unavailable",
            Self::Transcription(_) => "transcription_failed",
            Self::NotSaved(_) => "answer_not_saved",
            Self::Store(_) => "internal_error",
        }
    }

    /// As the `error` of a frame.
    pub fn detail(&self) -> ErrorDetail {
        ErrorDetail::new(self.code(), self.to_string())
    }
}

impl From<MediaError> for SpokenError {
    fn from(error: MediaError) -> Self {
        match error {
            MediaError::TooLong { limit_secs } => Self::TooLong(limit_secs),
            MediaError::Empty => Self::NoSpeech,
            other => Self::Undecodable(other.to_string()),
        }
    }
}

/// A recording decoded to 16 kHz mono.
pub struct Decoded {
    pub pcm: Vec<f32>,
    pub info: AudioInfo,
}

/// Decodes a whole recording held in memory (blocking: run it off the async threads).
pub fn decode_bytes(bytes: Vec<u8>, format: AudioFormat, max_secs: u64) -> Result<Decoded, SpokenError> {
    let mut pcm = Vec::new();
    let source = Box::new(std::io::Cursor::new(bytes));
    let info = media::decode(source, Some(format.extension()), None, max_secs, &mut |samples| {
        pcm.extend_from_slice(samples);
        Ok(())
    })?;
    Ok(Decoded { pcm, info })
}

/// Refuses a recording with (next to) no sound above the silence level.
pub fn check_speech(decoded: &Decoded) -> Result<(), SpokenError> {
    let voiced_secs = decoded.info.duration_secs * (1.0 - decoded.info.silence_share);
    if voiced_secs < MIN_SPEECH_SECS {
        return Err(SpokenError::NoSpeech);
    }
    Ok(())
}

/// The question a spoken answer answers, and what its measures need.
#[derive(Debug, Clone)]
pub struct Target {
    pub owner: String,
    pub session_id: String,
    pub question_id: String,
    pub category: String,
    pub job_description: Option<String>,
}

/// What spoken answers need from the rest of the server.
#[derive(Clone)]
pub struct Spoken {
    pub store: Store,
    pub hub: Addr<Hub>,
    pub speech: SpeechEngine,
    pub settings: Arc<Settings>,
    pub chat_choice: ChatChoice,
    /// The local models (the learned STAR reader's embedding model).
    pub local: LocalEngines,
}

impl Spoken {
    /// The owner's question, if their session still takes answers.
    pub async fn target(&self, owner: &str, session_id: &str, question_id: &str) -> Result<Target, SpokenError> {
        let session = self.store.practice(owner, session_id).await?.ok_or(SpokenError::NotFound("practice session"))?;
        let question = session.questions.iter().find(|q| q.id == question_id).ok_or(SpokenError::NotFound("question"))?;
        if session.status.after(PracticeAction::Answer).is_none() {
            return Err(SpokenError::Closed(session.status.as_str()));
        }
        Ok(Target {
            owner: owner.to_owned(),
            session_id: session_id.to_owned(),
            question_id: question_id.to_owned(),
            category: question.category.clone(),
            job_description: session.job_description.clone(),
        })
    }

    /// Transcribes `pcm` with the configured engine.
    pub async fn transcribe(&self, pcm: Box<dyn crate::stt::Pcm>, options: Options) -> Result<Transcript, SpokenError> {
        let engine = self.speech.get().await.map_err(|failure| SpokenError::EngineUnavailable(failure.message))?;
        engine.transcribe(pcm, options, Box::new(|_| {})).await.map_err(|e| SpokenError::Transcription(e.to_string()))
    }

    /// Transcribes, measures and stores a decoded answer, pushes it and
    /// starts its coaching; on failure the user's sockets are told why and
    /// the previous answer stays.
    pub async fn finish(&self, target: Target, answer_id: String, stream_id: Option<String>, decoded: Decoded) {
        let started = std::time::Instant::now();
        let result = self.finish_inner(&target, &answer_id, decoded).await;
        metrics::histogram!("debrief_spoken_answer_seconds").record(started.elapsed().as_secs_f64());
        match result {
            Ok(()) => metrics::counter!("debrief_spoken_answers_total", "outcome" => "stored").increment(1),
            Err(error) => {
                metrics::counter!("debrief_spoken_answers_total", "outcome" => error.code()).increment(1);
                if let SpokenError::Store(cause) = &error {
                    tracing::error!(error = format!("{cause:#}"), "storing a spoken answer failed");
                }
                self.push(&target.owner, ServerFrame::PracticeAudioError {
                    stream_id,
                    answer_id: Some(answer_id),
                    session_id: target.session_id.clone(),
                    question_id: target.question_id.clone(),
                    error: error.detail(),
                });
            }
        }
    }

    async fn finish_inner(&self, target: &Target, answer_id: &str, decoded: Decoded) -> Result<(), SpokenError> {
        let silences = crate::silence::silences(&mut decoded.pcm.as_slice(), crate::analysis::pace::PAUSE_SECS).unwrap_or_default();
        let duration_secs = decoded.info.duration_secs;
        let options = Options { word_timestamps: true, beam_size: self.settings.practice.answer_beam_size.max(1), ..Options::default() };
        let mut transcript = self.transcribe(Box::new(decoded.pcm), options).await?;
        transcript.duration_secs = transcript.duration_secs.max(duration_secs);
        let text = transcript.segments.iter().map(|s| s.text.trim()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return Err(SpokenError::NoSpeech);
        }
        let text: String = text.chars().take(self.settings.practice.max_answer_chars).collect();
        let context = crate::analysis::Context { job_description: target.job_description.clone(), silences, ..Default::default() };
        let delivery = crate::analysis::delivery::delivery(&transcript, &context, &target.category);
        let session = self.store(target, answer_id, &text, &delivery).await?;
        self.push(&target.owner, ServerFrame::PracticeAnswerTranscribed(AnswerTranscribed {
            session_id: target.session_id.clone(),
            question_id: target.question_id.clone(),
            answer_id: answer_id.to_owned(),
            text,
            delivery,
        }));
        start_coaching(&self.hub, &self.store, writer(&self.chat_choice, &self.settings.practice), &target.owner, session, &target.question_id);
        Ok(())
    }

    /// Stores the transcript as the question's answer, with its delivery.
    async fn store(&self, target: &Target, answer_id: &str, text: &str, delivery: &Delivery) -> Result<PracticeSession, SpokenError> {
        let answers = [(target.question_id.clone(), text.to_owned())];
        let readings = Readings::prepare(self.local.star_reader().await, [text.to_owned()]).await;
        let changed = self
            .store
            .change_practice(&target.owner, &target.session_id, |session| {
                store_answers(session, &answers, &readings).map_err(|refused| match refused {
                    crate::error::ApiError::Conflict { .. } => SpokenError::Closed(session.status.as_str()),
                    _ => SpokenError::NotFound("question"),
                })?;
                let answer = session.answers.iter_mut().find(|a| a.question_id == target.question_id).ok_or(SpokenError::NotFound("question"))?;
                answer.delivery = Some(delivery.clone());
                answer.answer_id = Some(answer_id.to_owned());
                Ok(())
            })
            .await?;
        changed.ok_or(SpokenError::NotFound("practice session"))?
    }

    /// Sends a frame to every socket of `owner`.
    pub fn push(&self, owner: &str, frame: ServerFrame) {
        self.hub.do_send(Broadcast { user_id: owner.to_owned(), frame: Arc::new(frame) });
    }
}

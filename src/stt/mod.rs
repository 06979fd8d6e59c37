//! Speech to text: the `Transcriber` port the analysis jobs call, and the
//! offline Whisper engine behind it.
//!
//! - [`ct2`]: reads the CTranslate2 `model.bin` the registry packages carry.
//! - [`whisper`]: the network (fused projections, decoder cache, cross-attention weights).
//! - [`attention`], [`vecmath`]: its attention, exp and GELU, made fast on the CPU.
//! - [`mel`]: the log-mel spectrogram and its filter bank.
//! - [`decode`]: one window: timestamp rules, temperature fallback, no-speech.
//! - [`align`]: word timestamps by dynamic time warping over cross-attention.
//! - [`local`]: the window loop that makes a [`Transcript`].
//! - [`remote`]: an OpenAI-compatible `/audio/transcriptions` endpoint.
//! - [`wer`]: word error rate, to score transcripts of scripted audio.

pub mod align;
pub mod attention;
pub mod ct2;
pub mod decode;
pub mod local;
pub mod mel;
pub mod remote;
pub mod vecmath;
pub mod wer;
pub mod whisper;

use std::sync::Arc;

use protocol::transcript::Transcript;

pub use local::{LocalWhisper, Options, Pcm};

/// Reports the share of the audio done (0–1).
pub type Progress = Box<dyn FnMut(f64) + Send>;

/// Why a transcription failed.
#[derive(Debug, thiserror::Error)]
pub enum SttError {
    #[error("no speech-to-text engine is ready ({0})")]
    Unavailable(String),
    #[error("transcription failed: {0:#}")]
    Engine(#[from] anyhow::Error),
    #[error("the transcription service failed: {0}")]
    Remote(String),
}

/// Turns 16 kHz mono audio into a transcript.
#[async_trait::async_trait]
pub trait Transcriber: Send + Sync {
    /// `whisper-base (local)`, or the remote model's name.
    fn engine(&self) -> String;
    async fn transcribe(&self, pcm: Box<dyn Pcm>, options: Options, progress: Progress) -> Result<Transcript, SttError>;
}

/// The local engine as a [`Transcriber`]: one transcription at a time on a
/// dedicated thread (a window already keeps both cores busy), never on the
/// async runtime's threads.
pub struct LocalTranscriber {
    whisper: Arc<LocalWhisper>,
    /// The model's own options (its style prompt, the beam width); a
    /// caller's prompt and beam width win.
    defaults: Options,
    one_at_a_time: tokio::sync::Semaphore,
}

impl LocalTranscriber {
    pub fn new(whisper: LocalWhisper, defaults: Options) -> Self {
        Self { whisper: Arc::new(whisper), defaults, one_at_a_time: tokio::sync::Semaphore::new(1) }
    }
}

#[async_trait::async_trait]
impl Transcriber for LocalTranscriber {
    fn engine(&self) -> String {
        self.whisper.engine()
    }

    async fn transcribe(&self, mut pcm: Box<dyn Pcm>, mut options: Options, mut progress: Progress) -> Result<Transcript, SttError> {
        if options.initial_prompt.is_none() {
            options.initial_prompt.clone_from(&self.defaults.initial_prompt);
        }
        if options.beam_size == 0 {
            options.beam_size = self.defaults.beam_size;
        }
        let _turn = self.one_at_a_time.acquire().await.map_err(|e| SttError::Unavailable(e.to_string()))?;
        let whisper = Arc::clone(&self.whisper);
        let (done, result) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name(String::from("debrief-stt"))
            .spawn(move || {
                let transcript = whisper.transcribe(pcm.as_mut(), &options, &mut *progress);
                done.send(transcript).ok();
            })
            .map_err(|e| SttError::Unavailable(e.to_string()))?;
        result.await.map_err(|_| SttError::Unavailable(String::from("the transcription thread stopped")))?.map_err(SttError::Engine)
    }
}

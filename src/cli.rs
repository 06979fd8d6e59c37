//! The command line: `debrief` (= `debrief serve`) and its options.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Debrief: an interview-coaching server.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// A TOML file overriding the built-in defaults (config/default.toml).
    #[arg(long, global = true, env = "DEBRIEF_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Print the effective configuration's defaults file and exit.
    DefaultConfig,
    /// Offline model weights.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Upload a recording to a Debrief server (tus, resumable) with a progress line.
    Upload(Box<crate::upload_client::UploadArgs>),
    /// Transcribe a WAV file with the local speech model (fetched if missing).
    Transcribe(TranscribeArgs),
}

#[derive(Debug, clap::Args)]
pub struct TranscribeArgs {
    /// The recording (WAV, any rate and channels).
    pub file: PathBuf,
    /// The local model (default: `models.stt`).
    #[arg(long)]
    pub model: Option<String>,
    /// Print the whole transcript as JSON (segments, words, timings).
    #[arg(long)]
    pub json: bool,
    /// Skip word timestamps (faster).
    #[arg(long)]
    pub no_words: bool,
    /// Print how long the transcription took (model loading excluded) and
    /// its real-time factor (audio seconds per second) to stderr.
    #[arg(long)]
    pub timing: bool,
    /// Text the model reads as if spoken before the audio (default: the
    /// model's own style prompt; "" for none).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Hypotheses of the beam search (default: `transcription.beam_size`; 1: greedy).
    #[arg(long)]
    pub beam: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Fetch, verify and install the offline model weights into `models.dir`
    /// (nothing to do when they are present and valid).
    Fetch {
        /// Only this kind of model.
        #[arg(long, value_enum)]
        only: Option<ModelKind>,
        /// Also fetch the better, slower options (the 1.5B chat model).
        #[arg(long)]
        quality: bool,
    },
}

/// Kinds of offline model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelKind {
    Chat,
    /// Speech to text.
    Stt,
    /// Sentence embeddings.
    Embed,
    /// Speaker diarization (voice activity and speaker embeddings).
    Diarize,
}

impl From<ModelKind> for crate::models::catalog::Kind {
    fn from(kind: ModelKind) -> Self {
        match kind {
            ModelKind::Chat => Self::Chat,
            ModelKind::Stt => Self::Stt,
            ModelKind::Embed => Self::Embed,
            ModelKind::Diarize => Self::Diarize,
        }
    }
}

//! The offline diarization engine: Silero VAD and CAM++ speaker embeddings
//! (the `debrief-diarize` crate) over the job's 16 kHz WAV, read a window at
//! a time so memory stays bounded whatever the recording's length.

use std::path::Path;

use anyhow::Context as _;

use super::{Diarize, Turn};
use crate::stt::Pcm as _;

/// The loaded models and how many speakers to look for.
pub struct LocalDiarizer {
    models: debrief_diarize::Models,
    options: debrief_diarize::Options,
    name: &'static str,
}

impl LocalDiarizer {
    /// Loads `vad.onnx` and `campplus.pt` from the model's folder.
    pub fn load(dir: &Path, name: &'static str, max_speakers: usize) -> anyhow::Result<Self> {
        let models = debrief_diarize::Models::load(&dir.join("vad.onnx"), &dir.join("campplus.pt"))
            .with_context(|| format!("cannot load the diarization models from {}", dir.display()))?;
        let options = debrief_diarize::Options { max_speakers: max_speakers.max(1), ..debrief_diarize::Options::default() };
        Ok(Self { models, options, name })
    }

    /// The engine's name for people (`GET /api/v1/models`).
    pub fn engine(&self) -> String {
        format!("{} (local)", self.name)
    }
}

/// The job's WAV as the diarizer reads it.
struct WavAudio(crate::audio::WavPcm);

impl debrief_diarize::Audio for WavAudio {
    fn samples(&self) -> usize {
        self.0.samples()
    }

    fn read(&mut self, start: usize, len: usize) -> anyhow::Result<Vec<f32>> {
        self.0.read(start, len)
    }
}

impl Diarize for LocalDiarizer {
    fn turns(&self, wav: &Path, progress: &mut dyn FnMut(f64)) -> anyhow::Result<(Vec<Turn>, f64)> {
        let pcm = crate::audio::WavPcm::open(wav)?.context("the decoded audio is not at 16 kHz")?;
        let found = debrief_diarize::diarize(&self.models, &mut WavAudio(pcm), &self.options, progress)?;
        let turns = found.turns.iter().map(|t| Turn { start: t.start, end: t.end, speaker: t.speaker }).collect();
        Ok((turns, found.confidence))
    }
}

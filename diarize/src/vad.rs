//! Voice activity detection: Silero VAD (the `16k_sequence` ONNX export) run with tract.
//!
//! The model scores 32 ms frames (512 samples at 16 kHz), each given with the 64 samples before
//! it, and carries an LSTM state from one call to the next. [`VadStream`] feeds it audio in
//! blocks of [`BLOCK_FRAMES`] frames and keeps one probability per frame; [`speech_regions`]
//! turns the probabilities into speech regions with Silero's own hysteresis rules.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, ensure};
use tract_onnx::prelude::*;

/// Samples per VAD frame (32 ms at 16 kHz).
pub const FRAME: usize = 512;
const CONTEXT: usize = 64;
const STATE: usize = 128;
/// Frames per model call (about 16 s of audio).
pub const BLOCK_FRAMES: usize = 512;

type Plan = Arc<TypedRunnableModel>;

/// The loaded Silero VAD, compiled for blocks of [`BLOCK_FRAMES`] frames.
pub struct Vad {
    plan: Plan,
}

impl std::fmt::Debug for Vad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vad").finish_non_exhaustive()
    }
}

impl Vad {
    pub fn load(path: &Path) -> Result<Self> {
        let plan = tract_onnx::onnx()
            .model_for_path(path)
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .with_context(|| format!("reading the Silero VAD model {}", path.display()))?
            .with_input_fact(0, f32::fact([BLOCK_FRAMES, CONTEXT + FRAME]).into())
            .and_then(|m| m.with_input_fact(1, f32::fact([1, 1, STATE]).into()))
            .and_then(|m| m.with_input_fact(2, f32::fact([1, 1, STATE]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .with_context(|| format!("preparing the Silero VAD model {}", path.display()))?;
        Ok(Self { plan })
    }

    /// A fresh stream (zero state) over one recording.
    pub fn stream(&self) -> VadStream<'_> {
        VadStream {
            vad: self,
            h: vec![0.0; STATE],
            c: vec![0.0; STATE],
            context: [0.0; CONTEXT],
            pending: Vec::with_capacity(BLOCK_FRAMES * FRAME),
            probabilities: Vec::new(),
        }
    }
}

/// Speech probabilities of one recording, computed as its audio is pushed in order.
pub struct VadStream<'a> {
    vad: &'a Vad,
    h: Vec<f32>,
    c: Vec<f32>,
    context: [f32; CONTEXT],
    pending: Vec<f32>,
    probabilities: Vec<f32>,
}

impl VadStream<'_> {
    /// Appends samples; full blocks are scored at once.
    pub fn push(&mut self, mut samples: &[f32]) -> Result<()> {
        let block = BLOCK_FRAMES * FRAME;
        while !samples.is_empty() {
            let take = (block - self.pending.len()).min(samples.len());
            self.pending.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.pending.len() == block {
                self.run_block(BLOCK_FRAMES)?;
            }
        }
        Ok(())
    }

    /// Scores what remains (the last frame zero-padded) and returns one probability per frame.
    pub fn finish(mut self) -> Result<Vec<f32>> {
        if !self.pending.is_empty() {
            let frames = self.pending.len().div_ceil(FRAME);
            self.run_block(frames)?;
        }
        Ok(self.probabilities)
    }

    /// Runs the model on `pending` (zero-padded to a full block), keeping `frames` results.
    fn run_block(&mut self, frames: usize) -> Result<()> {
        let width = CONTEXT + FRAME;
        let mut input = vec![0f32; BLOCK_FRAMES * width];
        for f in 0..BLOCK_FRAMES {
            let row = &mut input[f * width..(f + 1) * width];
            let start = f * FRAME;
            let end = (start + FRAME).min(self.pending.len());
            if start < end {
                row[CONTEXT..CONTEXT + end - start].copy_from_slice(&self.pending[start..end]);
            }
            if f == 0 {
                row[..CONTEXT].copy_from_slice(&self.context);
            } else if start < self.pending.len() {
                row[..CONTEXT].copy_from_slice(&self.pending[start - CONTEXT..start]);
            }
        }
        let tensor = |shape: &[usize], data: &[f32]| -> Result<TValue> {
            Ok(Tensor::from_shape(shape, data).map_err(|e| anyhow::anyhow!("{e:?}"))?.into())
        };
        let inputs = tvec![
            tensor(&[BLOCK_FRAMES, width], &input)?,
            tensor(&[1, 1, STATE], &self.h)?,
            tensor(&[1, 1, STATE], &self.c)?,
        ];
        let outputs = self.vad.plan.run(inputs).map_err(|e| anyhow::anyhow!("Silero VAD: {e:?}"))?;
        ensure!(outputs.len() == 3, "Silero VAD returned {} outputs", outputs.len());
        let view = |i: usize| -> Result<Vec<f32>> {
            let v = outputs[i].to_plain_array_view::<f32>().map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(v.iter().copied().collect())
        };
        let probs = view(0)?;
        ensure!(probs.len() == BLOCK_FRAMES, "Silero VAD gave {} probabilities", probs.len());
        self.probabilities.extend_from_slice(&probs[..frames]);
        // The state (and context) only matter when a full block continues the stream.
        if frames == BLOCK_FRAMES {
            let h = view(1)?;
            let c = view(2)?;
            ensure!(h.len() == STATE && c.len() == STATE, "Silero VAD state has an unexpected shape");
            self.h = h;
            self.c = c;
            let n = self.pending.len();
            self.context.copy_from_slice(&self.pending[n - CONTEXT..]);
        }
        self.pending.clear();
        Ok(())
    }
}

/// Parameters of [`speech_regions`] (Silero's `get_speech_timestamps` defaults).
#[derive(Debug, Clone, Copy)]
pub struct RegionOptions {
    /// Probability at which speech starts.
    pub threshold: f32,
    /// Shortest region kept, seconds.
    pub min_speech: f64,
    /// Silence needed to end a region, seconds.
    pub min_silence: f64,
    /// Padding added on both sides of a region, seconds.
    pub speech_pad: f64,
}

impl Default for RegionOptions {
    fn default() -> Self {
        Self { threshold: 0.5, min_speech: 0.25, min_silence: 0.1, speech_pad: 0.03 }
    }
}

/// Speech regions `(start, end)` in samples, sorted and disjoint, from per-frame probabilities
/// (Silero's state machine without its maximum-length rule: speech starts at `threshold`,
/// ends after `min_silence` below `threshold - 0.15`).
pub fn speech_regions(probs: &[f32], total_samples: usize, opts: &RegionOptions) -> Vec<(usize, usize)> {
    let sr = crate::fbank::SAMPLE_RATE as f64;
    let min_speech = (sr * opts.min_speech) as usize;
    let min_silence = (sr * opts.min_silence) as usize;
    let pad = (sr * opts.speech_pad) as usize;
    let neg_threshold = (opts.threshold - 0.15).max(0.01);
    let mut regions: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    let mut temp_end = 0usize;
    for (i, &p) in probs.iter().enumerate() {
        let sample = i * FRAME;
        if p >= opts.threshold && temp_end != 0 {
            temp_end = 0;
        }
        match start {
            None => {
                if p >= opts.threshold {
                    start = Some(sample);
                }
            }
            Some(s) => {
                if p < neg_threshold {
                    if temp_end == 0 {
                        temp_end = sample;
                    }
                    if sample - temp_end >= min_silence {
                        if temp_end - s > min_speech {
                            regions.push((s, temp_end));
                        }
                        start = None;
                        temp_end = 0;
                    }
                }
            }
        }
    }
    if let Some(s) = start
        && total_samples.saturating_sub(s) > min_speech
    {
        regions.push((s, total_samples));
    }
    // Padding, split in the middle where two regions would overlap.
    let n = regions.len();
    let mut padded = regions.clone();
    for i in 0..n {
        if i == 0 {
            padded[i].0 = regions[i].0.saturating_sub(pad);
        }
        if i + 1 < n {
            let gap = regions[i + 1].0 - regions[i].1;
            if gap < 2 * pad {
                padded[i].1 = regions[i].1 + gap / 2;
                padded[i + 1].0 = regions[i + 1].0 - gap / 2;
            } else {
                padded[i].1 = regions[i].1 + pad;
                padded[i + 1].0 = regions[i + 1].0 - pad;
            }
        } else {
            padded[i].1 = (regions[i].1 + pad).min(total_samples);
        }
    }
    padded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_follow_hysteresis_and_minimum_lengths() {
        let mut probs = vec![0.0f32; 100];
        // 1.6 s of speech from frame 10, a 2-frame dip (64 ms < 100 ms: same region).
        for p in &mut probs[10..60] {
            *p = 0.9;
        }
        probs[30] = 0.1;
        probs[31] = 0.1;
        // A 3-frame blip (96 ms < 250 ms): dropped.
        for p in &mut probs[80..83] {
            *p = 0.9;
        }
        let regions = speech_regions(&probs, 100 * FRAME, &RegionOptions::default());
        assert_eq!(regions, vec![(10 * FRAME - 480, 60 * FRAME + 480)]);
    }
}

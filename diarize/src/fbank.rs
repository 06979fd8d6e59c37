//! Kaldi-compatible log mel filterbank features (the front end CAM++ was trained on).
//!
//! Matches `torchaudio.compliance.kaldi.fbank` with 3D-Speaker's settings: 80 mel bins,
//! 25 ms frames every 10 ms (`snip_edges`), DC offset removed per frame, pre-emphasis 0.97,
//! povey window, FFT of 512 points, power spectrum, mel bins between 20 Hz and 8 kHz,
//! natural log floored at `f32::EPSILON`, no dither. [`Fbank::compute`] then subtracts the
//! per-window mean of every bin, as 3D-Speaker's `FBank(mean_nor=True)` does.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

/// Sample rate the features (and both models) expect.
pub const SAMPLE_RATE: usize = 16_000;
/// Samples per analysis frame (25 ms).
pub const FRAME_LENGTH: usize = 400;
/// Samples between frame starts (10 ms).
pub const FRAME_SHIFT: usize = 160;
/// Mel bins per frame.
pub const NUM_MELS: usize = 80;
const FFT_SIZE: usize = 512;
const PREEMPHASIS: f32 = 0.97;
const LOW_FREQ: f64 = 20.0;
const HIGH_FREQ: f64 = 8_000.0;

/// Number of frames Kaldi (`snip_edges = true`) produces for `samples` samples.
pub fn num_frames(samples: usize) -> usize {
    if samples < FRAME_LENGTH {
        0
    } else {
        1 + (samples - FRAME_LENGTH) / FRAME_SHIFT
    }
}

/// Precomputed window, mel matrix and FFT plan; cheap to share between threads.
pub struct Fbank {
    window: Vec<f32>,
    /// For every mel bin: first FFT bin index and its weights.
    mel: Vec<(usize, Vec<f32>)>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl std::fmt::Debug for Fbank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fbank").field("mels", &self.mel.len()).finish()
    }
}

fn mel_scale(freq: f64) -> f64 {
    1127.0 * (1.0 + freq / 700.0).ln()
}

impl Default for Fbank {
    fn default() -> Self {
        Self::new()
    }
}

impl Fbank {
    pub fn new() -> Self {
        // Povey window: a Hann window (symmetric) raised to the power 0.85.
        let window = (0..FRAME_LENGTH)
            .map(|i| {
                let a = 2.0 * std::f64::consts::PI * i as f64 / (FRAME_LENGTH - 1) as f64;
                (0.5 - 0.5 * a.cos()).powf(0.85) as f32
            })
            .collect();
        // Triangular mel filters, as torchaudio's `get_mel_banks` (the Nyquist bin has weight 0).
        let bin_width = SAMPLE_RATE as f64 / FFT_SIZE as f64;
        let mel_low = mel_scale(LOW_FREQ);
        let mel_high = mel_scale(HIGH_FREQ);
        let delta = (mel_high - mel_low) / (NUM_MELS + 1) as f64;
        let mel = (0..NUM_MELS)
            .map(|m| {
                let left = mel_low + m as f64 * delta;
                let center = left + delta;
                let right = center + delta;
                let weights: Vec<(usize, f32)> = (0..FFT_SIZE / 2)
                    .filter_map(|k| {
                        let mel = mel_scale(bin_width * k as f64);
                        let up = (mel - left) / (center - left);
                        let down = (right - mel) / (right - center);
                        let w = up.min(down);
                        (w > 0.0).then_some((k, w as f32))
                    })
                    .collect();
                let first = weights.first().map_or(0, |&(k, _)| k);
                (first, weights.into_iter().map(|(_, w)| w).collect())
            })
            .collect();
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_SIZE);
        Self { window, mel, fft }
    }

    /// Log mel energies of `samples`, `[frames][NUM_MELS]` flattened row-major, with the mean of
    /// every bin over the frames subtracted. Returns the number of frames too.
    pub fn compute(&self, samples: &[f32]) -> anyhow::Result<(Vec<f32>, usize)> {
        let frames = num_frames(samples.len());
        let mut out = vec![0f32; frames * NUM_MELS];
        let mut buf = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0f32; FFT_SIZE / 2 + 1];
        for (f, row) in out.chunks_exact_mut(NUM_MELS).enumerate() {
            let frame = &samples[f * FRAME_SHIFT..f * FRAME_SHIFT + FRAME_LENGTH];
            let mean = frame.iter().map(|&x| f64::from(x)).sum::<f64>() / FRAME_LENGTH as f64;
            let mean = mean as f32;
            // DC removal, pre-emphasis (first sample against itself, as torchaudio), window.
            let mut prev = frame[0] - mean;
            for (i, &x) in frame.iter().enumerate() {
                let x = x - mean;
                let emphasised = x - PREEMPHASIS * prev;
                prev = x;
                buf[i] = emphasised * self.window[i];
            }
            buf[FRAME_LENGTH..].fill(0.0);
            self.fft
                .process_with_scratch(&mut buf, &mut spectrum, &mut scratch)
                .map_err(|e| anyhow::anyhow!("fft: {e}"))?;
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.re * c.re + c.im * c.im;
            }
            for (value, (first, weights)) in row.iter_mut().zip(&self.mel) {
                let energy: f32 = weights.iter().zip(&power[*first..]).map(|(w, p)| w * p).sum();
                *value = energy.max(f32::EPSILON).ln();
            }
        }
        if frames > 0 {
            let mut means = [0f64; NUM_MELS];
            for row in out.chunks_exact(NUM_MELS) {
                for (m, &v) in means.iter_mut().zip(row) {
                    *m += f64::from(v);
                }
            }
            for m in &mut means {
                *m /= frames as f64;
            }
            for row in out.chunks_exact_mut(NUM_MELS) {
                for (v, &m) in row.iter_mut().zip(&means) {
                    *v -= m as f32;
                }
            }
        }
        Ok((out, frames))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_count_matches_kaldi() {
        assert_eq!(num_frames(399), 0);
        assert_eq!(num_frames(400), 1);
        assert_eq!(num_frames(24_000), 148);
    }

    #[test]
    fn features_are_mean_normalised_per_window() {
        let fbank = Fbank::new();
        // 1 kHz tone plus a little noise-like second tone.
        let samples: Vec<f32> = (0..16_000)
            .map(|i| {
                let t = i as f32 / 16_000.0;
                0.5 * (2.0 * std::f32::consts::PI * 1000.0 * t).sin()
                    + 0.01 * (2.0 * std::f32::consts::PI * 3217.0 * t).sin()
            })
            .collect();
        let (feats, frames) = fbank.compute(&samples).unwrap();
        assert_eq!(frames, 98);
        for m in 0..NUM_MELS {
            let mean: f32 = (0..frames).map(|f| feats[f * NUM_MELS + m]).sum::<f32>() / frames as f32;
            assert!(mean.abs() < 1e-3, "bin {m} mean {mean}");
        }
    }
}

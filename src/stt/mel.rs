//! The log-mel spectrogram Whisper reads: 25 ms Hann windows every 10 ms of
//! 16 kHz audio, 80 (or 128) mel bands from the Slaney-style filter bank
//! librosa and OpenAI compute, log10, clamped to 8 below the window's peak
//! and scaled to about [-1, 1]. The filter bank is computed here (no
//! `mel_filters.npz` to ship); the FFT is `realfft`'s.

use candle_transformers::models::whisper::{HOP_LENGTH, N_FFT, N_FRAMES, SAMPLE_RATE};

fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= MIN_LOG_HZ { min_log_mel + (hz / MIN_LOG_HZ).ln() / logstep } else { hz / F_SP }
}

fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel { MIN_LOG_HZ * (logstep * (mel - min_log_mel)).exp() } else { F_SP * mel }
}

/// The `n_mels × (N_FFT/2 + 1)` filter bank, row-major, Slaney-normalised.
pub fn filters(n_mels: usize) -> Vec<f32> {
    let bins = N_FFT / 2 + 1;
    let nyquist = SAMPLE_RATE as f64 / 2.0;
    let fft_freqs: Vec<f64> = (0..bins).map(|i| nyquist * i as f64 / (bins - 1) as f64).collect();
    let (low, high) = (hz_to_mel(0.0), hz_to_mel(nyquist));
    let mel_f: Vec<f64> =
        (0..n_mels + 2).map(|i| mel_to_hz(low + (high - low) * i as f64 / (n_mels + 1) as f64)).collect();
    let mut out = vec![0f32; n_mels * bins];
    for m in 0..n_mels {
        let (left, centre, right) = (mel_f[m], mel_f[m + 1], mel_f[m + 2]);
        let norm = 2.0 / (right - left);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let rising = (f - left) / (centre - left);
            let falling = (right - f) / (right - centre);
            out[m * bins + k] = (rising.min(falling).max(0.0) * norm) as f32;
        }
    }
    out
}

/// A filter bank kept as each band's non-zero run of weights (a band
/// covers a few FFT bins), so a frame costs about 400 multiplications.
pub struct MelBank {
    n_mels: usize,
    bands: Vec<(usize, Vec<f32>)>,
    fft: std::sync::Arc<dyn realfft::RealToComplex<f32>>,
    hann: Vec<f32>,
}

impl MelBank {
    pub fn new(n_mels: usize) -> Self {
        let bins = N_FFT / 2 + 1;
        let dense = filters(n_mels);
        let bands = dense
            .chunks(bins)
            .map(|band| {
                let first = band.iter().position(|&w| w > 0.0).unwrap_or(0);
                let last = band.iter().rposition(|&w| w > 0.0).map_or(first, |i| i + 1);
                (first, band[first..last].to_vec())
            })
            .collect();
        // Periodic Hann window, as torch.hann_window.
        let hann = (0..N_FFT).map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / N_FFT as f64).cos()) as f32).collect();
        let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
        Self { n_mels, bands, fft, hann }
    }

    pub fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// The log-mel spectrogram of one window (at most 30 s; shorter windows
    /// are padded with silence): `n_mels × N_FRAMES` values, row-major.
    /// As OpenAI's: frames centred on every 160th sample (reflect-padded at
    /// the edges), power spectrum, mel bands, log10, clamped to 8 below the
    /// window's peak, then `(x + 4) / 4`.
    pub fn window(&self, samples: &[f32]) -> Vec<f32> {
        let n = N_FRAMES * HOP_LENGTH;
        let half = N_FFT / 2;
        let mut padded = vec![0f32; n + 2 * half];
        let body = &samples[..samples.len().min(n)];
        padded[half..half + body.len()].copy_from_slice(body);
        for i in 0..half {
            padded[half - 1 - i] = padded[half + 1 + i];
            padded[half + n + i] = padded[half + n - 2 - i];
        }
        let mut input = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0f32; N_FFT / 2 + 1];
        let mut out = vec![0f32; self.n_mels * N_FRAMES];
        for frame in 0..N_FRAMES {
            let start = frame * HOP_LENGTH;
            for (k, x) in input.iter_mut().enumerate() {
                *x = padded[start + k] * self.hann[k];
            }
            if self.fft.process_with_scratch(&mut input, &mut spectrum, &mut scratch).is_err() {
                continue;
            }
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.norm_sqr();
            }
            for (band, (first, weights)) in self.bands.iter().enumerate() {
                let energy: f32 = weights.iter().zip(&power[*first..]).map(|(w, p)| w * p).sum();
                out[band * N_FRAMES + frame] = energy.max(1e-10).log10();
            }
        }
        let peak = out.iter().copied().fold(f32::NEG_INFINITY, f32::max) - 8.0;
        for v in &mut out {
            *v = (v.max(peak) + 4.0) / 4.0;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mel_scale_round_trips_and_the_bank_covers_the_spectrum() {
        for hz in [0.0, 440.0, 1000.0, 4000.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-6);
        }
        let bank = filters(80);
        assert_eq!(bank.len(), 80 * 201);
        // Every band has some weight and the weights are non-negative.
        for band in bank.chunks(201) {
            assert!(band.iter().all(|&w| w >= 0.0));
            assert!(band.iter().any(|&w| w > 0.0));
        }
        // As in OpenAI's bank, band 0 is bins 0..2 with its peak (about 0.025) at bin 1.
        assert!(bank[1] > bank[0] && bank[1] > bank[2] && (0.02..0.03).contains(&bank[1]), "{}", bank[1]);
    }

    #[test]
    fn a_tone_lights_the_band_it_belongs_to() {
        let bank = MelBank::new(80);
        let tone: Vec<f32> = (0..SAMPLE_RATE).map(|i| (i as f32 * 2.0 * std::f32::consts::PI * 1000.0 / 16000.0).sin()).collect();
        let mel = bank.window(&tone);
        assert_eq!(mel.len(), 80 * N_FRAMES);
        let frame = 50;
        let loudest = (0..80).max_by(|&a, &b| mel[a * N_FRAMES + frame].total_cmp(&mel[b * N_FRAMES + frame]));
        // 1 kHz sits at mel 15, near band 26 of 80 on Whisper's scale.
        assert!(loudest.is_some_and(|band| (24..=28).contains(&band)), "{loudest:?}");
    }
}

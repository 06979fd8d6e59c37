//! Audio for the speech models: reading a WAV file, mixing it down to mono
//! and resampling it to Whisper's 16 kHz with a windowed-sinc filter
//! (band-limited, so downsampling does not alias).

use std::path::Path;

use anyhow::Context as _;

/// The rate Whisper reads.
pub const SPEECH_RATE: u32 = 16_000;

/// Reads a WAV file (PCM integer or float, any rate and channel count) as
/// 16 kHz mono samples in [-1, 1].
pub fn read_wav_16k(path: &Path) -> anyhow::Result<Vec<f32>> {
    let mut reader = hound::WavReader::open(path).with_context(|| format!("cannot read {} as WAV", path.display()))?;
    let spec = reader.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader.samples::<i32>().map(|s| s.map(|v| v as f32 * scale)).collect::<Result<_, _>>()?
        }
    };
    let mono = mix_down(&interleaved, usize::from(spec.channels));
    Ok(resample(&mono, spec.sample_rate, SPEECH_RATE))
}

/// A 16 kHz WAV file read a window at a time (memory stays bounded however
/// long the recording): the transcriber's [`Pcm`](crate::stt::Pcm) source.
pub struct WavPcm {
    reader: hound::WavReader<std::io::BufReader<std::fs::File>>,
    channels: usize,
    frames: usize,
    scale: Option<f32>,
}

impl WavPcm {
    /// Opens `path` if it is a 16 kHz WAV; `None` for other rates.
    pub fn open(path: &Path) -> anyhow::Result<Option<Self>> {
        let reader = hound::WavReader::open(path).with_context(|| format!("cannot read {} as WAV", path.display()))?;
        let spec = reader.spec();
        if spec.sample_rate != SPEECH_RATE {
            return Ok(None);
        }
        let scale = match spec.sample_format {
            hound::SampleFormat::Float => None,
            hound::SampleFormat::Int => Some(1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32),
        };
        Ok(Some(Self { frames: reader.duration() as usize, channels: usize::from(spec.channels), reader, scale }))
    }
}

impl crate::stt::Pcm for WavPcm {
    fn samples(&self) -> usize {
        self.frames
    }

    fn read(&mut self, start: usize, len: usize) -> anyhow::Result<Vec<f32>> {
        let start = start.min(self.frames);
        let len = len.min(self.frames - start);
        self.reader.seek(u32::try_from(start)?)?;
        let wanted = len * self.channels;
        let interleaved: Vec<f32> = match self.scale {
            None => self.reader.samples::<f32>().take(wanted).collect::<Result<_, _>>()?,
            Some(scale) => self.reader.samples::<i32>().take(wanted).map(|s| s.map(|v| v as f32 * scale)).collect::<Result<_, _>>()?,
        };
        Ok(mix_down(&interleaved, self.channels))
    }
}

/// Averages interleaved channels into one.
pub fn mix_down(interleaved: &[f32], channels: usize) -> Vec<f32> {
    if channels <= 1 {
        return interleaved.to_vec();
    }
    interleaved.chunks_exact(channels).map(|frame| frame.iter().sum::<f32>() / channels as f32).collect()
}

/// Resamples with a Hann-windowed sinc of 16 zero crossings each side,
/// cut off at the lower Nyquist frequency.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || samples.is_empty() {
        return samples.to_vec();
    }
    const HALF_WIDTH: f64 = 16.0;
    let ratio = f64::from(to) / f64::from(from);
    let cutoff = ratio.min(1.0);
    let out_len = (samples.len() as f64 * ratio).round() as usize;
    let reach = HALF_WIDTH / cutoff;
    (0..out_len)
        .map(|n| {
            let centre = n as f64 / ratio;
            let first = (centre - reach).ceil().max(0.0) as usize;
            let last = ((centre + reach).floor() as usize).min(samples.len() - 1);
            let mut acc = 0.0f64;
            for (k, &sample) in samples.iter().enumerate().take(last + 1).skip(first) {
                let x = (k as f64 - centre) * cutoff;
                let sinc = if x.abs() < 1e-9 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
                let window = 0.5 + 0.5 * (std::f64::consts::PI * x / HALF_WIDTH).cos();
                acc += f64::from(sample) * sinc * window * cutoff;
            }
            acc as f32
        })
        .collect()
}

/// The streaming form of [`resample`] (same filter), for decoding long
/// recordings without holding them: feed decoded samples with [`push`](Self::push),
/// end with [`finish`](Self::finish). Taps are computed once per phase of the
/// rational rate ratio (160 phases for 44.1 → 16 kHz).
pub struct StreamResampler {
    /// Input step per output sample is `from / to` (reduced).
    from: u64,
    to: u64,
    /// Per phase: the first tap's offset from the integer input position, and the taps.
    kernels: Vec<(i64, Vec<f32>)>,
    /// Buffered input; `buffer[0]` is input sample number `offset`.
    buffer: Vec<f32>,
    offset: u64,
    /// The next output sample's number.
    next: u64,
}

/// More phases than this and the ratio is treated as unusual: taps are
/// computed per output sample instead of tabled.
const MAX_PHASES: u64 = 4096;

impl StreamResampler {
    pub fn new(from: u32, to: u32) -> Self {
        let divisor = gcd(u64::from(from.max(1)), u64::from(to.max(1)));
        let (from, to) = (u64::from(from.max(1)) / divisor, u64::from(to.max(1)) / divisor);
        let mut resampler = Self { from, to, kernels: Vec::new(), buffer: Vec::new(), offset: 0, next: 0 };
        if to <= MAX_PHASES {
            resampler.kernels = (0..to).map(|phase| resampler.kernel(phase)).collect();
        }
        resampler
    }

    /// Taps for an output that falls `phase / to` of the way past an input sample.
    fn kernel(&self, phase: u64) -> (i64, Vec<f32>) {
        const HALF_WIDTH: f64 = 16.0;
        let ratio = self.to as f64 / self.from as f64;
        let cutoff = ratio.min(1.0);
        let reach = HALF_WIDTH / cutoff;
        let fraction = phase as f64 / self.to as f64;
        let first = (fraction - reach).ceil() as i64;
        let last = (fraction + reach).floor() as i64;
        let taps = (first..=last)
            .map(|j| {
                let x = (j as f64 - fraction) * cutoff;
                let sinc = if x.abs() < 1e-9 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
                let window = 0.5 + 0.5 * (std::f64::consts::PI * x / HALF_WIDTH).cos();
                (sinc * window * cutoff) as f32
            })
            .collect();
        (first, taps)
    }

    fn output(&self, n: u64, end: Option<u64>, computed: &mut Option<(i64, Vec<f32>)>) -> Option<f32> {
        let position = n * self.from;
        let (base, phase) = ((position / self.to) as i64, position % self.to);
        let (first, taps) = match self.kernels.get(phase as usize) {
            Some(kernel) => kernel,
            None => computed.insert(self.kernel(phase)),
        };
        let last = base + first + taps.len() as i64 - 1;
        let available = (self.offset + self.buffer.len() as u64) as i64;
        if end.is_none() && last >= available {
            return None;
        }
        let mut acc = 0.0f32;
        for (i, tap) in taps.iter().enumerate() {
            let k = base + first + i as i64;
            if k < 0 || k >= available {
                continue;
            }
            let index = (k - self.offset as i64) as usize;
            acc += self.buffer.get(index).copied().unwrap_or_default() * tap;
        }
        Some(acc)
    }

    /// Adds input and appends every output sample it completes to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        if self.from == self.to {
            out.extend_from_slice(input);
            return;
        }
        self.buffer.extend_from_slice(input);
        let mut computed = None;
        while let Some(sample) = self.output(self.next, None, &mut computed) {
            out.push(sample);
            self.next += 1;
        }
        // Drop input no later output can reach.
        let reach = self.kernels.first().map_or(64, |(first, _)| first.unsigned_abs() + 1);
        let needed = (self.next * self.from / self.to).saturating_sub(reach);
        if needed > self.offset {
            let drop = ((needed - self.offset) as usize).min(self.buffer.len());
            self.buffer.drain(..drop);
            self.offset += drop as u64;
        }
    }

    /// Appends the remaining output (the input's end is reached).
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        if self.from == self.to {
            return;
        }
        let total = self.offset + self.buffer.len() as u64;
        let out_len = (total as f64 * self.to as f64 / self.from as f64).round() as u64;
        let mut computed = None;
        while self.next < out_len {
            if let Some(sample) = self.output(self.next, Some(total), &mut computed) {
                out.push(sample);
            }
            self.next += 1;
        }
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A sample in -1..=1 as 16-bit PCM (clamped, rounded).
pub fn to_i16(sample: f32) -> i16 {
    (sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f64, rate: u32, secs: f64) -> Vec<f32> {
        (0..(f64::from(rate) * secs) as usize).map(|i| (2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(rate)).sin() as f32).collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn speech_band_tones_survive_and_tones_above_nyquist_are_removed() {
        let kept = resample(&tone(440.0, 22_050, 1.0), 22_050, 16_000);
        assert_eq!(kept.len(), 16_000);
        assert!((rms(&kept[1000..15_000]) - 0.707).abs() < 0.02, "{}", rms(&kept));
        // 10 kHz cannot exist at 16 kHz: it must not fold back as a 6 kHz alias.
        let removed = resample(&tone(10_000.0, 22_050, 1.0), 22_050, 16_000);
        assert!(rms(&removed[1000..15_000]) < 0.05, "{}", rms(&removed));
    }

    #[test]
    fn a_16_khz_wav_is_read_window_by_window() {
        use crate::stt::Pcm as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let spec = hound::WavSpec { channels: 2, sample_rate: SPEECH_RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..1000i16 {
            writer.write_sample(i * 10).unwrap();
            writer.write_sample(i * 30).unwrap();
        }
        writer.finalize().unwrap();
        let mut pcm = WavPcm::open(&path).unwrap().unwrap();
        assert_eq!(pcm.samples(), 1000);
        let window = pcm.read(500, 3).unwrap();
        let expected: Vec<f32> = (500..503).map(|i| (i * 20) as f32 / 32768.0).collect();
        assert_eq!(window, expected, "stereo mixed down, from the asked sample");
        assert_eq!(pcm.read(990, 100).unwrap().len(), 10, "the end is short, not an error");
    }

    #[test]
    fn streaming_resampling_matches_the_whole_buffer_filter() {
        let input = tone(440.0, 44_100, 1.3);
        let whole = resample(&input, 44_100, 16_000);
        let mut streamed = Vec::new();
        let mut resampler = StreamResampler::new(44_100, 16_000);
        for chunk in input.chunks(1024) {
            resampler.push(chunk, &mut streamed);
        }
        resampler.finish(&mut streamed);
        assert_eq!(streamed.len(), whole.len());
        let worst = streamed.iter().zip(&whole).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-3, "largest difference {worst}");
    }

    #[test]
    fn stereo_is_averaged() {
        assert_eq!(mix_down(&[1.0, 0.0, 0.5, 0.5], 2), vec![0.5, 0.5]);
    }
}

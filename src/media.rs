//! The media stage of a recording's job: read the container (MP4/MOV/M4A,
//! WebM/MKV, WAV, MP3, FLAC, Ogg), find the audio track, decode it, mix it to
//! mono, resample it to 16 kHz and write it as a 16-bit WAV file the
//! transcriber reads window by window ([`WavPcm`](crate::audio::WavPcm)).
//! Packets stream through: memory stays bounded however long the recording.
//!
//! Symphonia (pure Rust) demuxes and decodes; it has no Opus decoder, so WebM
//! with Opus audio (what browsers record) is refused with a clear message
//! rather than half-decoded.
//!
//! Alongside the audio it measures what the user should know about the
//! recording's quality: its level (RMS and peak in dBFS) and the share of
//! silent 30-ms frames ([`SILENCE_DBFS`]).

use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use crate::audio::{SPEECH_RATE, StreamResampler};

/// A 30-ms frame quieter than this (RMS, dBFS) counts as silence.
pub const SILENCE_DBFS: f64 = -45.0;

/// Samples per frame of the silence measure (30 ms at 16 kHz).
const FRAME: usize = 480;

/// What decoding found out about the recording.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    pub duration_secs: f64,
    /// Root-mean-square level over the whole recording, dBFS.
    pub rms_dbfs: f64,
    pub peak_dbfs: f64,
    /// Share of 30-ms frames below [`SILENCE_DBFS`], 0 to 1.
    pub silence_share: f64,
    /// The source's codec and rate, for logs and diagnostics (`aac 44100 Hz`).
    pub source: String,
}

/// Why a recording's audio cannot be used; every message is for the user.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the recording has no audio track (a video without sound cannot be analysed)")]
    NoAudioTrack,
    #[error("the recording's audio is encoded as {0}, which Debrief cannot decode yet; export it as MP4/M4A (AAC), WAV or WebM with Vorbis")]
    UnsupportedCodec(String),
    #[error("the recording could not be read ({0}); the file may be damaged or not a media file")]
    Unreadable(String),
    #[error("the recording is longer than the limit of {limit_secs} seconds")]
    TooLong { limit_secs: u64 },
    #[error("the recording contains no audio samples")]
    Empty,
    #[error("writing the decoded audio failed: {0}")]
    Io(String),
}

impl MediaError {
    /// Whether trying again could help (a disk error might; a damaged file will not).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Io(_))
    }
}

/// Decodes the audio track of `input` into a 16 kHz mono 16-bit WAV at `output`.
/// `extension` (from the upload's file name) helps the container probe.
pub fn decode_to_wav(input: &Path, extension: Option<&str>, output: &Path, max_secs: u64) -> Result<AudioInfo, MediaError> {
    let file = std::fs::File::open(input).map_err(|e| MediaError::Io(e.to_string()))?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(extension) = extension {
        hint.with_extension(extension);
    }
    let probed = symphonia::default::get_probe()
        .format(&hint, stream, &FormatOptions::default(), &MetadataOptions::default())
        .map_err(|e| MediaError::Unreadable(e.to_string()))?;
    let mut format = probed.format;
    // An audio track has a sample rate; video and subtitle tracks do not.
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.sample_rate.is_some())
        .ok_or(MediaError::NoAudioTrack)?;
    let codec_name = symphonia::default::get_codecs()
        .get_codec(track.codec_params.codec)
        .map_or_else(|| format!("codec {}", track.codec_params.codec), |d| d.short_name.to_owned());
    if track.codec_params.codec == CODEC_TYPE_NULL {
        return Err(MediaError::UnsupportedCodec("an unknown codec".into()));
    }
    let track_id = track.id;
    let source_rate = track.codec_params.sample_rate.unwrap_or(SPEECH_RATE);
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|_| MediaError::UnsupportedCodec(unsupported_name(track.codec_params.codec, &codec_name)))?;

    let spec = hound::WavSpec { channels: 1, sample_rate: SPEECH_RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(output, spec).map_err(|e| MediaError::Io(e.to_string()))?;
    let mut resampler = StreamResampler::new(source_rate, SPEECH_RATE);
    let mut meter = Meter::default();
    let max_samples = max_secs.saturating_mul(u64::from(SPEECH_RATE));
    let mut buffer: Option<SampleBuffer<f32>> = None;
    let mut resampled = Vec::new();
    let mut decode_errors = 0usize;
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(MediaError::Unreadable(e.to_string())),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            // A damaged packet is skipped (as players do); too many mean a damaged file.
            Err(SymphoniaError::DecodeError(reason)) => {
                decode_errors += 1;
                if decode_errors > 100 {
                    return Err(MediaError::Unreadable(reason.to_owned()));
                }
                continue;
            }
            Err(e) => return Err(MediaError::Unreadable(e.to_string())),
        };
        let spec = *decoded.spec();
        let channels = spec.channels.count().max(1);
        let samples = match &mut buffer {
            Some(b) if b.capacity() >= decoded.capacity() * channels => b,
            _ => buffer.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        samples.copy_interleaved_ref(decoded);
        let mono = crate::audio::mix_down(samples.samples(), channels);
        resampled.clear();
        resampler.push(&mono, &mut resampled);
        write(&mut writer, &mut meter, &resampled)?;
        if meter.samples > max_samples {
            return Err(MediaError::TooLong { limit_secs: max_secs });
        }
    }
    resampled.clear();
    resampler.finish(&mut resampled);
    write(&mut writer, &mut meter, &resampled)?;
    writer.finalize().map_err(|e| MediaError::Io(e.to_string()))?;
    if meter.samples == 0 {
        return Err(MediaError::Empty);
    }
    Ok(meter.info(format!("{codec_name} {source_rate} Hz")))
}

fn unsupported_name(codec: symphonia::core::codecs::CodecType, name: &str) -> String {
    if codec == symphonia::core::codecs::CODEC_TYPE_OPUS { "Opus".into() } else { name.to_owned() }
}

fn write(writer: &mut hound::WavWriter<std::io::BufWriter<std::fs::File>>, meter: &mut Meter, samples: &[f32]) -> Result<(), MediaError> {
    for &sample in samples {
        meter.add(sample);
        writer.write_sample(crate::audio::to_i16(sample)).map_err(|e| MediaError::Io(e.to_string()))?;
    }
    Ok(())
}

/// Running level and silence measures.
#[derive(Default)]
struct Meter {
    samples: u64,
    sum_squares: f64,
    peak: f32,
    frame_squares: f64,
    frame_len: usize,
    frames: u64,
    silent_frames: u64,
}

impl Meter {
    fn add(&mut self, sample: f32) {
        let square = f64::from(sample) * f64::from(sample);
        self.samples += 1;
        self.sum_squares += square;
        self.peak = self.peak.max(sample.abs());
        self.frame_squares += square;
        self.frame_len += 1;
        if self.frame_len == FRAME {
            self.frames += 1;
            if dbfs((self.frame_squares / FRAME as f64).sqrt()) < SILENCE_DBFS {
                self.silent_frames += 1;
            }
            self.frame_squares = 0.0;
            self.frame_len = 0;
        }
    }

    fn info(&self, source: String) -> AudioInfo {
        let samples = self.samples.max(1) as f64;
        AudioInfo {
            duration_secs: self.samples as f64 / f64::from(SPEECH_RATE),
            rms_dbfs: dbfs((self.sum_squares / samples).sqrt()),
            peak_dbfs: dbfs(f64::from(self.peak)),
            silence_share: if self.frames == 0 { 1.0 } else { self.silent_frames as f64 / self.frames as f64 },
            source,
        }
    }
}

/// Amplitude (1.0 = full scale) in decibels, floored at −120.
fn dbfs(amplitude: f64) -> f64 {
    if amplitude <= 1e-6 { -120.0 } else { 20.0 * amplitude.log10() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_wav(path: &Path, rate: u32, channels: u16, seconds: f64, amplitude: f32) {
        let spec = hound::WavSpec { channels, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut writer = hound::WavWriter::create(path, spec).unwrap();
        let n = (f64::from(rate) * seconds) as usize;
        for i in 0..n {
            // First half a 440 Hz tone, second half silence.
            let on = i < n / 2;
            let v = if on { (2.0 * std::f32::consts::PI * 440.0 * i as f32 / rate as f32).sin() * amplitude } else { 0.0 };
            for _ in 0..channels {
                writer.write_sample((v * 32767.0) as i16).unwrap();
            }
        }
        writer.finalize().unwrap();
    }

    #[test]
    fn a_stereo_44_khz_wav_becomes_16_khz_mono_with_its_level_and_silence_measured() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wav");
        let output = dir.path().join("out.wav");
        write_wav(&input, 44_100, 2, 4.0, 0.5);
        let info = decode_to_wav(&input, Some("wav"), &output, 60).unwrap();
        assert!((info.duration_secs - 4.0).abs() < 0.01, "{info:?}");
        assert!((info.peak_dbfs - (-6.0)).abs() < 0.5, "{info:?}");
        assert!((info.silence_share - 0.5).abs() < 0.02, "{info:?}");
        let reader = hound::WavReader::open(&output).unwrap();
        assert_eq!(reader.spec().sample_rate, SPEECH_RATE);
        assert_eq!(reader.spec().channels, 1);
    }

    #[test]
    fn a_recording_over_the_length_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wav");
        write_wav(&input, 16_000, 1, 3.0, 0.5);
        let error = decode_to_wav(&input, Some("wav"), &dir.path().join("out.wav"), 2).unwrap_err();
        assert!(matches!(error, MediaError::TooLong { limit_secs: 2 }), "{error}");
    }

    #[test]
    fn bytes_that_are_not_media_are_unreadable_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.mp4");
        std::fs::write(&input, b"\0\0\0\x18ftypmp42 this is not really an mp4 file").unwrap();
        let error = decode_to_wav(&input, Some("mp4"), &dir.path().join("out.wav"), 60).unwrap_err();
        assert!(matches!(error, MediaError::Unreadable(_) | MediaError::NoAudioTrack), "{error}");
    }
}

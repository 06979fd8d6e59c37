//! The media stage of a recording's job: read the container (MP4/MOV/M4A,
//! WebM/MKV, Ogg, WAV, MP3, FLAC), find the audio, decode it, mix it to mono,
//! resample it to 16 kHz and write it as a 16-bit WAV file the transcriber
//! reads window by window ([`WavPcm`](crate::audio::WavPcm)). Packets stream
//! through: memory stays bounded however long the recording.
//!
//! Symphonia (pure Rust) demuxes and decodes AAC, MP3, FLAC, Vorbis and PCM;
//! Opus (WebM and Ogg from browsers, Meet, OBS) goes to libopus
//! ([`crate::opus`]). A recording with several audio tracks (one per
//! participant) has them mixed, each track resampled on its own.
//!
//! Alongside the audio it measures what the user should know about the
//! recording's quality: its level (RMS and peak in dBFS) and the share of
//! silent 30-ms frames ([`SILENCE_DBFS`]); and, when the recording has
//! several channels or tracks, their loudness envelope
//! ([`crate::speakers::channels`]), from which speakers on separate channels
//! are found.

use std::collections::VecDeque;
use std::path::Path;

use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::audio::{SPEECH_RATE, StreamResampler};
use crate::speakers::channels::EnvelopeWriter;

/// A 30-ms frame quieter than this (RMS, dBFS) counts as silence.
pub const SILENCE_DBFS: f64 = -45.0;

/// Samples per frame of the silence measure (30 ms at 16 kHz).
pub const FRAME: usize = 480;
/// Audio tracks mixed at most (a recording with more keeps the first ones).
pub const MAX_TRACKS: usize = 8;
/// How far (16 kHz samples, 60 s) one track may run ahead of another before
/// the lagging one is taken as silent, so memory stays bounded.
const MAX_TRACK_LEAD: usize = 60 * SPEECH_RATE as usize;
/// Damaged packets skipped before the recording counts as damaged.
const MAX_DECODE_ERRORS: usize = 100;

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
    /// Channels (of a single audio track) or audio tracks: more than one
    /// means a loudness envelope was written.
    pub channels: usize,
}

/// Why a recording's audio cannot be used; every message is for the user.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the recording has no audio track (a video without sound cannot be analysed)")]
    NoAudioTrack,
    #[error("the recording's audio is encoded as {0}, which Debrief cannot decode; export it as MP4/M4A (AAC), MP3, WAV, FLAC, or WebM/Ogg (Opus or Vorbis)")]
    UnsupportedCodec(String),
    #[error("the recording's Opus audio cannot be decoded: {0}")]
    Opus(#[from] crate::opus::OpusError),
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

fn io(error: impl std::fmt::Display) -> MediaError {
    MediaError::Io(error.to_string())
}

/// One audio track's decoder: Symphonia's, or libopus for Opus.
enum TrackDecoder {
    Symphonia(Box<dyn AudioDecoder>),
    Opus(crate::opus::Decoder),
}

/// One audio track being decoded: its decoder, its rate and channels, and
/// (with several tracks) its resampler and the 16 kHz mono samples not yet mixed.
struct Track {
    id: u32,
    decoder: TrackDecoder,
    rate: u32,
    name: String,
    resampler: StreamResampler,
    queue: VecDeque<f32>,
    interleaved: Vec<f32>,
}

impl Track {
    fn open(id: u32, params: &AudioCodecParameters) -> Result<Self, MediaError> {
        let channels = params.channels.as_ref().map_or(1, |c| c.count()).max(1);
        let (decoder, rate, name) = if params.codec == CODEC_ID_OPUS {
            let decoder = crate::opus::Decoder::new(channels, params.extra_data.as_deref())?;
            (TrackDecoder::Opus(decoder), crate::opus::RATE, String::from("opus"))
        } else {
            let codecs = symphonia::default::get_codecs();
            let name = codecs
                .get_audio_decoder(params.codec)
                .map_or_else(|| format!("codec {}", params.codec), |d| d.codec.info.short_name.to_owned());
            let decoder = codecs
                .make_audio_decoder(params, &AudioDecoderOptions::default())
                .map_err(|_| MediaError::UnsupportedCodec(name.clone()))?;
            (TrackDecoder::Symphonia(decoder), params.sample_rate.unwrap_or(SPEECH_RATE), name)
        };
        Ok(Self { id, decoder, rate, name, resampler: StreamResampler::new(rate, SPEECH_RATE), queue: VecDeque::new(), interleaved: Vec::new() })
    }

    /// Decodes one packet into `self.interleaved`; the channel count, or
    /// `None` for a damaged packet.
    fn decode(&mut self, data: &[u8], packet: &symphonia::core::packet::Packet) -> Result<Option<usize>, MediaError> {
        self.interleaved.clear();
        match &mut self.decoder {
            TrackDecoder::Opus(decoder) => match decoder.decode(data) {
                Some(samples) => {
                    self.interleaved.extend_from_slice(samples);
                    Ok(Some(decoder.channels()))
                }
                None => Ok(None),
            },
            TrackDecoder::Symphonia(decoder) => match decoder.decode(packet) {
                Ok(decoded) => {
                    let channels = decoded.spec().channels().count().max(1);
                    decoded.copy_to_vec_interleaved(&mut self.interleaved);
                    Ok(Some(channels))
                }
                Err(SymphoniaError::DecodeError(_)) => Ok(None),
                Err(e) => Err(MediaError::Unreadable(e.to_string())),
            },
        }
    }
}

/// Where the decoded audio goes (a WAV file, or memory), and its measures.
struct Sink<'a> {
    out: &'a mut dyn FnMut(&[f32]) -> Result<(), MediaError>,
    meter: Meter,
    max_samples: u64,
    max_secs: u64,
}

impl Sink<'_> {
    fn write(&mut self, samples: &[f32]) -> Result<(), MediaError> {
        for &sample in samples {
            self.meter.add(sample);
        }
        (self.out)(samples)?;
        if self.meter.samples > self.max_samples {
            return Err(MediaError::TooLong { limit_secs: self.max_secs });
        }
        Ok(())
    }
}

/// Decodes the audio of `input` into a 16 kHz mono 16-bit WAV at `output`;
/// with several channels or tracks, their loudness envelope goes to `envelope`.
/// `extension` (from the upload's file name) helps the container probe.
pub fn decode_to_wav(input: &Path, extension: Option<&str>, output: &Path, envelope: &Path, max_secs: u64) -> Result<AudioInfo, MediaError> {
    let file = std::fs::File::open(input).map_err(io)?;
    let spec = hound::WavSpec { channels: 1, sample_rate: SPEECH_RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(output, spec).map_err(io)?;
    let info = decode(Box::new(file), extension, Some(envelope), max_secs, &mut |samples| {
        samples.iter().try_for_each(|&sample| writer.write_sample(crate::audio::to_i16(sample))).map_err(io)
    })?;
    writer.finalize().map_err(io)?;
    Ok(info)
}

/// Decodes the audio of `source` (a file, bytes in memory, or a stream still
/// arriving: it is read front to back, never sought) to 16 kHz mono samples,
/// handed to `out` as they come; with several channels or tracks and an
/// `envelope` path, their loudness envelope is written there.
pub fn decode(
    source: Box<dyn symphonia::core::io::MediaSource>,
    extension: Option<&str>,
    envelope: Option<&Path>,
    max_secs: u64,
    out: &mut dyn FnMut(&[f32]) -> Result<(), MediaError>,
) -> Result<AudioInfo, MediaError> {
    let stream = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    if let Some(extension) = extension {
        hint.with_extension(extension);
    }
    let mut format = symphonia::default::get_probe()
        .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| MediaError::Unreadable(e.to_string()))?;
    let audio: Vec<(u32, AudioCodecParameters)> = format
        .tracks()
        .iter()
        .filter_map(|t| match &t.codec_params {
            Some(CodecParameters::Audio(params)) => Some((t.id, params.clone())),
            _ => None,
        })
        .take(MAX_TRACKS)
        .collect();
    if audio.is_empty() {
        return Err(MediaError::NoAudioTrack);
    }
    let mut tracks = audio.iter().map(|(id, params)| Track::open(*id, params)).collect::<Result<Vec<_>, _>>()?;
    let channels_of_first = audio[0].1.channels.as_ref().map_or(1, |c| c.count()).max(1);
    let source = format!("{} {} Hz", tracks[0].name, tracks[0].rate);

    let mut sink = Sink { out, meter: Meter::default(), max_samples: max_secs.saturating_mul(u64::from(SPEECH_RATE)), max_secs };
    let several_tracks = tracks.len() > 1;
    let channels = if several_tracks { tracks.len() } else { channels_of_first };
    let mut levels = match envelope {
        Some(envelope) if channels > 1 => {
            let rate = if several_tracks { SPEECH_RATE } else { tracks[0].rate };
            Some(EnvelopeWriter::create(envelope, channels, rate).map_err(io)?)
        }
        _ => None,
    };
    let mut decode_errors = 0usize;
    let mut mono = Vec::new();
    let mut resampled = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(MediaError::Unreadable(e.to_string())),
        };
        let Some(index) = tracks.iter().position(|t| t.id == packet.track_id) else { continue };
        let track = &mut tracks[index];
        let Some(channels) = track.decode(&packet.data, &packet)? else {
            // A damaged packet is skipped (as players do); too many mean a damaged file.
            decode_errors += 1;
            if decode_errors > MAX_DECODE_ERRORS {
                return Err(MediaError::Unreadable(String::from("too many damaged audio packets")));
            }
            continue;
        };
        let interleaved = std::mem::take(&mut track.interleaved);
        if !several_tracks && let Some(levels) = levels.as_mut() {
            levels.push(&interleaved).map_err(io)?;
        }
        mono.clear();
        mono.extend(interleaved.chunks_exact(channels).map(|f| f.iter().sum::<f32>() / channels as f32));
        track.interleaved = interleaved;
        resampled.clear();
        track.resampler.push(&mono, &mut resampled);
        if several_tracks {
            track.queue.extend(resampled.iter().copied());
            mix_ready(&mut tracks, levels.as_mut(), &mut sink, false)?;
        } else {
            sink.write(&resampled)?;
        }
    }
    for track in &mut tracks {
        resampled.clear();
        track.resampler.finish(&mut resampled);
        if several_tracks {
            track.queue.extend(resampled.iter().copied());
        } else {
            sink.write(&resampled)?;
        }
    }
    if several_tracks {
        mix_ready(&mut tracks, levels.as_mut(), &mut sink, true)?;
    }
    if let Some(levels) = levels {
        levels.finish().map_err(io)?;
    }
    if sink.meter.samples == 0 {
        return Err(MediaError::Empty);
    }
    let mut info = sink.meter.info(source);
    info.channels = channels;
    Ok(info)
}

/// Mixes what every track has decoded so far (all of it at the end, or when
/// one track runs [`MAX_TRACK_LEAD`] ahead: the others are silent there).
fn mix_ready(tracks: &mut [Track], mut levels: Option<&mut EnvelopeWriter>, sink: &mut Sink, end: bool) -> Result<(), MediaError> {
    let longest = tracks.iter().map(|t| t.queue.len()).max().unwrap_or(0);
    let shortest = tracks.iter().map(|t| t.queue.len()).min().unwrap_or(0);
    let ready = if end || longest > MAX_TRACK_LEAD { longest } else { shortest };
    let mut frame = vec![0.0f32; tracks.len()];
    let mut mixed = Vec::with_capacity(ready);
    for _ in 0..ready {
        for (slot, track) in frame.iter_mut().zip(tracks.iter_mut()) {
            *slot = track.queue.pop_front().unwrap_or(0.0);
        }
        if let Some(levels) = levels.as_deref_mut() {
            levels.push(&frame).map_err(io)?;
        }
        mixed.push(frame.iter().sum::<f32>() / frame.len() as f32);
    }
    sink.write(&mixed)
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
            channels: 1,
        }
    }
}

/// Amplitude (1.0 = full scale) in decibels, floored at −120.
pub(crate) fn dbfs(amplitude: f64) -> f64 {
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
        let info = decode_to_wav(&input, Some("wav"), &output, &dir.path().join("env"), 60).unwrap();
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
        let error = decode_to_wav(&input, Some("wav"), &dir.path().join("out.wav"), &dir.path().join("env"), 2).unwrap_err();
        assert!(matches!(error, MediaError::TooLong { limit_secs: 2 }), "{error}");
    }

    #[test]
    fn bytes_that_are_not_media_are_unreadable_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.mp4");
        std::fs::write(&input, b"\0\0\0\x18ftypmp42 this is not really an mp4 file").unwrap();
        let error = decode_to_wav(&input, Some("mp4"), &dir.path().join("out.wav"), &dir.path().join("env"), 60).unwrap_err();
        assert!(matches!(error, MediaError::Unreadable(_) | MediaError::NoAudioTrack), "{error}");
    }
}

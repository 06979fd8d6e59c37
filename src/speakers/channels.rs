//! Speakers from a recording's channels or tracks: call recorders (and Zoom's
//! per-participant audio) put each side on its own channel. While decoding,
//! an [`EnvelopeWriter`] keeps the loudness of every channel per 20-ms frame
//! (a few MB per hour); [`turns`] then decides whether the channels hold
//! different people and, if so, makes one speaker per channel.
//!
//! A frame is speech on a channel when the channel is louder than
//! [`ACTIVE_DBFS`] and within [`CROSSTALK_DB`] of the loudest channel (the
//! other side leaking into a microphone is much quieter). The channels are
//! different speakers when at least two of them lead in at least
//! [`MIN_LEAD_SHARE`] of the speech frames and fewer than half of those
//! frames are as loud on every channel (a mono recording copied to stereo).

use std::io::{BufReader, BufWriter, Read as _, Write as _};
use std::path::Path;

use super::Turn;
use crate::media::dbfs;

/// Frame length of the envelope, seconds.
pub const FRAME_SECS: f64 = 0.02;
/// Quieter than this (RMS, dBFS) is not speech.
pub const ACTIVE_DBFS: f64 = -45.0;
/// A channel this much (dB) below the loudest is crosstalk, not its own speech.
pub const CROSSTALK_DB: f64 = 15.0;
/// Share of the speech frames a channel must lead for the channels to count as speakers.
pub const MIN_LEAD_SHARE: f64 = 0.05;
/// Channels within this many dB of each other are "as loud".
const SAME_DB: f64 = 3.0;
/// Gaps shorter than this (seconds) inside one speaker's speech are bridged.
const BRIDGE_SECS: f64 = 0.3;
/// Speech shorter than this (seconds) is dropped (clicks, breaths).
const MIN_TURN_SECS: f64 = 0.15;

/// Writes the per-channel loudness envelope while audio is decoded: a header
/// byte (the channel count), then one little-endian f32 RMS per channel per frame.
pub struct EnvelopeWriter {
    out: BufWriter<std::fs::File>,
    channels: usize,
    frame_len: usize,
    filled: usize,
    squares: Vec<f64>,
}

impl EnvelopeWriter {
    pub fn create(path: &Path, channels: usize, rate: u32) -> std::io::Result<Self> {
        let mut out = BufWriter::new(std::fs::File::create(path)?);
        out.write_all(&[u8::try_from(channels).unwrap_or(u8::MAX)])?;
        let frame_len = ((f64::from(rate) * FRAME_SECS).round() as usize).max(1);
        Ok(Self { out, channels, frame_len, filled: 0, squares: vec![0.0; channels] })
    }

    /// Adds interleaved samples (`channels` per frame).
    pub fn push(&mut self, interleaved: &[f32]) -> std::io::Result<()> {
        for frame in interleaved.chunks_exact(self.channels) {
            for (sum, &sample) in self.squares.iter_mut().zip(frame) {
                *sum += f64::from(sample) * f64::from(sample);
            }
            self.filled += 1;
            if self.filled == self.frame_len {
                self.flush_frame()?;
            }
        }
        Ok(())
    }

    /// Adds one channel's samples of a multi-track recording, track by track:
    /// see [`TrackEnvelope`].
    fn flush_frame(&mut self) -> std::io::Result<()> {
        for sum in &mut self.squares {
            let rms = (*sum / self.filled as f64).sqrt() as f32;
            self.out.write_all(&rms.to_le_bytes())?;
            *sum = 0.0;
        }
        self.filled = 0;
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        if self.filled > 0 {
            self.flush_frame()?;
        }
        self.out.flush()
    }
}

/// Reads an envelope: the channel count and the frames (channel-major within a frame).
pub fn read(path: &Path) -> std::io::Result<(usize, Vec<f32>)> {
    let mut bytes = Vec::new();
    BufReader::new(std::fs::File::open(path)?).read_to_end(&mut bytes)?;
    let Some((&channels, rest)) = bytes.split_first() else {
        return Ok((0, Vec::new()));
    };
    let values = rest.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    Ok((usize::from(channels), values))
}

/// One speaker per channel, when the channels hold different people:
/// the turns and how clearly the channels are separated (0–1).
pub fn turns(channels: usize, envelope: &[f32]) -> Option<(Vec<Turn>, f64)> {
    if channels < 2 {
        return None;
    }
    let mut leads = vec![0usize; channels];
    let (mut speech, mut alike) = (0usize, 0usize);
    let mut active: Vec<Vec<bool>> = vec![Vec::with_capacity(envelope.len() / channels); channels];
    for frame in envelope.chunks_exact(channels) {
        let db: Vec<f64> = frame.iter().map(|&rms| dbfs(f64::from(rms))).collect();
        let loudest = db.iter().copied().fold(f64::MIN, f64::max);
        let lead = db.iter().position(|&d| d == loudest).unwrap_or(0);
        let is_speech = loudest > ACTIVE_DBFS;
        for (c, &d) in db.iter().enumerate() {
            active[c].push(is_speech && d > ACTIVE_DBFS && d >= loudest - CROSSTALK_DB);
        }
        if !is_speech {
            continue;
        }
        speech += 1;
        if db.iter().all(|&d| loudest - d < SAME_DB) {
            alike += 1;
        } else {
            leads[lead] += 1;
        }
    }
    if speech == 0 {
        return None;
    }
    let leading = leads.iter().filter(|&&n| n as f64 >= MIN_LEAD_SHARE * speech as f64).count();
    if leading < 2 || alike * 2 >= speech {
        return None;
    }
    let mut turns: Vec<Turn> = active.iter().enumerate().flat_map(|(c, frames)| runs(frames, c)).collect();
    turns.sort_by(|a, b| a.start.total_cmp(&b.start));
    let confidence = 1.0 - alike as f64 / speech as f64;
    Some((turns, confidence))
}

/// Runs of speech frames on one channel, gaps bridged, blips dropped.
fn runs(frames: &[bool], speaker: usize) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &on) in frames.iter().chain(std::iter::once(&false)).enumerate() {
        match (on, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let (begin, end) = (s as f64 * FRAME_SECS, i as f64 * FRAME_SECS);
                match turns.last_mut() {
                    Some(last) if begin - last.end < BRIDGE_SECS => last.end = end,
                    _ => turns.push(Turn { start: begin, end, speaker }),
                }
                start = None;
            }
            _ => {}
        }
    }
    turns.retain(|t| t.end - t.start >= MIN_TURN_SECS);
    turns
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `secs` of 20-ms frames: `left`/`right` loudness per second as given.
    fn envelope(pattern: &[(f32, f32)]) -> Vec<f32> {
        pattern.iter().flat_map(|&(l, r)| std::iter::repeat_n([l, r], 50).flatten()).collect()
    }

    #[test]
    fn two_sides_of_a_call_on_two_channels_are_two_speakers_with_their_overlap() {
        // Left speaks for 2 s, both for 1 s, right for 2 s; the other side leaks in at −30 dB.
        let e = envelope(&[(0.3, 0.01), (0.3, 0.01), (0.3, 0.3), (0.01, 0.3), (0.01, 0.3)]);
        let (turns, confidence) = turns(2, &e).unwrap();
        assert_eq!(turns, [Turn { start: 0.0, end: 3.0, speaker: 0 }, Turn { start: 2.0, end: 5.0, speaker: 1 }]);
        assert!(confidence > 0.7, "{confidence}");
    }

    #[test]
    fn mono_copied_to_both_channels_is_not_two_speakers() {
        let e = envelope(&[(0.3, 0.3), (0.2, 0.21), (0.0, 0.0)]);
        assert_eq!(turns(2, &e), None);
    }

    #[test]
    fn the_envelope_round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("env");
        let mut writer = EnvelopeWriter::create(&path, 2, 100).unwrap();
        writer.push(&[0.5, 0.0, 0.5, 0.0, -0.5, 0.0]).unwrap();
        writer.finish().unwrap();
        let (channels, values) = read(&path).unwrap();
        assert_eq!(channels, 2);
        assert_eq!(values, [0.5, 0.0, 0.5, 0.0]);
    }
}

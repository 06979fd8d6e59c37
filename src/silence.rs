//! Quiet stretches in a decoded recording, for pauses that word timings hide.
//!
//! Speech engines stretch a word over the silence after it (Whisper's word
//! timestamps often run a word on to the next one), so a 0.8 s pause between
//! two words can show no gap at all. The audio itself does not lie: the
//! recording is read window by window (memory stays bounded), its level taken
//! per 30 ms frame, and a frame is quiet when it sits nearer the recording's
//! own noise floor (10th percentile of frame levels) than its speech level
//! (90th percentile): below floor + [`QUIET_SHARE`] of the distance, and at
//! least [`MIN_CONTRAST_DB`] above the floor. Runs of quiet frames of at
//! least `min_secs` are the silences; the analysis keeps those that fall
//! between two of the candidate's words.

use crate::media::{FRAME, dbfs};
use crate::stt::Pcm;

/// Frames read at a time (about 30 s).
const WINDOW_FRAMES: usize = 1000;
/// Where between the noise floor and the speech level the quiet threshold sits.
pub const QUIET_SHARE: f64 = 0.3;
/// The threshold sits at least this far above the noise floor, dB.
pub const MIN_CONTRAST_DB: f64 = 6.0;

/// The silences of at least `min_secs` in a 16 kHz recording, as `(start, end)` seconds.
pub fn silences(pcm: &mut dyn Pcm, min_secs: f64) -> anyhow::Result<Vec<(f64, f64)>> {
    let levels = frame_levels(pcm)?;
    Ok(quiet_runs(&levels, min_secs))
}

/// Each 30 ms frame's RMS level, dBFS.
fn frame_levels(pcm: &mut dyn Pcm) -> anyhow::Result<Vec<f32>> {
    let total = pcm.samples();
    let mut levels = Vec::with_capacity(total / FRAME + 1);
    let mut start = 0;
    while start < total {
        let samples = pcm.read(start, FRAME * WINDOW_FRAMES)?;
        if samples.is_empty() {
            break;
        }
        for frame in samples.chunks(FRAME) {
            let mean_square = frame.iter().map(|s| f64::from(*s) * f64::from(*s)).sum::<f64>() / frame.len() as f64;
            levels.push(dbfs(mean_square.sqrt()) as f32);
        }
        start += samples.len();
    }
    Ok(levels)
}

/// Runs of quiet frames at least `min_secs` long.
fn quiet_runs(levels: &[f32], min_secs: f64) -> Vec<(f64, f64)> {
    if levels.is_empty() {
        return Vec::new();
    }
    let mut sorted = levels.to_vec();
    sorted.sort_by(f32::total_cmp);
    let at = |share: f64| f64::from(sorted[((sorted.len() - 1) as f64 * share) as usize]);
    let (floor, speech) = (at(0.1), at(0.9));
    let threshold = floor + ((speech - floor) * QUIET_SHARE).max(MIN_CONTRAST_DB);
    let frame_secs = FRAME as f64 / 16_000.0;
    let mut runs = Vec::new();
    let mut run_start = None;
    for (k, level) in levels.iter().chain(std::iter::once(&f32::MAX)).enumerate() {
        let quiet = f64::from(*level) < threshold;
        match (quiet, run_start) {
            (true, None) => run_start = Some(k),
            (false, Some(first)) => {
                let (start, end) = (first as f64 * frame_secs, k as f64 * frame_secs);
                if end - start >= min_secs {
                    runs.push((start, end));
                }
                run_start = None;
            }
            _ => {}
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16 kHz tone, on for `on` seconds, off for `off`, `times` times.
    fn tone_bursts(on: f64, off: f64, times: usize) -> Vec<f32> {
        let mut samples = Vec::new();
        for _ in 0..times {
            samples.extend((0..(on * 16_000.0) as usize).map(|i| 0.3 * (i as f32 * 0.05).sin()));
            samples.extend((0..(off * 16_000.0) as usize).map(|i| 0.002 * (i as f32 * 1.3).sin()));
        }
        samples
    }

    #[test]
    fn quiet_stretches_above_the_minimum_are_found_with_their_length() {
        let mut audio = tone_bursts(1.0, 0.8, 4);
        let found = silences(&mut audio, 0.6).unwrap();
        assert_eq!(found.len(), 4, "{found:?}");
        for (start, end) in &found {
            assert!((end - start - 0.8).abs() < 0.07, "{found:?}");
        }
        assert!(silences(&mut audio, 0.9).unwrap().is_empty());
    }

    #[test]
    fn an_empty_recording_has_no_silences() {
        assert!(silences(&mut Vec::new(), 0.6).unwrap().is_empty());
    }
}

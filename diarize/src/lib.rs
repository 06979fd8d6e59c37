//! Speaker diarization, offline: who spoke when in a 16 kHz mono recording.
//!
//! Pipeline (after 3D-Speaker's CAM++ diarization recipe):
//! 1. [`vad`]: Silero VAD scores every 32 ms of audio; hysteresis turns the scores into speech
//!    regions.
//! 2. [`fbank`] + [`campplus`]: every speech region is cut into 1.5 s windows every 0.75 s
//!    (shorter pieces are repeated to 1.5 s) and each window gets a 192-d CAM++ embedding.
//! 3. [`cluster`]: spectral clustering of the embeddings; the eigengap picks the number of
//!    speakers between `min_speakers` and `max_speakers`.
//! 4. Windows become turns: overlapping windows of different speakers are split in the middle
//!    of their overlap, same-speaker turns closer than `merge_gap` are joined.
//!
//! Memory stays bounded whatever the recording's length: audio is read through [`Audio`] a
//! window at a time (at most ~30 s), and only the VAD probabilities (one `f32` per 32 ms) and one
//! embedding per 0.75 s of speech are kept. [`der`] scores a result against a reference.

pub mod campplus;
pub mod cluster;
pub mod der;
pub mod fbank;
pub mod vad;

use std::path::Path;

use anyhow::{Context, Result, ensure};

use crate::campplus::{CamPlus, EMBEDDING_DIM};
use crate::fbank::{Fbank, SAMPLE_RATE};
use crate::vad::Vad;

/// 16 kHz mono audio read a window at a time (the caller adapts its WAV reader).
pub trait Audio {
    /// Total number of samples.
    fn samples(&self) -> usize;
    /// `len` samples from `start` (fewer only at the end of the audio), as floats in -1..1.
    fn read(&mut self, start: usize, len: usize) -> Result<Vec<f32>>;
}

/// In-memory audio (tests, short clips).
impl Audio for Vec<f32> {
    fn samples(&self) -> usize {
        self.len()
    }
    fn read(&mut self, start: usize, len: usize) -> Result<Vec<f32>> {
        let start = start.min(self.len());
        let end = start.saturating_add(len).min(self.len());
        Ok(self[start..end].to_vec())
    }
}

/// Speaker embeddings of audio windows: Kaldi fbank features into CAM++.
#[derive(Debug)]
pub struct SpeakerEmbedder {
    net: CamPlus,
    fbank: Fbank,
}

/// Length of an embedding window (1.5 s).
pub const WINDOW: usize = SAMPLE_RATE * 3 / 2;
/// Shift between embedding windows (0.75 s).
pub const SHIFT: usize = SAMPLE_RATE * 3 / 4;

impl SpeakerEmbedder {
    pub fn load(campplus_pt: &Path) -> Result<Self> {
        Ok(Self { net: CamPlus::load(campplus_pt)?, fbank: Fbank::new() })
    }

    /// One embedding per clip (each clip at 16 kHz; clips shorter than [`WINDOW`] are repeated
    /// to that length, as 3D-Speaker does; longer ones are embedded whole). Clips of equal
    /// length are run as one batch.
    pub fn embed(&self, clips: &[&[f32]]) -> Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(clips.len());
        let mut batch: Vec<f32> = Vec::new();
        let mut batch_frames = 0;
        let mut batch_len = 0;
        for clip in clips {
            ensure!(!clip.is_empty(), "cannot embed an empty clip");
            let padded: Vec<f32> = if clip.len() < WINDOW {
                clip.iter().copied().cycle().take(WINDOW).collect()
            } else {
                clip.to_vec()
            };
            let (feats, frames) = self.fbank.compute(&padded)?;
            if batch_len > 0 && frames != batch_frames {
                out.extend(self.net.embed(&batch, batch_len, batch_frames)?);
                batch.clear();
                batch_len = 0;
            }
            batch.extend_from_slice(&feats);
            batch_frames = frames;
            batch_len += 1;
        }
        if batch_len > 0 {
            out.extend(self.net.embed(&batch, batch_len, batch_frames)?);
        }
        Ok(out)
    }
}

/// The two models diarization needs; load once and share (`Send + Sync`).
#[derive(Debug)]
pub struct Models {
    pub vad: Vad,
    pub embedder: SpeakerEmbedder,
}

impl Models {
    /// Loads Silero VAD (`silero_vad_16k_sequence.onnx`) and CAM++ (`campplus_cn_en_common.pt`).
    pub fn load(vad_onnx: &Path, campplus_pt: &Path) -> Result<Self> {
        Ok(Self { vad: Vad::load(vad_onnx)?, embedder: SpeakerEmbedder::load(campplus_pt)? })
    }
}

const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<Models>();
};

/// Tuning of [`diarize`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Fewest speakers to find (1).
    pub min_speakers: usize,
    /// Most speakers to find (4).
    pub max_speakers: usize,
    /// Speech probability at which a region starts (0.5; it ends below this minus 0.15).
    pub vad_threshold: f32,
    /// Shortest speech region kept, seconds (0.25).
    pub min_speech: f64,
    /// Silence that ends a speech region, seconds (0.1).
    pub min_silence: f64,
    /// Padding added around speech regions, seconds (0.03).
    pub speech_pad: f64,
    /// Same-speaker turns separated by less than this are joined, seconds (0.5).
    pub merge_gap: f64,
    /// Clusters whose mean embeddings have at least this cosine similarity are one speaker (0.8).
    pub merge_cosine: f64,
    /// Windows embedded per CAM++ call (4; larger uses more memory for little gain).
    pub batch: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            min_speakers: 1,
            max_speakers: 4,
            vad_threshold: 0.5,
            min_speech: 0.25,
            min_silence: 0.1,
            speech_pad: 0.03,
            merge_gap: 0.5,
            merge_cosine: 0.8,
            batch: 4,
        }
    }
}

/// One speaker's stretch of speech, seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Turn {
    pub start: f64,
    pub end: f64,
    pub speaker: usize,
}

/// Who spoke when.
#[derive(Debug, Clone)]
pub struct Diarization {
    /// Sorted by start; speakers numbered from 0 in order of first speech.
    pub turns: Vec<Turn>,
    /// Number of distinct speakers in `turns`.
    pub speakers: usize,
    /// 0..1: how clearly separated the speakers' clusters are (for one speaker: how clearly the
    /// recording does not split in two).
    pub confidence: f64,
}

/// Samples read per VAD step (≈ 32.8 s, a whole number of VAD blocks).
const VAD_READ: usize = vad::BLOCK_FRAMES * vad::FRAME * 2;
/// Embedding windows read from the audio at once (≈ 30 s).
const CHUNKS_PER_READ: usize = 40;

/// A 1.5 s (or shorter) embedding window, samples.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    start: usize,
    end: usize,
    /// Cut from a region shorter than the window shift: given the nearest speaker afterwards.
    short: bool,
}

/// Windows of one speech region: 3D-Speaker's rule (1.5 s every 0.75 s, the last one ending at
/// the region's end), and at least one window however short the region.
fn chunks_of(start: usize, end: usize, out: &mut Vec<Chunk>) {
    let before = out.len();
    let mut s = start;
    while s + WINDOW < end + SHIFT {
        out.push(Chunk { start: s, end: (s + WINDOW).min(end), short: false });
        s += SHIFT;
    }
    if out.len() == before && end > start {
        out.push(Chunk { start, end, short: true });
    }
}

/// Diarizes `audio` (16 kHz mono). `progress` receives the completed fraction (0..1).
pub fn diarize(
    models: &Models,
    audio: &mut dyn Audio,
    options: &Options,
    progress: &mut dyn FnMut(f64),
) -> Result<Diarization> {
    ensure!(options.max_speakers >= 1, "max_speakers must be at least 1");
    ensure!(options.min_speakers <= options.max_speakers, "min_speakers exceeds max_speakers");
    let total = audio.samples();
    progress(0.0);
    // 1. Voice activity, streamed.
    let mut stream = models.vad.stream();
    let mut pos = 0;
    while pos < total {
        let len = VAD_READ.min(total - pos);
        let samples = audio.read(pos, len).context("reading audio for voice activity detection")?;
        ensure!(samples.len() == len, "audio returned {} samples at {pos}, expected {len}", samples.len());
        stream.push(&samples)?;
        pos += len;
        progress(0.1 * pos as f64 / total as f64);
    }
    let probs = stream.finish()?;
    let region_options = vad::RegionOptions {
        threshold: options.vad_threshold,
        min_speech: options.min_speech,
        min_silence: options.min_silence,
        speech_pad: options.speech_pad,
    };
    let regions = vad::speech_regions(&probs, total, &region_options);
    drop(probs);

    // 2. Embeddings.
    let mut chunks = Vec::new();
    for &(s, e) in &regions {
        chunks_of(s, e, &mut chunks);
    }
    let embeddings = embed_chunks(models, audio, &chunks, options, progress)?;

    // 3. Clustering: full windows; windows of very short regions join their nearest speaker.
    let long: Vec<usize> = (0..chunks.len()).filter(|&i| !chunks[i].short).collect();
    let clustered: Vec<usize> = if long.is_empty() { (0..chunks.len()).collect() } else { long };
    let cluster_options = cluster::ClusterOptions {
        min_speakers: options.min_speakers,
        max_speakers: options.max_speakers,
        merge_cosine: options.merge_cosine,
        ..cluster::ClusterOptions::default()
    };
    let subset: Vec<Vec<f32>> = clustered.iter().map(|&i| embeddings[i].clone()).collect();
    let clustering = cluster::cluster(&subset, &cluster_options)?;
    let mut labels = vec![usize::MAX; chunks.len()];
    for (&i, &l) in clustered.iter().zip(&clustering.labels) {
        labels[i] = l;
    }
    if clustering.speakers > 0 {
        let centres = speaker_means(&subset, &clustering.labels, clustering.speakers);
        for (i, label) in labels.iter_mut().enumerate() {
            if *label == usize::MAX {
                *label = nearest_speaker(&embeddings[i], &centres);
            }
        }
    }

    // 4. Turns.
    let turns = to_turns(&chunks, &labels, options.merge_gap);
    let speakers = turns.iter().map(|t| t.speaker + 1).max().unwrap_or(0);
    progress(1.0);
    Ok(Diarization { turns, speakers, confidence: if speakers == 0 { 0.0 } else { clustering.confidence } })
}

/// Embeds every chunk, reading the audio about 30 s at a time.
fn embed_chunks(
    models: &Models,
    audio: &mut dyn Audio,
    chunks: &[Chunk],
    options: &Options,
    progress: &mut dyn FnMut(f64),
) -> Result<Vec<Vec<f32>>> {
    let mut embeddings: Vec<Vec<f32>> = Vec::with_capacity(chunks.len());
    let batch = options.batch.max(1);
    let mut i = 0;
    while i < chunks.len() {
        // A run of chunks from one contiguous stretch of audio (one region), at most
        // CHUNKS_PER_READ long.
        let mut j = i + 1;
        while j < chunks.len() && j - i < CHUNKS_PER_READ && chunks[j].start < chunks[j - 1].end {
            j += 1;
        }
        let from = chunks[i].start;
        let to = chunks[i..j].iter().map(|c| c.end).max().unwrap_or(from);
        let samples = audio.read(from, to - from).context("reading audio for speaker embeddings")?;
        ensure!(samples.len() == to - from, "audio returned {} samples at {from}, expected {}", samples.len(), to - from);
        for group in chunks[i..j].chunks(batch) {
            let clips: Vec<&[f32]> = group.iter().map(|c| &samples[c.start - from..c.end - from]).collect();
            embeddings.extend(models.embedder.embed(&clips)?);
        }
        i = j;
        progress(0.1 + 0.85 * i as f64 / chunks.len() as f64);
    }
    ensure!(embeddings.iter().all(|e| e.len() == EMBEDDING_DIM), "CAM++ returned a malformed embedding");
    Ok(embeddings)
}

fn speaker_means(embeddings: &[Vec<f32>], labels: &[usize], k: usize) -> Vec<Vec<f32>> {
    let mut sums = vec![vec![0f32; EMBEDDING_DIM]; k];
    for (e, &l) in embeddings.iter().zip(labels) {
        let norm = e.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        for (s, x) in sums[l].iter_mut().zip(e) {
            *s += x / norm;
        }
    }
    sums
}

fn nearest_speaker(e: &[f32], centres: &[Vec<f32>]) -> usize {
    let cos = |a: &[f32], b: &[f32]| {
        let d: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let n = a.iter().map(|x| x * x).sum::<f32>().sqrt() * b.iter().map(|x| x * x).sum::<f32>().sqrt();
        if n > 0.0 { d / n } else { 0.0 }
    };
    let mut best = (0, f32::NEG_INFINITY);
    for (i, c) in centres.iter().enumerate() {
        let s = cos(e, c);
        if s > best.1 {
            best = (i, s);
        }
    }
    best.0
}

/// Labelled windows (in time order) to turns: overlapping windows of one speaker are joined,
/// of two speakers split at the middle of the overlap; same-speaker turns less than `merge_gap`
/// apart are joined; speakers renumbered in order of first speech.
fn to_turns(chunks: &[Chunk], labels: &[usize], merge_gap: f64) -> Vec<Turn> {
    let sr = SAMPLE_RATE as f64;
    let mut segs: Vec<Turn> = Vec::new();
    for (c, &l) in chunks.iter().zip(labels) {
        let (mut start, end) = (c.start as f64 / sr, c.end as f64 / sr);
        if let Some(last) = segs.last_mut() {
            if last.speaker == l && start <= last.end {
                last.end = last.end.max(end);
                continue;
            }
            if start < last.end {
                let middle = (start + last.end) / 2.0;
                last.end = middle;
                start = middle;
            }
        }
        segs.push(Turn { start, end, speaker: l });
    }
    // Join same-speaker turns across short gaps (only when nobody else speaks in between,
    // which holds as turns are consecutive).
    let mut merged: Vec<Turn> = Vec::new();
    for t in segs {
        match merged.last_mut() {
            Some(last) if last.speaker == t.speaker && t.start - last.end < merge_gap => last.end = last.end.max(t.end),
            _ => merged.push(t),
        }
    }
    merged.retain(|t| t.end > t.start);
    let mut order: Vec<usize> = Vec::new();
    for t in &mut merged {
        let id = match order.iter().position(|&s| s == t.speaker) {
            Some(id) => id,
            None => {
                order.push(t.speaker);
                order.len() - 1
            }
        };
        t.speaker = id;
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_the_3d_speaker_rule() {
        let mut c = Vec::new();
        chunks_of(0, 3 * SAMPLE_RATE, &mut c);
        let spans: Vec<(usize, usize)> = c.iter().map(|c| (c.start, c.end)).collect();
        assert_eq!(spans, vec![(0, 24_000), (12_000, 36_000), (24_000, 48_000)]);
        let mut c = Vec::new();
        chunks_of(1000, 1000 + 8000, &mut c);
        assert_eq!(c.len(), 1);
        assert!(c[0].short);
    }

    #[test]
    fn turns_split_overlaps_and_merge_gaps() {
        let ch = |s: f64, e: f64| Chunk { start: (s * 16_000.0) as usize, end: (e * 16_000.0) as usize, short: false };
        let chunks = [ch(0.0, 1.5), ch(0.75, 2.25), ch(1.5, 3.0), ch(3.2, 4.0), ch(5.0, 6.0)];
        let turns = to_turns(&chunks, &[3, 3, 1, 1, 3], 0.5);
        assert_eq!(
            turns,
            vec![
                Turn { start: 0.0, end: 1.875, speaker: 0 },
                Turn { start: 1.875, end: 4.0, speaker: 1 },
                Turn { start: 5.0, end: 6.0, speaker: 0 },
            ]
        );
    }
}

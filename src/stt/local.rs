//! The offline transcriber: Whisper (CTranslate2 weights from the
//! registry) on candle, on the CPU. Audio is read window by window from a
//! [`Pcm`] source (bounded memory whatever the length); each 30-second
//! window is encoded once, decoded greedily with a temperature fallback, and
//! the next window starts at the last timestamp the model emitted, so a word
//! cut by a window's edge is decoded whole in the next one. Word timestamps
//! come from the cross-attention of the alignment heads ([`super::align`]).

use std::path::Path;

use anyhow::Context as _;
use candle_core::{Device, IndexOp as _};
use candle_transformers::models::whisper::{HOP_LENGTH, N_FRAMES, SAMPLE_RATE};
use protocol::transcript::{Segment, Transcript, Word};

use super::align::{self, WordTokens};
use super::decode::{self, Decoded, ModelConfig, Vocab};
use super::mel;
use super::whisper::Whisper;

/// 16 kHz mono samples, read a window at a time.
pub trait Pcm: Send {
    /// Number of samples.
    fn samples(&self) -> usize;
    /// Up to `len` samples from `start`.
    fn read(&mut self, start: usize, len: usize) -> anyhow::Result<Vec<f32>>;
}

impl Pcm for Vec<f32> {
    fn samples(&self) -> usize {
        self.as_slice().len()
    }

    fn read(&mut self, start: usize, len: usize) -> anyhow::Result<Vec<f32>> {
        self.as_slice().read(start, len)
    }
}

impl Pcm for &[f32] {
    fn samples(&self) -> usize {
        self.len()
    }

    fn read(&mut self, start: usize, len: usize) -> anyhow::Result<Vec<f32>> {
        let start = start.min(self.len());
        Ok(self[start..start.saturating_add(len).min(self.len())].to_vec())
    }
}

/// How to transcribe.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Text the model reads as if it came before the audio (style hint:
    /// a disfluent prompt keeps "um"s on small models).
    pub initial_prompt: Option<String>,
    pub word_timestamps: bool,
    /// Encode only the audio there is (plus [`SHORT_CONTEXT_PAD`] frames)
    /// instead of a window padded to 30 s: on a few seconds of audio the
    /// encoder runs several times faster, a little less accurately (the
    /// live partials of a spoken answer; whisper.cpp's `audio_ctx`).
    pub short_context: bool,
    /// Hypotheses a beam search keeps; 1: greedy, the fastest (the live
    /// partials of a spoken answer). 0: the transcriber's default
    /// (`transcription.beam_size`; greedy when the engine is called directly).
    pub beam_size: usize,
}

/// Mel frames of silence kept after the audio with [`Options::short_context`] (1 s).
pub const SHORT_CONTEXT_PAD: usize = 100;

/// The first `frames` frames of every mel band of a 30-s window.
fn first_frames(mel: &[f32], n_mels: usize, frames: usize) -> Vec<f32> {
    (0..n_mels).flat_map(|band| mel[band * N_FRAMES..band * N_FRAMES + frames].iter().copied()).collect()
}

/// A stretch of a window's tokens between timestamps (times in window seconds).
struct Piece {
    start: f64,
    end: f64,
    tokens: Vec<u32>,
}

/// A word with its timing (window seconds) and mean token probability.
struct TimedWord {
    word: WordTokens,
    start: f64,
    end: f64,
    probability: f64,
}

/// How a window's tokens split up.
struct Split {
    pieces: Vec<Piece>,
    /// Frames to advance to the next window.
    advance: usize,
    /// The text ran into the window's end with no closing timestamp.
    open_ended: bool,
}

/// Cuts words that soaked up a pause back to a plausible length ([`align::clip_long_words`]).
fn clip_long_words(words: &mut [TimedWord]) {
    let texts: Vec<&str> = words.iter().map(|w| w.word.text.as_str()).collect();
    let mut times: Vec<(f64, f64)> = words.iter().map(|w| (w.start, w.end)).collect();
    align::clip_long_words(&texts, &mut times);
    for (word, (start, end)) in words.iter_mut().zip(times) {
        word.start = start;
        word.end = end;
    }
}

/// A loaded Whisper model with its tokenizer.
pub struct LocalWhisper {
    model: Whisper,
    tokenizer: tokenizers::Tokenizer,
    vocab: Vocab,
    config: ModelConfig,
    mel: mel::MelBank,
    name: String,
}

/// The decoder sees at most this many tokens of previous text.
const MAX_PROMPT: usize = 223;
/// The span the style prompt claims (timestamp steps of 20 ms: 3 s).
const PROMPT_SPAN: u32 = 150;

impl LocalWhisper {
    /// Loads `model.bin`, `tokenizer.json` and `config.json` from `dir`.
    pub fn load(dir: &Path, name: &str) -> anyhow::Result<Self> {
        let device = Device::Cpu;
        let vars = super::ct2::read(&dir.join("model.bin"), &device)?;
        let model = Whisper::load(&vars, &device)?;
        drop(vars);
        let tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| anyhow::anyhow!("cannot read the Whisper tokenizer: {e}"))?;
        let config: ModelConfig = serde_json::from_slice(&std::fs::read(dir.join("config.json"))?)
            .context("cannot read the Whisper config.json")?;
        let vocab = Vocab::from_tokenizer(&tokenizer, &config, model.dims.vocab >= 51865)?;
        let mel = mel::MelBank::new(model.dims.n_mels);
        Ok(Self { model, tokenizer, vocab, config, mel, name: name.to_owned() })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// How transcripts and the API name this engine: `Whisper base (local)`.
    pub fn engine(&self) -> String {
        format!("{} (local)", self.name)
    }

    fn text(&self, tokens: &[u32]) -> String {
        let text: Vec<u32> = tokens.iter().copied().filter(|&t| t < self.vocab.eot).collect();
        self.tokenizer.decode(&text, false).unwrap_or_default()
    }

    /// Transcribes `pcm`; `progress` gets the share done (0–1) after each window.
    pub fn transcribe(&self, pcm: &mut dyn Pcm, options: &Options, progress: &mut dyn FnMut(f64)) -> anyhow::Result<Transcript> {
        let total_samples = pcm.samples();
        let total_frames = total_samples.div_ceil(HOP_LENGTH);
        let duration = total_samples as f64 / SAMPLE_RATE as f64;
        // The style prompt is framed by timestamps, as the model's own
        // output is: without them a prompted model stops emitting timestamps.
        let mut all_tokens: Vec<u32> = match &options.initial_prompt {
            Some(prompt) if !prompt.trim().is_empty() => {
                let encoded = self.tokenizer.encode(format!(" {}", prompt.trim()), false).map_err(anyhow::Error::msg)?;
                let mut tokens = vec![self.vocab.timestamp_begin];
                tokens.extend_from_slice(encoded.get_ids());
                tokens.push(self.vocab.timestamp_begin + PROMPT_SPAN);
                tokens
            }
            _ => Vec::new(),
        };
        let mut prompt_since = 0;
        let mut segments = Vec::new();
        let mut seek = 0usize;
        while seek < total_frames {
            let window_frames = N_FRAMES.min(total_frames - seek);
            let offset = seek as f64 / 100.0;
            let samples = pcm.read(seek * HOP_LENGTH, window_frames * HOP_LENGTH)?;
            let mut mel = self.mel.window(&samples);
            if options.short_context {
                // An even count: the encoder's second convolution halves it.
                let frames = (window_frames + SHORT_CONTEXT_PAD).next_multiple_of(2).min(N_FRAMES);
                mel = first_frames(&mel, self.mel.n_mels(), frames);
            }
            let mut state = self.model.encode(&mel)?;
            let history = &all_tokens[prompt_since..];
            let prompt = &history[history.len().saturating_sub(MAX_PROMPT)..];
            let decoded = decode::decode_with_fallback(&self.model, &mut state, &self.vocab, &self.tokenizer, prompt, seek as u64, options.beam_size)?;
            let advance = if decoded.is_silence() {
                window_frames
            } else {
                let Split { mut pieces, mut advance, open_ended } = self.split_segments(&decoded, window_frames);
                let cut_at_edge = open_ended && seek + window_frames < total_frames;
                let mut words = if options.word_timestamps || cut_at_edge {
                    self.align_words(&mut state, &decoded, window_frames)?
                } else {
                    Vec::new()
                };
                // Word timings are clipped only after the cut is decided, on the
                // model's own times.
                if cut_at_edge && words.len() >= 2 && words.last().is_some_and(|w| w.start >= 1.0) {
                    // The text ran into the window's edge: its last word may be cut.
                    // Leave it to the next window, which starts where it starts.
                    if let (Some(last), Some(piece)) = (words.pop(), pieces.last_mut()) {
                        piece.tokens.truncate(piece.tokens.len().saturating_sub(last.word.tokens.len()));
                        piece.end = last.start;
                        advance = ((last.start * 100.0) as usize).clamp(1, window_frames);
                    }
                }
                if options.word_timestamps {
                    clip_long_words(&mut words);
                } else {
                    words.clear();
                }
                // Only what was kept conditions the next window (a dropped tail is decoded again).
                let kept: Vec<u32> = pieces.iter().flat_map(|p| p.tokens.iter().copied()).collect();
                self.push_segments(&mut segments, pieces, words, &decoded, offset, window_frames, duration);
                all_tokens.extend_from_slice(&kept);
                // A hot or failed decoding does not condition the next window.
                if decoded.temperature > 0.5 || decoded.needs_fallback() {
                    prompt_since = all_tokens.len();
                }
                advance
            };
            seek += advance.max(1);
            progress((seek as f64 / total_frames as f64).min(1.0));
        }
        Ok(Transcript { language: String::from("en"), duration_secs: duration, engine: self.engine(), segments, speakers: None })
    }

    /// Splits a window's tokens at timestamp pairs into pieces and says how
    /// far to advance.
    fn split_segments(&self, decoded: &Decoded, window_frames: usize) -> Split {
        let ts = self.vocab.timestamp_begin;
        let tokens = &decoded.tokens;
        let is_ts = |t: u32| t >= ts;
        let time = |t: u32| f64::from(t - ts) * align::SECS_PER_FRAME;
        let single_ending = tokens.len() >= 2 && !is_ts(tokens[tokens.len() - 2]) && is_ts(tokens[tokens.len() - 1]);
        let mut cuts: Vec<usize> = (1..tokens.len()).filter(|&i| is_ts(tokens[i - 1]) && is_ts(tokens[i])).collect();
        let window_secs = window_frames as f64 / 100.0;
        if cuts.is_empty() {
            let end = tokens.iter().rev().find(|&&t| is_ts(t)).map(|&t| time(t)).filter(|&e| e > 0.0).unwrap_or(window_secs);
            let open_ended = tokens.last().is_some_and(|&t| !is_ts(t));
            return Split { pieces: vec![Piece { start: 0.0, end, tokens: tokens.clone() }], advance: window_frames, open_ended };
        }
        if single_ending {
            cuts.push(tokens.len());
        }
        let mut pieces = Vec::new();
        let mut last = 0;
        for &cut in &cuts {
            let slice = &tokens[last..cut];
            if let (Some(&first), Some(&end)) = (slice.first(), slice.last()) {
                let start = if is_ts(first) { time(first) } else { 0.0 };
                pieces.push(Piece { start, end: time(end).max(start), tokens: slice.to_vec() });
            }
            last = cut;
        }
        let advance = if single_ending {
            window_frames
        } else {
            // Resume at the last complete segment's end (2 mel frames per timestamp step).
            let last_ts = tokens[last - 1];
            ((last_ts - ts) as usize * 2).min(window_frames)
        };
        Split { pieces, advance, open_ended: false }
    }

    /// Word timings (window seconds) and probabilities for the window's text tokens.
    fn align_words(&self, state: &mut super::whisper::DecoderState, decoded: &Decoded, window_frames: usize) -> anyhow::Result<Vec<TimedWord>> {
        let text: Vec<(u32, f32)> =
            decoded.tokens.iter().zip(&decoded.logprobs).filter(|(t, _)| **t < self.vocab.eot).map(|(t, l)| (*t, *l)).collect();
        if text.is_empty() || self.config.alignment_heads.is_empty() {
            return Ok(Vec::new());
        }
        let text_tokens: Vec<u32> = text.iter().map(|(t, _)| *t).collect();
        let sot = self.vocab.sot_sequence();
        let mut sequence = sot.clone();
        sequence.push(self.vocab.no_timestamps);
        sequence.extend_from_slice(&text_tokens);
        sequence.push(self.vocab.eot);
        if sequence.len() > self.model.dims.n_text_ctx {
            return Ok(Vec::new());
        }
        state.rewind();
        let step = self.model.decode(state, &sequence, &[sequence.len() - 1], true)?;
        // The window's frames only (the rest is padding), each row
        // renormalised over them; every row is standardised, then the rows of
        // <|notimestamps|> and the text are kept.
        let frames = (window_frames / 2).max(1);
        let mut heads = Vec::new();
        for &(layer, head) in &self.config.alignment_heads {
            let Some(weights) = step.cross_weights.get(layer) else { continue };
            let w = weights.i(head)?.narrow(1, 0, frames)?;
            let w = w.broadcast_div(&w.sum_keepdim(1)?)?;
            heads.push(w.to_vec2::<f32>()?);
        }
        let matrix = align::alignment_matrix(&heads);
        let matrix = &matrix[sot.len()..sequence.len() - 1];
        let decode = |ids: &[u32]| self.tokenizer.decode(ids, false).unwrap_or_default();
        let words = align::split_words(&text_tokens, &decode);
        let times = align::word_times(matrix, &words);
        let mut at = 0;
        Ok(words
            .into_iter()
            .zip(times)
            .map(|(word, (start, end))| {
                let n = word.tokens.len();
                let mean = text[at..at + n].iter().map(|(_, l)| f64::from(*l)).sum::<f64>() / n.max(1) as f64;
                at += n;
                TimedWord { word, start, end, probability: mean.exp() }
            })
            .collect())
    }

    #[allow(clippy::too_many_arguments)]
    fn push_segments(
        &self,
        out: &mut Vec<Segment>,
        pieces: Vec<Piece>,
        words: Vec<TimedWord>,
        decoded: &Decoded,
        offset: f64,
        window_frames: usize,
        duration: f64,
    ) {
        let window_end = (offset + window_frames as f64 / 100.0).min(duration);
        let clamp = |t: f64| (offset + t).clamp(offset, window_end);
        let mut words = words.into_iter();
        for Piece { start, end, tokens } in pieces {
            let text = self.text(&tokens);
            let count = tokens.iter().filter(|&&t| t < self.vocab.eot).count();
            let mut taken = 0;
            let mut segment_words = Vec::new();
            while taken < count {
                let Some(timed) = words.next() else { break };
                taken += timed.word.tokens.len();
                segment_words.push(Word { start: clamp(timed.start), end: clamp(timed.end), word: timed.word.text, probability: timed.probability });
            }
            if text.trim().is_empty() {
                continue;
            }
            out.push(Segment {
                start: clamp(start),
                end: clamp(end),
                text: text.trim().to_owned(),
                avg_logprob: decoded.avg_logprob,
                no_speech_prob: decoded.no_speech_prob,
                low_confidence: decoded.avg_logprob < decode::LOGPROB_THRESHOLD,
                words: segment_words,
                speaker: None,
            });
        }
    }
}

//! Decoding one 30-second window: the special tokens of a model's
//! vocabulary, OpenAI's timestamp rules (timestamps come in pairs, never go
//! back, the first is within a second of the window's start, and win when
//! their total probability beats every text token), greedy or beam-search
//! decoding ([`beam_search`]) with a sampling temperature fallback when a
//! window repeats itself (compression ratio above 2.4) or is too unsure
//! (average log-probability below -1), and the no-speech probability.

use std::io::Write as _;

use candle_core::{Device, Tensor};
use candle_transformers::generation::LogitsProcessor;

use super::vecmath::log_softmax;
use super::whisper::{self, DecoderState, Whisper};

/// Token ids the decoder needs, found by name in the tokenizer.
#[derive(Debug, Clone)]
pub struct Vocab {
    pub eot: u32,
    pub sot: u32,
    /// `<|en|>` and `<|transcribe|>` on multilingual models; `None` on `.en` models.
    pub language: Option<(u32, u32)>,
    pub no_timestamps: u32,
    pub timestamp_begin: u32,
    pub no_speech: Option<u32>,
    pub start_of_prev: u32,
    /// Never produced: the config's list, `<|notimestamps|>` and the other special tokens.
    pub suppress: Vec<u32>,
    /// Not produced as the first token (a blank, end of text).
    pub suppress_begin: Vec<u32>,
}

impl Vocab {
    /// `multilingual`: the model's vocabulary has 51865 tokens or more
    /// (English-only `.en` models have 51864 and take no language tokens).
    pub fn from_tokenizer(tokenizer: &tokenizers::Tokenizer, config: &ModelConfig, multilingual: bool) -> anyhow::Result<Self> {
        let id = |t: &str| tokenizer.token_to_id(t).ok_or_else(|| anyhow::anyhow!("the tokenizer has no {t}"));
        let no_timestamps = id("<|notimestamps|>")?;
        let language = if multilingual { Some((id("<|en|>")?, id("<|transcribe|>")?)) } else { None };
        let sot = id("<|startoftranscript|>")?;
        let start_of_prev = id("<|startofprev|>")?;
        let no_speech = tokenizer.token_to_id("<|nospeech|>").or_else(|| tokenizer.token_to_id("<|nocaptions|>"));
        // The config's list, plus the special tokens OpenAI never lets through as text.
        let mut suppress = config.suppress_ids.clone();
        suppress.extend([no_timestamps, sot, start_of_prev]);
        suppress.extend(language.map(|(_, transcribe)| transcribe));
        suppress.extend(["<|translate|>", "<|startoflm|>"].iter().filter_map(|t| tokenizer.token_to_id(t)));
        suppress.extend(no_speech);
        Ok(Self {
            eot: id("<|endoftext|>")?,
            sot,
            language,
            no_timestamps,
            timestamp_begin: no_timestamps + 1,
            no_speech,
            start_of_prev,
            suppress,
            suppress_begin: config.suppress_ids_begin.clone(),
        })
    }

    /// `<|startoftranscript|>` (+ `<|en|><|transcribe|>`).
    pub fn sot_sequence(&self) -> Vec<u32> {
        let mut seq = vec![self.sot];
        if let Some((en, transcribe)) = self.language {
            seq.extend([en, transcribe]);
        }
        seq
    }
}

/// The parts of a CTranslate2 Whisper `config.json` we use.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ModelConfig {
    #[serde(default)]
    pub alignment_heads: Vec<(usize, usize)>,
    #[serde(default)]
    pub suppress_ids: Vec<u32>,
    #[serde(default)]
    pub suppress_ids_begin: Vec<u32>,
}

/// Thresholds of the fallback (OpenAI's defaults).
pub const TEMPERATURES: [f64; 6] = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
pub const COMPRESSION_RATIO_THRESHOLD: f64 = 2.4;
pub const LOGPROB_THRESHOLD: f64 = -1.0;
pub const NO_SPEECH_THRESHOLD: f64 = 0.6;
/// Most tokens decoded per window (half the decoder's context).
const SAMPLE_LEN: usize = 224;
/// The first timestamp is at most 1 s into the window (50 × 20 ms).
const MAX_INITIAL_TIMESTAMP: u32 = 50;

/// One decoding of a window.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Text and timestamp tokens, without the end of text.
    pub tokens: Vec<u32>,
    /// Log-probability of each token in `tokens`.
    pub logprobs: Vec<f32>,
    pub avg_logprob: f64,
    pub no_speech_prob: f64,
    pub compression_ratio: f64,
    pub temperature: f64,
}

impl Decoded {
    /// Whether this looks like silence rather than a failed decoding.
    pub fn is_silence(&self) -> bool {
        self.no_speech_prob > NO_SPEECH_THRESHOLD && self.avg_logprob < LOGPROB_THRESHOLD
    }

    /// Whether the decoding repeats itself or is too unsure to trust.
    pub fn needs_fallback(&self) -> bool {
        !self.is_silence() && (self.compression_ratio > COMPRESSION_RATIO_THRESHOLD || self.avg_logprob < LOGPROB_THRESHOLD)
    }
}

/// How repetitive a text is: its length over its zlib-compressed length.
pub fn compression_ratio(text: &str) -> f64 {
    if text.is_empty() {
        return 0.0;
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let compressed = encoder.write_all(text.as_bytes()).and_then(|()| encoder.finish()).map(|v| v.len()).unwrap_or(1);
    text.len() as f64 / compressed.max(1) as f64
}

/// Decodes a window, retrying at higher temperatures while the result
/// repeats itself or is too unsure. `prompt` is the previous text (for
/// continuity), already cut to fit. `beam_size` above 1: the first attempt
/// (temperature 0) is a beam search of that width, as OpenAI's and
/// faster-whisper's are; the hotter ones sample.
pub fn decode_with_fallback(
    model: &Whisper,
    state: &mut DecoderState,
    vocab: &Vocab,
    tokenizer: &tokenizers::Tokenizer,
    prompt: &[u32],
    seed: u64,
    beam_size: usize,
) -> anyhow::Result<Decoded> {
    let mut attempts: Vec<Decoded> = Vec::new();
    for (attempt, &temperature) in TEMPERATURES.iter().enumerate() {
        state.rewind();
        // A window that keeps failing is often led astray by the previous
        // text (a loop feeding itself): the hotter attempts go without it.
        let prompt = if temperature > 0.5 { &[][..] } else { prompt };
        let mut decoded = if temperature == 0.0 && beam_size > 1 {
            beam_search(model, state, vocab, prompt, beam_size)?
        } else {
            decode(model, state, vocab, prompt, temperature, seed + attempt as u64)?
        };
        let text_tokens: Vec<u32> = decoded.tokens.iter().copied().filter(|&t| t < vocab.eot).collect();
        let text = tokenizer.decode(&text_tokens, true).map_err(anyhow::Error::msg)?;
        decoded.compression_ratio = compression_ratio(&text);
        if !decoded.needs_fallback() {
            return Ok(decoded);
        }
        attempts.push(decoded);
    }
    // Every attempt failed: the surest one that does not repeat itself, else the last.
    let not_looping = attempts
        .iter()
        .filter(|d| d.compression_ratio <= COMPRESSION_RATIO_THRESHOLD)
        .max_by(|a, b| a.avg_logprob.total_cmp(&b.avg_logprob))
        .cloned();
    not_looping.or_else(|| attempts.pop()).ok_or_else(|| anyhow::anyhow!("no decoding"))
}

/// Applies the suppression and timestamp rules to the logits of the next
/// token; returns the log-probabilities they leave.
fn apply_rules(logits: &mut [f32], sampled: &[u32], vocab: &Vocab) -> Vec<f32> {
    let ts = vocab.timestamp_begin as usize;
    for &t in &vocab.suppress {
        if let Some(l) = logits.get_mut(t as usize) {
            *l = f32::NEG_INFINITY;
        }
    }
    if sampled.is_empty() {
        for &t in &vocab.suppress_begin {
            if let Some(l) = logits.get_mut(t as usize) {
                *l = f32::NEG_INFINITY;
            }
        }
        // The window starts with a timestamp, within its first second.
        logits[..ts].fill(f32::NEG_INFINITY);
        let last_allowed = ts + MAX_INITIAL_TIMESTAMP as usize + 1;
        if last_allowed < logits.len() {
            logits[last_allowed..].fill(f32::NEG_INFINITY);
        }
        return log_softmax(logits);
    }
    let is_ts = |t: u32| t >= vocab.timestamp_begin;
    let last_was_ts = sampled.last().is_some_and(|&t| is_ts(t));
    let penultimate_was_ts = sampled.len() < 2 || is_ts(sampled[sampled.len() - 2]);
    if last_was_ts {
        if penultimate_was_ts {
            // A pair just closed: text comes next.
            logits[ts..].fill(f32::NEG_INFINITY);
        } else {
            // A segment's end: another timestamp or the end of text.
            logits[..vocab.eot as usize].fill(f32::NEG_INFINITY);
        }
    }
    // Timestamps never go back.
    if let Some(&last_ts) = sampled.iter().rev().find(|&&t| is_ts(t)) {
        let floor = if last_was_ts && !penultimate_was_ts { last_ts } else { last_ts + 1 } as usize;
        let end = floor.min(logits.len());
        logits[ts..end].fill(f32::NEG_INFINITY);
    }
    // When the timestamps together are likelier than any text token, take a timestamp.
    let logprobs = log_softmax(logits);
    let max_text = logprobs[..ts].iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let ts_max = logprobs[ts..].iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let ts_sum = ts_max + logprobs[ts..].iter().map(|&l| (l - ts_max).exp()).sum::<f32>().ln();
    if ts_sum > max_text {
        logits[..ts].fill(f32::NEG_INFINITY);
        return log_softmax(logits);
    }
    logprobs
}

/// The decoder after the prompt and the start of transcript: the logits of
/// the first token to choose, the no-speech probability, and how many tokens
/// may be chosen.
struct Opening {
    logits: Vec<f32>,
    no_speech_prob: f64,
    room: usize,
}

fn open(model: &Whisper, state: &mut DecoderState, vocab: &Vocab, prompt: &[u32]) -> anyhow::Result<Opening> {
    let mut prefix = Vec::new();
    if !prompt.is_empty() {
        prefix.push(vocab.start_of_prev);
        prefix.extend_from_slice(prompt);
    }
    let sot_index = prefix.len();
    prefix.extend(vocab.sot_sequence());
    let step = model.decode(state, &prefix, &[sot_index, prefix.len() - 1], false)?;
    let no_speech_prob = match vocab.no_speech {
        Some(id) => f64::from(log_softmax(&whisper::row(&step.logits, 0)?)[id as usize].exp()),
        None => 0.0,
    };
    let room = model.dims.n_text_ctx.saturating_sub(prefix.len()).min(SAMPLE_LEN);
    Ok(Opening { logits: whisper::row(&step.logits, 1)?, no_speech_prob, room })
}

/// One hypothesis of a beam search: its tokens, their log-probabilities and
/// their sum (with the end of text's, once finished).
#[derive(Debug, Clone, Default)]
struct Hypothesis {
    tokens: Vec<u32>,
    logprobs: Vec<f32>,
    sum_logprob: f64,
}

impl Hypothesis {
    /// The ranking score: the mean log-probability over its tokens and the
    /// end of text (OpenAI's default length normalisation).
    fn score(&self) -> f64 {
        self.sum_logprob / (self.tokens.len() + 1) as f64
    }
}

/// A possible next token of a live hypothesis.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    parent: usize,
    token: u32,
    logprob: f32,
    sum_logprob: f64,
}

/// Which candidates go on and which finish, as OpenAI's beam search does:
/// in order of total log-probability, a candidate ending the text (or one
/// with no room left) finishes, the others fill the `beam_size` live places;
/// the rest are dropped. Returns the live ones; finished ones are appended
/// to `finished` (at most `beam_size` in all).
fn select(
    mut candidates: Vec<Candidate>,
    live: &[Hypothesis],
    beam_size: usize,
    eot: u32,
    room: usize,
    finished: &mut Vec<Hypothesis>,
) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.sum_logprob.total_cmp(&a.sum_logprob));
    let mut next = Vec::with_capacity(beam_size);
    for candidate in candidates {
        let parent = &live[candidate.parent];
        if candidate.token == eot || parent.tokens.len() + 1 >= room {
            if finished.len() < beam_size {
                finished.push(Hypothesis { sum_logprob: candidate.sum_logprob, ..parent.clone() });
            }
        } else {
            next.push(candidate);
            if next.len() == beam_size {
                break;
            }
        }
    }
    next
}

/// The `count` likeliest tokens of `logprobs`, likeliest first.
fn top(logprobs: &[f32], count: usize) -> Vec<(u32, f32)> {
    let mut best: Vec<(u32, f32)> = Vec::with_capacity(count + 1);
    for (token, &logprob) in logprobs.iter().enumerate() {
        if logprob == f32::NEG_INFINITY || (best.len() == count && logprob <= best[count - 1].1) {
            continue;
        }
        let at = best.partition_point(|&(_, l)| l >= logprob);
        best.insert(at, (token as u32, logprob));
        best.truncate(count);
    }
    best
}

/// A beam search of `beam_size` hypotheses over one window, every step of
/// all of them in one decoder call ([`Whisper::decode_beams`]); the best
/// finished hypothesis by [`Hypothesis::score`].
fn beam_search(model: &Whisper, state: &mut DecoderState, vocab: &Vocab, prompt: &[u32], beam_size: usize) -> anyhow::Result<Decoded> {
    let Opening { logits, no_speech_prob, room } = open(model, state, vocab, prompt)?;
    let mut live = vec![Hypothesis::default()];
    let mut live_logits = vec![logits];
    let mut finished = Vec::new();
    while finished.len() < beam_size && !live.is_empty() {
        let mut candidates = Vec::new();
        for (parent, (hypothesis, logits)) in live.iter().zip(live_logits.iter_mut()).enumerate() {
            for (token, logprob) in top(&apply_rules(logits, &hypothesis.tokens, vocab), beam_size + 1) {
                candidates.push(Candidate { parent, token, logprob, sum_logprob: hypothesis.sum_logprob + f64::from(logprob) });
            }
        }
        let next = select(candidates, &live, beam_size, vocab.eot, room, &mut finished);
        if next.is_empty() || finished.len() >= beam_size {
            break;
        }
        let parents: Vec<u32> = next.iter().map(|c| c.parent as u32).collect();
        state.reorder(&parents)?;
        let tokens: Vec<u32> = next.iter().map(|c| c.token).collect();
        let step = model.decode_beams(state, &tokens)?;
        live_logits = (0..next.len()).map(|row| whisper::row(&step, row)).collect::<candle_core::Result<_>>()?;
        live = next
            .iter()
            .map(|c| {
                let mut hypothesis = live[c.parent].clone();
                hypothesis.tokens.push(c.token);
                hypothesis.logprobs.push(c.logprob);
                hypothesis.sum_logprob = c.sum_logprob;
                hypothesis
            })
            .collect();
    }
    if finished.is_empty() {
        finished = live;
    }
    let best = finished.into_iter().max_by(|a, b| a.score().total_cmp(&b.score())).unwrap_or_default();
    let avg_logprob = best.score();
    Ok(Decoded { tokens: best.tokens, logprobs: best.logprobs, avg_logprob, no_speech_prob, compression_ratio: 0.0, temperature: 0.0 })
}

fn decode(model: &Whisper, state: &mut DecoderState, vocab: &Vocab, prompt: &[u32], temperature: f64, seed: u64) -> anyhow::Result<Decoded> {
    let Opening { mut logits, no_speech_prob, room } = open(model, state, vocab, prompt)?;
    let mut sampler = LogitsProcessor::new(seed, (temperature > 0.0).then_some(temperature), None);
    let mut tokens = Vec::new();
    let mut logprobs = Vec::new();
    let mut sum_logprob = 0.0f64;
    loop {
        let distribution = apply_rules(&mut logits, &tokens, vocab);
        let next = if temperature > 0.0 {
            sampler.sample(&Tensor::from_slice(&logits, logits.len(), &Device::Cpu)?)?
        } else {
            argmax(&logits)
        };
        let logprob = distribution[next as usize];
        sum_logprob += f64::from(logprob);
        if next == vocab.eot || tokens.len() + 1 >= room {
            break;
        }
        tokens.push(next);
        logprobs.push(logprob);
        let step = model.decode(state, &[next], &[0], false)?;
        logits = whisper::row(&step.logits, 0)?;
    }
    let avg_logprob = sum_logprob / (tokens.len() + 1) as f64;
    Ok(Decoded { tokens, logprobs, avg_logprob, no_speech_prob, compression_ratio: 0.0, temperature })
}

fn argmax(values: &[f32]) -> u32 {
    values.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocab {
        Vocab {
            eot: 10,
            sot: 11,
            language: None,
            no_timestamps: 12,
            timestamp_begin: 13,
            no_speech: None,
            start_of_prev: 14,
            suppress: vec![12],
            suppress_begin: vec![10],
        }
    }

    #[test]
    fn a_window_opens_with_a_timestamp_and_pairs_are_followed_by_text() {
        let v = vocab();
        let mut logits = vec![0.0f32; 13 + 100];
        apply_rules(&mut logits, &[], &v);
        assert!(logits[..13].iter().all(|l| l.is_infinite()), "text is suppressed at the start");
        assert!(logits[13..=13 + 50].iter().all(|l| l.is_finite()));
        assert!(logits[13 + 51..].iter().all(|l| l.is_infinite()), "no first timestamp beyond 1 s");

        let mut logits = vec![0.0f32; 113];
        apply_rules(&mut logits, &[13, 5, 20, 20], &v);
        assert!(logits[13..].iter().all(|l| l.is_infinite()), "after a pair comes text");

        let mut logits = vec![0.0f32; 113];
        logits[10] = 10.0; // the end of text is likelier than all timestamps together
        apply_rules(&mut logits, &[13, 5, 30], &v);
        assert!(logits[..10].iter().all(|l| l.is_infinite()), "after a closing timestamp: timestamp or end");
        assert!(logits[13..30].iter().all(|l| l.is_infinite()), "timestamps never go back");
        assert!(logits[30].is_finite() && logits[10].is_finite());
    }

    #[test]
    fn top_keeps_the_likeliest_tokens_in_order_and_never_a_suppressed_one() {
        let logprobs = [-3.0, f32::NEG_INFINITY, -0.5, -2.0, -0.1, -7.0];
        assert_eq!(top(&logprobs, 3), vec![(4, -0.1), (2, -0.5), (3, -2.0)]);
        assert_eq!(top(&[f32::NEG_INFINITY, -1.0], 3), vec![(1, -1.0)]);
    }

    #[test]
    fn a_beam_keeps_the_likeliest_continuations_and_finishes_those_that_end() {
        let eot = 10;
        let live = vec![
            Hypothesis { tokens: vec![1], logprobs: vec![-0.1], sum_logprob: -0.1 },
            Hypothesis { tokens: vec![2], logprobs: vec![-0.5], sum_logprob: -0.5 },
        ];
        let candidate = |parent: usize, token: u32, logprob: f32| Candidate {
            parent,
            token,
            logprob,
            sum_logprob: live[parent].sum_logprob + f64::from(logprob),
        };
        let candidates =
            vec![candidate(0, 3, -2.0), candidate(0, eot, -0.2), candidate(1, 4, -0.1), candidate(1, 5, -3.0), candidate(0, 6, -0.4)];
        let mut finished = Vec::new();
        let next = select(candidates, &live, 2, eot, 100, &mut finished);
        // In order of total: eot after [1] (-0.3) finishes; [1,6] (-0.5) and [2,4] (-0.6) go on.
        assert_eq!(next.iter().map(|c| (c.parent, c.token)).collect::<Vec<_>>(), vec![(0, 6), (1, 4)]);
        assert_eq!(finished.len(), 1);
        assert_eq!(finished[0].tokens, vec![1]);
        assert!((finished[0].sum_logprob + 0.3).abs() < 1e-6);
        // A hypothesis with no room left finishes whatever its next token.
        let mut finished = Vec::new();
        let next = select(vec![candidate(1, 4, -0.1)], &live, 2, eot, 2, &mut finished);
        assert!(next.is_empty());
        assert_eq!(finished[0].tokens, vec![2]);
        // The ranking is per token: a longer hypothesis is not punished for its length.
        let short = Hypothesis { tokens: vec![1], logprobs: vec![-1.0], sum_logprob: -2.0 };
        let long = Hypothesis { tokens: vec![1, 2, 3], logprobs: vec![-0.5; 3], sum_logprob: -3.0 };
        assert!(long.score() > short.score());
    }

    #[test]
    fn repetition_raises_the_compression_ratio() {
        let varied = "Tell me about a time you led a project under a tight deadline and what you learned.";
        let looped = "I think I think I think I think I think I think I think I think I think I think I think.";
        assert!(compression_ratio(varied) < COMPRESSION_RATIO_THRESHOLD);
        assert!(compression_ratio(looped) > COMPRESSION_RATIO_THRESHOLD);
    }
}

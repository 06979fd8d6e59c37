//! The Whisper network, written for the CTranslate2 weights the registry
//! carries: fused query/key/value projections (one matrix product instead of
//! three), a key/value cache for the decoder's self-attention (each new token
//! costs one position, not the whole prefix), cross-attention keys and values
//! computed once per 30-second window, and the cross-attention weights of
//! chosen heads on request (word timestamps). Follows OpenAI's `model.py`
//! and candle-transformers' `whisper::model` (MIT/Apache-2.0).

use candle_core::{D, DType, Device, IndexOp as _, Module as _, Result, Tensor};
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_nn::{Conv1d, Conv1dConfig, LayerNorm};

use super::ct2::Variables;
use super::{attention, vecmath};

/// The sizes of a Whisper model, read from its tensors.
#[derive(Debug, Clone, Copy)]
pub struct Dims {
    pub n_mels: usize,
    pub n_audio_ctx: usize,
    pub d_model: usize,
    pub encoder_heads: usize,
    pub decoder_heads: usize,
    pub vocab: usize,
    pub n_text_ctx: usize,
}

/// A projection `x·Wᵀ + b`. The decoder reads every weight once per token,
/// so its memory traffic, not arithmetic, sets the speed: its weights are
/// held as Q8_0 (a quarter of float32's bytes, no measurable loss). The
/// encoder multiplies 1500 frames at once and keeps float32.
struct Linear {
    weight: QMatMul,
    bias: Option<Tensor>,
}

impl Linear {
    fn new(weight: Tensor, bias: Option<Tensor>, quantize: bool) -> Result<Self> {
        let weight = if quantize {
            QMatMul::from_qtensor(QTensor::quantize(&weight, GgmlDType::Q8_0)?)?
        } else {
            QMatMul::Tensor(weight)
        };
        Ok(Self { weight, bias })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.weight.forward(x)?;
        match &self.bias {
            Some(bias) => y.broadcast_add(bias),
            None => Ok(y),
        }
    }
}

fn linear(vars: &Variables, prefix: &str, quantize: bool) -> anyhow::Result<Linear> {
    let weight = vars.get(&format!("{prefix}/weight"))?.clone();
    let bias = vars.tensors.get(&format!("{prefix}/bias")).cloned();
    Ok(Linear::new(weight, bias, quantize)?)
}

fn layer_norm(vars: &Variables, prefix: &str) -> anyhow::Result<LayerNorm> {
    Ok(LayerNorm::new(vars.get(&format!("{prefix}/gamma"))?.clone(), vars.get(&format!("{prefix}/beta"))?.clone(), 1e-5))
}

fn layer_count(vars: &Variables, stack: &str) -> usize {
    (0..).take_while(|i| vars.tensors.contains_key(&format!("{stack}/layer_{i}/ffn/linear_0/weight"))).count()
}

/// `[b, t, h·d] → [b, h, t, d]`
fn heads(x: &Tensor, n_head: usize) -> Result<Tensor> {
    let (b, t, state) = x.dims3()?;
    x.reshape((b, t, n_head, state / n_head))?.transpose(1, 2)
}

/// Keys or values in head layout `[b, h, t, d]`, contiguous; keys are
/// pre-scaled (Whisper scales queries and keys by `d^-0.25` each).
fn head_layout(x: &Tensor, n_head: usize, scale: Option<f64>) -> Result<Tensor> {
    let x = heads(x, n_head)?;
    match scale {
        Some(scale) => (x * scale)?.contiguous(),
        None => x.contiguous(),
    }
}

fn key_scale(x: &Tensor, n_head: usize) -> Result<f64> {
    Ok(((x.dim(D::Minus1)? / n_head) as f64).powf(-0.25))
}

/// Scaled dot-product attention of queries `[b, t, h·d]` over keys and
/// values already in head layout: the output `[b, t, h·d]`, computed block
/// by block ([`attention`]).
fn attend(q: &Tensor, k: &Tensor, v: &Tensor, n_head: usize) -> Result<Tensor> {
    let scale = key_scale(q, n_head)?;
    attention::attention(&head_layout(q, n_head, Some(scale))?, k, v)
}

/// [`attend`] composed of whole-tensor operations, for the cases the
/// blocked form leaves out: a mask (a prompt read at once), or the weights
/// wanted (word timings read them); returns the output and the weights.
fn attend_with_weights(q: &Tensor, k: &Tensor, v: &Tensor, n_head: usize, mask: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
    let scale = key_scale(q, n_head)?;
    let q = head_layout(q, n_head, Some(scale))?;
    let mut qk = q.matmul(&k.t()?)?;
    if let Some(mask) = mask {
        qk = qk.broadcast_add(mask)?;
    }
    let weights = candle_nn::ops::softmax_last_dim(&qk)?;
    let out = weights.matmul(v)?.transpose(1, 2)?.flatten_from(2)?;
    Ok((out, weights))
}

struct SelfAttention {
    ln: LayerNorm,
    qkv: Linear,
    out: Linear,
    d_model: usize,
    n_head: usize,
}

impl SelfAttention {
    fn load(vars: &Variables, prefix: &str, d_model: usize, n_head: usize, quantize: bool) -> anyhow::Result<Self> {
        Ok(Self {
            ln: layer_norm(vars, &format!("{prefix}/layer_norm"))?,
            qkv: linear(vars, &format!("{prefix}/linear_0"), quantize)?,
            out: linear(vars, &format!("{prefix}/linear_1"), quantize)?,
            d_model,
            n_head,
        })
    }

    /// With a cache, the new positions attend to the cached ones and are appended.
    fn forward(&self, x: &Tensor, cache: Option<&mut Option<(Tensor, Tensor)>>, mask: Option<&Tensor>) -> Result<Tensor> {
        let qkv = self.qkv.forward(&self.ln.forward(x)?)?;
        let d = self.d_model;
        let q = qkv.narrow(D::Minus1, 0, d)?;
        let k = qkv.narrow(D::Minus1, d, d)?;
        let scale = key_scale(&k, self.n_head)?;
        let mut k = head_layout(&k, self.n_head, Some(scale))?;
        let mut v = head_layout(&qkv.narrow(D::Minus1, 2 * d, d)?, self.n_head, None)?;
        if let Some(cache) = cache {
            if let Some((ck, cv)) = cache.as_ref() {
                k = Tensor::cat(&[ck, &k], 2)?;
                v = Tensor::cat(&[cv, &v], 2)?;
            }
            *cache = Some((k.clone(), v.clone()));
        }
        let out = match mask {
            Some(mask) => attend_with_weights(&q, &k, &v, self.n_head, Some(mask))?.0,
            None => attend(&q, &k, &v, self.n_head)?,
        };
        self.out.forward(&out)
    }
}

struct CrossAttention {
    ln: LayerNorm,
    q: Linear,
    kv: Linear,
    out: Linear,
    d_model: usize,
    n_head: usize,
}

impl CrossAttention {
    /// Keys (scaled) and values of the encoded audio in head layout, once per window.
    fn keys_values(&self, audio: &Tensor) -> Result<(Tensor, Tensor)> {
        let kv = self.kv.forward(audio)?;
        let k = kv.narrow(D::Minus1, 0, self.d_model)?;
        let scale = key_scale(&k, self.n_head)?;
        Ok((head_layout(&k, self.n_head, Some(scale))?, head_layout(&kv.narrow(D::Minus1, self.d_model, self.d_model)?, self.n_head, None)?))
    }

    /// The output and, if `want_weights`, the attention weights `[1, heads, tokens, frames]`.
    fn forward(&self, x: &Tensor, kv: &(Tensor, Tensor), want_weights: bool) -> Result<(Tensor, Option<Tensor>)> {
        let q = self.q.forward(&self.ln.forward(x)?)?;
        let (out, weights) = if want_weights {
            let (out, weights) = attend_with_weights(&q, &kv.0, &kv.1, self.n_head, None)?;
            (out, Some(weights))
        } else {
            (attend(&q, &kv.0, &kv.1, self.n_head)?, None)
        };
        Ok((self.out.forward(&out)?, weights))
    }
}

struct Mlp {
    ln: LayerNorm,
    up: Linear,
    down: Linear,
}

impl Mlp {
    fn load(vars: &Variables, prefix: &str, quantize: bool) -> anyhow::Result<Self> {
        Ok(Self {
            ln: layer_norm(vars, &format!("{prefix}/layer_norm"))?,
            up: linear(vars, &format!("{prefix}/linear_0"), quantize)?,
            down: linear(vars, &format!("{prefix}/linear_1"), quantize)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.down.forward(&vecmath::gelu_tensor(&self.up.forward(&self.ln.forward(x)?)?)?)
    }
}

struct EncoderLayer {
    attn: SelfAttention,
    mlp: Mlp,
}

struct DecoderLayer {
    attn: SelfAttention,
    cross: CrossAttention,
    mlp: Mlp,
}

/// The decoder's memory for one window: cross-attention keys/values of the
/// encoded audio and the self-attention cache of the tokens seen so far.
pub struct DecoderState {
    cross: Vec<(Tensor, Tensor)>,
    cache: Vec<Option<(Tensor, Tensor)>>,
    /// Tokens already in the cache.
    pub position: usize,
}

impl DecoderState {
    /// Forgets the tokens (keeps the audio): a new decoding of the same window.
    pub fn rewind(&mut self) {
        self.cache.iter_mut().for_each(|c| *c = None);
        self.position = 0;
    }

    /// Makes the self-attention cache hold the hypotheses `parents` (rows of
    /// the current one, repeats allowed), in that order: a beam search keeps
    /// each surviving hypothesis's history, and the first step widens one
    /// prompt into several beams.
    pub fn reorder(&mut self, parents: &[u32]) -> Result<()> {
        let Some(device) = self.cross.first().map(|(k, _)| k.device().clone()) else { return Ok(()) };
        let index = Tensor::new(parents, &device)?;
        for entry in self.cache.iter_mut().flatten() {
            *entry = (entry.0.index_select(&index, 0)?, entry.1.index_select(&index, 0)?);
        }
        Ok(())
    }
}

/// What a decoder step returns.
pub struct Step {
    /// Logits at the requested positions, `[positions, vocab]`.
    pub logits: Tensor,
    /// Per layer, the cross-attention weights `[heads, tokens, frames]` (only when asked).
    pub cross_weights: Vec<Tensor>,
}

/// A loaded Whisper model (weights shared; cheap to use from one thread).
pub struct Whisper {
    pub dims: Dims,
    conv1: Conv1d,
    conv2: Conv1d,
    audio_positions: Tensor,
    encoder: Vec<EncoderLayer>,
    encoder_ln: LayerNorm,
    embeddings: Tensor,
    /// The output layer: the token embeddings again, as Q8_0.
    projection: Linear,
    text_positions: Tensor,
    decoder: Vec<DecoderLayer>,
    decoder_ln: LayerNorm,
    device: Device,
}

impl Whisper {
    pub fn load(vars: &Variables, device: &Device) -> anyhow::Result<Self> {
        let conv1_w = vars.get("encoder/conv1/weight")?;
        let (d_model, n_mels, _) = conv1_w.dims3()?;
        let embeddings = vars.get("decoder/embeddings/weight")?.clone();
        let audio_positions = vars.get("encoder/position_encodings/encodings")?.clone();
        let text_positions = vars.get("decoder/position_encodings/encodings")?.clone();
        let dims = Dims {
            n_mels,
            n_audio_ctx: audio_positions.dim(0)?,
            d_model,
            encoder_heads: usize::try_from(vars.scalar("encoder/num_heads")?)?,
            decoder_heads: usize::try_from(vars.scalar("decoder/num_heads")?)?,
            vocab: embeddings.dim(0)?,
            n_text_ctx: text_positions.dim(0)?,
        };
        let conv = |name: &str, stride| -> anyhow::Result<Conv1d> {
            let config = Conv1dConfig { padding: 1, stride, dilation: 1, groups: 1, cudnn_fwd_algo: None };
            Ok(Conv1d::new(vars.get(&format!("encoder/{name}/weight"))?.clone(), Some(vars.get(&format!("encoder/{name}/bias"))?.clone()), config))
        };
        let encoder = (0..layer_count(vars, "encoder"))
            .map(|i| {
                let p = format!("encoder/layer_{i}");
                Ok(EncoderLayer {
                    attn: SelfAttention::load(vars, &format!("{p}/self_attention"), d_model, dims.encoder_heads, false)?,
                    mlp: Mlp::load(vars, &format!("{p}/ffn"), false)?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let decoder = (0..layer_count(vars, "decoder"))
            .map(|i| {
                let p = format!("decoder/layer_{i}");
                Ok(DecoderLayer {
                    attn: SelfAttention::load(vars, &format!("{p}/self_attention"), d_model, dims.decoder_heads, true)?,
                    cross: CrossAttention {
                        ln: layer_norm(vars, &format!("{p}/attention/layer_norm"))?,
                        q: linear(vars, &format!("{p}/attention/linear_0"), true)?,
                        // Applied to 1500 frames once per window: float32.
                        kv: linear(vars, &format!("{p}/attention/linear_1"), false)?,
                        out: linear(vars, &format!("{p}/attention/linear_2"), true)?,
                        d_model,
                        n_head: dims.decoder_heads,
                    },
                    mlp: Mlp::load(vars, &format!("{p}/ffn"), true)?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let projection = Linear::new(embeddings.clone(), None, true)?;
        Ok(Self {
            projection,
            dims,
            conv1: conv("conv1", 1)?,
            conv2: conv("conv2", 2)?,
            audio_positions,
            encoder,
            encoder_ln: layer_norm(vars, "encoder/layer_norm")?,
            embeddings,
            text_positions,
            decoder,
            decoder_ln: layer_norm(vars, "decoder/layer_norm")?,
            device: device.clone(),
        })
    }

    pub fn decoder_layers(&self) -> usize {
        self.decoder.len()
    }

    /// Encodes one window's log-mel spectrogram (`n_mels × 3000`) and
    /// prepares the decoder for it.
    pub fn encode(&self, mel: &[f32]) -> Result<DecoderState> {
        let frames = mel.len() / self.dims.n_mels;
        let x = Tensor::from_slice(mel, (1, self.dims.n_mels, frames), &self.device)?;
        let x = vecmath::gelu_tensor(&self.conv1.forward(&x)?)?;
        let x = vecmath::gelu_tensor(&self.conv2.forward(&x)?)?.transpose(1, 2)?;
        let positions = self.audio_positions.narrow(0, 0, x.dim(1)?)?;
        let mut x = x.broadcast_add(&positions)?;
        for layer in &self.encoder {
            x = (&x + layer.attn.forward(&x, None, None)?)?;
            x = (&x + layer.mlp.forward(&x)?)?;
        }
        let audio = self.encoder_ln.forward(&x)?;
        let cross = self.decoder.iter().map(|l| l.cross.keys_values(&audio)).collect::<Result<Vec<_>>>()?;
        Ok(DecoderState { cross, cache: vec![None; self.decoder.len()], position: 0 })
    }

    /// Feeds `tokens` after those already in `state`; returns the logits at
    /// `logits_at` (indices into `tokens`) and, if `want_cross`, every
    /// layer's cross-attention weights.
    pub fn decode(&self, state: &mut DecoderState, tokens: &[u32], logits_at: &[usize], want_cross: bool) -> Result<Step> {
        let n = tokens.len();
        let start = state.position;
        let x = self.embed(state, tokens, n)?.unsqueeze(0)?;
        let mask = if n > 1 {
            let values: Vec<f32> = (0..n)
                .flat_map(|i| (0..start + n).map(move |j| if j > start + i { f32::NEG_INFINITY } else { 0.0 }))
                .collect();
            Some(Tensor::from_vec(values, (n, start + n), &self.device)?)
        } else {
            None
        };
        let (x, cross_weights) = self.layers(state, x, mask.as_ref(), want_cross)?;
        let picked = Tensor::new(logits_at.iter().map(|&i| i as u32).collect::<Vec<_>>(), &self.device)?;
        let hidden = x.squeeze(0)?.index_select(&picked, 0)?;
        let logits = self.projection.forward(&hidden)?;
        Ok(Step { logits: logits.to_dtype(DType::F32)?, cross_weights })
    }

    /// One step of several hypotheses at once: `tokens[i]` follows row `i` of
    /// the state's cache (arranged by [`DecoderState::reorder`]); the logits
    /// `[hypotheses, vocab]`.
    pub fn decode_beams(&self, state: &mut DecoderState, tokens: &[u32]) -> Result<Tensor> {
        let x = self.embed(state, tokens, 1)?.unsqueeze(1)?;
        let (x, _) = self.layers(state, x, None, false)?;
        self.projection.forward(&x.squeeze(1)?)?.to_dtype(DType::F32)
    }

    /// The embeddings of `tokens` `[tokens, d]` plus those of the next
    /// `positions` positions after the state's (one for all of them, or one each).
    fn embed(&self, state: &DecoderState, tokens: &[u32], positions: usize) -> Result<Tensor> {
        let start = state.position;
        if start + positions > self.dims.n_text_ctx {
            candle_core::bail!("the decoder holds at most {} tokens", self.dims.n_text_ctx);
        }
        let ids = Tensor::new(tokens, &self.device)?;
        self.embeddings.embedding(&ids)?.broadcast_add(&self.text_positions.narrow(0, start, positions)?)
    }

    /// The decoder stack over `x` `[hypotheses, positions, d]` (one
    /// hypothesis, or one position each) after the state's cached positions;
    /// the final layer norm's output and, if `want_cross`, every layer's
    /// cross-attention weights. In the cross-attention every query is read as
    /// a position of one sequence (each attends to the audio alone), so the
    /// audio's keys and values serve any number of hypotheses without a copy.
    fn layers(&self, state: &mut DecoderState, mut x: Tensor, mask: Option<&Tensor>, want_cross: bool) -> Result<(Tensor, Vec<Tensor>)> {
        let (hypotheses, positions, d) = x.dims3()?;
        let mut cross_weights = Vec::new();
        for (i, layer) in self.decoder.iter().enumerate() {
            x = (&x + layer.attn.forward(&x, Some(&mut state.cache[i]), mask)?)?;
            let (out, weights) = layer.cross.forward(&x.reshape((1, hypotheses * positions, d))?, &state.cross[i], want_cross)?;
            if let Some(weights) = weights {
                cross_weights.push(weights.squeeze(0)?);
            }
            x = (&x + out.reshape((hypotheses, positions, d))?)?;
            x = (&x + layer.mlp.forward(&x)?)?;
        }
        state.position += positions;
        Ok((self.decoder_ln.forward(&x)?, cross_weights))
    }
}

/// The last row of a `[positions, vocab]` logits tensor as a vector.
pub fn row(logits: &Tensor, index: usize) -> Result<Vec<f32>> {
    logits.i(index)?.to_vec1()
}

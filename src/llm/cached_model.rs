//! The local chat model's transformer: a llama or qwen2 GGUF (SmolLM2,
//! Qwen2.5) on candle, whose KV cache can be cut back to its first `n`
//! positions, so a prompt that shares `n` tokens with what the cache holds
//! runs only the rest through the model ([`CachedModel::truncate_kv_cache`]).
//!
//! Adapted from candle-transformers 0.11.1 (`src/models/quantized_llama.rs`
//! and `src/models/quantized_qwen2.rs`, <https://github.com/huggingface/candle>,
//! copyright the Candle authors, licensed MIT OR Apache-2.0). Candle's
//! versions keep their KV cache private and only append to it (or start over
//! at position 0), so they cannot keep a conversation's prefix. What changed:
//! - one model for both architectures (they differ only in qwen2's Q/K/V
//!   biases, the rotary convention and the rotary table's length);
//! - each layer's cache is a [`LayerCache`], cut back by
//!   [`CachedModel::truncate_kv_cache`]; `forward` takes no position (it is
//!   the cache's length), so the two cannot disagree. (candle-nn's public
//!   `ConcatKvCache` keeps keys and values along one axis; here the keys
//!   are kept transposed and both padded, see the next point);
//! - attention gives a token the same numbers whether it runs alone or in a
//!   batch (rows padded to [`ROW_CHUNK`], keys transposed for gemm), so a
//!   reply does not depend on what the cache held, as long as candle's
//!   quantized matmul does the same for one row as for many (true for Q8_0;
//!   not for the Q6K matrices of the Qwen2.5 file, whose single-row kernel
//!   differs). With candle's attention a follow-up's greedy reply changed
//!   with the cache even for Q8_0;
//! - the token embeddings stay quantized, as the file has them: a forward
//!   dequantizes only the rows of its tokens (candle-core's
//!   `QTensor::embedding`, llama.cpp's `get_rows`). Candle's versions
//!   dequantize the whole table to f32 at load: 519 MiB for Qwen2.5-0.5B's
//!   151,936 × 896 table, next to the 138 MiB it takes as Q8_0. The same
//!   numbers come out (a row's blocks dequantize alone as in the whole);
//! - trimmed to what runs here: GGUF on the CPU only (no GGML files,
//!   mixture-of-experts or Metal attention, no tracing spans), and the causal
//!   mask is built per call instead of kept in a map that grew with every
//!   new prompt length.

use std::sync::Arc;

use candle_core::quantized::{QMatMul, QTensor, gguf_file};
use candle_core::{DType, Device, IndexOp as _, Module as _, Result, Tensor};
use candle_transformers::quantized_nn::RmsNorm;
use candle_transformers::utils::repeat_kv;

/// Rotary positions of a llama model (candle's table, whatever the file says).
const LLAMA_MAX_POSITIONS: usize = 4096;
/// The positions axis of the cached keys, `[batch, kv_heads, head_dim, positions]`.
const KEYS_AXIS: usize = 3;
/// The positions axis of the cached values, `[batch, kv_heads, positions, head_dim]`.
const VALUES_AXIS: usize = 2;
/// Attention rows are padded (masked keys, zero values) to a multiple of
/// this many positions, the chunk candle's SIMD sum adds at a time, so a
/// softmax row sums the same whatever its length. With the keys' layout in
/// `forward_attn`, that makes a token's numbers the same whether it ran
/// alone (a generated token) or in a batch (a prompt): a reply on the cache
/// is the reply without it, bit for bit (for row-invariant matmuls). (Otherwise rows of different
/// lengths differ in the last bit, which the 8-bit quantization of the
/// activations blows up to logits half a unit apart, enough to change a
/// greedy reply.)
const ROW_CHUNK: usize = 32;

#[derive(Debug, Clone)]
struct Mlp {
    feed_forward_w1: QMatMul,
    feed_forward_w2: QMatMul,
    feed_forward_w3: QMatMul,
}

impl Mlp {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let w1 = self.feed_forward_w1.forward(xs)?;
        let w3 = self.feed_forward_w3.forward(xs)?;
        self.feed_forward_w2.forward(&(candle_nn::ops::silu(&w1)? * w3)?)
    }
}

/// Qwen2's biases on the query, key and value projections.
#[derive(Debug, Clone)]
struct QkvBias {
    q: Tensor,
    k: Tensor,
    v: Tensor,
}

/// What every layer's attention shares: head counts and the rotary table.
#[derive(Debug, Clone)]
struct Attention {
    n_head: usize,
    n_kv_head: usize,
    head_dim: usize,
    /// NEOX rotation (pairs `i` and `i + d/2`: qwen2) rather than interleaved
    /// (pairs `2i` and `2i + 1`: llama). The wrong one garbles the output.
    rope_is_neox: bool,
    cos: Tensor,
    sin: Tensor,
    neg_inf: Tensor,
}

impl Attention {
    fn apply_rotary_emb(&self, x: &Tensor, position: usize) -> Result<Tensor> {
        let (_b_sz, _n_head, seq_len, _n_embd) = x.dims4()?;
        let cos = self.cos.narrow(0, position, seq_len)?;
        let sin = self.sin.narrow(0, position, seq_len)?;
        let x = x.contiguous()?;
        if self.rope_is_neox {
            candle_nn::rotary_emb::rope(&x, &cos, &sin)
        } else {
            candle_nn::rotary_emb::rope_i(&x, &cos, &sin)
        }
    }
}

#[derive(Debug, Clone)]
struct LayerWeights {
    attention_wq: QMatMul,
    attention_wk: QMatMul,
    attention_wv: QMatMul,
    attention_bias: Option<QkvBias>,
    attention_wo: QMatMul,
    attention_norm: RmsNorm,
    mlp: Mlp,
    ffn_norm: RmsNorm,
    kv_cache: LayerCache,
}

fn masked_fill(on_false: &Tensor, mask: &Tensor, on_true: &Tensor) -> Result<Tensor> {
    let shape = mask.shape();
    mask.where_cond(&on_true.broadcast_as(shape.dims())?, on_false)
}

/// One layer's keys and values of every position so far, each padded with
/// zeros to a multiple of [`ROW_CHUNK`] positions (the padding is masked).
/// The keys are kept transposed, ready for `q · kᵀ`. Appending copies the
/// cache once, as candle's `Tensor::cat` did.
#[derive(Debug, Clone, Default)]
struct LayerCache {
    /// `[batch, kv_heads, head_dim, width]`.
    keys: Option<Tensor>,
    /// `[batch, kv_heads, width, head_dim]`.
    values: Option<Tensor>,
    /// Positions held; the rest of the width is padding.
    len: usize,
}

impl LayerCache {
    /// Appends the keys `k` and values `v` (`[batch, kv_heads, n, head_dim]`);
    /// all keys (transposed) and values, padded.
    fn append(&mut self, k: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)> {
        let len = self.len + k.dim(2)?;
        let width = len.next_multiple_of(ROW_CHUNK);
        let keys = self.extended(self.keys.as_ref(), k.t()?.contiguous()?, KEYS_AXIS, width)?;
        let values = self.extended(self.values.as_ref(), v.contiguous()?, VALUES_AXIS, width)?;
        self.keys = Some(keys.clone());
        self.values = Some(values.clone());
        self.len = len;
        Ok((keys, values))
    }

    /// The held positions of `cached` along `axis`, then `new`, padded to `width`.
    fn extended(&self, cached: Option<&Tensor>, new: Tensor, axis: usize, width: usize) -> Result<Tensor> {
        match cached {
            Some(cached) if self.len > 0 => join_padded(vec![cached.narrow(axis, 0, self.len)?, new], axis, width),
            _ => join_padded(vec![new], axis, width),
        }
    }

    /// Keeps the first `positions` positions (a copy, so the dropped ones'
    /// memory is freed).
    fn truncate(&mut self, positions: usize) -> Result<()> {
        if positions >= self.len {
            return Ok(());
        }
        if positions == 0 {
            *self = Self::default();
            return Ok(());
        }
        let width = positions.next_multiple_of(ROW_CHUNK);
        let keep =
            |cached: &Tensor, axis| join_padded(vec![cached.narrow(axis, 0, positions)?], axis, width)?.contiguous();
        self.keys = self.keys.as_ref().map(|keys| keep(keys, KEYS_AXIS)).transpose()?;
        self.values = self.values.as_ref().map(|values| keep(values, VALUES_AXIS)).transpose()?;
        self.len = positions;
        Ok(())
    }
}

/// `parts` joined along `axis` and padded with zeros to `width` positions,
/// in one copy.
fn join_padded(mut parts: Vec<Tensor>, axis: usize, width: usize) -> Result<Tensor> {
    let filled = parts.iter().map(|part| part.dim(axis)).sum::<Result<usize>>()?;
    if let Some(last) = parts.last().filter(|_| width > filled) {
        let mut shape = last.dims().to_vec();
        shape[axis] = width - filled;
        let zeros = Tensor::zeros(shape, last.dtype(), last.device())?;
        parts.push(zeros);
    }
    Tensor::cat(&parts, axis)
}

/// Which keys each of `seq_len` new tokens at `position..` must not see
/// (1), `width` keys wide: the later tokens and the padding.
fn causal_mask(seq_len: usize, position: usize, width: usize, device: &Device) -> Result<Tensor> {
    let mask: Vec<u8> =
        (0..seq_len).flat_map(|i| (0..width).map(move |j| u8::from(j > position + i))).collect();
    Tensor::from_slice(&mask, (seq_len, width), device)
}

impl LayerWeights {
    fn forward_attn(&mut self, x: &Tensor, mask: &Tensor, position: usize, at: &Attention) -> Result<Tensor> {
        let (b_sz, seq_len, n_embd) = x.dims3()?;
        let mut q = self.attention_wq.forward(x)?;
        let mut k = self.attention_wk.forward(x)?;
        let mut v = self.attention_wv.forward(x)?;
        if let Some(bias) = &self.attention_bias {
            q = q.broadcast_add(&bias.q)?;
            k = k.broadcast_add(&bias.k)?;
            v = v.broadcast_add(&bias.v)?;
        }

        let q = q.reshape((b_sz, seq_len, at.n_head, at.head_dim))?.transpose(1, 2)?;
        let k = k.reshape((b_sz, seq_len, at.n_kv_head, at.head_dim))?.transpose(1, 2)?;
        // Contiguous so the fast kernels run below.
        let v = v.reshape((b_sz, seq_len, at.n_kv_head, at.head_dim))?.transpose(1, 2)?.contiguous()?;

        let q = at.apply_rotary_emb(&q, position)?;
        let k = at.apply_rotary_emb(&k, position)?;

        // Keys transposed and contiguous: gemm then sums each score in the
        // same order for one query row as for many (on a transposed view of
        // `[positions, head_dim]` keys it does not).
        let (k, v) = self.kv_cache.append(&k, &v)?;

        // Grouped-query attention: each key/value head serves several query
        // heads (`repeat_kv` repeats along axis 2, the head_dim of the keys).
        let k = repeat_kv(k, at.n_head / at.n_kv_head)?;
        let v = repeat_kv(v, at.n_head / at.n_kv_head)?;

        let att = (q.matmul(&k)? / (at.head_dim as f64).sqrt())?;
        let att = masked_fill(&att, &mask.broadcast_as(att.shape())?, &at.neg_inf)?;
        let att = candle_nn::ops::softmax_last_dim(&att)?;
        // Contiguous: matmul does not take a strided `v`.
        let y = att.matmul(&v.contiguous()?)?;
        let y = y.transpose(1, 2)?.reshape(&[b_sz, seq_len, n_embd])?;
        self.attention_wo.forward(&y)
    }
}

/// A loaded model and its KV cache (one sequence). A clone shares the
/// weights (candle's tensors are reference-counted and never written) and
/// copies the cache.
#[derive(Debug, Clone)]
pub struct CachedModel {
    /// `[vocab, hidden]`, quantized; rows are dequantized as they are looked up.
    tok_embeddings: Arc<QTensor>,
    layers: Vec<LayerWeights>,
    norm: RmsNorm,
    output: QMatMul,
    attention: Attention,
    max_positions: usize,
}

fn precompute_freqs_cis(
    head_dim: usize,
    freq_base: f32,
    positions: usize,
    device: &Device,
) -> Result<(Tensor, Tensor)> {
    let theta: Vec<_> = (0..head_dim).step_by(2).map(|i| 1f32 / freq_base.powf(i as f32 / head_dim as f32)).collect();
    let theta = Tensor::new(theta.as_slice(), device)?;
    let idx_theta = Tensor::arange(0, positions as u32, device)?
        .to_dtype(DType::F32)?
        .reshape((positions, 1))?
        .matmul(&theta.reshape((1, theta.elem_count()))?)?;
    Ok((idx_theta.cos()?, idx_theta.sin()?))
}

/// A GGUF file's contents and the reader its tensors come from.
struct Gguf<'a, R> {
    content: &'a gguf_file::Content,
    reader: &'a mut R,
    device: &'a Device,
    /// The metadata keys' prefix: `llama` or `qwen2`.
    architecture: String,
}

impl<R: std::io::Seek + std::io::Read> Gguf<'_, R> {
    fn value(&self, key: &str) -> Result<&gguf_file::Value> {
        let key = format!("{}.{key}", self.architecture);
        match self.content.metadata.get(&key) {
            None => candle_core::bail!("cannot find {key} in metadata"),
            Some(v) => Ok(v),
        }
    }

    fn count(&self, key: &str) -> Result<usize> {
        Ok(self.value(key)?.to_u32()? as usize)
    }

    fn tensor(&mut self, name: &str) -> Result<QTensor> {
        self.content.tensor(self.reader, name, self.device)
    }

    fn matmul(&mut self, name: &str) -> Result<QMatMul> {
        QMatMul::from_qtensor(self.tensor(name)?)
    }

    fn has(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    fn layer(&mut self, index: usize, rms_norm_eps: f64) -> Result<LayerWeights> {
        let prefix = format!("blk.{index}");
        let attention_bias = if self.has(&format!("{prefix}.attn_q.bias")) {
            let mut bias = |name: &str| self.tensor(&format!("{prefix}.{name}.bias"))?.dequantize(self.device);
            Some(QkvBias { q: bias("attn_q")?, k: bias("attn_k")?, v: bias("attn_v")? })
        } else {
            None
        };
        Ok(LayerWeights {
            attention_wq: self.matmul(&format!("{prefix}.attn_q.weight"))?,
            attention_wk: self.matmul(&format!("{prefix}.attn_k.weight"))?,
            attention_wv: self.matmul(&format!("{prefix}.attn_v.weight"))?,
            attention_bias,
            attention_wo: self.matmul(&format!("{prefix}.attn_output.weight"))?,
            attention_norm: RmsNorm::from_qtensor(self.tensor(&format!("{prefix}.attn_norm.weight"))?, rms_norm_eps)?,
            mlp: Mlp {
                feed_forward_w1: self.matmul(&format!("{prefix}.ffn_gate.weight"))?,
                feed_forward_w2: self.matmul(&format!("{prefix}.ffn_down.weight"))?,
                feed_forward_w3: self.matmul(&format!("{prefix}.ffn_up.weight"))?,
            },
            ffn_norm: RmsNorm::from_qtensor(self.tensor(&format!("{prefix}.ffn_norm.weight"))?, rms_norm_eps)?,
            kv_cache: LayerCache::default(),
        })
    }
}

impl CachedModel {
    /// Reads a llama or qwen2 model from a GGUF file.
    pub fn from_gguf<R: std::io::Seek + std::io::Read>(
        content: &gguf_file::Content,
        reader: &mut R,
        device: &Device,
    ) -> Result<Self> {
        let architecture = match content.metadata.get("general.architecture").map(gguf_file::Value::to_string) {
            Some(Ok(name)) => name.clone(),
            _ => candle_core::bail!("the GGUF file names no architecture"),
        };
        let mut gguf = Gguf { content, reader, device, architecture };
        let (rope_is_neox, max_positions) = match gguf.architecture.as_str() {
            "llama" => (false, LLAMA_MAX_POSITIONS),
            "qwen2" => (true, gguf.count("context_length")?),
            other => candle_core::bail!("unsupported model architecture {other:?}"),
        };
        if gguf.value("expert_count").and_then(gguf_file::Value::to_u32).unwrap_or(0) > 1 {
            candle_core::bail!("mixture-of-experts models are not supported");
        }
        let head_count = gguf.count("attention.head_count")?;
        let head_count_kv = gguf.count("attention.head_count_kv")?;
        let block_count = gguf.count("block_count")?;
        let embedding_length = gguf.count("embedding_length")?;
        let head_dim = embedding_length / head_count;
        let rope_dim = gguf.count("rope.dimension_count").unwrap_or(head_dim);
        // Generally 1e-6 in GGUF files (candle's old default was 1e-5).
        let rms_norm_eps = f64::from(gguf.value("attention.layer_norm_rms_epsilon")?.to_f32()?);
        let rope_freq_base = gguf.value("rope.freq_base").and_then(gguf_file::Value::to_f32).unwrap_or(10000f32);
        let (cos, sin) = precompute_freqs_cis(rope_dim, rope_freq_base, max_positions, device)?;

        let tok_embeddings = Arc::new(gguf.tensor("token_embd.weight")?);
        let norm = RmsNorm::from_qtensor(gguf.tensor("output_norm.weight")?, rms_norm_eps)?;
        // Tied embeddings (one table, not two) when the file has no output matrix.
        let output = match gguf.tensor("output.weight") {
            Ok(tensor) => QMatMul::from_qtensor(tensor)?,
            Err(_) => QMatMul::from_arc(Arc::clone(&tok_embeddings))?,
        };
        let layers = (0..block_count).map(|index| gguf.layer(index, rms_norm_eps)).collect::<Result<Vec<_>>>()?;
        Ok(Self {
            tok_embeddings,
            layers,
            norm,
            output,
            attention: Attention {
                n_head: head_count,
                n_kv_head: head_count_kv,
                head_dim,
                rope_is_neox,
                cos,
                sin,
                neg_inf: Tensor::new(f32::NEG_INFINITY, device)?,
            },
            max_positions,
        })
    }

    /// Positions the model can attend over (its rotary table).
    pub fn max_positions(&self) -> usize {
        self.max_positions
    }

    /// Positions in the KV cache: where the next `forward` starts.
    pub fn cached_positions(&self) -> usize {
        self.layers.first().map_or(0, |layer| layer.kv_cache.len)
    }

    /// Keeps the first `positions` positions of the KV cache and drops the
    /// rest (nothing when it holds no more).
    pub fn truncate_kv_cache(&mut self, positions: usize) -> Result<()> {
        self.layers.iter_mut().try_for_each(|layer| layer.kv_cache.truncate(positions))
    }

    /// Empties the KV cache.
    pub fn clear_kv_cache(&mut self) {
        self.layers.iter_mut().for_each(|layer| layer.kv_cache = LayerCache::default());
    }

    /// Runs the tokens `x` (`[1, n]`) at the positions after the cached ones,
    /// appending them to the cache; the logits of the last one.
    pub fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let (_b_sz, seq_len) = x.dims2()?;
        if seq_len == 0 {
            candle_core::bail!("no tokens to run");
        }
        let position = self.cached_positions();
        if position + seq_len > self.max_positions {
            candle_core::bail!("{} positions exceed the model's {}", position + seq_len, self.max_positions);
        }
        // Each new token attends to every cached position and to the new ones
        // up to itself, never to the padding.
        let width = (position + seq_len).next_multiple_of(ROW_CHUNK);
        let mask = causal_mask(seq_len, position, width, x.device())?;
        let mut layer_in = self.tok_embeddings.embedding(x)?;
        for layer in &mut self.layers {
            let x = layer_in;
            let residual = &x;
            let x = layer.attention_norm.forward(&x)?;
            let attn = layer.forward_attn(&x, &mask, position, &self.attention)?;
            let x = (attn + residual)?;

            let residual = &x;
            let x = layer.ffn_norm.forward(&x)?;
            let x = layer.mlp.forward(&x)?;
            layer_in = (x + residual)?;
        }
        let x = self.norm.forward(&layer_in)?;
        let x = x.i((.., seq_len - 1, ..))?;
        self.output.forward(&x)
    }
}

//! CAM++ speaker embedding network (3D-Speaker's `speakerlab/models/campplus/DTDNN.py` and
//! `layers.py`), inference only, in candle.
//!
//! Input: mean-normalised 80-bin fbank frames; output: one 192-d embedding per window. The
//! layout mirrors the PyTorch modules so the state_dict (`campplus_cn_en_common.pt`) loads by
//! name: an FCM head (2-D residual convolutions), a strided TDNN layer, three densely connected
//! blocks of CAM (context-aware masking) layers with transit layers, statistics pooling and a
//! dense layer with a non-affine batch norm (no ReLU on the embedding, as 3D-Speaker).
//!
//! Inference-only simplifications that keep the arithmetic: every batch norm that follows a
//! convolution is folded into that convolution's weights and bias at load time; 1×1
//! convolutions are matrix products; the frequency-strided 3×3 convolutions (stride (2, 1),
//! which candle's `conv2d` cannot express) are computed as one (1×3) convolution over the even
//! and odd input rows stacked as channels.

use std::path::Path;

use anyhow::{Context, Result, ensure};
use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;

use crate::fbank::NUM_MELS;

/// Size of the speaker embedding.
pub const EMBEDDING_DIM: usize = 192;
const BN_EPS: f64 = 1e-5;

/// Batch norm in inference form: `x * scale + shift`, per channel (dimension 1).
struct Affine {
    scale: Tensor,
    shift: Tensor,
}

fn batch_norm(vb: &VarBuilder, channels: usize) -> Result<Affine> {
    let mean = vb.get(channels, "running_mean")?;
    let var = vb.get(channels, "running_var")?;
    let (weight, bias) = if vb.contains_tensor("weight") {
        (vb.get(channels, "weight")?, vb.get(channels, "bias")?)
    } else {
        (Tensor::ones(channels, DType::F32, vb.device())?, Tensor::zeros(channels, DType::F32, vb.device())?)
    };
    let scale = weight.div(&(var + BN_EPS)?.sqrt()?)?;
    let shift = bias.sub(&mean.mul(&scale)?)?;
    Ok(Affine { scale, shift })
}

impl Affine {
    /// Applies to `x` of rank `rank` with channels on dimension 1.
    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let c = self.scale.dim(0)?;
        let mut shape = vec![1usize; x.rank()];
        shape[1] = c;
        let scale = self.scale.reshape(shape.as_slice())?;
        let shift = self.shift.reshape(shape.as_slice())?;
        Ok(x.broadcast_mul(&scale)?.broadcast_add(&shift)?)
    }
}

/// A convolution with the batch norm that follows it folded in: weight and per-channel bias.
struct FoldedConv {
    weight: Tensor,
    bias: Tensor,
}

fn fold(weight: Tensor, bn: &Affine) -> Result<FoldedConv> {
    let out = weight.dim(0)?;
    let mut shape = vec![1usize; weight.rank()];
    shape[0] = out;
    let weight = weight.broadcast_mul(&bn.scale.reshape(shape.as_slice())?)?;
    Ok(FoldedConv { weight, bias: bn.shift.clone() })
}

fn add_channel_bias(x: &Tensor, bias: &Tensor) -> Result<Tensor> {
    let mut shape = vec![1usize; x.rank()];
    shape[1] = bias.dim(0)?;
    Ok(x.broadcast_add(&bias.reshape(shape.as_slice())?)?)
}

/// 1×1 convolution over `(B, C, L)` as a matrix product with `weight (O, C)`.
fn pointwise(weight: &Tensor, x: &Tensor) -> Result<Tensor> {
    Ok(weight.broadcast_matmul(x)?)
}

/// 3×3 convolution, padding 1, stride 1 (plus folded batch norm) over `(B, C, H, W)`.
fn conv3x3(conv: &FoldedConv, x: &Tensor) -> Result<Tensor> {
    add_channel_bias(&x.conv2d(&conv.weight, 1, 1, 1, 1)?, &conv.bias)
}

/// Splits the rows of `(B, C, H, W)` (H even) into even and odd rows.
fn even_odd_rows(x: &Tensor) -> Result<(Tensor, Tensor)> {
    let (b, c, h, w) = x.dims4()?;
    ensure!(h % 2 == 0, "CAM++ head: odd feature height {h}");
    let pairs = x.reshape((b, c, h / 2, 2, w))?;
    Ok((pairs.narrow(3, 0, 1)?.squeeze(3)?, pairs.narrow(3, 1, 1)?.squeeze(3)?))
}

/// 3×3 convolution with padding 1 and stride (2, 1), as a (1×3) convolution over the three
/// row phases stacked as channels. `weight` has been rearranged to `(O, 3C, 1, 3)`.
struct StridedConv {
    weight: Tensor,
    bias: Tensor,
}

impl StridedConv {
    fn new(conv: FoldedConv) -> Result<Self> {
        let w = &conv.weight;
        let weight = Tensor::cat(&[w.narrow(2, 0, 1)?, w.narrow(2, 1, 1)?, w.narrow(2, 2, 1)?], 1)?;
        Ok(Self { weight, bias: conv.bias })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (_, _, h, _) = x.dims4()?;
        let padded = x.pad_with_zeros(2, 1, 1)?.pad_with_zeros(3, 1, 1)?;
        let (even, odd) = even_odd_rows(&padded)?;
        let n = h / 2;
        let stacked = Tensor::cat(&[even.narrow(2, 0, n)?, odd.narrow(2, 0, n)?, even.narrow(2, 1, n)?], 1)?;
        add_channel_bias(&stacked.conv2d(&self.weight, 0, 1, 1, 1)?, &self.bias)
    }
}

/// `BasicResBlock` of the FCM head.
struct ResBlock {
    conv1: Conv1st,
    conv2: FoldedConv,
    shortcut: Option<FoldedConv>,
}

enum Conv1st {
    Plain(FoldedConv),
    Strided(StridedConv),
}

impl ResBlock {
    fn load(vb: &VarBuilder, channels: usize, stride: usize) -> Result<Self> {
        let conv1 = fold(vb.get((channels, channels, 3, 3), "conv1.weight")?, &batch_norm(&vb.pp("bn1"), channels)?)?;
        let conv1 = if stride == 2 { Conv1st::Strided(StridedConv::new(conv1)?) } else { Conv1st::Plain(conv1) };
        let conv2 = fold(vb.get((channels, channels, 3, 3), "conv2.weight")?, &batch_norm(&vb.pp("bn2"), channels)?)?;
        let shortcut = if stride == 2 {
            let w = vb.get((channels, channels, 1, 1), "shortcut.0.weight")?;
            Some(fold(w.reshape((channels, channels))?, &batch_norm(&vb.pp("shortcut.1"), channels)?)?)
        } else {
            None
        };
        Ok(Self { conv1, conv2, shortcut })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let out = match &self.conv1 {
            Conv1st::Plain(c) => conv3x3(c, x)?,
            Conv1st::Strided(c) => c.forward(x)?,
        }
        .relu()?;
        let out = conv3x3(&self.conv2, &out)?;
        let shortcut = match &self.shortcut {
            Some(sc) => {
                let (even, _) = even_odd_rows(x)?;
                let (b, c, h, w) = even.dims4()?;
                let flat = even.contiguous()?.reshape((b, c, h * w))?;
                add_channel_bias(&pointwise(&sc.weight, &flat)?, &sc.bias)?.reshape((b, sc.weight.dim(0)?, h, w))?
            }
            None => x.clone(),
        };
        Ok((out + shortcut)?.relu()?)
    }
}

/// The FCM head: `(B, 80, T)` → `(B, 320, T)`.
struct Head {
    conv1: FoldedConv,
    blocks: Vec<ResBlock>,
    conv2: StridedConv,
}

const HEAD_CHANNELS: usize = 32;

impl Head {
    fn load(vb: &VarBuilder) -> Result<Self> {
        let c = HEAD_CHANNELS;
        let conv1 = fold(vb.get((c, 1, 3, 3), "conv1.weight")?, &batch_norm(&vb.pp("bn1"), c)?)?;
        let mut blocks = Vec::new();
        for layer in ["layer1", "layer2"] {
            blocks.push(ResBlock::load(&vb.pp(format!("{layer}.0")), c, 2)?);
            blocks.push(ResBlock::load(&vb.pp(format!("{layer}.1")), c, 1)?);
        }
        let conv2 = StridedConv::new(fold(vb.get((c, c, 3, 3), "conv2.weight")?, &batch_norm(&vb.pp("bn2"), c)?)?)?;
        Ok(Self { conv1, blocks, conv2 })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut out = conv3x3(&self.conv1, &x.unsqueeze(1)?)?.relu()?;
        for block in &self.blocks {
            out = block.forward(&out)?;
        }
        let out = self.conv2.forward(&out)?.relu()?;
        let (b, c, h, t) = out.dims4()?;
        Ok(out.reshape((b, c * h, t))?)
    }
}

/// One `CAMDenseTDNNLayer`: BN-ReLU, 1×1 bottleneck (+BN folded) ReLU, CAM layer.
struct CamDenseLayer {
    bn1: Affine,
    linear1: FoldedConv,
    local: Tensor,
    dilation: usize,
    ctx1_w: Tensor,
    ctx1_b: Tensor,
    ctx2_w: Tensor,
    ctx2_b: Tensor,
}

const GROWTH: usize = 32;
const BOTTLENECK: usize = 128;
const SEG_LEN: usize = 100;

impl CamDenseLayer {
    fn load(vb: &VarBuilder, in_channels: usize, dilation: usize) -> Result<Self> {
        let bn1 = batch_norm(&vb.pp("nonlinear1.batchnorm"), in_channels)?;
        let w = vb.get((BOTTLENECK, in_channels, 1), "linear1.weight")?.reshape((BOTTLENECK, in_channels))?;
        let linear1 = fold(w, &batch_norm(&vb.pp("nonlinear2.batchnorm"), BOTTLENECK)?)?;
        let cam = vb.pp("cam_layer");
        let local = cam.get((GROWTH, BOTTLENECK, 3), "linear_local.weight")?;
        let half = BOTTLENECK / 2;
        let ctx1_w = cam.get((half, BOTTLENECK, 1), "linear1.weight")?.reshape((half, BOTTLENECK))?;
        let ctx1_b = cam.get(half, "linear1.bias")?;
        let ctx2_w = cam.get((GROWTH, half, 1), "linear2.weight")?.reshape((GROWTH, half))?;
        let ctx2_b = cam.get(GROWTH, "linear2.bias")?;
        Ok(Self { bn1, linear1, local, dilation, ctx1_w, ctx1_b, ctx2_w, ctx2_b })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.bn1.apply(x)?.relu()?;
        let h = add_channel_bias(&pointwise(&self.linear1.weight, &h)?, &self.linear1.bias)?.relu()?;
        let y = h.conv1d(&self.local, self.dilation, 1, self.dilation, 1)?;
        let context = h.mean_keepdim(D::Minus1)?.broadcast_add(&segment_pooling(&h)?)?;
        let m = add_channel_bias(&pointwise(&self.ctx1_w, &context)?, &self.ctx1_b)?.relu()?;
        let m = candle_nn::ops::sigmoid(&add_channel_bias(&pointwise(&self.ctx2_w, &m)?, &self.ctx2_b)?)?;
        Ok(y.broadcast_mul(&m)?)
    }
}

/// Average over segments of [`SEG_LEN`] frames (the last one partial, averaged over the frames it
/// has, as PyTorch's `avg_pool1d(ceil_mode=True)`), each average repeated over its segment.
/// For `T ≤ SEG_LEN` this is the `(B, C, 1)` mean, which broadcasts.
fn segment_pooling(x: &Tensor) -> Result<Tensor> {
    let t = x.dim(D::Minus1)?;
    if t <= SEG_LEN {
        return Ok(x.mean_keepdim(D::Minus1)?);
    }
    let mut parts = Vec::new();
    let mut start = 0;
    while start < t {
        let len = SEG_LEN.min(t - start);
        let mean = x.narrow(D::Minus1, start, len)?.mean_keepdim(D::Minus1)?;
        let (b, c, _) = mean.dims3()?;
        parts.push(mean.broadcast_as((b, c, len))?);
        start += len;
    }
    Ok(Tensor::cat(&parts, D::Minus1)?)
}

/// `TransitLayer`: BN-ReLU then a 1×1 convolution without bias.
struct Transit {
    bn: Affine,
    weight: Tensor,
}

/// The CAM++ network with its weights.
pub struct CamPlus {
    head: Head,
    tdnn: FoldedConv,
    blocks: Vec<(Vec<CamDenseLayer>, Transit)>,
    out_bn: Affine,
    dense: Tensor,
    dense_bn: Affine,
    device: Device,
}

impl std::fmt::Debug for CamPlus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CamPlus").finish_non_exhaustive()
    }
}

impl CamPlus {
    /// Loads the PyTorch state_dict (zip format) of 3D-Speaker's CAM++ (192-d, 80 fbank bins).
    pub fn load(path: &Path) -> Result<Self> {
        let device = Device::Cpu;
        let vb = VarBuilder::from_pth(path, DType::F32, &device)
            .with_context(|| format!("reading the CAM++ weights {}", path.display()))?;
        Self::from_var_builder(&vb, device).with_context(|| format!("loading CAM++ from {}", path.display()))
    }

    fn from_var_builder(vb: &VarBuilder, device: Device) -> Result<Self> {
        let head = Head::load(&vb.pp("head"))?;
        let xv = vb.pp("xvector");
        let head_out = HEAD_CHANNELS * (NUM_MELS / 8);
        let mut channels = 128;
        let tdnn = fold(
            xv.get((channels, head_out, 5), "tdnn.linear.weight")?,
            &batch_norm(&xv.pp("tdnn.nonlinear.batchnorm"), channels)?,
        )?;
        let mut blocks = Vec::new();
        for (i, (layers, dilation)) in [(12usize, 1usize), (24, 2), (16, 2)].into_iter().enumerate() {
            let block_vb = xv.pp(format!("block{}", i + 1));
            let mut cam_layers = Vec::new();
            for l in 0..layers {
                cam_layers.push(CamDenseLayer::load(
                    &block_vb.pp(format!("tdnnd{}", l + 1)),
                    channels + l * GROWTH,
                    dilation,
                )?);
            }
            channels += layers * GROWTH;
            let transit_vb = xv.pp(format!("transit{}", i + 1));
            let transit = Transit {
                bn: batch_norm(&transit_vb.pp("nonlinear.batchnorm"), channels)?,
                weight: transit_vb.get((channels / 2, channels, 1), "linear.weight")?.reshape((channels / 2, channels))?,
            };
            channels /= 2;
            blocks.push((cam_layers, transit));
        }
        let out_bn = batch_norm(&xv.pp("out_nonlinear.batchnorm"), channels)?;
        let dense = xv.get((EMBEDDING_DIM, channels * 2, 1), "dense.linear.weight")?.reshape((EMBEDDING_DIM, channels * 2))?;
        let dense_bn = batch_norm(&xv.pp("dense.nonlinear.batchnorm"), EMBEDDING_DIM)?;
        Ok(Self { head, tdnn, blocks, out_bn, dense, dense_bn, device })
    }

    /// Embeds a batch of windows: `feats` holds `batch × frames × 80` fbank values (row-major,
    /// already mean-normalised per window). Returns `batch` embeddings of [`EMBEDDING_DIM`].
    pub fn embed(&self, feats: &[f32], batch: usize, frames: usize) -> Result<Vec<Vec<f32>>> {
        ensure!(feats.len() == batch * frames * NUM_MELS, "CAM++: feature buffer has the wrong size");
        ensure!(frames >= 2, "CAM++: a window needs at least 2 frames");
        // (B, T, F) → (B, F, T)
        let x = Tensor::from_slice(feats, (batch, frames, NUM_MELS), &self.device)?.transpose(1, 2)?.contiguous()?;
        let x = self.head.forward(&x)?;
        let x = add_channel_bias(&x.conv1d(&self.tdnn.weight, 2, 2, 1, 1)?, &self.tdnn.bias)?.relu()?;
        let mut x = x;
        for (layers, transit) in &self.blocks {
            for layer in layers {
                let new = layer.forward(&x)?;
                x = Tensor::cat(&[&x, &new], 1)?;
            }
            x = pointwise(&transit.weight, &transit.bn.apply(&x)?.relu()?)?;
        }
        let x = self.out_bn.apply(&x)?.relu()?;
        // Statistics pooling: mean and unbiased standard deviation over time.
        let t = x.dim(D::Minus1)?;
        let mean = x.mean_keepdim(D::Minus1)?;
        let centered = x.broadcast_sub(&mean)?;
        let denom = (t.max(2) - 1) as f64;
        let std = (centered.sqr()?.sum_keepdim(D::Minus1)? / denom)?.sqrt()?;
        let stats = Tensor::cat(&[mean.squeeze(D::Minus1)?, std.squeeze(D::Minus1)?], 1)?; // (B, 2C)
        let emb = stats.matmul(&self.dense.t()?)?; // (B, 192)
        let emb = self.dense_bn.apply(&emb)?;
        Ok(emb.to_vec2::<f32>()?)
    }
}

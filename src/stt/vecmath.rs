//! Elementwise functions the Whisper network applies millions of times a
//! window (the softmax's `exp`, the GELU's `erf`), written branch-free so the
//! compiler turns each loop into 8-lane AVX2 code. The C library's `expf`
//! and `erff` (what `f32::exp` and candle's `gelu_erf` call) go one number at
//! a time: the encoder's GELU alone spent a quarter of a second a window there.
//!
//! Accuracy: `exp` within 2e-7 relative of `f32::exp` (Cephes' polynomial
//! after range reduction), `erf` within 3e-7 absolute (its series near 0,
//! Abramowitz and Stegun 7.1.26 elsewhere): at float32's own rounding, so
//! transcripts do not change in kind. The tests compare every function with the standard one.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in two so that `n · ln 2` is subtracted without rounding error.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Below this `e^x` is smaller than float32's least normal number: 0 in effect.
const EXP_MIN: f32 = -87.336_55;
const EXP_MAX: f32 = 88.722_83;

/// `e^x`; `-∞` gives a number below 1.2e-38 (0 for every sum it enters), NaN stays NaN.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(EXP_MIN, EXP_MAX);
    let n = (x * LOG2E + 0.5).floor();
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 1.666_666_5e-1) * r + 0.5;
    let e_r = p * r * r + r + 1.0;
    // 2^n, built in the exponent bits (n is within [-126, 128]; 2^128 = e^88.72… is the one overflow, to ∞ as expf's).
    let two_n = f32::from_bits(((n as i32 + 127).clamp(0, 255) as u32) << 23);
    e_r * two_n
}

/// `erf(x)`: its Maclaurin series near 0 (where `1 - …` below would
/// cancel), Abramowitz and Stegun's 7.1.26 elsewhere; both are computed and
/// one chosen, which vectorises better than a branch.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = ((((1.061_405_4 * t - 1.453_152) * t + 1.421_413_8) * t - 0.284_496_74) * t + 0.254_829_6) * t;
    let far = (1.0 - poly * exp(-z * z)).copysign(x);
    let x2 = x * x;
    let near = x
        * (std::f32::consts::FRAC_2_SQRT_PI
            + x2 * (-0.376_126_4 + x2 * (0.112_837_92 + x2 * (-0.026_866_17 + x2 * (0.005_223_977_6 + x2 * (-0.000_854_832_7 + x2 * 0.000_120_553_3))))));
    if z < 0.5 { near } else { far }
}

/// GELU as Whisper defines it: `x · Φ(x) = x/2 · (1 + erf(x/√2))`.
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// `e^x` of every element, in place.
pub fn exp_in_place(xs: &mut [f32]) {
    for x in xs {
        *x = exp(*x);
    }
}

/// `Σ xᵢ` in eight independent lanes (a plain sum of floats cannot be
/// vectorised: each addition waits for the previous one).
pub fn sum(xs: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = xs.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for i in 0..8 {
            lanes[i] += chunk[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The largest element (−∞ for none), in eight lanes.
pub fn max(xs: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; 8];
    let chunks = xs.chunks_exact(8);
    let tail = chunks.remainder().iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for chunk in chunks {
        for i in 0..8 {
            lanes[i] = lanes[i].max(chunk[i]);
        }
    }
    lanes.iter().copied().fold(tail, f32::max)
}

/// `Σ aᵢ·bᵢ` in eight lanes of fused multiply-adds.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a8.zip(b8) {
        for i in 0..8 {
            lanes[i] = x[i].mul_add(y[i], lanes[i]);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Replaces `xs` by `e^(x - max)` and returns their sum: a softmax's
/// numerators and its denominator.
pub fn exp_shifted(xs: &mut [f32]) -> f32 {
    let max = max(xs);
    xs.iter_mut().for_each(|x| *x -= max);
    exp_in_place(xs);
    sum(xs)
}

/// The log-probabilities of `logits`: `l - log Σ e^l`.
pub fn log_softmax(logits: &[f32]) -> Vec<f32> {
    let max = max(logits);
    let mut shifted: Vec<f32> = logits.iter().map(|&l| l - max).collect();
    let mut exps = shifted.clone();
    exp_in_place(&mut exps);
    let log_sum = sum(&exps).ln();
    shifted.iter_mut().for_each(|l| *l -= log_sum);
    shifted
}

/// Elements a worker takes at a time (a quarter of a megabyte of floats).
const CHUNK: usize = 1 << 16;

/// GELU over a float32 tensor, in parallel chunks; other types go to candle's own.
struct Gelu;

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "gelu-vectorised"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(data) = storage else { candle_core::bail!("gelu: float32 only") };
        let Some((start, end)) = layout.contiguous_offsets() else { candle_core::bail!("gelu: contiguous input only") };
        let src = &data[start..end];
        let mut out = vec![0f32; src.len()];
        out.par_chunks_mut(CHUNK).zip(src.par_chunks(CHUNK)).for_each(|(out, src)| {
            for (o, &x) in out.iter_mut().zip(src) {
                *o = gelu(x);
            }
        });
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

/// GELU of `x` (the encoder's convolutions and every MLP).
pub fn gelu_tensor(x: &Tensor) -> Result<Tensor> {
    if x.dtype() == candle_core::DType::F32 && x.device().is_cpu() {
        x.contiguous()?.apply_op1_no_bwd(&Gelu)
    } else {
        x.gelu_erf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points over the range that matters, and the edges.
    fn samples(lo: f32, hi: f32) -> impl Iterator<Item = f32> {
        let steps = 200_001;
        (0..steps).map(move |i| lo + (hi - lo) * i as f32 / (steps - 1) as f32)
    }

    #[test]
    fn exp_matches_the_standard_library_to_float_precision() {
        for x in samples(-87.0, 88.0) {
            let (ours, std) = (exp(x), x.exp());
            assert!(((ours - std) / std).abs() < 3e-7, "exp({x}) = {ours}, std {std}");
        }
        assert!(exp(f32::NEG_INFINITY) < 1.2e-38 && exp(f32::NEG_INFINITY) >= 0.0, "-inf vanishes");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(89.0).is_infinite(), "overflows as expf does");
        assert!(exp(f32::NAN).is_nan());
    }

    #[test]
    fn erf_and_gelu_match_the_exact_forms() {
        for x in samples(-10.0, 10.0) {
            let exact = libm_erf(f64::from(x));
            assert!((f64::from(erf(x)) - exact).abs() < 3e-7, "erf({x}) = {}, exact {exact}", erf(x));
            let gelu_exact = 0.5 * f64::from(x) * (1.0 + libm_erf(f64::from(x) / std::f64::consts::SQRT_2));
            assert!((f64::from(gelu(x)) - gelu_exact).abs() < 2e-6 * (1.0 + f64::from(x.abs())), "gelu({x})");
        }
        assert_eq!(gelu(0.0), 0.0);
    }

    #[test]
    fn lane_sums_and_maxima_equal_the_plain_ones() {
        let xs: Vec<f32> = (0..1003).map(|i| ((i * 37) % 101) as f32 - 50.0).collect();
        assert_eq!(sum(&xs), xs.iter().sum::<f32>());
        assert_eq!(max(&xs), 50.0);
        assert_eq!(max(&[]), f32::NEG_INFINITY);
        assert_eq!(sum(&[1.5]), 1.5);
    }

    #[test]
    fn lane_dot_products_and_shifted_exponentials_equal_the_plain_ones() {
        let a: Vec<f32> = (0..21).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..21).map(|i| 3.0 - i as f32).collect();
        assert_eq!(dot(&a, &b), a.iter().zip(&b).map(|(x, y)| x * y).sum::<f32>());
        let mut xs = [1.0, 3.0, 2.0];
        let total = exp_shifted(&mut xs);
        assert_eq!(xs[1], 1.0, "the largest becomes e^0");
        assert!((xs[0] - (-2f32).exp()).abs() < 1e-7 && (total - (1.0 + (-1f32).exp() + (-2f32).exp())).abs() < 1e-6);
    }

    #[test]
    fn log_softmax_sums_to_one_and_keeps_minus_infinity() {
        let logits = [1.0, 2.0, f32::NEG_INFINITY, -3.0];
        let lp = log_softmax(&logits);
        let total: f32 = lp.iter().map(|l| l.exp()).sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert_eq!(lp[2], f32::NEG_INFINITY);
        assert!((lp[1] - lp[0] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn gelu_tensor_matches_candle() -> Result<()> {
        let values: Vec<f32> = samples(-6.0, 6.0).step_by(7).collect();
        let x = Tensor::from_vec(values.clone(), values.len(), &candle_core::Device::Cpu)?;
        let ours: Vec<f32> = gelu_tensor(&x)?.to_vec1()?;
        let theirs: Vec<f32> = x.gelu_erf()?.to_vec1()?;
        for ((a, b), x) in ours.iter().zip(&theirs).zip(&values) {
            assert!((a - b).abs() < 2e-6 * (1.0 + x.abs()), "gelu({x}): {a} vs candle {b}");
        }
        Ok(())
    }

    /// erf in double precision (A&S 7.1.28 is too coarse; this is the series and
    /// the continued fraction, exact to 1e-12 over the tested range).
    fn libm_erf(x: f64) -> f64 {
        if x.abs() < 3.0 {
            // Maclaurin series.
            let mut term = x;
            let mut sum = x;
            let x2 = x * x;
            for n in 1..200 {
                term *= -x2 / n as f64;
                sum += term / (2 * n + 1) as f64;
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            // Continued fraction for erfc.
            let z = x.abs();
            let mut f = 0.0;
            for n in (1..100).rev() {
                f = n as f64 / 2.0 / (z + f);
            }
            let erfc = (-z * z).exp() / std::f64::consts::PI.sqrt() / (z + f);
            (1.0 - erfc).copysign(x)
        }
    }
}

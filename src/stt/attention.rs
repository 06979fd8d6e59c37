//! Scaled dot-product attention for the Whisper network, computed a block of
//! query rows at a time so that the score matrix never exists whole.
//!
//! The encoder's self-attention scores 1500 frames against 1500 frames in 8
//! heads: 72 MB a layer written, read back for the softmax, written and read
//! again for the weighted sum. Done as three whole-tensor operations (as
//! candle composes it) that traffic, not arithmetic, set the time: the
//! encoder spent 1.2 s of its 2.6 s a window there on 2 cores. Here each
//! task takes one head and up to [`BLOCK_ROWS`] queries: their scores (a
//! few hundred kilobytes) are computed, exponentiated and multiplied by the
//! values while they are still in the core's cache. The decoder's
//! cross-attention (a few queries over 1500 frames) is the same computation
//! with one block per head, its heads spread over the cores.
//!
//! The two products are `gemm`'s (the crate candle's own matrix products
//! call), single-threaded inside a task; the tasks run on rayon's pool.

use std::cell::RefCell;

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::vecmath;

/// Query rows one task scores at once: 64 rows × 1500 frames of float32 is
/// 384 KB, within a core's L2 cache (128 measured no faster).
pub const BLOCK_ROWS: usize = 64;

/// Up to this many queries (the decoder: one per hypothesis) a head's keys
/// and values are read once, row by row, without `gemm`, whose packing of
/// the 1500 frames for a product that small cost more than the product.
pub const FEW_ROWS: usize = 8;

/// Attention of queries `[b, h, m, d]` over keys and values `[b, h, n, d]`
/// (keys and queries already scaled), all contiguous float32 on the CPU:
/// the output `[b, m, h·d]`, heads side by side as the output projection
/// reads them. Without a mask and without the weights: callers needing
/// either use the composed form.
pub fn attention(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
    q.contiguous()?.apply_op3_no_bwd(&k.contiguous()?, &v.contiguous()?, &Fused)
}

struct Fused;

/// The output buffer, written by many tasks, each at its own rows and
/// columns (see the safety note where it is written).
#[derive(Clone, Copy)]
struct Out(*mut f32);
// SAFETY: tasks write disjoint elements (one head's columns of their own rows).
unsafe impl Send for Out {}
unsafe impl Sync for Out {}

impl Out {
    /// The pointer (a method, so that closures capture the whole `Out`, which is `Sync`).
    fn ptr(self) -> *mut f32 {
        self.0
    }
}

/// `[batch, heads, positions, head width]`.
type Dims4 = (usize, usize, usize, usize);

fn slice<'a>(storage: &'a CpuStorage, layout: &Layout, what: &str) -> Result<(&'a [f32], Dims4)> {
    let CpuStorage::F32(data) = storage else { candle_core::bail!("attention: {what} must be float32") };
    let Some((start, end)) = layout.contiguous_offsets() else { candle_core::bail!("attention: {what} must be contiguous") };
    Ok((&data[start..end], layout.shape().dims4()?))
}

thread_local! {
    /// One task's scores, reused from task to task on the same thread.
    static SCORES: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

impl CustomOp3 for Fused {
    fn name(&self) -> &'static str {
        "attention-blocked"
    }

    fn cpu_fwd(&self, qs: &CpuStorage, ql: &Layout, ks: &CpuStorage, kl: &Layout, vs: &CpuStorage, vl: &Layout) -> Result<(CpuStorage, Shape)> {
        let (q, (b, h, m, d)) = slice(qs, ql, "queries")?;
        let (k, k_dims) = slice(ks, kl, "keys")?;
        let (v, v_dims) = slice(vs, vl, "values")?;
        let n = k_dims.2;
        if k_dims != (b, h, n, d) || v_dims != k_dims {
            candle_core::bail!("attention: queries {:?}, keys {k_dims:?}, values {v_dims:?} do not match", (b, h, m, d));
        }
        let mut out = vec![0f32; b * m * h * d];
        if m <= FEW_ROWS {
            few_rows(q, k, v, (b, h, m, n, d), &mut out);
            return Ok((CpuStorage::F32(out), Shape::from_dims(&[b, m, h * d])));
        }
        let blocks = m.div_ceil(BLOCK_ROWS);
        let out_ptr = Out(out.as_mut_ptr());
        (0..b * h * blocks).into_par_iter().for_each(|task| {
            let (bh, block) = (task / blocks, task % blocks);
            let (batch, head) = (bh / h, bh % h);
            let row0 = block * BLOCK_ROWS;
            let rows = BLOCK_ROWS.min(m - row0);
            let q = &q[(bh * m + row0) * d..(bh * m + row0 + rows) * d];
            let k = &k[bh * n * d..(bh + 1) * n * d];
            let v = &v[bh * n * d..(bh + 1) * n * d];
            SCORES.with_borrow_mut(|scores| {
                scores.resize(rows * n, 0.0);
                // SAFETY: the pointers and strides describe slices checked
                // above: scores `rows × n` (row-major), queries `rows × d`,
                // keys read as the `d × n` matrix Kᵀ (column j is key j).
                unsafe {
                    gemm::gemm(
                        rows, n, d,
                        scores.as_mut_ptr(), 1, n as isize, false,
                        q.as_ptr(), 1, d as isize,
                        k.as_ptr(), d as isize, 1,
                        0.0, 1.0, false, false, false,
                        gemm::Parallelism::None,
                    );
                }
                let mut inverse_sums = [0f32; BLOCK_ROWS];
                for (row, inverse) in scores.chunks_exact_mut(n).zip(inverse_sums.iter_mut()) {
                    *inverse = 1.0 / vecmath::exp_shifted(row);
                }
                let out_rows = (batch * m + row0) * h * d + head * d;
                // SAFETY: this task alone writes columns `head·d .. head·d+d`
                // of output rows `row0 .. row0+rows` of this batch: in bounds
                // of `out` (`b·m` rows of `h·d`), and disjoint from every
                // other task's (each (batch, head, block) is one task).
                unsafe {
                    let dst = out_ptr.ptr().add(out_rows);
                    gemm::gemm(
                        rows, d, n,
                        dst, 1, (h * d) as isize, false,
                        scores.as_ptr(), 1, n as isize,
                        v.as_ptr(), 1, d as isize,
                        0.0, 1.0, false, false, false,
                        gemm::Parallelism::None,
                    );
                    for (row, inverse) in inverse_sums.iter().take(rows).enumerate() {
                        let dst = std::slice::from_raw_parts_mut(dst.add(row * h * d), d);
                        dst.iter_mut().for_each(|x| *x *= inverse);
                    }
                }
            });
        });
        Ok((CpuStorage::F32(out), Shape::from_dims(&[b, m, h * d])))
    }
}

/// The attention of a few queries a head: one task a (batch, head), which
/// streams through the head's keys once for the scores and its values once
/// for the sum.
fn few_rows(q: &[f32], k: &[f32], v: &[f32], (b, h, m, n, d): (usize, usize, usize, usize, usize), out: &mut [f32]) {
    let per_head: Vec<Vec<f32>> = (0..b * h)
        .into_par_iter()
        .map(|bh| {
            let q = &q[bh * m * d..(bh + 1) * m * d];
            let k = &k[bh * n * d..(bh + 1) * n * d];
            let v = &v[bh * n * d..(bh + 1) * n * d];
            let mut scores = vec![0f32; m * n];
            for (j, key) in k.chunks_exact(d).enumerate() {
                for (row, query) in q.chunks_exact(d).enumerate() {
                    scores[row * n + j] = vecmath::dot(query, key);
                }
            }
            let mut sums = vec![0f32; m * d];
            for (scores, sum) in scores.chunks_exact_mut(n).zip(sums.chunks_exact_mut(d)) {
                let inverse = 1.0 / vecmath::exp_shifted(scores);
                for (&weight, value) in scores.iter().zip(v.chunks_exact(d)) {
                    for (s, &x) in sum.iter_mut().zip(value) {
                        *s = weight.mul_add(x, *s);
                    }
                }
                sum.iter_mut().for_each(|s| *s *= inverse);
            }
            sums
        })
        .collect();
    for (bh, sums) in per_head.iter().enumerate() {
        let (batch, head) = (bh / h, bh % h);
        for (row, sum) in sums.chunks_exact(d).enumerate() {
            let at = (batch * m + row) * h * d + head * d;
            out[at..at + d].copy_from_slice(sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{D, Device};

    use super::*;

    /// The composed form: scores, softmax, weighted sum, heads side by side.
    fn reference(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
        let weights = candle_nn::ops::softmax_last_dim(&q.matmul(&k.t()?)?)?;
        weights.matmul(v)?.transpose(1, 2)?.flatten_from(2)
    }

    fn close(a: &Tensor, b: &Tensor) -> Result<f32> {
        (a - b)?.abs()?.flatten_all()?.max(D::Minus1)?.to_scalar::<f32>()
    }

    #[test]
    fn blocked_attention_equals_the_composed_form() -> Result<()> {
        let cpu = Device::Cpu;
        // An encoder-like shape (several blocks, a partial last one), a
        // decoder-like one (a few queries), and a batch of hypotheses.
        for (b, h, m, n, d) in [(1, 4, 70, 150, 16), (1, 8, 5, 300, 64), (3, 2, 1, 9, 8), (1, 2, 9, 40, 12), (2, 3, 8, 33, 20)] {
            let q = Tensor::randn(0f32, 1.0, (b, h, m, d), &cpu)?;
            let k = Tensor::randn(0f32, 1.0, (b, h, n, d), &cpu)?;
            let v = Tensor::randn(0f32, 1.0, (b, h, n, d), &cpu)?;
            let ours = attention(&q, &k, &v)?;
            assert_eq!(ours.dims(), &[b, m, h * d]);
            let error = close(&ours, &reference(&q, &k, &v)?)?;
            assert!(error < 1e-5, "shape {:?}: max difference {error}", (b, h, m, n, d));
        }
        Ok(())
    }

    #[test]
    fn mismatched_shapes_are_an_error_not_a_panic() -> Result<()> {
        let cpu = Device::Cpu;
        let q = Tensor::zeros((1, 2, 3, 4), candle_core::DType::F32, &cpu)?;
        let k = Tensor::zeros((1, 2, 5, 8), candle_core::DType::F32, &cpu)?;
        assert!(attention(&q, &k, &k).is_err());
        Ok(())
    }
}

//! Clustering of speaker embeddings into speakers, estimating how many there are.
//!
//! The method follows 3D-Speaker's diarization back end: spectral clustering on the cosine
//! affinity matrix, pruned to each row's nearest neighbours, with the number of speakers taken
//! at the largest gap between consecutive eigenvalues of the (unnormalised) graph Laplacian; then
//! k-means on the spectral embedding, tiny clusters folded into their nearest large one, and
//! clusters whose centroids are still very similar merged. Few windows (short recordings) are
//! clustered agglomeratively instead. Recordings with many windows are clustered on an even
//! subsample (at most [`MAX_SPECTRAL_POINTS`]) and every window is then given its nearest
//! centroid, which keeps time and memory bounded.

use anyhow::{Result, bail};

/// Largest number of windows the spectral step works on directly.
pub const MAX_SPECTRAL_POINTS: usize = 600;

/// Parameters of [`cluster`].
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub min_speakers: usize,
    pub max_speakers: usize,
    /// Fraction of each affinity row kept when pruning (3D-Speaker's `pval`).
    pub pval: f64,
    /// Minimum number of neighbours kept per row whatever `pval`.
    pub min_neighbours: usize,
    /// Clusters with fewer windows are folded into the nearest larger cluster.
    pub min_cluster_size: usize,
    /// Clusters whose centroids have at least this cosine similarity are merged.
    pub merge_cosine: f64,
    /// Below this many windows, agglomerative clustering with [`Self::ahc_threshold`] is used.
    pub spectral_min_points: usize,
    /// Average-linkage cosine similarity above which agglomerative clustering merges.
    pub ahc_threshold: f64,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            min_speakers: 1,
            max_speakers: 4,
            pval: 0.012,
            min_neighbours: 6,
            min_cluster_size: 4,
            merge_cosine: 0.8,
            spectral_min_points: 10,
            ahc_threshold: 0.5,
        }
    }
}

/// Result of [`cluster`]: a label per embedding (`0..speakers`) and a separation score.
#[derive(Debug, Clone)]
pub struct Clustering {
    pub labels: Vec<usize>,
    pub speakers: usize,
    /// 0..1, how clearly the clusters are separated (see [`separation`]).
    pub confidence: f64,
}

fn normalised(v: &[f32]) -> Vec<f64> {
    let norm = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt().max(1e-12);
    v.iter().map(|&x| f64::from(x) / norm).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let na = dot(a, a).sqrt();
    let nb = dot(b, b).sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot(a, b) / (na * nb) }
}

/// Mean vectors of each label `0..k`.
fn centroids(x: &[Vec<f64>], labels: &[usize], k: usize) -> Vec<Vec<f64>> {
    let dim = x.first().map_or(0, Vec::len);
    let mut sums = vec![vec![0.0; dim]; k];
    let mut counts = vec![0usize; k];
    for (v, &l) in x.iter().zip(labels) {
        counts[l] += 1;
        for (s, a) in sums[l].iter_mut().zip(v) {
            *s += a;
        }
    }
    for (s, &c) in sums.iter_mut().zip(&counts) {
        for a in s.iter_mut() {
            *a /= c.max(1) as f64;
        }
    }
    sums
}

fn nearest(v: &[f64], centres: &[Vec<f64>]) -> usize {
    let mut best = 0;
    let mut best_sim = f64::NEG_INFINITY;
    for (i, c) in centres.iter().enumerate() {
        let s = cosine(v, c);
        if s > best_sim {
            best_sim = s;
            best = i;
        }
    }
    best
}

/// Renumbers labels to `0..k` in order of first appearance; returns k.
fn compact(labels: &mut [usize]) -> usize {
    let mut map: Vec<(usize, usize)> = Vec::new();
    for l in labels.iter_mut() {
        let new = match map.iter().find(|(old, _)| old == l) {
            Some(&(_, n)) => n,
            None => {
                map.push((*l, map.len()));
                map.len() - 1
            }
        };
        *l = new;
    }
    map.len()
}

/// Clusters L2-comparable embeddings (cosine similarity) into speakers.
pub fn cluster(embeddings: &[Vec<f32>], options: &ClusterOptions) -> Result<Clustering> {
    let min = options.min_speakers.max(1);
    let max = options.max_speakers.max(min);
    let n = embeddings.len();
    if n == 0 {
        return Ok(Clustering { labels: Vec::new(), speakers: 0, confidence: 0.0 });
    }
    let x: Vec<Vec<f64>> = embeddings.iter().map(|e| normalised(e)).collect();
    if n < min {
        // Fewer windows than requested speakers: each window its own speaker.
        let labels: Vec<usize> = (0..n).collect();
        return Ok(Clustering { labels, speakers: n, confidence: 0.0 });
    }
    let mut labels = if n < options.spectral_min_points.max(2) {
        ahc(&x, options.ahc_threshold, min, max)
    } else {
        // Even subsample for the spectral step.
        let step = n.div_ceil(MAX_SPECTRAL_POINTS);
        let sample: Vec<Vec<f64>> = x.iter().step_by(step).cloned().collect();
        let mut sample_labels = spectral(&sample, min, max, options)?;
        let k = compact(&mut sample_labels);
        fold_minor_clusters(&sample, &mut sample_labels, k, options.min_cluster_size);
        let k = compact(&mut sample_labels);
        merge_similar(&sample, &mut sample_labels, k, options.merge_cosine, min);
        let k = compact(&mut sample_labels);
        if step == 1 {
            sample_labels
        } else {
            let centres = centroids(&sample, &sample_labels, k);
            x.iter().map(|v| nearest(v, &centres)).collect()
        }
    };
    let speakers = compact(&mut labels);
    let confidence = if speakers >= 2 { separation(&x, &labels, speakers) } else { oneness(&x, options) };
    Ok(Clustering { labels, speakers, confidence })
}

/// Mean simplified silhouette (cosine distance to own centroid against the nearest other
/// centroid), clamped to 0..1: near 1 when every window sits much closer to its own speaker.
pub fn separation(x: &[Vec<f64>], labels: &[usize], k: usize) -> f64 {
    if k < 2 || x.is_empty() {
        return 0.0;
    }
    let centres = centroids(x, labels, k);
    let mut total = 0.0;
    for (v, &l) in x.iter().zip(labels) {
        let own = 1.0 - cosine(v, &centres[l]);
        let other = centres
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != l)
            .map(|(_, c)| 1.0 - cosine(v, c))
            .fold(f64::INFINITY, f64::min);
        let denom = own.max(other);
        total += if denom > 0.0 { (other - own) / denom } else { 0.0 };
    }
    (total / x.len() as f64).clamp(0.0, 1.0)
}

/// Confidence of a single-speaker answer: split the windows in two (2-means on the embeddings)
/// and see how far the two halves' centroid similarity lies above the merge threshold.
fn oneness(x: &[Vec<f64>], options: &ClusterOptions) -> f64 {
    if x.len() < 4 {
        return 0.5;
    }
    let labels = kmeans(x, 2, 7);
    let centres = centroids(x, &labels, 2);
    let sim = cosine(&centres[0], &centres[1]);
    let t = options.merge_cosine;
    (0.5 + 0.5 * (sim - t) / (1.0 - t).max(1e-6)).clamp(0.0, 1.0)
}

/// Average-linkage agglomerative clustering on cosine similarity: merge while the best pair is
/// above `threshold` (or while there are more than `max` clusters), never below `min`.
fn ahc(x: &[Vec<f64>], threshold: f64, min: usize, max: usize) -> Vec<usize> {
    let n = x.len();
    let mut clusters: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let sim: Vec<Vec<f64>> = x.iter().map(|a| x.iter().map(|b| dot(a, b)).collect()).collect();
    while clusters.len() > min {
        let mut best = (0, 0, f64::NEG_INFINITY);
        for i in 0..clusters.len() {
            for j in i + 1..clusters.len() {
                let mut s = 0.0;
                for &a in &clusters[i] {
                    for &b in &clusters[j] {
                        s += sim[a][b];
                    }
                }
                s /= (clusters[i].len() * clusters[j].len()) as f64;
                if s > best.2 {
                    best = (i, j, s);
                }
            }
        }
        if best.2 < threshold && clusters.len() <= max {
            break;
        }
        let merged = clusters.remove(best.1);
        clusters[best.0].extend(merged);
    }
    let mut labels = vec![0; n];
    for (c, members) in clusters.iter().enumerate() {
        for &m in members {
            labels[m] = c;
        }
    }
    labels
}

/// Spectral clustering with the speaker count from the Laplacian's eigengap.
fn spectral(x: &[Vec<f64>], min: usize, max: usize, options: &ClusterOptions) -> Result<Vec<usize>> {
    let n = x.len();
    let mut a: Vec<Vec<f64>> = x.iter().map(|p| x.iter().map(|q| dot(p, q)).collect()).collect();
    // Keep each row's largest similarities only.
    let pruned = ((1.0 - options.pval) * n as f64) as usize;
    let zeroed = pruned.min(n.saturating_sub(options.min_neighbours));
    for row in a.iter_mut() {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| row[i].total_cmp(&row[j]));
        for &i in &order[..zeroed] {
            row[i] = 0.0;
        }
    }
    // Symmetrise, zero the diagonal, Laplacian L = D - A.
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            l[i][j] = if i == j { 0.0 } else { -0.5 * (a[i][j] + a[j][i]) };
        }
    }
    for (i, row) in l.iter_mut().enumerate() {
        let degree: f64 = -row.iter().sum::<f64>();
        row[i] = degree;
    }
    let (values, vectors) = symmetric_eigen(l)?;
    let max = max.min(n - 1).max(min);
    let k = if min == max {
        min
    } else {
        let mut best = (min, f64::NEG_INFINITY);
        for k in min..=max {
            // Gap between the k-th and (k+1)-th smallest eigenvalues.
            let gap = values[k] - values[k - 1];
            if gap > best.1 {
                best = (k, gap);
            }
        }
        best.0
    };
    if k == 1 {
        return Ok(vec![0; n]);
    }
    let emb: Vec<Vec<f64>> = (0..n).map(|i| (0..k).map(|c| vectors[i][c]).collect()).collect();
    Ok(kmeans(&emb, k, 10))
}

/// Folds clusters smaller than `min_size` into the nearest (by centroid cosine) large cluster.
fn fold_minor_clusters(x: &[Vec<f64>], labels: &mut [usize], k: usize, min_size: usize) {
    let mut counts = vec![0usize; k];
    for &l in labels.iter() {
        counts[l] += 1;
    }
    let major: Vec<usize> = (0..k).filter(|&c| counts[c] >= min_size).collect();
    if major.len() == k {
        return;
    }
    if major.is_empty() {
        labels.fill(0);
        return;
    }
    let centres = centroids(x, labels, k);
    let major_centres: Vec<Vec<f64>> = major.iter().map(|&c| centres[c].clone()).collect();
    for (v, l) in x.iter().zip(labels.iter_mut()) {
        if counts[*l] < min_size {
            *l = major[nearest(v, &major_centres)];
        }
    }
}

/// Merges the most similar pair of clusters while their centroid cosine is ≥ `threshold`.
fn merge_similar(x: &[Vec<f64>], labels: &mut [usize], mut k: usize, threshold: f64, min: usize) {
    while k > min.max(1) {
        let centres = centroids(x, labels, k);
        let mut best = (0, 0, f64::NEG_INFINITY);
        for i in 0..k {
            for j in i + 1..k {
                let s = cosine(&centres[i], &centres[j]);
                if s > best.2 {
                    best = (i, j, s);
                }
            }
        }
        if best.2 < threshold {
            break;
        }
        for l in labels.iter_mut() {
            if *l == best.1 {
                *l = best.0;
            }
        }
        k = compact(labels);
    }
}

/// Small deterministic generator (xorshift64*) for k-means seeding.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// k-means (Euclidean) with k-means++ seeding, best of `restarts` runs by inertia.
fn kmeans(x: &[Vec<f64>], k: usize, restarts: usize) -> Vec<usize> {
    let n = x.len();
    if k <= 1 || n <= k {
        return (0..n).map(|i| if k <= 1 { 0 } else { i }).collect();
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut best: (f64, Vec<usize>) = (f64::INFINITY, vec![0; n]);
    for _ in 0..restarts.max(1) {
        // k-means++ seeding.
        let mut centres: Vec<Vec<f64>> = vec![x[(rng.next_f64() * n as f64) as usize % n].clone()];
        let mut d2: Vec<f64> = x.iter().map(|p| sq_dist(p, &centres[0])).collect();
        while centres.len() < k {
            let total: f64 = d2.iter().sum();
            let pick = if total > 0.0 {
                let mut target = rng.next_f64() * total;
                let mut idx = n - 1;
                for (i, &d) in d2.iter().enumerate() {
                    target -= d;
                    if target <= 0.0 {
                        idx = i;
                        break;
                    }
                }
                idx
            } else {
                (rng.next_f64() * n as f64) as usize % n
            };
            centres.push(x[pick].clone());
            for (d, p) in d2.iter_mut().zip(x) {
                *d = d.min(sq_dist(p, &centres[centres.len() - 1]));
            }
        }
        let mut labels = vec![0usize; n];
        for _ in 0..100 {
            let mut changed = false;
            for (p, l) in x.iter().zip(labels.iter_mut()) {
                let mut bl = 0;
                let mut bd = f64::INFINITY;
                for (c, centre) in centres.iter().enumerate() {
                    let d = sq_dist(p, centre);
                    if d < bd {
                        bd = d;
                        bl = c;
                    }
                }
                if *l != bl {
                    *l = bl;
                    changed = true;
                }
            }
            let new = centroids(x, &labels, k);
            for (c, centre) in new.into_iter().enumerate() {
                if labels.contains(&c) {
                    centres[c] = centre;
                }
            }
            if !changed {
                break;
            }
        }
        let inertia: f64 = x.iter().zip(&labels).map(|(p, &l)| sq_dist(p, &centres[l])).sum();
        if inertia < best.0 {
            best = (inertia, labels);
        }
    }
    best.1
}

/// Eigen-decomposition of a symmetric matrix (Householder tridiagonalisation then implicit QL,
/// after JAMA's `tred2`/`tql2`). Returns eigenvalues ascending and the matrix whose column `j`
/// (`vectors[i][j]`) is the eigenvector of value `j`.
pub fn symmetric_eigen(a: Vec<Vec<f64>>) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    let n = a.len();
    if n == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    if a.iter().any(|row| row.len() != n) {
        bail!("symmetric_eigen: matrix is not square");
    }
    let mut v = a;
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n];
    tred2(&mut v, &mut d, &mut e);
    tql2(&mut v, &mut d, &mut e)?;
    Ok((d, v))
}

// Index-heavy on purpose: a line-by-line port of JAMA's algorithm.
#[allow(clippy::needless_range_loop)]
fn tred2(v: &mut [Vec<f64>], d: &mut [f64], e: &mut [f64]) {
    let n = d.len();
    d[..n].copy_from_slice(&v[n - 1][..n]);
    for i in (1..n).rev() {
        let mut scale = 0.0;
        let mut h = 0.0;
        for dk in d.iter().take(i) {
            scale += dk.abs();
        }
        if scale == 0.0 {
            e[i] = d[i - 1];
            for j in 0..i {
                d[j] = v[i - 1][j];
                v[i][j] = 0.0;
                v[j][i] = 0.0;
            }
        } else {
            for dk in d.iter_mut().take(i) {
                *dk /= scale;
                h += *dk * *dk;
            }
            let mut f = d[i - 1];
            let mut g = h.sqrt();
            if f > 0.0 {
                g = -g;
            }
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            for ej in e.iter_mut().take(i) {
                *ej = 0.0;
            }
            for j in 0..i {
                f = d[j];
                v[j][i] = f;
                g = e[j] + v[j][j] * f;
                for k in j + 1..i {
                    g += v[k][j] * d[k];
                    e[k] += v[k][j] * f;
                }
                e[j] = g;
            }
            f = 0.0;
            for j in 0..i {
                e[j] /= h;
                f += e[j] * d[j];
            }
            let hh = f / (h + h);
            for j in 0..i {
                e[j] -= hh * d[j];
            }
            for j in 0..i {
                f = d[j];
                g = e[j];
                for k in j..i {
                    v[k][j] -= f * e[k] + g * d[k];
                }
                d[j] = v[i - 1][j];
                v[i][j] = 0.0;
            }
        }
        d[i] = h;
    }
    for i in 0..n - 1 {
        v[n - 1][i] = v[i][i];
        v[i][i] = 1.0;
        let h = d[i + 1];
        if h != 0.0 {
            for k in 0..=i {
                d[k] = v[k][i + 1] / h;
            }
            for j in 0..=i {
                let mut g = 0.0;
                for k in 0..=i {
                    g += v[k][i + 1] * v[k][j];
                }
                for k in 0..=i {
                    v[k][j] -= g * d[k];
                }
            }
        }
        for row in v.iter_mut().take(i + 1) {
            row[i + 1] = 0.0;
        }
    }
    for j in 0..n {
        d[j] = v[n - 1][j];
        v[n - 1][j] = 0.0;
    }
    v[n - 1][n - 1] = 1.0;
    e[0] = 0.0;
}

#[allow(clippy::needless_range_loop)]
fn tql2(v: &mut [Vec<f64>], d: &mut [f64], e: &mut [f64]) -> Result<()> {
    let n = d.len();
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    let mut f = 0.0;
    let mut tst1: f64 = 0.0;
    let eps = f64::EPSILON;
    for l in 0..n {
        tst1 = tst1.max(d[l].abs() + e[l].abs());
        let mut m = l;
        while m < n - 1 && e[m].abs() > eps * tst1 {
            m += 1;
        }
        if m > l {
            let mut iterations = 0;
            loop {
                iterations += 1;
                if iterations > 100 {
                    bail!("symmetric_eigen: no convergence");
                }
                let mut g = d[l];
                let mut p = (d[l + 1] - g) / (2.0 * e[l]);
                let mut r = p.hypot(1.0);
                if p < 0.0 {
                    r = -r;
                }
                d[l] = e[l] / (p + r);
                d[l + 1] = e[l] * (p + r);
                let dl1 = d[l + 1];
                let mut h = g - d[l];
                for di in d.iter_mut().skip(l + 2) {
                    *di -= h;
                }
                f += h;
                p = d[m];
                let mut c = 1.0;
                let mut c2 = c;
                let mut c3 = c;
                let el1 = e[l + 1];
                let mut s = 0.0;
                let mut s2 = 0.0;
                for i in (l..m).rev() {
                    c3 = c2;
                    c2 = c;
                    s2 = s;
                    g = c * e[i];
                    h = c * p;
                    r = p.hypot(e[i]);
                    e[i + 1] = s * r;
                    s = e[i] / r;
                    c = p / r;
                    p = c * d[i] - s * g;
                    d[i + 1] = h + s * (c * g + s * d[i]);
                    for row in v.iter_mut() {
                        h = row[i + 1];
                        row[i + 1] = s * row[i] + c * h;
                        row[i] = c * row[i] - s * h;
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1;
                e[l] = s * p;
                d[l] = c * p;
                if e[l].abs() <= eps * tst1 {
                    break;
                }
            }
        }
        d[l] += f;
        e[l] = 0.0;
    }
    // Sort ascending, with the vectors.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| d[i].total_cmp(&d[j]));
    let sorted: Vec<f64> = order.iter().map(|&i| d[i]).collect();
    for row in v.iter_mut() {
        let permuted: Vec<f64> = order.iter().map(|&i| row[i]).collect();
        *row = permuted;
    }
    d.copy_from_slice(&sorted);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn eigen_decomposition_reconstructs_the_matrix() {
        let n = 7;
        let mut rng = Rng(42);
        let mut a = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..=i {
                let x = rng.next_f64() - 0.5;
                a[i][j] = x;
                a[j][i] = x;
            }
        }
        let (values, vectors) = symmetric_eigen(a.clone()).unwrap();
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
        for i in 0..n {
            for j in 0..n {
                let r: f64 = (0..n).map(|k| vectors[i][k] * values[k] * vectors[j][k]).sum();
                assert!((r - a[i][j]).abs() < 1e-9, "({i},{j}) {r} vs {}", a[i][j]);
            }
        }
    }

    fn blob(rng: &mut Rng, centre: &[f32], spread: f32, n: usize) -> Vec<Vec<f32>> {
        (0..n)
            .map(|_| centre.iter().map(|&c| c + spread * (rng.next_f64() as f32 - 0.5)).collect())
            .collect()
    }

    #[test]
    fn finds_the_number_of_well_separated_groups() {
        let mut rng = Rng(7);
        let dim = 16;
        let axis = |i: usize| -> Vec<f32> { (0..dim).map(|d| if d == i { 1.0 } else { 0.0 }).collect() };
        for k in 1..=4 {
            let mut embs = Vec::new();
            for s in 0..k {
                embs.extend(blob(&mut rng, &axis(s), 0.6, 30));
            }
            let c = cluster(&embs, &ClusterOptions::default()).unwrap();
            assert_eq!(c.speakers, k, "expected {k} groups");
            for s in 0..k {
                let first = c.labels[s * 30];
                assert!(c.labels[s * 30..(s + 1) * 30].iter().all(|&l| l == first));
            }
            if k >= 2 {
                assert!(c.confidence > 0.5, "confidence {}", c.confidence);
            }
        }
    }
}

//! Diarization error rate, for tests and evaluation.
//!
//! Scored on a 10 ms grid: every instant carries the set of reference speakers and of
//! hypothesis speakers. Missed speech counts reference speakers beyond the hypothesis count,
//! false alarm the reverse, confusion the matched speakers that the optimal one-to-one speaker
//! mapping (Hungarian algorithm, maximising overlap) does not pair. All three are divided by the
//! scored reference speech. A `collar` (seconds) on either side of every reference turn boundary
//! is left unscored, as md-eval does.

use crate::Turn;

/// Components of the diarization error rate, as fractions of the scored reference speech.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DerReport {
    pub der: f64,
    pub missed: f64,
    pub false_alarm: f64,
    pub confusion: f64,
    /// Scored reference speech, seconds (speaker-time: overlapped speech counts twice).
    pub reference_speech: f64,
}

const STEP: f64 = 0.01;

fn speaker_ids(turns: &[Turn]) -> Vec<usize> {
    let mut ids: Vec<usize> = turns.iter().map(|t| t.speaker).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Diarization error rate of `hypothesis` against `reference` with a forgiveness `collar`.
pub fn der(reference: &[Turn], hypothesis: &[Turn], collar: f64) -> DerReport {
    let end = reference.iter().chain(hypothesis).map(|t| t.end).fold(0.0f64, f64::max);
    let frames = (end / STEP).ceil().max(0.0) as usize;
    let ref_ids = speaker_ids(reference);
    let hyp_ids = speaker_ids(hypothesis);
    let index = |ids: &[usize], s: usize| ids.iter().position(|&x| x == s).unwrap_or(0);
    // Activity per frame (frame centre inside the turn).
    let mut ref_active = vec![vec![false; ref_ids.len()]; frames];
    let mut hyp_active = vec![vec![false; hyp_ids.len()]; frames];
    let mut scored = vec![true; frames];
    let frame_range = |start: f64, end: f64| -> std::ops::Range<usize> {
        let a = ((start / STEP) - 0.5).ceil().max(0.0) as usize;
        let b = ((end / STEP) - 0.5).ceil().max(0.0) as usize;
        a.min(frames)..b.min(frames)
    };
    for t in reference {
        let s = index(&ref_ids, t.speaker);
        for f in frame_range(t.start, t.end) {
            ref_active[f][s] = true;
        }
        if collar > 0.0 {
            for edge in [t.start, t.end] {
                for f in frame_range(edge - collar, edge + collar) {
                    scored[f] = false;
                }
            }
        }
    }
    for t in hypothesis {
        let s = index(&hyp_ids, t.speaker);
        for f in frame_range(t.start, t.end) {
            hyp_active[f][s] = true;
        }
    }
    // Overlap matrix (frames) on scored frames, then the best mapping.
    let mut overlap = vec![vec![0.0f64; hyp_ids.len()]; ref_ids.len()];
    let (mut total, mut missed, mut false_alarm, mut matched_upper) = (0.0, 0.0, 0.0, 0.0);
    for f in (0..frames).filter(|&f| scored[f]) {
        let nr = ref_active[f].iter().filter(|&&a| a).count() as f64;
        let nh = hyp_active[f].iter().filter(|&&a| a).count() as f64;
        total += nr;
        missed += (nr - nh).max(0.0);
        false_alarm += (nh - nr).max(0.0);
        matched_upper += nr.min(nh);
        for (r, &ra) in ref_active[f].iter().enumerate() {
            if ra {
                for (h, &ha) in hyp_active[f].iter().enumerate() {
                    if ha {
                        overlap[r][h] += 1.0;
                    }
                }
            }
        }
    }
    let correct = best_assignment(&overlap);
    let confusion = matched_upper - correct;
    let frac = |x: f64| if total > 0.0 { x / total } else { 0.0 };
    let (missed, false_alarm, confusion) = (frac(missed), frac(false_alarm), frac(confusion));
    let der = if total > 0.0 {
        missed + false_alarm + confusion
    } else if hypothesis.is_empty() {
        0.0
    } else {
        1.0
    };
    DerReport { der, missed, false_alarm, confusion, reference_speech: total * STEP }
}

/// Maximum total weight of a one-to-one matching between rows and columns (Hungarian algorithm
/// on the padded square cost matrix).
pub fn best_assignment(weights: &[Vec<f64>]) -> f64 {
    let rows = weights.len();
    let cols = weights.first().map_or(0, Vec::len);
    let n = rows.max(cols);
    if n == 0 {
        return 0.0;
    }
    let max_w = weights.iter().flatten().copied().fold(0.0f64, f64::max);
    // cost[i][j] = max_w - w (padding has weight 0), minimised; 1-based as the classic version.
    let cost = |i: usize, j: usize| -> f64 {
        let w = if i < rows && j < cols { weights[i][j] } else { 0.0 };
        max_w - w
    };
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; n + 1];
    let mut p = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=n {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    (1..=n)
        .filter(|&j| p[j] >= 1 && p[j] - 1 < rows && j - 1 < cols)
        .map(|j| weights[p[j] - 1][j - 1])
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(start: f64, end: f64, speaker: usize) -> Turn {
        Turn { start, end, speaker }
    }

    fn reference() -> Vec<Turn> {
        vec![t(0.0, 4.0, 0), t(5.0, 8.0, 1), t(9.0, 12.0, 0), t(13.0, 15.0, 2)]
    }

    #[test]
    fn perfect_hypothesis_scores_zero() {
        let r = der(&reference(), &reference(), 0.0);
        assert!(r.der.abs() < 1e-9, "{r:?}");
        assert!((r.reference_speech - 12.0).abs() < 0.02);
    }

    #[test]
    fn renamed_speakers_score_zero() {
        let hyp: Vec<Turn> = reference().iter().map(|x| t(x.start, x.end, [7, 3, 5][x.speaker])).collect();
        assert!(der(&reference(), &hyp, 0.25).der.abs() < 1e-9);
    }

    #[test]
    fn one_missed_turn_costs_its_share() {
        let mut hyp = reference();
        hyp.remove(1); // 3 s of 12 s
        let r = der(&reference(), &hyp, 0.0);
        assert!((r.missed - 0.25).abs() < 1e-3, "{r:?}");
        assert!(r.false_alarm.abs() < 1e-9 && r.confusion.abs() < 1e-9);
        assert!((r.der - 0.25).abs() < 1e-3);
        // With a collar the turn's edges are not scored: 2.5 s missed of 12 - 8 × 0.25 s.
        let r = der(&reference(), &hyp, 0.25);
        assert!((r.der - 2.5 / 10.0).abs() < 1e-3, "{r:?}");
    }

    #[test]
    fn confusion_and_false_alarm() {
        // Speaker 2's turn labelled as speaker 0, plus 1 s of speech where none is.
        let hyp = vec![t(0.0, 4.0, 0), t(5.0, 8.0, 1), t(9.0, 12.0, 0), t(12.5, 15.0, 0)];
        let r = der(&reference(), &hyp, 0.0);
        assert!((r.confusion - 2.0 / 12.0).abs() < 1e-3, "{r:?}");
        assert!((r.false_alarm - 0.5 / 12.0).abs() < 1e-3, "{r:?}");
    }

    #[test]
    fn hungarian_handles_rectangular_matrices() {
        let w = vec![vec![1.0, 9.0, 0.0], vec![8.0, 7.0, 0.0]];
        assert!((best_assignment(&w) - 17.0).abs() < 1e-9);
        let w = vec![vec![5.0], vec![6.0], vec![1.0]];
        assert!((best_assignment(&w) - 6.0).abs() < 1e-9);
    }
}

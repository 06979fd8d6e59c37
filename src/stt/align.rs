//! Word timestamps from cross-attention (OpenAI's method): feed a window's
//! text tokens once more, take the cross-attention weights of the model's
//! alignment heads, normalise each head over the tokens, smooth over time
//! with a 7-frame median filter, average the heads, and find the cheapest
//! monotonic path through the token × frame matrix (dynamic time warping).
//! Where the path moves to the next token is when that token starts.

/// Seconds per audio frame of the encoder (1500 frames per 30 s).
pub const SECS_PER_FRAME: f64 = 0.02;

/// A word and the tokens that spell it.
#[derive(Debug, Clone, PartialEq)]
pub struct WordTokens {
    pub text: String,
    pub tokens: Vec<u32>,
}

/// Splits text tokens into words: a token starting with a space starts a
/// word; punctuation sticks to the word before it; a token that is only
/// part of a character waits for the rest.
pub fn split_words(tokens: &[u32], decode: &dyn Fn(&[u32]) -> String) -> Vec<WordTokens> {
    let mut words: Vec<WordTokens> = Vec::new();
    let mut pending: Vec<u32> = Vec::new();
    for &token in tokens {
        pending.push(token);
        let piece = decode(&pending);
        if piece.contains('\u{FFFD}') {
            continue;
        }
        let tokens = std::mem::take(&mut pending);
        let trimmed = piece.trim();
        let punctuation = !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_punctuation());
        // Opening marks belong to the word they open (`said "Hello`).
        let opening = !trimmed.is_empty() && trimmed.chars().all(|c| "\"'“¿([{-$".contains(c));
        let starts_word = piece.starts_with(' ') && (!punctuation || opening);
        match words.last_mut() {
            Some(last) if !starts_word => {
                last.text.push_str(&piece);
                last.tokens.extend(tokens);
            }
            _ => words.push(WordTokens { text: piece, tokens }),
        }
    }
    if !pending.is_empty() {
        let piece = decode(&pending);
        match words.last_mut() {
            Some(last) => {
                last.text.push_str(&piece);
                last.tokens.extend(pending);
            }
            None => words.push(WordTokens { text: piece, tokens: pending }),
        }
    }
    words
}

/// Median filter along each row (reflecting at the edges).
fn median_filter(row: &[f32], width: usize) -> Vec<f32> {
    let half = width / 2;
    let n = row.len();
    if n <= half {
        return row.to_vec();
    }
    let at = |i: isize| -> f32 {
        let j = if i < 0 { (-i) as usize } else if i as usize >= n { 2 * (n - 1) - i as usize } else { i as usize };
        row[j.min(n - 1)]
    };
    let mut window = vec![0f32; width];
    (0..n)
        .map(|i| {
            for (k, w) in window.iter_mut().enumerate() {
                *w = at(i as isize + k as isize - half as isize);
            }
            window.sort_by(f32::total_cmp);
            window[half]
        })
        .collect()
}

/// The alignment matrix `[tokens][frames]` from the heads' weights
/// (`heads[h][token][frame]`, already cut to the window's frames).
pub fn alignment_matrix(heads: &[Vec<Vec<f32>>]) -> Vec<Vec<f32>> {
    let Some(first) = heads.first() else { return Vec::new() };
    let (tokens, frames) = (first.len(), first.first().map_or(0, Vec::len));
    let mut sum = vec![vec![0f32; frames]; tokens];
    for head in heads {
        // Standardise each frame's column over the tokens.
        let mut normalised = head.clone();
        for f in 0..frames {
            let mean = head.iter().map(|r| r[f]).sum::<f32>() / tokens as f32;
            let var = head.iter().map(|r| (r[f] - mean).powi(2)).sum::<f32>() / tokens as f32;
            let std = var.sqrt().max(1e-10);
            for (t, row) in normalised.iter_mut().enumerate() {
                row[f] = (head[t][f] - mean) / std;
            }
        }
        for (t, row) in normalised.iter().enumerate() {
            for (f, v) in median_filter(row, 7).into_iter().enumerate() {
                sum[t][f] += v / heads.len() as f32;
            }
        }
    }
    sum
}

/// The cheapest monotonic path through `cost` (`[rows][cols]`), as
/// `(row, col)` pairs from the start.
pub fn dtw(cost: &[Vec<f32>]) -> Vec<(usize, usize)> {
    let n = cost.len();
    let m = cost.first().map_or(0, Vec::len);
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let mut acc = vec![vec![f32::INFINITY; m + 1]; n + 1];
    let mut trace = vec![vec![0u8; m + 1]; n + 1];
    acc[0][0] = 0.0;
    for j in 1..=m {
        for i in 1..=n {
            let (c0, c1, c2) = (acc[i - 1][j - 1], acc[i - 1][j], acc[i][j - 1]);
            let (c, t) = if c0 < c1 && c0 < c2 {
                (c0, 0)
            } else if c1 < c0 && c1 < c2 {
                (c1, 1)
            } else {
                (c2, 2)
            };
            acc[i][j] = cost[i - 1][j - 1] + c;
            trace[i][j] = t;
        }
    }
    let (mut i, mut j) = (n, m);
    let mut path = Vec::with_capacity(n + m);
    while i > 0 || j > 0 {
        path.push((i.saturating_sub(1), j.saturating_sub(1)));
        let t = if i == 0 { 2 } else if j == 0 { 1 } else { trace[i][j] };
        match t {
            0 => {
                i -= 1;
                j -= 1;
            }
            1 => i -= 1,
            _ => j -= 1,
        }
    }
    path.reverse();
    path
}

/// Start and end (seconds from the window's start) of each word, from the
/// alignment matrix whose row 0 is `<|notimestamps|>` and rows 1.. are the
/// words' tokens in order.
pub fn word_times(matrix: &[Vec<f32>], words: &[WordTokens]) -> Vec<(f64, f64)> {
    let negated: Vec<Vec<f32>> = matrix.iter().map(|r| r.iter().map(|v| -v).collect()).collect();
    let path = dtw(&negated);
    // The time at which the path first reaches each row.
    let mut jump_times = Vec::with_capacity(matrix.len());
    let mut last_row = None;
    for (row, col) in path {
        if last_row != Some(row) {
            jump_times.push(col as f64 * SECS_PER_FRAME);
            last_row = Some(row);
        }
    }
    let mut boundaries = vec![0usize];
    for word in words {
        boundaries.push(boundaries[boundaries.len() - 1] + word.tokens.len());
    }
    let end_of = |i: usize| jump_times.get(i).or(jump_times.last()).copied().unwrap_or(0.0);
    boundaries.windows(2).map(|w| (end_of(w[0]), end_of(w[1]))).collect()
}

/// A word at a sentence's end (or start) that lasts more than twice the
/// median word (median capped at 0.7 s) has soaked up the pause beside it:
/// cut it to that length so the pause shows as a gap (OpenAI's heuristic).
pub fn clip_long_words(words: &[&str], times: &mut [(f64, f64)]) {
    let mut durations: Vec<f64> = times.iter().map(|(s, e)| e - s).filter(|d| *d > 0.0).collect();
    if durations.is_empty() {
        return;
    }
    durations.sort_by(f64::total_cmp);
    let median = durations[durations.len() / 2].min(0.7);
    let max = median * 2.0;
    let ends_sentence = |w: &str| w.trim_end().ends_with(['.', '?', '!']);
    for i in 0..times.len().min(words.len()) {
        let (start, end) = times[i];
        if end - start <= max {
            continue;
        }
        if ends_sentence(words[i]) {
            times[i].1 = start + max;
        } else if i == 0 || ends_sentence(words[i - 1]) {
            times[i].0 = end - max;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_start_at_spaces_and_keep_their_punctuation() {
        let pieces = [" Tell", " me", " about", " it", ".", " Um", ",", " well", "ness"];
        let decode = |ids: &[u32]| ids.iter().map(|&i| pieces[i as usize]).collect::<String>();
        let words = split_words(&[0, 1, 2, 3, 4, 5, 6, 7, 8], &decode);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, [" Tell", " me", " about", " it.", " Um,", " wellness"]);
        assert_eq!(words[5].tokens, [7, 8]);
    }

    #[test]
    fn the_path_follows_the_diagonal_of_a_clear_alignment() {
        // Three tokens, each loud on its own third of nine frames.
        let matrix: Vec<Vec<f32>> =
            (0..3).map(|t| (0..9).map(|f| if f / 3 == t { 1.0 } else { -1.0 }).collect()).collect();
        let negated: Vec<Vec<f32>> = matrix.iter().map(|r| r.iter().map(|v| -v).collect()).collect();
        let path = dtw(&negated);
        assert_eq!(path.first(), Some(&(0, 0)));
        assert_eq!(path.last(), Some(&(2, 8)));
        assert!(path.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1), "monotonic");
        let words = vec![
            WordTokens { text: " a".into(), tokens: vec![1] },
            WordTokens { text: " b".into(), tokens: vec![2] },
        ];
        let times = word_times(&matrix, &words);
        assert_eq!(times.len(), 2);
        // The row that predicts a word (the one before its token) marks its start.
        assert_eq!(times, vec![(0.0, 0.06), (0.06, 0.12)]);
    }

    #[test]
    fn a_sentence_end_that_soaked_up_a_pause_is_cut_back() {
        let words = [" I", " led", " it.", " Then", " we", " won."];
        let mut times = vec![(0.0, 0.2), (0.2, 0.5), (0.5, 2.0), (2.0, 3.2), (3.2, 3.5), (3.5, 3.8)];
        clip_long_words(&words, &mut times);
        let close = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9;
        assert!(close(times[2], (0.5, 1.1)), "'it.' keeps twice the median (0.3 s) and the pause shows: {times:?}");
        assert!(close(times[3], (2.6, 3.2)), "the word after the pause starts when it is spoken: {times:?}");
        assert!(close(times[5], (3.5, 3.8)), "{times:?}");
    }

    #[test]
    fn the_median_filter_removes_a_spike() {
        let row = [0.0, 0.0, 0.0, 9.0, 0.0, 0.0, 0.0, 0.0];
        assert!(median_filter(&row, 7).iter().all(|&v| v == 0.0));
    }
}

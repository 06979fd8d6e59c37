//! Word error rate: how far a transcript is from the words actually spoken
//! (substitutions + deletions + insertions over the reference's length),
//! after lower-casing and dropping punctuation. Used by the speech tests and
//! the benchmark to score transcripts of scripted audio.

/// Lower-case words without punctuation; Whisper's "umm" counts as "um".
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| if w == "umm" { String::from("um") } else { w.to_owned() })
        .collect()
}

/// How a hypothesis compares with the reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Edits over reference words (0 = perfect).
    pub wer: f64,
    /// The longest run of reference words missing in a row.
    pub longest_deletion: usize,
}

/// Scores `hypothesis` against `reference` (both plain text).
pub fn score(reference: &str, hypothesis: &str) -> Score {
    let (r, h) = (words(reference), words(hypothesis));
    let (n, m) = (r.len(), h.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            let substitution = d[i - 1][j - 1] + usize::from(r[i - 1] != h[j - 1]);
            d[i][j] = substitution.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
        }
    }
    // Walk back along one cheapest alignment, counting consecutive deletions.
    let (mut i, mut j, mut run, mut longest) = (n, m, 0, 0);
    while i > 0 {
        if j > 0 && d[i][j] == d[i - 1][j - 1] + usize::from(r[i - 1] != h[j - 1]) {
            run = 0;
            i -= 1;
            j -= 1;
        } else if d[i][j] == d[i - 1][j] + 1 {
            run += 1;
            longest = longest.max(run);
            i -= 1;
        } else {
            run = 0;
            j -= 1;
        }
    }
    Score { wer: if n == 0 { 0.0 } else { d[n][m] as f64 / n as f64 }, longest_deletion: longest }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_and_case_do_not_count_but_words_do() {
        assert_eq!(score("Um, I led it.", "umm i led it").wer, 0.0);
        let s = score("we shipped two days early", "we shipped days early");
        assert!((s.wer - 0.2).abs() < 1e-9);
        assert_eq!(s.longest_deletion, 1);
        let s = score("one two three four five six", "one five six");
        assert!((s.wer - 0.5).abs() < 1e-9);
        assert_eq!(s.longest_deletion, 3);
        assert!((score("a b", "a b c d").wer - 1.0).abs() < 1e-9, "insertions count");
    }
}

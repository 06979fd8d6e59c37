//! Phrase matching over a word stream: the lists of cue phrases (STAR cues,
//! hedges, assertive phrases…) are matched word by word, case- and
//! punctuation-insensitively, against the normalised words of the candidate
//! with fillers removed ("I, um, talked to" matches "i talked to").
//!
//! Phrases are indexed by their first word, so matching costs one hash look-up
//! per word plus a comparison per phrase sharing that first word: linear in
//! the words. At each position the longest phrase wins and matches do not
//! overlap. Look-ups hash with FNV-1a ([`Fnv`]): the keys are short words
//! from fixed lists, so the DoS resistance of the default SipHash buys
//! nothing and costs a fifth of the analysis time.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: a fast hash for short, trusted keys.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A hash map keyed by short words.
pub type WordMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
/// A hash set of short words.
pub type WordSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

/// A set of phrases to find.
pub struct PhraseSet {
    /// First word → (phrase, its words), longest first.
    by_first: WordMap<&'static str, Vec<(&'static str, Vec<&'static str>)>>,
}

/// One phrase found: `len` words from position `at` of the searched stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    pub phrase: &'static str,
    pub at: usize,
    pub len: usize,
}

impl PhraseSet {
    /// Indexes `phrases` (lower case, words separated by single spaces).
    pub fn new(phrases: &[&'static str]) -> Self {
        let mut by_first: WordMap<&'static str, Vec<(&'static str, Vec<&'static str>)>> =
            WordMap::default();
        for &phrase in phrases {
            let words: Vec<&'static str> = phrase.split(' ').collect();
            if let Some(&first) = words.first() {
                by_first.entry(first).or_default().push((phrase, words));
            }
        }
        for candidates in by_first.values_mut() {
            candidates.sort_by_key(|(_, words)| std::cmp::Reverse(words.len()));
        }
        Self { by_first }
    }

    /// The longest phrase starting at `words[at]`.
    pub fn match_at(&self, words: &[&str], at: usize) -> Option<Found> {
        let candidates = self.by_first.get(*words.get(at)?)?;
        let rest = &words[at..];
        candidates.iter().find_map(|(phrase, phrase_words)| {
            let len = phrase_words.len();
            let matches = rest.len() >= len && phrase_words.iter().zip(rest).all(|(p, w)| p == w);
            matches.then_some(Found { phrase, at, len })
        })
    }

    /// Every non-overlapping match in `words`, left to right.
    pub fn find_all(&self, words: &[&str]) -> Vec<Found> {
        let mut found = Vec::new();
        let mut at = 0;
        while at < words.len() {
            match self.match_at(words, at) {
                Some(hit) => {
                    at += hit.len;
                    found.push(hit);
                }
                None => at += 1,
            }
        }
        found
    }

    /// Whether any phrase occurs in `words`.
    pub fn occurs_in(&self, words: &[&str]) -> bool {
        (0..words.len()).any(|at| self.match_at(words, at).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_phrase_wins_and_matches_do_not_overlap() {
        let set = PhraseSet::new(&["i think", "i think so", "so"]);
        let words = ["i", "think", "so", "so"];

        let found = set.find_all(&words);

        let phrases: Vec<&str> = found.iter().map(|f| f.phrase).collect();
        assert_eq!(phrases, ["i think so", "so"]);
        assert_eq!(found[1].at, 3);
    }
}

//! Filler words: the sounds and stock phrases that fill a gap instead of a
//! silence. Matching is on normalised words (case and punctuation
//! insensitive) but uses the punctuation and the silences around a word to
//! tell a filler from the same word doing real work. Only the candidate's
//! speech is searched (detected question sentences are the interviewer's).
//!
//! Terms (the canonical term is what the report shows):
//! - `um` (`umm`, `uhm`), `uh` (`uhh`), `er` (`err`, `erm`), `ah` (`ahh`),
//!   `hmm` (`hm`, `mm`): always fillers, however many letters are repeated.
//! - `like`: only when set off: a clause boundary before it (comma, stop or a
//!   pause of at least [`PAUSE_SECS`]) *and* after it ("and, like, I…"), or
//!   followed by a comma when the word before does not govern it. Never after
//!   "would"/"I'd" ("I'd like to"), "looks/feels/seems/sounds", "something",
//!   and not the quotative after "was"/"is"/"I'm" ("I was like, no way"): that
//!   reports speech rather than filling a gap, so it is not counted. Plain
//!   comparisons ("like a", "like the", "like to") are never set off and so
//!   never counted.
//! - `you know`: when set off after ("…, you know, …", "you know?") or at a
//!   clause start followed by a subject ("You know we shipped…"); never after
//!   "do/did/if/as/what/would/let…" ("do you know", "as you know"), nor when
//!   it is the verb with an object ("you know how/what/that…" is not set off).
//!   In unpunctuated speech it is also a filler where no clause can start:
//!   after a preposition, an article, a hesitation or "just"/"but" ("in
//!   terms of you know the guy…", "a you know a chemical"), unless a
//!   question word follows ("but you know what…").
//! - `i mean`: at a clause start, set off after or followed by a subject
//!   ("I mean, we…", "I mean we…"); not "I mean it".
//! - `so`: at the start of a sentence or answer (fillers before it skipped,
//!   "Um, so, …") and followed by a comma or pause; "so that", "and so on" are
//!   not counted.
//! - `basically`: always. `actually`: when followed by a comma or set off.
//! - `right?`: "right" ending in a question mark inside a sentence (a tag).
//! - Hedges such as "sort of", "kind of", "I think" are tone, not fillers
//!   (see `tone`).
//!
//! Positions are the start time of the filler's first word; rates are per
//! minute of recording.

use protocol::analysis::{FillerCount, FillerSummary};

use super::pace::{LONG_PAUSE_SECS, PAUSE_SECS};
use super::tokens::{Token, gap_before, round};

/// One filler found: `len` tokens from `token`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub term: &'static str,
    pub token: usize,
    pub len: usize,
}

/// Words before "like" that make it a verb, a comparison or a quotative.
const LIKE_GOVERNORS: &[&str] = &[
    "would",
    "i'd",
    "we'd",
    "you'd",
    "they'd",
    "he'd",
    "she'd",
    "look",
    "looks",
    "looked",
    "looking",
    "feel",
    "feels",
    "felt",
    "seem",
    "seems",
    "seemed",
    "sound",
    "sounds",
    "sounded",
    "something",
    "anything",
    "nothing",
    "things",
    "stuff",
    "much",
    "more",
    "less",
    "just",
    "exactly",
    "don't",
    "didn't",
    "doesn't",
    "to",
    "will",
    "what",
    "not",
];

/// Subjects before "like" that make it the verb "enjoy" ("I like…"), unless set off.
const LIKE_SUBJECTS: &[&str] = &["i", "we", "you", "they", "people"];

/// Subjects after a "like" that opens a clause ("…, like it still talked…").
const CLAUSE_SUBJECTS: &[&str] = &["i", "we", "they", "he", "she", "it", "you", "there"];

/// Be-verbs: "like" after one reports speech or compares ("I was like, no
/// way"; "it's like a puzzle") unless it runs straight into what it fills
/// ("the staff were like terrified").
const BE_VERBS: &[&str] = &[
    "was", "were", "is", "am", "are", "i'm", "he's", "she's", "it's", "they're", "we're", "you're", "be", "been",
];

/// Words after "like" that make it a comparison or a verb ("like a", "like to").
const LIKE_OBJECTS: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "our", "their", "it",
    "to", "him", "them", "me", "us", "what", "how", "when",
];

/// Words after "you know" that make "know" a verb with an object ("you know how…").
const YOU_KNOW_OBJECTS: &[&str] = &[
    "how", "what", "that", "where", "why", "who", "when", "whether", "if", "about", "it", "him", "her",
    "them", "me", "us", "this", "the", "a", "an", "anything", "something", "everything", "nothing",
    "exactly", "everyone", "everybody", "someone", "somebody", "each", "which",
];

/// Words that may open an answer before a filler "so" ("okay so", "yeah so").
const ANSWER_OPENERS: &[&str] = &["okay", "ok", "yeah", "well", "alright", "right", "so", "yes", "sure"];

/// Words after which "you know" cannot open a clause ("of you know the…"):
/// there it only fills the gap, whatever follows.
const YOU_KNOW_GAPS: &[&str] = &[
    "of", "a", "an", "the", "to", "with", "for", "from", "about", "in", "on", "at", "into", "by", "like", "just", "but",
];

/// Words before "you know" that make "know" a verb ("do you know").
const YOU_KNOW_GOVERNORS: &[&str] = &[
    "do", "did", "does", "don't", "didn't", "doesn't", "if", "as", "what", "would", "will",
    "could", "might", "can", "should", "you'd", "let", "whether", "that", "how", "when",
];

/// Subjects that start a clause after a leading "you know" / "I mean".
const SUBJECTS: &[&str] = &[
    "i", "we", "they", "he", "she", "you", "it's", "i'm", "we're", "they're", "there's", "there",
];

/// The canonical hesitation sound `norm` spells, if it is one (`ummm` → `um`).
pub fn hesitation(norm: &str) -> Option<&'static str> {
    // Called several times per word: collapse repeated letters on the stack.
    let bytes = norm.as_bytes();
    if bytes.is_empty() || bytes.len() > 8 || !bytes[0].is_ascii_alphabetic() {
        return None;
    }
    let mut collapsed = [0u8; 8];
    let mut len = 0;
    for &b in bytes {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        if len == 0 || collapsed[len - 1] != b {
            collapsed[len] = b;
            len += 1;
        }
    }
    match &collapsed[..len] {
        b"um" | b"uhm" => Some("um"),
        b"uh" => Some("uh"),
        b"er" | b"erm" => Some("er"),
        b"ah" => Some("ah"),
        b"hm" | b"m" => Some("hmm"),
        _ => None,
    }
}

/// Every filler in the candidate's speech (`candidate[i]` is false for the
/// interviewer's words), in order.
pub fn find(tokens: &[Token], candidate: &[bool]) -> Vec<Hit> {
    let scan = Scan { tokens, candidate };
    let mut hits = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match scan.filler_at(i) {
            Some(hit) => {
                i += hit.len;
                hits.push(hit);
            }
            None => i += 1,
        }
    }
    hits
}

/// A marker per token: true when it is part of a filler.
pub fn mask(hits: &[Hit], token_count: usize) -> Vec<bool> {
    let mut mask = vec![false; token_count];
    for hit in hits {
        for flag in mask.iter_mut().skip(hit.token).take(hit.len) {
            *flag = true;
        }
    }
    mask
}

struct Scan<'a> {
    tokens: &'a [Token],
    candidate: &'a [bool],
}

impl Scan<'_> {
    fn word(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |t| t.norm.as_str())
    }

    fn previous_word(&self, i: usize) -> &str {
        i.checked_sub(1).map_or("", |p| self.word(p))
    }

    fn is_candidate(&self, i: usize) -> bool {
        self.candidate.get(i).copied().unwrap_or(false)
    }

    fn filler_at(&self, i: usize) -> Option<Hit> {
        if !self.is_candidate(i) {
            return None;
        }
        let hit = |term, len| {
            Some(Hit {
                term,
                token: i,
                len,
            })
        };
        if let Some(term) = hesitation(self.word(i)) {
            return hit(term, 1);
        }
        let next = self.word(i + 1);
        match self.word(i) {
            "you" if next == "know" && self.is_candidate(i + 1) && self.you_know_is_filler(i) => {
                hit("you know", 2)
            }
            "i" if next == "mean" && self.is_candidate(i + 1) && self.i_mean_is_filler(i) => {
                hit("i mean", 2)
            }
            "like" if self.like_is_filler(i) => hit("like", 1),
            "so" if self.so_is_filler(i) => hit("so", 1),
            "basically" => hit("basically", 1),
            "actually" if self.set_off(i) => hit("actually", 1),
            "right" if self.tokens[i].question_after && !self.sentence_start(i) => hit("right?", 1),
            _ => None,
        }
    }

    /// A clause boundary before token `i`: punctuation, a pause, a
    /// hesitation, or the start of the candidate's turn.
    fn boundary_before(&self, i: usize) -> bool {
        let Some(p) = i.checked_sub(1) else {
            return true;
        };
        let previous = &self.tokens[p];
        previous.comma_after
            || previous.stop_after
            || !self.is_candidate(p)
            || hesitation(&previous.norm).is_some()
            || gap_before(self.tokens, i) >= PAUSE_SECS
    }

    /// A clause boundary after token `i`.
    fn boundary_after(&self, i: usize) -> bool {
        let token = &self.tokens[i];
        i + 1 == self.tokens.len()
            || token.comma_after
            || token.stop_after
            || hesitation(self.word(i + 1)).is_some()
            || gap_before(self.tokens, i + 1) >= PAUSE_SECS
    }

    /// Set off on both sides, or followed by a comma.
    fn set_off(&self, i: usize) -> bool {
        self.tokens[i].comma_after || (self.boundary_before(i) && self.boundary_after(i))
    }

    /// The start of a sentence or of the candidate's turn, hesitations before it skipped.
    fn sentence_start(&self, i: usize) -> bool {
        let mut j = i;
        while j > 0 && self.is_candidate(j - 1) && hesitation(self.word(j - 1)).is_some() {
            j -= 1;
        }
        let Some(p) = j.checked_sub(1) else {
            return true;
        };
        self.tokens[p].stop_after
            || !self.is_candidate(p)
            || gap_before(self.tokens, j) >= LONG_PAUSE_SECS
    }

    /// The start of the candidate's turn, with only hesitations and openers
    /// ("okay", "yeah", "well") before token `i`.
    fn answer_start(&self, i: usize) -> bool {
        let mut j = i;
        while j > 0 && self.is_candidate(j - 1) {
            let word = self.word(j - 1);
            if hesitation(word).is_none() && !ANSWER_OPENERS.contains(&word) {
                return false;
            }
            j -= 1;
        }
        true
    }

    /// "like" filling a gap: not a verb ("I like"), not governed ("looks
    /// like", "would like"), not a comparison or quotative after a be-verb
    /// ("it's like a…", "I was like, no"), and not "like to/a/the…" unless set off.
    fn like_is_filler(&self, i: usize) -> bool {
        let previous = self.previous_word(i);
        let boundary_before = self.boundary_before(i);
        if !boundary_before && LIKE_GOVERNORS.contains(&previous) {
            return false;
        }
        if self.set_off(i) {
            // "I was like, no way" reports speech; "what matters is, like, the team" fills.
            return boundary_before || !BE_VERBS.contains(&previous);
        }
        let next = self.word(i + 1);
        if boundary_before && CLAUSE_SUBJECTS.contains(&next) {
            return true;
        }
        !(next.is_empty() || LIKE_OBJECTS.contains(&next) || LIKE_SUBJECTS.contains(&previous))
    }

    /// "so" filling a gap: opening the answer ("okay so…"), opening a
    /// sentence before a pause or a filler ("So, um…", "So yeah…"), or set
    /// off by commas; never "so that" or "so" meaning "therefore" mid-sentence.
    fn so_is_filler(&self, i: usize) -> bool {
        let next = self.word(i + 1);
        self.answer_start(i)
            || (self.sentence_start(i) && (self.boundary_after(i) || matches!(next, "yeah" | "okay" | "anyway" | "basically")))
            || (self.boundary_before(i) && self.tokens[i].comma_after)
    }

    /// "you know" filling a gap: not a question or a clause ("do you know",
    /// "if you know"), not the verb with an object ("you know how…").
    fn you_know_is_filler(&self, i: usize) -> bool {
        if !self.boundary_before(i) && YOU_KNOW_GOVERNORS.contains(&self.previous_word(i)) {
            return false;
        }
        let next = self.word(i + 2);
        let before = self.previous_word(i);
        let in_a_gap = YOU_KNOW_GAPS.contains(&before) || hesitation(before).is_some() || (before == next && !before.is_empty());
        if in_a_gap && !matches!(next, "what" | "how" | "why" | "where" | "who" | "whether" | "if") {
            return true;
        }
        // "you know it was…": "it" is the next clause's subject, not the object.
        let subject_of_next = matches!(self.word(i + 2), "it" | "this" | "that")
            && matches!(self.word(i + 3), "was" | "is" | "wasn't" | "isn't" | "had" | "felt" | "got");
        self.boundary_after(i + 1)
            || (self.boundary_before(i) && SUBJECTS.contains(&self.word(i + 2)))
            || subject_of_next
            || !YOU_KNOW_OBJECTS.contains(&self.word(i + 2))
    }

    /// "I mean" restarting a thought: not "I mean it/to/what…" nor "what I mean".
    fn i_mean_is_filler(&self, i: usize) -> bool {
        if matches!(self.previous_word(i), "what" | "know" | "if") {
            return false;
        }
        (self.boundary_before(i) && (self.boundary_after(i + 1) || SUBJECTS.contains(&self.word(i + 2))))
            || !matches!(self.word(i + 2), "it" | "to" | "what" | "you" | "him" | "her" | "them" | "business" | "well" | "")
    }
}

/// Groups hits by term, most frequent first (ties: first said first), with
/// rates over `minutes` of recording.
pub fn summary(hits: &[Hit], tokens: &[Token], minutes: f64) -> FillerSummary {
    let rate = |count: usize| {
        if minutes > 0.0 {
            round(count as f64 / minutes, 2)
        } else {
            0.0
        }
    };
    let mut items: Vec<FillerCount> = Vec::new();
    for hit in hits {
        let at = round(tokens[hit.token].start, 2);
        match items.iter_mut().find(|item| item.term == hit.term) {
            Some(item) => {
                item.count += 1;
                item.positions.push(at);
            }
            None => items.push(FillerCount {
                term: hit.term.to_owned(),
                count: 1,
                per_minute: 0.0,
                positions: vec![at],
            }),
        }
    }
    // Stable sort: equal counts keep the order of first use.
    items.sort_by_key(|item| std::cmp::Reverse(item.count));
    for item in &mut items {
        item.per_minute = rate(item.count);
    }
    FillerSummary {
        total: hits.len(),
        per_minute: rate(hits.len()),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::synthetic::transcript_from_lines;
    use crate::analysis::tokens::from_transcript;

    /// The fillers (as terms) in `text`, spoken by the candidate at 150 wpm.
    fn fillers_in(text: &str) -> Vec<&'static str> {
        let tokens = from_transcript(&transcript_from_lines(&[text]));
        let candidate = vec![true; tokens.len()];
        find(&tokens, &candidate)
            .iter()
            .map(|hit| hit.term)
            .collect()
    }

    #[test]
    fn a_speaker_who_says_um_three_times_in_a_minute_has_three_fillers_and_a_rate_of_three_a_minute()
     {
        let tokens = from_transcript(&transcript_from_lines(&[
            "Um, I built it. Umm, then I, um, shipped it.",
        ]));
        let hits = find(&tokens, &vec![true; tokens.len()]);

        let summary = summary(&hits, &tokens, 1.0);

        assert_eq!(summary.total, 3);
        assert_eq!(summary.items[0].term, "um");
        assert_eq!(summary.items[0].count, 3);
        assert_eq!(summary.items[0].per_minute, 3.0);
        assert_eq!(summary.per_minute, 3.0);
    }

    #[test]
    fn i_would_like_to_is_not_a_filler() {
        assert!(
            fillers_in("I would like to grow. I'd like, a role like the one you offer.").is_empty()
        );
    }

    #[test]
    fn like_set_off_by_commas_is_a_filler() {
        assert_eq!(
            fillers_in("We had, like, no tests. Like, none."),
            ["like", "like"]
        );
    }

    #[test]
    fn quoting_with_was_like_is_not_counted() {
        assert!(fillers_in("My manager was like, just ship it.").is_empty());
    }

    #[test]
    fn you_know_where_no_clause_can_start_is_a_filler_in_unpunctuated_speech() {
        assert_eq!(
            fillers_in("it was in terms of you know the guy was a supervisor with a you know a chemical problem"),
            ["you know", "you know"]
        );
        assert!(fillers_in("but you know what happened next").is_empty());
        assert!(fillers_in("we wanted you know the answer").is_empty());
    }

    #[test]
    fn you_know_as_a_tag_is_a_filler_but_do_you_know_is_a_question() {
        assert_eq!(
            fillers_in("It was hard, you know, really hard. You know?"),
            ["you know", "you know"]
        );
        assert!(fillers_in("Do you know Rust? You know how it works.").is_empty());
    }

    #[test]
    fn so_counts_only_at_the_start_of_a_sentence_before_a_comma() {
        assert_eq!(
            fillers_in("Um, so, we started. I did it so that we could ship."),
            ["um", "so"]
        );
    }

    #[test]
    fn i_mean_at_a_clause_start_is_a_filler_but_i_mean_it_is_not() {
        assert_eq!(fillers_in("I mean, it worked."), ["i mean"]);
        assert!(fillers_in("Honestly I mean it.").is_empty());
    }

    #[test]
    fn spelling_variants_fold_into_one_term() {
        assert_eq!(
            fillers_in("Ummm. Uhh. Erm. Hmm. Mm."),
            ["um", "uh", "er", "hmm", "hmm"]
        );
    }

    #[test]
    fn basically_always_counts_and_actually_only_when_set_off() {
        assert_eq!(
            fillers_in("Basically I actually wrote it. Actually, it was fine."),
            ["basically", "actually"]
        );
    }

    #[test]
    fn a_right_tag_question_is_a_filler() {
        assert_eq!(fillers_in("We had to ship it, right? Right."), ["right?"]);
    }

    #[test]
    fn the_interviewers_words_are_not_searched() {
        let tokens = from_transcript(&transcript_from_lines(&[
            "Um, tell me about it?",
            "Um, sure.",
        ]));
        let candidate: Vec<bool> = (0..tokens.len()).map(|i| i >= 5).collect();

        let hits = find(&tokens, &candidate);

        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].token, 5);
    }
}

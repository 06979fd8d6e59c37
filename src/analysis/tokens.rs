//! Tokens and sentences: the one view of a transcript every other analysis
//! module reads.
//!
//! - A token is one spoken word with its timing. With word timestamps, each
//!   engine word is a token (a word holding several space-separated pieces is
//!   split, its time shared evenly). Without them (remote engines), the
//!   segment's text is split on whitespace and the segment's time spread
//!   evenly across its words.
//! - `norm` is the word lower-cased, with `’` read as `'` and the punctuation
//!   around it dropped (`" Um,"` → `um`, `"30%"` → `30%`, `"I'd"` → `i'd`).
//!   Punctuation after a word sets its flags (`,;:—` → comma, `.!?…` → stop).
//!   A bare punctuation "word" attaches to the word before it.
//! - A sentence ends at a stop (`.`, `!`, `?`, `…`) or before a silence of at
//!   least [`LONG_PAUSE_SECS`] (engines without
//!   punctuation still get sentences at turn-taking gaps), and where the
//!   speaker's role changes.

use protocol::speakers::SpeakerRole;
use protocol::transcript::{Segment, Transcript};

use super::pace::LONG_PAUSE_SECS;

/// One spoken word.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Lower-case word without surrounding punctuation (`um`, `i'd`, `30%`).
    pub norm: String,
    /// The word as transcribed, trimmed (`Um,`).
    pub surface: String,
    pub start: f64,
    pub end: f64,
    /// The engine's word probability, when it gave word timings.
    pub probability: Option<f64>,
    /// The word's segment was flagged low-confidence.
    pub low_confidence: bool,
    /// A comma, semicolon, colon or dash follows.
    pub comma_after: bool,
    /// A sentence stop (`.`, `!`, `?`, `…`) follows.
    pub stop_after: bool,
    /// A question mark follows.
    pub question_after: bool,
    /// An exclamation mark follows.
    pub exclaim_after: bool,
    /// The role of the word's speaker, when speakers are known.
    pub role: Option<SpeakerRole>,
}

/// A sentence: tokens `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sentence {
    pub first: usize,
    pub last: usize,
}

/// Every word of the transcript, in order.
pub fn from_transcript(transcript: &Transcript) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(transcript.segments.len() * 12);
    for segment in &transcript.segments {
        let first = tokens.len();
        if segment.words.is_empty() {
            push_segment_text(segment, &mut tokens);
        } else {
            for word in &segment.words {
                let probability = Some(word.probability.clamp(0.0, 1.0));
                push_spread(
                    &word.word,
                    (word.start, word.end),
                    probability,
                    segment.low_confidence,
                    &mut tokens,
                );
            }
        }
        if let Some(role) = transcript.role_of(segment) {
            for token in &mut tokens[first..] {
                token.role = Some(role);
            }
        }
    }
    tokens
}

/// The tokens of a typed text (timed as if spoken at 150 words a minute).
pub fn from_text(text: &str) -> Vec<Token> {
    from_transcript(&super::synthetic::transcript_from_text(text))
}

/// Whether any segment with text came without word timings.
pub fn lacks_word_timings(transcript: &Transcript) -> bool {
    transcript
        .segments
        .iter()
        .any(|s| s.words.is_empty() && !s.text.trim().is_empty())
}

fn push_segment_text(segment: &Segment, tokens: &mut Vec<Token>) {
    push_spread(
        &segment.text,
        (segment.start, segment.end),
        None,
        segment.low_confidence,
        tokens,
    );
}

/// Splits `text` on whitespace and shares `(start, end)` evenly between the pieces.
fn push_spread(
    text: &str,
    (start, end): (f64, f64),
    probability: Option<f64>,
    low_confidence: bool,
    tokens: &mut Vec<Token>,
) {
    let end = end.max(start);
    let trimmed = text.trim();
    if !trimmed.contains(char::is_whitespace) {
        // The usual case: one engine word, one piece.
        if !trimmed.is_empty() {
            push_piece(trimmed, (start, end), probability, low_confidence, tokens);
        }
        return;
    }
    let pieces = trimmed.split_whitespace().count();
    let step = (end - start) / pieces as f64;
    for (i, piece) in trimmed.split_whitespace().enumerate() {
        let span = (start + step * i as f64, start + step * (i + 1) as f64);
        push_piece(piece, span, probability, low_confidence, tokens);
    }
}

fn push_piece(
    piece: &str,
    (start, end): (f64, f64),
    probability: Option<f64>,
    low_confidence: bool,
    tokens: &mut Vec<Token>,
) {
    let core = core_of(piece);
    let trailing = &piece[core.end..];
    if core.is_empty() {
        // Bare punctuation: it belongs to the word before.
        if let Some(previous) = tokens.last_mut() {
            previous.surface.push_str(piece);
            set_flags(previous, piece);
        }
        return;
    }
    let mut token = Token {
        norm: normalise(&piece[core.clone()]),
        surface: piece.to_owned(),
        start,
        end,
        probability,
        low_confidence,
        comma_after: false,
        stop_after: false,
        question_after: false,
        exclaim_after: false,
        role: None,
    };
    set_flags(&mut token, trailing);
    tokens.push(token);
}

/// Byte range of the word inside its punctuation: from the first
/// alphanumeric character to the last alphanumeric or `%` one.
fn core_of(piece: &str) -> std::ops::Range<usize> {
    let start = piece.find(char::is_alphanumeric);
    let end = piece
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_alphanumeric() || c == '%')
        .map(|(i, c)| i + c.len_utf8());
    match (start, end) {
        (Some(start), Some(end)) if start < end => start..end,
        _ => 0..0,
    }
}

fn normalise(core: &str) -> String {
    if core.is_ascii() {
        return core.to_ascii_lowercase();
    }
    core.chars()
        .map(|c| if c == '’' || c == '‘' { '\'' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

fn set_flags(token: &mut Token, punctuation: &str) {
    for c in punctuation.chars() {
        match c {
            ',' | ';' | ':' | '—' | '–' | '-' => token.comma_after = true,
            '.' | '…' => token.stop_after = true,
            '?' => {
                token.stop_after = true;
                token.question_after = true;
            }
            '!' => {
                token.stop_after = true;
                token.exclaim_after = true;
            }
            _ => {}
        }
    }
}

/// Silence between token `i - 1` and token `i` (0 for the first token).
pub fn gap_before(tokens: &[Token], i: usize) -> f64 {
    match i.checked_sub(1) {
        Some(previous) => (tokens[i].start - tokens[previous].end).max(0.0),
        None => 0.0,
    }
}

/// Splits tokens into sentences at stops and long silences.
pub fn sentences(tokens: &[Token]) -> Vec<Sentence> {
    let mut sentences = Vec::new();
    let mut first = 0;
    for i in 0..tokens.len() {
        let ends_here = tokens[i].stop_after
            || tokens.get(i + 1).is_some_and(|next| {
                gap_before(tokens, i + 1) >= LONG_PAUSE_SECS || next.role != tokens[i].role
            });
        if ends_here || i + 1 == tokens.len() {
            sentences.push(Sentence { first, last: i });
            first = i + 1;
        }
    }
    sentences
}

/// The transcribed text of tokens `first..=last`, cut to at most `max_chars`
/// characters (ending in `…` when cut).
pub fn quote(tokens: &[Token], first: usize, last: usize, max_chars: usize) -> String {
    let mut text = String::new();
    for token in tokens.get(first..=last).unwrap_or_default() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&token.surface);
        if text.chars().count() > max_chars {
            break;
        }
    }
    truncate(&text, max_chars)
}

/// `text` cut to at most `max_chars` characters, ending in `…` when cut.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// `m:ss` (or `h:mm:ss` from an hour on), for messages.
pub fn clock(secs: f64) -> String {
    let total = secs.max(0.0).round() as u64;
    let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes}:{seconds:02}")
    }
}

/// `x` rounded to `places` decimals (tidy JSON; the same on every run).
pub fn round(x: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    // `+ 0.0` turns −0 (an empty float sum is −0.0) into 0.
    (x * factor).round() / factor + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::transcript::Word;

    fn word(start: f64, text: &str) -> Word {
        Word {
            start,
            end: start + 0.3,
            word: text.into(),
            probability: 0.9,
        }
    }

    #[test]
    fn engine_words_lose_their_spaces_and_punctuation_but_keep_its_meaning() {
        let segment = Segment {
            start: 0.0,
            end: 2.0,
            text: " Um, I’d go. Really?".into(),
            words: vec![
                word(0.0, " Um,"),
                word(0.4, " I’d"),
                word(0.8, " go."),
                word(1.2, " Really?"),
            ],
            ..Segment::default()
        };
        let transcript = Transcript {
            segments: vec![segment],
            ..Transcript::default()
        };

        let tokens = from_transcript(&transcript);

        let norms: Vec<&str> = tokens.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(norms, ["um", "i'd", "go", "really"]);
        assert!(tokens[0].comma_after && tokens[2].stop_after && tokens[3].question_after);
        assert_eq!(tokens[0].surface, "Um,");
    }

    #[test]
    fn a_segment_without_word_timings_spreads_its_words_evenly() {
        let segment = Segment {
            start: 10.0,
            end: 12.0,
            text: " We shipped it early.".into(),
            ..Segment::default()
        };
        let transcript = Transcript {
            segments: vec![segment],
            ..Transcript::default()
        };

        let tokens = from_transcript(&transcript);

        assert_eq!(tokens.len(), 4);
        assert_eq!((tokens[1].start, tokens[1].end), (10.5, 11.0));
        assert_eq!(tokens[3].probability, None);
    }

    #[test]
    fn bare_punctuation_attaches_to_the_word_before() {
        let segment = Segment {
            words: vec![word(0.0, " Done"), word(0.3, "?"), word(0.6, " Yes")],
            ..Segment::default()
        };
        let tokens = from_transcript(&Transcript {
            segments: vec![segment],
            ..Transcript::default()
        });

        assert_eq!(tokens.len(), 2);
        assert!(tokens[0].question_after);
        assert_eq!(sentences(&tokens).len(), 2);
    }

    #[test]
    fn a_long_quote_is_cut_to_eighty_characters() {
        let long = "word ".repeat(40);
        let cut = truncate(long.trim(), 80);
        assert_eq!(cut.chars().count(), 80);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn clock_reads_minutes_and_seconds() {
        assert_eq!(clock(135.2), "2:15");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}

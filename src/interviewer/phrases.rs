//! The telling words of a message, for saying one concrete detail back:
//! runs of detail words, what a figure measures, a figure with its unit, a
//! before and after, and a story's subject when it names no project.

use super::words::has_digit;

/// Words that carry no detail of their own.
pub(super) const PLAIN: &[&str] = &[
    "the", "a", "an", "and", "or", "but", "so", "to", "of", "in", "on", "at", "for", "with", "by", "from", "as",
    "is", "was", "were", "are", "be", "been", "it", "its", "this", "that", "these", "those", "there", "then",
    "i", "me", "my", "we", "our", "us", "you", "your", "they", "them", "their", "he", "she", "his", "her",
    "had", "have", "has", "did", "do", "does", "just", "really", "very", "also", "about", "all", "some", "any",
    "what", "when", "where", "which", "who", "how", "why", "not", "no", "yes", "yeah", "ok", "okay", "well",
    "like", "got", "get", "made", "make", "went", "go", "lot", "lots", "kind", "sort", "thing", "things",
    "guess", "think", "mean", "actually", "basically", "mostly", "pretty", "quite", "much", "more", "most",
    "would", "could", "should", "will", "can", "into", "out", "up", "over", "after", "before", "because",
    "while", "than", "too", "only", "even", "still", "every", "each", "one", "other", "others", "own", "being",
    "able", "new", "good", "great", "first", "last", "next", "time", "times", "work", "worked", "working",
    "already", "knew", "know", "said", "told", "felt", "thought", "took", "gave", "came", "saw", "found",
    "left", "kept", "went", "around", "under", "within", "between", "without", "through", "across", "per",
    "alone", "half", "whole", "many", "few", "several", "both", "either", "neither", "such", "same",
    "off", "down", "onto", "honestly", "frankly", "anyway", "definitely", "totally", "obviously", "hit",
];

/// The most telling run of detail words in a message (at most four), in the
/// interviewer's words: "zero downtime", "the night rota".
pub fn keyphrase(message: &str) -> Option<String> {
    runs(message).into_iter().filter(|run| run.words.len() >= 2 || run.words[0].len() >= 6).max_by_key(|run| run.score()).map(|run| run.text())
}

/// A run of detail words in a message.
struct Run {
    words: Vec<String>,
    /// Whether a determiner ("the", "our"…) came just before: a noun phrase.
    determined: bool,
    /// The sentence it is in, and the index of the word after it there.
    sentence: usize,
    end: usize,
}

impl Run {
    fn score(&self) -> usize {
        self.words.len().min(4) * 2 + usize::from(self.words.iter().any(|w| has_digit(w)))
    }

    fn text(&self) -> String {
        self.words.iter().take(4).cloned().collect::<Vec<_>>().join(" ")
    }
}

fn is_detail(word: &super::words::Word) -> bool {
    !PLAIN.contains(&word.lower.as_str())
        && !VERBS.contains(&word.lower.as_str())
        && !word.lower.ends_with("ed")
        && (word.lower.len() >= 3 || has_digit(&word.lower))
}

/// Every run of detail words, earliest first.
fn runs(message: &str) -> Vec<Run> {
    let mut found = Vec::new();
    for (sentence_index, sentence) in super::words::sentences(message).into_iter().enumerate() {
        let words = super::words::words(sentence);
        let mut run: Vec<String> = Vec::new();
        let mut determined = false;
        for (index, word) in words.iter().enumerate() {
            let detail = is_detail(word);
            if detail {
                if run.is_empty() {
                    determined = index > 0
                        && matches!(words[index - 1].lower.as_str(), "the" | "our" | "my" | "a" | "an" | "their" | "this" | "that");
                }
                let proper = word.text.chars().next().is_some_and(char::is_uppercase) && index > 0;
                run.push(if proper { word.text.clone() } else { word.lower.clone() });
            }
            let ends = !detail || word.pause_after || index + 1 == words.len();
            if ends && !run.is_empty() {
                let end = if detail { index + 1 } else { index };
                found.push(Run { words: std::mem::take(&mut run), determined, sentence: sentence_index, end });
            }
        }
    }
    found
}

/// What a figure measures: the nearest run of detail words (no figures)
/// before the first word for which `marks` holds, in the same sentence
/// ("our outbound reply rates had dropped from 8%" → "outbound reply rates").
pub fn measured_before(message: &str, marks: impl Fn(&super::words::Word) -> bool) -> Option<String> {
    for (sentence_index, sentence) in super::words::sentences(message).into_iter().enumerate() {
        let words = super::words::words(sentence);
        let Some(at) = words.iter().position(&marks) else { continue };
        return runs(message)
            .into_iter()
            .rfind(|run| run.sentence == sentence_index && run.end <= at && !run.words.iter().any(|w| has_digit(w)))
            .map(|run| run.text());
    }
    None
}

/// What a story is about, from the message that opens it when it names no
/// project: its longest noun phrase of two words or more ("our nightly
/// settlement batch" → "your nightly settlement batch"), never a job title.
pub fn story_subject(message: &str) -> Option<String> {
    runs(message)
        .into_iter()
        .filter(|run| run.determined && !run.words.iter().any(|w| has_digit(w)))
        .filter_map(|run| {
            // A noun phrase: it stops at the first word that reads as a verb or an adverb.
            let nouns: Vec<String> = run.words.iter().take_while(|w| noun_like(&w.to_lowercase())).take(4).cloned().collect();
            (nouns.len() >= 2 && !nouns.last().is_some_and(|w| super::extract::is_role_noun(&w.to_lowercase())))
                .then_some(nouns)
        })
        .max_by_key(Vec::len)
        .map(|nouns| format!("the {}", nouns.join(" ")))
}

/// Whether a (lowercase) word can belong to a noun phrase.
fn noun_like(word: &str) -> bool {
    let verb_like = word.ends_with("ing") || word.ends_with("ed") || word.ends_with("ly") || VERBS.contains(&word);
    let irregular = matches!(word, "sent" | "beats" | "says" | "means" | "seems" | "goes" | "does" | "needs" | "wants" | "gets");
    !(verb_like || irregular || PLAIN.contains(&word))
}

/// Common verbs in the present tense: not details on their own.
const VERBS: &[&str] = &[
    "take", "takes", "make", "makes", "get", "gets", "give", "gives", "keep", "keeps", "need", "needs", "want",
    "wants", "use", "uses", "help", "helps", "see", "sees", "say", "says", "tell", "tells", "come", "comes",
    "run", "runs", "look", "looks", "feel", "feels", "seem", "seems", "try", "tries", "call", "calls", "ask",
    "asks", "put", "puts", "turn", "turns", "start", "starts", "show", "shows", "hear", "play", "move",
    "hold", "bring", "happen", "happens", "write", "provide", "sit", "stand", "lose", "pay", "meet", "include",
    "continue", "set", "learn", "change", "lead", "understand", "watch", "follow", "stop", "create", "speak",
    "read", "allow", "add", "spend", "grow", "open", "win", "offer", "remember", "consider", "appear", "buy",
    "wait", "serve", "send", "expect", "build", "stay", "fall", "cut", "reach", "remain", "cover", "teach",
    "manage", "handle", "support", "own", "care", "sell", "book", "plan", "cook", "train", "coach", "carry",
    "went", "ran", "got", "made", "did", "took", "gave", "let", "lets", "told", "sat", "wrote", "led", "fell",
    "against", "versus", "like", "really", "maybe", "probably", "basically", "literally",
];

/// A figure with its unit ("40%", "29 kids", "$1.8M"), from a message.
pub fn figure(message: &str) -> Option<String> {
    let words = super::words::words(message);
    for (at, word) in words.iter().enumerate() {
        if !has_digit(&word.lower) {
            continue;
        }
        let year = word.text.len() == 4 && word.text.parse::<u32>().is_ok();
        if year {
            continue;
        }
        if word.text.contains(['%', '$', '€', '£']) || word.lower.ends_with(['k', 'm']) && word.lower.len() > 1 {
            return Some(word.text.clone());
        }
        let unit = words.get(at + 1).filter(|next| !word.pause_after && is_detail(next));
        if let Some(unit) = unit {
            return Some(format!("{} {}", word.text, unit.lower));
        }
    }
    None
}

/// "from 6 hours to 48 minutes" in a message, as ("6 hours", "48 minutes").
pub fn before_and_after(message: &str) -> Option<(String, String)> {
    let words = super::words::words(message);
    let amount = |from: usize| -> Option<(String, usize)> {
        let first = words.get(from).filter(|w| has_digit(&w.lower))?;
        let mut text = first.text.clone();
        let mut end = from + 1;
        while let Some(next) = words.get(end).filter(|n| end - from < 3 && !PLAIN.contains(&n.lower.as_str()) && !is_verb_form(&n.lower) && n.lower != "down") {
            text.push(' ');
            text.push_str(&next.lower);
            end += 1;
        }
        Some((text, end))
    };
    for at in 0..words.len() {
        if words[at].lower != "from" {
            continue;
        }
        let Some((before, mut next)) = amount(at + 1) else { continue };
        // "from 6 hours 10 minutes (down) to 48 minutes"
        while words.get(next).is_some_and(|w| matches!(w.lower.as_str(), "down" | "up") || has_digit(&w.lower)) && next < at + 8 {
            next += 1;
        }
        if words.get(next).is_some_and(|w| w.lower == "to")
            && let Some((after, _)) = amount(next + 1).or_else(|| {
                let hedge = words.get(next + 1).is_some_and(|w| matches!(w.lower.as_str(), "under" | "over" | "about" | "around" | "nearly" | "almost" | "just" | "below" | "above"));
                hedge.then(|| amount(next + 2)).flatten()
            })
        {
            return Some((before, after));
        }
    }
    None
}

fn is_verb_form(word: &str) -> bool {
    word.ends_with("ed") || word.ends_with("ing")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_without_facts_is_acknowledged_by_its_telling_words() {
        assert_eq!(keyphrase("My goal was zero downtime for the cutover.").as_deref(), Some("zero downtime"));
        assert_eq!(keyphrase("ok").as_deref(), None);
    }
}

//! Small text helpers shared by the interviewer's parts: sentences, words,
//! and turning the user's first person into the interviewer's second person.

/// The sentences of a message (split at `.`, `!`, `?`, `;` and line breaks; a
/// dot inside a number such as "2.5" does not split).
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (index, &(at, c)) in chars.iter().enumerate() {
        let next = chars.get(index + 1).map(|&(_, n)| n);
        let ends = match c {
            '!' | '?' | ';' | '\n' => true,
            '.' => next.is_none_or(char::is_whitespace),
            _ => false,
        };
        if ends {
            let piece = text[start..at].trim();
            if !piece.is_empty() {
                out.push(piece);
            }
            start = at + c.len_utf8();
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// A word as written and its lowercase form, edge punctuation removed
/// (`%`, `$`, `€`, `£`, `'`, `-` and `+` kept where they belong to the word).
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub lower: String,
    /// Whether punctuation (a comma, a colon, a dash…) followed the word.
    pub pause_after: bool,
}

/// The words of a sentence.
pub fn words(sentence: &str) -> Vec<Word> {
    sentence
        .split_whitespace()
        .filter_map(|raw| {
            let pause_after = raw.ends_with([',', ':', ')', '—', '–']) || raw == "-";
            let text = raw
                .trim_start_matches(|c: char| !(c.is_alphanumeric() || matches!(c, '$' | '€' | '£' | '+')))
                .trim_end_matches(|c: char| !(c.is_alphanumeric() || matches!(c, '%' | '+')));
            (!text.is_empty()).then(|| Word { text: text.to_owned(), lower: text.to_lowercase(), pause_after })
        })
        .collect()
}

/// Lowercase words of a text, for matching.
pub fn lower_words(text: &str) -> Vec<String> {
    words(text).into_iter().map(|w| w.lower).collect()
}

/// Whether a word holds a digit.
pub fn has_digit(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
}

/// The user's words as the interviewer says them back: "my team" becomes
/// "your team", "we" becomes "you".
pub fn second_person(phrase: &str) -> String {
    phrase
        .split(' ')
        .map(|word| {
            let (core, tail) = split_trailing_punctuation(word);
            let swapped = match core.to_lowercase().as_str() {
                "my" | "our" => "your",
                "i" | "we" | "me" | "us" => "you",
                "mine" | "ours" => "yours",
                "myself" | "ourselves" => "yourself",
                "i'm" | "we're" => "you're",
                "i've" | "we've" => "you've",
                "i'd" | "we'd" => "you'd",
                "i'll" | "we'll" => "you'll",
                "am" => "are",
                _ => return word.to_owned(),
            };
            format!("{swapped}{tail}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn split_trailing_punctuation(word: &str) -> (&str, &str) {
    let end = word.trim_end_matches(|c: char| c.is_ascii_punctuation() && c != '\'').len();
    word.split_at(end)
}

/// `phrase` with its first letter in upper case.
pub fn capitalise(phrase: &str) -> String {
    let mut chars = phrase.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `text` with a leading "Your", "The", "A" or "An" in lower case (names stay as written).
pub fn lower_first(text: &str) -> String {
    let mut words = text.splitn(2, ' ');
    let first = words.next().unwrap_or_default();
    let rest = words.next().map(|r| format!(" {r}")).unwrap_or_default();
    // "Your team" → "your team"; names stay as written.
    if matches!(first, "Your" | "The" | "A" | "An") { format!("{}{rest}", first.to_lowercase()) } else { text.to_owned() }
}

/// "a" or "an" before `word`.
pub fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o') => "an",
        Some('u') if !word.to_lowercase().starts_with("us") && !word.to_lowercase().starts_with("un") => "a",
        Some('u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_at_ends_but_not_inside_numbers() {
        assert_eq!(
            sentences("We grew 2.5x. Then I left! Why? Because; yes\nno"),
            ["We grew 2.5x", "Then I left", "Why", "Because", "yes", "no"]
        );
    }

    #[test]
    fn words_keep_percent_and_currency() {
        let found: Vec<String> = words("cut costs by 40%, saving $2M (yearly).").into_iter().map(|w| w.text).collect();
        assert_eq!(found, ["cut", "costs", "by", "40%", "saving", "$2M", "yearly"]);
        assert!(words("costs, then")[0].pause_after);
    }

    #[test]
    fn the_first_person_becomes_the_second() {
        assert_eq!(second_person("the migration of our billing system"), "the migration of your billing system");
        assert_eq!(second_person("I led my team."), "you led your team.");
        assert_eq!(article("engineer"), "an");
        assert_eq!(article("nurse"), "a");
    }
}

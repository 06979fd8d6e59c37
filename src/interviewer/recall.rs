//! Answers to "what did I tell you about…?": from the career record first
//! (the facts the user can see and correct), else from what they said earlier
//! in the conversation, in at most a few of their words.

use protocol::career::{ItemKind, RecordItem};

use super::phrases::PLAIN;
use super::words::{article, has_digit, lower_first, lower_words, second_person};

/// An answer to "what did I tell you about…?": from the record first (the
/// facts the user can see and correct), else from what they said earlier in
/// this conversation (`said_before`, oldest first).
pub fn recall(question: &str, record: &[RecordItem], said_before: &[&str]) -> String {
    let wanted = wanted_kinds(question);
    let asks_when = {
        let q = question.to_lowercase();
        q.contains("what year") || q.contains("when did") || q.contains("since when") || q.contains("how long")
    };
    let asks_figure = wanted.first() == Some(&ItemKind::Number);
    let asks_name = {
        let q = question.to_lowercase();
        ["called", "name", "which ", "what tool", "what app", "what company", "what firm"].iter().any(|c| q.contains(c))
    };
    // A proper name (a capital past a sentence's first word) answers "what was it called?".
    let names = |text: &str, skip: usize| text.split_whitespace().skip(skip).any(|w| w.chars().next().is_some_and(char::is_uppercase) && w != "I");
    let weigh = |score: usize, text: &str, skip: usize| {
        let score = score + 3 * usize::from(asks_name && names(text, skip));
        if asks_figure && !text.chars().any(|c| c.is_ascii_digit()) { score / 3 } else { score }
    };
    let asked: Vec<String> = lower_words(question)
        .into_iter()
        .filter(|w| w.len() >= 4 && !RECALL_FILLER.contains(&w.as_str()) && !PLAIN.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect();
    let dated = |said: &[String]| asks_when && said.iter().any(|w| w.len() == 4 && w.parse::<u32>().is_ok_and(|y| (1950..=2100).contains(&y)));
    // (score, order, how it is said back)
    let mut scored: Vec<(usize, usize, String)> = Vec::new();
    for (order, item) in record.iter().enumerate() {
        // The kind asked for first counts most ("how many": a figure before a person).
        let kind_score = wanted.iter().position(|k| *k == item.kind).map_or(0, |rank| 4usize.saturating_sub(rank).max(2));
        let said: Vec<String> = lower_words(&item.text).iter().map(|w| stem(w)).collect();
        let shared = asked.iter().filter(|w| said.contains(w)).count();
        let score = weigh(kind_score + 3 * shared + 6 * usize::from(dated(&said)), &item.text, 0);
        if score > 0 {
            scored.push((score, order, describe(item)));
        }
    }
    // Sentences said earlier that share the question's words: what the rules did not file.
    for (order, sentence) in said_before.iter().flat_map(|turn| super::words::sentences(turn)).enumerate() {
        let words = lower_words(sentence);
        let said: Vec<String> = words.iter().map(|w| stem(w)).collect();
        let shared = asked.iter().filter(|w| said.contains(w)).count();
        let figure = asks_figure && words.iter().any(|w| has_digit(w));
        if shared == 0 && !dated(&said) {
            continue;
        }
        let score = weigh(3 * shared + 2 * usize::from(figure) + 6 * usize::from(dated(&said)), sentence, 1);
        let shown = sentence.replace('?', "");
        let capital = |w: &&str| w.chars().next().is_some_and(char::is_uppercase) && *w != "I";
        // The name asked for, else the first word asked about, in view.
        let anchor = asks_name
            .then(|| shown.split_whitespace().skip(1).position(|w| capital(&w)).map(|p| p.saturating_sub(2) + 1))
            .flatten()
            .unwrap_or_else(|| said.iter().position(|w| asked.contains(w)).unwrap_or(0));
        scored.push((score, record.len() + order, format!("this: \u{201c}{}\u{201d}", clip_around(&second_person(&shown), anchor, 7))));
    }
    // Highest score first; among equals, the record, then the earliest said.
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut parts: Vec<String> = Vec::new();
    for (_, _, part) in scored.into_iter().take(3) {
        // The same fact from the record and from the sentence it came from: once.
        let words: Vec<String> = lower_words(&part).into_iter().filter(|w| w.len() >= 3).collect();
        let overlaps = parts.iter().any(|p| {
            let known = lower_words(p);
            words.iter().filter(|w| known.contains(w)).count() * 2 >= words.len().max(1)
        });
        if !overlaps {
            parts.push(part);
        }
        if parts.len() == 2 {
            break;
        }
    }
    match parts.as_slice() {
        [] => String::from("I don't think you've told me that yet."),
        [one] => format!("You told me {one}."),
        [one, two, ..] => format!("You told me {one}, and {}.", two.trim_start_matches("this: ")),
    }
}

/// At most `max` words of `text` from just before word `anchor`: what was
/// said about the thing asked comes after it ("the budget was £4.2m").
fn clip_around(text: &str, anchor: usize, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= max {
        return text.to_owned();
    }
    // What answers the question is usually a name or a figure after the words asked about.
    let informative = |w: &&str| has_digit(w) || w.chars().next().is_some_and(char::is_uppercase) && *w != "I";
    let focus = words.iter().skip(anchor + 1).position(informative).map_or(anchor, |p| anchor + 1 + p);
    let start = if focus - anchor < max - 2 { anchor.saturating_sub(1) } else { focus.saturating_sub(3) };
    let start = start.min(words.len() - max);
    let end = start + max;
    let mut clipped = if start > 0 { String::from("…") } else { String::new() };
    clipped.push_str(&words[start..end].join(" "));
    if end < words.len() {
        clipped.push('…');
    }
    clipped
}

/// A word's stem for matching ("teaches", "teaching" → "teach").
fn stem(word: &str) -> String {
    let word = word.trim_end_matches("'s");
    for suffix in ["ing", "ed", "es", "s", "e"] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 3
        {
            return base.to_owned();
        }
    }
    word.to_owned()
}

const RECALL_FILLER: &[&str] = &[
    "remember", "recall", "remind", "what", "said", "tell", "told", "mention", "mentioned", "again", "quick",
    "check", "where", "which", "that", "about", "start", "beginning", "earlier", "first", "didn't", "there",
    "know", "your", "with", "were", "this", "have", "does", "from", "name", "mention", "said", "say",
    "call", "called", "named", "going", "back", "hold", "hang", "wait", "interest", "checking", "right",
];

fn wanted_kinds(question: &str) -> Vec<ItemKind> {
    let q = question.to_lowercase();
    let has = |cues: &[&str]| cues.iter().any(|c| q.contains(c));
    let mut kinds = Vec::new();
    if has(&["how many", "how much", "number", "percent", "%", "figure", "by how", "how long", "how big", "quota", "budget", "target", "year", "salary", "revenue"]) {
        kinds.extend([ItemKind::Number, ItemKind::Result]);
    }
    if has(&["title", "role", "position", "what do i do", "my job", "job again", "what i do"]) {
        kinds.push(ItemKind::Role);
    }
    if has(&["company", "employer", "work for", "work at", "hospital", "school", "firm", "organisation", "organization", "agency", "clinic", "where"]) {
        kinds.push(ItemKind::Employer);
    }
    if has(&["project", "working on", "built", "build", "launch", "initiative", "programme", "program"]) {
        kinds.push(ItemKind::Project);
    }
    if has(&["result", "outcome", "impact", "achieve"]) {
        kinds.extend([ItemKind::Result, ItemKind::Number]);
    }
    if has(&["team", "manager", "who ", "boss", "colleague"]) {
        kinds.push(ItemKind::Person);
    }
    if has(&["skill", "tool", "language", "stack", "tech", "software"]) {
        kinds.push(ItemKind::Skill);
    }
    if has(&["subject", "teach", "area", "cover", "do i do", "responsib", "day to day", "specialis", "specializ"]) {
        kinds.extend([ItemKind::Action, ItemKind::Role]);
    }
    if has(&["which ", "called", "name", "i'm with", "im with", "i am with"]) {
        kinds.extend([ItemKind::Employer, ItemKind::Project]);
    }
    if kinds.is_empty() {
        kinds.extend([ItemKind::Role, ItemKind::Employer, ItemKind::Project]);
    }
    kinds
}

/// One record item as the interviewer says it back (at most a few words of the user's).
fn describe(item: &RecordItem) -> String {
    let said = second_person(&item.text);
    // A figure is what a figure's item is for; anything else reads from its start.
    let text = if matches!(item.kind, ItemKind::Number | ItemKind::Result) { clip_around_figure(&said, 6) } else { clip(&said, 6) };
    match item.kind {
        ItemKind::Role => format!("you're {} {text}", article(&text)),
        ItemKind::Employer => format!("you work at {text}"),
        ItemKind::Project => format!("you worked on {}", lower_first(&text)),
        ItemKind::Skill => format!("you use {text}"),
        ItemKind::Person => format!("about {}", lower_first(&text)),
        ItemKind::Number | ItemKind::Result | ItemKind::Action | ItemKind::Challenge => {
            format!("this: \u{201c}{}\u{201d}", lower_first(&text))
        }
    }
}

/// At most `max` words of a text, keeping its first figure in view.
fn clip_around_figure(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some(figure) = words.iter().position(|w| has_digit(w)) else { return clip(text, max) };
    if words.len() <= max || figure + 2 < max {
        return clip(text, max);
    }
    let end = (figure + 3).min(words.len());
    let start = end.saturating_sub(max);
    let mut clipped = if start > 0 { String::from("…") } else { String::new() };
    clipped.push_str(&words[start..end].join(" "));
    if end < words.len() {
        clipped.push('…');
    }
    clipped
}

/// The first `max` words of a text (with "…" when cut).
fn clip(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= max {
        return text.to_owned();
    }
    format!("{}…", words[..max].join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: ItemKind, text: &str) -> RecordItem {
        RecordItem {
            id: text.into(),
            kind,
            text: text.into(),
            message_id: None,
            story: 1,
            edited: false,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_recall_question_is_answered_from_the_record() {
        let record = [item(ItemKind::Role, "senior backend engineer"), item(ItemKind::Employer, "Acme Payments")];
        assert_eq!(recall("Do you remember where I said I work?", &record, &[]), "You told me you work at Acme Payments.");
        assert!(recall("What was my job title again?", &record, &[]).contains("senior backend engineer"));
        assert_eq!(recall("What was my job title again?", &[], &[]), "I don't think you've told me that yet.");
        let said = ["Our clinic sees about 240 patients a week, mostly knees and backs."];
        assert!(recall("How many patients did I say the clinic sees?", &[], &said).contains("240 patients"));
    }
}

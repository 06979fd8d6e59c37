//! The interviewer benchmark's judge: scores one Career Interviewer reply
//! against eight criteria a demanding reviewer would apply (one question,
//! ending the reply; relevant; addressed to the user; no invented facts; no
//! repetition; no long copying of the user's words; never speaking as the
//! user; never talking like a generic assistant), and checks whether the
//! answer to a memory probe holds the fact asked about.
//!
//! It knows nothing of how replies are generated: every rule is about the
//! text of the reply and of the conversation so far, and none is tuned to a
//! particular generator.

use std::collections::HashSet;

/// One criterion's verdict for one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Criterion {
    /// Exactly one '?' in the reply, and the reply ends with it.
    OneQuestion,
    /// Shares a content word with the latest user turn, or (after a short,
    /// greeting or vague turn) talks about careers.
    Relevant,
    /// Speaks to the user ("you", "your").
    SecondPerson,
    /// Every number and mid-sentence capitalised word comes from the user.
    NoInventedFacts,
    /// Neither the reply nor its question repeats an earlier reply's.
    NoRepeat,
    /// No run of eight or more words copied from a user turn.
    NoCopiedRun,
    /// Never speaks as the user, nor about the user in the third person.
    NoRoleReversal,
    /// No generic assistant talk ("as an AI", "how can I help you today"…).
    NoAssistantTalk,
}

/// The criteria one reply failed, in [`Criterion`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdicts {
    /// Empty when the reply passes every criterion.
    pub failed: Vec<Criterion>,
}

/// Judges `reply`, the interviewer's answer to `user_turns.last()`, given every
/// earlier user turn of the conversation (oldest first, including the latest) and
/// the interviewer's earlier replies (oldest first).
pub fn judge(reply: &str, user_turns: &[String], earlier_replies: &[String]) -> Verdicts {
    let latest = user_turns.last().map_or("", String::as_str);
    let verdicts = [
        (Criterion::OneQuestion, one_question(reply)),
        (Criterion::Relevant, relevant(reply, latest)),
        (Criterion::SecondPerson, second_person(reply)),
        (Criterion::NoInventedFacts, no_invented_facts(reply, user_turns)),
        (Criterion::NoRepeat, no_repeat(reply, earlier_replies)),
        (Criterion::NoCopiedRun, no_copied_run(reply, user_turns)),
        (Criterion::NoRoleReversal, no_role_reversal(reply, user_turns)),
        (Criterion::NoAssistantTalk, no_assistant_talk(reply)),
    ];
    Verdicts { failed: verdicts.into_iter().filter(|(_, passed)| !passed).map(|(criterion, _)| criterion).collect() }
}

/// Whether the memory probe's answer holds the fact: it contains one of
/// `expect_any`, ignoring case and spacing. An expectation that begins or ends
/// with a digit must not continue into further digits ("23" is not in "230").
pub fn remembers(reply: &str, expect_any: &[String]) -> bool {
    let reply = squashed(reply);
    expect_any
        .iter()
        .map(String::as_str)
        .map(squashed)
        .any(|expected| !expected.is_empty() && contains_bounded(&reply, &expected))
}

// ---------------------------------------------------------------------------
// Word lists

/// Words of four letters or more that carry no topic ("really", "because"…).
const STOPWORDS: &[&str] = &[
    "able", "about", "above", "actually", "after", "again", "against", "almost", "along", "already", "also",
    "although", "always", "among", "another", "anyone", "anything", "anyway", "around", "away", "back",
    "basically", "because", "been", "before", "being", "below", "best", "better", "between", "both", "came",
    "cannot", "cant", "come", "could", "couldnt", "definitely", "didnt", "does", "doesnt", "doing", "done", "dont",
    "down", "during", "each", "either", "else", "enough", "even", "ever", "every", "everyone", "everything",
    "exactly", "fine", "from", "further", "getting", "give", "given", "going", "gone", "good", "gotten", "great",
    "guess", "hadnt", "hasnt", "have", "havent", "having", "hello", "help", "here", "hers", "herself", "himself",
    "honestly", "however", "into", "isnt", "itself", "just", "kind", "know", "later", "least", "less", "like",
    "little", "look", "lots", "made", "make", "many", "maybe", "mean", "might", "mine", "more", "most", "mostly",
    "much", "must", "myself", "need", "never", "next", "nice", "none", "nothing", "okay", "once", "only",
    "other", "others", "ours", "over", "pretty", "probably", "quite", "rather", "really", "right", "said",
    "same", "says", "seem", "seems", "should", "shouldnt", "since", "some", "someone", "something", "sometimes",
    "soon", "sort", "still", "stuff", "such", "sure", "take", "tell", "than", "thank", "thanks", "that", "thats",
    "their", "theirs", "them", "themselves", "then", "there", "theres", "these", "they", "theyre", "thing",
    "things", "think", "this", "those", "though", "through", "time", "times", "today", "together", "told",
    "took", "totally", "under", "until", "upon", "very", "want", "wanted", "wants", "wasnt", "well", "went",
    "were", "werent", "what", "whatever", "whats", "when", "where", "whether", "which", "while", "whole", "will",
    "with", "within", "without", "wont", "would", "wouldnt", "yeah", "your", "youre", "yours", "yourself",
    "youve", "youll", "youd",
];

/// Words about careers and storytelling; they make a reply relevant after a
/// turn with nothing to pick up (compared stemmed).
const CAREER_WORDS: &[&str] = &[
    "work", "job", "role", "project", "team", "result", "example", "story", "experience", "customer", "client",
    "patient", "student", "decision", "challenge", "learn", "career", "skill", "task", "situation", "action",
    "reflect", "reflection", "impact", "goal", "manager", "colleague", "company", "employer", "position",
    "achievement", "outcome", "responsibility", "proud", "lead", "led", "problem", "deadline", "stakeholder",
    "interview", "accomplish", "success", "mistake", "feedback",
];

/// Words written with a capital mid-sentence that are not facts about the
/// user: the product's own names, STAR's parts, days, months, titles, and
/// ordinary words that follow a quote or a heading.
const COMMON_CAPITALISED: &[&str] = &[
    "star", "ok", "okay", "career", "interviewer", "debrief", "situation", "task", "tasks", "action", "actions",
    "result", "results", "reflection", "reflections", "learning", "learnings", "question", "answer", "example",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "mr",
    "mrs", "ms", "dr", "thanks", "thank", "great", "good", "nice", "hi", "hello", "hey", "yes", "no", "sure",
    "you", "your", "yours", "we", "our", "it", "its", "this", "that", "these", "those", "what", "how", "why",
    "when", "where", "which", "who", "whom", "whose", "and", "but", "so", "or", "the", "an", "to", "in", "on",
    "at", "of", "for", "with", "by", "from", "as", "if", "can", "could", "would", "should", "will", "did", "do",
    "does", "was", "were", "is", "are", "tell", "let", "now", "then", "next", "first", "finally", "also",
    "interesting", "perfect", "excellent", "absolutely", "understood", "got", "im", "ive",
];

/// Spelled-out numbers a user may write instead of digits.
const NUMBER_WORDS: &[(&str, f64)] = &[
    ("zero", 0.0), ("one", 1.0), ("two", 2.0), ("three", 3.0), ("four", 4.0), ("five", 5.0), ("six", 6.0),
    ("seven", 7.0), ("eight", 8.0), ("nine", 9.0), ("ten", 10.0), ("eleven", 11.0), ("twelve", 12.0),
    ("thirteen", 13.0), ("fourteen", 14.0), ("fifteen", 15.0), ("sixteen", 16.0), ("seventeen", 17.0),
    ("eighteen", 18.0), ("nineteen", 19.0), ("twenty", 20.0), ("thirty", 30.0), ("forty", 40.0),
    ("fifty", 50.0), ("sixty", 60.0), ("seventy", 70.0), ("eighty", 80.0), ("ninety", 90.0),
    ("hundred", 100.0), ("thousand", 1e3), ("million", 1e6), ("billion", 1e9), ("dozen", 12.0),
];

/// Verbs that, after "I", claim the user's work ("I led", "I've built").
const WORK_VERBS: &[&str] = &[
    "led", "lead", "leading", "built", "build", "building", "work", "works", "worked", "working", "manage",
    "managed", "managing", "ran", "run", "running", "designed", "developed", "wrote", "shipped",
    "implemented", "launched", "created", "handled", "oversaw", "delivered", "fixed", "migrated", "joined",
    "closed", "sold", "treated", "nursed", "taught", "teach", "teaching", "cooked", "hired", "negotiated",
    "presented", "reduced", "increased", "improved", "owned", "analysed", "analyzed", "coordinated",
    "supervised", "trained", "organised", "organized", "spearheaded", "resolved", "responsible",
    "graduated", "founded", "achieved", "drove", "headed",
];

/// Words allowed between "I" and a work verb ("I have also led").
const SUBJECT_FILLERS: &[&str] =
    &["have", "had", "also", "then", "just", "recently", "previously", "once", "was", "been", "personally", "actually"];

/// Words before "I" that make it a question or a proposal, not a claim ("could I…").
const MODALS: &[&str] = &["can", "could", "may", "might", "should", "shall", "will", "would", "did", "do", "does"];

/// What follows "I'm a" in an interviewer's own voice ("I'm a bit curious").
const NOT_AN_IDENTITY: &[&str] =
    &["bit", "little", "touch", "big", "fan", "ai", "assistant", "interviewer", "coach", "career", "virtual"];

/// What follows "my" when the reply claims the user's working life.
const WORK_BELONGINGS: &[&str] = &[
    "team", "manager", "project", "company", "boss", "colleague", "colleagues", "coworkers", "patients",
    "students", "clients", "customers", "employer",
];

/// Verbs that make "the user" a third-person description ("the user said").
const THIRD_PERSON_VERBS: &[&str] = &[
    "said", "says", "mentioned", "mentions", "is", "was", "has", "had", "wants", "wanted", "works", "worked",
    "described", "describes", "explained", "shared", "told", "seems", "did", "does", "claims", "claimed",
    "reported", "feels", "felt", "led", "built",
];

/// Generic assistant phrases (compared as words, apostrophes dropped).
const ASSISTANT_PHRASES: &[&str] = &[
    "as an ai", "language model", "how can i assist", "how can i help you today", "im an assistant",
    "i am an assistant", "i cannot", "i cant help",
];

/// Forms of "you"/"your" as whole words ("you're" is "youre" once apostrophes go).
const SECOND_PERSON: &[&str] = &["you", "your", "youre", "youve", "youd", "youll"];

/// A run this long copied from a user turn is parroting, not interviewing.
const COPIED_RUN: usize = 8;

// ---------------------------------------------------------------------------
// Text helpers

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ')
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '”' | '‘' | '’' | '«' | '»')
}

/// Lowercase words: apostrophes dropped ("I'm" → "im"), any other character
/// that is not a letter or digit separates words.
fn words(text: &str) -> Vec<String> {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            cleaned.extend(c.to_lowercase());
        } else if !is_apostrophe(c) {
            cleaned.push(' ');
        }
    }
    cleaned.split_whitespace().map(str::to_owned).collect()
}

/// The text as lowercase words joined by single spaces, punctuation gone.
fn normalised(text: &str) -> String {
    words(text).join(" ")
}

fn long_enough(word: &str, letters: usize) -> bool {
    word.chars().count() >= letters
}

/// A light stem: "stories" → "story", then one of "ing", "ed", "s" off
/// (not from "-ss"), then a final "e" ("migrated", "migrating", "migrate" →
/// "migrat").
fn stem(word: &str) -> String {
    if let Some(base) = word.strip_suffix("ies").filter(|base| long_enough(base, 2)) {
        return format!("{base}y");
    }
    let base = if word.ends_with("ss") {
        word
    } else {
        ["ing", "ed", "s"]
            .iter()
            .copied()
            .find_map(|suffix| word.strip_suffix(suffix).filter(|base| long_enough(base, 3)))
            .unwrap_or(word)
    };
    base.strip_suffix('e').filter(|stripped| long_enough(stripped, 3)).unwrap_or(base).to_owned()
}

/// Stems of the words that carry a topic: four letters or more, not stopwords.
fn content_stems(text: &str) -> HashSet<String> {
    words(text)
        .iter()
        .map(String::as_str)
        .filter(|word| long_enough(word, 4) && !STOPWORDS.contains(word))
        .map(stem)
        .collect()
}

/// Whether `phrase` (words separated by single spaces) occurs in `tokens`.
fn has_phrase(tokens: &[String], phrase: &str) -> bool {
    // `split` always yields at least one piece, so the windows are never empty.
    let wanted: Vec<&str> = phrase.split(' ').collect();
    tokens.windows(wanted.len()).any(|window| window.iter().zip(&wanted).all(|(have, want)| have.as_str() == *want))
}

/// Sentences, each ending at '?', '!', a newline, or a '.' followed by
/// whitespace (so "1.8" and "Node.js" stay whole). Trimmed, none empty.
fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut current = String::new();
    for (at, &c) in chars.iter().enumerate() {
        current.push(c);
        let ends = match c {
            '?' | '!' | '\n' => true,
            '.' => chars.get(at + 1).is_none_or(|next| next.is_whitespace()),
            _ => false,
        };
        if ends {
            push_sentence(&mut found, std::mem::take(&mut current));
        }
    }
    push_sentence(&mut found, current);
    found
}

fn push_sentence(found: &mut Vec<String>, sentence: String) {
    let sentence = sentence.trim();
    if !sentence.is_empty() {
        found.push(sentence.to_owned());
    }
}

/// The normalised sentences of `text` that are questions.
fn question_sentences(text: &str) -> Vec<String> {
    sentences(text)
        .iter()
        .filter(|sentence| sentence.ends_with('?'))
        .map(String::as_str)
        .map(normalised)
        .filter(|question| !question.is_empty())
        .collect()
}

/// Lowercase, single spaces, typographic apostrophes made plain.
fn squashed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase().replace('’', "'")
}

/// Whether `needle` occurs in `haystack` without a digit on either side of a
/// digit at its edges.
fn contains_bounded(haystack: &str, needle: &str) -> bool {
    let digits_meet = |outside: Option<char>, inside: Option<char>| {
        outside.is_some_and(|c| c.is_ascii_digit()) && inside.is_some_and(|c| c.is_ascii_digit())
    };
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !digits_meet(before, needle.chars().next()) && !digits_meet(after, needle.chars().next_back())
    })
}

// ---------------------------------------------------------------------------
// OneQuestion

fn one_question(reply: &str) -> bool {
    let ending = reply.trim_end_matches(|c: char| c.is_whitespace() || is_quote(c));
    reply.matches('?').count() == 1 && ending.ends_with('?')
}

// ---------------------------------------------------------------------------
// Relevant

fn relevant(reply: &str, latest: &str) -> bool {
    let said = content_stems(latest);
    let reply_stems: HashSet<String> = words(reply).iter().map(String::as_str).map(stem).collect();
    if !said.is_disjoint(&reply_stems) {
        return true;
    }
    let career: HashSet<String> = CAREER_WORDS.iter().copied().map(stem).collect();
    nothing_to_pick_up(latest) && !career.is_disjoint(&reply_stems)
}

/// A turn under six words, a greeting, or a vague "not sure".
fn nothing_to_pick_up(turn: &str) -> bool {
    let tokens = words(turn);
    tokens.len() < 6 || is_greeting(&tokens) || is_vague(&tokens)
}

fn is_greeting(tokens: &[String]) -> bool {
    let first = tokens.first().map_or("", String::as_str);
    let second = tokens.get(1).map_or("", String::as_str);
    matches!(first, "hi" | "hello" | "hey" | "hiya" | "howdy" | "greetings")
        || (first == "good" && matches!(second, "morning" | "afternoon" | "evening"))
}

fn is_vague(tokens: &[String]) -> bool {
    ["not sure", "no idea", "dont know", "do not know", "unsure", "no clue", "cant think", "dunno"]
        .iter()
        .any(|phrase| has_phrase(tokens, phrase))
}

// ---------------------------------------------------------------------------
// SecondPerson

fn second_person(reply: &str) -> bool {
    words(reply).iter().any(|word| SECOND_PERSON.contains(&word.as_str()))
}

// ---------------------------------------------------------------------------
// NoInventedFacts

/// A number as written: its value, the value with a scale word applied
/// ("640k" → 640000), and whether it is a percentage.
#[derive(Debug, Clone, Copy)]
struct Number {
    value: f64,
    scaled: Option<f64>,
    percent: bool,
}

impl Number {
    fn values(self) -> impl Iterator<Item = f64> {
        std::iter::once(self.value).chain(self.scaled)
    }

    /// Whether the user stated this number: same value (or scaled value), and
    /// a percentage only if the user's was one too.
    fn stated_in(self, user: &[Number]) -> bool {
        user.iter().any(|theirs| {
            (!self.percent || theirs.percent) && self.values().any(|mine| theirs.values().any(|v| same(mine, v)))
        })
    }
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn no_invented_facts(reply: &str, user_turns: &[String]) -> bool {
    let said = user_turns.join("\n");
    let mut user_numbers = numbers(&said);
    user_numbers.extend(spelled_numbers(&said));
    let user_tokens: HashSet<String> =
        said.split(|c: char| !c.is_alphanumeric()).filter(|token| !token.is_empty()).map(str::to_lowercase).collect();
    numbers(reply).into_iter().all(|number| number.stated_in(&user_numbers))
        && capitalised_words(reply).iter().all(|word| user_tokens.contains(&word.to_lowercase()))
}

/// Numbers written in digits ("12", "12,000", "$1.8M", "40%"), skipping digits
/// inside words ("Q3", "B2B") and list markers at the start of a line ("1.").
fn numbers(text: &str) -> Vec<Number> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        if !chars[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let start = at;
        while at < chars.len() && (chars[at].is_ascii_digit() || is_digit_separator(&chars, at)) {
            at += 1;
        }
        let inside_word = start > 0 && chars[start - 1].is_alphabetic();
        if inside_word || is_list_marker(&chars, start, at) {
            continue;
        }
        let digits: String = chars[start..at].iter().filter(|c| **c != ',').collect();
        if let Ok(value) = digits.parse::<f64>() {
            let (percent, scale) = unit(&chars[at..]);
            found.push(Number { value, scaled: scale.map(|scale| value * scale), percent });
        }
    }
    found
}

/// A ',' or '.' between digits ("12,000", "1.8").
fn is_digit_separator(chars: &[char], at: usize) -> bool {
    matches!(chars[at], ',' | '.') && chars.get(at + 1).is_some_and(char::is_ascii_digit)
}

/// "1." or "2)" alone at the start of a line, before whitespace.
fn is_list_marker(chars: &[char], start: usize, end: usize) -> bool {
    let starts_line = chars[..start].iter().rev().take_while(|c| **c != '\n').all(|c| c.is_whitespace());
    let closed = matches!(chars.get(end), Some('.' | ')'));
    let spaced = chars.get(end + 1).is_none_or(|c| c.is_whitespace());
    starts_line && closed && spaced
}

/// What follows a number: a percentage ("%", "percent", "per cent") or a scale
/// ("k", "M", "bn", "thousand", "million", "billion").
fn unit(rest: &[char]) -> (bool, Option<f64>) {
    if rest.first() == Some(&'%') {
        return (true, None);
    }
    let after = words_after(rest, 2);
    let first = after.first().map_or("", String::as_str);
    let second = after.get(1).map_or("", String::as_str);
    match first {
        "percent" => (true, None),
        "per" if second == "cent" => (true, None),
        "k" | "thousand" => (false, Some(1e3)),
        "m" | "mn" | "million" => (false, Some(1e6)),
        "b" | "bn" | "billion" => (false, Some(1e9)),
        _ => (false, None),
    }
}

/// Up to `n` lowercase words right after a number, attached ("k" in "640k")
/// or after spaces ("per cent" in "40 per cent").
fn words_after(rest: &[char], n: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut at = 0;
    while found.len() < n {
        while rest.get(at) == Some(&' ') {
            at += 1;
        }
        let start = at;
        while rest.get(at).is_some_and(|c| c.is_alphabetic()) {
            at += 1;
        }
        if at == start {
            break;
        }
        found.push(rest[start..at].iter().collect::<String>().to_lowercase());
    }
    found
}

/// Numbers the user spelled out ("four years", "twenty-three nurses").
fn spelled_numbers(text: &str) -> Vec<Number> {
    let values: Vec<Option<f64>> = words(text).iter().map(String::as_str).map(number_word).collect();
    let mut found = Vec::new();
    for (at, value) in values.iter().enumerate() {
        let Some(value) = *value else { continue };
        found.push(Number { value, scaled: None, percent: false });
        let compound = (20.0..100.0).contains(&value);
        let ones = values.get(at + 1).copied().flatten().filter(|ones| compound && (1.0..10.0).contains(ones));
        if let Some(ones) = ones {
            found.push(Number { value: value + ones, scaled: None, percent: false });
        }
    }
    found
}

fn number_word(word: &str) -> Option<f64> {
    NUMBER_WORDS.iter().find(|(name, _)| *name == word).map(|(_, value)| *value)
}

/// Words that start with a capital letter in the middle of a sentence (names
/// of people, employers, products…), split at apostrophes ("Priyanka's" →
/// "Priyanka"); a sentence starts the text and follows . ! ? : ; … or a newline.
fn capitalised_words(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut sentence_start = true;
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            if !sentence_start && is_capitalised_name(&current) {
                found.push(current.clone());
            }
            sentence_start = false;
            current.clear();
        }
        if matches!(c, '.' | '!' | '?' | ':' | ';' | '…' | '\n') {
            sentence_start = true;
        }
    }
    found
}

/// Two characters or more ("I" is never a fact), a capital first, and not a
/// common word.
fn is_capitalised_name(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
        && long_enough(word, 2)
        && !COMMON_CAPITALISED.contains(&word.to_lowercase().as_str())
}

// ---------------------------------------------------------------------------
// NoRepeat

fn no_repeat(reply: &str, earlier_replies: &[String]) -> bool {
    let whole = normalised(reply);
    let asked = question_sentences(reply);
    earlier_replies.iter().all(|before| {
        normalised(before) != whole && question_sentences(before).iter().all(|question| !asked.contains(question))
    })
}

// ---------------------------------------------------------------------------
// NoCopiedRun

fn no_copied_run(reply: &str, user_turns: &[String]) -> bool {
    let user_words: Vec<Vec<String>> = user_turns.iter().map(String::as_str).map(words).collect();
    let user_runs: HashSet<&[String]> = user_words.iter().flat_map(|turn| turn.windows(COPIED_RUN)).collect();
    !words(reply).windows(COPIED_RUN).any(|run| user_runs.contains(run))
}

// ---------------------------------------------------------------------------
// NoRoleReversal

fn no_role_reversal(reply: &str, user_turns: &[String]) -> bool {
    let tokens = words(reply);
    let user_stems = content_stems(&user_turns.join("\n"));
    !(claims_work(&tokens)
        || claims_identity(&tokens)
        || claims_belongings(&tokens)
        || claims_user_role(&tokens, &user_stems)
        || describes_user(reply))
}

/// "I led", "I've built", "I have also worked" — but not "could I ask".
fn claims_work(tokens: &[String]) -> bool {
    tokens.iter().enumerate().any(|(at, token)| {
        if !matches!(token.as_str(), "i" | "ive") {
            return false;
        }
        let asks = at > 0 && MODALS.contains(&tokens[at - 1].as_str());
        let verb = tokens[at + 1..].iter().take(3).map(String::as_str).find(|word| !SUBJECT_FILLERS.contains(word));
        !asks && verb.is_some_and(|verb| WORK_VERBS.contains(&verb))
    })
}

/// "I'm a …" / "I am an …", except the interviewer's own "I'm a bit curious".
fn claims_identity(tokens: &[String]) -> bool {
    tokens.iter().enumerate().any(|(at, token)| {
        let article_at = match token.as_str() {
            "im" => at + 1,
            "i" if tokens.get(at + 1).is_some_and(|next| next.as_str() == "am") => at + 2,
            _ => return false,
        };
        let article = tokens.get(article_at).map(String::as_str);
        let described = tokens.get(article_at + 1).map(String::as_str);
        matches!(article, Some("a" | "an")) && !described.is_some_and(|word| NOT_AN_IDENTITY.contains(&word))
    })
}

/// "my team", "my manager", "my project", "my company"…
fn claims_belongings(tokens: &[String]) -> bool {
    tokens.windows(2).any(|pair| pair[0] == "my" && WORK_BELONGINGS.contains(&pair[1].as_str()))
}

/// "As a <the user's words>, I …": "As a backend engineer, I would…".
fn claims_user_role(tokens: &[String], user_stems: &HashSet<String>) -> bool {
    tokens.iter().enumerate().any(|(at, token)| {
        let opens = token == "as" && tokens.get(at + 1).is_some_and(|next| matches!(next.as_str(), "a" | "an"));
        opens
            && (at + 3..tokens.len().min(at + 7)).any(|subject_at| {
                matches!(tokens[subject_at].as_str(), "i" | "im" | "ive")
                    && tokens[at + 2..subject_at].iter().any(|word| user_stems.contains(&stem(word)))
            })
    })
}

/// "The user said…", "the user's role", or a sentence opening with
/// "She said…" / "They mentioned…" that never addresses the user. ("The
/// candidate" is left alone: recruiters tell stories about candidates.)
fn describes_user(reply: &str) -> bool {
    let lowered = reply.to_lowercase().replace('’', "'");
    if ["the user's", "the interviewee's"].iter().copied().any(|phrase| lowered.contains(phrase)) {
        return true;
    }
    sentences(reply).iter().any(|sentence| {
        let tokens = words(sentence);
        let named = tokens.iter().enumerate().any(|(at, token)| {
            token == "the"
                && tokens.get(at + 1).is_some_and(|who| matches!(who.as_str(), "user" | "interviewee"))
                && tokens.get(at + 2).is_some_and(|verb| THIRD_PERSON_VERBS.contains(&verb.as_str()))
        });
        let reported = matches!(tokens.first().map(String::as_str), Some("he" | "she" | "they"))
            && matches!(tokens.get(1).map(String::as_str), Some("said" | "says" | "mentioned" | "mentions"))
            && !tokens.iter().any(|word| SECOND_PERSON.contains(&word.as_str()));
        named || reported
    })
}

// ---------------------------------------------------------------------------
// NoAssistantTalk

fn no_assistant_talk(reply: &str) -> bool {
    let tokens = words(reply);
    !ASSISTANT_PHRASES.iter().any(|phrase| has_phrase(&tokens, phrase))
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|text| (*text).to_owned()).collect()
    }

    const NURSE: &str = "I'm a charge nurse at St. Brigid's Hospital. We have 23 nurses on the ward.";

    fn failed(reply: &str, users: &[&str], earlier: &[&str]) -> Vec<Criterion> {
        judge(reply, &strings(users), &strings(earlier)).failed
    }

    fn fails(criterion: Criterion, reply: &str, users: &[&str], earlier: &[&str]) -> bool {
        failed(reply, users, earlier).contains(&criterion)
    }

    #[test]
    fn a_good_reply_passes_everything() {
        let reply = "Thanks, a charge nurse with 23 nurses is a lot of responsibility. \
                     What situation on the ward would you like to build a story around?";
        assert_eq!(failed(reply, &[NURSE], &[]), Vec::<Criterion>::new());
    }

    #[test]
    fn a_greeting_answered_with_an_introduction_passes_everything() {
        let reply = "Hi! I'm your Career Interviewer. What's your current role, and where do you work?";
        assert_eq!(failed(reply, &["hi"], &[]), Vec::<Criterion>::new());
    }

    #[test]
    fn one_question_ending_the_reply() {
        let users = [NURSE];
        assert!(!fails(Criterion::OneQuestion, "What happened on the ward that day?", &users, &[]));
        assert!(!fails(Criterion::OneQuestion, "You said \"what happened next?\"  \n", &users, &[]));
        assert!(fails(Criterion::OneQuestion, "What happened? And what did you do?", &users, &[]));
        assert!(fails(Criterion::OneQuestion, "What happened on the ward? Take your time.", &users, &[]));
        assert!(fails(Criterion::OneQuestion, "Tell me what happened on the ward.", &users, &[]));
        assert!(fails(Criterion::OneQuestion, "", &users, &[]));
    }

    #[test]
    fn relevant_shares_a_content_word_with_the_latest_turn() {
        let users = ["We migrated 140 components from jQuery to React over nine months."];
        assert!(!fails(Criterion::Relevant, "Which of the components was hardest for you to move?", &users, &[]));
        assert!(!fails(Criterion::Relevant, "How did migrating piece by piece help you?", &users, &[]));
        // Only stopwords and career words in common with a long, specific turn.
        assert!(fails(Criterion::Relevant, "What was the result for your team?", &users, &[]));
        assert!(fails(Criterion::Relevant, "Do you like cooking pasta at weekends?", &users, &[]));
    }

    #[test]
    fn relevant_after_a_greeting_or_a_vague_turn_needs_career_talk() {
        for turn in ["hello", "not sure really", "honestly I'm not sure what else to say about any of it"] {
            assert!(!fails(Criterion::Relevant, "Which project are you proudest of?", &[turn], &[]), "{turn}");
            assert!(!fails(Criterion::Relevant, "What did you learn from it?", &[turn], &[]), "{turn}");
            assert!(fails(Criterion::Relevant, "Nice weather today, isn't it, did you go out?", &[turn], &[]), "{turn}");
        }
    }

    #[test]
    fn second_person_addresses_the_user() {
        let users = [NURSE];
        assert!(!fails(Criterion::SecondPerson, "What did you do on the ward?", &users, &[]));
        assert!(!fails(Criterion::SecondPerson, "What was your first step on the ward?", &users, &[]));
        assert!(!fails(Criterion::SecondPerson, "What happened after you're told?", &users, &[]));
        assert!(fails(Criterion::SecondPerson, "What happened on the ward next?", &users, &[]));
        assert!(fails(Criterion::SecondPerson, "What did the youth ward look like?", &users, &[]));
    }

    #[test]
    fn numbers_must_come_from_the_user() {
        let users = [
            "I'm a senior engineer at Ledgerline Payments, four years now.",
            "It took 6 hours and we processed $210 million; errors were 3% and we saved 640k.",
        ];
        for reply in [
            "Going from 6 hours to faster, how did you get there?",
            "With $210M at stake, what did you do first?",
            "How did you find the 3% of errors?",
            "After 4 years at Ledgerline, what did the $640,000 saving mean to you?",
            "Which steps did you take?\n1. Profiling\n2. Fixing",
        ] {
            assert!(!fails(Criterion::NoInventedFacts, reply, &users, &[]), "{reply}");
        }
        for reply in [
            "How did you cut it to 45 minutes?",
            "How did you save $2 million?",
            "How did you handle the 6% of errors?",
        ] {
            assert!(fails(Criterion::NoInventedFacts, reply, &users, &[]), "{reply}");
        }
    }

    #[test]
    fn names_must_come_from_the_user() {
        let users = ["My manager Priyanka asked me to fix the batch at Ledgerline Payments."];
        for reply in [
            "What did Priyanka expect from you?",
            "What did Priyanka's request mean for you at Ledgerline?",
            "Was it in March, or before the STAR story you want to tell?",
            "Ledgerline is a good place to start: what was your role?",
        ] {
            assert!(!fails(Criterion::NoInventedFacts, reply, &users, &[]), "{reply}");
        }
        for reply in [
            "What did your manager Sarah think of it?",
            "How did you use Kubernetes for that?",
            "Was that before you joined Stripe?",
        ] {
            assert!(fails(Criterion::NoInventedFacts, reply, &users, &[]), "{reply}");
        }
    }

    #[test]
    fn no_repeat_of_an_earlier_reply_or_its_question() {
        let users = [NURSE];
        let earlier = ["That's a big ward. What situation would you like to talk about?"];
        assert!(!fails(Criterion::NoRepeat, "What did you do first on the ward?", &users, &earlier));
        let same_words = "that's a big ward, what situation would you like to talk about";
        assert!(fails(Criterion::NoRepeat, same_words, &users, &earlier));
        let same_question = "Thanks for that. What situation would you like to talk about?";
        assert!(fails(Criterion::NoRepeat, same_question, &users, &earlier));
    }

    #[test]
    fn no_copied_run_of_eight_words() {
        let users = ["My job was to figure out why it had slowed down and get it under the cutoff."];
        // Seven words in a row is quoting, not parroting.
        assert!(!fails(Criterion::NoCopiedRun, "You had to figure out why it had slowed: how?", &users, &[]));
        assert!(fails(
            Criterion::NoCopiedRun,
            "So you had to figure out why it had slowed down. What did you try?",
            &users,
            &[]
        ));
        assert!(fails(Criterion::NoCopiedRun, "FIGURE OUT WHY, IT HAD: slowed down and get it — how?", &users, &[]));
    }

    #[test]
    fn no_speaking_as_the_user() {
        let users = ["I'm a senior backend engineer at Ledgerline Payments."];
        for reply in [
            "I'd like to hear more: what did you build first?",
            "I'm curious, what did your manager say?",
            "I remember you work at Ledgerline Payments. What was your first project there?",
            "I'm a bit curious: could I ask what you built?",
            "Let me ask it differently: what did you lead?",
            "I'm your Career Interviewer. What do you work on?",
        ] {
            assert!(!fails(Criterion::NoRoleReversal, reply, &users, &[]), "{reply}");
        }
        for reply in [
            "I led the migration at Ledgerline. What did you do?",
            "I've also worked on payments. What about you?",
            "I'm a senior backend engineer, what are you?",
            "I am an engineer too. What do you do?",
            "How did my team react, do you think?",
            "As a senior backend engineer, I would ask: what did you build?",
            "The user works at Ledgerline. What did you build there?",
            "What is the user's role, would you say?",
            "She said she works at Ledgerline. What happened next?",
        ] {
            assert!(fails(Criterion::NoRoleReversal, reply, &users, &[]), "{reply}");
        }
    }

    #[test]
    fn people_in_the_story_may_be_spoken_of() {
        let users = ["The consultant refused to change the dose at first."];
        for reply in [
            "He said no at first, so what did you do next?",
            "What did you learn about the user?",
            "Why did the candidate turn the offer down, do you think?",
        ] {
            assert!(!fails(Criterion::NoRoleReversal, reply, &users, &[]), "{reply}");
        }
    }

    #[test]
    fn no_assistant_talk() {
        let users = [NURSE];
        assert!(!fails(Criterion::NoAssistantTalk, "As an airline nurse, what did you see?", &users, &[]));
        assert!(!fails(Criterion::NoAssistantTalk, "How can I make this easier for you?", &users, &[]));
        for reply in [
            "As an AI, I can't know that. What did you do?",
            "I'm an assistant here to help. What's your role?",
            "Hello! How can I help you today?",
            "I cannot answer that, but what did you do?",
            "I can’t help with that. What did you do?",
            "As a large language model, what should I ask you?",
        ] {
            assert!(fails(Criterion::NoAssistantTalk, reply, &users, &[]), "{reply}");
        }
    }

    #[test]
    fn remembers_the_fact_in_any_of_its_forms() {
        let company = strings(&["Ledgerline Payments", "Ledgerline"]);
        assert!(remembers("You said you work at LEDGERLINE payments. What next?", &company));
        assert!(remembers("You work at  Ledgerline\nPayments.", &company));
        assert!(!remembers("You said you work at a payments company.", &company));
        let count = strings(&["23 nurses", "23"]);
        assert!(remembers("You have 23 nurses on your ward.", &count));
        assert!(remembers("It was 23.", &count));
        assert!(!remembers("You have 230 beds and 123 staff.", &count));
        assert!(!remembers("Anything at all", &strings(&[])));
        assert!(!remembers("Anything at all", &strings(&[""])));
        let quota = strings(&["$1.8M", "1.8"]);
        assert!(remembers("Your quota is $1.8M.", &quota));
        assert!(!remembers("Your quota is $11.8M.", &quota));
    }

    #[test]
    fn stems_match_across_word_forms() {
        assert_eq!(stem("migrated"), stem("migrating"));
        assert_eq!(stem("migrate"), stem("migrates"));
        assert_eq!(stem("stories"), stem("story"));
        assert_eq!(stem("processes"), stem("process"));
        assert_eq!(stem("nurses"), stem("nurse"));
    }
}

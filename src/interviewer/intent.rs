//! What kind of message the user sent: an answer about their work, a
//! greeting, a question about what they said before, a question to the
//! interviewer, a blank, or another language; and the interviewer's words for
//! the kinds that are not answers.

use super::words::lower_words;

/// What the user's message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// "hi", "hello there".
    Greeting,
    /// A question about what the user said before ("what was my job title again?").
    Recall,
    /// A question to the interviewer ("what do you mean?").
    Question,
    /// Not in English.
    OtherLanguage,
    /// "not sure", "I don't know".
    Stuck,
    /// Anything else: an answer about their work.
    Answer,
}

const GREETINGS: &[&str] = &["hi", "hello", "hey", "hiya", "howdy", "morning", "afternoon", "evening", "yo", "greetings"];
const RECALL_CUES: &[&str] = &[
    "remember", "recall", "remind", "did i say", "did i mention", "did i tell", "what was my", "what's my",
    "what is my", "what were my", "where do i", "where did i", "what did i say", "what did i tell",
    "do you know my", "do you know where", "do you know what", "the name of", "i work for", "i work at",
    "where i work", "my company", "my job title", "my title",
];
const STUCK: &[&str] = &[
    "not sure", "i don't know", "i dont know", "no idea", "nothing really", "can't think", "cant think",
    "don't remember", "i guess", "dunno", "idk",
];
/// Common words of languages users write in instead of English.
const FOREIGN: &[&str] = &[
    "ich", "als", "und", "nicht", "der", "die", "das", "ist", "bin", "arbeite", "yo", "que", "el", "los", "las",
    "trabajo", "soy", "es", "una", "je", "et", "le", "les", "mon", "suis", "travaille", "une", "est", "eu",
    "sou", "trabalho", "não", "em", "ik", "een", "het", "werk", "ben", "sono", "lavoro", "il", "della",
];
const ENGLISH: &[&str] = &[
    "the", "and", "i", "to", "a", "of", "in", "my", "we", "was", "is", "it", "for", "on", "with", "that",
    "at", "as", "our", "me", "you", "what", "have", "am", "work", "team", "hi", "hello",
];

/// Classifies a user message.
pub fn classify(message: &str) -> Intent {
    let lower = message.trim().to_lowercase();
    let words = lower_words(&lower);
    if is_other_language(message, &words) {
        return Intent::OtherLanguage;
    }
    if words.len() <= 4 && words.iter().any(|w| GREETINGS.contains(&w.as_str())) && !lower.contains('?') {
        return Intent::Greeting;
    }
    if words.is_empty() || words.len() <= 3 && words.iter().all(|w| GREETINGS.contains(&w.as_str())) {
        return Intent::Greeting;
    }
    let asks = lower.contains('?') || lower.starts_with("remind me") || lower.starts_with("do you remember");
    let about_themselves = words.iter().any(|w| matches!(w.as_str(), "i" | "my" | "i'm"))
        && (words.iter().any(|w| matches!(w.as_str(), "again" | "said" | "mentioned" | "told"))
            || words.windows(2).any(|p| matches!(p[0].as_str(), "i" | "did") && matches!(p[1].as_str(), "say" | "tell" | "mention")));
    if asks && (RECALL_CUES.iter().any(|cue| lower.contains(cue)) || about_themselves || asks_own_fact(&lower, &words)) {
        return Intent::Recall;
    }
    if words.len() <= 12 && STUCK.iter().any(|cue| lower.contains(cue)) {
        return Intent::Stuck;
    }
    if lower.trim_end().ends_with('?') && words.len() <= 15 {
        return Intent::Question;
    }
    Intent::Answer
}

/// A wh-question about a fact of the user's own ("which branch is it I
/// manage?", "what's the app I work on called?"), not a question about the
/// interview ("what should I say?", "is it ok to…?").
fn asks_own_fact(lower: &str, words: &[String]) -> bool {
    let wh = words.iter().any(|w| matches!(w.as_str(), "what" | "what's" | "which" | "who" | "where" | "when" | "how"));
    let own = words.iter().any(|w| matches!(w.as_str(), "i" | "my" | "i'm"));
    let about_interview = [
        "you mean", "should i", "should we", "could you", "can you", "would you", "do you want", "do you need",
        "is it ok", "is that ok", "is it okay", "how do i", "how should", "what kind", "what sort", "can i", "do i need",
        "you after", "you looking", "do you think",
    ]
    .iter()
    .any(|cue| lower.contains(cue));
    wh && own && !about_interview && lower.trim_end().ends_with('?')
}

fn is_other_language(message: &str, words: &[String]) -> bool {
    let letters: Vec<char> = message.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return false;
    }
    let latin = letters.iter().filter(|c| c.is_ascii_alphabetic() || ('\u{c0}'..='\u{24f}').contains(*c)).count();
    if latin * 2 < letters.len() {
        return true;
    }
    let foreign = words.iter().filter(|w| FOREIGN.contains(&w.as_str())).count();
    let english = words.iter().filter(|w| ENGLISH.contains(&w.as_str())).count();
    words.len() >= 3 && foreign >= 2 && foreign > english * 2
}

/// A reply to a question to the interviewer: what it is after, in the terms
/// the user asked about.
pub fn explain(question: &str) -> &'static str {
    let q = question.to_lowercase();
    let has = |cues: &[&str]| cues.iter().any(|c| q.contains(c));
    if has(&["number", "metric", "measure", "percent", "figure", "quantif"]) {
        "Numbers help when you have them, but a clear before and after works just as well."
    } else if has(&["action"]) {
        "By actions I mean what you did yourself, step by step, rather than what the team did."
    } else if has(&["reflect", "differently", "lesson"]) {
        "By reflection I mean what you learned, and what you would do differently next time."
    } else if has(&["result", "outcome"]) {
        "By the result I mean what changed because of your work, for the people it was for."
    } else if has(&["technical", "detail", "high level", "high-level", "how much", "how long"]) {
        "Keep it high level, with one or two details that show what you did yourself."
    } else if has(&["star"]) {
        "STAR stands for situation, task, actions and result: the shape of a strong interview answer."
    } else if has(&["good example", "right example", "kind of", "is that ok", "is this ok", "does that work", "enough"]) {
        "Yes, that works: a real example told step by step is exactly what we want."
    } else {
        "Good question. I'm looking for one real example from your work, told step by step, so we can shape it into a strong interview answer."
    }
}

/// A reply to a message in another language.
pub const ENGLISH_ONLY: &str = "I can only interview in English for now, sorry.";
/// The question after [`ENGLISH_ONLY`].
pub const ENGLISH_QUESTION: &str = "Could you tell me about your work in English?";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_told_apart() {
        assert_eq!(classify("hi"), Intent::Greeting);
        assert_eq!(classify("Hello there!"), Intent::Greeting);
        assert_eq!(classify("Quick check, do you remember where I said I work?"), Intent::Recall);
        assert_eq!(classify("What do you mean?"), Intent::Question);
        assert_eq!(classify("not sure really"), Intent::Stuck);
        assert_eq!(classify("Ich arbeite als Krankenschwester und das ist nicht einfach."), Intent::OtherLanguage);
        assert_eq!(classify("私はエンジニアです"), Intent::OtherLanguage);
        assert_eq!(classify("I lead the payments team at Acme."), Intent::Answer);
    }
}

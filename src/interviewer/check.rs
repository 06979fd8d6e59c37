//! Checks every offline reply before it is sent: exactly one question, at the
//! end; spoken to the user ("you"); no assistant talk ("as an AI…"); no long
//! run of the user's own words; not speaking as the user; not a repeat of an
//! earlier reply. A model-written reply that fails is written again once,
//! then replaced by the rules' reply.

use super::words::lower_words;

/// Why a reply was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    NotOneQuestion,
    NotSecondPerson,
    AssistantTalk,
    CopiesUser,
    SpeaksAsUser,
    Repeats,
    TooLong,
}

impl Flaw {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotOneQuestion => "not_one_question",
            Self::NotSecondPerson => "not_second_person",
            Self::AssistantTalk => "assistant_talk",
            Self::CopiesUser => "copies_user",
            Self::SpeaksAsUser => "speaks_as_user",
            Self::Repeats => "repeats",
            Self::TooLong => "too_long",
        }
    }
}

/// Longest run of the user's words a reply may repeat.
const MAX_COPIED_RUN: usize = 7;
/// Longest reply, in words.
const MAX_WORDS: usize = 70;

const ASSISTANT_TALK: &[&str] = &[
    "as an ai", "language model", "how can i assist", "how can i help you", "i'm an assistant",
    "i am an assistant", "i cannot", "i can't help", "i'm sorry, but", "as a virtual",
];
const AS_THE_USER: &[&str] = &[
    "i led", "i built", "i work as", "i worked as", "i'm a ", "i am a ", "i'm an ", "i am an ", "my team",
    "my manager", "my project", "my company", "my role", "my job", "we built", "we launched", "our team",
    "the user ", "the candidate ",
];

/// The flaws of `reply`, answering `user_turns` (oldest first, ending with the
/// latest), after `earlier_replies`. Empty: it may be sent.
pub fn flaws(reply: &str, user_turns: &[&str], earlier_replies: &[&str]) -> Vec<Flaw> {
    let mut flaws = Vec::new();
    let trimmed = reply.trim().trim_end_matches(['"', '\u{201d}', '\'']);
    if reply.matches('?').count() != 1 || !trimmed.ends_with('?') {
        flaws.push(Flaw::NotOneQuestion);
    }
    let words = lower_words(reply);
    if !words.iter().any(|w| matches!(w.as_str(), "you" | "your" | "you're" | "you've" | "yourself")) {
        flaws.push(Flaw::NotSecondPerson);
    }
    let lower = format!(" {} ", reply.to_lowercase());
    if ASSISTANT_TALK.iter().any(|p| lower.contains(p)) {
        flaws.push(Flaw::AssistantTalk);
    }
    if AS_THE_USER.iter().any(|p| lower.contains(&format!(" {p}")) || lower.contains(&format!(".{p}"))) {
        flaws.push(Flaw::SpeaksAsUser);
    }
    if user_turns.iter().any(|turn| shares_run(&words, &lower_words(turn), MAX_COPIED_RUN + 1)) {
        flaws.push(Flaw::CopiesUser);
    }
    let normal = words.join(" ");
    let question = last_question(reply);
    if earlier_replies.iter().any(|earlier| {
        lower_words(earlier).join(" ") == normal || (!question.is_empty() && last_question(earlier) == question)
    }) {
        flaws.push(Flaw::Repeats);
    }
    if words.len() > MAX_WORDS {
        flaws.push(Flaw::TooLong);
    }
    flaws
}

/// The last question sentence of a text, normalised.
fn last_question(text: &str) -> String {
    let Some(end) = text.rfind('?') else { return String::new() };
    let start = text[..end].rfind(['.', '!', '?', ':']).map_or(0, |i| i + 1);
    lower_words(&text[start..end]).join(" ")
}

/// Whether `a` and `b` share a run of `run` words.
fn shares_run(a: &[String], b: &[String], run: usize) -> bool {
    if a.len() < run || b.len() < run {
        return false;
    }
    let runs: std::collections::HashSet<&[String]> = b.windows(run).collect();
    a.windows(run).any(|w| runs.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_reply_passes() {
        let reply = "Thanks, the migration sounds like a solid piece of work. What were you responsible for in it?";
        assert!(flaws(reply, &["I led the migration of our billing system."], &[]).is_empty());
    }

    #[test]
    fn the_failures_the_first_users_saw_are_caught() {
        let user = "I'm a backend engineer with over eight years of experience building payment systems at Acme";
        let parrot = "Maya, as a backend engineer with over eight years of experience building payment systems, has done well.";
        let found = flaws(parrot, &[user], &[]);
        assert!(found.contains(&Flaw::NotOneQuestion));
        assert!(found.contains(&Flaw::CopiesUser));
        assert!(found.contains(&Flaw::NotSecondPerson));
        assert!(flaws("How can I assist you today?", &["hi"], &[]).contains(&Flaw::AssistantTalk));
        assert!(flaws("I led the payments team. What did you do?", &["hi"], &[]).contains(&Flaw::SpeaksAsUser));
        let earlier = "Thanks. What did you do next?";
        assert!(flaws("Great. What did you do next?", &["hi"], &[earlier]).contains(&Flaw::Repeats));
        assert!(flaws("What did you do? And why?", &["hi"], &[]).contains(&Flaw::NotOneQuestion));
    }
}

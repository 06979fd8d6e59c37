//! The local model's part in an offline reply: one short acknowledgement of
//! a concrete detail of the user's answer, written from a compact few-shot
//! prompt (the same prefix every turn, so the model's KV cache keeps it),
//! within a time budget. The planned question is the server's; the whole
//! reply is checked, written once more if it fails, and otherwise the rules'
//! acknowledgement is used.

use std::time::{Duration, Instant};

use actors::chat_ports::{ChatModel, Turn, TurnRole};

use super::check;

/// Longest acknowledgement, in tokens.
const MAX_TOKENS: u32 = 32;
/// Longest part of the user's message shown to the model, in characters.
const MAX_MESSAGE_CHARS: usize = 400;

const INSTRUCTION: &str = "You acknowledge what a job seeker just told you about their work, in one short \
sentence of at most 15 words, speaking to them as \"you\". Mention one concrete detail they gave. Do not ask \
a question. Do not repeat their sentence. Never talk about yourself.";

/// (the user's message, a good acknowledgement)
const EXAMPLES: [(&str, &str); 4] = [
    (
        "I'm a charge nurse at St Anne's and I run the night shift on a ward of 30 beds.",
        "Running the night shift on a 30-bed ward is a lot of responsibility.",
    ),
    (
        "We moved our deployments to a pipeline and release failures dropped by half.",
        "Halving release failures is a clear, measurable result.",
    ),
    (
        "I teach year 9 maths and last term I started a lunchtime coding club.",
        "Starting a coding club on top of your teaching shows real initiative.",
    ),
    ("honestly I mostly answer customer tickets I guess", "Answering customer tickets every day builds useful judgement."),
];

/// The prompt: the fixed instruction and examples, then the message.
pub fn prompt(message: &str) -> Vec<Turn> {
    let mut turns = vec![Turn { role: TurnRole::System, content: INSTRUCTION.to_owned() }];
    for (said, answer) in EXAMPLES {
        turns.push(Turn { role: TurnRole::User, content: said.to_owned() });
        turns.push(Turn { role: TurnRole::Assistant, content: answer.to_owned() });
    }
    let clipped: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    turns.push(Turn { role: TurnRole::User, content: clipped });
    turns
}

/// The model's text as one acknowledgement sentence, or `None` when it is
/// not one (empty, a question, cut off).
pub fn clean(raw: &str) -> Option<String> {
    let text = raw.trim().trim_matches(['"', '\u{201c}', '\u{201d}']).trim();
    let end = text.find(['.', '!'])?;
    let sentence = text[..=end].trim();
    let words = sentence.split_whitespace().count();
    (3..=25).contains(&words).then(|| sentence.to_owned()).filter(|s| !s.contains('?'))
}

/// What the model wrote: the acknowledgement to use, and how many tries it took.
#[derive(Debug, Clone)]
pub struct Written {
    pub acknowledgement: Option<String>,
    pub tries: u32,
}

/// Asks `model` for an acknowledgement of `message` that, followed by
/// `question`, passes the checks; at most two tries, within `budget`.
pub async fn acknowledge(
    model: &dyn ChatModel,
    message: &str,
    question: &str,
    user_turns: &[&str],
    earlier_replies: &[&str],
    budget: Duration,
) -> Written {
    let started = Instant::now();
    let mut tries = 0;
    while tries < 2 {
        let Some(left) = budget.checked_sub(started.elapsed()).filter(|d| !d.is_zero()) else { break };
        tries += 1;
        let Some(raw) = crate::llm::reply_within(model, prompt(message), MAX_TOKENS, left, "interviewer acknowledgement").await
        else {
            break;
        };
        let Some(acknowledgement) = clean(&raw) else { continue };
        let reply = format!("{acknowledgement} {question}");
        let flaws = check::flaws(&reply, user_turns, earlier_replies);
        if flaws.is_empty() {
            return Written { acknowledgement: Some(acknowledgement), tries };
        }
        for flaw in flaws {
            metrics::counter!("debrief_interviewer_check_failures_total", "flaw" => flaw.as_str()).increment(1);
        }
    }
    Written { acknowledgement: None, tries }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_keeps_a_fixed_prefix_and_ends_with_the_message() {
        let first = prompt("I run the payments team.");
        let second = prompt("We cut failed payments by half.");
        assert_eq!(first[..first.len() - 1], second[..second.len() - 1], "the cached prefix is the same");
        assert_eq!(second.last().unwrap().content, "We cut failed payments by half.");
    }

    #[test]
    fn only_one_plain_sentence_is_kept() {
        assert_eq!(clean("\"Halving failures is a clear result.\" And more"), Some("Halving failures is a clear result.".into()));
        assert_eq!(clean("What did you do?"), None);
        assert_eq!(clean("Great"), None);
    }
}

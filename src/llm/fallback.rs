//! The rule-based interviewer: answers when no model is configured, so the
//! chat always works offline. It is labelled as such everywhere it shows. It
//! acknowledges briefly and asks one career follow-up chosen from what the user
//! just wrote (keywords for impact, leadership, obstacles, skills…), avoiding
//! the question it asked last.

use async_trait::async_trait;
use futures_util::stream;

use actors::chat_ports::{ChatModel, ModelError, ReplyStream, Turn, TurnRole};

#[derive(Debug, Default, Clone, Copy)]
pub struct RuleBasedInterviewer;

/// (keywords, follow-up question), tried in order.
const FOLLOW_UPS: &[(&[&str], &str)] = &[
    (
        &["led", "lead", "manag", "team", "mentor", "hired"],
        "How did you lead the people involved, and what did you do when you disagreed?",
    ),
    (
        &["launch", "ship", "built", "build", "deliver", "release", "implement"],
        "What was your own part in building it, and which decision are you proudest of?",
    ),
    (
        &["problem", "issue", "bug", "outage", "fail", "challenge", "difficult", "hard"],
        "What made that problem hard, and how did you work through it step by step?",
    ),
    (
        &["%", "percent", "revenue", "cost", "faster", "saved", "grew", "increase", "reduc"],
        "How did you measure that result, and what changed for the business because of it?",
    ),
    (
        &["learn", "skill", "course", "new to", "first time"],
        "How did you pick up that skill, and where have you used it since?",
    ),
    (
        &["customer", "client", "user", "stakeholder"],
        "What did those people need from you, and how did you find out?",
    ),
];

const GENERAL: &[&str] = &[
    "Could you walk me through one concrete example, what you did and what came of it?",
    "What impact did that have, and how would you put a number on it?",
    "What would you do differently if you started that again today?",
];

/// Picks the follow-up for the latest user message, not repeating the last one asked.
fn follow_up(latest: &str, previous_reply: &str) -> &'static str {
    let text = latest.to_lowercase();
    let candidates = FOLLOW_UPS
        .iter()
        .filter(|(keys, _)| keys.iter().any(|k| text.contains(k)))
        .map(|(_, question)| *question)
        .chain(GENERAL.iter().copied());
    let mut fallback = GENERAL[0];
    for question in candidates {
        if !previous_reply.contains(question) {
            return question;
        }
        fallback = question;
    }
    fallback
}

/// The reply to a context: an acknowledgement and one question.
pub fn reply_to(context: &[Turn]) -> String {
    let latest = context.iter().rev().find(|t| t.role == TurnRole::User);
    let previous = context.iter().rev().find(|t| t.role == TurnRole::Assistant);
    let latest = latest.map_or("", |t| t.content.as_str());
    let acknowledgement = if latest.split_whitespace().count() < 6 {
        "Thanks, tell me a bit more."
    } else {
        "Thanks for sharing that."
    };
    format!("{acknowledgement} {}", follow_up(latest, previous.map_or("", |t| t.content.as_str())))
}

#[async_trait]
impl ChatModel for RuleBasedInterviewer {
    fn describe(&self) -> String {
        String::from("rule-based interviewer (no model configured)")
    }

    async fn stream(&self, context: Vec<Turn>, _max_tokens: u32) -> Result<ReplyStream, ModelError> {
        let reply = reply_to(&context);
        let pieces: Vec<Result<String, ModelError>> =
            reply.split_inclusive(' ').map(|w| Ok(w.to_owned())).collect();
        Ok(Box::pin(stream::iter(pieces)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Turn {
        Turn { role: TurnRole::User, content: text.into() }
    }

    #[test]
    fn it_follows_up_on_what_the_user_said_with_one_question() {
        let reply = reply_to(&[user("I led the migration of our billing team to a new platform")]);
        assert!(reply.contains("lead the people"), "{reply}");
        assert_eq!(reply.matches('?').count(), 1);
    }

    #[test]
    fn it_does_not_ask_the_same_question_twice_in_a_row() {
        let first = reply_to(&[user("We shipped the new search page last month")]);
        let second = reply_to(&[
            user("We shipped the new search page last month"),
            Turn { role: TurnRole::Assistant, content: first.clone() },
            user("We shipped it again with more features"),
        ]);
        assert_ne!(first, second);
    }
}

//! What the model sees: the persona, a running summary of turns that no longer
//! fit, and as many recent turns as fit in the token budget. Pure functions, so
//! a conversation of thousands of messages costs the same as one of twenty.
//!
//! Tokens are estimated as characters / 4 (+4 per turn for the role markers),
//! the usual rule of thumb for English with BPE tokenizers; the budget leaves
//! headroom for the error of that estimate.

use protocol::chat::{ChatMessage, Role};

use crate::chat_ports::{Turn, TurnRole};

/// Estimated tokens of one turn.
pub fn estimate_tokens(text: &str) -> usize {
    text.chars().count() / 4 + 4
}

/// The first sentence of a message, at most `max_chars` characters.
fn gist(text: &str, max_chars: usize) -> String {
    let sentence = text.split_inclusive(['.', '!', '?', '\n']).next().unwrap_or(text).trim();
    let mut gist: String = sentence.chars().take(max_chars).collect();
    if sentence.chars().count() > max_chars {
        gist.push('…');
    }
    gist
}

/// Builds the model's context from the persona and the history (oldest first).
/// Recent turns are kept whole, newest first, until `budget` tokens are used;
/// the user's older messages are condensed into a summary of at most a quarter
/// of the budget.
pub fn build_context(system_prompt: &str, history: &[ChatMessage], budget: usize) -> Vec<Turn> {
    let mut used = estimate_tokens(system_prompt);
    let summary_budget = budget / 4;
    let mut recent = Vec::new();
    let mut cut = history.len();
    for (index, message) in history.iter().enumerate().rev() {
        let cost = estimate_tokens(&message.content);
        if used + cost > budget.saturating_sub(summary_budget) && !recent.is_empty() {
            break;
        }
        used += cost;
        recent.push(Turn { role: message.role.into(), content: message.content.clone() });
        cut = index;
    }
    recent.reverse();

    let mut context = vec![Turn { role: TurnRole::System, content: system_prompt.to_owned() }];
    let older: Vec<String> = history[..cut]
        .iter()
        .filter(|m| m.role == Role::User)
        .map(|m| gist(&m.content, 160))
        .collect();
    if !older.is_empty() {
        let mut summary =
            String::from("Summary of earlier turns (what the user told you before):");
        let mut summary_used = estimate_tokens(&summary);
        for point in older.iter().rev() {
            let cost = estimate_tokens(point);
            if summary_used + cost > summary_budget {
                break;
            }
            summary_used += cost;
            summary.push_str("\n- ");
            summary.push_str(point);
        }
        context.push(Turn { role: TurnRole::System, content: summary });
    }
    context.extend(recent);
    context
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(position: u64, role: Role, content: &str) -> ChatMessage {
        ChatMessage {
            id: position.to_string(),
            conversation_id: "c".into(),
            role,
            content: content.into(),
            position,
            client_id: None,
            reply_to: None,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_short_conversation_is_sent_whole_after_the_persona() {
        let history = [
            message(1, Role::Assistant, "Hi, I'm your Career Interviewer."),
            message(2, Role::User, "I lead a data team."),
        ];
        let context = build_context("persona", &history, 1000);
        assert_eq!(context.len(), 3);
        assert_eq!(context[0].role, TurnRole::System);
        assert_eq!(context[2].content, "I lead a data team.");
    }

    #[test]
    fn a_long_conversation_keeps_recent_turns_and_summarises_older_ones_within_budget() {
        let history: Vec<ChatMessage> = (1..=2000)
            .map(|i| {
                let role = if i % 2 == 0 { Role::User } else { Role::Assistant };
                message(i, role, &format!("Message number {i}. With some more words after it."))
            })
            .collect();
        let budget = 800;
        let context = build_context("persona", &history, budget);
        let total: usize = context.iter().map(|t| estimate_tokens(&t.content)).sum();
        assert!(total <= budget, "{total} tokens");
        assert_eq!(context.last().unwrap().content, history.last().unwrap().content);
        assert!(context[1].content.starts_with("Summary of earlier turns"));
        assert!(context[1].content.contains("Message number"));
    }
}

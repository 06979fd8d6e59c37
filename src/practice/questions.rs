//! A session's questions: from a model (the endpoint or the local one; asked
//! for JSON, every item validated, topped up from the bank when it gives too
//! few) or from the question bank.

use actors::chat_ports::{Turn, TurnRole};
use protocol::practice::{PracticeQuestion, PracticeSession};
use serde::Deserialize;

use super::bank;
use super::writer::Writer;
use crate::config::PracticeSettings;

/// Shortest question text kept from a model, in characters.
const MIN_QUESTION_CHARS: usize = 10;

/// A fresh question id.
pub fn new_question_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Numbers `questions` 1, 2, 3… in their current order.
pub fn renumber(questions: &mut [PracticeQuestion]) {
    for (i, question) in questions.iter_mut().enumerate() {
        question.order = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
}

fn from_bank(generated: Vec<bank::GeneratedQuestion>) -> Vec<PracticeQuestion> {
    generated
        .into_iter()
        .map(|q| PracticeQuestion {
            id: new_question_id(),
            order: 0,
            text: q.text,
            category: q.category.to_owned(),
            source: q.source.as_str().to_owned(),
            skill: q.skill,
        })
        .collect()
}

/// The bank's questions for the session.
pub fn offline(session: &PracticeSession, count: usize) -> Vec<PracticeQuestion> {
    let mut questions = from_bank(bank::generate(
        &session.job_title,
        session.company.as_deref(),
        session.interview_type,
        session.job_description.as_deref(),
        count,
    ));
    renumber(&mut questions);
    questions
}

/// A question about the user's own work, from the career record the Career
/// Interviewer keeps: their newest project or, failing that, challenge.
pub fn from_record(record: &[protocol::career::RecordItem]) -> Option<PracticeQuestion> {
    use protocol::career::ItemKind;
    let newest = |kind: ItemKind| record.iter().rev().find(|i| i.kind == kind && i.text.split_whitespace().count() <= 8);
    let text = if let Some(project) = newest(ItemKind::Project) {
        let subject = crate::interviewer::compose::project_phrase(&project.text);
        format!("You told the Career Interviewer about {subject}. Walk me through it: what was your part, and what came of it?")
    } else {
        let challenge = newest(ItemKind::Challenge)?;
        let subject = crate::interviewer::words::second_person(&challenge.text);
        format!("You mentioned this: \u{201c}{subject}\u{201d}. How did you handle it, and what was the result?")
    };
    Some(PracticeQuestion {
        id: new_question_id(),
        order: 0,
        text,
        category: String::from("behavioral"),
        source: String::from("record"),
        skill: None,
    })
}

/// Puts the record's question in place of the last one (sessions of three
/// questions or more), so practice draws on the user's own stories.
pub fn with_record_question(mut questions: Vec<PracticeQuestion>, record: &[protocol::career::RecordItem]) -> Vec<PracticeQuestion> {
    if questions.len() >= 3
        && let Some(question) = from_record(record)
    {
        questions.pop();
        questions.push(question);
        renumber(&mut questions);
    }
    questions
}

/// Drill questions for `skills`.
pub fn drill(skills: &[String], job_title: &str, count: usize) -> Vec<PracticeQuestion> {
    let mut questions = from_bank(bank::drill(skills, job_title, count));
    renumber(&mut questions);
    questions
}

/// Questions from the `writer` model, validated and topped up from the bank;
/// the bank's alone when the model fails, is too slow or answers nothing usable.
pub async fn generate(writer: &Writer, session: &PracticeSession, count: usize, limits: &PracticeSettings) -> Vec<PracticeQuestion> {
    // About 60 tokens per question object, never more than 1,200.
    let max_tokens = u32::try_from(count * 60 + 40).unwrap_or(u32::MAX).min(1200);
    let Some(reply) = crate::llm::reply_within(writer.model.as_ref(), prompt(session, count), max_tokens, writer.timeout, "practice questions").await else {
        return offline(session, count);
    };
    let mut questions = parse(&reply, count, limits.max_question_chars);
    if questions.len() < count {
        let known: Vec<String> = questions.iter().map(|q| q.text.to_lowercase()).collect();
        let top_up = offline(session, count + questions.len())
            .into_iter()
            .filter(|q| !known.contains(&q.text.to_lowercase()))
            .take(count - questions.len());
        questions.extend(top_up.collect::<Vec<_>>());
    }
    renumber(&mut questions);
    questions
}

/// What the model is asked for: `count` questions as a JSON array.
fn prompt(session: &PracticeSession, count: usize) -> Vec<Turn> {
    let system = format!(
        "You write interview questions. Answer with only a JSON array of {count} objects, each \
         {{\"text\": \"the question\", \"category\": one of {}}}. No prose.",
        bank::CATEGORIES.join(", ")
    );
    let mut user = format!(
        "Role: {}\nCompany: {}\nInterview type: {}",
        session.job_title,
        session.company.as_deref().unwrap_or("not given"),
        session.interview_type.as_str()
    );
    if let Some(description) = &session.job_description {
        user.push_str(&format!("\nJob description:\n{description}"));
    }
    vec![Turn { role: TurnRole::System, content: system }, Turn { role: TurnRole::User, content: user }]
}

#[derive(Deserialize)]
struct ModelQuestion {
    text: String,
    #[serde(default)]
    category: String,
}

/// The valid questions in a model's reply (the first JSON array in it),
/// at most `count`, without duplicates.
fn parse(reply: &str, count: usize, max_chars: usize) -> Vec<PracticeQuestion> {
    let (Some(start), Some(end)) = (reply.find('['), reply.rfind(']')) else {
        return Vec::new();
    };
    let Ok(items) = serde_json::from_str::<Vec<ModelQuestion>>(reply.get(start..=end).unwrap_or_default()) else {
        return Vec::new();
    };
    let mut questions: Vec<PracticeQuestion> = Vec::new();
    for item in items {
        let text = item.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let length = text.chars().count();
        if !(MIN_QUESTION_CHARS..=max_chars).contains(&length)
            || questions.iter().any(|q| q.text.eq_ignore_ascii_case(&text))
        {
            continue;
        }
        let category = bank::CATEGORIES.iter().find(|c| **c == item.category.trim().to_lowercase()).copied();
        questions.push(PracticeQuestion {
            id: new_question_id(),
            order: 0,
            text,
            category: category.unwrap_or("role_specific").to_owned(),
            source: "model".to_owned(),
            skill: None,
        });
        if questions.len() == count {
            break;
        }
    }
    questions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_reply_keeps_only_valid_distinct_questions() {
        let reply = r#"Sure! [{"text": "Tell me about a time you scaled a service.", "category": "behavioral"},
            {"text": "tell me about a time you scaled a service.", "category": "behavioral"},
            {"text": "Hi?", "category": "technical"},
            {"text": "How would you design a rate limiter?", "category": "Nonsense"}]"#;
        let questions = parse(reply, 5, 300);
        assert_eq!(questions.len(), 2);
        assert_eq!(questions[0].category, "behavioral");
        assert_eq!(questions[1].category, "role_specific");
        assert!(questions.iter().all(|q| q.source == "model"));
    }

    #[test]
    fn prose_without_json_gives_nothing() {
        assert!(parse("I cannot do that.", 3, 300).is_empty());
    }
}

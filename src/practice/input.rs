//! Practice requests parsed against `[practice]`'s limits: past here, text is
//! trimmed and within bounds, ids name questions of the session, and counts
//! are in range. Refusals name the field.

use std::collections::HashMap;

use protocol::interview::{InterviewType, bounded_text};
use protocol::practice::{AnswerInput, CreatePracticeRequest, FeedbackEdit, PracticeQuestion, QuestionEdit};

use crate::config::PracticeSettings;
use crate::error::ApiError;

fn invalid(field: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Validation { field, message: message.into() }
}

/// Trimmed text of at most `max` characters; empty is `None`.
fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>, ApiError> {
    Ok(bounded_text(field, value.unwrap_or_default(), max)?)
}

/// Trimmed, non-empty text of at most `max` characters.
fn required(field: &'static str, value: &str, max: usize) -> Result<String, ApiError> {
    optional(field, Some(value), max)?.ok_or_else(|| invalid(field, format!("{field} must not be empty")))
}

/// A new session's fields.
pub struct NewPractice {
    pub job_title: String,
    pub company: Option<String>,
    pub interview_type: InterviewType,
    pub job_description: Option<String>,
    pub resume_url: Option<String>,
}

impl NewPractice {
    pub fn parse(request: &CreatePracticeRequest, limits: &PracticeSettings) -> Result<Self, ApiError> {
        let interview_type = InterviewType::parse(&request.interview_type.trim().to_ascii_lowercase())
            .ok_or_else(|| invalid("interview_type", "interview_type must be one of behavioral, technical, phone, panel"))?;
        let resume_url = optional("resume_url", request.resume_url.as_deref(), limits.resume_url_max_chars)?;
        if let Some(url) = &resume_url
            && (!(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace))
        {
            return Err(invalid("resume_url", "resume_url must be an http(s) URL"));
        }
        Ok(Self {
            job_title: required("job_title", &request.job_title, limits.short_text_max_chars)?,
            company: optional("company", request.company.as_deref(), limits.short_text_max_chars)?,
            interview_type,
            job_description: optional("job_description", request.job_description.as_deref(), limits.job_description_max_chars)?,
            resume_url,
        })
    }
}

/// How many questions to generate: the default when absent, else 1..=max.
pub fn question_count(requested: Option<usize>, limits: &PracticeSettings) -> Result<usize, ApiError> {
    match requested {
        None => Ok(limits.default_questions.clamp(1, limits.max_questions.max(1))),
        Some(n) if (1..=limits.max_questions).contains(&n) => Ok(n),
        Some(_) => Err(invalid("count", format!("count must be from 1 to {}", limits.max_questions))),
    }
}

/// A batch of answers: question id → trimmed text (the last one wins when an id repeats).
pub fn answers(batch: &[AnswerInput], limits: &PracticeSettings) -> Result<Vec<(String, String)>, ApiError> {
    if batch.is_empty() {
        return Err(invalid("answers", "answers must hold at least one answer"));
    }
    if batch.len() > limits.max_batch {
        return Err(invalid("answers", format!("at most {} answers per request", limits.max_batch)));
    }
    let mut parsed: Vec<(String, String)> = Vec::with_capacity(batch.len());
    for answer in batch {
        let text = required("answers.text", &answer.text, limits.max_answer_chars)?;
        parsed.retain(|(id, _)| *id != answer.question_id);
        parsed.push((answer.question_id.clone(), text));
    }
    Ok(parsed)
}

/// One answer's text (coaching).
pub fn answer_text(text: &str, limits: &PracticeSettings) -> Result<String, ApiError> {
    required("text", text, limits.max_answer_chars)
}

/// The edited question list, checked against the session's current questions.
pub fn question_list(
    edits: &[QuestionEdit],
    current: &[PracticeQuestion],
    limits: &PracticeSettings,
) -> Result<Vec<PracticeQuestion>, ApiError> {
    if edits.len() > limits.max_questions {
        return Err(invalid("questions", format!("a session holds at most {} questions", limits.max_questions)));
    }
    let by_id: HashMap<&str, &PracticeQuestion> = current.iter().map(|q| (q.id.as_str(), q)).collect();
    let mut seen = Vec::new();
    let mut questions = Vec::with_capacity(edits.len());
    for edit in edits {
        let text = required("questions.text", &edit.text, limits.max_question_chars)?;
        let category = optional("questions.category", edit.category.as_deref(), limits.short_text_max_chars)?;
        let question = match edit.id.as_deref() {
            Some(id) => {
                let existing = by_id.get(id).ok_or_else(|| invalid("questions.id", format!("no question {id:?} in this session")))?;
                if seen.contains(&id) {
                    return Err(invalid("questions.id", format!("question {id:?} is listed twice")));
                }
                seen.push(id);
                PracticeQuestion { text, category: category.unwrap_or_else(|| existing.category.clone()), ..(*existing).clone() }
            }
            None => PracticeQuestion {
                id: super::questions::new_question_id(),
                order: 0,
                text,
                category: category.unwrap_or_else(|| "role_specific".to_owned()),
                source: "user".to_owned(),
                skill: None,
            },
        };
        questions.push(question);
    }
    super::questions::renumber(&mut questions);
    Ok(questions)
}

/// Edited session feedback.
pub fn feedback(edit: &FeedbackEdit, limits: &PracticeSettings) -> Result<FeedbackEdit, ApiError> {
    let max_items = limits.max_feedback_items;
    if !(1..=5).contains(&edit.rating) {
        return Err(invalid("rating", "rating must be from 1 to 5"));
    }
    let list = |field: &'static str, items: &[String]| -> Result<Vec<String>, ApiError> {
        if items.len() > max_items {
            return Err(invalid(field, format!("{field} holds at most {max_items} items")));
        }
        items
            .iter()
            .filter_map(|item| optional(field, Some(item), limits.max_answer_chars).transpose())
            .collect()
    };
    Ok(FeedbackEdit {
        rating: edit.rating,
        strengths: list("strengths", &edit.strengths)?,
        improvements: list("improvements", &edit.improvements)?,
        detail: optional("detail", Some(&edit.detail), limits.max_answer_chars)?.unwrap_or_default(),
    })
}

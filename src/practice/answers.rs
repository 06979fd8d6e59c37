//! A session's answers and status steps: storing or overwriting answers
//! (measured; coaching and delivery of a changed answer dropped), and moving
//! a session through the status machine (`draft → in_progress → completed`,
//! `PracticeStatus::after`), refusing an illegal step with 409.

use chrono::Utc;
use protocol::practice::{PracticeAction, PracticeAnswer, PracticeSession, PracticeStatus};

use crate::error::ApiError;
use crate::practice::measure;
use crate::practice::reading::Readings;

/// 409 `illegal_transition`: a `status` session cannot take `action`.
pub fn illegal(status: PracticeStatus, action: PracticeAction) -> ApiError {
    ApiError::Conflict {
        code: "illegal_transition",
        message: format!("a {} practice session cannot {}", status.as_str(), action.as_str()),
    }
}

/// Moves `session` through `action`, or refuses.
pub fn step(session: &mut PracticeSession, action: PracticeAction) -> Result<(), ApiError> {
    session.status = session.status.after(action).ok_or_else(|| illegal(session.status, action))?;
    Ok(())
}

/// Stores or overwrites answers (measured, with their `readings` by the
/// learned STAR reader where made; coaching on a changed answer is dropped).
pub fn store_answers(session: &mut PracticeSession, answers: &[(String, String)], readings: &Readings) -> Result<(), ApiError> {
    for (question_id, _) in answers {
        if !session.questions.iter().any(|q| q.id == *question_id) {
            return Err(ApiError::Validation {
                field: "answers.question_id",
                message: format!("no question {question_id:?} in this practice session"),
            });
        }
    }
    step(session, PracticeAction::Answer)?;
    let now = Utc::now();
    let interview_type = session.interview_type;
    for (question_id, text) in answers {
        let question = session.questions.iter().find(|q| q.id == *question_id).map_or("", |q| q.text.as_str());
        // Measured only when stored: an unchanged answer keeps its measures.
        let measure = || measure::measure(question, text, interview_type, readings.get(text));
        match session.answers.iter_mut().find(|a| a.question_id == *question_id) {
            Some(existing) if existing.text == *text => {}
            Some(existing) => {
                existing.text.clone_from(text);
                existing.metrics = measure();
                existing.feedback = None;
                existing.delivery = None;
                existing.answer_id = None;
                existing.updated_at = now;
            }
            None => session.answers.push(PracticeAnswer {
                question_id: question_id.clone(),
                text: text.clone(),
                updated_at: now,
                metrics: measure(),
                feedback: None,
                delivery: None,
                answer_id: None,
            }),
        }
    }
    order_answers(session);
    Ok(())
}

/// Whether `session` already holds `text` as the answer to `question_id`
/// ([`store_answers`] keeps such an answer, and its measures, as they are).
pub fn holds(session: &PracticeSession, question_id: &str, text: &str) -> bool {
    session.answers.iter().any(|a| a.question_id == question_id && a.text == text)
}

/// Keeps answers in question order, dropping those of removed questions.
pub fn order_answers(session: &mut PracticeSession) {
    let position = |id: &str| session.questions.iter().position(|q| q.id == id);
    let mut answers: Vec<(usize, PracticeAnswer)> =
        session.answers.drain(..).filter_map(|a| position(&a.question_id).map(|p| (p, a))).collect();
    answers.sort_by_key(|(p, _)| *p);
    session.answers = answers.into_iter().map(|(_, a)| a).collect();
}

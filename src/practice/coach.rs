//! Coaching feedback: on one answer (what was strong, what was missing — STAR
//! parts, specifics, impact — and a better structure) and on a whole session.
//! The rules here always run; with a configured model its words replace the
//! `detail` of an answer's feedback ([`coaching_prompt`]).

use actors::chat_ports::{Turn, TurnRole};
use chrono::Utc;
use protocol::practice::{AnswerMetrics, Feedback, PracticeQuestion, PracticeSession};

use super::measure::{LONG_ANSWER_WORDS, SHORT_ANSWER_WORDS};

/// 1–5 from a 0–100 mark.
pub fn rating(score: u32) -> u8 {
    match score {
        0..=39 => 1,
        40..=54 => 2,
        55..=69 => 3,
        70..=84 => 4,
        _ => 5,
    }
}

/// Whether the question asks for a story (STAR applies).
fn wants_story(question: &PracticeQuestion) -> bool {
    question.category != "technical"
}

/// Feedback on one answer, by the rules.
pub fn answer_feedback(question: &PracticeQuestion, metrics: &AnswerMetrics) -> Feedback {
    let mut strengths = Vec::new();
    let mut improvements = Vec::new();
    let star = metrics.star;
    let story = wants_story(question);
    if story {
        let parts = [
            (star.situation, "set the scene (situation)", "Open with the situation: where you were, the team, what was at stake."),
            (star.task, "said what you had to achieve (task)", "Say what your task was: the goal you owned, and why it was hard."),
            (star.action, "walked through your own actions", "Describe what you did, step by step, in the first person (\"I\", not \"we\")."),
            (star.result, "ended on the result", "Finish with the result: what changed, and what you learned."),
        ];
        let present: Vec<&str> = parts.iter().filter(|p| p.0).map(|p| p.1).collect();
        if !present.is_empty() {
            strengths.push(format!("You {}.", join(&present)));
        }
        // The words each judgement rests on, so the reader can check it.
        for cue in metrics.star_cues.iter().filter(|c| !c.quote.is_empty()) {
            let part = format!("{:?}", cue.part);
            if !strengths.iter().any(|s| s.starts_with(&format!("{part}: "))) {
                strengths.push(format!("{part}: \"{}\"", cue.quote));
            }
        }
        improvements.extend(parts.iter().filter(|p| !p.0).map(|p| p.2.to_owned()));
    }
    if let Some(fit) = metrics.fit.as_ref().filter(|f| f.score <= 3) {
        improvements.insert(0, format!("Answer the question asked ({}/5): {}.", fit.score, fit.reasons.join("; ")));
    }
    if metrics.has_numbers {
        strengths.push("You quantified the impact — numbers make a story credible.".to_owned());
    } else {
        improvements.push("Add a number: how much faster, cheaper, bigger, or how many people it touched.".to_owned());
    }
    if metrics.fillers == 0 && metrics.word_count > 0 {
        strengths.push("No filler words.".to_owned());
    } else if metrics.fillers > 1 {
        improvements.push(format!(
            "Cut the fillers ({} here: {}); a short pause reads as confidence.",
            metrics.fillers,
            metrics.filler_terms.join(", ")
        ));
    }
    if metrics.hedges == 0 && metrics.word_count > 0 {
        strengths.push("You spoke with conviction (no hedging).".to_owned());
    } else if metrics.hedges > 0 {
        improvements.push("Drop the hedges (\"I think\", \"maybe\", \"sort of\"): state what you did.".to_owned());
    }
    if metrics.word_count < SHORT_ANSWER_WORDS {
        improvements.push(format!(
            "Develop it: {} words is thin; aim for 120–250 with one concrete example.",
            metrics.word_count
        ));
    } else if metrics.word_count > LONG_ANSWER_WORDS {
        improvements.push(format!("Tighten it: {} words is long; keep to two minutes.", metrics.word_count));
    } else {
        strengths.push("A good length for a spoken answer.".to_owned());
    }
    // A story missing half its parts, or an answer beside the question, is
    // never rated strong whatever its polish; the detail says why.
    let by_mark = rating(metrics.score);
    let star_cap = if story { 1 + (metrics.star_score / 25) as u8 } else { 5 };
    let fit_cap = metrics.fit.as_ref().map_or(5, |f| f.score.max(1) + 1);
    let rating = by_mark.min(star_cap).min(fit_cap).max(1);
    let capped = if rating < by_mark {
        if rating == star_cap { format!(" Rated {rating}/5, not {by_mark}: the story has {} of its 4 STAR parts.", metrics.star_score / 25) } else { format!(" Rated {rating}/5, not {by_mark}: it does not quite answer the question.") }
    } else {
        String::new()
    };
    let detail = format!(
        "{} Your answer scores {}/100 ({}).{capped} {}",
        opening(rating),
        metrics.score,
        if story { format!("STAR {}/100", metrics.star_score) } else { "technical answer".to_owned() },
        improvements.first().map_or("Keep this shape for your other answers.", String::as_str)
    );
    Feedback {
        rating,
        strengths,
        improvements,
        detail,
        suggested_structure: structure(question),
        source: "rules".to_owned(),
        updated_at: Utc::now(),
    }
}

fn opening(rating: u8) -> &'static str {
    match rating {
        1 => "This answer needs work.",
        2 => "A start, with clear gaps.",
        3 => "A solid base to build on.",
        4 => "A strong answer.",
        _ => "An excellent answer.",
    }
}

/// A better shape for an answer to this question.
fn structure(question: &PracticeQuestion) -> Vec<String> {
    let steps: &[&str] = if wants_story(question) {
        &[
            "Situation: one or two sentences of context — team, product, stakes.",
            "Task: the goal you owned and what made it hard.",
            "Action: three or four things you did, in the first person.",
            "Result: the outcome with a number, and what you would do again.",
        ]
    } else {
        &[
            "Restate the problem and the constraints you assume.",
            "Outline your approach and why, naming one alternative.",
            "Walk through the key details and trade-offs.",
            "Close with how you would test, measure or scale it.",
        ]
    };
    steps.iter().map(|s| (*s).to_owned()).collect()
}

/// "1 story", "3 stories".
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn join(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The feedback as the text streamed to the user.
pub fn render(feedback: &Feedback) -> String {
    let mut text = format!("Rating: {}/5. {}\n", feedback.rating, feedback.detail);
    if !feedback.strengths.is_empty() {
        text.push_str("\nStrong:\n");
        for s in &feedback.strengths {
            text.push_str(&format!("- {s}\n"));
        }
    }
    if !feedback.improvements.is_empty() {
        text.push_str("\nTo improve:\n");
        for s in &feedback.improvements {
            text.push_str(&format!("- {s}\n"));
        }
    }
    if !feedback.suggested_structure.is_empty() {
        text.push_str("\nA better structure:\n");
        for (i, s) in feedback.suggested_structure.iter().enumerate() {
            text.push_str(&format!("{}. {s}\n", i + 1));
        }
    }
    text
}

/// What the model is asked for when a model coaches (its reply becomes the
/// feedback's `detail`; the measured parts stay the rules').
pub fn coaching_prompt(session: &PracticeSession, question: &PracticeQuestion, answer: &str, metrics: &AnswerMetrics) -> Vec<Turn> {
    let system = format!(
        "You are an interview coach. The candidate is practising for a {} interview for the role of {}{}. \
         Give concise, specific feedback on their answer in under 150 words: what was strong, what was missing \
         (STAR parts, specifics, impact), and a better structure. Measured: {} words, {} fillers, {} hedges, \
         STAR parts present: situation {}, task {}, action {}, result {}; quantified: {}.",
        session.interview_type.as_str(),
        session.job_title,
        session.company.as_deref().map(|c| format!(" at {c}")).unwrap_or_default(),
        metrics.word_count,
        metrics.fillers,
        metrics.hedges,
        metrics.star.situation,
        metrics.star.task,
        metrics.star.action,
        metrics.star.result,
        metrics.has_numbers,
    );
    vec![
        Turn { role: TurnRole::System, content: system },
        Turn { role: TurnRole::User, content: format!("Question: {}\n\nMy answer: {answer}", question.text) },
    ]
}

/// What the model is asked for when it writes a session's `detail`: every
/// question with the answer (cut to `max_answer_chars`) and its measures.
pub fn session_prompt(session: &PracticeSession, max_answer_chars: usize) -> Vec<Turn> {
    let system = format!(
        "You are an interview coach. The candidate practised a {} interview for the role of {}. \
         In under 150 words, sum up how they did across the session: the pattern in their strongest \
         answers, the one habit to change first, and what to practise next. Be specific; no lists.",
        session.interview_type.as_str(),
        session.job_title
    );
    let mut user = String::new();
    for question in &session.questions {
        match session.answers.iter().find(|a| a.question_id == question.id) {
            Some(answer) => {
                let text: String = answer.text.chars().take(max_answer_chars).collect();
                let m = &answer.metrics;
                user.push_str(&format!(
                    "Q{}: {}\nA: {text}\n(mark {}/100, STAR {}/100, {} fillers, {} hedges)\n\n",
                    question.order, question.text, m.score, m.star_score, m.fillers, m.hedges
                ));
            }
            None => user.push_str(&format!("Q{}: {}\nA: (not answered)\n\n", question.order, question.text)),
        }
    }
    vec![Turn { role: TurnRole::System, content: system }, Turn { role: TurnRole::User, content: user }]
}

/// Feedback on a whole session from its answers' measures.
pub fn session_feedback(session: &PracticeSession) -> Feedback {
    let answered: Vec<(&PracticeQuestion, &AnswerMetrics)> = session
        .questions
        .iter()
        .filter_map(|q| session.answers.iter().find(|a| a.question_id == q.id).map(|a| (q, &a.metrics)))
        .collect();
    // A skipped question counts as a mark of 0.
    let count = session.questions.len().max(answered.len()).max(1);
    let mean = answered.iter().map(|(_, m)| m.score).sum::<u32>() / count as u32;
    let skipped: Vec<&str> = session
        .questions
        .iter()
        .filter(|q| !session.answers.iter().any(|a| a.question_id == q.id))
        .map(|q| q.text.as_str())
        .collect();
    let stories: Vec<&AnswerMetrics> = answered.iter().filter(|(q, _)| wants_story(q)).map(|(_, m)| *m).collect();
    let share = |f: &dyn Fn(&AnswerMetrics) -> bool| {
        if stories.is_empty() { 1.0 } else { stories.iter().filter(|m| f(m)).count() as f64 / stories.len() as f64 }
    };
    let mut strengths = Vec::new();
    let mut improvements = Vec::new();
    let parts: [(&str, f64); 4] = [
        ("situation", share(&|m| m.star.situation)),
        ("task", share(&|m| m.star.task)),
        ("action", share(&|m| m.star.action)),
        ("result", share(&|m| m.star.result)),
    ];
    for (part, present) in parts {
        if present >= 0.75 {
            strengths.push(format!("Most stories state the {part}."));
        } else {
            let with = (present * stories.len() as f64).round() as usize;
            improvements.push(format!(
                "Only {with} of your {} state the {part}; make it a habit.",
                plural(stories.len(), "story", "stories")
            ));
        }
    }
    let quantified = answered.iter().filter(|(_, m)| m.has_numbers).count();
    if quantified * 2 >= answered.len() {
        strengths.push(format!("{quantified} of {} answers quantify their impact.", answered.len()));
    } else {
        improvements.push(format!(
            "Only {quantified} of {} answers give a number; quantify results.",
            answered.len()
        ));
    }
    let fillers: usize = answered.iter().map(|(_, m)| m.fillers).sum();
    let hedges: usize = answered.iter().map(|(_, m)| m.hedges).sum();
    if fillers + hedges == 0 {
        strengths.push("Clean, confident wording throughout.".to_owned());
    } else {
        improvements.push(format!(
            "{} and {} in all; rehearse aloud to cut them.",
            plural(fillers, "filler", "fillers"),
            plural(hedges, "hedge", "hedges")
        ));
    }
    if let Some(pooled) = super::delivery::pool(&super::delivery::spoken(session)) {
        let (spoken_strengths, spoken_improvements) = super::delivery::feedback(&pooled);
        strengths.extend(spoken_strengths);
        improvements.extend(spoken_improvements);
    }
    if !skipped.is_empty() {
        improvements.insert(
            0,
            format!("{} left unanswered — practise them next: \"{}\"", plural(skipped.len(), "question", "questions"), skipped.join("\", \"")),
        );
    }
    let best = answered.iter().max_by_key(|(_, m)| m.score);
    let weakest = answered.iter().min_by_key(|(_, m)| m.score);
    let mut detail = format!(
        "{} answers, average mark {mean}/100 for the {} role.",
        answered.len(),
        session.job_title
    );
    if let (Some((best_q, best_m)), Some((weak_q, weak_m))) = (best, weakest)
        && best_q.id != weak_q.id
    {
        detail.push_str(&format!(
            " Strongest: \"{}\" ({}/100). Work on: \"{}\" ({}/100).",
            best_q.text, best_m.score, weak_q.text, weak_m.score
        ));
    }
    Feedback {
        rating: rating(mean),
        strengths,
        improvements,
        detail,
        suggested_structure: Vec::new(),
        source: "rules".to_owned(),
        updated_at: Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::practice::measure::measure;
    use protocol::interview::InterviewType;

    fn question(category: &str) -> PracticeQuestion {
        PracticeQuestion {
            id: "q1".into(),
            order: 1,
            text: "Tell me about a time you handled a difficult deadline.".into(),
            category: category.into(),
            source: "bank".into(),
            skill: None,
        }
    }

    #[test]
    fn a_story_without_a_result_is_told_to_end_on_one() {
        let metrics = measure(
            "Tell me about a time you handled a difficult deadline.",
            "Last year our team had a launch in two weeks. My goal was to ship the payments page. I planned the work and I paired with QA every day.",
            InterviewType::Behavioral,
            None,
        );
        let feedback = answer_feedback(&question("behavioral"), &metrics);
        assert!(feedback.improvements.iter().any(|i| i.starts_with("Finish with the result")), "{feedback:?}");
        assert!(feedback.strengths.iter().any(|s| s.contains("situation")), "{feedback:?}");
        assert_eq!(feedback.suggested_structure.len(), 4);
        assert!(render(&feedback).contains("A better structure:"));
    }

    #[test]
    fn technical_answers_are_not_held_to_star() {
        let metrics = measure("How would you scale the database?", "I would shard by customer id and cache reads.", InterviewType::Technical, None);
        let feedback = answer_feedback(&question("technical"), &metrics);
        assert!(!feedback.improvements.iter().any(|i| i.contains("situation")), "{feedback:?}");
        assert!(feedback.suggested_structure[0].starts_with("Restate the problem"));
    }

    #[test]
    fn ratings_follow_the_mark() {
        assert_eq!(rating(0), 1);
        assert_eq!(rating(60), 3);
        assert_eq!(rating(100), 5);
    }
}

//! The story plan: which parts of the current story (situation → task →
//! actions → result → reflection) the user has told, and what to ask next.
//! One plan per user, kept across conversations; a finished story starts the
//! next one.

use protocol::career::{ItemKind, StoryPart, StoryPlan};
use serde::{Deserialize, Serialize};

use super::extract::Fact;
use super::words::lower_words;

/// Questions asked about one story before the interviewer moves on, told or not.
pub const MAX_QUESTIONS_PER_STORY: u32 = 6;
/// Questions remembered to avoid asking one twice.
const ASKED_KEPT: usize = 40;

/// The stored plan of a user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The story being told (1, 2, 3…).
    pub story: u32,
    /// What the story is about, in the interviewer's words ("the migration of your billing system").
    pub subject: Option<String>,
    pub told: Vec<StoryPart>,
    /// The part the last question asked for.
    pub asking: Option<StoryPart>,
    /// Questions asked about the current story.
    pub questions_in_story: u32,
    /// The newest questions asked, oldest first (never asked twice).
    pub asked: Vec<String>,
    /// Themes of new stories already proposed.
    pub themes_used: u32,
}

impl Plan {
    /// A new user's plan: the introduction asked for a recent piece of work.
    pub fn new() -> Self {
        Self { story: 1, asking: Some(StoryPart::Situation), ..Self::default() }
    }

    /// The plan as stored (`None`: a new user's); an unreadable one starts
    /// afresh, with a warning.
    pub fn from_stored(body: Option<&str>) -> Self {
        match body.map(serde_json::from_str) {
            Some(Ok(plan)) => plan,
            Some(Err(error)) => {
                tracing::warn!(%error, "a stored story plan is unreadable; starting a new one");
                Self::new()
            }
            None => Self::new(),
        }
    }

    /// The next part to ask about; `None` when the story is told.
    pub fn next(&self) -> Option<StoryPart> {
        StoryPart::ALL.into_iter().find(|part| !self.told.contains(part))
    }

    /// Takes in a substantive answer: the part asked for is told, and so is
    /// anything the message plainly covers.
    /// A named project (`project_subject`) replaces a subject guessed from the
    /// story's words while the story is still being set up.
    pub fn take_answer(&mut self, message: &str, facts: &[Fact], subject: Option<String>, project_subject: bool) {
        if self.subject.is_none() || project_subject && self.told.len() <= 1 && subject.is_some() {
            self.subject = subject.or(self.subject.take());
        }
        let mut told: Vec<StoryPart> = self.asking.into_iter().collect();
        told.extend(parts_in(message, facts));
        for part in told {
            if !self.told.contains(&part) {
                self.told.push(part);
            }
        }
    }

    /// Records the question asked next (and for which part). Starts the next
    /// story when this one is told or has had its share of questions.
    pub fn ask(&mut self, part: Option<StoryPart>, question: &str) {
        self.asking = part;
        self.questions_in_story += 1;
        self.asked.push(question.to_owned());
        if self.asked.len() > ASKED_KEPT {
            self.asked.remove(0);
        }
    }

    /// Whether the story should end now (told, or asked about enough).
    pub fn story_done(&self) -> bool {
        self.next().is_none() || self.questions_in_story >= MAX_QUESTIONS_PER_STORY
    }

    /// Moves on to a new story.
    pub fn next_story(&mut self) {
        self.story += 1;
        self.subject = None;
        self.told.clear();
        self.asking = None;
        self.questions_in_story = 0;
        self.themes_used += 1;
    }

    pub fn asked_before(&self, question: &str) -> bool {
        self.asked.iter().any(|q| q == question)
    }

    /// The public view of the plan.
    pub fn view(&self) -> StoryPlan {
        StoryPlan { story: self.story.max(1), subject: self.subject.clone(), told: self.told.clone(), next: self.next() }
    }
}

/// The parts of a story a message plainly covers.
pub fn parts_in(message: &str, facts: &[Fact]) -> Vec<StoryPart> {
    let words = lower_words(message);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let kind = |k: ItemKind| facts.iter().any(|f| f.kind == k);
    let mut parts = Vec::new();
    if kind(ItemKind::Challenge) || has(&["when", "back", "situation", "context", "were", "had"]) && words.len() >= 15 {
        parts.push(StoryPart::Situation);
    }
    if has(&["responsible", "goal", "task", "needed", "job", "asked", "aim", "target", "assigned", "owner"]) {
        parts.push(StoryPart::Task);
    }
    // One "I led…" names the work; telling what you did takes more.
    if facts.iter().filter(|f| f.kind == ItemKind::Action).count() >= 2 || kind(ItemKind::Action) && words.len() >= 30 {
        parts.push(StoryPart::Actions);
    }
    if kind(ItemKind::Result) {
        parts.push(StoryPart::Result);
    }
    if has(&["learned", "learnt", "differently", "lesson", "lessons", "taught", "reflect", "hindsight", "realised", "realized"]) {
        parts.push(StoryPart::Reflection);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interviewer::extract::facts;

    #[test]
    fn an_answer_tells_the_part_asked_for_and_the_plan_moves_on() {
        let mut plan = Plan::new();
        let message = "I run the payments team at Acme and we were drowning in failed card payments.";
        plan.take_answer(message, &facts(message), Some("the payments team".into()), false);
        assert_eq!(plan.next(), Some(StoryPart::Task));
        plan.ask(plan.next(), "What were you responsible for?");
        let message = "My goal was to halve them before Black Friday.";
        plan.take_answer(message, &facts(message), None, false);
        assert_eq!(plan.next(), Some(StoryPart::Actions));
        assert_eq!(plan.subject.as_deref(), Some("the payments team"));
    }

    #[test]
    fn a_result_with_a_figure_counts_as_the_result_even_unasked() {
        let message = "In the end we cut failed payments by 50% and I learned to ship smaller changes.";
        let parts = parts_in(message, &facts(message));
        assert!(parts.contains(&StoryPart::Result));
        assert!(parts.contains(&StoryPart::Reflection));
    }

    #[test]
    fn a_told_story_ends_and_the_next_starts_fresh() {
        let mut plan = Plan::new();
        plan.told = StoryPart::ALL.to_vec();
        assert!(plan.story_done());
        plan.next_story();
        assert_eq!((plan.story, plan.next()), (2, Some(StoryPart::Situation)));
    }
}

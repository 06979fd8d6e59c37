//! What the interviewer says to an answer, by rules: a short
//! acknowledgement of one concrete detail, and the planned question (in
//! several wordings, never asked twice, or a new story's opening question).

use protocol::career::{ItemKind, RecordItem, StoryPart};

use super::extract::Fact;
use super::phrases::{before_and_after, figure, keyphrase, measured_before};
use super::plan::Plan;
use super::words::{article, capitalise, lower_first, second_person};

/// Who the user's work is for, by their role ("patients" for a nurse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    Care,
    Teaching,
    Sales,
    General,
}

impl Domain {
    pub fn of(record: &[RecordItem]) -> Self {
        let roles: String = record
            .iter()
            .filter(|i| i.kind == ItemKind::Role)
            .map(|i| i.text.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        let any = |list: &[&str]| list.iter().any(|w| roles.contains(w));
        if any(&["nurse", "doctor", "physician", "midwife", "paramedic", "therapist", "pharmacist", "carer", "surgeon"]) {
            Self::Care
        } else if any(&["teacher", "tutor", "lecturer", "professor", "instructor", "principal"]) {
            Self::Teaching
        } else if any(&["sales", "account", "business development", "rep", "representative"]) {
            Self::Sales
        } else {
            Self::General
        }
    }

    fn people(self) -> &'static str {
        match self {
            Self::Care => "a patient",
            Self::Teaching => "a student",
            Self::Sales => "a customer",
            Self::General => "a colleague or a customer",
        }
    }
}

/// The story's subject from this message's facts: its project, in the
/// interviewer's words ("the migration of your billing system").
pub fn subject(facts: &[Fact]) -> Option<String> {
    let project = facts.iter().find(|f| f.kind == ItemKind::Project)?;
    Some(project_phrase(&project.text))
}

/// A project in the user's words as the interviewer names it: "migration of
/// our billing system" becomes "the migration of your billing system".
pub fn project_phrase(project: &str) -> String {
    let text = second_person(project);
    let starts_determined = text.split(' ').next().is_some_and(|w| {
        matches!(w.to_lowercase().as_str(), "the" | "a" | "an" | "your" | "their" | "his" | "her" | "its")
            || w.chars().next().is_some_and(char::is_uppercase)
    });
    if starts_determined { text } else { format!("the {text}") }
}

/// A short acknowledgement of one concrete detail of the message.
pub fn acknowledgement(message: &str, facts: &[Fact], record: &[RecordItem], turn: usize) -> String {
    let pick = |kind: ItemKind| facts.iter().find(|f| f.kind == kind).map(|f| second_person(&f.text));
    let known = |kind: ItemKind, text: &str| {
        record.iter().any(|i| i.kind == kind && i.text.eq_ignore_ascii_case(text))
    };
    let variant = |options: &[String]| options[turn % options.len()].clone();
    if let Some(role) = pick(ItemKind::Role).filter(|r| !known(ItemKind::Role, r)) {
        // Never a long run of the user's own words: the employer only when it stays short.
        let employer = pick(ItemKind::Employer).filter(|e| role.split(' ').count() + e.split(' ').count() <= 5);
        return match employer {
            Some(employer) => format!("Thanks, {} {role} role at {employer} is useful context.", article(&role)),
            None => format!("Thanks, it helps to know you're {} {role}.", article(&role)),
        };
    }
    if let Some((before, after)) = before_and_after(message) {
        // Neutral words: a before and after may be the problem as well as the result.
        return match measured_before(message, |w| w.lower == "from") {
            Some(measured) => variant(&[
                format!("So {measured} went from {before} to {after}: that's a concrete figure to work with."),
                format!("{} going from {before} to {after} is a useful detail.", capitalise(&measured)),
            ]),
            None => format!("From {before} to {after}: that's a concrete figure to work with."),
        };
    }
    if let Some(figure) = figure(message) {
        let first = figure.split(' ').next().unwrap_or_default().to_owned();
        if let Some(measured) = measured_before(message, |w| w.text == first).or_else(|| {
            keyphrase(message).filter(|m| !m.contains(&figure) && !m.chars().any(|c| c.is_ascii_digit()))
        }) {
            return variant(&[
                format!("{figure} for {measured}: that's a concrete figure, which helps."),
                format!("Good, {figure} gives {measured} a number."),
            ]);
        }
        return variant(&[
            format!("{}: that's a concrete figure, which helps.", capitalise(&figure)),
            format!("A figure like {figure} makes this story stronger."),
        ]);
    }
    if let Some(project) = subject(facts).filter(|p| short(p, 8)) {
        return variant(&[
            format!("Thanks, {project} sounds like a solid piece of work."),
            format!("{} is a good story to dig into.", capitalise(&project)),
            format!("Thanks, {project} gives us plenty to work with."),
        ]);
    }
    if let Some(skill) = pick(ItemKind::Skill) {
        return format!("Good to know you use {skill}.");
    }
    if let Some(person) = pick(ItemKind::Person).filter(|p| short(p, 6)) {
        return format!("Thanks, it helps to know about {}.", lower_first(&person));
    }
    let phrase = keyphrase(message);
    if facts.iter().any(|f| f.kind == ItemKind::Challenge) {
        return match phrase {
            Some(p) => variant(&[format!("That sounds like a real challenge: {p}."), format!("{}: that can't have been easy.", capitalise(&p))]),
            None => variant(&[String::from("That sounds like a real challenge."), String::from("That can't have been easy.")]),
        };
    }
    match phrase {
        Some(p) => variant(&[format!("Thanks, {p} is a useful detail."), format!("Noted: {p}."), format!("Good, {p} matters here.")]),
        None => variant(&[String::from("Thanks, that helps."), String::from("Got it, thank you."), String::from("Thanks, that's useful.")]),
    }
}

fn short(text: &str, max_words: usize) -> bool {
    text.split_whitespace().count() <= max_words
}


/// Wordings of the question for each part; `{s}` is the story's subject.
fn wordings(part: StoryPart) -> &'static [&'static str] {
    match part {
        StoryPart::Situation => &[
            "What was the situation around {s}: where were you, and what was going on?",
            "Could you set the scene for {s}: what was happening when it started?",
            "What led up to {s}, and why did it matter at the time?",
        ],
        StoryPart::Task => &[
            "What were you responsible for in {s}, and what did success look like?",
            "What was your goal with {s}, and who was counting on you?",
            "Where did your part of {s} begin and end?",
        ],
        StoryPart::Actions => &[
            "What did you do yourself on {s}, step by step?",
            "Which decisions did you make on {s}, and why those?",
            "What was the hardest step of {s} for you, and how did you handle it?",
        ],
        StoryPart::Result => &[
            "How did {s} turn out, and how did you measure it?",
            "What changed because of {s}, and can you put a number on it?",
            "What was the outcome of {s} for the people it was for?",
        ],
        StoryPart::Reflection => &[
            "Looking back on {s}, what would you do differently?",
            "What did {s} teach you that you still use?",
            "What feedback did you get on {s}, and what did you take from it?",
        ],
    }
}

/// Easier wordings when the user is stuck.
fn gentle(part: StoryPart) -> &'static str {
    match part {
        StoryPart::Situation => "Think of one recent day at work that went better than usual: what happened?",
        StoryPart::Task => "What was the one thing you most needed to get right there?",
        StoryPart::Actions => "What's one small thing you did there that someone else might not have?",
        StoryPart::Result => "How could you tell afterwards that it had worked, even roughly?",
        StoryPart::Reflection => "If a friend were about to do the same thing, what tip would you give them?",
    }
}

/// Opening questions of a new story.
fn themes(domain: Domain) -> Vec<String> {
    let people = domain.people();
    vec![
        String::from("Let's take another example: could you tell me about a time something went wrong at work and you helped put it right?"),
        format!("Here's another angle: when did you help {people} through something difficult, and what did you do?"),
        String::from("Could you tell me about a time you disagreed with someone at work, and how you handled it?"),
        String::from("What's a piece of work where you had to learn something new quickly?"),
        String::from("What's a decision you made without all the information you wanted, and how did it play out?"),
        String::from("When did you lead or influence others without being their manager?"),
        String::from("What achievement from the last couple of years are you proudest of, and why?"),
    ]
}

/// The next question: the plan's part in a wording not asked before, or a
/// new story's opening. Returns the part it asks for (`None`: a new story).
pub fn question(plan: &Plan, domain: Domain, stuck: bool) -> (Option<StoryPart>, String) {
    question_about(plan, domain, stuck, None)
}

/// [`question`], staying on `again` (the part just asked for, when the user
/// answered with a question or drew a blank) while it is untold.
pub fn question_about(plan: &Plan, domain: Domain, stuck: bool, again: Option<StoryPart>) -> (Option<StoryPart>, String) {
    let again = again.filter(|part| !plan.told.contains(part) && !plan.story_done());
    let Some(part) = again.or_else(|| plan.next().filter(|_| !plan.story_done())) else {
        let themes = themes(domain);
        let count = themes.len();
        let start = plan.themes_used as usize;
        let theme = (0..count)
            .map(|offset| themes[(start + offset) % count].clone())
            .find(|q| !plan.asked_before(q))
            .unwrap_or_else(|| themes[start % count].clone());
        return (None, theme);
    };
    if stuck {
        let easy = gentle(part).to_owned();
        if !plan.asked_before(&easy) {
            return (Some(part), easy);
        }
    }
    if plan.subject.is_none() && part == StoryPart::Situation {
        // Nothing to build on yet: ask for a piece of work.
        if let Some(opening) = OPENINGS.iter().find(|q| !plan.asked_before(q)) {
            return (Some(part), (*opening).to_owned());
        }
    }
    let subject = plan.subject.clone().unwrap_or_else(|| String::from("that piece of work"));
    let options: Vec<String> = wordings(part).iter().map(|w| w.replace("{s}", &subject)).collect();
    let chosen = options.iter().find(|q| !plan.asked_before(q)).cloned();
    // Every wording used: a general one that names the part.
    let chosen = chosen.unwrap_or_else(|| format!("Could you tell me a little more about {subject}?"));
    (Some(part), chosen)
}

/// The opening of a reply to a greeting: a returning user is welcomed back
/// with what they last talked about.
pub fn greeting(record: &[RecordItem], plan: &Plan) -> String {
    match (&plan.subject, record.is_empty()) {
        (Some(subject), false) => format!("Hi, welcome back. Last time we were talking about {subject}."),
        (None, false) => String::from("Hi, welcome back."),
        (_, true) => String::from("Hi, good to meet you."),
    }
}

/// Questions that ask for a piece of work when none is known yet.
const OPENINGS: &[&str] = &[
    "What's a recent piece of work you're proud of, and what was going on at the time?",
    "Could you tell me about a project or a day at work that stuck with you?",
    "What have you been working on lately, and what part of it was yours?",
];

/// The question for a brand-new user who said hello.
pub const FIRST_QUESTION: &str = "To start, what do you do, and what have you worked on lately that you're proud of?";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interviewer::extract::facts;

    #[test]
    fn the_acknowledgement_names_one_detail_in_the_second_person() {
        let found = facts("I'm a charge nurse at St Anne's Hospital.");
        assert_eq!(acknowledgement("", &found, &[], 0), "Thanks, a charge nurse role at St Anne's Hospital is useful context.");
        let found = facts("I led the migration of our billing system.");
        assert!(acknowledgement("", &found, &[], 0).contains("the migration of your billing system"));
    }

    #[test]
    fn the_question_follows_the_plan_and_is_never_asked_twice() {
        let mut plan = Plan::new();
        plan.told.push(StoryPart::Situation);
        plan.subject = Some("the migration of your billing system".into());
        let (part, first) = question(&plan, Domain::General, false);
        assert_eq!(part, Some(StoryPart::Task));
        assert!(first.contains("the migration of your billing system") && first.ends_with('?'));
        plan.ask(part, &first);
        let (_, second) = question(&plan, Domain::General, false);
        assert_ne!(first, second);
    }
}

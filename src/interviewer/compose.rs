//! What the interviewer says, by rules: what kind of message the user sent, a
//! short acknowledgement of one concrete detail, the planned question (in
//! several wordings, never asked twice), answers about what the user said
//! before, and a new story's opening question.

use protocol::career::{ItemKind, RecordItem, StoryPart};

use super::extract::Fact;
use super::plan::Plan;
use super::words::{article, capitalise, has_digit, lower_words, second_person};

/// What the user's message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// "hi", "hello there".
    Greeting,
    /// A question about what the user said before ("what was my job title again?").
    Recall,
    /// A question to the interviewer ("what do you mean?").
    Question,
    /// Not in English.
    OtherLanguage,
    /// "not sure", "I don't know".
    Stuck,
    /// Anything else: an answer about their work.
    Answer,
}

const GREETINGS: &[&str] = &["hi", "hello", "hey", "hiya", "howdy", "morning", "afternoon", "evening", "yo", "greetings"];
const RECALL_CUES: &[&str] = &[
    "remember", "recall", "remind", "did i say", "did i mention", "did i tell", "what was my", "what's my",
    "what is my", "what were my", "where do i", "where did i", "what did i say", "what did i tell",
    "do you know my", "do you know where", "do you know what", "the name of", "i work for", "i work at",
    "where i work", "my company", "my job title", "my title",
];
const STUCK: &[&str] = &[
    "not sure", "i don't know", "i dont know", "no idea", "nothing really", "can't think", "cant think",
    "don't remember", "i guess", "dunno", "idk",
];
/// Common words of languages users write in instead of English.
const FOREIGN: &[&str] = &[
    "ich", "als", "und", "nicht", "der", "die", "das", "ist", "bin", "arbeite", "yo", "que", "el", "los", "las",
    "trabajo", "soy", "es", "una", "je", "et", "le", "les", "mon", "suis", "travaille", "une", "est", "eu",
    "sou", "trabalho", "não", "em", "ik", "een", "het", "werk", "ben", "sono", "lavoro", "il", "della",
];
const ENGLISH: &[&str] = &[
    "the", "and", "i", "to", "a", "of", "in", "my", "we", "was", "is", "it", "for", "on", "with", "that",
    "at", "as", "our", "me", "you", "what", "have", "am", "work", "team", "hi", "hello",
];

/// Classifies a user message.
pub fn classify(message: &str) -> Intent {
    let lower = message.trim().to_lowercase();
    let words = lower_words(&lower);
    if is_other_language(message, &words) {
        return Intent::OtherLanguage;
    }
    if words.len() <= 4 && words.iter().any(|w| GREETINGS.contains(&w.as_str())) && !lower.contains('?') {
        return Intent::Greeting;
    }
    if words.is_empty() || words.len() <= 3 && words.iter().all(|w| GREETINGS.contains(&w.as_str())) {
        return Intent::Greeting;
    }
    let asks = lower.contains('?') || lower.starts_with("remind me") || lower.starts_with("do you remember");
    let about_themselves = words.iter().any(|w| matches!(w.as_str(), "i" | "my" | "i'm"))
        && (words.iter().any(|w| matches!(w.as_str(), "again" | "said" | "mentioned" | "told"))
            || words.windows(2).any(|p| matches!(p[0].as_str(), "i" | "did") && matches!(p[1].as_str(), "say" | "tell" | "mention")));
    if asks && (RECALL_CUES.iter().any(|cue| lower.contains(cue)) || about_themselves || asks_own_fact(&lower, &words)) {
        return Intent::Recall;
    }
    if words.len() <= 12 && STUCK.iter().any(|cue| lower.contains(cue)) {
        return Intent::Stuck;
    }
    if lower.trim_end().ends_with('?') && words.len() <= 15 {
        return Intent::Question;
    }
    Intent::Answer
}

/// A wh-question about a fact of the user's own ("which branch is it I
/// manage?", "what's the app I work on called?"), not a question about the
/// interview ("what should I say?", "is it ok to…?").
fn asks_own_fact(lower: &str, words: &[String]) -> bool {
    let wh = words.iter().any(|w| matches!(w.as_str(), "what" | "what's" | "which" | "who" | "where" | "when" | "how"));
    let own = words.iter().any(|w| matches!(w.as_str(), "i" | "my" | "i'm"));
    let about_interview = [
        "you mean", "should i", "should we", "could you", "can you", "would you", "do you want", "do you need",
        "is it ok", "is that ok", "is it okay", "how do i", "how should", "what kind", "what sort", "can i", "do i need",
        "you after", "you looking", "do you think",
    ]
    .iter()
    .any(|cue| lower.contains(cue));
    wh && own && !about_interview && lower.trim_end().ends_with('?')
}

fn is_other_language(message: &str, words: &[String]) -> bool {
    let letters: Vec<char> = message.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return false;
    }
    let latin = letters.iter().filter(|c| c.is_ascii_alphabetic() || ('\u{c0}'..='\u{24f}').contains(*c)).count();
    if latin * 2 < letters.len() {
        return true;
    }
    let foreign = words.iter().filter(|w| FOREIGN.contains(&w.as_str())).count();
    let english = words.iter().filter(|w| ENGLISH.contains(&w.as_str())).count();
    words.len() >= 3 && foreign >= 2 && foreign > english * 2
}

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

/// Words that carry no detail of their own.
const PLAIN: &[&str] = &[
    "the", "a", "an", "and", "or", "but", "so", "to", "of", "in", "on", "at", "for", "with", "by", "from", "as",
    "is", "was", "were", "are", "be", "been", "it", "its", "this", "that", "these", "those", "there", "then",
    "i", "me", "my", "we", "our", "us", "you", "your", "they", "them", "their", "he", "she", "his", "her",
    "had", "have", "has", "did", "do", "does", "just", "really", "very", "also", "about", "all", "some", "any",
    "what", "when", "where", "which", "who", "how", "why", "not", "no", "yes", "yeah", "ok", "okay", "well",
    "like", "got", "get", "made", "make", "went", "go", "lot", "lots", "kind", "sort", "thing", "things",
    "guess", "think", "mean", "actually", "basically", "mostly", "pretty", "quite", "much", "more", "most",
    "would", "could", "should", "will", "can", "into", "out", "up", "over", "after", "before", "because",
    "while", "than", "too", "only", "even", "still", "every", "each", "one", "other", "others", "own", "being",
    "able", "new", "good", "great", "first", "last", "next", "time", "times", "work", "worked", "working",
    "already", "knew", "know", "said", "told", "felt", "thought", "took", "gave", "came", "saw", "found",
    "left", "kept", "went", "around", "under", "within", "between", "without", "through", "across", "per",
    "alone", "half", "whole", "many", "few", "several", "both", "either", "neither", "such", "same",
    "off", "down", "onto", "honestly", "frankly", "anyway", "definitely", "totally", "obviously", "hit",
];

/// The most telling run of detail words in a message (at most four), in the
/// interviewer's words: "zero downtime", "the night rota".
pub fn keyphrase(message: &str) -> Option<String> {
    runs(message).into_iter().filter(|run| run.words.len() >= 2 || run.words[0].len() >= 6).max_by_key(|run| run.score()).map(|run| run.text())
}

/// A run of detail words in a message.
struct Run {
    words: Vec<String>,
    /// Whether a determiner ("the", "our"…) came just before: a noun phrase.
    determined: bool,
    /// The sentence it is in, and the index of the word after it there.
    sentence: usize,
    end: usize,
}

impl Run {
    fn score(&self) -> usize {
        self.words.len().min(4) * 2 + usize::from(self.words.iter().any(|w| has_digit(w)))
    }

    fn text(&self) -> String {
        self.words.iter().take(4).cloned().collect::<Vec<_>>().join(" ")
    }
}

fn is_detail(word: &super::words::Word) -> bool {
    !PLAIN.contains(&word.lower.as_str())
        && !VERBS.contains(&word.lower.as_str())
        && !word.lower.ends_with("ed")
        && (word.lower.len() >= 3 || has_digit(&word.lower))
}

/// Every run of detail words, earliest first.
fn runs(message: &str) -> Vec<Run> {
    let mut found = Vec::new();
    for (sentence_index, sentence) in super::words::sentences(message).into_iter().enumerate() {
        let words = super::words::words(sentence);
        let mut run: Vec<String> = Vec::new();
        let mut determined = false;
        for (index, word) in words.iter().enumerate() {
            let detail = is_detail(word);
            if detail {
                if run.is_empty() {
                    determined = index > 0
                        && matches!(words[index - 1].lower.as_str(), "the" | "our" | "my" | "a" | "an" | "their" | "this" | "that");
                }
                let proper = word.text.chars().next().is_some_and(char::is_uppercase) && index > 0;
                run.push(if proper { word.text.clone() } else { word.lower.clone() });
            }
            let ends = !detail || word.pause_after || index + 1 == words.len();
            if ends && !run.is_empty() {
                let end = if detail { index + 1 } else { index };
                found.push(Run { words: std::mem::take(&mut run), determined, sentence: sentence_index, end });
            }
        }
    }
    found
}

/// What a figure measures: the nearest run of detail words (no figures)
/// before the first word for which `marks` holds, in the same sentence
/// ("our outbound reply rates had dropped from 8%" → "outbound reply rates").
fn measured_before(message: &str, marks: impl Fn(&super::words::Word) -> bool) -> Option<String> {
    for (sentence_index, sentence) in super::words::sentences(message).into_iter().enumerate() {
        let words = super::words::words(sentence);
        let Some(at) = words.iter().position(&marks) else { continue };
        return runs(message)
            .into_iter()
            .rfind(|run| run.sentence == sentence_index && run.end <= at && !run.words.iter().any(|w| has_digit(w)))
            .map(|run| run.text());
    }
    None
}

/// What a story is about, from the message that opens it when it names no
/// project: its longest noun phrase of two words or more ("our nightly
/// settlement batch" → "your nightly settlement batch"), never a job title.
pub fn story_subject(message: &str) -> Option<String> {
    runs(message)
        .into_iter()
        .filter(|run| run.determined && !run.words.iter().any(|w| has_digit(w)))
        .filter_map(|run| {
            // A noun phrase: it stops at the first word that reads as a verb or an adverb.
            let nouns: Vec<String> = run.words.iter().take_while(|w| noun_like(&w.to_lowercase())).take(4).cloned().collect();
            (nouns.len() >= 2 && !nouns.last().is_some_and(|w| super::extract::is_role_noun(&w.to_lowercase())))
                .then_some(nouns)
        })
        .max_by_key(Vec::len)
        .map(|nouns| format!("the {}", nouns.join(" ")))
}

/// Whether a (lowercase) word can belong to a noun phrase.
fn noun_like(word: &str) -> bool {
    let verb_like = word.ends_with("ing") || word.ends_with("ed") || word.ends_with("ly") || VERBS.contains(&word);
    let irregular = matches!(word, "sent" | "beats" | "says" | "means" | "seems" | "goes" | "does" | "needs" | "wants" | "gets");
    !(verb_like || irregular || PLAIN.contains(&word))
}

/// Common verbs in the present tense: not details on their own.
const VERBS: &[&str] = &[
    "take", "takes", "make", "makes", "get", "gets", "give", "gives", "keep", "keeps", "need", "needs", "want",
    "wants", "use", "uses", "help", "helps", "see", "sees", "say", "says", "tell", "tells", "come", "comes",
    "run", "runs", "look", "looks", "feel", "feels", "seem", "seems", "try", "tries", "call", "calls", "ask",
    "asks", "put", "puts", "turn", "turns", "start", "starts", "show", "shows", "hear", "play", "move",
    "hold", "bring", "happen", "happens", "write", "provide", "sit", "stand", "lose", "pay", "meet", "include",
    "continue", "set", "learn", "change", "lead", "understand", "watch", "follow", "stop", "create", "speak",
    "read", "allow", "add", "spend", "grow", "open", "win", "offer", "remember", "consider", "appear", "buy",
    "wait", "serve", "send", "expect", "build", "stay", "fall", "cut", "reach", "remain", "cover", "teach",
    "manage", "handle", "support", "own", "care", "sell", "book", "plan", "cook", "train", "coach", "carry",
    "went", "ran", "got", "made", "did", "took", "gave", "let", "lets", "told", "sat", "wrote", "led", "fell",
    "against", "versus", "like", "really", "maybe", "probably", "basically", "literally",
];

/// A figure with its unit ("40%", "29 kids", "$1.8M"), from a message.
pub fn figure(message: &str) -> Option<String> {
    let words = super::words::words(message);
    for (at, word) in words.iter().enumerate() {
        if !has_digit(&word.lower) {
            continue;
        }
        let year = word.text.len() == 4 && word.text.parse::<u32>().is_ok();
        if year {
            continue;
        }
        if word.text.contains(['%', '$', '€', '£']) || word.lower.ends_with(['k', 'm']) && word.lower.len() > 1 {
            return Some(word.text.clone());
        }
        let unit = words.get(at + 1).filter(|next| !word.pause_after && is_detail(next));
        if let Some(unit) = unit {
            return Some(format!("{} {}", word.text, unit.lower));
        }
    }
    None
}

/// "from 6 hours to 48 minutes" in a message, as ("6 hours", "48 minutes").
pub fn before_and_after(message: &str) -> Option<(String, String)> {
    let words = super::words::words(message);
    let amount = |from: usize| -> Option<(String, usize)> {
        let first = words.get(from).filter(|w| has_digit(&w.lower))?;
        let mut text = first.text.clone();
        let mut end = from + 1;
        while let Some(next) = words.get(end).filter(|n| end - from < 3 && !PLAIN.contains(&n.lower.as_str()) && !is_verb_form(&n.lower) && n.lower != "down") {
            text.push(' ');
            text.push_str(&next.lower);
            end += 1;
        }
        Some((text, end))
    };
    for at in 0..words.len() {
        if words[at].lower != "from" {
            continue;
        }
        let Some((before, mut next)) = amount(at + 1) else { continue };
        // "from 6 hours 10 minutes (down) to 48 minutes"
        while words.get(next).is_some_and(|w| matches!(w.lower.as_str(), "down" | "up") || has_digit(&w.lower)) && next < at + 8 {
            next += 1;
        }
        if words.get(next).is_some_and(|w| w.lower == "to")
            && let Some((after, _)) = amount(next + 1).or_else(|| {
                let hedge = words.get(next + 1).is_some_and(|w| matches!(w.lower.as_str(), "under" | "over" | "about" | "around" | "nearly" | "almost" | "just" | "below" | "above"));
                hedge.then(|| amount(next + 2)).flatten()
            })
        {
            return Some((before, after));
        }
    }
    None
}

fn is_verb_form(word: &str) -> bool {
    word.ends_with("ed") || word.ends_with("ing")
}

fn short(text: &str, max_words: usize) -> bool {
    text.split_whitespace().count() <= max_words
}

fn lower_first(text: &str) -> String {
    let mut words = text.splitn(2, ' ');
    let first = words.next().unwrap_or_default();
    let rest = words.next().map(|r| format!(" {r}")).unwrap_or_default();
    // "Your team" → "your team"; names stay as written.
    if matches!(first, "Your" | "The" | "A" | "An") { format!("{}{rest}", first.to_lowercase()) } else { text.to_owned() }
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

/// An answer to "what did I tell you about…?": from the record first (the
/// facts the user can see and correct), else from what they said earlier in
/// this conversation (`said_before`, oldest first).
pub fn recall(question: &str, record: &[RecordItem], said_before: &[&str]) -> String {
    let wanted = wanted_kinds(question);
    let asks_when = {
        let q = question.to_lowercase();
        q.contains("what year") || q.contains("when did") || q.contains("since when") || q.contains("how long")
    };
    let asks_figure = wanted.first() == Some(&ItemKind::Number);
    let asks_name = {
        let q = question.to_lowercase();
        ["called", "name", "which ", "what tool", "what app", "what company", "what firm"].iter().any(|c| q.contains(c))
    };
    // A proper name (a capital past a sentence's first word) answers "what was it called?".
    let names = |text: &str, skip: usize| text.split_whitespace().skip(skip).any(|w| w.chars().next().is_some_and(char::is_uppercase) && w != "I");
    let weigh = |score: usize, text: &str, skip: usize| {
        let score = score + 3 * usize::from(asks_name && names(text, skip));
        if asks_figure && !text.chars().any(|c| c.is_ascii_digit()) { score / 3 } else { score }
    };
    let asked: Vec<String> = lower_words(question)
        .into_iter()
        .filter(|w| w.len() >= 4 && !RECALL_FILLER.contains(&w.as_str()) && !PLAIN.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect();
    let dated = |said: &[String]| asks_when && said.iter().any(|w| w.len() == 4 && w.parse::<u32>().is_ok_and(|y| (1950..=2100).contains(&y)));
    // (score, order, how it is said back)
    let mut scored: Vec<(usize, usize, String)> = Vec::new();
    for (order, item) in record.iter().enumerate() {
        // The kind asked for first counts most ("how many": a figure before a person).
        let kind_score = wanted.iter().position(|k| *k == item.kind).map_or(0, |rank| 4usize.saturating_sub(rank).max(2));
        let said: Vec<String> = lower_words(&item.text).iter().map(|w| stem(w)).collect();
        let shared = asked.iter().filter(|w| said.contains(w)).count();
        let score = weigh(kind_score + 3 * shared + 6 * usize::from(dated(&said)), &item.text, 0);
        if score > 0 {
            scored.push((score, order, describe(item)));
        }
    }
    // Sentences said earlier that share the question's words: what the rules did not file.
    for (order, sentence) in said_before.iter().flat_map(|turn| super::words::sentences(turn)).enumerate() {
        let words = lower_words(sentence);
        let said: Vec<String> = words.iter().map(|w| stem(w)).collect();
        let shared = asked.iter().filter(|w| said.contains(w)).count();
        let figure = asks_figure && words.iter().any(|w| has_digit(w));
        if shared == 0 && !dated(&said) {
            continue;
        }
        let score = weigh(3 * shared + 2 * usize::from(figure) + 6 * usize::from(dated(&said)), sentence, 1);
        let shown = sentence.replace('?', "");
        let capital = |w: &&str| w.chars().next().is_some_and(char::is_uppercase) && *w != "I";
        // The name asked for, else the first word asked about, in view.
        let anchor = asks_name
            .then(|| shown.split_whitespace().skip(1).position(|w| capital(&w)).map(|p| p.saturating_sub(2) + 1))
            .flatten()
            .unwrap_or_else(|| said.iter().position(|w| asked.contains(w)).unwrap_or(0));
        scored.push((score, record.len() + order, format!("this: \u{201c}{}\u{201d}", clip_around(&second_person(&shown), anchor, 7))));
    }
    // Highest score first; among equals, the record, then the earliest said.
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut parts: Vec<String> = Vec::new();
    for (_, _, part) in scored.into_iter().take(3) {
        // The same fact from the record and from the sentence it came from: once.
        let words: Vec<String> = lower_words(&part).into_iter().filter(|w| w.len() >= 3).collect();
        let overlaps = parts.iter().any(|p| {
            let known = lower_words(p);
            words.iter().filter(|w| known.contains(w)).count() * 2 >= words.len().max(1)
        });
        if !overlaps {
            parts.push(part);
        }
        if parts.len() == 2 {
            break;
        }
    }
    match parts.as_slice() {
        [] => String::from("I don't think you've told me that yet."),
        [one] => format!("You told me {one}."),
        [one, two, ..] => format!("You told me {one}, and {}.", two.trim_start_matches("this: ")),
    }
}

/// At most `max` words of `text` from just before word `anchor`: what was
/// said about the thing asked comes after it ("the budget was £4.2m").
fn clip_around(text: &str, anchor: usize, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= max {
        return text.to_owned();
    }
    // What answers the question is usually a name or a figure after the words asked about.
    let informative = |w: &&str| has_digit(w) || w.chars().next().is_some_and(char::is_uppercase) && *w != "I";
    let focus = words.iter().skip(anchor + 1).position(informative).map_or(anchor, |p| anchor + 1 + p);
    let start = if focus - anchor < max - 2 { anchor.saturating_sub(1) } else { focus.saturating_sub(3) };
    let start = start.min(words.len() - max);
    let end = start + max;
    let mut clipped = if start > 0 { String::from("…") } else { String::new() };
    clipped.push_str(&words[start..end].join(" "));
    if end < words.len() {
        clipped.push('…');
    }
    clipped
}

/// A word's stem for matching ("teaches", "teaching" → "teach").
fn stem(word: &str) -> String {
    let word = word.trim_end_matches("'s");
    for suffix in ["ing", "ed", "es", "s", "e"] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 3
        {
            return base.to_owned();
        }
    }
    word.to_owned()
}

const RECALL_FILLER: &[&str] = &[
    "remember", "recall", "remind", "what", "said", "tell", "told", "mention", "mentioned", "again", "quick",
    "check", "where", "which", "that", "about", "start", "beginning", "earlier", "first", "didn't", "there",
    "know", "your", "with", "were", "this", "have", "does", "from", "name", "mention", "said", "say",
    "call", "called", "named", "going", "back", "hold", "hang", "wait", "interest", "checking", "right",
];

fn wanted_kinds(question: &str) -> Vec<ItemKind> {
    let q = question.to_lowercase();
    let has = |cues: &[&str]| cues.iter().any(|c| q.contains(c));
    let mut kinds = Vec::new();
    if has(&["how many", "how much", "number", "percent", "%", "figure", "by how", "how long", "how big", "quota", "budget", "target", "year", "salary", "revenue"]) {
        kinds.extend([ItemKind::Number, ItemKind::Result]);
    }
    if has(&["title", "role", "position", "what do i do", "my job", "job again", "what i do"]) {
        kinds.push(ItemKind::Role);
    }
    if has(&["company", "employer", "work for", "work at", "hospital", "school", "firm", "organisation", "organization", "agency", "clinic", "where"]) {
        kinds.push(ItemKind::Employer);
    }
    if has(&["project", "working on", "built", "build", "launch", "initiative", "programme", "program"]) {
        kinds.push(ItemKind::Project);
    }
    if has(&["result", "outcome", "impact", "achieve"]) {
        kinds.extend([ItemKind::Result, ItemKind::Number]);
    }
    if has(&["team", "manager", "who ", "boss", "colleague"]) {
        kinds.push(ItemKind::Person);
    }
    if has(&["skill", "tool", "language", "stack", "tech", "software"]) {
        kinds.push(ItemKind::Skill);
    }
    if has(&["subject", "teach", "area", "cover", "do i do", "responsib", "day to day", "specialis", "specializ"]) {
        kinds.extend([ItemKind::Action, ItemKind::Role]);
    }
    if has(&["which ", "called", "name", "i'm with", "im with", "i am with"]) {
        kinds.extend([ItemKind::Employer, ItemKind::Project]);
    }
    if kinds.is_empty() {
        kinds.extend([ItemKind::Role, ItemKind::Employer, ItemKind::Project]);
    }
    kinds
}

/// One record item as the interviewer says it back (at most a few words of the user's).
fn describe(item: &RecordItem) -> String {
    let said = second_person(&item.text);
    // A figure is what a figure's item is for; anything else reads from its start.
    let text = if matches!(item.kind, ItemKind::Number | ItemKind::Result) { clip_around_figure(&said, 6) } else { clip(&said, 6) };
    match item.kind {
        ItemKind::Role => format!("you're {} {text}", article(&text)),
        ItemKind::Employer => format!("you work at {text}"),
        ItemKind::Project => format!("you worked on {}", lower_first(&text)),
        ItemKind::Skill => format!("you use {text}"),
        ItemKind::Person => format!("about {}", lower_first(&text)),
        ItemKind::Number | ItemKind::Result | ItemKind::Action | ItemKind::Challenge => {
            format!("this: \u{201c}{}\u{201d}", lower_first(&text))
        }
    }
}

/// At most `max` words of a text, keeping its first figure in view.
fn clip_around_figure(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some(figure) = words.iter().position(|w| has_digit(w)) else { return clip(text, max) };
    if words.len() <= max || figure + 2 < max {
        return clip(text, max);
    }
    let end = (figure + 3).min(words.len());
    let start = end.saturating_sub(max);
    let mut clipped = if start > 0 { String::from("…") } else { String::new() };
    clipped.push_str(&words[start..end].join(" "));
    if end < words.len() {
        clipped.push('…');
    }
    clipped
}

/// The first `max` words of a text (with "…" when cut).
fn clip(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= max {
        return text.to_owned();
    }
    format!("{}…", words[..max].join(" "))
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

/// A reply to a question to the interviewer: what it is after, in the terms
/// the user asked about.
pub fn explain(question: &str) -> &'static str {
    let q = question.to_lowercase();
    let has = |cues: &[&str]| cues.iter().any(|c| q.contains(c));
    if has(&["number", "metric", "measure", "percent", "figure", "quantif"]) {
        "Numbers help when you have them, but a clear before and after works just as well."
    } else if has(&["action"]) {
        "By actions I mean what you did yourself, step by step, rather than what the team did."
    } else if has(&["reflect", "differently", "lesson"]) {
        "By reflection I mean what you learned, and what you would do differently next time."
    } else if has(&["result", "outcome"]) {
        "By the result I mean what changed because of your work, for the people it was for."
    } else if has(&["technical", "detail", "high level", "high-level", "how much", "how long"]) {
        "Keep it high level, with one or two details that show what you did yourself."
    } else if has(&["star"]) {
        "STAR stands for situation, task, actions and result: the shape of a strong interview answer."
    } else if has(&["good example", "right example", "kind of", "is that ok", "is this ok", "does that work", "enough"]) {
        "Yes, that works: a real example told step by step is exactly what we want."
    } else {
        "Good question. I'm looking for one real example from your work, told step by step, so we can shape it into a strong interview answer."
    }
}

/// A reply to a message in another language.
pub const ENGLISH_ONLY: &str = "I can only interview in English for now, sorry.";
/// The question after [`ENGLISH_ONLY`].
pub const ENGLISH_QUESTION: &str = "Could you tell me about your work in English?";

/// Whether a text holds a figure (for the checks and the plan).
pub fn mentions_figure(text: &str) -> bool {
    text.split_whitespace().any(has_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interviewer::extract::facts;

    fn item(kind: ItemKind, text: &str) -> RecordItem {
        RecordItem {
            id: text.into(),
            kind,
            text: text.into(),
            message_id: None,
            story: 1,
            edited: false,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn messages_are_told_apart() {
        assert_eq!(classify("hi"), Intent::Greeting);
        assert_eq!(classify("Hello there!"), Intent::Greeting);
        assert_eq!(classify("Quick check, do you remember where I said I work?"), Intent::Recall);
        assert_eq!(classify("What do you mean?"), Intent::Question);
        assert_eq!(classify("not sure really"), Intent::Stuck);
        assert_eq!(classify("Ich arbeite als Krankenschwester und das ist nicht einfach."), Intent::OtherLanguage);
        assert_eq!(classify("私はエンジニアです"), Intent::OtherLanguage);
        assert_eq!(classify("I lead the payments team at Acme."), Intent::Answer);
    }

    #[test]
    fn the_acknowledgement_names_one_detail_in_the_second_person() {
        let found = facts("I'm a charge nurse at St Anne's Hospital.");
        assert_eq!(acknowledgement("", &found, &[], 0), "Thanks, a charge nurse role at St Anne's Hospital is useful context.");
        let found = facts("I led the migration of our billing system.");
        assert!(acknowledgement("", &found, &[], 0).contains("the migration of your billing system"));
    }

    #[test]
    fn a_message_without_facts_is_acknowledged_by_its_telling_words() {
        assert_eq!(keyphrase("My goal was zero downtime for the cutover.").as_deref(), Some("zero downtime"));
        assert_eq!(keyphrase("ok").as_deref(), None);
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

    #[test]
    fn a_recall_question_is_answered_from_the_record() {
        let record = [item(ItemKind::Role, "senior backend engineer"), item(ItemKind::Employer, "Acme Payments")];
        assert_eq!(recall("Do you remember where I said I work?", &record, &[]), "You told me you work at Acme Payments.");
        assert!(recall("What was my job title again?", &record, &[]).contains("senior backend engineer"));
        assert_eq!(recall("What was my job title again?", &[], &[]), "I don't think you've told me that yet.");
        let said = ["Our clinic sees about 240 patients a week, mostly knees and backs."];
        assert!(recall("How many patients did I say the clinic sees?", &[], &said).contains("240 patients"));
    }
}

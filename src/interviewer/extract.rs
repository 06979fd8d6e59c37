//! Facts for the career record, taken from one user message by rules: the
//! user's role and employer, what they built or ran, the difficulties, what
//! they did, the results and figures, the people and the skills. Only user
//! messages are read, so the interviewer's own words never enter the record.
//!
//! The rules favour precision: a fact the user did not state is worse than
//! one missed (the user can add nothing by hand, but can correct and delete).

use protocol::career::ItemKind;

use super::words::{Word, has_digit, sentences, words};

/// One fact found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub kind: ItemKind,
    pub text: String,
}

/// Longest fact kept, in words (a sentence-long result or action).
const MAX_CLAUSE_WORDS: usize = 16;
/// Longest role, employer or project phrase, in words.
const MAX_PHRASE_WORDS: usize = 7;

/// Words that end a job title ("senior backend *engineer*").
const ROLE_NOUNS: &[&str] = &[
    "engineer", "developer", "programmer", "manager", "nurse", "teacher", "designer", "analyst", "lead",
    "director", "scientist", "consultant", "representative", "rep", "executive", "accountant", "architect",
    "administrator", "specialist", "coordinator", "officer", "head", "founder", "intern", "assistant",
    "associate", "technician", "therapist", "physician", "doctor", "pharmacist", "lawyer", "recruiter",
    "marketer", "writer", "editor", "researcher", "professor", "lecturer", "tutor", "principal", "counselor",
    "counsellor", "clerk", "chef", "cook", "planner", "controller", "auditor", "banker", "trader", "agent",
    "advisor", "adviser", "vp", "cto", "ceo", "cfo", "coo", "pm", "sre", "owner", "supervisor", "paramedic",
    "midwife", "surgeon", "dentist", "librarian", "instructor", "strategist", "buyer", "producer", "partner",
    "bookkeeper", "operator", "mechanic", "electrician", "student", "generalist", "ux", "tester", "qa",
    "sdr", "bdr", "ae", "csm", "rn", "np", "gp", "hrbp", "worker", "practitioner", "estimator", "surveyor",
    "pilot", "attendant", "receptionist", "secretary", "caregiver", "carer", "dietitian", "optometrist",
];

/// Words that introduce a job title.
const ROLE_TRIGGERS: &[&[&str]] = &[
    &["i", "am"], &["i'm"], &["im"], &["i", "work", "as"], &["i", "worked", "as"], &["i", "was"],
    &["working", "as"], &["work", "as"], &["my", "role", "is"], &["my", "title", "is"], &["my", "job", "is"],
    &["i've", "been"], &["i", "have", "been"], &["as"], &["promoted", "to"], &["hired", "as"],
];

/// Words that end a phrase (a role, an employer, a project).
const PHRASE_STOPS: &[&str] = &[
    "at", "for", "with", "in", "on", "and", "who", "where", "since", "over", "to", "because", "which", "that",
    "so", "when", "after", "while", "by", "but", "from", "during", "until", "then", "about", "before", "into",
    "than", "as", "it", "this", "we", "i", "they", "there", "was", "were", "is", "are", "last", "recently",
    "lately", "yesterday", "today", "ago", "every", "each", "called", "named",
];

/// Verbs of something the user built or changed; their object is a project.
/// (Weak verbs such as "ran" or "started" take too many other objects.)
const PROJECT_VERBS: &[&str] = &[
    "built", "launched", "led", "migrated", "redesigned", "created", "designed", "implemented", "shipped",
    "introduced", "developed", "rebuilt", "automated", "rolled", "overhauled", "modernised", "modernized",
    "founded", "piloted", "restructured", "streamlined", "revamped", "established", "rewrote", "leading",
    "building", "migrating", "redesigning", "designing", "launching", "developing", "rewriting",
];

/// Verbs of something the user did.
const ACTION_VERBS: &[&str] = &[
    "led", "built", "wrote", "designed", "decided", "created", "launched", "organised", "organized", "ran",
    "negotiated", "trained", "mentored", "coached", "hired", "fixed", "debugged", "analysed", "analyzed",
    "proposed", "convinced", "presented", "rewrote", "migrated", "implemented", "introduced", "set",
    "started", "automated", "reduced", "cut", "talked", "called", "met", "interviewed", "planned",
    "prioritised", "prioritized", "escalated", "documented", "tested", "shipped", "redesigned", "taught",
    "managed", "coordinated", "pushed", "pitched", "closed", "streamlined", "reworked", "refactored",
    "investigated", "researched", "drafted", "created", "developed", "delivered", "rolled", "persuaded",
    "volunteered", "stepped", "took", "changed", "added", "removed", "replaced", "moved", "spoke", "asked",
    // What the user does day to day.
    "teach", "cover", "run", "manage", "handle", "support", "own", "oversee", "care", "serve", "sell", "book",
    "joined", "build", "write", "plan", "lead", "cook", "supervise", "train", "coach", "look", "work",
    "design", "analyse", "analyze", "treat", "prepare", "review", "maintain",
];

/// Words of an outcome.
const RESULT_WORDS: &[&str] = &[
    "reduced", "cut", "increased", "improved", "saved", "grew", "dropped", "raised", "won", "doubled",
    "halved", "tripled", "fewer", "faster", "lower", "higher", "boosted", "went", "promoted", "award",
    "awarded", "exceeded", "beat", "resulted", "outcome", "result", "decreased", "shortened", "eliminated",
    "achieved", "hit", "closed", "recovered", "retained", "generated", "sped",
];

/// Words of a difficulty.
const CHALLENGE_WORDS: &[&str] = &[
    "problem", "problems", "challenge", "challenging", "outage", "outages", "difficult", "hard", "struggled",
    "struggling", "issue", "issues", "bug", "bugs", "conflict", "deadline", "pressure", "shortage",
    "complaint", "complaints", "failing", "broke", "broken", "crisis", "risk", "behind", "overwhelmed",
    "understaffed", "incident", "incidents", "churn", "slow", "delays", "delayed", "obstacle", "pushback",
];

/// People the user works with ("my manager", "12 nurses").
const PEOPLE_NOUNS: &[&str] = &[
    "manager", "boss", "lead", "team", "director", "colleague", "colleagues", "mentor", "client", "clients",
    "customer", "customers", "patients", "patient", "students", "student", "reports", "engineers", "nurses",
    "teachers", "developers", "designers", "people", "staff", "stakeholders", "users", "pupils", "class",
    "cto", "ceo", "vp", "partner", "partners", "doctors", "analysts", "reps", "volunteers", "interns",
];

/// Skills, tools and methods recognised by name.
const SKILLS: &[&str] = &[
    "python", "rust", "java", "javascript", "typescript", "sql", "kubernetes", "docker", "aws", "gcp", "azure",
    "terraform", "kafka", "postgres", "postgresql", "mysql", "react", "vue", "angular", "node", "figma",
    "sketch", "excel", "salesforce", "hubspot", "tableau", "looker", "sap", "jira", "agile", "scrum", "kanban",
    "negotiation", "mentoring", "coaching", "budgeting", "forecasting", "triage", "spark", "airflow", "dbt",
    "golang", "c++", "c#", "swift", "kotlin", "graphql", "redis", "elasticsearch", "linux", "ansible",
    "prometheus", "grafana", "pytorch", "tensorflow", "photoshop", "illustrator", "quickbooks", "xero",
    "netsuite", "powerpoint", "epic", "cerner", "phlebotomy", "ci/cd", "okrs", "a/b", "seo", "sem",
    "copywriting", "usability", "accessibility", "prototyping", "modelling", "modeling", "auditing",
    "presenting", "public speaking", "power bi", "google ads", "machine learning", "data analysis",
    "project management", "stakeholder management", "user research", "financial modelling",
    "financial modeling", "lesson planning", "classroom management", "wound care", "medication management",
    "cold calling", "account management", "change management", "incident response",
];

/// The facts of one message.
pub fn facts(message: &str) -> Vec<Fact> {
    let mut found = Vec::new();
    for sentence in sentences(message) {
        let words = words(sentence);
        if words.is_empty() {
            continue;
        }
        roles(&words, &mut found);
        employers(&words, &mut found);
        projects(&words, &mut found);
        named(&words, &mut found);
        numbers(&words, &mut found);
        people(&words, &mut found);
        clauses(&words, &mut found);
    }
    skills(message, &mut found);
    let mut unique: Vec<Fact> = Vec::new();
    for fact in found {
        let key = fact.text.to_lowercase();
        if !unique.iter().any(|f| f.kind == fact.kind && f.text.to_lowercase() == key) {
            unique.push(fact);
        }
    }
    unique
}

fn push(found: &mut Vec<Fact>, kind: ItemKind, words: &[Word]) {
    let text = join(words);
    if !text.is_empty() {
        found.push(Fact { kind, text });
    }
}

fn join(words: &[Word]) -> String {
    words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
}

/// Index just after `pattern` when the words at `at` match it.
fn matches_at(words: &[Word], at: usize, pattern: &[&str]) -> Option<usize> {
    let end = at + pattern.len();
    (end <= words.len() && words[at..end].iter().zip(pattern).all(|(w, p)| w.lower == *p)).then_some(end)
}

/// A phrase from `start`: articles skipped at the front, stopping at a stop
/// word, a pause or `max` words.
fn phrase(words: &[Word], start: usize, max: usize) -> &[Word] {
    let mut from = start;
    while from < words.len() && matches!(words[from].lower.as_str(), "a" | "an" | "the") {
        from += 1;
    }
    let mut end = from;
    while end < words.len() && end - from < max && !PHRASE_STOPS.contains(&words[end].lower.as_str()) {
        end += 1;
        if words[end - 1].pause_after {
            break;
        }
    }
    &words[from..end]
}

fn roles(words: &[Word], found: &mut Vec<Fact>) {
    // A sentence that opens with a title: "Senior PM at Coralbyte, …".
    let opening = phrase(words, 0, 5);
    if let Some(last) = opening.iter().rposition(|w| ROLE_NOUNS.contains(&w.lower.as_str()))
        && last + 1 == opening.len()
        && words.get(opening.len()).is_some_and(|w| matches!(w.lower.as_str(), "at" | "for" | "with" | "in"))
        && !opening.iter().any(|w| {
            matches!(w.lower.as_str(), "i" | "we" | "my" | "our" | "i'm" | "im" | "i've" | "ive" | "i'd" | "as" | "hi" | "hey" | "hello" | "so" | "and")
        })
    {
        push(found, ItemKind::Role, opening);
    }
    for at in 0..words.len() {
        for trigger in ROLE_TRIGGERS {
            let Some(after) = matches_at(words, at, trigger) else { continue };
            let candidate = phrase(words, after, 5);
            // An acronym on its own is a title too ("I'm an SDR").
            if candidate.len() == 1 && is_acronym(&candidate[0].text) && at + trigger.len() < words.len() {
                push(found, ItemKind::Role, candidate);
                continue;
            }
            // The title ends at its last role noun ("backend engineer", not "engineer here").
            if let Some(last) = candidate.iter().rposition(|w| ROLE_NOUNS.contains(&w.lower.as_str())) {
                // "as a team" is not a title: the noun must not be a bare people word.
                let title = &candidate[..=last];
                if !(title.len() == 1 && matches!(title[0].lower.as_str(), "lead" | "head" | "owner" | "partner")) {
                    push(found, ItemKind::Role, title);
                }
            }
        }
    }
}

/// Whether a (lowercase) word ends a job title.
pub fn is_role_noun(word: &str) -> bool {
    ROLE_NOUNS.contains(&word)
}

fn is_acronym(word: &str) -> bool {
    (2..=5).contains(&word.len()) && word.chars().all(|c| c.is_ascii_uppercase() || c == '&') && word != "I"
}

fn employers(words: &[Word], found: &mut Vec<Fact>) {
    for at in 0..words.len() {
        let trigger = words[at].lower.as_str();
        // "for" and "with" name an employer only after work ("I work for", "a nurse with").
        let after_work = at > 0 && {
            let before = words[at - 1].lower.as_str();
            ROLE_NOUNS.contains(&before)
                || matches!(before, "work" | "worked" | "working" | "works" | "job" | "role" | "contract" | "consult" | "volunteer")
        };
        if !(matches!(trigger, "at" | "joined") || matches!(trigger, "for" | "with") && after_work) {
            continue;
        }
        let mut from = at + 1;
        if words.get(from).is_some_and(|w| w.lower == "the") {
            from += 1;
        }
        let mut end = from;
        while end < words.len() && end - from < MAX_PHRASE_WORDS {
            let word = &words[end];
            let capital = word.text.chars().next().is_some_and(char::is_uppercase);
            let joiner = matches!(word.lower.as_str(), "of" | "&" | "and") && end > from;
            if !(capital || joiner) || word.lower == "i" {
                break;
            }
            end += 1;
            if word.pause_after {
                break;
            }
        }
        while end > from && matches!(words[end - 1].lower.as_str(), "of" | "&" | "and") {
            end -= 1;
        }
        if end == from {
            lowercase_place(words, from, found);
            continue;
        }
        // A sentence-initial capital after "for" is no name; one capitalised
        // common word ("at Christmas") is rare enough to accept.
        if end > from && !words[from..end].iter().any(|w| MONTHS_AND_DAYS.contains(&w.lower.as_str())) {
            push(found, ItemKind::Employer, &words[from..end]);
        }
    }
}

/// Nouns that end the name of a workplace.
const PLACE_NOUNS: &[&str] = &[
    "vets", "hospital", "clinic", "school", "academy", "college", "university", "bank", "practice", "pharmacy",
    "surgery", "agency", "studio", "labs", "group", "partners", "solutions", "systems", "consulting", "foods",
    "logistics", "health", "care", "media", "motors", "cafe", "café", "bakery", "restaurant", "hotel", "council",
];

/// A workplace written in lowercase ("at bramble lane vets"): two to four
/// words ending with a place noun.
fn lowercase_place(words: &[Word], from: usize, found: &mut Vec<Fact>) {
    let mut end = from;
    while end < words.len() && end - from < 4 && !PHRASE_STOPS.contains(&words[end].lower.as_str()) && !matches!(words[end].lower.as_str(), "a" | "an") {
        end += 1;
        if PLACE_NOUNS.contains(&words[end - 1].lower.as_str()) && end - from >= 2 {
            let name: Vec<String> = words[from..end].iter().map(|w| super::words::capitalise(&w.lower)).collect();
            found.push(Fact { kind: ItemKind::Employer, text: name.join(" ") });
            return;
        }
        if words[end - 1].pause_after {
            return;
        }
    }
}

const MONTHS_AND_DAYS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "christmas", "easter", "q1", "q2", "q3", "q4",
];

/// Places and things named outright: "a practice called Riverside Vets",
/// "an app named Stride".
fn named(words: &[Word], found: &mut Vec<Fact>) {
    const PLACES: &[&str] = &[
        "practice", "clinic", "company", "hospital", "school", "firm", "agency", "shop", "store", "restaurant",
        "bank", "branch", "startup", "charity", "library", "council", "studio", "lab", "institute", "hotel",
        "business", "team", "ward", "surgery", "pharmacy", "office", "site", "warehouse",
    ];
    for at in 1..words.len() {
        let call = matches!(words[at].lower.as_str(), "call" | "calls") && matches!(words[at - 1].lower.as_str(), "we" | "they" | "i" | "everyone" | "people");
        if !(matches!(words[at].lower.as_str(), "called" | "named") || call) {
            continue;
        }
        let mut end = at + 1;
        while end < words.len() && end - at <= 4 && words[end].text.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()) {
            end += 1;
            if words[end - 1].pause_after {
                break;
            }
        }
        if end == at + 1 {
            continue;
        }
        // What was named: the noun just before "called" ("the app called …").
        let before = if call { at - 1 } else { at };
        let noun = words[..before].iter().rev().take(3).find(|w| w.lower.len() >= 3).map(|w| w.lower.as_str()).unwrap_or_default();
        let kind = if PLACES.contains(&noun) { ItemKind::Employer } else { ItemKind::Project };
        push(found, kind, &words[at + 1..end]);
    }
}

fn projects(words: &[Word], found: &mut Vec<Fact>) {
    for at in 0..words.len() {
        let verb = words[at].lower.as_str();
        let on = verb == "on" && at > 0 && matches!(words[at - 1].lower.as_str(), "worked" | "working" | "work");
        if !(PROJECT_VERBS.contains(&verb) || on) {
            continue;
        }
        // "rolled out", "set up": skip the particle.
        let mut start = at + 1;
        if words.get(start).is_some_and(|w| matches!(w.lower.as_str(), "out" | "up")) {
            start += 1;
        }
        if words.get(start).is_some_and(|w| matches!(w.lower.as_str(), "it" | "them" | "this" | "that" | "to")) {
            continue;
        }
        let object = phrase(words, start, MAX_PHRASE_WORDS);
        // A project is a noun phrase of at least two words ("the checkout redesign").
        if object.len() >= 2 || object.first().is_some_and(|w| w.text.chars().next().is_some_and(char::is_uppercase)) {
            push(found, ItemKind::Project, object);
        }
    }
}

/// Figures, each with the words around it ("My quota this year is $1.8M"):
/// a bare number means nothing when asked about later.
fn numbers(words: &[Word], found: &mut Vec<Fact>) {
    let mut last_end = 0;
    for (at, word) in words.iter().enumerate() {
        if !has_digit(&word.text) || at < last_end {
            continue;
        }
        // A year is a date, worth keeping when it dates something ("joined in 2019").
        let year = word.text.len() == 4 && word.text.parse::<u32>().is_ok_and(|y| (1950..=2100).contains(&y));
        if year && !(at > 0 && matches!(words[at - 1].lower.as_str(), "in" | "since" | "from" | "until")) {
            continue;
        }
        let start = at.saturating_sub(7);
        let end = (at + 5).min(words.len());
        last_end = end;
        push(found, ItemKind::Number, &words[start..end]);
    }
}

fn people(words: &[Word], found: &mut Vec<Fact>) {
    for at in 0..words.len() {
        let word = words[at].lower.as_str();
        if matches!(word, "my" | "our") && words.get(at + 1).is_some_and(|w| PEOPLE_NOUNS.contains(&w.lower.as_str())) {
            let mut end = at + 2;
            // "my team of 12 engineers"
            if words.get(end).is_some_and(|w| w.lower == "of") && words.get(end + 1).is_some_and(|w| has_digit(&w.text)) {
                end = (end + 3).min(words.len());
            }
            push(found, ItemKind::Person, &words[at..end]);
        } else if has_digit(word)
            && words.get(at + 1).is_some_and(|w| PEOPLE_NOUNS.contains(&w.lower.as_str()))
            && !(at > 0 && words[at - 1].lower == "of")
        {
            push(found, ItemKind::Person, &words[at..at + 2]);
        }
    }
}

/// Whole clauses: challenges, actions (what "I" did) and results.
fn clauses(words: &[Word], found: &mut Vec<Fact>) {
    let lower: Vec<&str> = words.iter().map(|w| w.lower.as_str()).collect();
    let clause = &words[..words.len().min(MAX_CLAUSE_WORDS)];
    let first_person_action = lower
        .windows(2)
        .any(|pair| matches!(pair[0], "i" | "we") && ACTION_VERBS.contains(&pair[1]));
    let result = lower.iter().any(|w| RESULT_WORDS.contains(w))
        && (lower.iter().any(|w| has_digit(w)) || lower.iter().any(|w| matches!(*w, "promoted" | "award" | "awarded" | "won")));
    if result {
        push(found, ItemKind::Result, clause);
    } else if lower.iter().any(|w| CHALLENGE_WORDS.contains(w)) && words.len() >= 4 {
        push(found, ItemKind::Challenge, clause);
    }
    if first_person_action && !result {
        let from = lower
            .windows(2)
            .position(|pair| matches!(pair[0], "i" | "we") && ACTION_VERBS.contains(&pair[1]))
            .unwrap_or(0);
        let end = words.len().min(from + MAX_CLAUSE_WORDS);
        push(found, ItemKind::Action, &words[from..end]);
    }
}

fn skills(message: &str, found: &mut Vec<Fact>) {
    let lower = format!(" {} ", message.to_lowercase().replace([',', '.', '(', ')', ';', ':', '!', '?'], " "));
    for skill in SKILLS {
        if lower.contains(&format!(" {skill} ")) {
            // As the user wrote it, when the case differs ("Kubernetes", "SQL").
            let text = original_case(message, skill).unwrap_or_else(|| (*skill).to_owned());
            found.push(Fact { kind: ItemKind::Skill, text });
        }
    }
}

fn original_case(message: &str, lower: &str) -> Option<String> {
    let haystack = message.to_lowercase();
    let at = haystack.find(lower)?;
    // Lowercasing ASCII keeps byte offsets; anything else falls back to the list's spelling.
    (haystack.len() == message.len()).then(|| message.get(at..at + lower.len()).map(str::to_owned)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(kind: ItemKind, message: &str) -> Vec<String> {
        facts(message).into_iter().filter(|f| f.kind == kind).map(|f| f.text).collect()
    }

    #[test]
    fn a_role_and_an_employer_are_found_in_an_introduction() {
        let message = "I'm a senior backend engineer at Acme Payments, where I've worked for eight years.";
        assert_eq!(of(ItemKind::Role, message), ["senior backend engineer"]);
        assert_eq!(of(ItemKind::Employer, message), ["Acme Payments"]);
        assert_eq!(of(ItemKind::Role, "I work as a charge nurse on a cardiac ward."), ["charge nurse"]);
        assert!(of(ItemKind::Role, "I'm proud of the work we did.").is_empty());
    }

    #[test]
    fn projects_results_and_numbers_come_from_what_the_user_did() {
        let message = "I led the migration of our billing system to Kubernetes. It cut deploy time by 40%.";
        assert_eq!(of(ItemKind::Project, message), ["migration of our billing system"]);
        assert_eq!(of(ItemKind::Number, message), ["It cut deploy time by 40%"], "a figure keeps its words");
        assert_eq!(of(ItemKind::Result, message), ["It cut deploy time by 40%"]);
        assert_eq!(of(ItemKind::Skill, message), ["Kubernetes"]);
        assert!(of(ItemKind::Action, message)[0].starts_with("I led the migration"));
    }

    #[test]
    fn people_and_challenges_are_kept_in_the_users_words() {
        let message = "My team of 12 nurses was understaffed all winter. My manager asked me to fix the rota.";
        assert_eq!(of(ItemKind::Person, message), ["My team of 12 nurses", "My manager"]);
        assert_eq!(of(ItemKind::Challenge, message), ["My team of 12 nurses was understaffed all winter"]);
    }

    #[test]
    fn an_acronym_title_and_a_dated_fact_are_kept() {
        assert_eq!(of(ItemKind::Role, "I'm an SDR at Pinecrest Analytics."), ["SDR"]);
        assert_eq!(of(ItemKind::Number, "I joined Coralbyte in 2019 as a PM."), ["I joined Coralbyte in 2019 as a PM"]);
        assert!(of(ItemKind::Number, "It was 2019.").is_empty());
        assert_eq!(of(ItemKind::Action, "I'm a pharmacist and I cover the oncology wards."), ["I cover the oncology wards"]);
    }

    #[test]
    fn what_is_named_outright_is_kept() {
        assert_eq!(of(ItemKind::Employer, "I'm a vet nurse at a small practice called Riverside Vets."), ["Riverside Vets"]);
        assert_eq!(of(ItemKind::Project, "I work on an app called Stride Pay, mostly iOS."), ["Stride Pay"]);
        assert_eq!(of(ItemKind::Project, "I study a transporter we call NorQ."), ["NorQ"]);
        assert_eq!(of(ItemKind::Employer, "hi im a vet nurse at bramble lane vets"), ["Bramble Lane Vets"]);
    }

    #[test]
    fn a_greeting_or_a_question_holds_no_facts() {
        assert!(facts("hi").is_empty());
        assert!(facts("What do you mean?").is_empty());
    }
}

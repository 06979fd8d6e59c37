//! STAR: which clauses of an answer state its Situation, Task, Action and
//! Result, and the words that show it. Deterministic rules over clauses,
//! checked against the labelled set in `benches/measures/` (`GUIDE.md` says
//! what each part means there).
//!
//! 1. **Clauses.** An answer is cut at sentence stops, and at commas,
//!    semicolons, dashes and (in unpunctuated speech) plain words where a new
//!    clause starts: a conjunction or discourse marker ("and then", "so",
//!    "but", "which", "after that"…) followed by a subject, or "which"/"so
//!    that" on its own. Fillers are skipped.
//! 2. **Each clause gets at most one part**, the first that applies:
//!    - *Task*: the candidate's goal, duty or constraint ("I had to", "my job
//!      was", "the goal", "it landed on me", "the deadline", "asked me to").
//!    - *Result*: an outcome marker ("in the end", "after that", "since
//!      then", "which meant"), a measured change ("30%", "by a third", "from
//!      two hours to ten minutes", "3x"), an outcome verb whose subject is not
//!      the candidate ("the pages stopped", "errors dropped"), or a lesson
//!      ("I learned", "taught me", "next time"). An outcome verb with the
//!      candidate as subject ("we cut the build time") is a result once an
//!      action has been told, an action before.
//!    - *Action*: the candidate or their team doing something in the past
//!      ("I owned the incident", "we rolled back", "so I sat down with her"),
//!      with up to two adverbs between ("I then quickly wrote"), or a passive
//!      deed ("the queries were rewritten"). Habits and hypotheticals ("I
//!      usually", "I would") are not.
//!    - *Situation*: a setting ("last spring", "at my last job", "when I
//!      joined", "in 2021"), a state of affairs ("there was", "we had this",
//!      "the checkout was timing out"), when it comes before the first action.
//! 3. A part is present when one clause carries it; each cue quotes the
//!    clause and the words that decided it.
//! 4. With the local embedding model, every clause is then read again by the
//!    learned reader ([`super::star_reader`]), which weighs the rules' verdict
//!    with the clause's meaning and place.

use std::ops::Range;
use std::sync::LazyLock;

use protocol::analysis::{Star, StarCue, StarPart};

use super::phrases::{PhraseSet, WordSet};
use super::star_words::{
    ADVERBS, AGENTS, BACK_THEN, CLAUSE_OPENERS, DISCOVERY, IRREGULAR_DEEDS, IRREGULAR_PAST, NOT_DEEDS, OUTCOME_VERBS, RESULT_CUES,
    SITUATION_CUES, SLIPS, STATE_VERBS, SUBJECTS, TASK_CUES,
};
use super::star_reader::StarReader;
use super::tokens::{Token, round, truncate};

/// Longest quote of a clause in a cue, in characters.
const QUOTE_CHARS: usize = 160;

/// A clause of an answer and the STAR part it states.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// Token indices `first..end` of the clause (fillers inside included).
    pub tokens: Range<usize>,
    pub part: Option<StarPart>,
    /// The words that decided the part (lower case).
    pub trigger: String,
}

struct Sets {
    task: PhraseSet,
    result: PhraseSet,
    situation: PhraseSet,
    outcome: WordSet<&'static str>,
    state: WordSet<&'static str>,
    irregular: WordSet<&'static str>,
    adverbs: WordSet<&'static str>,
    agents: WordSet<&'static str>,
    not_deeds: WordSet<&'static str>,
    openers: WordSet<&'static str>,
    slips: WordSet<&'static str>,
    back_then: PhraseSet,
    discovery: PhraseSet,
    past: WordSet<&'static str>,
    subjects: WordSet<&'static str>,
}

static SETS: LazyLock<Sets> = LazyLock::new(|| Sets {
    task: PhraseSet::new(TASK_CUES),
    result: PhraseSet::new(RESULT_CUES),
    situation: PhraseSet::new(SITUATION_CUES),
    outcome: set(OUTCOME_VERBS),
    state: set(STATE_VERBS),
    irregular: set(IRREGULAR_DEEDS),
    adverbs: set(ADVERBS),
    agents: set(AGENTS),
    not_deeds: set(NOT_DEEDS),
    openers: set(CLAUSE_OPENERS),
    slips: set(SLIPS),
    back_then: PhraseSet::new(BACK_THEN),
    discovery: PhraseSet::new(DISCOVERY),
    past: IRREGULAR_DEEDS.iter().chain(IRREGULAR_PAST).chain(STATE_VERBS).copied().collect(),
    subjects: set(SUBJECTS),
});

fn set(words: &[&'static str]) -> WordSet<&'static str> {
    words.iter().copied().collect()
}

/// The clauses of tokens `first..end` with their STAR parts; `filler[i]`
/// marks tokens to skip.
pub fn clauses(tokens: &[Token], filler: &[bool], first: usize, end: usize) -> Vec<Clause> {
    let kept: Vec<usize> = (first..end).filter(|&i| !filler[i]).collect();
    let ranges = split(tokens, &kept);
    let words: Vec<Vec<&str>> = ranges.iter().map(|r| kept[r.clone()].iter().map(|&i| tokens[i].norm.as_str()).collect()).collect();
    // What comes before the task is the set-up, deeds included ("We launched
    // a campaign…, then I had to decide…"), unless a result came first.
    let first_task = words.iter().position(|w| task(w).is_some());
    let first_result = words.iter().position(|w| !SETS.result.find_all(w).is_empty());
    let setup_until = first_task.filter(|&t| first_result.is_none_or(|r| r > t)).unwrap_or(0);
    let mut clauses = Vec::new();
    let mut phase = Phase::Setting;
    for (k, (range, words)) in ranges.iter().zip(&words).enumerate() {
        let (mut part, trigger) = classify(words, phase);
        if k < setup_until && part == Some(StarPart::Action) {
            part = Some(StarPart::Situation);
        }
        if part == Some(StarPart::Action) {
            phase = Phase::Acting;
        }
        let indices = &kept[range.clone()];
        let span = indices[0]..indices[indices.len() - 1] + 1;
        clauses.push(Clause { tokens: span, part, trigger });
    }
    clauses
}

/// The STAR parts of tokens `first..end`: one cue per clause that states a
/// part, quoting it.
/// With a `reader`, each clause is read again by the learned reader
/// ([`super::star_reader`]); if that fails the rules stand.
pub fn star(tokens: &[Token], filler: &[bool], first: usize, end: usize, reader: Option<&StarReader>) -> Star {
    let mut clauses = clauses(tokens, filler, first, end);
    if let Some(reader) = reader {
        let texts: Vec<String> = clauses.iter().map(|c| words_of(tokens, c)).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        if let Err(error) = reader.reread(&mut clauses, &texts) {
            tracing::warn!(error = format!("{error:#}"), "the learned STAR reader failed; the rules stand");
        }
    }
    let cues: Vec<StarCue> = clauses
        .iter()
        .filter_map(|clause| {
            let part = clause.part?;
            Some(StarCue {
                part,
                phrase: clause.trigger.clone(),
                quote: truncate(&words_of(tokens, clause), QUOTE_CHARS),
                at_secs: round(tokens[clause.tokens.start].start, 2),
            })
        })
        .collect();
    let has = |part| cues.iter().any(|cue| cue.part == part);
    Star {
        situation: has(StarPart::Situation),
        task: has(StarPart::Task),
        action: has(StarPart::Action),
        result: has(StarPart::Result),
        cues,
    }
}

/// A clause's words as said (the quote of its cue, and what the learned
/// reader reads).
pub fn words_of(tokens: &[Token], clause: &Clause) -> String {
    clause.tokens.clone().map(|i| tokens[i].surface.as_str()).collect::<Vec<_>>().join(" ")
}

/// The STAR parts of a whole text's tokens, its fillers skipped.
pub fn star_of_text(tokens: &[Token], reader: Option<&StarReader>) -> Star {
    let hits = super::fillers::find(tokens, &vec![true; tokens.len()]);
    let filler = super::fillers::mask(&hits, tokens.len());
    star(tokens, &filler, 0, tokens.len(), reader)
}

/// Ranges into `kept` (token indices without fillers), one per clause.
fn split(tokens: &[Token], kept: &[usize]) -> Vec<Range<usize>> {
    let sets = &*SETS;
    let word = |k: usize| kept.get(k).map_or("", |&i| tokens[i].norm.as_str());
    let mut ranges = Vec::new();
    let mut start = 0;
    for k in 1..kept.len() {
        let previous = &tokens[kept[k - 1]];
        let (here, next) = (word(k), word(k + 1));
        // "…before the audit" stays with its clause; "…and I…" starts one.
        let subordinate = matches!(here, "before" | "after" | "until" | "when" | "while" | "since" | "once" | "because" | "although" | "though");
        let opener_then_subject =
            sets.openers.contains(here) && !subordinate && (sets.subjects.contains(next) || sets.openers.contains(next));
        let boundary = previous.stop_after
            || (previous.comma_after && (sets.subjects.contains(here) || sets.openers.contains(here)))
            || (k - start >= 3 && (opener_then_subject || here == "which" || (here == "so" && next == "that")));
        if boundary {
            ranges.push(start..k);
            start = k;
        }
    }
    if start < kept.len() {
        ranges.push(start..kept.len());
    }
    ranges
}

/// Where the story is: still setting the scene, or telling what was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Setting,
    Acting,
}

/// The part a clause states in `phase` and the words that decided it.
fn classify(words: &[&str], phase: Phase) -> (Option<StarPart>, String) {
    let sets = &*SETS;
    if let Some(found) = task(words) {
        return (Some(StarPart::Task), found);
    }
    if let Some(found) = sets.result.find_all(words).first() {
        return (Some(StarPart::Result), found.phrase.to_owned());
    }
    if phase == Phase::Acting
        && let Some(last) = words.last().filter(|w| matches!(**w, "now" | "since" | "today" | "afterwards"))
    {
        return (Some(StarPart::Result), (*last).to_owned());
    }
    if let Some(found) = sets.back_then.find_all(words).first() {
        return (Some(StarPart::Situation), found.phrase.to_owned());
    }
    let deed = deed(words);
    let measured = measured_change(words);
    match phase {
        Phase::Setting => {
            if let Some(found) = sets.situation.find_all(words).first() {
                return (Some(StarPart::Situation), found.phrase.to_owned());
            }
            if let Some(year) = words.iter().find(|w| is_year(w)) {
                return (Some(StarPart::Situation), (*year).to_owned());
            }
            if let Some((_, phrase)) = deed {
                if let Some(slip) = words.iter().find(|w| SETS.slips.contains(**w)) {
                    return (Some(StarPart::Situation), (*slip).to_owned());
                }
                if let Some(found) = sets.discovery.find_all(words).first() {
                    return (Some(StarPart::Situation), found.phrase.to_owned());
                }
                return match measured {
                    Some(measured) => (Some(StarPart::Result), measured),
                    None => (Some(StarPart::Action), phrase),
                };
            }
            if let Some(measured) = measured {
                return (Some(StarPart::Result), measured);
            }
            if let Some(state) = finite_past(words) {
                return (Some(StarPart::Situation), state.to_owned());
            }
            (None, String::new())
        }
        Phase::Acting => {
            if let Some(measured) = measured {
                return (Some(StarPart::Result), measured);
            }
            if let Some(verb) = outcome(words) {
                let by_agent = deed.as_ref().is_some_and(|(_, phrase)| phrase.ends_with(verb));
                if !by_agent {
                    return (Some(StarPart::Result), verb.to_owned());
                }
            }
            if let Some((at, phrase)) = deed {
                // "we shipped on the Thursday", "we went live": the deeds that end a story.
                let completes = matches!(words[at], "shipped" | "launched" | "delivered" | "finished" | "completed" | "won" | "released" | "recovered" | "reached" | "exceeded" | "beat" | "passed" | "ended")
                    || (words[at] == "went" && words.get(at + 1).is_some_and(|w| matches!(*w, "live" | "out")))
                    || (matches!(words[at], "hit" | "met" | "made") && words[at + 1..].iter().any(|w| matches!(*w, "target" | "deadline" | "quota" | "goal" | "date")));
                let part = if completes { StarPart::Result } else { StarPart::Action };
                return (Some(part), phrase);
            }
            if let Some(phrase) = passive_deed(words) {
                return (Some(StarPart::Action), phrase);
            }
            // Something that happened to others once the candidate acted ("nobody complained").
            if !words.iter().any(|w| SETS.agents.contains(*w))
                && let Some(verb) = finite_past(words).filter(|v| !matches!(*v, "had" | "said" | "told" | "asked"))
            {
                return (Some(StarPart::Result), verb.to_owned());
            }
            // "…and restored the table": a deed whose subject is the clause before's.
            let verb = words.iter().find(|w| !sets.openers.contains(**w) && !sets.adverbs.contains(**w));
            if let Some(verb) = verb.filter(|v| (sets.irregular.contains(**v) || is_regular_past(v)) && !sets.state.contains(**v)) {
                return (Some(StarPart::Action), (*verb).to_owned());
            }
            (None, String::new())
        }
    }
}

/// A task: a task phrase, or someone wanting something done by a time ("my
/// manager wanted it live before the sale"), or a span of time to do it in
/// ("we had two weeks to…").
fn task(words: &[&str]) -> Option<String> {
    if let Some(found) = SETS.task.find_all(words).first() {
        return Some(found.phrase.to_owned());
    }
    let wanted = words.iter().position(|w| matches!(*w, "wanted" | "needed" | "expected" | "asked"));
    if let Some(at) = wanted {
        let deadline = words[at..].iter().any(|w| matches!(*w, "by" | "before" | "within" | "inside"));
        // "needed it under a hundred", "wanted it fixed": a bar to reach.
        let bar = matches!(words[at], "wanted" | "needed")
            && words[at + 1..].iter().take(4).any(|w| matches!(*w, "under" | "below" | "over" | "above" | "done" | "fixed" | "live" | "ready" | "finished"));
        if deadline || bar {
            return Some(words[at].to_owned());
        }
    }
    // "we had two weeks to", "which left us eleven working days", "gave me about five months".
    words.iter().enumerate().find_map(|(at, w)| {
        if !matches!(*w, "had" | "have" | "got" | "gave" | "left") {
            return None;
        }
        let rest: Vec<&str> = words[at + 1..]
            .iter()
            .copied()
            .filter(|w| !matches!(*w, "me" | "us" | "about" | "only" | "just" | "roughly" | "around" | "working" | "business"))
            .take(2)
            .collect();
        let [count, unit] = rest.as_slice() else { return None };
        let unit = matches!(*unit, "days" | "weeks" | "months" | "hours" | "minutes" | "day" | "week" | "month");
        ((is_number(count) || is_number_word(count)) && unit).then(|| format!("{w} {count}"))
    })
}

/// A finite past tense in the clause ("was", "had", "we lost"), not a
/// participle after an auxiliary ("is built", "I've used") nor a clause of
/// conditions ("if you've got…").
fn finite_past<'a>(words: &[&'a str]) -> Option<&'a str> {
    if words.iter().any(|w| matches!(*w, "if" | "unless")) {
        return None;
    }
    words.iter().enumerate().find_map(|(at, word)| {
        let past = SETS.past.contains(*word) || is_regular_past(word);
        let before = if at == 0 { "" } else { words[at - 1] };
        let auxiliary = matches!(
            before,
            "is" | "are" | "be" | "been" | "being" | "have" | "has" | "i've" | "we've" | "you've" | "they've"
                | "it's" | "get" | "gets" | "to" | "will" | "would" | "can" | "i'd" | "we'd" | "you'd" | "am"
                | "i'm" | "we're" | "they're" | "you're" | "he's" | "she's" | "already" | "things" | "you" | ""
        );
        // Present and past alike ("read", "put"): past only after a pronoun.
        let ambiguous = matches!(*word, "read" | "put" | "set" | "cut" | "let" | "hit" | "shut" | "split" | "spread");
        let pronoun = matches!(before, "i" | "we" | "he" | "she" | "they" | "it");
        (past && !auxiliary && (!ambiguous || pronoun) && !matches!(*word, "could" | "used")).then_some(*word)
    })
}

/// "I …ed" / "we …ed": the candidate or their team doing something, up to two
/// adverbs between subject and verb. Returns the verb's index and the phrase.
fn deed(words: &[&str]) -> Option<(usize, String)> {
    let sets = &*SETS;
    for (at, word) in words.iter().enumerate() {
        if !sets.agents.contains(word) {
            continue;
        }
        let mut k = at + 1;
        while k < words.len() && k <= at + 3 && sets.adverbs.contains(words[k]) {
            k += 1;
        }
        let Some(verb) = words.get(k) else { continue };
        if sets.not_deeds.contains(verb) || sets.state.contains(verb) {
            continue;
        }
        let auxiliary_did = *verb == "did" && words.get(k + 1).is_some_and(|next| matches!(*next, "have" | "not" | "get" | "go" | "make" | "take" | "know" | "want" | "try" | "see" | "manage"));
        if (sets.irregular.contains(verb) || is_regular_past(verb)) && !auxiliary_did {
            return Some((k, format!("{word} {verb}")));
        }
    }
    None
}

/// "… was rewritten", "… were added": a deed told in the passive.
fn passive_deed(words: &[&str]) -> Option<String> {
    let sets = &*SETS;
    words.windows(2).find_map(|pair| {
        let [aux, verb] = pair else { return None };
        let deed = matches!(*aux, "was" | "were" | "got")
            && (is_regular_past(verb) || sets.irregular.contains(verb))
            && !sets.state.contains(verb)
            && !matches!(*verb, "supposed" | "used" | "worried" | "tired" | "excited" | "scared" | "based" | "involved" | "interested" | "located" | "stressed" | "frustrated" | "overwhelmed" | "surprised" | "disappointed" | "concerned" | "annoyed" | "understaffed" | "promoted");
        deed.then(|| format!("{aux} {verb}"))
    })
}

/// The first outcome verb of a clause.
fn outcome<'a>(words: &[&'a str]) -> Option<&'a str> {
    words.iter().find(|w| SETS.outcome.contains(*w)).copied()
}

/// A measured change: `30%`, `3x`, `30 percent`, `3 times`, "by a third",
/// "by half", "from … to …" with a number.
fn measured_change(words: &[&str]) -> Option<String> {
    for (at, word) in words.iter().enumerate() {
        let next = words.get(at + 1).copied().unwrap_or("");
        let after = words.get(at + 2).copied().unwrap_or("");
        if is_number(word) {
            let bare = word.trim_end_matches(['%', 'x']);
            if bare.len() < word.len() && !bare.is_empty() {
                return Some((*word).to_owned());
            }
            if matches!(next, "percent" | "times" | "x" | "fold") || (next == "per" && after == "cent") {
                return Some(format!("{word} {next}"));
            }
        }
        if *word == "by" && (matches!(next, "half" | "a") && matches!(after, "third" | "quarter" | "half" | "fifth" | "" ) || matches!(next, "half")) {
            return Some(format!("by {next} {after}").trim().to_owned());
        }
        if (is_number(word) || is_number_word(word)) && matches!(next, "percent" | "times" | "fold") {
            return Some(format!("{word} {next}"));
        }
        if *word == "from" && (is_number(next) || is_number_word(next)) && words[at + 2..].iter().take(5).any(|w| *w == "to") {
            return Some(format!("from {next}"));
        }
    }
    None
}

fn is_number(word: &str) -> bool {
    let digits = word.trim_end_matches(['%', 'x', 'k', 'm']).trim_start_matches(['$', '£', '€']);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

fn is_number_word(word: &str) -> bool {
    matches!(
        word,
        "two" | "three" | "four" | "five" | "six" | "seven" | "eight" | "nine" | "ten" | "eleven" | "twelve"
            | "fifteen" | "twenty" | "thirty" | "forty" | "fifty" | "sixty" | "seventy" | "eighty" | "ninety"
            | "hundred" | "thousand" | "million" | "half" | "a"
    )
}

fn is_year(word: &str) -> bool {
    word.len() == 4 && word.chars().all(|c| c.is_ascii_digit()) && (word.starts_with("19") || word.starts_with("20"))
}

/// A regular past tense: "-ed" on a stem of at least three letters.
fn is_regular_past(word: &str) -> bool {
    word.len() >= 5 && word.ends_with("ed") && word.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::synthetic::transcript_from_text;
    use crate::analysis::tokens::from_transcript;

    fn parts(answer: &str) -> Vec<(Option<StarPart>, String)> {
        let tokens = from_transcript(&transcript_from_text(answer));
        let filler = vec![false; tokens.len()];
        clauses(&tokens, &filler, 0, tokens.len())
            .into_iter()
            .map(|c| (c.part, c.tokens.map(|i| tokens[i].norm.clone()).collect::<Vec<_>>().join(" ")))
            .collect()
    }

    #[test]
    fn a_failure_story_told_plainly_has_situation_action_and_result() {
        let star_of = |text: &str| {
            let tokens = from_transcript(&transcript_from_text(text));
            star(&tokens, &vec![false; tokens.len()], 0, tokens.len(), None)
        };
        let star = star_of(
            "Last spring I pushed a migration without a rollback plan. I owned the incident, restored the table \
             from the backup and wrote the post-mortem. We were back up within forty minutes, and since then every \
             migration ships with a rollback script.",
        );
        assert!(star.situation && star.action && star.result, "{star:?}");
        assert!(!star.task, "{star:?}");
        let action = star.cues.iter().find(|c| c.part == StarPart::Action).unwrap();
        assert_eq!(action.phrase, "i owned");
        assert!(action.quote.starts_with("I owned the incident"), "{action:?}");
    }

    #[test]
    fn unpunctuated_speech_is_cut_into_clauses_at_conjunctions_with_a_subject() {
        let found = parts("so we had this outage on friday and i had to get checkout back up and i rolled back the release and after that the errors stopped");
        let labels: Vec<Option<StarPart>> = found.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            labels,
            vec![Some(StarPart::Situation), Some(StarPart::Task), Some(StarPart::Action), Some(StarPart::Result)],
            "{found:?}"
        );
    }

    #[test]
    fn a_task_can_be_someone_wanting_it_done_by_a_time_or_to_a_bar() {
        for text in ["The regional manager wanted it fixed before the audit.", "The product team needed it under a hundred milliseconds.", "We had two weeks to redesign the signup flow."] {
            assert_eq!(parts(text)[0].0, Some(StarPart::Task), "{text}: {:?}", parts(text));
        }
    }

    #[test]
    fn habits_and_hypotheticals_are_not_actions() {
        let found = parts("I usually review the plan first. I would talk to the team.");
        assert!(found.iter().all(|(p, _)| *p != Some(StarPart::Action)), "{found:?}");
    }

    #[test]
    fn an_outcome_verb_is_an_action_before_any_action_and_a_result_after() {
        let found = parts("I cut the build in two. Then the build time dropped to four minutes.");
        assert_eq!(found[0].0, Some(StarPart::Action), "{found:?}");
        assert_eq!(found[1].0, Some(StarPart::Result), "{found:?}");
    }

    #[test]
    fn measured_changes_are_results() {
        for text in ["Errors fell by 80 percent.", "Costs went down by a third.", "It took 3x less time.", "We went from 40 tickets to 12."] {
            assert_eq!(parts(text)[0].0, Some(StarPart::Result), "{text}");
        }
    }
}

//! Structure: which sentences are the interviewer's questions, which speech
//! answers them, and whether each answer tells a STAR story.
//!
//! There are no speaker labels, so questions are found from their wording:
//! - A sentence is a **question** when it starts (after fillers and openers
//!   such as "so", "okay", "great") with an interrogative lead from
//!   [`QUESTION_LEADS`] ("tell me about", "walk me through", "can you",
//!   "why do you"…), or when it ends in `?`, has at least three words, is not
//!   a tag ("…, right?", "…, you know?") and is not rhetorical (it speaks of
//!   "I/my/we" but never of "you": "What did I do?").
//! - Consecutive question sentences form one question ("Great. Tell me about
//!   a project. What was hard about it?").
//! - An **answer** is the speech after a question up to the next question.
//!   Speech before the first question is not an answer. Question sentences are
//!   the interviewer's: speech and tone metrics leave them out.
//! - With **no question found** (EC12), the whole transcript is one answer
//!   without a question and STAR analysis is skipped.
//!
//! A question is **behavioural** (its answer should follow STAR) when it
//! contains a story cue from [`BEHAVIORAL_CUES`] ("tell me about a time", "give
//! me an example", "have you ever"…). In a behavioural interview every
//! question is, except the openers and motivation questions in
//! [`NON_STORY_QUESTIONS`] ("tell me about yourself", "why do you want…").
//!
//! Each answer's **STAR parts** are read clause by clause ([`super::star`]);
//! each element present earns 25 points: the STAR score is 0, 25, 50, 75 or 100.

use std::sync::LazyLock;

use protocol::analysis::{Answer, Question, Star, StructureAnalysis};
use protocol::interview::InterviewType;
use protocol::speakers::SpeakerRole;

use super::Context;
use super::fillers::hesitation;
use super::phrases::PhraseSet;
use super::star_reader::StarReader;
use super::tokens::{Sentence, Token, quote, round};

/// Openings that make a sentence a question.
pub const QUESTION_LEADS: &[&str] = &[
    "tell me about",
    "tell me",
    "tell us about",
    "tell us",
    "describe",
    "walk me through",
    "walk us through",
    "talk me through",
    "can you",
    "could you",
    "would you",
    "will you",
    "how would you",
    "what would you",
    "why do you",
    "why did you",
    "why are you",
    "why would you",
    "why should we",
    "give me an example",
    "give us an example",
    "what is your",
    "what's your",
    "what are your",
    "what was your",
    "what were your",
    "how do you",
    "how did you",
    "how have you",
    "have you ever",
    "what do you",
    "what did you",
    "where do you",
    "when did you",
    "do you have",
    "do you",
    "did you",
    "are you",
    "explain",
    "share an example",
    "what makes you",
    "what motivates you",
    "how would your",
    "how many",
    "how much",
];

/// Words that may precede a question lead ("So, tell me…", "Okay, can you…").
const OPENERS: &[&str] = &[
    "so", "okay", "ok", "great", "alright", "right", "and", "now", "next", "well", "cool",
    "thanks", "perfect", "good", "then", "also", "lastly", "finally",
];

/// Tags that turn a statement into a question ("…, right?").
const TAGS: &[&str] = &[
    "right", "okay", "ok", "yeah", "huh", "eh", "no", "correct", "yes",
];

const FIRST_PERSON: &[&str] = &[
    "i", "i'm", "i've", "i'd", "i'll", "my", "me", "we", "our", "us", "we're", "we've",
];
const SECOND_PERSON: &[&str] = &[
    "you", "your", "you're", "you've", "you'd", "you'll", "yourself",
];

/// Phrases that mark a question asking for a story.
pub const BEHAVIORAL_CUES: &[&str] = &[
    "a time when",
    "a time you",
    "a time where",
    "a time that",
    "an example of",
    "an example",
    "give me an example",
    "describe a situation",
    "a situation where",
    "a situation when",
    "have you ever",
    "how did you handle",
    "how did you deal",
    "what did you do when",
    "tell me about a project",
    "tell me about a challenge",
    "tell me about a mistake",
    "tell me about a conflict",
    "tell me about a failure",
    "the hardest",
    "the most difficult",
    "a difficult",
    "a challenging",
    "a conflict",
    "a disagreement",
    "a mistake",
    "a failure",
    "failed to",
];

/// Questions that do not call for a story even in a behavioural interview.
pub const NON_STORY_QUESTIONS: &[&str] = &[
    "tell me about yourself",
    "tell us about yourself",
    "why do you want",
    "why are you interested",
    "why should we",
    "where do you see yourself",
    "what are your strengths",
    "what is your greatest",
    "what's your greatest",
    "what are your weaknesses",
    "what is your biggest weakness",
    "do you have any questions",
    "what are your salary",
    "what are your expectations",
    "why this",
    "when can you start",
];

struct Sets {
    leads: PhraseSet,
    behavioral: PhraseSet,
    non_story: PhraseSet,
}

static SETS: LazyLock<Sets> = LazyLock::new(|| Sets {
    leads: PhraseSet::new(QUESTION_LEADS),
    behavioral: PhraseSet::new(BEHAVIORAL_CUES),
    non_story: PhraseSet::new(NON_STORY_QUESTIONS),
});

/// An answer shorter than this (seconds) has no pace of its own.
pub const MIN_ANSWER_SECS_FOR_PACE: f64 = 3.0;

/// Points per STAR element present.
pub const STAR_POINTS_PER_PART: u32 = 25;

/// A detected question: tokens `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuestionSpan {
    pub first: usize,
    pub last: usize,
    pub behavioral: bool,
}

/// Who said what: the questions and, per token, whether it is the candidate's.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub questions: Vec<QuestionSpan>,
    /// `candidate[i]`: token `i` is not part of a question.
    pub candidate: Vec<bool>,
    /// Words before the first question (not scored as an answer).
    pub preamble_words: usize,
}

/// An answer: tokens `first..last` (exclusive; empty when nothing was said).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnswerSpan {
    pub question: Option<usize>,
    pub first: usize,
    pub last: usize,
}

/// Finds the questions and marks the candidate's words. When the speakers'
/// roles are known (an interviewer among them), the candidate's words are
/// exactly the candidate's speech and questions are found in the
/// interviewers' speech alone; otherwise (one voice) questions are found from
/// their wording and every other word is taken as the candidate's.
pub fn layout(tokens: &[Token], sentences: &[Sentence], context: &Context) -> Layout {
    if context.answer_only {
        return Layout { questions: Vec::new(), candidate: vec![true; tokens.len()], preamble_words: 0 };
    }
    if tokens.iter().any(|t| t.role == Some(SpeakerRole::Interviewer)) {
        return layout_by_role(tokens, sentences, context);
    }
    let mut questions: Vec<QuestionSpan> = Vec::new();
    let mut previous_was_question = false;
    for sentence in sentences {
        let words = plain_words(tokens, sentence.first, sentence.last + 1);
        if !is_question(tokens, sentence, &words) {
            previous_was_question = false;
            continue;
        }
        let behavioral = is_behavioral(&words, context);
        match questions.last_mut() {
            Some(open) if previous_was_question => {
                open.last = sentence.last;
                open.behavioral |= behavioral;
            }
            _ => questions.push(QuestionSpan {
                first: sentence.first,
                last: sentence.last,
                behavioral,
            }),
        }
        previous_was_question = true;
    }
    let mut candidate = vec![true; tokens.len()];
    for question in &questions {
        for flag in &mut candidate[question.first..=question.last] {
            *flag = false;
        }
    }
    let preamble_words = questions.first().map_or(0, |q| q.first);
    Layout {
        questions,
        candidate,
        preamble_words,
    }
}

/// The layout of a recording whose speakers' roles are known. Sentences end
/// where the role changes, so each belongs to one role. An interviewer's
/// sentence is a question when its wording says so or it ends with a question
/// mark; questions with no candidate speech between them are one question.
fn layout_by_role(tokens: &[Token], sentences: &[Sentence], context: &Context) -> Layout {
    let mut questions: Vec<QuestionSpan> = Vec::new();
    let mut open = false;
    for sentence in sentences {
        match tokens[sentence.first].role {
            Some(SpeakerRole::Interviewer) => {}
            Some(SpeakerRole::Candidate) => {
                open = false;
                continue;
            }
            // Others (a note-taker) neither ask nor answer.
            _ => continue,
        }
        let words = plain_words(tokens, sentence.first, sentence.last + 1);
        let asks = is_question(tokens, sentence, &words) || (tokens[sentence.last].question_after && !words.is_empty());
        if !asks {
            continue;
        }
        let behavioral = is_behavioral(&words, context);
        match questions.last_mut() {
            Some(question) if open => {
                question.last = sentence.last;
                question.behavioral |= behavioral;
            }
            _ => questions.push(QuestionSpan { first: sentence.first, last: sentence.last, behavioral }),
        }
        open = true;
    }
    let candidate: Vec<bool> = tokens.iter().map(|t| t.role == Some(SpeakerRole::Candidate)).collect();
    let preamble_words = match questions.first() {
        Some(q) => candidate[..q.first].iter().filter(|&&c| c).count(),
        None => 0,
    };
    Layout { questions, candidate, preamble_words }
}

/// Normalised words of tokens `first..end`, hesitations left out.
fn plain_words(tokens: &[Token], first: usize, end: usize) -> Vec<&str> {
    tokens[first..end]
        .iter()
        .map(|t| t.norm.as_str())
        .filter(|w| hesitation(w).is_none())
        .collect()
}

fn is_question(tokens: &[Token], sentence: &Sentence, words: &[&str]) -> bool {
    let opening = words.iter().take_while(|w| OPENERS.contains(w)).count();
    if SETS.leads.match_at(words, opening).is_some() {
        return true;
    }
    if !tokens[sentence.last].question_after || words.len() < 3 {
        return false;
    }
    let tag = words.last().is_some_and(|w| TAGS.contains(w))
        && sentence.last > sentence.first
        && tokens[sentence.last - 1].comma_after;
    let you_know_tag = words.ends_with(&["you", "know"]);
    let speaks_of_self = words.iter().any(|w| FIRST_PERSON.contains(w));
    let speaks_of_you = words.iter().any(|w| SECOND_PERSON.contains(w));
    let rhetorical = speaks_of_self && !speaks_of_you;
    !(tag || you_know_tag || rhetorical)
}

/// Whether a question asks for a story whatever the interview: a story cue
/// ("tell me about a time…") or a "tell me about a…" opening, and not one of
/// the [`NON_STORY_QUESTIONS`].
pub fn asks_for_story(words: &[&str]) -> bool {
    (SETS.behavioral.occurs_in(words) || words.starts_with(&["tell", "me", "about", "a"])) && !SETS.non_story.occurs_in(words)
}

fn is_behavioral(words: &[&str], context: &Context) -> bool {
    SETS.behavioral.occurs_in(words)
        || (context.interview_type == Some(InterviewType::Behavioral)
            && !SETS.non_story.occurs_in(words))
}

/// The answers: after each question up to the next, or the whole transcript
/// when there is no question.
pub fn answer_spans(layout: &Layout, token_count: usize) -> Vec<AnswerSpan> {
    if layout.questions.is_empty() {
        if token_count == 0 {
            return Vec::new();
        }
        return vec![AnswerSpan {
            question: None,
            first: 0,
            last: token_count,
        }];
    }
    layout
        .questions
        .iter()
        .enumerate()
        .map(|(index, question)| {
            let last = layout
                .questions
                .get(index + 1)
                .map_or(token_count, |next| next.first);
            AnswerSpan {
                question: Some(index),
                first: question.last + 1,
                last,
            }
        })
        .collect()
}

/// Questions, answers and STAR, given the layout and the filler mask.
pub fn analyse(tokens: &[Token], layout: &Layout, filler: &[bool], reader: Option<&StarReader>) -> StructureAnalysis {
    let questions: Vec<Question> = layout
        .questions
        .iter()
        .enumerate()
        .map(|(index, q)| Question {
            index,
            at_secs: round(tokens[q.first].start, 2),
            text: quote(tokens, q.first, q.last, 300),
            behavioral: q.behavioral,
        })
        .collect();
    let questions_detected = !questions.is_empty();
    let answers: Vec<Answer> = answer_spans(layout, tokens.len())
        .into_iter()
        .map(|span| answer(tokens, layout, filler, span, reader))
        .collect();
    let scored: Vec<u32> = answers
        .iter()
        .filter(|a| a.star_expected && a.word_count > 0)
        .filter_map(|a| a.star_score)
        .collect();
    let star_average = (!scored.is_empty())
        .then(|| (scored.iter().sum::<u32>() as f64 / scored.len() as f64).round() as u32);
    StructureAnalysis {
        questions_detected,
        questions,
        answers,
        star_average,
    }
}

/// One answer: the candidate's words between its question and the next
/// (an interviewer's remark in between is not the candidate's), with its own
/// fillers, pace and STAR.
fn answer(tokens: &[Token], layout: &Layout, filler: &[bool], span: AnswerSpan, reader: Option<&StarReader>) -> Answer {
    let question = span.question.and_then(|i| layout.questions.get(i));
    let mine: Vec<usize> = (span.first..span.last).filter(|&i| layout.candidate[i]).collect();
    let (start, end) = match (mine.first(), mine.last()) {
        (Some(&first), Some(&last)) => (tokens[first].start, tokens[last].end),
        _ => {
            let at = question.map_or(0.0, |q| tokens[q.last].end);
            (at, at)
        }
    };
    // STAR reads the candidate's words only: others' words are skipped like fillers.
    let skip: Vec<bool> = (0..tokens.len()).map(|i| filler[i] || !layout.candidate[i]).collect();
    let star = question.map(|_| super::star::star(tokens, &skip, span.first, span.last, reader));
    let excerpt = match (mine.first(), mine.last()) {
        (Some(&first), Some(&last)) => quote(tokens, first, last, 80),
        _ => String::new(),
    };
    let duration = end - start;
    let fit = question.zip(star.as_ref()).map(|(q, star)| {
        let said = |indices: &mut dyn Iterator<Item = usize>| indices.map(|i| tokens[i].surface.as_str()).collect::<Vec<_>>().join(" ");
        super::fit::fit(&said(&mut (q.first..=q.last)), &said(&mut mine.iter().copied()), star).into()
    });
    Answer {
        question_index: span.question,
        start: round(start, 2),
        end: round(end, 2),
        word_count: mine.len(),
        duration_secs: round(duration, 2),
        // Counted from the filler hits by the caller, with relevance.
        filler_count: 0,
        words_per_minute: if duration >= MIN_ANSWER_SECS_FOR_PACE { round(mine.len() as f64 * 60.0 / duration, 1) } else { 0.0 },
        relevance: None,
        excerpt,
        star_expected: question.is_some_and(|q| q.behavioral),
        star_score: star.as_ref().map(star_score),
        star,
        fit,
    }
}

/// 25 points per element present.
pub fn star_score(star: &Star) -> u32 {
    [star.situation, star.task, star.action, star.result]
        .into_iter()
        .map(|present| if present { STAR_POINTS_PER_PART } else { 0 })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fillers;
    use crate::analysis::synthetic::transcript_from_lines;
    use crate::analysis::tokens::{from_transcript, sentences};

    fn structure_of(lines: &[&str], context: &Context) -> StructureAnalysis {
        let tokens = from_transcript(&transcript_from_lines(lines));
        let layout = layout(&tokens, &sentences(&tokens), context);
        let filler = fillers::mask(&fillers::find(&tokens, &layout.candidate), tokens.len());
        analyse(&tokens, &layout, &filler, None)
    }

    fn star_of(answer: &str) -> Star {
        let structure = structure_of(
            &["Tell me about a time you fixed something.", answer],
            &Context::default(),
        );
        structure.answers[0].star.clone().unwrap()
    }

    #[test]
    fn an_answer_with_situation_action_and_result_but_no_task_scores_75_on_star() {
        let star = star_of(
            "Last year our team was slow. I automated the tests. As a result we shipped weekly.",
        );

        assert!(star.situation && !star.task && star.action && star.result);
        assert_eq!(star_score(&star), 75);
    }

    #[test]
    fn fillers_inside_a_cue_do_not_hide_it() {
        let star = star_of("I, um, talked to the team.");
        assert!(star.action);
        assert_eq!(star.cues[0].phrase, "i talked");
    }

    #[test]
    fn a_percentage_is_a_result() {
        assert!(star_of("Latency dropped 40%.").result);
        assert!(star_of("Bugs fell by 30 percent.").result);
        assert!(star_of("It got 3x faster.").result);
        assert!(!star_of("We had 3 services.").result);
    }

    #[test]
    fn a_transcript_with_no_question_is_one_answer_without_star() {
        let structure = structure_of(&["I built a compiler. It was fun."], &Context::default());

        assert!(!structure.questions_detected);
        assert_eq!(structure.answers.len(), 1);
        assert_eq!(structure.answers[0].question_index, None);
        assert_eq!(structure.answers[0].star, None);
        assert_eq!(structure.answers[0].star_score, None);
        assert_eq!(structure.star_average, None);
    }

    #[test]
    fn each_question_starts_a_new_answer_that_runs_to_the_next_question() {
        let structure = structure_of(
            &[
                "Walk me through your last project.",
                "I built a search engine.",
                "Why do you want this job?",
                "I love the product.",
            ],
            &Context::default(),
        );

        assert_eq!(structure.questions.len(), 2);
        assert_eq!(structure.answers.len(), 2);
        assert_eq!(structure.answers[1].question_index, Some(1));
        assert_eq!(structure.answers[1].word_count, 4);
        assert_eq!(structure.answers[0].excerpt, "I built a search engine.");
    }

    #[test]
    fn consecutive_question_sentences_are_one_question() {
        let structure = structure_of(
            &[
                "Okay, great. Tell me about a project. What was hard about it?",
                "The deadline.",
            ],
            &Context::default(),
        );

        assert_eq!(structure.questions.len(), 1);
        assert_eq!(
            structure.questions[0].text,
            "Tell me about a project. What was hard about it?"
        );
    }

    #[test]
    fn a_tag_or_rhetorical_question_from_the_candidate_is_not_a_question() {
        let structure = structure_of(
            &["We had to ship it, right? And what did I do? I rewrote it."],
            &Context::default(),
        );
        assert!(!structure.questions_detected);
    }

    #[test]
    fn story_questions_expect_star_and_motivation_questions_do_not() {
        let structure = structure_of(
            &[
                "Give me an example of a conflict.",
                "I talked to them.",
                "Why do you want this job?",
                "I love it.",
            ],
            &Context::default(),
        );
        assert!(structure.answers[0].star_expected);
        assert!(!structure.answers[1].star_expected);
        assert_eq!(structure.star_average, Some(25));
    }

    #[test]
    fn a_behavioural_interview_expects_star_from_every_story_question() {
        let context = Context {
            interview_type: Some(InterviewType::Behavioral),
            job_description: None,
            ..Context::default()
        };
        let structure = structure_of(
            &[
                "How do you prioritise work?",
                "I rank by impact.",
                "Tell me about yourself.",
                "I am an engineer.",
            ],
            &context,
        );
        assert!(structure.questions[0].behavioral);
        assert!(!structure.questions[1].behavioral);
    }
}

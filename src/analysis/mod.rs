//! Recording analysis: deterministic analytics over a timed transcript of an
//! interview (P1.4, FR17–FR19, FR21): the same transcript always gives the
//! same [`Analysis`]. No model, no I/O; linear in the words (an hour-long
//! interview takes milliseconds).
//!
//! Layout:
//! - [`tokens`]: the transcript as words with timings and punctuation flags,
//!   and sentences (engines without word timings: times spread over segments).
//! - [`structure`]: questions (no speaker labels: found from their wording),
//!   answers, STAR cues. Runs first: detected questions are the interviewer's
//!   speech, which the speech and tone metrics leave out.
//! - [`fillers`]: um/uh/like/you know… with the context rules that tell a
//!   filler from the same word doing real work.
//! - [`pace`]: pauses, words per minute, clarity; thresholds as constants.
//! - [`tone`]: sentiment (embedded lexicon, negation), confidence, enthusiasm.
//! - [`star`]: each answer's STAR parts, clause by clause, with the words that show them.
//! - [`delivery`]: how a spoken practice answer was said (the same measures, one answer).
//! - [`fit`]: how well an answer answers its question (1–5), with reasons.
//! - [`relevance`]: job-description keyword coverage.
//! - [`timeline`]: per-minute buckets for the chart.
//! - [`score`]: the published rubric (weights, formula) and the overall score.
//! - [`advice`]: recommendations tied to moments, most important first.
//! - [`synthetic`]: transcripts from typed text, and a long deterministic
//!   interview for benchmarks.
//!
//! Each module's docs state its formulas and thresholds; the UI shows them.

pub mod advice;
pub mod delivery;
pub mod fillers;
pub mod fit;
pub mod pace;
pub mod phrases;
pub mod relevance;
pub mod score;
pub mod star;
pub mod star_reader;
pub mod star_words;
pub mod structure;
pub mod synthetic;
pub mod timeline;
pub mod tokens;
pub mod tone;

use protocol::analysis::{Analysis, RelevanceAnalysis, SpeechAnalysis};
use protocol::interview::InterviewType;
use protocol::transcript::Transcript;

pub use score::RUBRIC_VERSION;
pub use synthetic::synthetic_transcript;

/// Low-confidence share from which a note is added.
pub const LOW_CONFIDENCE_NOTE_SHARE: f64 = 0.05;
/// Words before the first question from which a note is added.
const PREAMBLE_NOTE_WORDS: usize = 10;

/// What is known about the interview besides its words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// Behavioural interviews expect STAR from every story question.
    pub interview_type: Option<InterviewType>,
    /// When given, answers are checked for its keywords (relevance).
    pub job_description: Option<String>,
    /// Quiet stretches of the audio (`(start, end)` seconds), when it was
    /// read: pauses that the words' timings hide are found from them.
    pub silences: Vec<(f64, f64)>,
    /// The whole transcript is one answer of the candidate's (a spoken
    /// practice answer): no question is looked for in it.
    pub answer_only: bool,
    /// The learned STAR reader, when the local embedding model is loaded:
    /// each answer's clauses are read again by it (blocking: analyse off
    /// the async threads).
    pub star_reader: Option<star_reader::StarReader>,
}

/// Analyses a recording's transcript.
pub fn analyse(transcript: &Transcript, context: &Context) -> Analysis {
    run(transcript, context, true)
}

/// Analyses a typed answer (practice sessions): the text is turned into a
/// transcript spoken at 150 wpm, one segment per sentence, so pace and pauses
/// are not measured.
pub fn analyse_text(text: &str, context: &Context) -> Analysis {
    let mut analysis = run(&synthetic::transcript_from_text(text), context, false);
    analysis
        .notes
        .push("Typed answer: pace, pauses and clarity assume a steady 150 words a minute and are not measured.".into());
    analysis
}

/// The STAR cues of one answer taken as a whole (a typed practice answer, or
/// what was said after one question), fillers skipped.
pub fn star_of(answer: &str) -> protocol::analysis::Star {
    star_read(answer, None)
}

/// [`star_of`], each clause read again by the learned `reader` when there
/// is one (blocking).
pub fn star_read(answer: &str, reader: Option<&star_reader::StarReader>) -> protocol::analysis::Star {
    star::star_of_text(&tokens::from_text(answer), reader)
}

fn run(transcript: &Transcript, context: &Context, timed: bool) -> Analysis {
    let tokens = tokens::from_transcript(transcript);
    let sentences = tokens::sentences(&tokens);
    let duration_secs = transcript
        .duration_secs
        .max(tokens.last().map_or(0.0, |t| t.end))
        .max(transcript.segments.last().map_or(0.0, |s| s.end));
    let minutes = duration_secs / 60.0;

    let layout = structure::layout(&tokens, &sentences, context);
    let hits = fillers::find(&tokens, &layout.candidate);
    let filler_mask = fillers::mask(&hits, tokens.len());
    let content: Vec<usize> = (0..tokens.len())
        .filter(|&i| layout.candidate[i] && !filler_mask[i])
        .collect();

    let mut structure = structure::analyse(&tokens, &layout, &filler_mask, context.star_reader.as_ref());
    measure_answers(&mut structure, &tokens, &layout, &hits, &filler_mask, context);
    let pace = pace::measure_with(&tokens, &layout.candidate, &context.silences);
    let (mean_word_probability, low_confidence_share) =
        pace::recognition(&tokens, &layout.candidate);
    let fillers = fillers::summary(&hits, &tokens, minutes);
    let clarity = pace::clarity(pace::ClarityInputs {
        mean_word_probability,
        low_confidence_share,
        fillers_per_minute: fillers.per_minute,
        words_per_minute: pace.words_per_minute,
    });
    let speech = SpeechAnalysis {
        fillers,
        words_per_minute: pace.words_per_minute,
        speaking_secs: pace.speaking_secs,
        pauses: pace.pauses,
        clarity,
        mean_word_probability,
        low_confidence_share,
    };
    let tone = tone::analyse(&tokens, &content);
    let relevance = context
        .job_description
        .as_deref()
        .and_then(|description| relevance::analyse(description, &tokens, &content));
    let timeline = timeline::build(
        &tokens,
        &layout.candidate,
        &hits,
        &tone.polarity,
        duration_secs,
    );

    let score = score::score(score::Inputs {
        word_count: tokens.len(),
        clarity,
        fillers_per_minute: speech.fillers.per_minute,
        words_per_minute: speech.words_per_minute,
        structure: &structure,
        tone: &tone.analysis,
        relevance: relevance.as_ref().map(|r| r.score),
    });
    let recommendations = advice::recommend(&advice::Findings {
        tokens: &tokens,
        sentences: &sentences,
        candidate: &layout.candidate,
        hits: &hits,
        polarity: &tone.polarity,
        hedge_tokens: &tone.hedge_tokens,
        speech: &speech,
        structure: &structure,
        tone: &tone.analysis,
        relevance: relevance.as_ref(),
        timeline: &timeline,
        timed,
    });
    let notes = notes(
        transcript,
        context,
        &tokens,
        &layout,
        &structure,
        &speech,
        relevance.as_ref(),
    );

    Analysis {
        version: RUBRIC_VERSION,
        duration_secs: tokens::round(duration_secs, 2),
        word_count: tokens.len(),
        speech,
        structure,
        tone: tone.analysis,
        relevance,
        timeline,
        score,
        recommendations,
        notes,
        missing: Vec::new(),
        judgement: None,
        speakers: transcript.speakers.clone(),
    }
}

/// Each answer's own fillers and job-description coverage (the per-question view).
fn measure_answers(
    structure: &mut protocol::analysis::StructureAnalysis,
    tokens: &[tokens::Token],
    layout: &structure::Layout,
    hits: &[fillers::Hit],
    filler_mask: &[bool],
    context: &Context,
) {
    let spans = structure::answer_spans(layout, tokens.len());
    for (answer, span) in structure.answers.iter_mut().zip(spans) {
        let inside = |i: usize| i >= span.first && i < span.last && layout.candidate[i];
        answer.filler_count = hits.iter().filter(|h| inside(h.token)).count();
        answer.relevance = context.job_description.as_deref().and_then(|description| {
            let content: Vec<usize> = (span.first..span.last).filter(|&i| inside(i) && !filler_mask[i]).collect();
            relevance::analyse(description, tokens, &content).map(|r| r.score)
        });
    }
}

/// Caveats about the input and what was skipped.
fn notes(
    transcript: &Transcript,
    context: &Context,
    tokens: &[tokens::Token],
    layout: &structure::Layout,
    structure: &protocol::analysis::StructureAnalysis,
    speech: &SpeechAnalysis,
    relevance: Option<&RelevanceAnalysis>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if tokens.is_empty() {
        notes.push("The transcript has no words: there is nothing to analyse.".to_owned());
        return notes;
    }
    let by_role = tokens.iter().any(|t| t.role == Some(protocol::speakers::SpeakerRole::Interviewer));
    if by_role {
        notes.push(
            "Only the candidate's speech is measured; the interviewers' turns give the questions.".to_owned(),
        );
    }
    if let Some(note) = transcript.speakers.as_ref().and_then(|s| s.note.clone()) {
        notes.push(note);
    }
    if structure.questions_detected {
        if !by_role {
            notes.push(
                "Detected questions are taken to be the interviewer's and left out of speech and tone metrics (the recording has no speaker labels)."
                    .to_owned(),
            );
        }
        if structure.star_average.is_none() {
            notes.push(
                "No question asked for a story, so STAR is reported but not scored.".to_owned(),
            );
        }
    } else {
        notes.push(
            "No questions detected: the whole transcript is treated as one answer and STAR analysis is skipped.".to_owned(),
        );
    }
    if layout.preamble_words >= PREAMBLE_NOTE_WORDS {
        notes.push(format!(
            "The {} words before the first question are not scored as an answer.",
            layout.preamble_words
        ));
    }
    for answer in structure.answers.iter().filter(|a| a.word_count == 0) {
        if let Some(index) = answer.question_index {
            notes.push(format!("Question {} got no answer.", index + 1));
        }
    }
    if tokens::lacks_word_timings(transcript) {
        notes.push(
            "The speech engine gave no word timings: word times are spread evenly over each segment, so pauses are only seen between segments."
                .to_owned(),
        );
    }
    if speech.low_confidence_share >= LOW_CONFIDENCE_NOTE_SHARE {
        notes.push(format!(
            "{:.0}% of the transcript is low-confidence: some words may be wrong.",
            speech.low_confidence_share * 100.0
        ));
    }
    if context
        .job_description
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty())
        && relevance.is_none()
    {
        notes.push(
            "The job description has no keywords to check, so relevance is not scored.".to_owned(),
        );
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::analysis::{SentimentLabel, StarPart};
    use protocol::transcript::Segment;

    /// The interview every end-to-end test starts from.
    const INTERVIEW: &[&str] = &[
        "Tell me about a time you handled a difficult project?",
        "Um, so, last year at my previous company our team was behind schedule. Uh, I was responsible for the release. I, um, talked to every engineer and, like, I reorganised the backlog. You know, as a result we shipped two weeks early and cut bugs by 30 percent.",
        "Why do you want this job?",
        "Uh, I really love building products, and I would like to grow. I think, um, maybe I can learn a lot here.",
    ];

    fn interview() -> Analysis {
        analyse(
            &synthetic::transcript_from_lines(INTERVIEW),
            &Context::default(),
        )
    }

    fn count_of(analysis: &Analysis, term: &str) -> usize {
        analysis
            .speech
            .fillers
            .items
            .iter()
            .find(|f| f.term == term)
            .map_or(0, |f| f.count)
    }

    #[test]
    fn the_scripted_interview_has_exactly_its_fillers() {
        let analysis = interview();

        // The script holds two "uh"s ("Uh, I was responsible", "Uh, I really love").
        let counts: Vec<(&str, usize)> = ["um", "uh", "like", "you know", "so"]
            .iter()
            .map(|t| (*t, count_of(&analysis, t)))
            .collect();
        assert_eq!(
            counts,
            [
                ("um", 3),
                ("uh", 2),
                ("like", 1),
                ("you know", 1),
                ("so", 1)
            ]
        );
        assert_eq!(analysis.speech.fillers.total, 8);
        assert_eq!(analysis.speech.fillers.items[0].term, "um");
    }

    #[test]
    fn the_scripted_interview_has_two_questions_and_a_full_star_story() {
        let analysis = interview();
        let structure = &analysis.structure;

        assert!(structure.questions_detected);
        assert_eq!(structure.questions.len(), 2);
        assert!(structure.questions[0].behavioral && !structure.questions[1].behavioral);
        let story = structure.answers[0].star.as_ref().unwrap();
        assert!(story.situation && story.task && story.action && story.result);
        assert_eq!(structure.answers[0].star_score, Some(100));
        assert_eq!(structure.star_average, Some(100));
        let parts: Vec<StarPart> = story.cues.iter().map(|c| c.part).collect();
        assert_eq!(parts.first(), Some(&StarPart::Situation));
        assert_eq!(parts.last(), Some(&StarPart::Result));
    }

    #[test]
    fn the_scripted_interview_balances_its_setback_and_ends_positive() {
        let analysis = interview();

        // First 30 s: "behind", "bugs" against "shipped", "love"; then "grow", "learn".
        let timeline: Vec<f64> = analysis
            .tone
            .sentiment_timeline
            .iter()
            .map(|p| p.score)
            .collect();
        assert_eq!(timeline, [0.0, 0.673]);
        assert_eq!(analysis.tone.sentiment, SentimentLabel::Positive);
        let hedges: Vec<&str> = analysis
            .tone
            .hedges
            .iter()
            .map(|h| h.phrase.as_str())
            .collect();
        assert_eq!(hedges, ["i think", "maybe"]);
        assert!(
            analysis
                .tone
                .enthusiasm_cues
                .iter()
                .any(|c| c.phrase == "love")
        );
    }

    #[test]
    fn the_scripted_interview_is_scored_on_every_category_with_a_version() {
        let analysis = interview();

        assert_eq!(analysis.version, RUBRIC_VERSION);
        assert_eq!(analysis.word_count, 86);
        assert_eq!(analysis.score.breakdown.len(), 3);
        assert!(analysis.score.overall > 0 && analysis.score.overall <= 100);
        assert!(analysis.recommendations.len() <= advice::MAX_RECOMMENDATIONS);
        assert_eq!(analysis.timeline.len(), 1);
    }

    #[test]
    fn a_transcript_with_no_question_skips_star_and_says_so() {
        let analysis = analyse_text(
            "I built the billing system. It saved a lot of time.",
            &Context::default(),
        );

        assert!(!analysis.structure.questions_detected);
        assert_eq!(analysis.structure.answers.len(), 1);
        assert_eq!(analysis.structure.answers[0].star, None);
        assert!(
            analysis
                .notes
                .iter()
                .any(|n| n.starts_with("No questions detected"))
        );
        assert!(
            analysis
                .score
                .breakdown
                .iter()
                .all(|c| c.category != protocol::analysis::ScoreCategory::Structure)
        );
    }

    #[test]
    fn the_same_transcript_always_gives_the_same_analysis() {
        let transcript = synthetic_transcript(5);
        let context = Context {
            interview_type: Some(InterviewType::Behavioral),
            job_description: Some("Rust, Postgres, mentoring".into()),
            ..Context::default()
        };

        let first = analyse(&transcript, &context);
        let second = analyse(&transcript, &context);

        assert_eq!(first, second);
        let json = serde_json::to_string(&first).unwrap();
        assert_eq!(serde_json::from_str::<Analysis>(&json).unwrap(), first);
    }

    #[test]
    fn a_story_without_a_result_gets_a_recommendation_naming_the_question() {
        let lines = [
            "Tell me about a time you led a team.",
            "Last year I led a team of five. I organised the sprints and I talked to the client every week.",
        ];
        let analysis = analyse(
            &synthetic::transcript_from_lines(&lines),
            &Context::default(),
        );

        let advice = analysis
            .recommendations
            .iter()
            .find(|r| r.message.contains("has no Result"))
            .unwrap();
        assert!(
            advice
                .message
                .starts_with("Your answer to 'Tell me about a time you led a team.'")
        );
        assert!(advice.evidence.as_ref().unwrap().chars().count() <= 80);
        assert!(advice.at_secs.is_some());
    }

    #[test]
    fn a_burst_of_fillers_is_pointed_out_with_its_time() {
        let answer = "Um, I, um, built it. Uh, um, then, um, we, uh, shipped it. Um, yes.";
        let analysis = analyse_text(answer, &Context::default());

        let first = &analysis.recommendations[0];
        assert!(
            first
                .message
                .starts_with("You said 'um' 5 times among 7 fillers in"),
            "{}",
            first.message
        );
        assert_eq!(first.at_secs, Some(0.0));
    }

    #[test]
    fn a_remote_transcript_without_word_timings_is_analysed_from_segment_text() {
        let segment = |start: f64, text: &str| Segment {
            start,
            end: start + 4.0,
            text: text.into(),
            ..Segment::default()
        };
        let transcript = Transcript {
            duration_secs: 12.0,
            segments: vec![
                segment(0.0, " Can you describe your last role?"),
                segment(6.0, " Um, I led a team of four."),
            ],
            ..Transcript::default()
        };

        let analysis = analyse(&transcript, &Context::default());

        assert_eq!(analysis.structure.questions.len(), 1);
        assert_eq!(analysis.speech.fillers.total, 1);
        assert_eq!(analysis.speech.fillers.items[0].positions, [6.0]);
        assert_eq!(analysis.speech.mean_word_probability, None);
        assert!(analysis.notes.iter().any(|n| n.contains("no word timings")));
    }

    #[test]
    fn an_empty_transcript_is_analysed_without_panicking() {
        let analysis = analyse(&Transcript::default(), &Context::default());

        assert_eq!(analysis.word_count, 0);
        assert_eq!(analysis.score.overall, 0);
        assert!(analysis.recommendations.is_empty());
        assert_eq!(
            analysis.notes,
            ["The transcript has no words: there is nothing to analyse."]
        );
    }

    #[test]
    fn an_hour_long_interview_is_analysed_in_milliseconds() {
        let transcript = synthetic_transcript(60);
        let started = std::time::Instant::now();

        let analysis = analyse(&transcript, &Context::default());

        let elapsed = started.elapsed();
        println!(
            "60-minute transcript: {} words, {} segments, analysed in {:.2} ms",
            analysis.word_count,
            transcript.segments.len(),
            elapsed.as_secs_f64() * 1000.0
        );
        assert_eq!(analysis.timeline.len(), 60);
        assert!(analysis.structure.questions.len() > 50);
    }
}

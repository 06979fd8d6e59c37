//! The scoring rubric (version [`RUBRIC_VERSION`]): the overall score is the
//! weighted mean of the category scores, each 0–100.
//!
//! | Category  | Weight | Score |
//! |-----------|--------|-------|
//! | speech    | [`SPEECH_WEIGHT`] 0.35 | clarity (recognition, fillers, pace: see `pace`) |
//! | structure | [`STRUCTURE_WEIGHT`] 0.35 | 0.8 × mean STAR score of story answers + 0.2 × answer-length fit; length fit alone when no question asked for a story |
//! | tone      | [`TONE_WEIGHT`] 0.30 | 0.5 × confidence + 0.3 × enthusiasm + 0.2 × (sentiment + 1) / 2 × 100 |
//! | relevance | [`RELEVANCE_WEIGHT`] 0.20 | job-description keyword coverage (see `relevance`); only with a job description |
//!
//! - Answer-length fit: the share of non-empty answers lasting
//!   [`ANSWER_MIN_SECS`]–[`ANSWER_MAX_SECS`] (20 s – 3 min), × 100.
//! - A category that cannot be scored is left out and the remaining weights
//!   are rescaled to sum to 1: structure without any detected question (STAR
//!   skipped), relevance without a job description. An empty transcript
//!   scores 0 with no breakdown.

use protocol::analysis::{
    Answer, CategoryScore, ScoreBreakdown, ScoreCategory, StructureAnalysis, ToneAnalysis,
};

/// Version of the rubric and of the algorithms behind it; bump on any change
/// that moves scores.
pub const RUBRIC_VERSION: u32 = 2;
/// Weight of speech (clarity).
pub const SPEECH_WEIGHT: f64 = 0.35;
/// Weight of structure (STAR and answer length).
pub const STRUCTURE_WEIGHT: f64 = 0.35;
/// Weight of tone (confidence, enthusiasm, sentiment).
pub const TONE_WEIGHT: f64 = 0.30;
/// Weight of relevance, added when a job description is given.
pub const RELEVANCE_WEIGHT: f64 = 0.20;
/// Shortest answer (seconds) that counts as well-sized.
pub const ANSWER_MIN_SECS: f64 = 20.0;
/// Longest answer (seconds) that counts as well-sized.
pub const ANSWER_MAX_SECS: f64 = 180.0;

/// What the rubric scores.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub word_count: usize,
    pub clarity: u32,
    pub fillers_per_minute: f64,
    pub words_per_minute: f64,
    pub structure: &'a StructureAnalysis,
    pub tone: &'a ToneAnalysis,
    pub relevance: Option<u32>,
}

/// The overall score and its breakdown.
pub fn score(inputs: Inputs<'_>) -> ScoreBreakdown {
    if inputs.word_count == 0 {
        return ScoreBreakdown {
            overall: 0,
            breakdown: Vec::new(),
        };
    }
    let mut parts = vec![speech(inputs)];
    parts.extend(structure(inputs.structure));
    parts.push(tone(inputs.tone));
    if let Some(relevance) = inputs.relevance {
        parts.push(CategoryScore {
            category: ScoreCategory::Relevance,
            score: relevance,
            weight: RELEVANCE_WEIGHT,
            explanation: format!("You covered {relevance}% of what the job description asks for (half its keywords scores 100)."),
        });
    }
    let total_weight: f64 = parts.iter().map(|p| p.weight).sum();
    for part in &mut parts {
        part.weight = (part.weight / total_weight * 1000.0).round() / 1000.0;
    }
    let overall: f64 = parts.iter().map(|p| p.score as f64 * p.weight).sum::<f64>()
        / parts.iter().map(|p| p.weight).sum::<f64>();
    ScoreBreakdown {
        overall: overall.round().clamp(0.0, 100.0) as u32,
        breakdown: parts,
    }
}

fn speech(inputs: Inputs<'_>) -> CategoryScore {
    CategoryScore {
        category: ScoreCategory::Speech,
        score: inputs.clarity,
        weight: SPEECH_WEIGHT,
        explanation: format!(
            "Clarity {}: {:.1} fillers a minute at {:.0} words a minute (aim for under 3 fillers at 120–160 wpm).",
            inputs.clarity, inputs.fillers_per_minute, inputs.words_per_minute
        ),
    }
}

fn structure(structure: &StructureAnalysis) -> Option<CategoryScore> {
    if !structure.questions_detected {
        return None;
    }
    let spoken: Vec<&Answer> = structure
        .answers
        .iter()
        .filter(|a| a.word_count > 0)
        .collect();
    if spoken.is_empty() {
        return None;
    }
    let well_sized = spoken
        .iter()
        .filter(|a| (ANSWER_MIN_SECS..=ANSWER_MAX_SECS).contains(&a.duration_secs))
        .count();
    let length_fit = 100.0 * well_sized as f64 / spoken.len() as f64;
    let (score, explanation) = match structure.star_average {
        Some(star) => (
            0.8 * star as f64 + 0.2 * length_fit,
            format!(
                "Story answers average {star}/100 on STAR; {well_sized} of {} answers last 20 s to 3 min.",
                spoken.len()
            ),
        ),
        None => (
            length_fit,
            format!(
                "No question asked for a story; {well_sized} of {} answers last 20 s to 3 min.",
                spoken.len()
            ),
        ),
    };
    Some(CategoryScore {
        category: ScoreCategory::Structure,
        score: score.round() as u32,
        weight: STRUCTURE_WEIGHT,
        explanation,
    })
}

fn tone(tone: &ToneAnalysis) -> CategoryScore {
    let sentiment = (tone.sentiment_score + 1.0) / 2.0 * 100.0;
    let score = 0.5 * tone.confidence as f64 + 0.3 * tone.enthusiasm as f64 + 0.2 * sentiment;
    let hedges: usize = tone.hedges.iter().map(|h| h.count).sum();
    CategoryScore {
        category: ScoreCategory::Tone,
        score: score.round().clamp(0.0, 100.0) as u32,
        weight: TONE_WEIGHT,
        explanation: format!(
            "Confidence {} ({hedges} hedges), enthusiasm {}, {} sentiment.",
            tone.confidence,
            tone.enthusiasm,
            match tone.sentiment {
                protocol::analysis::SentimentLabel::Positive => "positive",
                protocol::analysis::SentimentLabel::Neutral => "neutral",
                protocol::analysis::SentimentLabel::Negative => "negative",
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::analysis::SentimentLabel;

    fn tone(confidence: u32, enthusiasm: u32, sentiment_score: f64) -> ToneAnalysis {
        ToneAnalysis {
            sentiment: SentimentLabel::Neutral,
            sentiment_score,
            sentiment_timeline: Vec::new(),
            confidence,
            enthusiasm,
            hedges: Vec::new(),
            assertive: Vec::new(),
            enthusiasm_cues: Vec::new(),
        }
    }

    fn no_questions() -> StructureAnalysis {
        StructureAnalysis {
            questions_detected: false,
            questions: Vec::new(),
            answers: Vec::new(),
            star_average: None,
        }
    }

    #[test]
    fn without_questions_structure_is_left_out_and_the_weights_rescaled() {
        let structure = no_questions();
        let tone = tone(60, 40, 0.0);
        let inputs = Inputs {
            word_count: 100,
            clarity: 80,
            fillers_per_minute: 1.0,
            words_per_minute: 140.0,
            structure: &structure,
            tone: &tone,
            relevance: None,
        };

        let score = score(inputs);

        let categories: Vec<ScoreCategory> = score.breakdown.iter().map(|c| c.category).collect();
        assert_eq!(categories, [ScoreCategory::Speech, ScoreCategory::Tone]);
        // Tone: 0.5 × 60 + 0.3 × 40 + 0.2 × 50 = 52; overall (0.35 × 80 + 0.30 × 52) / 0.65.
        assert_eq!(score.breakdown[1].score, 52);
        assert_eq!(score.overall, 67);
        let weights: f64 = score.breakdown.iter().map(|c| c.weight).sum();
        assert!((weights - 1.0).abs() < 0.01);
    }

    #[test]
    fn an_empty_transcript_scores_zero() {
        let structure = no_questions();
        let tone = tone(50, 30, 0.0);
        let inputs = Inputs {
            word_count: 0,
            clarity: 0,
            fillers_per_minute: 0.0,
            words_per_minute: 0.0,
            structure: &structure,
            tone: &tone,
            relevance: Some(10),
        };
        assert_eq!(
            score(inputs),
            ScoreBreakdown {
                overall: 0,
                breakdown: Vec::new()
            }
        );
    }
}

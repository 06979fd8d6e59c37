//! The user's weakest skills, from their practice answers and their recorded
//! interviews' analyses, for a targeted drill. Each skill gets a weakness
//! from 0 (fine) to 1 (missing every time), averaged over the evidence.
//! Delivery (fillers, pace) comes from spoken practice answers and from the
//! recordings' speech score.

use protocol::analysis::{Analysis, ScoreCategory};
use protocol::practice::PracticeSession;

use super::measure::LONG_ANSWER_WORDS;

/// The skills drilled when there is no evidence yet.
const DEFAULT_SKILLS: [&str; 2] = ["storytelling", "impact"];
/// A skill counts as weak from this weakness on.
const WEAK_FROM: f64 = 0.25;

#[derive(Default)]
struct Tally {
    sum: f64,
    count: f64,
}

impl Tally {
    fn add(&mut self, weakness: f64) {
        self.sum += weakness.clamp(0.0, 1.0);
        self.count += 1.0;
    }

    fn mean(&self) -> f64 {
        if self.count == 0.0 { 0.0 } else { self.sum / self.count }
    }
}

/// Up to `how_many` skill names (from the bank's drill skills), weakest first.
pub fn weakest_skills(sessions: &[PracticeSession], analyses: &[Analysis], how_many: usize) -> Vec<String> {
    let names = ["storytelling", "impact", "conciseness", "confidence", "technical_depth", "relevance", "delivery"];
    let mut tallies: Vec<Tally> = names.iter().map(|_| Tally::default()).collect();
    let mut add = |skill: &str, weakness: f64| {
        if let Some(i) = names.iter().position(|n| *n == skill) {
            tallies[i].add(weakness);
        }
    };
    for session in sessions {
        for answer in &session.answers {
            let category = session.questions.iter().find(|q| q.id == answer.question_id).map(|q| q.category.as_str());
            let m = &answer.metrics;
            if category == Some("technical") {
                add("technical_depth", 1.0 - f64::from(m.score) / 100.0);
            } else {
                add("storytelling", 1.0 - f64::from(m.star_score) / 100.0);
            }
            add("impact", if m.has_numbers { 0.0 } else { 1.0 });
            add("confidence", m.hedges as f64 / 3.0);
            let rambling = m.word_count.saturating_sub(LONG_ANSWER_WORDS) as f64 / 200.0;
            add("conciseness", rambling + m.fillers as f64 / 10.0);
            if let Some(delivery) = &answer.delivery {
                add("delivery", super::delivery::weakness(delivery));
            }
        }
    }
    for analysis in analyses {
        for category in &analysis.score.breakdown {
            let weakness = 1.0 - f64::from(category.score) / 100.0;
            match category.category {
                ScoreCategory::Structure => add("storytelling", weakness),
                ScoreCategory::Speech => {
                    add("conciseness", weakness);
                    add("delivery", weakness);
                }
                ScoreCategory::Tone => add("confidence", weakness),
                ScoreCategory::Relevance => add("relevance", weakness),
            }
        }
    }
    let mut ranked: Vec<(&str, f64)> = names.iter().copied().zip(tallies.iter().map(Tally::mean)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let weak: Vec<String> = ranked
        .into_iter()
        .filter(|(_, weakness)| *weakness >= WEAK_FROM)
        .take(how_many.max(1))
        .map(|(name, _)| name.to_owned())
        .collect();
    if weak.is_empty() { DEFAULT_SKILLS.iter().map(|s| (*s).to_owned()).collect() } else { weak }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_no_evidence_storytelling_and_impact_are_drilled() {
        assert_eq!(weakest_skills(&[], &[], 3), vec!["storytelling", "impact"]);
    }
}

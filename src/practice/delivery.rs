//! Delivery across a session's spoken answers, for its feedback and drills:
//! pace against [`PACE_MIN_WPM`]–[`PACE_MAX_WPM`], fillers a minute against
//! [`FILLER_RATE_TARGET`], and answers that ran past the longest length aimed
//! at for their question. Typed answers have no delivery and are left out.

use protocol::practice::PracticeSession;
use protocol::spoken::Delivery;

use super::coach::plural;
use crate::analysis::advice::FILLER_RATE_TARGET;
use crate::analysis::pace::{PACE_MAX_WPM, PACE_MIN_WPM};

/// The delivery of every spoken answer of `session`.
pub fn spoken(session: &PracticeSession) -> Vec<&Delivery> {
    session.answers.iter().filter_map(|a| a.delivery.as_ref()).collect()
}

/// Pooled measures of several spoken answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    pub answers: usize,
    /// Words a minute, weighted by each answer's length.
    pub words_per_minute: f64,
    /// All fillers over all minutes.
    pub fillers_per_minute: f64,
    /// The filler said most, with its count.
    pub top_filler: Option<(String, usize)>,
    /// Answers longer than their target's upper bound.
    pub over_length: usize,
}

/// Pools `deliveries`; `None` when there is none.
pub fn pool(deliveries: &[&Delivery]) -> Option<Pooled> {
    if deliveries.is_empty() {
        return None;
    }
    let minutes: f64 = deliveries.iter().map(|d| d.duration_secs / 60.0).sum();
    let weighted: f64 = deliveries.iter().map(|d| d.words_per_minute * d.duration_secs / 60.0).sum();
    let fillers: usize = deliveries.iter().map(|d| d.fillers.total).sum();
    let mut by_word: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for delivery in deliveries {
        for (word, count) in &delivery.fillers.by_word {
            *by_word.entry(word.as_str()).or_default() += count;
        }
    }
    let top_filler = by_word.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0))).map(|(w, n)| (w.to_owned(), n));
    Some(Pooled {
        answers: deliveries.len(),
        words_per_minute: if minutes > 0.0 { weighted / minutes } else { 0.0 },
        fillers_per_minute: if minutes > 0.0 { fillers as f64 / minutes } else { 0.0 },
        top_filler,
        over_length: deliveries.iter().filter(|d| d.duration_secs > f64::from(d.target_secs[1])).count(),
    })
}

/// Strengths and improvements of a session's spoken delivery.
pub fn feedback(pooled: &Pooled) -> (Vec<String>, Vec<String>) {
    let (mut strengths, mut improvements) = (Vec::new(), Vec::new());
    let answers = plural(pooled.answers, "spoken answer", "spoken answers");
    let wpm = pooled.words_per_minute.round();
    if wpm > 0.0 && wpm < PACE_MIN_WPM {
        improvements.push(format!("Your {answers} averaged {wpm:.0} words a minute; aim for {PACE_MIN_WPM:.0}–{PACE_MAX_WPM:.0} so the story keeps moving."));
    } else if wpm > PACE_MAX_WPM {
        improvements.push(format!("Your {answers} averaged {wpm:.0} words a minute; slow to {PACE_MIN_WPM:.0}–{PACE_MAX_WPM:.0} and let your points land."));
    } else if wpm > 0.0 {
        strengths.push(format!("A steady pace: {wpm:.0} words a minute over {answers}."));
    }
    if pooled.fillers_per_minute > FILLER_RATE_TARGET {
        let top = pooled.top_filler.as_ref().map(|(w, n)| format!(", most often \"{w}\" ({})", plural(*n, "time", "times"))).unwrap_or_default();
        improvements.push(format!(
            "{:.1} fillers a minute when speaking{top}; aim for under {FILLER_RATE_TARGET:.0} and pause instead.",
            pooled.fillers_per_minute
        ));
    } else {
        strengths.push(format!("Few fillers when speaking ({:.1} a minute).", pooled.fillers_per_minute));
    }
    if pooled.over_length > 0 {
        improvements.push(format!(
            "{} of your {answers} ran past the length aimed at; lead with the point and cut the scene-setting.",
            pooled.over_length
        ));
    }
    (strengths, improvements)
}

/// How weak a user's spoken delivery is, 0 (fine) to 1, for drills: filler
/// rate over twice the target, and pace off the range by 60 words a minute,
/// each count fully.
pub fn weakness(delivery: &Delivery) -> f64 {
    let fillers = (delivery.fillers.per_minute / (2.0 * FILLER_RATE_TARGET)).min(1.0);
    let wpm = delivery.words_per_minute;
    let off = if wpm <= 0.0 { 0.0 } else { (PACE_MIN_WPM - wpm).max(wpm - PACE_MAX_WPM).max(0.0) / 60.0 };
    fillers.max(off.min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::spoken::{DeliveryFillers, DeliveryPauses, JobTerms};

    fn spoken_answer(secs: f64, wpm: f64, fillers: &[(&str, usize)]) -> Delivery {
        let total = fillers.iter().map(|(_, n)| n).sum::<usize>();
        Delivery {
            duration_secs: secs,
            target_secs: [60, 120],
            words_per_minute: wpm,
            fillers: DeliveryFillers {
                total,
                per_minute: total as f64 / (secs / 60.0),
                by_word: fillers.iter().map(|(w, n)| ((*w).to_owned(), *n)).collect(),
            },
            pauses: DeliveryPauses { count: 0, longest_secs: 0.0 },
            job_terms: JobTerms::default(),
            repeated_words: Vec::new(),
        }
    }

    #[test]
    fn a_fast_filler_heavy_session_is_told_both_with_its_most_used_filler() {
        let answers = [spoken_answer(60.0, 190.0, &[("um", 9), ("like", 2)]), spoken_answer(150.0, 185.0, &[("um", 4)])];
        let pooled = pool(&answers.iter().collect::<Vec<_>>()).unwrap();
        assert_eq!(pooled.top_filler, Some(("um".into(), 13)));
        assert_eq!(pooled.over_length, 1);
        let (strengths, improvements) = feedback(&pooled);
        assert!(strengths.is_empty(), "{strengths:?}");
        assert!(improvements[0].contains("186 words a minute"), "{improvements:?}");
        assert!(improvements[1].contains("\"um\" (13 times)"), "{improvements:?}");
        assert!(improvements[2].starts_with("1 of your 2 spoken answers"), "{improvements:?}");
        assert!(weakness(&answers[0]) > 0.5);
    }

    #[test]
    fn a_calm_session_is_praised_and_no_spoken_answer_gives_nothing() {
        let answers = [spoken_answer(90.0, 140.0, &[])];
        let (strengths, improvements) = feedback(&pool(&answers.iter().collect::<Vec<_>>()).unwrap());
        assert_eq!(strengths.len(), 2, "{strengths:?}");
        assert!(improvements.is_empty());
        assert_eq!(weakness(&answers[0]), 0.0);
        assert_eq!(pool(&[]), None);
    }
}

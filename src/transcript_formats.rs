//! A transcript as the user downloads it: JSON (as stored), plain text with
//! timestamps, SubRip (`.srt`) and WebVTT (`.vtt`) subtitles, each line
//! beginning with its speaker (`Interviewer: …`, or `S2: …` without a role); and the search
//! behind `?q=` (segments containing every word of the query, case-insensitive).

use protocol::speakers::SpeakerRole;
use protocol::transcript::Transcript;

/// The download formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Txt,
    Srt,
    Vtt,
}

impl Format {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "json" => Some(Self::Json),
            "txt" => Some(Self::Txt),
            "srt" => Some(Self::Srt),
            "vtt" => Some(Self::Vtt),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Txt => "text/plain; charset=utf-8",
            Self::Srt => "application/x-subrip; charset=utf-8",
            Self::Vtt => "text/vtt; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Txt => "txt",
            Self::Srt => "srt",
            Self::Vtt => "vtt",
        }
    }
}

/// Keeps only the segments whose text contains every word of `query`.
pub fn search(transcript: &mut Transcript, query: &str) {
    let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if terms.is_empty() {
        return;
    }
    transcript.segments.retain(|segment| {
        let text = segment.text.to_lowercase();
        terms.iter().all(|term| text.contains(term.as_str()))
    });
}

/// The transcript rendered as text in `format` (JSON is left to serde).
pub fn render(transcript: &Transcript, format: Format) -> String {
    let mut out = String::new();
    if format == Format::Vtt {
        out.push_str("WEBVTT\n\n");
    }
    for (index, segment) in transcript.segments.iter().enumerate() {
        let spoken = segment.text.trim();
        if spoken.is_empty() {
            continue;
        }
        // Each line names its speaker: the role when known, else the label
        // (also for `other`, so two others stay apart).
        let who = match transcript.role_of(segment) {
            Some(role @ (SpeakerRole::Interviewer | SpeakerRole::Candidate)) => Some(role.title().to_owned()),
            _ => segment.speaker.clone(),
        };
        let text = match who {
            Some(who) => format!("{who}: {spoken}"),
            None => spoken.to_owned(),
        };
        match format {
            Format::Txt => {
                let unsure = if segment.low_confidence { " (unsure)" } else { "" };
                out.push_str(&format!("[{}]{unsure} {text}\n", clock(segment.start, None)));
            }
            Format::Srt => out.push_str(&format!(
                "{}\n{} --> {}\n{text}\n\n",
                index + 1,
                clock(segment.start, Some(',')),
                clock(segment.end, Some(','))
            )),
            Format::Vtt => out.push_str(&format!(
                "{} --> {}\n{text}\n\n",
                clock(segment.start, Some('.')),
                clock(segment.end, Some('.'))
            )),
            Format::Json => {}
        }
    }
    out
}

/// `HH:MM:SS` and, with a separator, milliseconds (`00:01:02,500`).
fn clock(secs: f64, millis_separator: Option<char>) -> String {
    let total_ms = (secs.max(0.0) * 1000.0).round() as u64;
    let (h, m, s, ms) = (total_ms / 3_600_000, total_ms / 60_000 % 60, total_ms / 1000 % 60, total_ms % 1000);
    match millis_separator {
        Some(sep) => format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}"),
        None => format!("{h:02}:{m:02}:{s:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::transcript::Segment;

    fn transcript() -> Transcript {
        let segment = |start: f64, end: f64, text: &str| Segment { start, end, text: text.into(), ..Segment::default() };
        Transcript {
            language: "en".into(),
            duration_secs: 70.0,
            engine: "test".into(),
            segments: vec![segment(0.0, 2.5, " Tell me about yourself?"), segment(61.25, 65.0, " I lead a team of five.")],
            speakers: None,
        }
    }

    #[test]
    fn every_line_names_its_speaker_by_role_or_label() {
        use crate::speakers::{Turn, assign, roles};
        let mut t = transcript();
        let turns = [Turn { start: 0.0, end: 2.5, speaker: 0 }, Turn { start: 61.0, end: 65.0, speaker: 1 }];
        assign::apply(&mut t, &turns, protocol::speakers::SpeakerSource::Diarization, 0.9);
        assert_eq!(render(&t, Format::Txt), "[00:00:00] S1: Tell me about yourself?\n[00:01:01] S2: I lead a team of five.\n");
        roles::assign(&mut t);
        let vtt = render(&t, Format::Vtt);
        assert!(vtt.contains("Interviewer: Tell me about yourself?") && vtt.contains("Candidate: I lead a team"), "{vtt}");
    }

    #[test]
    fn subtitles_number_and_time_every_segment() {
        let srt = render(&transcript(), Format::Srt);
        assert!(srt.starts_with("1\n00:00:00,000 --> 00:00:02,500\nTell me about yourself?\n\n2\n00:01:01,250 --> 00:01:05,000\n"), "{srt}");
        let vtt = render(&transcript(), Format::Vtt);
        assert!(vtt.starts_with("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nTell me"), "{vtt}");
        assert_eq!(render(&transcript(), Format::Txt), "[00:00:00] Tell me about yourself?\n[00:01:01] I lead a team of five.\n");
    }

    #[test]
    fn search_keeps_segments_with_every_term_in_any_case() {
        let mut found = transcript();
        search(&mut found, "TEAM five");
        assert_eq!(found.segments.len(), 1);
        let mut none = transcript();
        search(&mut none, "team yourself");
        assert!(none.segments.is_empty());
    }
}

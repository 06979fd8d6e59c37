//! STAR readings of answers made before they are stored: the learned reader
//! ([`crate::analysis::star_reader`]) embeds each answer's clauses off the
//! async threads, so the store's change closures, which must not block, only
//! look them up. Without the local embedding model there are no readings and
//! answers are read by the rules.

use std::collections::HashMap;

use protocol::analysis::Star;

use crate::analysis::star_read;
use crate::analysis::star_reader::StarReader;

/// Each answer text's STAR reading by the learned reader.
#[derive(Debug, Default)]
pub struct Readings(HashMap<String, Star>);

impl Readings {
    /// Reads `texts` with `reader` on a blocking thread; none without one.
    pub async fn prepare(reader: Option<StarReader>, texts: impl IntoIterator<Item = String>) -> Self {
        let Some(reader) = reader else { return Self::default() };
        let texts: Vec<String> = texts.into_iter().collect();
        let read = tokio::task::spawn_blocking(move || {
            texts.into_iter().map(|text| {
                let star = star_read(&text, Some(&reader));
                (text, star)
            }).collect()
        });
        match read.await {
            Ok(readings) => Self(readings),
            Err(error) => {
                tracing::warn!(error = %error, "the learned STAR reader stopped; the rules read these answers");
                Self::default()
            }
        }
    }

    /// The reading of `text`, if it was read.
    pub fn get(&self, text: &str) -> Option<&Star> {
        self.0.get(text)
    }
}

//! STAR readings of answers made before they are stored: the learned reader
//! ([`crate::analysis::star_reader`]) embeds each answer's clauses off the
//! async threads, so the store's change closures, which must not block, only
//! look them up. Without the local embedding model there are no readings and
//! answers are read by the rules.

use std::collections::HashMap;

use protocol::analysis::Star;

use crate::analysis::star_read;
use crate::analysis::star_reader::StarReader;
use crate::practice::answers::holds;
use crate::store::Store;

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

    /// Reads the `(question_id, text)` answers that `owner`'s session
    /// `session_id` does not already hold word for word: [`store_answers`]
    /// keeps those as they are, so reading them again would be wasted.
    ///
    /// [`store_answers`]: crate::practice::answers::store_answers
    pub async fn prepare_changed(reader: Option<StarReader>, store: &Store, owner: &str, session_id: &str, answers: &[(String, String)]) -> Self {
        if reader.is_none() {
            return Self::default();
        }
        let stored = store.practice(owner, session_id).await.ok().flatten();
        let changed = answers.iter().filter(|(question_id, text)| !stored.as_ref().is_some_and(|s| holds(s, question_id, text)));
        Self::prepare(reader, changed.map(|(_, text)| text.clone()).collect::<Vec<_>>()).await
    }

    /// The reading of `text`, if it was read.
    pub fn get(&self, text: &str) -> Option<&Star> {
        self.0.get(text)
    }
}

//! Streaming coaching on one stored practice answer to every socket of its
//! owner: `practice.feedback.delta` pieces, then `practice.feedback.done`
//! with the structured feedback (stored with the answer). With a model to
//! write it (the endpoint, or offline the local model when its first words
//! come within `practice.local_model_secs`) its words are the feedback's
//! detail, streamed as they come; otherwise the rules' feedback is streamed
//! word by word. Typed answers (`POST …/coach`) and spoken ones both end here.

use std::sync::Arc;

use actix::Addr;
use actors::Hub;
use actors::hub::Broadcast;
use futures_util::StreamExt as _;
use protocol::error::ErrorDetail;
use protocol::practice::{Feedback, FeedbackDelta, FeedbackDone, PracticeSession};
use protocol::ws::ServerFrame;

use crate::practice::coach;
use crate::practice::writer::Writer;
use crate::store::Store;

/// Words per `practice.feedback.delta` when the rules' feedback is streamed.
const WORDS_PER_PIECE: usize = 3;

/// Streams coaching on the stored answer to `question_id` of `session` (just
/// stored by the caller) to every socket of `owner`; the stream's id.
pub fn start_coaching(hub: &Addr<Hub>, store: &Store, writer: Option<Writer>, owner: &str, session: PracticeSession, question_id: &str) -> String {
    let answer = session.answers.iter().find(|a| a.question_id == question_id).map(|a| a.text.clone()).unwrap_or_default();
    let stream = Stream {
        owner: owner.to_owned(),
        practice_id: session.id.clone(),
        question_id: question_id.to_owned(),
        stream_id: uuid::Uuid::new_v4().simple().to_string(),
        answer,
        hub: hub.clone(),
        store: store.clone(),
    };
    let stream_id = stream.stream_id.clone();
    actix_rt::spawn(stream.run(session, writer));
    metrics::counter!("debrief_practice_coaching_total").increment(1);
    stream_id
}

/// One coaching stream, from the stored answer to the stored feedback.
struct Stream {
    owner: String,
    practice_id: String,
    question_id: String,
    stream_id: String,
    answer: String,
    hub: Addr<Hub>,
    store: Store,
}

impl Stream {
    async fn run(self, session: PracticeSession, writer: Option<Writer>) {
        let (Some(question), Some(stored)) = (
            session.questions.iter().find(|q| q.id == self.question_id),
            session.answers.iter().find(|a| a.question_id == self.question_id),
        ) else {
            return;
        };
        let metrics = stored.metrics.clone();
        let mut feedback = coach::answer_feedback(question, &metrics);
        let mut seq = 0;
        let from_model = match writer {
            Some(writer) => {
                let turns = coach::coaching_prompt(&session, question, &self.answer, &metrics);
                self.stream_model(&writer, turns, &mut seq).await
            }
            None => None,
        };
        match from_model {
            Some(detail) => {
                feedback.detail = detail;
                feedback.source = "model".to_owned();
            }
            None => {
                let text = coach::render(&feedback);
                let words: Vec<&str> = text.split_inclusive(' ').collect();
                for piece in words.chunks(WORDS_PER_PIECE) {
                    self.delta(&mut seq, piece.concat());
                }
            }
        }
        self.finish(feedback, metrics).await;
    }

    /// Streams the writer's reply; `None` (after a warning) when it fails
    /// before finishing or its first words take longer than the writer's
    /// timeout, so the rules' feedback is sent instead.
    async fn stream_model(&self, writer: &Writer, turns: Vec<actors::chat_ports::Turn>, seq: &mut u64) -> Option<String> {
        let first_words = async {
            let mut stream = writer.model.stream(turns, writer.max_tokens).await?;
            let first = stream.next().await;
            Ok::<_, actors::chat_ports::ModelError>((first, stream))
        };
        let (first, mut stream) = match tokio::time::timeout(writer.timeout, first_words).await {
            Ok(Ok(started)) => started,
            Ok(Err(error)) => {
                tracing::warn!(code = error.code(), "the model could not coach; the rules' feedback is sent");
                return None;
            }
            Err(_) => {
                tracing::warn!(local = writer.local, "the model was too slow to start coaching; the rules' feedback is sent");
                return None;
            }
        };
        let mut reply = String::new();
        let mut next = first;
        while let Some(piece) = next.take() {
            match piece {
                Ok(piece) => {
                    reply.push_str(&piece);
                    self.delta(seq, piece);
                    next = stream.next().await;
                }
                Err(error) => {
                    tracing::warn!(code = error.code(), "the model stopped coaching; the rules' feedback is sent");
                    return None;
                }
            }
        }
        let reply = reply.trim().to_owned();
        (!reply.is_empty()).then_some(reply)
    }

    fn push(&self, frame: ServerFrame) {
        self.hub.do_send(Broadcast { user_id: self.owner.clone(), frame: Arc::new(frame) });
    }

    fn delta(&self, seq: &mut u64, text: String) {
        *seq += 1;
        self.push(ServerFrame::PracticeFeedbackDelta(FeedbackDelta {
            practice_id: self.practice_id.clone(),
            question_id: self.question_id.clone(),
            stream_id: self.stream_id.clone(),
            seq: *seq,
            text,
        }));
    }

    /// Stores the feedback with the answer (unless the answer has changed
    /// since) and pushes it.
    async fn finish(&self, feedback: Feedback, metrics: protocol::practice::AnswerMetrics) {
        let stored = self
            .store
            .change_practice(&self.owner, &self.practice_id, |session| {
                match session.answers.iter_mut().find(|a| a.question_id == self.question_id && a.text == self.answer) {
                    Some(answer) => {
                        answer.feedback = Some(feedback.clone());
                        Ok(())
                    }
                    None => Err(()),
                }
            })
            .await;
        match stored {
            Ok(Some(Ok(_))) | Ok(Some(Err(()))) => self.push(ServerFrame::PracticeFeedbackDone(FeedbackDone {
                practice_id: self.practice_id.clone(),
                question_id: self.question_id.clone(),
                stream_id: self.stream_id.clone(),
                feedback,
                metrics: Box::new(metrics),
            })),
            Ok(None) => {}
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "storing coaching feedback failed");
                self.push(ServerFrame::PracticeFeedbackError {
                    practice_id: self.practice_id.clone(),
                    question_id: self.question_id.clone(),
                    stream_id: self.stream_id.clone(),
                    error: ErrorDetail::new("feedback_not_stored", "the feedback could not be stored; ask again"),
                });
            }
        }
    }
}

//! WebSocket frames of `GET /ws`. Every frame is one JSON text frame with a
//! `type` naming it (`{"type": "dotted.name", ...}`), in both directions.
//!
//! Durable events (pushes a user must not miss) carry a per-user `seq`; a client
//! that reconnects sends `{"type":"hello","last_seq":N}` and receives every event
//! after `N`, in order, followed by `hello.ok`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ErrorDetail;

/// Frames a client may send.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type")]
pub enum ClientFrame {
    /// Resume after a reconnect: replay every event with a sequence number
    /// greater than `last_seq`. Without `last_seq`, nothing is replayed and the
    /// answer only tells the current sequence number.
    #[serde(rename = "hello")]
    Hello {
        #[serde(default)]
        last_seq: Option<u64>,
    },
    /// Application-level liveness check; answered with `pong`.
    #[serde(rename = "ping")]
    Ping {},
    /// Say something to the Career Interviewer. Without `conversation_id` the
    /// server starts a conversation. Re-sending a `client_id` never stores a
    /// second message nor generates a second reply.
    #[serde(rename = "chat.send")]
    ChatSend {
        client_id: String,
        #[serde(default)]
        conversation_id: Option<String>,
        text: String,
    },
    /// After a reconnect: replay the deltas of a reply from `from_seq` on (or
    /// get `chat.done` if it has finished).
    #[serde(rename = "chat.resume")]
    ChatResume { message_id: String, from_seq: u64 },
    /// Start answering a practice question out loud: the recording follows
    /// in binary frames as it is made, then `practice.audio.end`.
    #[serde(rename = "practice.audio.start")]
    PracticeAudioStart { session_id: String, question_id: String, format: crate::spoken::AudioFormat },
    /// The recording of the open stream is complete.
    #[serde(rename = "practice.audio.end")]
    PracticeAudioEnd { stream_id: String },
}

impl ClientFrame {
    /// Every `type` a client may send, for error messages.
    pub const TYPES: &'static [&'static str] = &["hello", "ping", "chat.send", "chat.resume", "practice.audio.start", "practice.audio.end"];
}

/// Why a text frame could not be turned into a [`ClientFrame`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrameError {
    #[error("frames must be JSON objects with a string \"type\"")]
    Malformed,
    #[error("unknown frame type {0:?}")]
    UnknownType(String),
    #[error("invalid {kind} frame: {reason}")]
    Invalid { kind: String, reason: String },
    /// The same key twice in the frame's object. Parsers disagree on which one
    /// wins (serde_json keeps the last, others the first), so such a frame
    /// could mean one thing to a proxy or log and another to us: refuse it.
    #[error("duplicate key {0:?} in the frame")]
    DuplicateKey(String),
}

impl FrameError {
    /// The snake_case code sent in the `error` frame.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "malformed_frame",
            Self::UnknownType(_) => "unknown_frame_type",
            Self::Invalid { .. } => "invalid_frame",
            Self::DuplicateKey(_) => "duplicate_key",
        }
    }
}

impl ClientFrame {
    /// Decodes one text frame, telling malformed JSON, an unknown `type` and
    /// bad fields of a known type apart.
    /// A top-level key given twice is refused ([`FrameError::DuplicateKey`]).
    pub fn decode(text: &str) -> Result<Self, FrameError> {
        let object = match serde_json::from_str(text).map_err(|_| FrameError::Malformed)? {
            TopLevel::Object(object) => object,
            TopLevel::Duplicate(key) => return Err(FrameError::DuplicateKey(key)),
        };
        let kind = object
            .get("type")
            .and_then(serde_json::Value::as_str)
            .ok_or(FrameError::Malformed)?
            .to_owned();
        if !Self::TYPES.contains(&kind.as_str()) {
            return Err(FrameError::UnknownType(kind));
        }
        serde_json::from_value(serde_json::Value::Object(object))
            .map_err(|e| FrameError::Invalid { kind, reason: e.to_string() })
    }
}

/// A frame's top-level JSON object, read so that a repeated key is noticed
/// (`serde_json::Value` silently keeps the last of two equal keys).
enum TopLevel {
    Object(serde_json::Map<String, serde_json::Value>),
    /// The first key found twice.
    Duplicate(String),
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TopLevelVisitor)
    }
}

struct TopLevelVisitor;

impl<'de> serde::de::Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                // The rest must still be read for the JSON to be checked whole.
                map.next_value::<serde::de::IgnoredAny>()?;
                while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
                return Ok(TopLevel::Duplicate(key));
            }
            let value = map.next_value()?;
            object.insert(key, value);
        }
        Ok(TopLevel::Object(object))
    }
}

/// Frames the server sends that are not durable events.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(tag = "type")]
pub enum ServerFrame {
    /// First frame on every socket.
    #[serde(rename = "welcome")]
    Welcome {
        session_id: String,
        user_id: String,
        /// The server pings this often; answer pongs or be disconnected.
        heartbeat_secs: u64,
    },
    /// Sent after the replay that a `hello` asked for.
    #[serde(rename = "hello.ok")]
    HelloOk {
        /// How many events were replayed.
        replayed: u64,
        /// The sequence number of the user's newest event (0 when none).
        last_seq: u64,
    },
    #[serde(rename = "pong")]
    Pong {},
    /// A frame could not be handled; the socket stays open.
    #[serde(rename = "error")]
    Error { error: ErrorDetail },
    /// The user message of a `chat.send` is stored.
    #[serde(rename = "chat.ack")]
    ChatAck { client_id: String, conversation_id: String, message_id: String },
    /// A new message in a conversation (sent to every socket of the user, so
    /// other tabs show what one tab sent).
    #[serde(rename = "chat.message")]
    ChatMessage { conversation_id: String, message: crate::chat::ChatMessage },
    /// The next piece of a streaming reply; `seq` counts from 1 per reply.
    /// Assemble pieces by `seq`: right after a `chat.resume` a piece may arrive
    /// before an earlier replayed one (never twice, never missing).
    #[serde(rename = "chat.delta")]
    ChatDelta {
        conversation_id: String,
        message_id: String,
        /// The user message this reply answers.
        reply_to: String,
        seq: u64,
        text: String,
    },
    /// The reply is complete and stored.
    #[serde(rename = "chat.done")]
    ChatDone {
        conversation_id: String,
        message_id: String,
        /// The user message this reply answers (absent for an introduction).
        #[serde(skip_serializing_if = "Option::is_none")]
        reply_to: Option<String>,
        content: String,
    },
    /// A reply could not be made; the user message stays stored and the same
    /// `client_id` may be sent again to retry.
    #[serde(rename = "chat.error")]
    ChatError {
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        conversation_id: Option<String>,
        /// The reply a failed `chat.resume` asked for.
        #[serde(skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
        error: ErrorDetail,
    },
    /// How far an upload has come (live, at most a few times a second while
    /// bytes flow; not replayed: the next one supersedes it).
    #[serde(rename = "upload.progress")]
    UploadProgress(crate::interview::UploadProgress),
    /// Progress within a processing stage (live only; stage changes come as
    /// durable `interview.status` events with a `seq`).
    #[serde(rename = "interview.status")]
    InterviewStatus(crate::interview::InterviewStatusPush),
    /// The next piece of coaching on a practice answer (live only).
    #[serde(rename = "practice.feedback.delta")]
    PracticeFeedbackDelta(crate::practice::FeedbackDelta),
    /// The coaching is complete and stored with the answer.
    #[serde(rename = "practice.feedback.done")]
    PracticeFeedbackDone(crate::practice::FeedbackDone),
    /// The socket's spoken answer may stream: send its binary frames.
    #[serde(rename = "practice.audio.ready")]
    PracticeAudioReady { stream_id: String },
    /// The whole transcript so far of a spoken answer being recorded (live only).
    #[serde(rename = "practice.transcript.partial")]
    PracticeTranscriptPartial { stream_id: String, text: String },
    /// A spoken answer could not be used; the previous answer stays.
    #[serde(rename = "practice.audio.error")]
    PracticeAudioError {
        /// The live stream, when it came over a socket.
        #[serde(skip_serializing_if = "Option::is_none")]
        stream_id: Option<String>,
        /// The spoken answer, once it had one.
        #[serde(skip_serializing_if = "Option::is_none")]
        answer_id: Option<String>,
        session_id: String,
        question_id: String,
        error: ErrorDetail,
    },
    /// A spoken answer is transcribed and stored as the question's answer;
    /// coaching follows as `practice.feedback.*`.
    #[serde(rename = "practice.answer.transcribed")]
    PracticeAnswerTranscribed(crate::spoken::AnswerTranscribed),
    /// Coaching could not be made; the answer stays stored.
    #[serde(rename = "practice.feedback.error")]
    PracticeFeedbackError {
        practice_id: String,
        question_id: String,
        stream_id: String,
        error: ErrorDetail,
    },
}

impl ServerFrame {
    /// An `error` frame.
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Error {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
                details: serde_json::Value::Null,
            },
        }
    }

    /// `chat.done` for a stored reply.
    pub fn chat_done(reply: crate::chat::ChatMessage) -> Self {
        Self::ChatDone {
            conversation_id: reply.conversation_id,
            message_id: reply.id,
            reply_to: reply.reply_to,
            content: reply.content,
        }
    }

    /// The frame as JSON text.
    pub fn to_text(&self) -> String {
        // A derived Serialize over strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{\"type\":\"error\"}"))
    }
}

/// A durable event as pushed: the event's own fields plus `type` and `seq`,
/// e.g. `{"type":"account.updated","seq":3,"user":{...}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFrame {
    pub seq: u64,
    /// The frame's JSON text, ready to write to a socket.
    pub text: String,
}

impl EventFrame {
    /// Builds the frame from the event's kind, sequence number and body
    /// (a JSON object; anything else is wrapped as `{"data": body}`).
    pub fn new(kind: &str, seq: u64, body: serde_json::Value) -> Self {
        let mut object = match body {
            serde_json::Value::Object(map) => map,
            other => {
                let mut map = serde_json::Map::new();
                map.insert("data".into(), other);
                map
            }
        };
        object.insert("type".into(), kind.into());
        object.insert("seq".into(), seq.into());
        Self { seq, text: serde_json::Value::Object(object).to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_frame_decodes_with_and_without_last_seq() {
        assert_eq!(
            ClientFrame::decode(r#"{"type":"hello","last_seq":7}"#),
            Ok(ClientFrame::Hello { last_seq: Some(7) })
        );
        assert_eq!(
            ClientFrame::decode(r#"{"type":"hello"}"#),
            Ok(ClientFrame::Hello { last_seq: None })
        );
    }

    #[test]
    fn bad_frames_are_told_apart() {
        assert_eq!(ClientFrame::decode("not json"), Err(FrameError::Malformed));
        assert_eq!(ClientFrame::decode("[1,2]"), Err(FrameError::Malformed));
        assert_eq!(
            ClientFrame::decode(r#"{"type":"nope"}"#),
            Err(FrameError::UnknownType("nope".into()))
        );
        let invalid = ClientFrame::decode(r#"{"type":"hello","last_seq":"x"}"#).unwrap_err();
        assert_eq!(invalid.code(), "invalid_frame");
    }

    #[test]
    fn a_frame_with_a_repeated_top_level_key_is_refused() {
        // serde_json's Value would keep the last `type` and read a ping.
        let frame = r#"{"type":"chat.send","client_id":"a","text":"hi","type":"ping"}"#;
        assert_eq!(ClientFrame::decode(frame), Err(FrameError::DuplicateKey("type".into())));
        let frame = r#"{"type":"hello","last_seq":1,"last_seq":2}"#;
        assert_eq!(ClientFrame::decode(frame), Err(FrameError::DuplicateKey("last_seq".into())));
        assert_eq!(FrameError::DuplicateKey("type".into()).code(), "duplicate_key");
        // A repeated key that leaves the JSON broken is still just malformed.
        assert_eq!(ClientFrame::decode(r#"{"type":"ping","type":}"#), Err(FrameError::Malformed));
        // Equal keys in different objects are fine.
        assert_eq!(
            ClientFrame::decode(r#"{"type":"hello","x":{"type":1},"y":{"type":2}}"#),
            Ok(ClientFrame::Hello { last_seq: None })
        );
    }

    #[test]
    fn an_event_frame_carries_type_seq_and_body() {
        let frame = EventFrame::new("account.updated", 3, serde_json::json!({"name": "Ann"}));
        let value: serde_json::Value = serde_json::from_str(&frame.text).unwrap();
        assert_eq!(value["type"], "account.updated");
        assert_eq!(value["seq"], 3);
        assert_eq!(value["name"], "Ann");
    }
}

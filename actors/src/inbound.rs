//! What a client sends, as the [`Session`](crate::session::Session) reads it:
//! the frames of a fragmented message joined (RFC 6455 §5.4) up to a size
//! limit, text checked to be UTF-8, and every failure named by the close code
//! RFC 6455 §7.4.1 gives it: 1009 too big, 1007 not UTF-8, 1002 the rest.
//!
//! It stands in for actix-ws's `AggregatedMessageStream`, which reports an
//! oversized fragmented message and fragmented text that is not UTF-8 as
//! `ProtocolError::Io` with a message, so they could only be told from a
//! protocol error by their wording.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_web::error::PayloadError;
use actix_web::web::{Bytes, BytesMut};
use actix_ws::{CloseCode, CloseReason, Item, Message, ProtocolError};
use futures_util::Stream;

/// One whole message from the client.
#[derive(Debug, PartialEq)]
pub enum Inbound {
    Text(String),
    Binary(Bytes),
    Ping(Bytes),
    Pong(Bytes),
    /// The client starts the closing handshake (its status code, if any).
    Close(Option<CloseReason>),
}

/// Why the client's messages end.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// A frame, or a fragmented message, is over the size limit (the byte
    /// guard in front of the frame parser reports it as `PayloadError::Overflow`).
    #[error("a message over the size limit")]
    TooBig,
    /// A text message that is not UTF-8.
    #[error("a text message that is not UTF-8")]
    InvalidUtf8,
    /// The connection failed or dropped; no close frame can reach the client.
    #[error("the connection dropped")]
    Disconnected,
    /// Anything else the frame parser refused.
    #[error("protocol error: {0}")]
    Protocol(ProtocolError),
}

impl InboundError {
    /// The status code of the close frame to answer with (`None`: the
    /// connection is gone, there is nobody to answer).
    pub fn close_code(&self) -> Option<CloseCode> {
        match self {
            Self::TooBig => Some(CloseCode::Size),
            Self::InvalidUtf8 => Some(CloseCode::Invalid),
            Self::Protocol(_) => Some(CloseCode::Protocol),
            Self::Disconnected => None,
        }
    }
}

impl From<ProtocolError> for InboundError {
    fn from(error: ProtocolError) -> Self {
        match error {
            ProtocolError::Overflow => Self::TooBig,
            ProtocolError::Io(error) => Self::from_io(error),
            other => Self::Protocol(other),
        }
    }
}

impl InboundError {
    /// actix-ws reports as `ProtocolError::Io` both a failed read of the
    /// connection (a `PayloadError`, the byte guard's `Overflow` among them)
    /// and a text frame that is not UTF-8 (a `Utf8Error`).
    fn from_io(error: io::Error) -> Self {
        let inner = error.get_ref();
        if let Some(payload) = inner.and_then(|e| e.downcast_ref::<PayloadError>()) {
            return match payload {
                PayloadError::Overflow => Self::TooBig,
                _ => Self::Disconnected,
            };
        }
        if inner.is_some_and(|e| e.is::<std::str::Utf8Error>()) {
            return Self::InvalidUtf8;
        }
        Self::Protocol(ProtocolError::Io(error))
    }
}

/// The fragments of an unfinished message.
struct Partial {
    text: bool,
    bytes: BytesMut,
}

/// The client's messages, from actix-ws's `MessageStream` (or any stream of
/// frames). It ends after the first error.
pub struct Messages<S> {
    frames: S,
    /// Largest message, in bytes, whether it comes in one frame or several.
    limit: usize,
    partial: Option<Partial>,
    ended: bool,
}

impl<S> Messages<S> {
    pub fn new(frames: S, limit: usize) -> Self {
        Self { frames, limit, partial: None, ended: false }
    }

    /// One frame in: a whole message out, or nothing yet (a fragment).
    fn accept(&mut self, frame: Message) -> Result<Option<Inbound>, InboundError> {
        Ok(Some(match frame {
            Message::Text(text) => Inbound::Text(String::from(&*text)),
            Message::Binary(bytes) => Inbound::Binary(bytes),
            Message::Ping(bytes) => Inbound::Ping(bytes),
            Message::Pong(bytes) => Inbound::Pong(bytes),
            Message::Close(reason) => Inbound::Close(reason),
            Message::Continuation(item) => return self.fragment(item),
            Message::Nop => return Ok(None),
        }))
    }

    /// Adds a fragment; the last one completes the message.
    fn fragment(&mut self, item: Item) -> Result<Option<Inbound>, InboundError> {
        let (bytes, last) = match item {
            Item::FirstText(bytes) => (self.begin(true, bytes), false),
            Item::FirstBinary(bytes) => (self.begin(false, bytes), false),
            Item::Continue(bytes) => (bytes, false),
            Item::Last(bytes) => (bytes, true),
        };
        let partial = self
            .partial
            .as_mut()
            .ok_or(InboundError::Protocol(ProtocolError::ContinuationNotStarted))?;
        if partial.bytes.len().saturating_add(bytes.len()) > self.limit {
            return Err(InboundError::TooBig);
        }
        partial.bytes.extend_from_slice(&bytes);
        match self.partial.take() {
            Some(Partial { text: true, bytes }) if last => String::from_utf8(bytes.to_vec())
                .map(|text| Some(Inbound::Text(text)))
                .map_err(|_| InboundError::InvalidUtf8),
            Some(Partial { text: false, bytes }) if last => Ok(Some(Inbound::Binary(bytes.freeze()))),
            unfinished => {
                self.partial = unfinished;
                Ok(None)
            }
        }
    }

    /// Starts a fragmented message; returns its first fragment.
    fn begin(&mut self, text: bool, first: Bytes) -> Bytes {
        self.partial = Some(Partial { text, bytes: BytesMut::new() });
        first
    }
}

impl<S> Stream for Messages<S>
where
    S: Stream<Item = Result<Message, ProtocolError>> + Unpin,
{
    type Item = Result<Inbound, InboundError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        while !this.ended {
            let Some(frame) = ready!(Pin::new(&mut this.frames).poll_next(cx)) else {
                break;
            };
            match frame.map_err(InboundError::from).and_then(|frame| this.accept(frame)) {
                Ok(Some(message)) => return Poll::Ready(Some(Ok(message))),
                Ok(None) => {}
                Err(error) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(error)));
                }
            }
        }
        this.ended = true;
        Poll::Ready(None)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt as _;
    use futures_util::stream;

    use super::*;

    /// Everything `frames` turn into, with a 10-byte limit.
    async fn read(frames: Vec<Result<Message, ProtocolError>>) -> Vec<Result<Inbound, InboundError>> {
        Messages::new(stream::iter(frames), 10).collect().await
    }

    fn fragments(first: Item, rest: &[&'static [u8]]) -> Vec<Result<Message, ProtocolError>> {
        let mut frames = vec![Ok(Message::Continuation(first))];
        for (i, bytes) in rest.iter().enumerate() {
            let bytes = Bytes::from_static(bytes);
            let item = if i + 1 == rest.len() { Item::Last(bytes) } else { Item::Continue(bytes) };
            frames.push(Ok(Message::Continuation(item)));
        }
        frames
    }

    #[actix_rt::test]
    async fn fragments_are_joined_into_one_message_between_control_frames() {
        let mut frames = fragments(Item::FirstText(Bytes::from_static(b"he")), &[b"ll", b"o"]);
        frames.insert(1, Ok(Message::Ping(Bytes::from_static(b"p"))));
        frames.push(Ok(Message::Text("next".into())));

        let messages: Vec<Inbound> = read(frames).await.into_iter().map(Result::unwrap).collect();

        assert_eq!(
            messages,
            [
                Inbound::Ping(Bytes::from_static(b"p")),
                Inbound::Text("hello".into()),
                Inbound::Text("next".into()),
            ]
        );
    }

    #[actix_rt::test]
    async fn a_fragmented_message_over_the_limit_is_too_big_and_ends_the_stream() {
        let frames = fragments(Item::FirstBinary(Bytes::from_static(b"123456")), &[b"78901", b"2"]);

        let out = read(frames).await;

        assert_eq!(out.len(), 1);
        assert!(matches!(out[0], Err(InboundError::TooBig)));
        assert_eq!(InboundError::TooBig.close_code(), Some(CloseCode::Size));
    }

    #[actix_rt::test]
    async fn fragmented_text_that_is_not_utf8_is_invalid_data() {
        let frames = fragments(Item::FirstText(Bytes::from_static(b"ok \xC3")), &[b"\x28"]);

        let out = read(frames).await;

        assert!(matches!(out[..], [Err(InboundError::InvalidUtf8)]));
        assert_eq!(InboundError::InvalidUtf8.close_code(), Some(CloseCode::Invalid));
    }

    #[test]
    fn parser_errors_map_to_their_close_codes() {
        let utf8 = String::from_utf8(vec![0xFF]).unwrap_err().utf8_error();
        let cases = [
            (ProtocolError::Overflow, Some(CloseCode::Size)),
            (ProtocolError::Io(io::Error::other(PayloadError::Overflow)), Some(CloseCode::Size)),
            (ProtocolError::Io(io::Error::new(io::ErrorKind::InvalidData, utf8)), Some(CloseCode::Invalid)),
            (ProtocolError::Io(io::Error::other(PayloadError::Incomplete(None))), None),
            (ProtocolError::BadOpCode, Some(CloseCode::Protocol)),
            (ProtocolError::Io(io::Error::other("reserved bits")), Some(CloseCode::Protocol)),
        ];
        for (error, code) in cases {
            let shown = error.to_string();
            assert_eq!(InboundError::from(error).close_code(), code, "{shown}");
        }
    }
}

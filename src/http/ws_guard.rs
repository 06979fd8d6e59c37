//! A guard on the raw bytes of a WebSocket connection, in front of
//! actix-http's frame parser.
//!
//! actix-http 3.19 keeps buffering a frame's payload until the whole frame is
//! in, and only then compares its declared length with the size limit, so a
//! client that declares a 2^40-byte frame and keeps sending grows the server's
//! memory without bound (docs/upstream/actix-http-ws-frame-limit.md has the
//! fix proposed upstream). This guard follows the client's frames byte by
//! byte: the 2-byte header, the 16- or 64-bit extended length, the 4-byte mask,
//! then the payload, which it only counts. As soon as a header declares more
//! than the limit, alone or added to the earlier fragments of its message, the
//! guard stops reading and ends the stream with `PayloadError::Overflow`; the
//! session answers it with close code 1009. It keeps nothing but the header in
//! progress (at most 14 bytes), and while it is not read the HTTP layer stops
//! reading the connection (its buffer is bounded).

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;

/// Longest frame header: 2 bytes, an 8-byte extended length, a 4-byte mask.
const MAX_HEADER: usize = 14;

/// What the guard refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("a frame declares {declared} bytes, over the limit of {limit}")]
    FrameTooBig { declared: u64, limit: u64 },
    #[error("a fragmented message reaches {declared} bytes, over the limit of {limit}")]
    MessageTooBig { declared: u64, limit: u64 },
}

/// Where the meter is in the client's byte stream.
#[derive(Debug, Clone, Copy)]
enum Position {
    /// Inside a frame header, `have` bytes of it read.
    Header { header: [u8; MAX_HEADER], have: usize },
    /// Inside a frame's payload, `remaining` bytes to go.
    Payload { remaining: u64 },
}

impl Position {
    const START: Self = Self::Header { header: [0; MAX_HEADER], have: 0 };
}

/// The header's full length, known from its second byte (RFC 6455 §5.2).
fn header_len(second: u8) -> usize {
    let extended = match second & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 == 0 { 0 } else { 4 };
    2 + extended + mask
}

/// The payload length a complete header declares.
fn declared_len(header: &[u8; MAX_HEADER]) -> u64 {
    match header[1] & 0x7F {
        126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
        127 => {
            let mut bytes = [0; 8];
            bytes.copy_from_slice(&header[2..10]);
            u64::from_be_bytes(bytes)
        }
        short => u64::from(short),
    }
}

/// Follows frame boundaries in the bytes a client sends and checks each
/// declared length against the limit before any payload arrives.
#[derive(Debug)]
pub struct FrameMeter {
    limit: u64,
    position: Position,
    /// Payload bytes declared by the fragments so far of an unfinished data message.
    message: u64,
}

impl FrameMeter {
    pub fn new(limit: usize) -> Self {
        let limit = u64::try_from(limit).unwrap_or(u64::MAX);
        Self { limit, position: Position::START, message: 0 }
    }

    /// Reads `bytes`, the next ones from the client.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Violation> {
        while !bytes.is_empty() {
            match &mut self.position {
                Position::Payload { remaining } => {
                    let skip = usize::try_from(*remaining).map_or(bytes.len(), |r| r.min(bytes.len()));
                    *remaining -= skip as u64;
                    bytes = &bytes[skip..];
                    if *remaining == 0 {
                        self.position = Position::START;
                    }
                }
                Position::Header { header, have } => {
                    let need = if *have < 2 { 2 } else { header_len(header[1]) };
                    let take = (need - *have).min(bytes.len());
                    header[*have..*have + take].copy_from_slice(&bytes[..take]);
                    *have += take;
                    bytes = &bytes[take..];
                    if *have >= 2 && *have == header_len(header[1]) {
                        let header = *header;
                        self.position = self.frame(&header)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks a complete header; says where its frame's payload ends.
    fn frame(&mut self, header: &[u8; MAX_HEADER]) -> Result<Position, Violation> {
        let declared = declared_len(header);
        let limit = self.limit;
        if declared > limit {
            return Err(Violation::FrameTooBig { declared, limit });
        }
        let fin = header[0] & 0x80 != 0;
        let opcode = header[0] & 0x0F;
        // Data frames (continuation 0, text 1, binary 2) build messages;
        // control frames (8 and up) may come between their fragments.
        if opcode < 8 {
            let total = if opcode == 0 { self.message.saturating_add(declared) } else { declared };
            if total > limit {
                return Err(Violation::MessageTooBig { declared: total, limit });
            }
            self.message = if fin { 0 } else { total };
        }
        Ok(match declared {
            0 => Position::START,
            remaining => Position::Payload { remaining },
        })
    }
}

/// The request payload of an upgraded connection, read through a [`FrameMeter`].
pub struct FrameGuard<S> {
    inner: S,
    meter: FrameMeter,
    /// Set once a violation was reported: nothing more is read.
    tripped: bool,
}

impl<S> FrameGuard<S> {
    pub fn new(inner: S, limit: usize) -> Self {
        Self { inner, meter: FrameMeter::new(limit), tripped: false }
    }
}

/// The request payload type actix-web's extractors take.
pub type BoxedPayload = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

impl<S> FrameGuard<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
{
    /// The guarded payload, boxed as `actix_web::dev::Payload` takes it.
    pub fn boxed(inner: S, limit: usize) -> BoxedPayload {
        Box::pin(Self::new(inner, limit))
    }
}

impl<S> Stream for FrameGuard<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.tripped {
            return Poll::Ready(None);
        }
        let item = ready!(Pin::new(&mut this.inner).poll_next(cx));
        if let Some(Ok(bytes)) = &item
            && let Err(violation) = this.meter.feed(bytes)
        {
            tracing::warn!(%violation, "closing a socket whose client sent an oversized frame");
            this.tripped = true;
            return Poll::Ready(Some(Err(PayloadError::Overflow)));
        }
        Poll::Ready(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame header declaring `len` bytes.
    fn header(fin: bool, opcode: u8, len: u64) -> Vec<u8> {
        let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
        match len {
            0..=125 => out.push(0x80 | len as u8),
            126..=0xFFFF => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                out.push(0x80 | 127);
                out.extend_from_slice(&len.to_be_bytes());
            }
        }
        out.extend_from_slice(&[1, 2, 3, 4]);
        out
    }

    fn frame(fin: bool, opcode: u8, len: usize) -> Vec<u8> {
        let mut out = header(fin, opcode, len as u64);
        out.resize(out.len() + len, b'x');
        out
    }

    #[test]
    fn frames_within_the_limit_pass_in_chunks_of_any_size() {
        let mut bytes = frame(true, 1, 100);
        bytes.extend(frame(true, 2, 1000));
        bytes.extend(frame(true, 9, 4));
        bytes.extend(frame(false, 1, 500));
        bytes.extend(frame(true, 0, 500));
        bytes.extend(frame(true, 1, 1024));
        for chunk in [1, 3, 7, 64, bytes.len()] {
            let mut meter = FrameMeter::new(1024);
            for piece in bytes.chunks(chunk) {
                assert_eq!(meter.feed(piece), Ok(()), "chunks of {chunk}");
            }
        }
    }

    #[test]
    fn a_header_declaring_too_much_is_refused_before_its_payload() {
        let mut meter = FrameMeter::new(65536);
        let huge = header(false, 2, 1 << 40);
        // Byte by byte: only the last header byte can tell.
        let (last, head) = huge.split_last().unwrap();
        for byte in head {
            assert_eq!(meter.feed(&[*byte]), Ok(()));
        }
        assert_eq!(
            meter.feed(&[*last]),
            Err(Violation::FrameTooBig { declared: 1 << 40, limit: 65536 })
        );
    }

    #[test]
    fn fragments_adding_up_to_too_much_are_refused_even_with_pings_between() {
        let mut meter = FrameMeter::new(1000);
        assert_eq!(meter.feed(&frame(false, 1, 600)), Ok(()));
        assert_eq!(meter.feed(&frame(true, 9, 10)), Ok(()));
        assert_eq!(
            meter.feed(&header(false, 0, 401)),
            Err(Violation::MessageTooBig { declared: 1001, limit: 1000 })
        );
    }

    #[test]
    fn a_finished_message_does_not_count_toward_the_next() {
        let mut meter = FrameMeter::new(1000);
        assert_eq!(meter.feed(&frame(false, 2, 600)), Ok(()));
        assert_eq!(meter.feed(&frame(true, 0, 400)), Ok(()));
        assert_eq!(meter.feed(&frame(false, 2, 600)), Ok(()));
    }
}

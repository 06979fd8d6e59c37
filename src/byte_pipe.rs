//! A byte pipe from the async side to a blocking reader: a live recording's
//! chunks are pushed as they arrive, and the decoder (on its own thread)
//! reads them as a plain `Read` that waits for more, so the recording is
//! decoded while it is still being made. Bytes read are dropped: memory holds
//! only what the decoder has not reached yet.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

#[derive(Default)]
struct State {
    bytes: VecDeque<u8>,
    /// No more bytes will come.
    closed: bool,
    /// The reader is gone: pushing is pointless.
    abandoned: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    ready: Condvar,
}

/// The pushing end.
pub struct Writer(Arc<Shared>);

/// The reading end: `read` waits for bytes, and returns 0 once the writer
/// has closed (or dropped) and everything is read.
pub struct Reader(Arc<Shared>);

/// A new pipe.
pub fn pipe() -> (Writer, Reader) {
    let shared = Arc::new(Shared::default());
    (Writer(Arc::clone(&shared)), Reader(shared))
}

impl Writer {
    /// Adds bytes for the reader; false when the reader has gone.
    pub fn push(&self, bytes: &[u8]) -> bool {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.abandoned {
            return false;
        }
        state.bytes.extend(bytes);
        self.0.ready.notify_all();
        true
    }

    /// No more bytes: the reader sees the end once it has read the rest.
    pub fn close(&self) {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        self.0.ready.notify_all();
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner).abandoned = true;
    }
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.bytes.is_empty() && !state.closed {
            state = self.0.ready.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        let n = buf.len().min(state.bytes.len());
        for (slot, byte) in buf.iter_mut().zip(state.bytes.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_gets_every_byte_in_order_then_the_end() {
        let (writer, mut reader) = pipe();
        let read = std::thread::spawn(move || {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).unwrap();
            all
        });
        for chunk in [&b"hello "[..], b"live ", b"world"] {
            assert!(writer.push(chunk));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        drop(writer);
        assert_eq!(read.join().unwrap(), b"hello live world");
    }

    #[test]
    fn pushing_to_a_gone_reader_says_so() {
        let (writer, reader) = pipe();
        drop(reader);
        assert!(!writer.push(b"x"));
    }
}

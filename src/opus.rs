//! Opus audio (WebM and Ogg from browsers' MediaRecorder, Google Meet, OBS)
//! decoded by the system's libopus, the reference decoder.
//!
//! Symphonia demuxes WebM and Ogg but has no Opus decoder. libopus is loaded
//! at run time (`libopus.so.0`, Debian's `libopus0`, which
//! `scripts/install-audio-deps.sh` installs) rather than linked: building
//! Debrief then needs no C library, and a machine without libopus still runs
//! everything else and names the missing library when an Opus recording
//! arrives. `libloading` (well kept, used by most Rust FFI loaders) does the
//! loading; the three C functions used are libopus's stable API.

use std::ffi::{c_float, c_int, c_uchar, c_void};
use std::sync::OnceLock;

/// Opus always decodes at 48 kHz here (its native rate).
pub const RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz.
const MAX_FRAMES: usize = 5_760;
/// Names tried in order.
const LIBRARY_NAMES: &[&str] = &["libopus.so.0", "libopus.so", "libopus.0.dylib", "libopus.dylib"];

type Create = unsafe extern "C" fn(rate: i32, channels: c_int, error: *mut c_int) -> *mut c_void;
type DecodeFloat = unsafe extern "C" fn(st: *mut c_void, data: *const c_uchar, len: i32, pcm: *mut c_float, frame_size: c_int, fec: c_int) -> c_int;
type Destroy = unsafe extern "C" fn(st: *mut c_void);

/// The loaded library's functions (the library stays loaded for the process).
struct Api {
    create: Create,
    decode_float: DecodeFloat,
    destroy: Destroy,
    _library: libloading::Library,
}

/// Why Opus audio cannot be decoded.
#[derive(Debug, thiserror::Error, Clone)]
pub enum OpusError {
    #[error("the Opus decoder (libopus, Debian package libopus0) is not installed on this server")]
    Missing,
    #[error("the Opus stream has {0} channels; only mono and stereo are supported")]
    Channels(usize),
    #[error("libopus refused the stream (error {0})")]
    Refused(i32),
}

fn api() -> Result<&'static Api, OpusError> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| LIBRARY_NAMES.iter().find_map(|name| load(name).ok())).as_ref().ok_or(OpusError::Missing)
}

fn load(name: &str) -> Result<Api, libloading::Error> {
    // SAFETY: loading libopus runs no initialisers with preconditions, and the
    // symbols are read with the signatures of libopus's public header (opus.h).
    unsafe {
        let library = libloading::Library::new(name)?;
        let create = *library.get::<Create>(b"opus_decoder_create\0")?;
        let decode_float = *library.get::<DecodeFloat>(b"opus_decode_float\0")?;
        let destroy = *library.get::<Destroy>(b"opus_decoder_destroy\0")?;
        Ok(Api { create, decode_float, destroy, _library: library })
    }
}

/// Whether libopus could be loaded here.
pub fn available() -> bool {
    api().is_ok()
}

/// One Opus stream's decoder, at 48 kHz.
pub struct Decoder {
    api: &'static Api,
    state: *mut c_void,
    channels: usize,
    /// Samples per channel still to drop at the start (the stream's pre-skip).
    skip: usize,
    pcm: Vec<f32>,
}

// SAFETY: the decoder state is owned by this value alone and libopus keeps no
// thread-local state; it is used from one thread at a time (`&mut self`).
unsafe impl Send for Decoder {}

impl Decoder {
    /// A decoder for `channels` channels; `header` is the stream's `OpusHead`
    /// (the codec's extra data), whose pre-skip is honoured.
    pub fn new(channels: usize, header: Option<&[u8]>) -> Result<Self, OpusError> {
        if !(1..=2).contains(&channels) {
            return Err(OpusError::Channels(channels));
        }
        let api = api()?;
        let mut error: c_int = 0;
        // SAFETY: valid rate and channel count; `error` outlives the call.
        let state = unsafe { (api.create)(RATE as i32, channels as c_int, &mut error) };
        if state.is_null() || error != 0 {
            return Err(OpusError::Refused(error));
        }
        Ok(Self { api, state, channels, skip: pre_skip(header), pcm: vec![0.0; MAX_FRAMES * channels] })
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Decodes one packet into interleaved samples (`None`: a damaged packet).
    pub fn decode(&mut self, packet: &[u8]) -> Option<&[f32]> {
        let len = i32::try_from(packet.len()).ok()?;
        // SAFETY: `pcm` holds MAX_FRAMES frames of `channels` samples, the most
        // libopus writes for one packet; `packet` is valid for `len` bytes.
        let frames = unsafe { (self.api.decode_float)(self.state, packet.as_ptr(), len, self.pcm.as_mut_ptr(), MAX_FRAMES as c_int, 0) };
        let frames = usize::try_from(frames).ok()?;
        let drop = self.skip.min(frames);
        self.skip -= drop;
        Some(&self.pcm[drop * self.channels..frames * self.channels])
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: created by opus_decoder_create, destroyed once.
        unsafe { (self.api.destroy)(self.state) }
    }
}

/// The pre-skip of an `OpusHead` header (bytes 10–11, little-endian), in 48 kHz samples.
fn pre_skip(header: Option<&[u8]>) -> usize {
    match header {
        Some(h) if h.len() >= 12 && h.starts_with(b"OpusHead") => usize::from(u16::from_le_bytes([h[10], h[11]])),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pre_skip_is_read_from_the_opus_header() {
        let mut head = b"OpusHead\x01\x02".to_vec();
        head.extend_from_slice(&312u16.to_le_bytes());
        head.extend_from_slice(&48_000u32.to_le_bytes());
        assert_eq!(pre_skip(Some(&head)), 312);
        assert_eq!(pre_skip(Some(b"junk")), 0);
        assert_eq!(pre_skip(None), 0);
    }

    #[test]
    fn libopus_decodes_silence_packets() {
        // A TOC byte of a 20-ms SILK mono frame with no payload decodes as
        // 960 samples of silence (RFC 6716 §3.1; a 1-byte packet is valid).
        let mut decoder = Decoder::new(1, None).expect("libopus is installed by scripts/install-audio-deps.sh");
        let samples = decoder.decode(&[0x08]).unwrap();
        assert_eq!(samples.len(), 960);
    }
}

//! Which recordings are accepted, told from the name and type a client gives
//! at creation and then from the file's first bytes.
//!
//! Containers: ISO base media (MP4, MOV, M4A: an `ftyp` box, or for older
//! QuickTime files a `moov`/`mdat`/`wide`/`free` atom, at byte 4), Matroska/
//! WebM (the EBML magic `1A 45 DF A3`), and WAV (`RIFF….WAVE`).

/// A container family Debrief can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// MP4, MOV and M4A.
    IsoMedia,
    WebM,
    Wav,
}

impl Container {
    pub fn name(self) -> &'static str {
        match self {
            Self::IsoMedia => "MP4/MOV/M4A",
            Self::WebM => "WebM",
            Self::Wav => "WAV",
        }
    }
}

/// The accepted file extensions.
pub const EXTENSIONS: &str = "mp4, mov, m4a, webm, wav";

/// Bytes needed to recognise a container.
pub const SNIFF_BYTES: usize = 12;

/// The container a file name's extension promises.
pub fn from_filename(name: &str) -> Option<Container> {
    let (_, extension) = name.rsplit_once('.')?;
    match extension.to_ascii_lowercase().as_str() {
        "mp4" | "mov" | "m4a" | "qt" => Some(Container::IsoMedia),
        "webm" => Some(Container::WebM),
        "wav" | "wave" => Some(Container::Wav),
        _ => None,
    }
}

/// The container a MIME type promises (parameters such as `;codecs=` ignored).
pub fn from_mime(mime: &str) -> Option<Container> {
    let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.as_str() {
        "video/mp4" | "audio/mp4" | "video/quicktime" | "audio/m4a" | "audio/x-m4a" | "video/x-m4v" => {
            Some(Container::IsoMedia)
        }
        "video/webm" | "audio/webm" => Some(Container::WebM),
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => Some(Container::Wav),
        _ => None,
    }
}

/// The container the first bytes show, if any we accept.
pub fn sniff(head: &[u8]) -> Option<Container> {
    if head.len() >= 4 && head[..4] == [0x1A, 0x45, 0xDF, 0xA3] {
        return Some(Container::WebM);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return Some(Container::Wav);
    }
    if head.len() >= 8 && matches!(&head[4..8], b"ftyp" | b"moov" | b"mdat" | b"wide" | b"free") {
        return Some(Container::IsoMedia);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types_map_to_containers() {
        assert_eq!(from_filename("Final round.MOV"), Some(Container::IsoMedia));
        assert_eq!(from_filename("call.m4a"), Some(Container::IsoMedia));
        assert_eq!(from_filename("call.wav"), Some(Container::Wav));
        assert_eq!(from_filename("notes.txt"), None);
        assert_eq!(from_filename("noextension"), None);
        assert_eq!(from_mime("video/webm;codecs=vp9"), Some(Container::WebM));
        assert_eq!(from_mime("application/pdf"), None);
    }

    #[test]
    fn magic_bytes_are_recognised() {
        assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0"), Some(Container::IsoMedia));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), Some(Container::Wav));
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42]), Some(Container::WebM));
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3"), None);
        assert_eq!(sniff(b"RIFF\x24\0\0\0AVI "), None);
    }
}

//! Parsing the tus request headers: `Upload-Metadata` (comma-separated
//! `key base64value` pairs), `Upload-Checksum` (`algorithm base64digest`) and
//! the integer headers. Every failure is a message fit for a 400.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::Digest as _;

/// Decoded `Upload-Metadata`: keys in order, values as UTF-8 text.
#[derive(Debug, Default, PartialEq)]
pub struct Metadata {
    pub pairs: Vec<(String, String)>,
}

impl Metadata {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Parses `Upload-Metadata`. Keys must be unique, non-empty ASCII without
/// spaces or commas; values are base64 (possibly empty) of UTF-8 text.
pub fn parse_metadata(raw: &str) -> Result<Metadata, String> {
    let mut metadata = Metadata::default();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.splitn(2, ' ');
        let key = parts.next().unwrap_or_default();
        let encoded = parts.next().unwrap_or_default().trim();
        if key.is_empty() || !key.is_ascii() || key.contains(char::is_whitespace) {
            return Err(format!("Upload-Metadata has an invalid key {key:?}"));
        }
        if metadata.get(key).is_some() {
            return Err(format!("Upload-Metadata repeats the key {key:?}"));
        }
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| format!("Upload-Metadata value of {key:?} is not base64"))?;
        let value =
            String::from_utf8(bytes).map_err(|_| format!("Upload-Metadata value of {key:?} is not UTF-8 text"))?;
        metadata.pairs.push((key.to_owned(), value));
    }
    Ok(metadata)
}

/// A checksum algorithm of the checksum extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha256,
}

/// The algorithms announced in `Tus-Checksum-Algorithm`.
pub const ALGORITHMS: &str = "sha1,sha256";

/// An expected digest of one PATCH body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    pub algorithm: Algorithm,
    pub digest: Vec<u8>,
}

/// Parses `Upload-Checksum: <algorithm> <base64 digest>`.
pub fn parse_checksum(raw: &str) -> Result<Checksum, String> {
    let (name, encoded) = raw.trim().split_once(' ').ok_or("Upload-Checksum must be \"<algorithm> <base64>\"")?;
    let (algorithm, size) = match name.to_ascii_lowercase().as_str() {
        "sha1" => (Algorithm::Sha1, 20),
        "sha256" => (Algorithm::Sha256, 32),
        other => return Err(format!("checksum algorithm {other:?} is not supported (use {ALGORITHMS})")),
    };
    let digest = STANDARD.decode(encoded.trim()).map_err(|_| String::from("Upload-Checksum digest is not base64"))?;
    if digest.len() != size {
        return Err(format!("a {name} digest is {size} bytes, this one is {}", digest.len()));
    }
    Ok(Checksum { algorithm, digest })
}

/// A running digest of one PATCH body.
#[derive(Clone)]
pub enum BodyDigest {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl BodyDigest {
    pub fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Sha1 => Self::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha1(hasher) => hasher.update(bytes),
            Self::Sha256(hasher) => hasher.update(bytes),
        }
    }

    pub fn finalize(self) -> Vec<u8> {
        match self {
            Self::Sha1(hasher) => hasher.finalize().to_vec(),
            Self::Sha256(hasher) => hasher.finalize().to_vec(),
        }
    }
}

/// Parses a non-negative integer header.
pub fn parse_u64(name: &str, raw: &str) -> Result<u64, String> {
    let raw = raw.trim();
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{name} must be a non-negative integer"));
    }
    raw.parse().map_err(|_| format!("{name} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_pairs_decode_and_empty_values_are_allowed() {
        let metadata = parse_metadata("filename dGFsay5tcDQ=,is_confidential,company QWNtZQ==").unwrap();
        assert_eq!(metadata.get("filename"), Some("talk.mp4"));
        assert_eq!(metadata.get("is_confidential"), Some(""));
        assert_eq!(metadata.get("company"), Some("Acme"));
    }

    #[test]
    fn bad_metadata_is_refused() {
        assert!(parse_metadata("filename !!!").is_err());
        assert!(parse_metadata("a QQ==,a QQ==").is_err());
        assert!(parse_metadata("name /w==").is_err(), "0xff is not UTF-8");
    }

    #[test]
    fn checksums_name_a_supported_algorithm_and_a_digest_of_its_size() {
        let sha1 = parse_checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").unwrap();
        assert_eq!(sha1.algorithm, Algorithm::Sha1);
        assert!(parse_checksum("md5 1B2M2Y8AsgTpgAmY7PhCfg==").is_err());
        assert!(parse_checksum("sha256 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").is_err());
        assert!(parse_checksum("sha1").is_err());
    }

    #[test]
    fn a_body_digest_matches_the_known_sha1_of_hello_world() {
        let mut digest = BodyDigest::new(Algorithm::Sha1);
        digest.update(b"hello world");
        let expected = parse_checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").unwrap().digest;
        assert_eq!(digest.finalize(), expected);
    }

    #[test]
    fn integers_are_plain_digits() {
        assert_eq!(parse_u64("Upload-Offset", "42"), Ok(42));
        assert!(parse_u64("Upload-Offset", "-1").is_err());
        assert!(parse_u64("Upload-Offset", "+1").is_err());
        assert!(parse_u64("Upload-Offset", "").is_err());
    }
}

//! Streaming one PATCH (or creation-with-upload) body into the file store.
//!
//! The request holds the upload's lock (a lease from its `Upload` actor) for
//! as long as it streams. Bytes are gathered into `uploads.write_buffer_bytes`
//! buffers; each buffer is written by the file store while the blocking pool
//! hashes it (the recording's SHA-256, and the body's checksum when one was
//! sent), so memory stays flat whatever the file size. Durability:
//! - without `Upload-Checksum`, every `uploads.checkpoint_bytes` the file is
//!   synced and only then the new offset stored; a broken connection keeps
//!   what arrived (synced, then stored), as tus asks;
//! - with `Upload-Checksum`, nothing of the body counts until its digest
//!   matches; a mismatch leaves the offset where it was (460).
//!
//! The stored offset therefore never covers bytes that are not on disk, and
//! bytes on disk beyond it are discarded by the next append.

use actix::Addr;
use actix_web::web;
use actors::upload::{Abandon, Complete, Lease, Open, Progress, Release, Upload};
use anyhow::Context as _;
use bytes::BytesMut;
use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use protocol::interview::UploadCompleted;
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncReadExt as _;

use super::formats;
use super::headers::{BodyDigest, Checksum};
use crate::error::ApiError;
use crate::files::Appender;
use crate::startup::AppState;
use crate::store::uploads::UploadRow;

/// Where a PATCH left the upload.
pub struct Received {
    /// The durable offset.
    pub offset: u64,
    /// The interview the upload belongs to (an earlier one for a duplicate).
    pub interview_id: String,
    /// When the upload expires (absent once complete).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Holds the upload's lock; hands it back with the last durable state when
/// dropped, whichever way the request ends.
struct LeaseGuard {
    actor: Addr<Upload>,
    /// The durable offset and the hash covering it; `None` once handed over.
    durable: Option<(u64, Sha256)>,
    length: Option<u64>,
    released: bool,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        match self.durable.take() {
            Some((offset, hash)) => self.actor.do_send(Release { offset, length: self.length, hash }),
            None => self.actor.do_send(Abandon),
        }
    }
}

fn mailbox(error: actix::MailboxError) -> ApiError {
    ApiError::Unexpected(anyhow::anyhow!("upload actor unavailable: {error}"))
}

/// Appends `payload` to `upload` at `offset` (which must be the stored offset).
///
/// The work runs in its own task on this worker: when a client's connection
/// drops, actix-web drops the request's handler, but the bytes that did
/// arrive must still be saved (the task sees the body end in an error, syncs
/// what it has and stores the offset).
pub(super) async fn receive(
    state: &web::Data<AppState>,
    owner: &str,
    upload: UploadRow,
    offset: u64,
    payload: web::Payload,
    checksum: Option<Checksum>,
) -> Result<Received, ApiError> {
    let (state, owner) = (state.clone(), owner.to_owned());
    actix_rt::spawn(async move { receive_body(&state, &owner, upload, offset, payload, checksum).await })
        .await
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("an upload task failed: {e}")))?
}

async fn receive_body(
    state: &web::Data<AppState>,
    owner: &str,
    upload: UploadRow,
    offset: u64,
    mut payload: web::Payload,
    checksum: Option<Checksum>,
) -> Result<Received, ApiError> {
    let settings = &state.settings.uploads;
    // A request at the wrong offset is answered without taking the lock, so
    // it cannot get in the way of the request that is right.
    if offset != upload.offset() {
        return Err(ApiError::OffsetMismatch { expected: upload.offset() });
    }
    let actor = state
        .uploads
        .send(Open {
            upload_id: upload.id.clone(),
            owner: owner.to_owned(),
            interview_id: upload.interview_id.clone(),
            length: upload.length(),
            offset: upload.offset(),
        })
        .await
        .map_err(mailbox)?;
    let granted = actor.send(Lease).await.map_err(mailbox)?.map_err(|_| ApiError::UploadLocked)?;
    let mut guard = LeaseGuard { actor: actor.clone(), durable: None, length: upload.length(), released: false };

    // Read again under the lock: a PATCH that just ended may have moved it.
    let upload = state.store.upload(owner, &upload.id).await?.ok_or(ApiError::NotFound("upload"))?;
    let start = upload.offset();
    if offset != start {
        guard.durable = granted.hash.map(|hash| (start, hash));
        return Err(ApiError::OffsetMismatch { expected: start });
    }
    let hash = match granted.hash {
        Some(hash) => hash,
        None => rehash(state, &upload.file_key, start).await?,
    };
    guard.durable = Some((start, hash.clone()));
    let limit = upload.length().unwrap_or(settings.max_size_bytes);

    let mut writer = Writer {
        appender: state.files.append_at(&upload.file_key, start).await?,
        hash,
        body: checksum.as_ref().map(|c| BodyDigest::new(c.algorithm)),
        head: Vec::new(),
        // An earlier request checked the first bytes.
        sniffed: start >= formats::SNIFF_BYTES as u64,
    };
    if start > 0 && start < formats::SNIFF_BYTES as u64 {
        writer.head = read_head(state, &upload.file_key).await?;
    }
    let mut buffer = BytesMut::with_capacity(settings.write_buffer_bytes);
    let mut received = start;
    let mut durable = start;
    let mut interrupted = false;
    let progress_every = std::time::Duration::from_millis(settings.progress_interval_ms);
    // The first chunk reports at once.
    let mut last_progress = std::time::Instant::now().checked_sub(progress_every).unwrap_or_else(std::time::Instant::now);
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            interrupted = true;
            break;
        };
        let size = chunk.len() as u64;
        if received + size > limit {
            return Err(ApiError::UploadTooLarge { limit });
        }
        received += size;
        metrics::counter!("debrief_upload_bytes_received_total").increment(size);
        buffer.extend_from_slice(&chunk);
        if buffer.len() >= settings.write_buffer_bytes {
            writer.write(&mut buffer).await?;
            check_format(state, owner, &upload, &mut writer, false).await?;
        }
        // The actor throttles the pushes; this only spares it a message per chunk.
        if last_progress.elapsed() >= progress_every {
            last_progress = std::time::Instant::now();
            actor.do_send(Progress { offset: received, length: upload.length() });
        }
        if checksum.is_none() && received - durable >= settings.checkpoint_bytes {
            writer.write(&mut buffer).await?;
            check_format(state, owner, &upload, &mut writer, false).await?;
            commit(state, owner, &upload, &mut writer, received).await?;
            durable = received;
            guard.durable = Some((durable, writer.hash.clone()));
        }
    }
    if interrupted && checksum.is_some() {
        return Err(ApiError::BadRequest(String::from("the body was cut short; nothing of it was stored")));
    }
    writer.write(&mut buffer).await?;
    if let Some(expected) = &checksum {
        let actual = writer.body.take().map(BodyDigest::finalize).unwrap_or_default();
        if actual != expected.digest {
            return Err(ApiError::ChecksumMismatch);
        }
    }
    let complete = upload.length() == Some(received);
    if received > durable || complete {
        check_format(state, owner, &upload, &mut writer, complete).await?;
        let expires = commit(state, owner, &upload, &mut writer, received).await?;
        guard.durable = Some((received, writer.hash.clone()));
        if !complete {
            return Ok(Received { offset: received, interview_id: upload.interview_id, expires_at: Some(expires) });
        }
    } else if !complete {
        return Ok(Received { offset: received, interview_id: upload.interview_id, expires_at: Some(upload.expires_at) });
    }

    // The last byte is durable: the recording is complete.
    guard.released = true;
    let sha256 = hex::encode(writer.hash.finalize());
    let finished = UploadRow { offset: i64::try_from(received).unwrap_or(i64::MAX), ..upload };
    let duplicate_of = state.store.interview_with_sha256(owner, &sha256, &finished.interview_id).await?;
    state.store.complete_upload(owner, &finished, &sha256, duplicate_of.as_deref()).await?;
    if duplicate_of.is_some() {
        state.files.delete(&finished.file_key).await?;
        metrics::counter!("debrief_uploads_deduplicated_total").increment(1);
    } else {
        // Its job was queued with the completion: start it now rather than at the next poll.
        state.jobs.do_send(actors::jobs::Wake);
    }
    let interview_id = duplicate_of.unwrap_or_else(|| finished.interview_id.clone());
    let completed = UploadCompleted {
        upload_id: finished.id.clone(),
        interview_id: interview_id.clone(),
        size_bytes: received,
        sha256,
        duplicate: interview_id != finished.interview_id,
    };
    actor.send(Complete { completed }).await.map_err(mailbox)??;
    let seconds = (Utc::now() - finished.created_at).num_milliseconds() as f64 / 1000.0;
    metrics::histogram!("debrief_upload_duration_seconds").record(seconds.max(0.0));
    metrics::counter!("debrief_uploads_completed_total").increment(1);
    Ok(Received { offset: received, interview_id, expires_at: None })
}

/// Syncs the file, then stores `offset` as durable. Returns the new expiry.
async fn commit(
    state: &AppState,
    owner: &str,
    upload: &UploadRow,
    writer: &mut Writer,
    offset: u64,
) -> Result<DateTime<Utc>, ApiError> {
    writer.appender.sync().await?;
    let expires = super::expires_at(state);
    if !state.store.set_upload_offset(owner, &upload.id, offset, expires).await? {
        // Terminated or deleted meanwhile.
        return Err(ApiError::NotFound("upload"));
    }
    Ok(expires)
}

/// Refuses a file whose first bytes are not the container its name and type
/// promised, and removes the upload: it could never be analysed.
/// Waits for `SNIFF_BYTES` unless the file is `complete` (and shorter).
async fn check_format(
    state: &AppState,
    owner: &str,
    upload: &UploadRow,
    writer: &mut Writer,
    complete: bool,
) -> Result<(), ApiError> {
    if writer.sniffed || (writer.head.len() < formats::SNIFF_BYTES && !complete) {
        return Ok(());
    }
    writer.sniffed = true;
    let metadata = super::headers::parse_metadata(&upload.metadata).unwrap_or_default();
    let promised = super::promised_container(metadata.get("filename"), metadata.get("filetype"))?;
    let found = formats::sniff(&writer.head);
    if found == Some(promised) {
        return Ok(());
    }
    super::remove_upload(state, owner, &upload.id).await?;
    let message = match found {
        Some(found) => format!("the file was named as {} but its content is {}", promised.name(), found.name()),
        None => format!("the file's content is not {} (nor any recording format Debrief reads)", promised.name()),
    };
    Err(ApiError::UnsupportedType { code: "file_type_mismatch", message })
}

/// The appender plus the digests that follow every byte written.
struct Writer {
    appender: Box<dyn Appender>,
    /// SHA-256 of the whole recording so far.
    hash: Sha256,
    /// Digest of this request's body, when a checksum was sent.
    body: Option<BodyDigest>,
    /// The first bytes of the file (up to `SNIFF_BYTES`), for recognising the container.
    head: Vec<u8>,
    /// Whether the container has been checked.
    sniffed: bool,
}

impl Writer {
    /// Writes and hashes the buffered bytes (in parallel, off the async threads).
    async fn write(&mut self, buffer: &mut BytesMut) -> Result<(), ApiError> {
        if buffer.is_empty() {
            return Ok(());
        }
        let bytes = buffer.split().freeze();
        if self.head.len() < formats::SNIFF_BYTES {
            let wanted = formats::SNIFF_BYTES - self.head.len();
            self.head.extend_from_slice(&bytes[..wanted.min(bytes.len())]);
        }
        let mut hash = self.hash.clone();
        let mut body = self.body.take();
        let for_hash = bytes.clone();
        let hashing = tokio::task::spawn_blocking(move || {
            hash.update(&for_hash);
            if let Some(body) = &mut body {
                body.update(&for_hash);
            }
            (hash, body)
        });
        let (written, hashed) = futures_util::join!(self.appender.write(bytes), hashing);
        written?;
        let (hash, body) = hashed.context("hashing failed")?;
        self.hash = hash;
        self.body = body;
        Ok(())
    }
}

/// The first bytes of a stored file (for sniffing after a resume).
async fn read_head(state: &AppState, key: &str) -> Result<Vec<u8>, ApiError> {
    let mut reader = state.files.open_read(key).await?;
    let mut head = vec![0; formats::SNIFF_BYTES];
    let mut filled = 0;
    while filled < head.len() {
        let n = reader.read(&mut head[filled..]).await.context("failed to read a stored file")?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    head.truncate(filled);
    Ok(head)
}

/// Recomputes the SHA-256 of the first `length` stored bytes (after a restart,
/// or when a PATCH ended without handing its hash back).
async fn rehash(state: &AppState, key: &str, length: u64) -> Result<Sha256, ApiError> {
    let mut hash = Sha256::new();
    if length == 0 {
        return Ok(hash);
    }
    let mut reader = state.files.open_read(key).await?.take(length);
    let mut buffer = vec![0; 1 << 20];
    let mut total = 0;
    loop {
        let n = reader.read(&mut buffer).await.context("failed to read a stored file")?;
        if n == 0 {
            break;
        }
        total += n as u64;
        let chunk = buffer[..n].to_vec();
        hash = tokio::task::spawn_blocking(move || {
            hash.update(&chunk);
            hash
        })
        .await
        .context("hashing failed")?;
    }
    if total != length {
        return Err(ApiError::Unexpected(anyhow::anyhow!("a stored file is shorter than its recorded offset")));
    }
    Ok(hash)
}

//! Uploads: the `Uploads` registry and one `Upload` actor per tus upload that
//! has bytes flowing.
//!
//! The Upload actor is the upload's live state: the lock that keeps two PATCH
//! requests from interleaving (a PATCH holds a [`Lease`] while it streams),
//! the incremental SHA-256 of the bytes made durable so far (handed to the
//! PATCH that holds the lease and handed back when it ends), the recent
//! throughput and ETA, and the throttled `upload.progress` pushes. When the
//! upload completes it publishes the durable `upload.completed` event and
//! stops. Nothing here touches files or the database: the tus handler does,
//! and the database stays the truth (an actor lost in a restart is rebuilt
//! from the stored offset; its hash is recomputed from the stored bytes).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use protocol::interview::{UploadCompleted, UploadProgress};
use protocol::ws::ServerFrame;
use sha2::Sha256;

use crate::hub::{Broadcast, Hub};
use crate::ports::EventSink;

/// Settings of the Upload actors.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Shortest gap between two progress pushes of one upload.
    pub progress_interval: Duration,
    /// An actor with no PATCH in flight for this long stops.
    pub idle_stop: Duration,
}

/// Progress is pushed at least this often while bytes flow.
const PUSH_AT_LEAST_EVERY: Duration = Duration::from_secs(1);

/// Keeps one live `Upload` actor per upload id.
pub struct Uploads {
    active: HashMap<String, Addr<Upload>>,
    hub: Addr<Hub>,
    events: Arc<dyn EventSink>,
    config: UploadConfig,
}

impl Uploads {
    pub fn new(hub: Addr<Hub>, events: Arc<dyn EventSink>, config: UploadConfig) -> Self {
        Self { active: HashMap::new(), hub, events, config }
    }
}

impl Actor for Uploads {
    type Context = Context<Self>;
}

/// The live actor of an upload, started if it is not running.
#[derive(Message)]
#[rtype(result = "Addr<Upload>")]
pub struct Open {
    pub upload_id: String,
    pub owner: String,
    pub interview_id: String,
    pub length: Option<u64>,
    /// The durable offset as stored.
    pub offset: u64,
}

impl Handler<Open> for Uploads {
    type Result = MessageResult<Open>;

    fn handle(&mut self, msg: Open, _: &mut Context<Self>) -> Self::Result {
        self.active.retain(|_, upload| upload.connected());
        if let Some(addr) = self.active.get(&msg.upload_id) {
            return MessageResult(addr.clone());
        }
        let upload = Upload {
            id: msg.upload_id.clone(),
            owner: msg.owner,
            interview_id: msg.interview_id,
            length: msg.length,
            offset: msg.offset,
            hash: (msg.offset == 0).then(Sha256::default),
            leased: false,
            meter: RateMeter::default(),
            last_push: None,
            last_activity: Instant::now(),
            hub: self.hub.clone(),
            events: Arc::clone(&self.events),
            config: self.config.clone(),
        };
        let addr = upload.start();
        self.active.insert(msg.upload_id, addr.clone());
        MessageResult(addr)
    }
}

/// The upload is gone (terminated, expired or deleted): stop its actor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Forget {
    pub upload_id: String,
}

impl Handler<Forget> for Uploads {
    type Result = ();

    fn handle(&mut self, msg: Forget, _: &mut Context<Self>) {
        if let Some(addr) = self.active.remove(&msg.upload_id) {
            addr.do_send(Stop);
        }
    }
}

/// One upload's live state.
pub struct Upload {
    id: String,
    owner: String,
    interview_id: String,
    length: Option<u64>,
    /// Bytes received (durable or about to be).
    offset: u64,
    /// SHA-256 over the durable bytes; `None` when it must be recomputed
    /// from the stored file (the actor started on a partial upload, or a PATCH
    /// ended without handing it back).
    hash: Option<Sha256>,
    leased: bool,
    meter: RateMeter,
    last_push: Option<Instant>,
    last_activity: Instant,
    hub: Addr<Hub>,
    events: Arc<dyn EventSink>,
    config: UploadConfig,
}

impl Actor for Upload {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        metrics::gauge!("debrief_uploads_active").increment(1.0);
        let check = (self.config.idle_stop / 2).max(Duration::from_millis(100));
        ctx.run_interval(check, |upload, ctx| {
            if !upload.leased && upload.last_activity.elapsed() >= upload.config.idle_stop {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        metrics::gauge!("debrief_uploads_active").decrement(1.0);
    }
}

impl Upload {
    fn push_progress(&mut self) {
        self.last_push = Some(Instant::now());
        let rate = self.meter.bytes_per_second();
        let percent = self.length.map(|length| {
            if length == 0 { 100.0 } else { (self.offset as f64 * 1000.0 / length as f64).round() / 10.0 }
        });
        let eta_secs = match (self.length, rate) {
            (Some(length), rate) if rate > 0 => Some(length.saturating_sub(self.offset).div_ceil(rate)),
            _ => None,
        };
        let frame = ServerFrame::UploadProgress(UploadProgress {
            upload_id: self.id.clone(),
            interview_id: self.interview_id.clone(),
            offset: self.offset,
            length: self.length,
            percent,
            bytes_per_second: rate,
            eta_secs,
        });
        self.hub.do_send(Broadcast { user_id: self.owner.clone(), frame: Arc::new(frame) });
    }

    fn touch(&mut self) {
        self.last_activity = Instant::now();
    }
}

/// Another PATCH of this upload is streaming.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("another request is writing to this upload")]
pub struct UploadBusy;

/// The right to write to an upload, with the hash of its durable bytes.
pub struct Granted {
    /// `None`: recompute it from the stored bytes before appending.
    pub hash: Option<Sha256>,
}

/// Asks for the upload's lock. Exactly one of [`Release`] or [`Abandon`] must follow a grant.
#[derive(Message)]
#[rtype(result = "Result<Granted, UploadBusy>")]
pub struct Lease;

impl Handler<Lease> for Upload {
    type Result = Result<Granted, UploadBusy>;

    fn handle(&mut self, _: Lease, _: &mut Context<Self>) -> Self::Result {
        if self.leased {
            return Err(UploadBusy);
        }
        self.leased = true;
        self.touch();
        Ok(Granted { hash: self.hash.take() })
    }
}

/// Bytes are flowing: `offset` received so far.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Progress {
    pub offset: u64,
    pub length: Option<u64>,
}

impl Handler<Progress> for Upload {
    type Result = ();

    /// Records the sample; pushes when the last push is older than the
    /// configured interval (so at most a few per second, and at least one
    /// per second while progress messages keep coming).
    fn handle(&mut self, msg: Progress, _: &mut Context<Self>) {
        self.touch();
        self.meter.record(msg.offset);
        self.offset = msg.offset;
        self.length = msg.length.or(self.length);
        let due = self.last_push.is_none_or(|at| {
            let since = at.elapsed();
            since >= self.config.progress_interval || since >= PUSH_AT_LEAST_EVERY
        });
        if due {
            self.push_progress();
        }
    }
}

/// The PATCH ended; `offset` bytes are durable and `hash` covers them.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Release {
    pub offset: u64,
    pub length: Option<u64>,
    pub hash: Sha256,
}

impl Handler<Release> for Upload {
    type Result = ();

    fn handle(&mut self, msg: Release, _: &mut Context<Self>) {
        self.leased = false;
        self.touch();
        self.offset = msg.offset;
        self.length = msg.length.or(self.length);
        self.hash = Some(msg.hash);
        self.push_progress();
    }
}

/// The PATCH ended without a usable hash (it failed midway): unlock, and let
/// the next PATCH recompute the hash from the stored bytes.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Abandon;

impl Handler<Abandon> for Upload {
    type Result = ();

    fn handle(&mut self, _: Abandon, _: &mut Context<Self>) {
        self.leased = false;
        self.hash = None;
        self.touch();
    }
}

/// The upload is complete and its interview exists: publish `upload.completed`
/// (durable) and stop.
#[derive(Message)]
#[rtype(result = "anyhow::Result<()>")]
pub struct Complete {
    pub completed: UploadCompleted,
}

impl Handler<Complete> for Upload {
    type Result = ResponseActFuture<Self, anyhow::Result<()>>;

    fn handle(&mut self, msg: Complete, _: &mut Context<Self>) -> Self::Result {
        self.leased = false;
        self.offset = msg.completed.size_bytes;
        self.length = Some(msg.completed.size_bytes);
        self.interview_id.clone_from(&msg.completed.interview_id);
        self.push_progress();
        let events = Arc::clone(&self.events);
        let owner = self.owner.clone();
        Box::pin(
            async move {
                let body = serde_json::to_value(&msg.completed)?;
                events.publish(&owner, "upload.completed", body).await
            }
            .into_actor(self)
            .map(|result, _, ctx| {
                ctx.stop();
                result
            }),
        )
    }
}

/// Stop now (the upload is gone).
#[derive(Message)]
#[rtype(result = "()")]
struct Stop;

impl Handler<Stop> for Upload {
    type Result = ();

    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Throughput over the last few seconds, from (instant, offset) samples.
#[derive(Default)]
struct RateMeter {
    samples: std::collections::VecDeque<(Instant, u64)>,
}

impl RateMeter {
    const WINDOW: Duration = Duration::from_secs(5);

    fn record(&mut self, offset: u64) {
        let now = Instant::now();
        // A restart of the stream (new PATCH after a gap) starts a new window.
        if self.samples.back().is_some_and(|(_, last)| offset < *last) {
            self.samples.clear();
        }
        self.samples.push_back((now, offset));
        while self.samples.len() > 2 && self.samples.front().is_some_and(|(at, _)| now - *at > Self::WINDOW) {
            self.samples.pop_front();
        }
    }

    fn bytes_per_second(&self) -> u64 {
        let (Some((first_at, first)), Some((last_at, last))) = (self.samples.front(), self.samples.back()) else {
            return 0;
        };
        let seconds = (*last_at - *first_at).as_secs_f64();
        if seconds < 0.05 {
            return 0;
        }
        ((last - first) as f64 / seconds) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_bytes_over_the_window() {
        let mut meter = RateMeter::default();
        let start = Instant::now();
        meter.samples.push_back((start, 0));
        meter.samples.push_back((start + Duration::from_secs(2), 4_000_000));
        assert_eq!(meter.bytes_per_second(), 2_000_000);
    }

    #[test]
    fn a_single_sample_has_no_rate() {
        let mut meter = RateMeter::default();
        meter.record(10);
        assert_eq!(meter.bytes_per_second(), 0);
    }
}

//! The Session actor: one per WebSocket connection.
//!
//! It reads client frames from the actix-ws message stream (added to the actor
//! with `add_stream`), answers them, and writes pushes from the [`Hub`]. Writes
//! go through a bounded queue to a writer task that owns the `actix_ws::Session`,
//! so frames leave in the order they were queued and the actor never waits on a
//! slow client: a client that lets the queue fill up is disconnected.
//!
//! Liveness: the server pings every `heartbeat_interval`; a client silent for
//! `client_timeout` (no frame, not even a pong) is closed, and so is a client
//! that sends no application frame for `idle_timeout`.
//!
//! Closing (RFC 6455 §5.5.1, §7.4.1): a client's close frame is answered at
//! once with its own status code; a message over the size limit closes with
//! 1009, text that is not UTF-8 with 1007, any other protocol error with 1002,
//! and a revoked credential (sign-out, deleted account) with 1008.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_ws::{CloseCode, CloseReason};
use protocol::chat::ClientId;
use protocol::error::ErrorDetail;
use protocol::ws::{ClientFrame, EventFrame, ServerFrame};
use tokio::sync::mpsc;

use crate::chat::{self, Chats, Direct};
use crate::hub::{Hub, Join, Leave, Live, Push};
use crate::inbound::{Inbound, InboundError, Messages};
use crate::ports::{AudioStream, EventLog, SpokenAnswers};

/// Timings and bounds of a session, from the server's configuration.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub heartbeat_interval: Duration,
    pub client_timeout: Duration,
    pub idle_timeout: Duration,
    /// Frames that may wait for a slow client before it is disconnected.
    pub outbound_queue: usize,
    /// Events read from the log per query during a replay.
    pub replay_batch: usize,
    /// Longest chat message a user may send, in characters.
    pub chat_max_chars: usize,
    /// Bytes of a spoken answer held while its stream is still being opened
    /// (a client that does not wait for `practice.audio.ready`).
    pub audio_pending_max_bytes: usize,
}

/// The actors and ports every session talks to.
#[derive(Clone)]
pub struct SessionDeps {
    pub hub: Addr<Hub>,
    pub log: Arc<dyn EventLog>,
    pub chats: Addr<Chats>,
    pub spoken: Arc<dyn SpokenAnswers>,
}

/// Replies whose deltas a session has seen are forgotten beyond this many.
const TRACKED_REPLIES: usize = 64;

/// Gives each session of this process a distinct id.
static NEXT_SESSION_ID: AtomicU64 = AtomicU64::new(1);

/// What the writer task writes to the socket.
#[derive(Debug)]
enum Outbound {
    Text(String),
    Ping,
    Pong(actix_web::web::Bytes),
    /// The last frame; `None` sends a close frame without a status code.
    Close(Option<CloseReason>),
}

/// One WebSocket connection of one authenticated user.
pub struct Session {
    id: u64,
    user_id: String,
    /// Hash of the bearer token the socket was opened with (directly, or
    /// through a ticket it minted): revoking that token closes the socket.
    token_hash: String,
    deps: SessionDeps,
    config: SessionConfig,
    out: mpsc::Sender<Outbound>,
    /// Last time the client sent anything (frames, pings, pongs).
    last_heard: Instant,
    /// Last time the client sent an application frame.
    last_active: Instant,
    /// While a replay runs, live pushes wait here so order is kept.
    replay_buffer: Option<VecDeque<Arc<EventFrame>>>,
    /// Delta `seq`s written per streaming reply, so a resumed reply and the
    /// live stream never write a piece twice (nor drop one that arrives late).
    reply_seqs: HashMap<String, HashSet<u64>>,
    /// The spoken answer this socket is streaming (binary frames go to it).
    audio: Audio,
}

/// A socket's spoken-answer stream.
enum Audio {
    None,
    /// `practice.audio.start` is being checked; binary frames that arrive
    /// meanwhile wait here (at most `audio_pending_max_bytes`).
    Opening(Vec<actix_web::web::Bytes>),
    Open(Box<dyn AudioStream>),
}

impl Session {
    /// Starts the actor for an upgraded connection and its writer task.
    /// `stream` is the client's message stream; `socket` writes to the client.
    pub fn start(
        user_id: String,
        token_hash: String,
        socket: actix_ws::Session,
        stream: Messages<actix_ws::MessageStream>,
        deps: SessionDeps,
        config: SessionConfig,
    ) -> Addr<Self> {
        let (out, rx) = mpsc::channel(config.outbound_queue.max(1));
        actix_rt::spawn(write_frames(socket, rx));
        Session::create(|ctx| {
            ctx.add_stream(stream);
            let now = Instant::now();
            Session {
                id: NEXT_SESSION_ID.fetch_add(1, Ordering::Relaxed),
                user_id,
                token_hash,
                deps,
                config,
                out,
                last_heard: now,
                last_active: now,
                replay_buffer: None,
                reply_seqs: HashMap::new(),
                audio: Audio::None,
            }
        })
    }

    /// Queues a frame for the client, disconnecting a client too slow to read.
    fn send_text(&mut self, text: String, ctx: &mut Context<Self>) {
        match self.out.try_send(Outbound::Text(text)) {
            Ok(()) => metrics::counter!("debrief_ws_frames_out_total").increment(1),
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(session = self.id, "closing a socket whose client reads too slowly");
                metrics::counter!("debrief_ws_slow_clients_total").increment(1);
                ctx.stop();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => ctx.stop(),
        }
    }

    fn send_frame(&mut self, frame: &ServerFrame, ctx: &mut Context<Self>) {
        self.send_text(frame.to_text(), ctx);
    }

    /// Closes the socket with a reason, then stops.
    fn close(&mut self, code: CloseCode, description: &str, ctx: &mut Context<Self>) {
        let reason = CloseReason { code, description: Some(description.to_owned()) };
        self.close_with(Some(reason), ctx);
    }

    /// Queues the close frame (ahead of nothing: it is the last), then stops.
    fn close_with(&mut self, reason: Option<CloseReason>, ctx: &mut Context<Self>) {
        // The writer may already be gone; then the socket is closed anyway.
        let _ = self.out.try_send(Outbound::Close(reason));
        ctx.stop();
    }

    /// Ends the session on a broken stream with the close code the failure calls for.
    fn fail(&mut self, error: &InboundError, ctx: &mut Context<Self>) {
        tracing::debug!(session = self.id, %error, "closing a socket");
        match error.close_code() {
            Some(code) => self.close(code, &error.to_string(), ctx),
            None => ctx.stop(),
        }
    }

    /// Pings the client and enforces the liveness and idle limits.
    fn heartbeat(&mut self, ctx: &mut Context<Self>) {
        if self.last_heard.elapsed() > self.config.client_timeout {
            self.close(CloseCode::Away, "heartbeat timeout", ctx);
        } else if self.last_active.elapsed() > self.config.idle_timeout {
            self.close(CloseCode::Normal, "idle timeout", ctx);
        } else if self.out.try_send(Outbound::Ping).is_err() {
            ctx.stop();
        }
    }

    /// Answers one decoded client frame.
    fn handle_frame(&mut self, frame: ClientFrame, ctx: &mut Context<Self>) {
        match frame {
            ClientFrame::Ping {} => self.send_frame(&ServerFrame::Pong {}, ctx),
            ClientFrame::Hello { last_seq } => self.replay(last_seq, ctx),
            ClientFrame::ChatSend { client_id, conversation_id, text } => {
                self.chat_send(client_id, conversation_id, text, ctx)
            }
            ClientFrame::ChatResume { message_id, from_seq } => {
                self.deps.chats.do_send(chat::Resume {
                    user_id: self.user_id.clone(),
                    message_id,
                    from_seq,
                    reply_to: ctx.address().recipient(),
                });
            }
            ClientFrame::PracticeAudioStart { session_id, question_id, format } => {
                self.audio_start(session_id, question_id, format, ctx)
            }
            ClientFrame::PracticeAudioEnd { stream_id } => self.audio_end(&stream_id, ctx),
        }
    }

    /// Opens the socket's spoken-answer stream (one at a time).
    fn audio_start(&mut self, session_id: String, question_id: String, format: protocol::spoken::AudioFormat, ctx: &mut Context<Self>) {
        if !matches!(self.audio, Audio::None) {
            let frame = ServerFrame::error("audio_stream_open", "this socket is already streaming an answer; send practice.audio.end first");
            return self.send_frame(&frame, ctx);
        }
        self.audio = Audio::Opening(Vec::new());
        let spoken = Arc::clone(&self.deps.spoken);
        let user_id = self.user_id.clone();
        let open = async move { spoken.open(&user_id, &session_id, &question_id, format).await };
        ctx.spawn(open.into_actor(self).map(|opened, act, ctx| match opened {
            Ok(stream) => {
                let ready = ServerFrame::PracticeAudioReady { stream_id: stream.id().to_owned() };
                if let Audio::Opening(early) = std::mem::replace(&mut act.audio, Audio::None) {
                    early.into_iter().for_each(|bytes| stream.push(bytes));
                }
                act.audio = Audio::Open(stream);
                act.send_frame(&ready, ctx);
            }
            Err(error) => {
                act.audio = Audio::None;
                act.send_frame(&ServerFrame::Error { error }, ctx);
            }
        }));
    }

    /// A binary frame: the next piece of the open stream's recording.
    fn audio_bytes(&mut self, bytes: actix_web::web::Bytes, ctx: &mut Context<Self>) {
        match &mut self.audio {
            Audio::Open(stream) => stream.push(bytes),
            Audio::Opening(early) if early.iter().map(|b| b.len()).sum::<usize>() + bytes.len() <= self.config.audio_pending_max_bytes => {
                early.push(bytes);
            }
            Audio::Opening(_) => {
                let frame = ServerFrame::error("audio_not_ready", "wait for practice.audio.ready before sending more of the recording");
                self.send_frame(&frame, ctx);
            }
            Audio::None => {
                let frame = ServerFrame::error("no_audio_stream", "binary frames carry a spoken answer: send practice.audio.start and wait for practice.audio.ready");
                self.send_frame(&frame, ctx);
            }
        }
    }

    /// `practice.audio.end`: the open stream's recording is complete.
    fn audio_end(&mut self, stream_id: &str, ctx: &mut Context<Self>) {
        match std::mem::replace(&mut self.audio, Audio::None) {
            Audio::Open(stream) if stream.id() == stream_id => stream.end(),
            other => {
                self.audio = other;
                let frame = ServerFrame::error("unknown_stream", format!("no open audio stream {stream_id:?} on this socket"));
                self.send_frame(&frame, ctx);
            }
        }
    }

    /// Checks a `chat.send` and hands it to the chat.
    fn chat_send(
        &mut self,
        client_id: String,
        conversation_id: Option<String>,
        text: String,
        ctx: &mut Context<Self>,
    ) {
        let Some(client_id) = ClientId::parse(&client_id) else {
            let frame = ServerFrame::error(
                "invalid_frame",
                "client_id must be 1-64 letters, digits, '-' or '_' (a UUID fits)",
            );
            return self.send_frame(&frame, ctx);
        };
        let text = text.trim();
        let problem = if text.is_empty() {
            Some(String::from("a message must not be empty"))
        } else if text.chars().count() > self.config.chat_max_chars {
            Some(format!("a message must be at most {} characters", self.config.chat_max_chars))
        } else {
            None
        };
        if let Some(message) = problem {
            let frame = ServerFrame::ChatError {
                client_id: Some(client_id.as_str().to_owned()),
                conversation_id,
                message_id: None,
                error: ErrorDetail::new("validation_failed", message)
                    .with_details(serde_json::json!({ "field": "text" })),
            };
            return self.send_frame(&frame, ctx);
        }
        self.deps.chats.do_send(chat::Send {
            user_id: self.user_id.clone(),
            client_id: client_id.as_str().to_owned(),
            conversation_id,
            text: text.to_owned(),
            reply_to: ctx.address().recipient(),
        });
    }

    /// Writes a chat frame, dropping reply pieces this socket already has.
    fn deliver_chat(&mut self, frame: &ServerFrame, ctx: &mut Context<Self>) {
        match frame {
            ServerFrame::ChatDelta { message_id, seq, .. } => {
                if !self.reply_seqs.contains_key(message_id) && self.reply_seqs.len() >= TRACKED_REPLIES {
                    self.reply_seqs.clear();
                }
                if !self.reply_seqs.entry(message_id.clone()).or_default().insert(*seq) {
                    return;
                }
            }
            ServerFrame::ChatDone { message_id, .. } => {
                self.reply_seqs.remove(message_id);
            }
            _ => {}
        }
        self.send_frame(frame, ctx);
    }

    /// Replays the events after `last_seq` (if given), then sends `hello.ok`.
    /// Live pushes arriving meanwhile are held back and sent after the replay,
    /// skipping any the replay already covered.
    fn replay(&mut self, last_seq: Option<u64>, ctx: &mut Context<Self>) {
        if self.replay_buffer.is_some() {
            let frame = ServerFrame::error("replay_in_progress", "a replay is already running");
            return self.send_frame(&frame, ctx);
        }
        self.replay_buffer = Some(VecDeque::new());
        let log = Arc::clone(&self.deps.log);
        let user_id = self.user_id.clone();
        let out = self.out.clone();
        let batch = self.config.replay_batch.max(1);
        let work = async move {
            let mut after = 0;
            let mut replayed = 0u64;
            if let Some(from) = last_seq {
                after = from;
                loop {
                    let events = log.since(&user_id, after, batch).await?;
                    let full = events.len() == batch;
                    for event in events {
                        after = event.seq;
                        replayed += 1;
                        out.send(Outbound::Text(event.text))
                            .await
                            .map_err(|_| anyhow::anyhow!("socket closed during replay"))?;
                        metrics::counter!("debrief_events_delivered_total").increment(1);
                        metrics::counter!("debrief_ws_frames_out_total").increment(1);
                    }
                    if !full {
                        break;
                    }
                }
            }
            let newest = log.last_seq(&user_id).await?;
            anyhow::Ok((replayed, after, newest))
        };
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| {
            let buffered = act.replay_buffer.take().unwrap_or_default();
            let covered = match result {
                Ok((replayed, after, newest)) => {
                    let frame = ServerFrame::HelloOk { replayed, last_seq: newest.max(after) };
                    act.send_frame(&frame, ctx);
                    after
                }
                Err(error) => {
                    tracing::warn!(session = act.id, %error, "event replay failed");
                    let frame = ServerFrame::error("replay_failed", "could not replay events");
                    act.send_frame(&frame, ctx);
                    0
                }
            };
            for frame in buffered.into_iter().filter(|f| f.seq > covered) {
                act.send_text(frame.text.clone(), ctx);
            }
        }));
    }
}

impl Actor for Session {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        metrics::gauge!("debrief_ws_open_sockets").increment(1.0);
        self.deps.hub.do_send(Join {
            user_id: self.user_id.clone(),
            token_hash: self.token_hash.clone(),
            session_id: self.id,
            session: ctx.address(),
        });
        let welcome = ServerFrame::Welcome {
            session_id: self.id.to_string(),
            user_id: self.user_id.clone(),
            heartbeat_secs: self.config.heartbeat_interval.as_secs(),
        };
        self.send_frame(&welcome, ctx);
        ctx.run_interval(self.config.heartbeat_interval, |act, ctx| act.heartbeat(ctx));
    }

    fn stopping(&mut self, _: &mut Context<Self>) -> Running {
        self.deps.hub.do_send(Leave { user_id: self.user_id.clone(), session_id: self.id });
        Running::Stop
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        metrics::gauge!("debrief_ws_open_sockets").decrement(1.0);
    }
}

impl StreamHandler<Result<Inbound, InboundError>> for Session {
    /// Handles one message from the client.
    fn handle(&mut self, item: Result<Inbound, InboundError>, ctx: &mut Context<Self>) {
        self.last_heard = Instant::now();
        let message = match item {
            Ok(message) => message,
            Err(error) => return self.fail(&error, ctx),
        };
        metrics::counter!("debrief_ws_frames_in_total").increment(1);
        match message {
            Inbound::Text(text) => {
                self.last_active = Instant::now();
                match ClientFrame::decode(&text) {
                    Ok(frame) => self.handle_frame(frame, ctx),
                    Err(error) => {
                        self.send_frame(&ServerFrame::error(error.code(), error.to_string()), ctx)
                    }
                }
            }
            Inbound::Binary(bytes) => {
                self.last_active = Instant::now();
                self.audio_bytes(bytes, ctx);
            }
            // actix-ws leaves pongs to us: answer with the same payload.
            Inbound::Ping(bytes) => {
                if self.out.try_send(Outbound::Pong(bytes)).is_err() {
                    ctx.stop();
                }
            }
            Inbound::Pong(_) => {}
            // The closing handshake: answer now, echoing the client's status
            // code (RFC 6455 §5.5.1); a close without one is answered without one.
            Inbound::Close(reason) => {
                let echo = reason.map(|r| CloseReason { code: r.code, description: None });
                self.close_with(echo, ctx);
            }
        }
    }
}

impl Handler<Push> for Session {
    type Result = ();

    /// Writes a durable event, or holds it back while a replay runs.
    fn handle(&mut self, msg: Push, ctx: &mut Context<Self>) {
        match self.replay_buffer.as_mut() {
            Some(buffer) => buffer.push_back(msg.frame),
            None => self.send_text(msg.frame.text.clone(), ctx),
        }
    }
}

impl Handler<Direct> for Session {
    type Result = ();

    /// A chat frame for this socket only (ack, error, resumed delta).
    fn handle(&mut self, msg: Direct, ctx: &mut Context<Self>) {
        self.deliver_chat(&msg.frame, ctx);
    }
}

impl Handler<Live> for Session {
    type Result = ();

    /// A chat frame for every socket of the user (delta, done, new message).
    fn handle(&mut self, msg: Live, ctx: &mut Context<Self>) {
        self.deliver_chat(&msg.frame, ctx);
    }
}

/// Closes the socket from outside (the account was deleted, the token revoked).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnect {
    pub reason: String,
}

impl Handler<Disconnect> for Session {
    type Result = ();

    fn handle(&mut self, msg: Disconnect, ctx: &mut Context<Self>) {
        self.close(CloseCode::Policy, &msg.reason, ctx);
    }
}

/// Writes queued frames to the socket in order; closes it when the queue ends.
async fn write_frames(mut socket: actix_ws::Session, mut queue: mpsc::Receiver<Outbound>) {
    while let Some(item) = queue.recv().await {
        let written = match item {
            Outbound::Text(text) => socket.text(text).await,
            Outbound::Ping => socket.ping(b"").await,
            Outbound::Pong(payload) => socket.pong(&payload).await,
            Outbound::Close(reason) => {
                let _ = socket.close(reason).await;
                return;
            }
        };
        if written.is_err() {
            return;
        }
    }
    let _ = socket.close(None).await;
}

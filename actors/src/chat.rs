//! The Career Interviewer chat as actors.
//!
//! - [`Chats`] (one per node) receives `chat.send` and `chat.resume` from
//!   sessions, checks ownership and the per-user rate limit, starts a
//!   [`Conversation`] actor on demand and forwards to it.
//! - [`Conversation`] (one per active conversation) owns all writes to its
//!   conversation, so turns are serialised: it stores the user message
//!   (idempotent by `client_id`), asks the interviewer, relays each piece of the reply
//!   to every socket of the user (keeping the pieces so a reconnecting client
//!   can resume from a `seq`), stores the reply, and says `chat.done`. It stops
//!   itself when idle.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use futures_util::StreamExt as _;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use protocol::chat::ChatMessage;
use protocol::error::ErrorDetail;
use protocol::ws::ServerFrame;

use crate::chat_ports::{ChatStore, Interviewer, ModelError, ReplyRequest};
use crate::hub::{Broadcast, Hub};

/// Settings of the chat, from the server's configuration.
#[derive(Clone)]
pub struct ChatConfig {
    /// The interviewer's opening message of every conversation.
    pub introduction: Arc<str>,
    /// Most messages read from the store for the interviewer.
    pub context_messages: usize,
    /// Longest reply, in tokens.
    pub max_reply_tokens: u32,
    /// Messages a user may send per minute.
    pub messages_per_minute: u32,
    /// A conversation actor with no activity this long stops.
    pub idle_stop: Duration,
}

/// A frame for one session only (acks, errors, resumed deltas).
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Direct {
    pub frame: ServerFrame,
}

/// Where to send a session's direct answers.
pub type ReplyTo = Recipient<Direct>;

fn chat_error(
    client_id: Option<String>,
    conversation_id: Option<String>,
    error: ErrorDetail,
) -> Direct {
    Direct { frame: ServerFrame::ChatError { client_id, conversation_id, message_id: None, error } }
}

/// Routes chat traffic of every user on this node to conversation actors.
pub struct Chats {
    store: Arc<dyn ChatStore>,
    interviewer: Arc<dyn Interviewer>,
    hub: Addr<Hub>,
    config: ChatConfig,
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    active: HashMap<String, Addr<Conversation>>,
    /// Replies being generated: message id → (owner, conversation).
    live: HashMap<String, (String, Addr<Conversation>)>,
    /// Threads the conversation actors run on, so the database work of many
    /// conversations is spread over the cores instead of queueing on one.
    arbiters: Vec<ArbiterHandle>,
    next_arbiter: usize,
}

impl Chats {
    pub fn new(
        store: Arc<dyn ChatStore>,
        interviewer: Arc<dyn Interviewer>,
        hub: Addr<Hub>,
        config: ChatConfig,
    ) -> Self {
        let per_minute = NonZeroU32::new(config.messages_per_minute).unwrap_or(NonZeroU32::MIN);
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        // The arbiters live as long as the process; their threads end with it.
        let arbiters = (0..threads).map(|_| Arbiter::new().handle()).collect();
        Self {
            store,
            interviewer,
            hub,
            config,
            limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            active: HashMap::new(),
            live: HashMap::new(),
            arbiters,
            next_arbiter: 0,
        }
    }

    /// The actor of a conversation, started if it is not running.
    fn conversation(&mut self, id: &str, owner: &str, ctx: &mut Context<Self>) -> Addr<Conversation> {
        if let Some(addr) = self.active.get(id).filter(|a| a.connected()) {
            return addr.clone();
        }
        let conversation = Conversation {
            id: id.to_owned(),
            owner: owner.to_owned(),
            store: Arc::clone(&self.store),
            interviewer: Arc::clone(&self.interviewer),
            hub: self.hub.clone(),
            chats: ctx.address(),
            config: self.config.clone(),
            queue: VecDeque::new(),
            busy: false,
            live: None,
            last_active: Instant::now(),
        };
        self.next_arbiter = (self.next_arbiter + 1) % self.arbiters.len().max(1);
        let addr = match self.arbiters.get(self.next_arbiter) {
            Some(arbiter) => Conversation::start_in_arbiter(arbiter, |_| conversation),
            None => conversation.start(),
        };
        self.active.insert(id.to_owned(), addr.clone());
        metrics::gauge!("debrief_chat_active_conversations").set(self.active.len() as f64);
        addr
    }
}

impl Actor for Chats {
    type Context = Context<Self>;
}

/// `chat.send` from a session.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Send {
    pub user_id: String,
    pub client_id: String,
    pub conversation_id: Option<String>,
    pub text: String,
    pub reply_to: ReplyTo,
}

impl Handler<Send> for Chats {
    type Result = ();

    /// Rate-limits, resolves (or creates) the conversation, checks that it is
    /// the user's, and hands the turn to the conversation's actor.
    fn handle(&mut self, msg: Send, ctx: &mut Context<Self>) {
        if let Err(not_until) = self.limiter.check_key(&msg.user_id) {
            use governor::clock::Clock as _;
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            let retry_after_secs = wait.as_secs() + 1;
            let error = ErrorDetail::new(
                "rate_limited",
                format!("too many messages; retry in {retry_after_secs} s"),
            )
            .with_details(serde_json::json!({ "retry_after_secs": retry_after_secs }));
            msg.reply_to.do_send(chat_error(Some(msg.client_id), msg.conversation_id, error));
            return;
        }
        let store = Arc::clone(&self.store);
        let introduction = Arc::clone(&self.config.introduction);
        let (user_id, client_id, wanted) =
            (msg.user_id.clone(), msg.client_id.clone(), msg.conversation_id.clone());
        let resolve = async move {
            match wanted {
                Some(id) => Ok(store.owns_conversation(&user_id, &id).await?.then_some(id)),
                None => {
                    // A retried first send must not start a second conversation.
                    if let Some(id) = store.conversation_of_client_id(&user_id, &client_id).await? {
                        return Ok(Some(id));
                    }
                    let title = protocol::chat::dated_title(chrono::Utc::now());
                    let (conversation, _) =
                        store.create_conversation(&user_id, &title, &introduction).await?;
                    Ok(Some(conversation.id))
                }
            }
        };
        ctx.spawn(resolve.into_actor(self).map(move |result: anyhow::Result<Option<String>>, act, ctx| {
            match result {
                Ok(Some(id)) => {
                    let conversation = act.conversation(&id, &msg.user_id, ctx);
                    conversation.do_send(TakeTurn {
                        client_id: msg.client_id,
                        text: msg.text,
                        reply_to: msg.reply_to,
                    });
                }
                Ok(None) => msg.reply_to.do_send(chat_error(
                    Some(msg.client_id),
                    msg.conversation_id,
                    ErrorDetail::new("not_found", "conversation not found"),
                )),
                Err(error) => {
                    tracing::error!(error = format!("{error:#}"), "chat send failed");
                    msg.reply_to.do_send(chat_error(
                        Some(msg.client_id),
                        msg.conversation_id,
                        ErrorDetail::new("internal_error", "the message could not be stored"),
                    ));
                }
            }
        }));
    }
}

/// `chat.resume` from a session.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Resume {
    pub user_id: String,
    pub message_id: String,
    pub from_seq: u64,
    pub reply_to: ReplyTo,
}

impl Handler<Resume> for Chats {
    type Result = ();

    /// A live reply is resumed by its conversation; a finished one is answered
    /// from the store with `chat.done`.
    fn handle(&mut self, msg: Resume, ctx: &mut Context<Self>) {
        if let Some((owner, conversation)) = self.live.get(&msg.message_id)
            && *owner == msg.user_id
        {
            conversation.do_send(msg);
            return;
        }
        let store = Arc::clone(&self.store);
        ctx.spawn(
            async move {
                let found = store.message(&msg.user_id, &msg.message_id).await;
                let frame = match found {
                    Ok(Some(message)) => ServerFrame::chat_done(message),
                    Ok(None) => ServerFrame::ChatError {
                        client_id: None,
                        conversation_id: None,
                        message_id: Some(msg.message_id.clone()),
                        error: ErrorDetail::new("not_found", "no such reply"),
                    },
                    Err(error) => {
                        tracing::error!(error = format!("{error:#}"), "chat resume failed");
                        ServerFrame::ChatError {
                            client_id: None,
                            conversation_id: None,
                            message_id: Some(msg.message_id.clone()),
                            error: ErrorDetail::new("internal_error", "the reply could not be read"),
                        }
                    }
                };
                msg.reply_to.do_send(Direct { frame });
            }
            .into_actor(self),
        );
    }
}

/// A conversation started or finished generating a reply.
#[derive(Message)]
#[rtype(result = "()")]
enum LiveReply {
    Started { message_id: String, owner: String, conversation: Addr<Conversation> },
    Ended { message_id: String },
}

impl Handler<LiveReply> for Chats {
    type Result = ();

    fn handle(&mut self, msg: LiveReply, _: &mut Context<Self>) {
        match msg {
            LiveReply::Started { message_id, owner, conversation } => {
                self.live.insert(message_id, (owner, conversation));
            }
            LiveReply::Ended { message_id } => {
                self.live.remove(&message_id);
            }
        }
    }
}

/// A conversation actor stopped (idle) or must stop (deleted).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Forget {
    pub conversation_id: String,
}

impl Handler<Forget> for Chats {
    type Result = ();

    fn handle(&mut self, msg: Forget, _: &mut Context<Self>) {
        if let Some(addr) = self.active.remove(&msg.conversation_id) {
            addr.do_send(StopConversation);
        }
        metrics::gauge!("debrief_chat_active_conversations").set(self.active.len() as f64);
    }
}

/// One conversation's turns, one at a time.
pub struct Conversation {
    id: String,
    owner: String,
    store: Arc<dyn ChatStore>,
    interviewer: Arc<dyn Interviewer>,
    hub: Addr<Hub>,
    chats: Addr<Chats>,
    config: ChatConfig,
    queue: VecDeque<TakeTurn>,
    busy: bool,
    live: Option<Streaming>,
    last_active: Instant,
}

/// The reply being generated, kept so a reconnecting client can resume.
struct Streaming {
    message_id: String,
    /// The user message being answered (known once it is stored).
    reply_to: String,
    pieces: Vec<String>,
}

impl Actor for Conversation {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let every = (self.config.idle_stop / 2).max(Duration::from_secs(1));
        ctx.run_interval(every, |act, ctx| {
            if !act.busy && act.last_active.elapsed() >= act.config.idle_stop {
                act.chats.do_send(Forget { conversation_id: act.id.clone() });
                ctx.stop();
            }
        });
    }
}

/// Stop now (the conversation was deleted or is idle).
#[derive(Message)]
#[rtype(result = "()")]
struct StopConversation;

impl Handler<StopConversation> for Conversation {
    type Result = ();

    fn handle(&mut self, _: StopConversation, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// One user message to answer.
#[derive(Message)]
#[rtype(result = "()")]
pub struct TakeTurn {
    client_id: String,
    text: String,
    reply_to: ReplyTo,
}

impl Handler<TakeTurn> for Conversation {
    type Result = ();

    fn handle(&mut self, msg: TakeTurn, ctx: &mut Context<Self>) {
        self.last_active = Instant::now();
        self.queue.push_back(msg);
        self.next_turn(ctx);
    }
}

/// The user message of the running turn is stored.
#[derive(Message)]
#[rtype(result = "()")]
struct Answering {
    user_message_id: String,
}

/// A piece of the reply arrived from the interviewer.
#[derive(Message)]
#[rtype(result = "()")]
struct Piece {
    text: String,
}

/// The turn ended (reply stored, failed, or nothing to do).
#[derive(Message)]
#[rtype(result = "()")]
struct TurnEnded {
    outcome: Outcome,
}

enum Outcome {
    /// Nothing was generated (the reply already existed, or storing failed).
    Nothing,
    Stored(ChatMessage),
    Failed { client_id: String, error: ErrorDetail },
}

impl Conversation {
    fn broadcast(&self, frame: ServerFrame) {
        self.hub.do_send(Broadcast { user_id: self.owner.clone(), frame: Arc::new(frame) });
    }

    /// Starts the next queued turn unless one is running.
    fn next_turn(&mut self, ctx: &mut Context<Self>) {
        if self.busy {
            return;
        }
        let Some(turn) = self.queue.pop_front() else {
            return;
        };
        self.busy = true;
        let message_id = uuid_like();
        let work = run_turn(TurnJob {
            conversation_id: self.id.clone(),
            owner: self.owner.clone(),
            message_id: message_id.clone(),
            turn,
            store: Arc::clone(&self.store),
            interviewer: Arc::clone(&self.interviewer),
            hub: self.hub.clone(),
            me: ctx.address(),
            config: self.config.clone(),
        });
        self.live =
            Some(Streaming { message_id: message_id.clone(), reply_to: String::new(), pieces: Vec::new() });
        self.chats.do_send(LiveReply::Started {
            message_id,
            owner: self.owner.clone(),
            conversation: ctx.address(),
        });
        ctx.spawn(work.into_actor(self));
    }
}

impl Handler<Answering> for Conversation {
    type Result = ();

    fn handle(&mut self, msg: Answering, _: &mut Context<Self>) {
        if let Some(live) = self.live.as_mut() {
            live.reply_to = msg.user_message_id;
        }
    }
}

impl Handler<Piece> for Conversation {
    type Result = ();

    /// Keeps the piece for resumes and relays it to every socket of the user.
    fn handle(&mut self, msg: Piece, _: &mut Context<Self>) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        live.pieces.push(msg.text.clone());
        let frame = ServerFrame::ChatDelta {
            conversation_id: self.id.clone(),
            message_id: live.message_id.clone(),
            reply_to: live.reply_to.clone(),
            seq: live.pieces.len() as u64,
            text: msg.text,
        };
        self.broadcast(frame);
    }
}

impl Handler<TurnEnded> for Conversation {
    type Result = ();

    fn handle(&mut self, msg: TurnEnded, ctx: &mut Context<Self>) {
        if let Some(live) = self.live.take() {
            self.chats.do_send(LiveReply::Ended { message_id: live.message_id });
        }
        match msg.outcome {
            Outcome::Nothing => {}
            Outcome::Stored(reply) => self.broadcast(ServerFrame::chat_done(reply)),
            Outcome::Failed { client_id, error } => self.broadcast(ServerFrame::ChatError {
                client_id: Some(client_id),
                conversation_id: Some(self.id.clone()),
                message_id: None,
                error,
            }),
        }
        self.busy = false;
        self.last_active = Instant::now();
        self.next_turn(ctx);
    }
}

impl Handler<Resume> for Conversation {
    type Result = ();

    /// Replays the live reply's pieces from `from_seq` to the asking session;
    /// later pieces reach it with everyone else's.
    fn handle(&mut self, msg: Resume, _: &mut Context<Self>) {
        match &self.live {
            Some(live) if live.message_id == msg.message_id => {
                let from = msg.from_seq.max(1);
                for (index, text) in live.pieces.iter().enumerate().skip((from - 1) as usize) {
                    msg.reply_to.do_send(Direct {
                        frame: ServerFrame::ChatDelta {
                            conversation_id: self.id.clone(),
                            message_id: live.message_id.clone(),
                            reply_to: live.reply_to.clone(),
                            seq: index as u64 + 1,
                            text: text.clone(),
                        },
                    });
                }
            }
            // Finished meanwhile: Chats answers from the store.
            _ => self.chats.do_send(msg),
        }
    }
}

/// Everything one turn needs, moved into its future.
struct TurnJob {
    conversation_id: String,
    owner: String,
    message_id: String,
    turn: TakeTurn,
    store: Arc<dyn ChatStore>,
    interviewer: Arc<dyn Interviewer>,
    hub: Addr<Hub>,
    me: Addr<Conversation>,
    config: ChatConfig,
}

/// Stores the user message, then generates and stores the reply, sending
/// pieces to the actor as they come. Ends with exactly one `TurnEnded`.
async fn run_turn(job: TurnJob) {
    let outcome = match take_turn(&job).await {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "chat turn failed");
            Outcome::Failed {
                client_id: job.turn.client_id.clone(),
                error: ErrorDetail::new("internal_error", "the conversation could not be saved"),
            }
        }
    };
    job.me.do_send(TurnEnded { outcome });
}

async fn take_turn(job: &TurnJob) -> anyhow::Result<Outcome> {
    let TurnJob { conversation_id, owner, turn, store, .. } = job;
    let stored = store.add_user_message(owner, conversation_id, &turn.client_id, &turn.text).await?;
    turn.reply_to.do_send(Direct {
        frame: ServerFrame::ChatAck {
            client_id: turn.client_id.clone(),
            conversation_id: conversation_id.clone(),
            message_id: stored.message.id.clone(),
        },
    });
    if stored.created {
        job.hub.do_send(Broadcast {
            user_id: owner.clone(),
            frame: Arc::new(ServerFrame::ChatMessage {
                conversation_id: conversation_id.clone(),
                message: stored.message.clone(),
            }),
        });
    } else if let Some(reply) = store.reply_to(owner, &stored.message.id).await? {
        // A retried send whose reply exists: answer it again, generate nothing.
        turn.reply_to.do_send(Direct {
            frame: ServerFrame::chat_done(reply),
        });
        return Ok(Outcome::Nothing);
    }

    job.me.do_send(Answering { user_message_id: stored.message.id.clone() });
    let history = store.recent_messages(owner, conversation_id, job.config.context_messages).await?;
    let request = ReplyRequest {
        owner: owner.clone(),
        conversation_id: conversation_id.clone(),
        user_message: stored.message.clone(),
        history,
    };
    let started = Instant::now();
    let reply = match generate(job, request).await {
        Ok(reply) => reply,
        Err(error) => {
            metrics::counter!("debrief_chat_model_errors_total", "kind" => error.code()).increment(1);
            let detail = ErrorDetail::new(error.code(), error.to_string());
            let detail = match error {
                ModelError::RateLimited { retry_after_secs } => {
                    detail.with_details(serde_json::json!({ "retry_after_secs": retry_after_secs }))
                }
                _ => detail,
            };
            return Ok(Outcome::Failed { client_id: turn.client_id.clone(), error: detail });
        }
    };
    metrics::histogram!("debrief_chat_reply_duration_seconds").record(started.elapsed().as_secs_f64());
    let message = store
        .add_assistant_message(owner, conversation_id, &job.message_id, &stored.message.id, &reply)
        .await?;
    Ok(Outcome::Stored(message))
}

/// Streams the interviewer's reply, forwarding each piece; returns the whole text.
async fn generate(job: &TurnJob, request: ReplyRequest) -> Result<String, ModelError> {
    let started = Instant::now();
    let mut stream = job.interviewer.reply(request).await?;
    let mut reply = String::new();
    let mut first = true;
    while let Some(piece) = stream.next().await {
        let piece = piece?;
        if piece.is_empty() {
            continue;
        }
        if first {
            metrics::histogram!("debrief_chat_time_to_first_token_seconds")
                .record(started.elapsed().as_secs_f64());
            first = false;
        }
        reply.push_str(&piece);
        job.me.do_send(Piece { text: piece });
    }
    metrics::counter!("debrief_chat_tokens_out_total")
        .increment(crate::context::estimate_tokens(&reply) as u64);
    if reply.trim().is_empty() {
        return Err(ModelError::Unavailable(String::from("the model returned an empty reply")));
    }
    Ok(reply)
}

/// A fresh message id (random UUID, 32 hex characters, the store's id format).
fn uuid_like() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

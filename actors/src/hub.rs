//! The Hub: one per node. It knows which sockets each user has open on this node
//! and delivers every push to all of them. It keeps no state that a restart
//! cannot rebuild: sockets re-register when clients reconnect, and durable
//! events are replayed from the event log.
//!
//! Revoking a credential closes its sockets here: `DisconnectToken` (sign-out)
//! closes the sockets opened with one token, `DisconnectUser` (account deleted)
//! every socket of a user, both with close code 1008.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use protocol::ws::{EventFrame, ServerFrame};

use crate::session::{Disconnect, Session};

/// How long the Hub remembers a revoked token or deleted user. A socket
/// authenticated just before the revocation may join just after it; it is
/// closed on joining if it comes within this time (in practice milliseconds
/// after its upgrade).
const REVOKED_MEMORY: Duration = Duration::from_secs(600);

/// One open socket.
struct Member {
    session: Addr<Session>,
    /// Hash of the token it was opened with.
    token_hash: String,
}

/// A credential that no longer opens sockets.
#[derive(PartialEq, Eq, Hash)]
enum Revoked {
    Token(String),
    User(String),
}

/// Routes pushes to the sessions of each user.
#[derive(Default)]
pub struct Hub {
    /// user id → (session id → socket).
    users: HashMap<String, HashMap<u64, Member>>,
    /// Credentials revoked within [`REVOKED_MEMORY`], and when.
    revoked: HashMap<Revoked, Instant>,
}

impl Hub {
    /// Calls `send` for every live session of `user_id`, forgetting sessions
    /// that have stopped (they would `Leave` anyway).
    fn each_session(&mut self, user_id: &str, mut send: impl FnMut(&Addr<Session>)) {
        let Some(sessions) = self.users.get_mut(user_id) else {
            return;
        };
        sessions.retain(|_, member| {
            let live = member.session.connected();
            if live {
                send(&member.session);
            }
            live
        });
    }

    /// Remembers a revocation, forgetting those older than [`REVOKED_MEMORY`].
    fn remember(&mut self, revoked: Revoked) {
        self.revoked.retain(|_, at| at.elapsed() < REVOKED_MEMORY);
        self.revoked.insert(revoked, Instant::now());
    }

    fn is_revoked(&self, revoked: &Revoked) -> bool {
        self.revoked.get(revoked).is_some_and(|at| at.elapsed() < REVOKED_MEMORY)
    }
}

impl Actor for Hub {
    type Context = Context<Self>;
}

impl Supervised for Hub {}

/// A durable event for one socket (sent by the Hub to a Session).
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Push {
    pub frame: Arc<EventFrame>,
}

/// A socket of `user_id` opened on this node.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Join {
    pub user_id: String,
    /// Hash of the token the socket was opened with.
    pub token_hash: String,
    pub session_id: u64,
    pub session: Addr<Session>,
}

/// A socket closed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Leave {
    pub user_id: String,
    pub session_id: u64,
}

/// Deliver an event to every socket of `user_id` on this node.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Deliver {
    pub user_id: String,
    pub frame: Arc<EventFrame>,
}

/// How many sockets a user has open on this node (for tests and diagnostics).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct SocketCount {
    pub user_id: String,
}

impl Handler<Join> for Hub {
    type Result = ();

    /// Remembers the session so pushes for its user reach it; closes it
    /// instead if its credential was revoked while it was being opened.
    fn handle(&mut self, msg: Join, _: &mut Context<Self>) {
        let user = Revoked::User(msg.user_id.clone());
        let token = Revoked::Token(msg.token_hash.clone());
        if self.is_revoked(&user) || self.is_revoked(&token) {
            msg.session.do_send(Disconnect { reason: String::from(REVOKED_REASON) });
            return;
        }
        let member = Member { session: msg.session, token_hash: msg.token_hash };
        self.users.entry(msg.user_id).or_default().insert(msg.session_id, member);
    }
}

impl Handler<Leave> for Hub {
    type Result = ();

    /// Forgets the session; forgets the user with their last socket.
    fn handle(&mut self, msg: Leave, _: &mut Context<Self>) {
        if let Some(sessions) = self.users.get_mut(&msg.user_id) {
            sessions.remove(&msg.session_id);
            if sessions.is_empty() {
                self.users.remove(&msg.user_id);
            }
        }
    }
}

impl Handler<Deliver> for Hub {
    type Result = ();

    /// Hands the event to every session of the user; a session that has stopped
    /// is forgotten (it would `Leave` anyway).
    fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) {
        self.each_session(&msg.user_id, |session| {
            session.do_send(Push { frame: Arc::clone(&msg.frame) });
            metrics::counter!("debrief_events_delivered_total").increment(1);
        });
    }
}

impl Handler<SocketCount> for Hub {
    type Result = usize;

    fn handle(&mut self, msg: SocketCount, _: &mut Context<Self>) -> usize {
        self.users.get(&msg.user_id).map_or(0, HashMap::len)
    }
}

/// The close reason of a socket whose credential was revoked while it opened.
const REVOKED_REASON: &str = "credential revoked";

/// Close every socket of `user_id` on this node: the account was deleted. (The
/// user id is refused for [`REVOKED_MEMORY`] after, so this is not a way to
/// sign out everywhere: use `DisconnectToken` per token for that.)
#[derive(Message)]
#[rtype(result = "()")]
pub struct DisconnectUser {
    pub user_id: String,
    pub reason: String,
}

impl Handler<DisconnectUser> for Hub {
    type Result = ();

    /// Closes the user's sockets (1008) and refuses any that join late.
    fn handle(&mut self, msg: DisconnectUser, _: &mut Context<Self>) {
        let members = self.users.remove(&msg.user_id).into_iter().flat_map(HashMap::into_values);
        for member in members {
            member.session.do_send(Disconnect { reason: msg.reason.clone() });
        }
        self.remember(Revoked::User(msg.user_id));
    }
}

/// Close every socket of `user_id` opened with the token whose hash is
/// `token_hash` (directly or through a ticket it minted): the token was revoked.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DisconnectToken {
    pub user_id: String,
    pub token_hash: String,
    pub reason: String,
}

impl Handler<DisconnectToken> for Hub {
    type Result = ();

    /// Closes the token's sockets (1008), leaves the user's others open, and
    /// refuses any socket of that token that joins late.
    fn handle(&mut self, msg: DisconnectToken, _: &mut Context<Self>) {
        if let Some(sessions) = self.users.get_mut(&msg.user_id) {
            sessions.retain(|_, member| {
                let revoked = member.token_hash == msg.token_hash;
                if revoked {
                    member.session.do_send(Disconnect { reason: msg.reason.clone() });
                }
                !revoked
            });
            if sessions.is_empty() {
                self.users.remove(&msg.user_id);
            }
        }
        self.remember(Revoked::Token(msg.token_hash));
    }
}

/// Deliver a live, non-durable frame (a chat delta) to every socket of `user_id`
/// on this node. A client that misses it catches up with `chat.resume`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Broadcast {
    pub user_id: String,
    pub frame: Arc<ServerFrame>,
}

/// A live frame for one socket (sent by the Hub to a Session).
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Live {
    pub frame: Arc<ServerFrame>,
}

impl Handler<Broadcast> for Hub {
    type Result = ();

    fn handle(&mut self, msg: Broadcast, _: &mut Context<Self>) {
        self.each_session(&msg.user_id, |session| {
            session.do_send(Live { frame: Arc::clone(&msg.frame) });
        });
    }
}

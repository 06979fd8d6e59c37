//! The Hub: one per node. It knows which sockets each user has open on this node
//! and delivers every push to all of them. It keeps no state that a restart
//! cannot rebuild: sockets re-register when clients reconnect, and durable
//! events are replayed from the event log.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use protocol::ws::{EventFrame, ServerFrame};

use crate::session::{Disconnect, Session};

/// Routes pushes to the sessions of each user.
#[derive(Default)]
pub struct Hub {
    /// user id → (session id → session).
    users: HashMap<String, HashMap<u64, Addr<Session>>>,
}

impl Hub {
    /// Calls `send` for every live session of `user_id`, forgetting sessions
    /// that have stopped (they would `Leave` anyway).
    fn each_session(&mut self, user_id: &str, mut send: impl FnMut(&Addr<Session>)) {
        let Some(sessions) = self.users.get_mut(user_id) else {
            return;
        };
        sessions.retain(|_, session| {
            let live = session.connected();
            if live {
                send(session);
            }
            live
        });
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

    /// Remembers the session so pushes for its user reach it.
    fn handle(&mut self, msg: Join, _: &mut Context<Self>) {
        self.users.entry(msg.user_id).or_default().insert(msg.session_id, msg.session);
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

/// Close every socket of `user_id` on this node (account deleted, signed out everywhere).
#[derive(Message)]
#[rtype(result = "()")]
pub struct DisconnectUser {
    pub user_id: String,
    pub reason: String,
}

impl Handler<DisconnectUser> for Hub {
    type Result = ();

    fn handle(&mut self, msg: DisconnectUser, _: &mut Context<Self>) {
        for session in self.users.remove(&msg.user_id).into_iter().flat_map(HashMap::into_values) {
            session.do_send(Disconnect { reason: msg.reason.clone() });
        }
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

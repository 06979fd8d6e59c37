//! Publishing durable events: store the event in the user's log (which gives it
//! its sequence number), then hand it to the Hub for live delivery. A client
//! that was offline gets it later by replay, so a push is never lost.
//!
//! On one node the Hub is the whole bus. Several nodes need a broker between
//! `publish` and the Hubs (see the design notes); the stored log is already
//! shared through the database.

use std::sync::Arc;

use actix::Addr;
use actors::Hub;
use actors::hub::Deliver;
use protocol::ws::EventFrame;

use crate::store::Store;

/// Stores and delivers events.
#[derive(Clone)]
pub struct Events {
    store: Store,
    hub: Addr<Hub>,
}

impl Events {
    pub fn new(store: Store, hub: Addr<Hub>) -> Self {
        Self { store, hub }
    }

    /// Appends `{"type": kind, ...body}` to the user's log and pushes it to
    /// every socket the user has open.
    pub async fn publish(
        &self,
        user_id: &str,
        kind: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<Arc<EventFrame>> {
        let frame = Arc::new(self.store.append_event(user_id, kind, &body).await?);
        metrics::counter!("debrief_events_stored_total").increment(1);
        self.hub.do_send(Deliver { user_id: user_id.to_owned(), frame: Arc::clone(&frame) });
        Ok(frame)
    }
}

#[async_trait::async_trait]
impl actors::ports::EventSink for Events {
    async fn publish(&self, user_id: &str, kind: &str, body: serde_json::Value) -> anyhow::Result<()> {
        Events::publish(self, user_id, kind, body).await.map(drop)
    }
}

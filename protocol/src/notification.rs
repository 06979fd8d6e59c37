//! In-app notifications: stored per user, pushed as `notification` events,
//! listed and marked read. They carry no transcript text, only what happened
//! and where to look.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One notification.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Notification {
    pub id: String,
    /// `analysis.completed` or `analysis.failed`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The interview it is about, if any.
    pub interview_id: Option<String>,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

/// A page of notifications, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    /// How many of the user's notifications are unread.
    pub unread: u64,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

//! The `career_item` and `career_plan` tables: what the Career Interviewer
//! knows about a user (one row per fact) and the plan of the story being told
//! (one row per user, its body JSON written by the interviewer). Every query
//! is scoped by owner.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use protocol::career::{ItemKind, RecordItem};
use surrealdb::types::{RecordId, SurrealValue};

use super::{Store, user_record};

fn item_record(id: &str) -> RecordId {
    RecordId::new("career_item", id)
}

fn plan_record(owner: &str) -> RecordId {
    RecordId::new("career_plan", owner)
}

#[derive(SurrealValue)]
struct ItemRow {
    id: String,
    kind: String,
    text: String,
    message_id: Option<String>,
    story: i64,
    edited: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ItemRow {
    fn into_item(self) -> Option<RecordItem> {
        Some(RecordItem {
            id: self.id,
            kind: ItemKind::parse(&self.kind)?,
            text: self.text,
            message_id: self.message_id,
            story: u32::try_from(self.story).unwrap_or_default(),
            edited: self.edited,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const ITEM_FIELDS: &str = "record::id(id) AS id, kind, text, message_id, story, edited, created_at, updated_at";

/// A fact to add to a record.
pub struct NewItem<'a> {
    pub kind: ItemKind,
    pub text: &'a str,
}

impl Store {
    /// The owner's newest `limit` record items, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn career_items(&self, owner: &str, limit: usize) -> anyhow::Result<Vec<RecordItem>> {
        let rows: Vec<ItemRow> = self
            .db()
            .query(format!(
                "SELECT * FROM (SELECT {ITEM_FIELDS} FROM career_item WHERE owner = $owner
                     ORDER BY created_at DESC LIMIT $limit) ORDER BY created_at ASC"
            ))
            .bind(("owner", user_record(owner)))
            .bind(("limit", i64::try_from(limit).unwrap_or(i64::MAX)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read the career record")?;
        Ok(rows.into_iter().filter_map(ItemRow::into_item).collect())
    }

    /// Adds facts taken from the user message `message_id` to the record.
    #[tracing::instrument(skip_all, fields(count = items.len()))]
    pub async fn add_career_items(
        &self,
        owner: &str,
        items: &[NewItem<'_>],
        message_id: &str,
        story: u32,
    ) -> anyhow::Result<Vec<RecordItem>> {
        let mut added = Vec::with_capacity(items.len());
        let now = Utc::now();
        for (index, item) in items.iter().enumerate() {
            let id = uuid::Uuid::new_v4().simple().to_string();
            // Distinct instants keep the order the facts were said in.
            let created_at = now + chrono::Duration::microseconds(index as i64);
            self.db()
                .query(
                    "CREATE $item SET owner = $owner, kind = $kind, text = $text, message_id = $message_id,
                         story = $story, edited = false, created_at = $created_at, updated_at = $created_at",
                )
                .bind(("item", item_record(&id)))
                .bind(("owner", user_record(owner)))
                .bind(("kind", item.kind.as_str().to_owned()))
                .bind(("text", item.text.to_owned()))
                .bind(("message_id", message_id.to_owned()))
                .bind(("story", i64::from(story)))
                .bind(("created_at", created_at))
                .await
                .and_then(|r| r.check())
                .context("failed to add to the career record")?;
            added.push(RecordItem {
                id,
                kind: item.kind,
                text: item.text.to_owned(),
                message_id: Some(message_id.to_owned()),
                story,
                edited: false,
                created_at,
                updated_at: created_at,
            });
        }
        Ok(added)
    }

    /// Corrects an item of the owner's; `None` when there is no such item.
    #[tracing::instrument(skip_all)]
    pub async fn update_career_item(&self, owner: &str, id: &str, text: &str) -> anyhow::Result<Option<RecordItem>> {
        let rows: Vec<ItemRow> = self
            .db()
            .query(format!(
                "UPDATE $item SET text = $text, edited = true, updated_at = time::now()
                     WHERE owner = $owner RETURN {ITEM_FIELDS}"
            ))
            .bind(("item", item_record(id)))
            .bind(("owner", user_record(owner)))
            .bind(("text", text.to_owned()))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to correct a career record item")?;
        Ok(rows.into_iter().next().and_then(ItemRow::into_item))
    }

    /// Deletes an item of the owner's; false when there is no such item.
    #[tracing::instrument(skip_all)]
    pub async fn delete_career_item(&self, owner: &str, id: &str) -> anyhow::Result<bool> {
        let found: Vec<String> = self
            .db()
            .query(
                "LET $found = (SELECT VALUE record::id(id) FROM $item WHERE owner = $owner);
                 DELETE $item WHERE owner = $owner;
                 RETURN $found;",
            )
            .bind(("item", item_record(id)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(2))
            .context("failed to delete a career record item")?;
        Ok(!found.is_empty())
    }

    /// The owner's stored story plan (JSON written by the interviewer).
    #[tracing::instrument(skip_all)]
    pub async fn career_plan(&self, owner: &str) -> anyhow::Result<Option<String>> {
        let rows: Vec<String> = self
            .db()
            .query("SELECT VALUE body FROM $plan WHERE owner = $owner")
            .bind(("plan", plan_record(owner)))
            .bind(("owner", user_record(owner)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to read the story plan")?;
        Ok(rows.into_iter().next())
    }

    /// Stores the owner's story plan.
    #[tracing::instrument(skip_all)]
    pub async fn save_career_plan(&self, owner: &str, body: &str) -> anyhow::Result<()> {
        super::retry_races("failed to save the story plan", || async {
            self.db()
                .query("UPSERT $plan SET owner = $owner, body = $body, updated_at = time::now() RETURN NONE")
                .bind(("plan", plan_record(owner)))
                .bind(("owner", user_record(owner)))
                .bind(("body", body.to_owned()))
                .await
                .and_then(|r| r.check())
        })
        .await?;
        Ok(())
    }
}

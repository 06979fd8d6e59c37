//! The `user` table: accounts, looked up by id or by normalised email.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use surrealdb::types::SurrealValue;

use super::{Store, is_unique_violation, user_record};

/// A user as stored, password hash included. Never sent to clients as is.
#[derive(Debug, Clone, SurrealValue)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

impl UserRow {
    /// The public view of the user.
    pub fn public(&self) -> protocol::account::User {
        protocol::account::User {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            created_at: self.created_at,
        }
    }
}

/// What creating a user came to.
pub enum Created {
    User(UserRow),
    EmailTaken,
}

const FIELDS: &str = "record::id(id) AS id, email, name, password_hash, created_at";

impl Store {
    /// Creates a user; the unique index on `email` refuses a second account
    /// with the same address, even when two registrations race.
    #[tracing::instrument(skip_all)]
    pub async fn create_user(
        &self,
        id: &str,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> anyhow::Result<Created> {
        let result = self
            .db()
            .query(format!(
                "CREATE $user SET email = $email, name = $name, \
                 password_hash = $password_hash, created_at = time::now() RETURN {FIELDS}"
            ))
            .bind(("user", user_record(id)))
            .bind(("email", email.to_owned()))
            .bind(("name", name.to_owned()))
            .bind(("password_hash", password_hash.to_owned()))
            .await
            .and_then(|mut r| r.take::<Vec<UserRow>>(0));
        match result {
            Ok(rows) => rows.into_iter().next().map(Created::User).context("CREATE returned no user"),
            Err(error) if is_unique_violation(&error) => Ok(Created::EmailTaken),
            Err(error) => Err(error).context("failed to create a user"),
        }
    }

    /// The user with this (normalised) email.
    #[tracing::instrument(skip_all)]
    pub async fn user_by_email(&self, email: &str) -> anyhow::Result<Option<UserRow>> {
        let rows: Vec<UserRow> = self
            .db()
            .query(format!("SELECT {FIELDS} FROM user WHERE email = $email LIMIT 1"))
            .bind(("email", email.to_owned()))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to look up a user by email")?;
        Ok(rows.into_iter().next())
    }

    /// The user with this id.
    #[tracing::instrument(skip_all)]
    pub async fn user_by_id(&self, user_id: &str) -> anyhow::Result<Option<UserRow>> {
        let rows: Vec<UserRow> = self
            .db()
            .query(format!("SELECT {FIELDS} FROM $user"))
            .bind(("user", user_record(user_id)))
            .await
            .and_then(|mut r| r.take(0))
            .context("failed to look up a user")?;
        Ok(rows.into_iter().next())
    }

    /// Renames the user; `None` when the user does not exist.
    #[tracing::instrument(skip_all)]
    pub async fn rename_user(&self, user_id: &str, name: &str) -> anyhow::Result<Option<UserRow>> {
        let rows: Vec<UserRow> = super::retry_races("failed to rename a user", || async {
            self.db()
                .query(format!("UPDATE $user SET name = $name RETURN {FIELDS}"))
                .bind(("user", user_record(user_id)))
                .bind(("name", name.to_owned()))
                .await
                .and_then(|mut r| r.take(0))
        })
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Deletes the user and every row they own, in one transaction.
    /// Tables added by later features add their own line here.
    #[tracing::instrument(skip_all)]
    pub async fn delete_user(&self, user_id: &str) -> anyhow::Result<()> {
        // The transaction may lose to a concurrent write of the same user's rows
        // (a request still running as the account goes); deleting is
        // idempotent, so it is simply run again.
        super::retry_races("failed to delete a user", || self.try_delete_user(user_id)).await
    }

    async fn try_delete_user(&self, user_id: &str) -> Result<(), surrealdb::Error> {
        self.db()
            .query(
                "BEGIN TRANSACTION;
                 DELETE upload WHERE owner = $user;
                 DELETE job WHERE owner = $user;
                 DELETE transcript WHERE owner = $user;
                 DELETE analysis WHERE owner = $user;
                 DELETE notification WHERE owner = $user;
                 DELETE interview WHERE owner = $user;
                 DELETE practice WHERE owner = $user;
                 DELETE message WHERE owner = $user;
                 DELETE conversation WHERE owner = $user;
                 DELETE career_item WHERE owner = $user;
                 DELETE career_plan WHERE owner = $user;
                 DELETE event WHERE owner = $user;
                 DELETE $counter;
                 DELETE ticket WHERE owner = $user;
                 DELETE token WHERE owner = $user;
                 DELETE $user;
                 COMMIT TRANSACTION;",
            )
            .bind(("user", user_record(user_id)))
            .bind(("counter", super::events::counter_record(user_id)))
            .await
            .and_then(|r| r.check())?;
        Ok(())
    }
}

//! The Notifier: tells a user that something finished, in the app and by email.
//!
//! A notification is stored first (its id is chosen by the caller, so a job
//! stage that runs twice stores it once), then pushed as a durable
//! `notification` event, then emailed over SMTP when `email.smtp_url` is set.
//! Each step is recorded on the row (`pushed`, `email`), so a re-run only does
//! what is left. Notifications and emails carry no transcript text; logs carry
//! no address.

use std::time::Duration;

use anyhow::Context as _;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use secrecy::ExposeSecret as _;

use crate::config::EmailSettings;
use crate::events::Events;
use crate::store::Store;
use crate::store::results::NewNotification;

/// Sends notification emails.
struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
    public_url: String,
}

/// Stores, pushes and emails notifications.
#[derive(Clone)]
pub struct Notifier {
    store: Store,
    events: Events,
    mailer: Option<std::sync::Arc<Mailer>>,
}

impl Notifier {
    /// With `email.smtp_url` empty, notifications stay in the app.
    pub fn new(store: Store, events: Events, settings: &EmailSettings) -> anyhow::Result<Self> {
        let url = settings.smtp_url.expose_secret().trim();
        let mailer = if url.is_empty() {
            None
        } else {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .context("email.smtp_url is not a valid SMTP address")?
                .timeout(Some(Duration::from_secs(settings.timeout_secs.max(1))))
                .build();
            let from = settings.from.parse().context("email.from is not a valid address")?;
            Some(std::sync::Arc::new(Mailer {
                transport,
                from,
                public_url: settings.public_url.trim_end_matches('/').to_owned(),
            }))
        };
        Ok(Self { store, events, mailer })
    }

    /// Stores the notification unless it exists, then finishes whatever is
    /// left of pushing and emailing it.
    pub async fn notify(&self, owner: &str, new: NewNotification<'_>) -> anyhow::Result<()> {
        let email_state = if self.mailer.is_some() { "pending" } else { "off" };
        let stored = self.store.create_notification(owner, new, email_state).await?;
        let id = stored.notification.id.clone();
        if !stored.pushed {
            self.events
                .publish(owner, "notification", serde_json::json!({ "notification": stored.notification }))
                .await?;
            self.store.mark_notification(owner, &id, Some(true), None).await?;
        }
        if stored.email == "pending"
            && let Some(mailer) = &self.mailer
        {
            let outcome = match self.send(mailer, owner, &stored.notification).await {
                Ok(()) => {
                    metrics::counter!("debrief_emails_sent_total").increment(1);
                    "sent"
                }
                Err(error) => {
                    metrics::counter!("debrief_emails_failed_total").increment(1);
                    tracing::warn!(notification = %id, error = format!("{error:#}"), "sending a notification email failed");
                    "failed"
                }
            };
            self.store.mark_notification(owner, &id, None, Some(outcome)).await?;
        }
        metrics::counter!("debrief_notifications_total").increment(1);
        Ok(())
    }

    async fn send(&self, mailer: &Mailer, owner: &str, notification: &protocol::notification::Notification) -> anyhow::Result<()> {
        let Some((email, name)) = self.store.contact(owner).await? else {
            return Ok(());
        };
        let to = lettre::message::Mailbox::new(Some(name), email.parse().context("the account's address is not valid")?);
        let link = notification
            .interview_id
            .as_deref()
            .map(|id| format!("\n\nOpen it: {}/interviews/{id}\n", mailer.public_url))
            .unwrap_or_default();
        let message = Message::builder()
            .from(mailer.from.clone())
            .to(to)
            .subject(format!("Debrief: {}", notification.title))
            .header(ContentType::TEXT_PLAIN)
            .body(format!("{}{link}\n— Debrief\n", notification.body))
            .context("failed to build an email")?;
        mailer.transport.send(message).await.context("the SMTP server refused the email")?;
        Ok(())
    }
}

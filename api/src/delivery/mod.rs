//! Delivery of the outbox: a worker claims due messages, hands each to its transport and
//! records the outcome. At least once: a message is marked sent only after the SMTP server or
//! SMS gateway accepted it, so a crash in between means a second delivery with the same
//! idempotency key (the message id), never a lost message.
//!
//! In dev mode the transports keep messages in the outbox only (readable at
//! `/api/dev/outbox`); in production e-mail goes over SMTP and SMS over an HTTP gateway.

mod mail;
mod sms;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::Channel;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::configuration::{DeliverySettings, Mode, Settings};
use crate::metrics::Metrics;
use crate::store::{AttemptOutcome, OutboxMessage, Store};

pub use mail::SmtpTransport;
pub use sms::HttpSmsTransport;

/// Why an attempt failed, and whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("temporary failure: {0}")]
    Transient(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

#[async_trait]
pub trait Transport: Send + Sync {
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), DeliveryError>;
}

/// Dev mode: the outbox is the mailbox. Logs a line so the developer sees something happen.
pub struct OutboxOnlyTransport;

#[async_trait]
impl Transport for OutboxOnlyTransport {
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), DeliveryError> {
        tracing::info!(
            message_id = %message.id,
            channel = message.channel.as_str(),
            recipient = %message.recipient,
            subject = message.subject.as_deref().unwrap_or(""),
            "dev mode: message kept in the local outbox (see /api/dev/outbox)"
        );
        Ok(())
    }
}

/// One transport per channel.
pub struct Transports {
    pub email: Arc<dyn Transport>,
    pub sms: Arc<dyn Transport>,
}

impl Transports {
    /// The transports the settings ask for: the outbox only in dev mode, SMTP and the SMS
    /// gateway in production (dev mode uses them too when they are configured explicitly).
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let dev = settings.mode == Mode::Dev;
        let email: Arc<dyn Transport> = match (&settings.mail.smtp_host, dev) {
            (Some(_), _) => Arc::new(SmtpTransport::new(&settings.mail)?),
            (None, true) => Arc::new(OutboxOnlyTransport),
            (None, false) => anyhow::bail!("mail.smtp_host is required in production mode"),
        };
        let sms: Arc<dyn Transport> = match (&settings.sms.gateway_url, dev) {
            (Some(_), _) => Arc::new(HttpSmsTransport::new(&settings.sms)?),
            (None, true) => Arc::new(OutboxOnlyTransport),
            (None, false) => anyhow::bail!("sms.gateway_url is required in production mode"),
        };
        Ok(Self { email, sms })
    }

    fn for_channel(&self, channel: Channel) -> &dyn Transport {
        match channel {
            Channel::Email => self.email.as_ref(),
            Channel::Sms => self.sms.as_ref(),
        }
    }
}

/// The wait before attempt `attempts + 1`: base × 2^(attempts − 1), capped.
pub fn backoff(settings: &DeliverySettings, attempts: i32) -> chrono::Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    let seconds = settings
        .backoff_base_seconds
        .saturating_mul(1u64 << exponent)
        .min(settings.backoff_max_seconds);
    chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1000))
}

/// Decides what an attempt's result means for the message.
pub fn outcome(
    settings: &DeliverySettings,
    message: &OutboxMessage,
    result: Result<(), DeliveryError>,
    now: DateTime<Utc>,
) -> AttemptOutcome {
    match result {
        Ok(()) => AttemptOutcome::Sent,
        Err(DeliveryError::Permanent(why)) => AttemptOutcome::Dead(why),
        Err(DeliveryError::Transient(why)) if message.attempts >= settings.max_attempts => {
            AttemptOutcome::Dead(format!(
                "gave up after {} attempts: {why}",
                message.attempts
            ))
        }
        Err(DeliveryError::Transient(why)) => {
            AttemptOutcome::RetryAt(now + backoff(settings, message.attempts), why)
        }
    }
}

pub struct Worker {
    pub store: Arc<dyn Store>,
    pub transports: Transports,
    pub settings: DeliverySettings,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// Woken when this process writes a message, so delivery does not wait for the next poll.
    pub wake: Arc<Notify>,
    /// Erase a message's body once it is delivered or dead (production; dev mode keeps them
    /// readable in its local outbox).
    pub erase_delivered: bool,
    /// Set when the service stops: the worker finishes the message it is sending, hands the
    /// rest of its batch back and returns.
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl Worker {
    fn stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs until [`Worker::stopping`] is set (or the task is dropped). Errors are logged and
    /// retried.
    pub async fn run(self) {
        let poll = Duration::from_millis(self.settings.poll_interval_ms.max(10));
        loop {
            if self.stopping() {
                tracing::info!("outbox: worker stopped");
                return;
            }
            match self.round().await {
                Ok(claimed) if claimed > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::error!(error = %error, "outbox: delivery round failed"),
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Claims one batch and attempts each message; returns how many were claimed.
    pub async fn round(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let lease =
            chrono::Duration::seconds(i64::try_from(self.settings.lease_seconds).unwrap_or(120));
        let batch = self
            .store
            .claim_due(now, now + lease, self.settings.batch_size)
            .await?;
        let claimed = batch.len();
        let mut batch = batch.into_iter();
        while let Some(message) = batch.next() {
            if self.stopping() {
                let rest: Vec<_> = std::iter::once(message.id)
                    .chain(batch.map(|m| m.id))
                    .collect();
                let released = self.store.release_claims(&rest, now + lease).await?;
                tracing::info!(
                    released,
                    "outbox: stopping; handed back the messages not yet sent"
                );
                return Ok(claimed);
            }
            let result = self
                .transports
                .for_channel(message.channel)
                .deliver(&message)
                .await;
            let now = self.clock.now();
            let outcome = outcome(&self.settings, &message, result, now);
            let channel = message.channel.as_str();
            match &outcome {
                AttemptOutcome::Sent => {
                    self.metrics
                        .outbox_delivered
                        .with_label_values(&[channel])
                        .inc();
                    tracing::info!(message_id = %message.id, channel, attempts = message.attempts, "outbox: delivered");
                }
                AttemptOutcome::RetryAt(at, why) => {
                    self.metrics
                        .outbox_failures
                        .with_label_values(&[channel])
                        .inc();
                    tracing::warn!(message_id = %message.id, channel, attempts = message.attempts, retry_at = %at, error = %why, "outbox: delivery failed, will retry");
                }
                AttemptOutcome::Dead(why) => {
                    self.metrics
                        .outbox_failures
                        .with_label_values(&[channel])
                        .inc();
                    self.metrics
                        .outbox_dead_letters
                        .with_label_values(&[channel])
                        .inc();
                    tracing::error!(message_id = %message.id, channel, attempts = message.attempts, error = %why, "outbox: dead letter, delivery abandoned");
                }
            }
            self.store
                .record_attempt(message.id, &outcome, now, self.erase_delivered)
                .await?;
        }
        Ok(claimed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poort_shared::dto::DeliveryStatus;

    fn message(attempts: i32) -> OutboxMessage {
        let now = Utc::now();
        OutboxMessage {
            id: uuid::Uuid::nil(),
            channel: Channel::Email,
            recipient: "a@example.nl".into(),
            subject: Some("s".into()),
            body: Some("b".into()),
            status: DeliveryStatus::Pending,
            attempts,
            created_at: now,
            next_attempt_at: now,
            sent_at: None,
            last_error: None,
        }
    }

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let s = DeliverySettings {
            backoff_base_seconds: 10,
            backoff_max_seconds: 100,
            ..DeliverySettings::default()
        };
        let secs: Vec<i64> = (1..=6).map(|a| backoff(&s, a).num_seconds()).collect();
        assert_eq!(secs, vec![10, 20, 40, 80, 100, 100]);
    }

    #[test]
    fn a_transient_failure_is_retried_until_the_last_attempt_then_dead() {
        let s = DeliverySettings {
            max_attempts: 3,
            ..DeliverySettings::default()
        };
        let now = Utc::now();
        let err = || Err(DeliveryError::Transient("refused".into()));
        assert!(matches!(
            outcome(&s, &message(1), err(), now),
            AttemptOutcome::RetryAt(..)
        ));
        assert!(matches!(
            outcome(&s, &message(2), err(), now),
            AttemptOutcome::RetryAt(..)
        ));
        assert!(matches!(
            outcome(&s, &message(3), err(), now),
            AttemptOutcome::Dead(..)
        ));
    }

    #[test]
    fn a_permanent_failure_is_dead_at_once() {
        let s = DeliverySettings::default();
        let result = Err(DeliveryError::Permanent("550 no such user".into()));
        assert!(matches!(
            outcome(&s, &message(1), result, Utc::now()),
            AttemptOutcome::Dead(..)
        ));
    }
}

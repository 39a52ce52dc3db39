//! E-mail over SMTP (lettre). The message id is the outbox id, so a message delivered twice
//! after a crash carries the same `Message-ID` and mail systems can fold the copies.

use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::{DeliveryError, Transport};
use crate::configuration::{MailSettings, SmtpSecurity};
use crate::store::OutboxMessage;

pub struct SmtpTransport {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpTransport {
    pub fn new(settings: &MailSettings) -> anyhow::Result<Self> {
        let host = settings
            .smtp_host
            .as_deref()
            .context("mail.smtp_host is not set")?;
        let mut builder = match settings.smtp_security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .context("mail.smtp_host: cannot set up STARTTLS")?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .context("mail.smtp_host: cannot set up TLS")?,
        }
        .port(settings.smtp_port)
        .timeout(Some(Duration::from_secs(settings.timeout_seconds.max(1))));
        if let Some(username) = &settings.smtp_username {
            let password = settings
                .smtp_password
                .as_ref()
                .map(|p| p.expose_secret().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        let from = settings
            .from
            .as_deref()
            .unwrap_or("Poort <noreply@localhost>")
            .parse::<Mailbox>()
            .context("mail.from: not a valid sender address")?;
        Ok(Self {
            mailer: builder.build(),
            from,
        })
    }
}

#[async_trait]
impl Transport for SmtpTransport {
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), DeliveryError> {
        let to = message
            .recipient
            .parse::<Mailbox>()
            .map_err(|e| DeliveryError::Permanent(format!("recipient address: {e}")))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone().unwrap_or_default())
            .message_id(Some(format!(
                "<{}@{}>",
                message.id,
                self.from.email.domain()
            )))
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone().unwrap_or_default())
            .map_err(|e| DeliveryError::Permanent(format!("cannot build e-mail: {e}")))?;
        match self.mailer.send(email).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(e.to_string())),
            Err(e) => Err(DeliveryError::Transient(e.to_string())),
        }
    }
}

//! SMS over an HTTP gateway. The request shape is ours and documented in the README, so a
//! real provider's API is reached through a small adapter (or directly, if it accepts it):
//!
//! ```text
//! POST {sms.gateway_url}
//! Authorization: Bearer {sms.api_key}
//! Idempotency-Key: {message id}
//! Content-Type: application/json
//!
//! {"to": "+31612345678", "from": "{sms.sender}", "text": "…", "reference": "{message id}"}
//! ```
//!
//! Any 2xx is accepted. 408, 429 and 5xx (and network errors) are retried; other 4xx mean the
//! gateway will never take this message, so it becomes a dead letter at once.

use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::{DeliveryError, Transport};
use crate::configuration::SmsSettings;
use crate::store::OutboxMessage;

pub struct HttpSmsTransport {
    client: reqwest::Client,
    url: String,
    api_key: SecretString,
    sender: String,
}

#[derive(Serialize)]
struct SmsRequest<'a> {
    to: &'a str,
    from: &'a str,
    text: &'a str,
    reference: String,
}

impl HttpSmsTransport {
    pub fn new(settings: &SmsSettings) -> anyhow::Result<Self> {
        let url = settings
            .gateway_url
            .clone()
            .context("sms.gateway_url is not set")?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_seconds.max(1)))
            .build()
            .context("cannot build the HTTP client for the SMS gateway")?;
        Ok(Self {
            client,
            url,
            api_key: settings
                .api_key
                .clone()
                .unwrap_or_else(|| SecretString::from(String::new())),
            sender: settings.sender.clone(),
        })
    }
}

#[async_trait]
impl Transport for HttpSmsTransport {
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), DeliveryError> {
        let body = SmsRequest {
            to: &message.recipient,
            from: &self.sender,
            text: message.body.as_deref().unwrap_or_default(),
            reference: message.id.to_string(),
        };
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(self.api_key.expose_secret())
            .header("Idempotency-Key", message.id.to_string())
            .json(&body)
            .send()
            .await
            .map_err(|e| DeliveryError::Transient(format!("SMS gateway unreachable: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let detail = response.text().await.unwrap_or_default();
        let detail: String = detail.chars().take(200).collect();
        let why = format!("SMS gateway answered {status}: {detail}");
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(DeliveryError::Transient(why))
        } else {
            Err(DeliveryError::Permanent(why))
        }
    }
}

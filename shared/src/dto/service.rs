//! Service-level bodies: health, readiness, public configuration, the development outbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Liveness: the process is up. Does not touch the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    /// Always `ok` when the process answers.
    pub status: String,
    /// The version of the running build.
    pub version: String,
    /// `dev` or `production`.
    pub mode: RunMode,
}

/// Readiness: the service can do its work (the database answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadyResponse {
    /// `ready`, or `unavailable` (with HTTP 503).
    pub status: String,
    /// Which database kind is configured: `sqlite` or `postgres`.
    pub database: String,
    /// Messages waiting in the outbox for delivery.
    pub outbox_pending: i64,
}

/// How the service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    /// Development: e-mail and SMS stay in the local outbox, readable at `/api/dev/outbox`.
    Dev,
    /// Production: e-mail goes out over SMTP and SMS over the HTTP gateway.
    Production,
}

/// What the SPA (and anyone) may know before signing in: branding and contact details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicConfigResponse {
    /// The insurer's name, shown in the header.
    pub insurer_name: String,
    /// Phone number of Team Relatiebeheer.
    pub support_phone: String,
    /// E-mail address of Team Relatiebeheer.
    pub support_email: String,
    /// `dev` or `production`; in `dev` the SPA links the outbox page.
    pub mode: RunMode,
}

/// The channel a message goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

/// Where a message is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for (another) delivery attempt.
    Pending,
    /// Handed to the SMTP server or SMS gateway (in dev mode: kept in the local outbox).
    Sent,
    /// Gave up after the configured number of attempts, or refused permanently.
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "sent" => Some(DeliveryStatus::Sent),
            "dead" => Some(DeliveryStatus::Dead),
            _ => None,
        }
    }
}

/// One e-mail or SMS as the development outbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessageResponse {
    pub id: Uuid,
    pub channel: Channel,
    /// E-mail address or mobile number.
    pub recipient: String,
    /// E-mail subject; absent for SMS.
    pub subject: Option<String>,
    /// The plain-text body, links included.
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// The development outbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxListResponse {
    pub messages: Vec<OutboxMessageResponse>,
}

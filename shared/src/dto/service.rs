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

crate::wire_enum! {
    /// How the service runs.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum RunMode {
        /// Development: e-mail and SMS stay in the local outbox, readable at `/api/dev/outbox`.
        Dev = "dev",
        /// Production: e-mail goes out over SMTP and SMS over the HTTP gateway.
        Production = "production",
    }
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
    /// eHerkenning, when configured (`[eherkenning]`); absent when off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eherkenning: Option<super::EherkenningInfo>,
    /// Passkeys are offered (`server.public_url` names a host, not an IP address).
    #[serde(default)]
    pub passkeys: bool,
}

crate::wire_enum! {
    /// The channel a message goes out on.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Channel {
        Email = "email",
        Sms = "sms",
    }
}

crate::wire_enum! {
    /// Where a message is in its delivery.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum DeliveryStatus {
        /// Waiting for (another) delivery attempt.
        Pending = "pending",
        /// Handed to the SMTP server or SMS gateway (in dev mode: kept in the local outbox).
        Sent = "sent",
        /// Gave up after the configured number of attempts, or refused permanently.
        Dead = "dead",
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

/// A message given up on, as the relations team sees it: its body is erased, what it was and
/// why it failed stay until the retention removes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadLetterResponse {
    pub id: Uuid,
    pub channel: Channel,
    /// E-mail address or mobile number.
    pub recipient: String,
    /// E-mail subject; absent for SMS.
    pub subject: Option<String>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    /// The last attempt's error as the SMTP server or SMS gateway gave it.
    pub last_error: Option<String>,
}

/// One page of dead letters, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadLetterListResponse {
    pub messages: Vec<DeadLetterResponse>,
    /// Set when there are older ones: pass it as `offset` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<i64>,
}

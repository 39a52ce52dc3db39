//! Invitations, and the steps of accepting one (also used after a sign-in set-up reset).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{RightsGrant, Role, redacted_debug};

crate::wire_enum! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum InvitationKind {
        /// A new account.
        Invitation = "invitation",
        /// An existing account whose sign-in set-up the relations team reset.
        Reset = "reset",
    }
}

crate::wire_enum! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum InvitationStatus {
        /// Waiting for the invitee (see `expired` for the current link).
        Open = "open",
        Accepted = "accepted",
        Withdrawn = "withdrawn",
    }
}

crate::wire_enum! {
    /// What happened to an invitation, in order.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum InvitationEventKind {
        Sent = "sent",
        /// Sent again by an administrator or the relations team (new link; the old one stops working).
        Resent = "resent",
        /// The invitee opened an expired link and a new one was sent automatically.
        Renewed = "renewed",
        Accepted = "accepted",
        Withdrawn = "withdrawn",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationEventResponse {
    pub kind: InvitationEventKind,
    pub at: DateTime<Utc>,
    /// Who did it (absent: the invitee or the system).
    pub actor_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationResponse {
    pub id: Uuid,
    pub account_id: Uuid,
    pub name: String,
    pub email: String,
    pub kind: InvitationKind,
    pub status: InvitationStatus,
    /// Whether the current link has expired (opening it sends a new one).
    pub expired: bool,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub events: Vec<InvitationEventResponse>,
    /// The office of the invited account (absent for the relations team's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Uuid>,
    /// The office's name: in the relations team's list across offices only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
}

crate::wire_enum! {
    /// Which open invitations the relations team lists across offices.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum InvitationFilter {
        /// Open, and the current link still works.
        Open = "open",
        /// Open, but the current link has expired (opening it sends a new one).
        Expired = "expired",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
/// One page, newest first. Pass `next_before` as `before` for the next page.
pub struct InvitationListResponse {
    pub invitations: Vec<InvitationResponse>,
    /// Set when there are older invitations.
    pub next_before: Option<Uuid>,
}

/// Invite a colleague (office user administrator) or a person of an office (relations team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// The name, fixed once the account exists.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::name))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::email))]
    pub email: String,
    /// Also make the account a user administrator of the office.
    #[serde(default)]
    pub administrator: bool,
    /// Rights the account gets, per portfolio of the office.
    #[serde(default)]
    pub rights: Vec<RightsGrant>,
}

/// Invite a member of the relations team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InviteOperatorRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::name))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::email))]
    pub email: String,
}

crate::wire_enum! {
    /// Where a set-up stands: the next step to take.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum SetupStep {
        Password = "password",
        Mobile = "mobile",
        Authenticator = "authenticator",
        Done = "done",
    }
}

/// What an invitation link shows before anything is entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationLinkResponse {
    pub kind: InvitationKind,
    /// The name, read-only: it is fixed when the account is created.
    pub name: String,
    pub email: String,
    pub office_name: Option<String>,
    pub role: Role,
    /// The next step. After `password`, continuing needs the set-up token (or the password again).
    pub step: SetupStep,
    pub expires_at: DateTime<Utc>,
}

/// Step 1: the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPasswordRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::new_password))]
    pub password: String,
}

/// Continue an interrupted set-up: the password chosen in step 1.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResumeSetupRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::password))]
    pub password: String,
}

/// The token for the steps after the password (valid one hour).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupTokenResponse {
    pub setup_token: String,
    pub step: SetupStep,
}

/// Step 2a: the mobile number to send a code to.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendMobileCodeRequest {
    pub setup_token: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::mobile))]
    pub mobile: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeSentResponse {
    /// The number, partly hidden.
    pub sent_to: String,
    pub expires_at: DateTime<Utc>,
    /// A new code can be requested after this many seconds.
    pub resend_after_seconds: i64,
}

/// Step 2b, and confirming the authenticator: a code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetupCodeRequest {
    pub setup_token: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::one_time_code))]
    pub code: String,
}

/// Step 3 with a passkey instead of the app: the browser's new credential (the answer to
/// `/api/invitations/{token}/passkey/options`) and its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetupPasskeyRequest {
    pub setup_token: String,
    pub challenge_id: uuid::Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::name))]
    pub name: String,
    /// The `PublicKeyCredential` from `navigator.credentials.create()`, as its `toJSON()`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// Step 3a: ask for a new authenticator secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetupTokenRequest {
    pub setup_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupStepResponse {
    pub step: SetupStep,
}

/// An authenticator app to link: the QR code's content and the key for typing in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthenticatorSetupResponse {
    /// `otpauth://totp/…` for the QR code.
    pub otpauth_uri: String,
    /// The same secret in base32, for manual entry.
    pub secret: String,
    pub issuer: String,
    pub account_name: String,
    pub digits: u32,
    pub period_seconds: u32,
}

redacted_debug!(
    SetPasswordRequest,
    ResumeSetupRequest,
    SetupTokenResponse,
    SendMobileCodeRequest,
    SetupCodeRequest,
    SetupTokenRequest,
    AuthenticatorSetupResponse,
);

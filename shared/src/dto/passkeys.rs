//! Passkeys (WebAuthn): adding, naming and removing them in *Mijn account*, and signing in
//! with one — as the second factor after the password, or on its own (passwordless, with the
//! browser's autofill). Each ceremony has two halves: the server's options (`options`, to pass
//! to `navigator.credentials.create()` / `.get()` after `PublicKeyCredential.parse…FromJSON`),
//! then the browser's credential (`credential`, its `toJSON()`) with the `challenge_id`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A passkey of the signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyResponse {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// The last sign-in (or re-authentication) with it.
    pub last_used_at: Option<DateTime<Utc>>,
    /// The authenticator's signature counter at its last use (0 for authenticators that keep
    /// none, such as most synced passkeys).
    pub sign_count: u32,
    /// The passkey may be synchronised between devices (a password manager's or a platform's).
    pub backup_eligible: bool,
    /// The passkey was synchronised at its last use.
    pub backed_up: bool,
}

/// The signed-in account's passkeys, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyListResponse {
    pub passkeys: Vec<PasskeyResponse>,
}

/// The first half of a ceremony: the options for the browser and the challenge to answer
/// (single-use, valid 5 minutes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyChallengeResponse {
    pub challenge_id: Uuid,
    /// WebAuthn options as JSON: `{"publicKey": {…}}` with base64url binary fields, and
    /// `"mediation": "conditional"` for the passwordless sign-in.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Value,
}

/// A new passkey: the browser's answer to the registration options, and its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyRegisterRequest {
    pub challenge_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::name))]
    pub name: String,
    /// The `PublicKeyCredential` from `navigator.credentials.create()`, as its `toJSON()`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// A passkey's new name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyRenameRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::name))]
    pub name: String,
}

/// The second factor of a sign-in with a passkey: the browser's answer to the options of
/// `/api/sign-in/passkey/options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInPasskeyRequest {
    pub sign_in_token: String,
    pub challenge_id: Uuid,
    /// The `PublicKeyCredential` from `navigator.credentials.get()`, as its `toJSON()`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// A passwordless sign-in: the browser's answer to the options of
/// `/api/sign-in/passkey/discoverable/options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeySignInRequest {
    pub challenge_id: Uuid,
    /// The `PublicKeyCredential` from `navigator.credentials.get()`, as its `toJSON()`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// A passkey's answer that proves it is still this person (re-authentication in *Mijn
/// account*): the browser's answer to the options of `/api/me/reauthenticate/passkey/options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyProofRequest {
    pub challenge_id: Uuid,
    /// The `PublicKeyCredential` from `navigator.credentials.get()`, as its `toJSON()`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

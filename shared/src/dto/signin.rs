//! Signing in (as explicit steps), recovering a password or an e-mail address, the portfolio
//! context, *Mijn account*, and tokens for the extranet's other applications.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Factors, MeResponse, PortfolioRightsResponse, redacted_debug};

/// Step 1: e-mail address and password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::email))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::password))]
    pub password: String,
}

crate::wire_enum! {
    /// A second factor the account can use.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum SecondFactor {
        /// A 6-digit code from the authenticator app.
        Authenticator = "authenticator",
        /// A 6-digit code sent by SMS to the mobile number.
        Sms = "sms",
        /// A passkey (WebAuthn): `/api/sign-in/passkey/options`, then `/api/sign-in/passkey`.
        Passkey = "passkey",
    }
}

crate::wire_enum! {
    /// What the client must do next in a sign-in.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum SignInStep {
        /// Give a code: see `methods`.
        SecondFactor = "second_factor",
        /// The password is older than the maximum age: choose a new one before anything else.
        NewPassword = "new_password",
        /// Signed in: the session cookie is set and `account` is filled.
        Done = "done",
    }
}

/// The answer to every sign-in step.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInResponse {
    pub step: SignInStep,
    /// Carries the sign-in to the next step (absent once done). Valid 10 minutes.
    pub sign_in_token: Option<String>,
    /// The second factors this account may use (authenticator first when it has one).
    pub methods: Vec<SecondFactor>,
    /// Where an SMS code goes, partly hidden (when SMS is a method).
    pub mobile_hint: Option<String>,
    /// Once done: the signed-in account.
    pub account: Option<MeResponse>,
}

/// A code for the second factor.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInCodeRequest {
    pub sign_in_token: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::one_time_code))]
    pub code: String,
}

/// The sign-in to send an SMS code for.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInTokenRequest {
    pub sign_in_token: String,
}

/// The mandatory new password after expiry.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInNewPasswordRequest {
    pub sign_in_token: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::new_password))]
    pub password: String,
}

/// Forgot password, step 1: the e-mail address. The answer is the same whether or not the
/// address is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::email))]
    pub email: String,
}

/// Forgot e-mail address: the mobile number. The answer is the same whether or not the number
/// is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForgotEmailRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::mobile))]
    pub mobile: String,
}

/// "If we know it, a message is on its way": the one answer to every recovery request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptedResponse {
    pub status: String,
}

/// A password-reset link, opened: how the person can prove it is them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetLinkResponse {
    pub methods: Vec<SecondFactor>,
    pub mobile_hint: Option<String>,
    /// Whether the proof was given already (then the next step is the new password).
    pub verified: bool,
    pub expires_at: DateTime<Utc>,
}

/// Proof of possession for a password reset: an SMS or authenticator code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetVerifyRequest {
    pub method: SecondFactor,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::one_time_code))]
    pub code: String,
}

/// A new password (password reset).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPasswordRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::new_password))]
    pub password: String,
}

/// Proving it is still you before a sensitive change in *Mijn account*: the password, or a
/// code from the authenticator app.
/// Exactly one of the two.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ReauthenticateRequest {
    /// The password.
    Password(ReauthenticateWithPassword),
    /// A code from the authenticator app.
    Code(ReauthenticateWithCode),
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReauthenticateWithPassword {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::password))]
    pub password: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReauthenticateWithCode {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::one_time_code))]
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReauthenticatedResponse {
    /// Sensitive changes are allowed until then.
    pub until: DateTime<Utc>,
}

/// Changing the password: the current one is required.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::password))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::new_password))]
    pub new_password: String,
}

/// A new mobile number (a code goes to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeMobileRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::mobile))]
    pub mobile: String,
}

/// A code (SMS to the new number, or the new authenticator's).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::one_time_code))]
    pub code: String,
}

/// What removing the mobile number means, as a stable code: `recovery_disabled` (forgot
/// password and forgot e-mail address stop working without it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobileRemovedResponse {
    pub warning: String,
    pub factors: Factors,
}

/// *Mijn account*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileResponse {
    pub account: MeResponse,
    /// Fixed: set when the account was made. To correct it, Team Relatiebeheer makes a new account.
    pub name_editable: bool,
    pub mobile: Option<String>,
    pub factors: Factors,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub password_expires_at: Option<DateTime<Utc>>,
    pub portfolios: Vec<PortfolioRightsResponse>,
}

/// One of the account's sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session of this request.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionListResponse {
    pub sessions: Vec<SessionResponse>,
}

/// The portfolios the account has rights on, and the one chosen for this session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortfolioContextResponse {
    pub portfolios: Vec<PortfolioRightsResponse>,
    pub active_portfolio_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SelectPortfolioRequest {
    pub portfolio_id: Uuid,
}

/// A short-lived signed token (JWT, EdDSA) for the extranet's other applications.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub token: String,
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
}

redacted_debug!(
    SignInRequest,
    SignInResponse,
    SignInCodeRequest,
    SignInNewPasswordRequest,
    ResetVerifyRequest,
    NewPasswordRequest,
    ReauthenticateRequest,
    ReauthenticateWithPassword,
    ReauthenticateWithCode,
    SignInTokenRequest,
    ChangePasswordRequest,
    CodeRequest,
    TokenResponse,
);

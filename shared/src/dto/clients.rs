//! Integrators: API clients (machine credentials of an office or of the insurer), the OAuth 2.0
//! token and introspection answers, rights checks, and the claims of the tokens Poort signs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuditAccountRef;

crate::wire_enum! {
    /// What an API client may do: its OAuth 2.0 scopes. The catalogue with labels is data
    /// (`GET /api/office/api-scopes`); a scope marked `insurer_only` is for the insurer's own
    /// clients.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum ApiScope {
        /// Read the accounts, invitations and portfolios (of the client's office).
        AccountsRead = "accounts:read",
        /// Invite, re-send and withdraw invitations, deactivate and reactivate accounts,
        /// appoint administrators; for the insurer also delete accounts and reset their sign-in.
        AccountsManage = "accounts:manage",
        /// Grant and revoke rights on portfolios.
        RightsManage = "rights:manage",
        /// Read the audit trail.
        AuditRead = "audit:read",
        /// Check an account's rights and introspect tokens.
        RightsCheck = "rights:check",
        /// Manage offices and portfolios (the insurer's clients only).
        OfficesManage = "offices:manage",
    }
}

crate::wire_enum! {
    /// Whether a client can get tokens.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum ApiClientStatus {
        Active = "active",
        /// Its expiry has passed.
        Expired = "expired",
        /// Revoked: it can never get or use a token again.
        Revoked = "revoked",
    }
}

/// One scope of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiScopeResponse {
    pub code: ApiScope,
    pub label_nl: String,
    pub label_en: String,
    /// Only the insurer's own clients may have it.
    pub insurer_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiScopeCatalogueResponse {
    pub scopes: Vec<ApiScopeResponse>,
}

/// An API client's settings: for a new one (its credentials are added afterwards: a public key,
/// preferred, or a generated secret) and, whole, when they are changed (what is absent is
/// removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiClientRequest {
    /// 1–100 characters, e.g. the name of the HR system.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// At least one.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub scopes: Vec<ApiScope>,
    /// Only these portfolios of the office (absent: all of them, also future ones). Not for
    /// the insurer's clients.
    #[serde(default)]
    pub portfolio_ids: Option<Vec<Uuid>>,
    /// After this moment the client gets no tokens and its tokens stop working.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A public key the client signs its assertions with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiClientKeyResponse {
    pub id: Uuid,
    /// The `kid` the client puts in its assertions' header.
    pub kid: String,
    /// `EdDSA`, `ES256` or `RS256`.
    pub alg: String,
    /// The public key as a JWK.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub jwk: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Registers a public key: a JWK (JSON) or a PEM public key (`-----BEGIN PUBLIC KEY-----`):
/// Ed25519, P-256 (ES256) or RSA of at least 2048 bits (RS256). At most two per client, so
/// that keys can be rotated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddApiClientKeyRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 10000))]
    pub key: String,
    /// The key id (1–100 of `A-Z a-z 0-9 . _ -`); absent: the JWK's own `kid`, else its
    /// RFC 7638 thumbprint.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z0-9._-]{1,100}$", max_length = 100)
    )]
    pub kid: Option<String>,
}

/// An API client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiClientResponse {
    pub id: Uuid,
    /// What the client calls itself (`iss` and `sub` of its assertions, the user name of
    /// HTTP Basic).
    pub client_id: String,
    pub name: String,
    /// The office it belongs to; absent for the insurer's own clients.
    pub office_id: Option<Uuid>,
    pub scopes: Vec<ApiScope>,
    pub portfolio_ids: Option<Vec<Uuid>>,
    pub status: ApiClientStatus,
    pub created_by: Option<AuditAccountRef>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub keys: Vec<ApiClientKeyResponse>,
    /// Whether a client secret is set (it is never shown again).
    pub has_secret: bool,
    pub secret_created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiClientListResponse {
    pub clients: Vec<ApiClientResponse>,
}

/// A new client secret: shown this once, stored only as a hash. It replaces the previous one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiClientSecretResponse {
    pub client_id: String,
    /// 256 random bits, base64url.
    pub client_secret: String,
    pub created_at: DateTime<Utc>,
}

/// `POST /oauth2/token` (RFC 6749 §4.4, form-encoded).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenRequest {
    /// `client_credentials`.
    pub grant_type: String,
    /// Space-separated scopes; absent: all of the client's scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer` with `private_key_jwt`.
    #[serde(default)]
    pub client_assertion_type: Option<String>,
    /// The client's signed JWT (RFC 7523): `iss` = `sub` = client id, `aud` = the token
    /// endpoint's URL (or the issuer), `exp` at most 5 minutes ahead, a `jti` used once.
    #[serde(default)]
    pub client_assertion: Option<String>,
    /// Optional with an assertion; must then match its `iss`.
    #[serde(default)]
    pub client_id: Option<String>,
}

/// RFC 6749 §5.1.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessTokenResponse {
    /// An EdDSA-signed JWT (RFC 9068 profile); see `AccessTokenClaims`.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds.
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

/// RFC 6749 §5.2 (also the introspection endpoint's errors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthErrorResponse {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `invalid_token`, `insufficient_scope`,
    /// `rate_limited`.
    pub error: String,
    pub error_description: Option<String>,
}

/// The claims of an access token from `/oauth2/token` (header `typ: at+jwt`, `alg: EdDSA`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessTokenClaims {
    /// Poort's public URL.
    pub iss: String,
    /// The client id.
    pub sub: String,
    /// Poort's public URL followed by `/api`.
    pub aud: String,
    pub client_id: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    /// Space-separated.
    pub scope: String,
    /// The office the client belongs to; absent for the insurer's clients.
    pub office_id: Option<Uuid>,
    /// The credential the token was issued for (a key or the secret): removing it ends the
    /// token.
    pub cred: Uuid,
}

/// The claims of a user token from `POST /api/me/token` (header `typ: JWT`, `alg: EdDSA`),
/// verified with `/.well-known/jwks.json`. It carries no e-mail address: tokens end up in the
/// logs of the applications that receive them, and `sub` identifies the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserTokenClaims {
    /// Poort's public URL.
    pub iss: String,
    /// The account id.
    pub sub: Uuid,
    /// `security.token_audience` (default `extranet`).
    pub aud: String,
    pub iat: i64,
    /// `iat` + `security.token_lifetime_seconds` (default 300).
    pub exp: i64,
    pub jti: Uuid,
    /// The session the token was made in: introspection says `active: false` once it ended.
    pub sid: Uuid,
    /// The person's name as the extranet shows it top right.
    pub name: String,
    pub role: super::Role,
    pub office_id: Option<Uuid>,
    /// The active portfolio.
    pub portfolio: PortfolioClaim,
    /// Right codes on that portfolio when the token was made.
    pub rights: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortfolioClaim {
    pub id: Uuid,
    pub agency_number: String,
}

/// `POST /oauth2/introspect` (RFC 7662, form-encoded).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntrospectionRequest {
    pub token: String,
    /// `access_token` or `user_token`; only a hint.
    #[serde(default)]
    pub token_type_hint: Option<String>,
}

/// RFC 7662 §2.2. Inactive tokens (expired, forged, of an ended session or a revoked client,
/// or of another office than the caller's) answer only `{"active": false}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntrospectionResponse {
    pub active: bool,
    /// `access_token` (a client's) or `user_token` (a person's, from `/api/me/token`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Uuid>,
    /// For a user token: the portfolio it was made for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portfolio: Option<PortfolioClaim>,
    /// For a user token: the rights the account holds on that portfolio **now** (a right
    /// revoked since the token was made is not here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rights: Option<Vec<String>>,
}

crate::wire_enum! {
    /// Why a rights check answered as it did.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum RightsCheckReason {
        /// The account is active and holds the right on the portfolio.
        Granted = "granted",
        /// The account does not hold this right on the portfolio.
        NotGranted = "not_granted",
        /// The catalogue has no such right.
        UnknownRight = "unknown_right",
        /// No such portfolio.
        UnknownPortfolio = "unknown_portfolio",
        /// The portfolio belongs to another office than the account.
        PortfolioOfAnotherOffice = "portfolio_of_another_office",
        /// The client is limited to other portfolios of its office.
        PortfolioNotAllowed = "portfolio_not_allowed",
        /// The account is not active (invited, blocked or deactivated): it may do nothing.
        AccountNotActive = "account_not_active",
    }
}

/// One answer of a rights check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RightsCheckResponse {
    pub allowed: bool,
    pub reason: RightsCheckReason,
    pub account_id: Uuid,
    /// As asked: a portfolio id or an agency number.
    pub portfolio: String,
    pub right: String,
}

/// One check of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RightsCheckItem {
    /// A portfolio id or an agency number.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 36))]
    pub portfolio: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub right: String,
}

/// Many checks for one account (1–500).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RightsBatchRequest {
    pub account: Uuid,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub checks: Vec<RightsCheckItem>,
}

/// The answers in the order of the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RightsBatchResponse {
    pub results: Vec<RightsCheckResponse>,
}

super::redacted_debug!(
    ApiClientSecretResponse,
    TokenRequest,
    AccessTokenResponse,
    IntrospectionRequest,
);

//! Accounts as administrators and the relations team see them, and rights per portfolio.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::InvitationResponse;

crate::wire_enum! {
    /// What an account may do in Poort.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Role {
        /// An adviser of an office.
        Adviser = "adviser",
        /// An adviser who also manages the accounts of their office.
        OfficeAdmin = "office_admin",
        /// Staff of the insurer's relations team.
        Operator = "operator",
    }
}

crate::wire_enum! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum AccountStatus {
        /// Invited (or sign-in set-up reset); the set-up is not finished.
        Invited = "invited",
        Active = "active",
        /// Too many wrong passwords; unblocked by resetting the password.
        Blocked = "blocked",
        /// Switched off by the office's user administrator.
        Deactivated = "deactivated",
    }
}

/// Which sign-in factors an account has set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Factors {
    pub password: bool,
    /// A verified mobile number (SMS codes).
    pub mobile: bool,
    pub authenticator: bool,
    pub eherkenning: bool,
    /// How many passkeys the account has.
    pub passkeys: u32,
}

/// The rights an account has on one portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortfolioRightsResponse {
    pub portfolio_id: Uuid,
    pub agency_number: String,
    pub portfolio_name: String,
    /// Right codes from the catalogue.
    pub rights: Vec<String>,
}

/// Rights to give on one portfolio (in an invitation, or when setting an account's rights).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RightsGrant {
    pub portfolio_id: Uuid,
    pub rights: Vec<String>,
}

/// The complete set of rights an account should have; what is not listed is revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetRightsRequest {
    pub portfolios: Vec<RightsGrant>,
}

/// An account as an administrator or the relations team sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountResponse {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: AccountStatus,
    pub office_id: Option<Uuid>,
    pub office_name: Option<String>,
    /// The verified mobile number, in E.164.
    pub mobile: Option<String>,
    pub factors: Factors,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub rights: Vec<PortfolioRightsResponse>,
}

/// One page of accounts, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountListResponse {
    pub accounts: Vec<AccountResponse>,
    /// Set when more accounts match: pass it as `offset` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<i64>,
}

crate::wire_enum! {
    /// A sign-in factor an account list can be narrowed to (accounts that have it set up).
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum FactorFilter {
        /// An authenticator app.
        Authenticator = "authenticator",
        /// A verified mobile number (SMS codes).
        Sms = "sms",
        /// A linked eHerkenning identity.
        Eherkenning = "eherkenning",
        /// At least one passkey.
        Passkey = "passkey",
    }
}

/// The account list's page size when none is asked, and the largest one.
pub const ACCOUNT_PAGE: i64 = 200;
pub const ACCOUNT_PAGE_MAX: i64 = 200;
/// The furthest an account list can be paged (`offset`).
pub const ACCOUNT_OFFSET_MAX: i64 = 100_000;
/// The page size the screens use.
pub const ACCOUNT_SCREEN_PAGE: i64 = 50;

/// The relations team's numbers: each one is what a filtered list shows (see each field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverviewResponse {
    /// Every office (`GET /api/operator/offices`).
    pub offices: i64,
    /// Accounts with status `active`, the relations team's included (`status=active`).
    pub active_accounts: i64,
    /// Accounts blocked by wrong passwords (`status=blocked`).
    pub blocked_accounts: i64,
    /// Active accounts of an office without any right (`status=active&without_rights=true`).
    pub accounts_without_rights: i64,
    /// Open invitations whose link still works (`GET /api/operator/invitations?state=open`).
    pub open_invitations: i64,
    /// Open invitations whose link has expired (`state=expired`).
    pub expired_invitations: i64,
    /// E-mails and SMS messages given up on (`GET /api/operator/dead-letters`).
    pub dead_letters: i64,
}

/// One account with its invitation history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountDetailResponse {
    pub account: AccountResponse,
    pub invitations: Vec<InvitationResponse>,
}

/// A reference to an office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficeRef {
    pub id: Uuid,
    pub name: String,
}

/// The signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub office: Option<OfficeRef>,
}

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountListResponse {
    pub accounts: Vec<AccountResponse>,
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

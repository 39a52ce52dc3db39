//! Access requests: an adviser without (enough) rights asks the office's user administrators for
//! rights on portfolios of the office; an administrator grants them (adjusting what is granted)
//! or declines with a reason. One open request per adviser at a time; it expires after
//! `policy.access_request_days`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{PortfolioResponse, PortfolioRightsResponse, RightResponse, RightsGrant};

crate::wire_enum! {
    /// Where an access request stands.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum AccessRequestStatus {
        /// Waiting for an administrator's answer.
        Open = "open",
        /// Granted: the account has the rights in `granted` (added to those it had).
        Granted = "granted",
        /// Declined, with the administrator's `reason`.
        Declined = "declined",
        /// Withdrawn by the adviser.
        Withdrawn = "withdrawn",
        /// Not answered within `policy.access_request_days`.
        Expired = "expired",
    }
}

/// An adviser asks for rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAccessRequest {
    /// Rights per portfolio of the own office (rights the account has already are left out;
    /// at least one must remain: `nothing_requested`).
    pub rights: Vec<RightsGrant>,
    /// Why, for the administrator.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::note))]
    pub note: Option<String>,
}

/// An administrator grants a request: the rights to add (what was asked, or adjusted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GrantAccessRequest {
    /// Added to the account's rights (nothing is revoked); at least one right the account does
    /// not have yet (`nothing_requested`).
    pub rights: Vec<RightsGrant>,
}

/// An administrator declines an access request, or the relations team a move request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    /// Sent to whoever asked.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::reason))]
    pub reason: String,
}

/// One access request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessRequestResponse {
    pub id: Uuid,
    pub office_id: Uuid,
    /// Who asked.
    pub account_id: Uuid,
    pub account_name: String,
    pub account_email: String,
    /// What was asked (portfolios removed since are left out).
    pub requested: Vec<PortfolioRightsResponse>,
    pub note: Option<String>,
    pub status: AccessRequestStatus,
    pub created_at: DateTime<Utc>,
    /// When an open request expires.
    pub expires_at: DateTime<Utc>,
    /// When it was granted, declined or withdrawn.
    pub decided_at: Option<DateTime<Utc>>,
    /// The administrator who answered (none for an API client, a withdrawal or an
    /// administrator whose account is gone).
    pub decided_by_name: Option<String>,
    /// What was granted.
    pub granted: Vec<PortfolioRightsResponse>,
    /// Why it was declined.
    pub reason: Option<String>,
}

/// The signed-in adviser's requests and what they can ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyAccessRequestsResponse {
    /// The office's portfolios.
    pub portfolios: Vec<PortfolioResponse>,
    /// The rights catalogue.
    pub rights: Vec<RightResponse>,
    /// The rights the account has now.
    pub current: Vec<PortfolioRightsResponse>,
    /// The account's requests, newest first (the last 20).
    pub requests: Vec<AccessRequestResponse>,
}

/// A page of an office's access requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessRequestListResponse {
    pub requests: Vec<AccessRequestResponse>,
    /// How many requests of the office are open now (the badge).
    pub open: u32,
    /// The `offset` of the next page, when there is one.
    pub next_offset: Option<i64>,
}

crate::wire_enum! {
    /// Which of an office's access requests to list.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum AccessRequestFilter {
        /// Open ones, oldest first.
        Open = "open",
        /// Answered, withdrawn and expired ones, newest first.
        Closed = "closed",
    }
}

crate::wire_enum! {
    /// Where a move request stands.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum MoveRequestStatus {
        /// Waiting for the relations team.
        Open = "open",
        /// The account was moved into the office that asked.
        Moved = "moved",
        /// Declined, with the relations team's `reason`.
        Declined = "declined",
    }
}

/// An office's administrator asks the relations team to move the person with this address
/// (an account of another office) into their office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateMoveRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::email))]
    pub email: String,
    /// Why, for the relations team.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::note))]
    pub note: Option<String>,
}

/// The relations team moves an account into another office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveAccountRequest {
    pub office_id: Uuid,
}

/// A move request as the relations team sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoveRequestResponse {
    pub id: Uuid,
    pub account_id: Uuid,
    pub account_name: String,
    pub account_email: String,
    pub from_office_id: Uuid,
    pub from_office_name: String,
    pub to_office_id: Uuid,
    pub to_office_name: String,
    /// The administrator who asked (none when their account is gone, or for an API client).
    pub requested_by_name: Option<String>,
    pub note: Option<String>,
    pub status: MoveRequestStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// The open move requests, oldest first, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoveRequestListResponse {
    pub requests: Vec<MoveRequestResponse>,
    /// The `offset` of the next page, when there is one.
    pub next_offset: Option<i64>,
}

crate::wire_enum! {
    /// Where an office's periodic access review stands.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum AccessReviewState {
        /// More than 14 days before the due date.
        OnTime = "on_time",
        /// Due within 14 days.
        DueSoon = "due_soon",
        /// Past the due date.
        Overdue = "overdue",
    }
}

/// One account's rights on one portfolio in a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewPortfolio {
    pub portfolio_id: Uuid,
    pub agency_number: String,
    pub portfolio_name: String,
    pub rights: Vec<String>,
    /// Confirmed (or set) in this review period.
    pub settled: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// An account whose rights the review asks about (deactivated accounts are not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewAccount {
    pub account_id: Uuid,
    pub name: String,
    pub email: String,
    pub status: super::AccountStatus,
    pub portfolios: Vec<ReviewPortfolio>,
    /// Every portfolio settled.
    pub settled: bool,
}

/// A completed review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessReviewRecord {
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    /// The administrator whose confirmation completed it (none: completed by the service, e.g.
    /// after deactivating the unconfirmed accounts).
    pub completed_by_name: Option<String>,
    /// Account-portfolio pairs reviewed.
    pub confirmed: u32,
    /// Accounts deactivated because they were not confirmed in time.
    pub deactivated: u32,
}

/// An office's current access review and the completed ones (newest first, the last 20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessReviewResponse {
    pub office_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub state: AccessReviewState,
    /// Account-portfolio pairs still to confirm.
    pub pending: u32,
    pub accounts: Vec<ReviewAccount>,
    pub history: Vec<AccessReviewRecord>,
}

/// Keep rights: of one account (all its portfolios), of every account on one portfolio, or
/// one account's on one portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmReviewRequest {
    #[serde(default)]
    pub account_id: Option<Uuid>,
    #[serde(default)]
    pub portfolio_id: Option<Uuid>,
}

/// An office's review as the relations team's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficeReviewResponse {
    pub office_id: Uuid,
    pub office_name: String,
    pub kvk_number: String,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub state: AccessReviewState,
    pub last_completed_at: Option<DateTime<Utc>>,
}

/// Offices whose review is overdue, or due soon, by due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficeReviewListResponse {
    pub offices: Vec<OfficeReviewResponse>,
}

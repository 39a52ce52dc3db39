//! Offices, portfolios and the rights catalogue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new office. The KvK number is 8 digits and unique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateOfficeRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::name))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::kvk_number))]
    pub kvk_number: String,
}

/// Changes to an office; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateOfficeRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::optional_name))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::optional_kvk_number))]
    pub kvk_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficeResponse {
    pub id: Uuid,
    pub name: String,
    pub kvk_number: String,
    pub portfolio_count: i64,
    pub account_count: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficeListResponse {
    /// One page of the offices found, in the order asked.
    pub offices: Vec<OfficeResponse>,
    /// How many offices match the search (on every page together).
    pub total: i64,
}

/// What the office list is ordered by (`name` when not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OfficeSort {
    #[default]
    Name,
    KvkNumber,
    CreatedAt,
    AccountCount,
}

impl OfficeSort {
    pub const ALL: [OfficeSort; 4] = [
        OfficeSort::Name,
        OfficeSort::KvkNumber,
        OfficeSort::CreatedAt,
        OfficeSort::AccountCount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OfficeSort::Name => "name",
            OfficeSort::KvkNumber => "kvk_number",
            OfficeSort::CreatedAt => "created_at",
            OfficeSort::AccountCount => "account_count",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Ascending (`asc`, the default) or descending (`desc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

impl SortOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}

/// The office list's page size when none is asked, and the largest one.
pub const OFFICE_PAGE: i64 = 50;
pub const OFFICE_PAGE_MAX: i64 = 200;
/// The furthest an office list can be paged (`offset`).
pub const OFFICE_OFFSET_MAX: i64 = 1_000_000;

/// A new portfolio of an office. The agency number is unique across all offices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePortfolioRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::agency_number))]
    pub agency_number: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::name))]
    pub name: String,
}

/// Changes to a portfolio; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePortfolioRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::optional_agency_number))]
    pub agency_number: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::dto::doc::optional_name))]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortfolioResponse {
    pub id: Uuid,
    pub office_id: Uuid,
    pub agency_number: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortfolioListResponse {
    pub portfolios: Vec<PortfolioResponse>,
}

/// One right of the catalogue, with its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RightResponse {
    /// Stable code, e.g. `view_policies`.
    pub code: String,
    pub label_nl: String,
    pub label_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RightsCatalogueResponse {
    pub rights: Vec<RightResponse>,
}

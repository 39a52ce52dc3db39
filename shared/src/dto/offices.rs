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
    pub offices: Vec<OfficeResponse>,
}

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

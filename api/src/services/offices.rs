//! Offices and their portfolios, managed by the relations team; portfolios are read by the
//! office's own administrators (for granting rights).

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AuditAction, OfficeListResponse, OfficeResponse, OfficeSort, PortfolioResponse, RightResponse,
    SortOrder,
};
use poort_shared::validate::{AgencyNumber, KvkNumber, parse_name};
use serde_json::json;
use uuid::Uuid;

use crate::auth::principal::Actor;
use crate::domain::listing::{self, Page};
use crate::domain::{Office, OfficeSummary, Portfolio};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::offices::OfficeListing;
use crate::store::{StoreError, new_id};

fn office_response(s: OfficeSummary) -> OfficeResponse {
    OfficeResponse {
        id: s.office.id,
        name: s.office.name,
        kvk_number: s.office.kvk_number.into(),
        portfolio_count: s.portfolio_count,
        account_count: s.account_count,
        created_at: s.office.created_at,
    }
}

pub fn portfolio_response(p: Portfolio) -> PortfolioResponse {
    PortfolioResponse {
        id: p.id,
        office_id: p.office_id,
        agency_number: p.agency_number.into(),
        name: p.name,
    }
}

fn conflict(code: ErrorCode) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::Conflict => code.into(),
        other => other.into(),
    }
}

/// One page of the office list. A search of spaces only is no search; the page size is
/// 1–200 (default 50) and the offset at most 1,000,000.
pub async fn list(
    state: &AppState,
    query: Option<&str>,
    sort: OfficeSort,
    order: SortOrder,
    offset: Option<i64>,
    limit: Option<i64>,
) -> Result<OfficeListResponse, ApiError> {
    let Page { offset, limit } = listing::OFFICES
        .page(offset, limit)
        .map_err(ApiError::invalid_request)?;
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let listing = OfficeListing {
        query,
        sort,
        order,
        offset,
        limit,
    };
    let mut tx = state.store.read().await?;
    let (offices, total) = tx.list_offices(&listing).await?;
    tx.commit().await?;
    Ok(OfficeListResponse {
        offices: offices.into_iter().map(office_response).collect(),
        total,
    })
}

async fn summary(state: &AppState, id: Uuid) -> Result<OfficeResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let found = tx
        .office_summary(id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    tx.commit().await?;
    Ok(office_response(found))
}

pub async fn get(state: &AppState, id: Uuid) -> Result<OfficeResponse, ApiError> {
    summary(state, id).await
}

pub async fn create(
    state: &AppState,
    by: &Actor<'_>,
    name: &str,
    kvk: &str,
) -> Result<OfficeResponse, ApiError> {
    let name = parse_name(name)?;
    let kvk = KvkNumber::parse(kvk)?;
    let now = state.now();
    let office = Office {
        id: new_id(now),
        name,
        kvk_number: kvk,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.store.begin().await?;
    tx.insert_office(&office)
        .await
        .map_err(conflict(ErrorCode::KvkNumberTaken))?;
    tx.audit(
        &by.audit(
            AuditAction::OfficeCreated,
            None,
            Some(office.id),
            json!({ "kvk_number": office.kvk_number.as_str() }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    summary(state, office.id).await
}

pub async fn update(
    state: &AppState,
    by: &Actor<'_>,
    id: Uuid,
    name: Option<&str>,
    kvk: Option<&str>,
) -> Result<OfficeResponse, ApiError> {
    let name = name.map(parse_name).transpose()?;
    let kvk = kvk.map(KvkNumber::parse).transpose()?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut office = tx
        .get_office(id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    let before = office.clone();
    if let Some(name) = name {
        office.name = name;
    }
    if let Some(kvk) = kvk {
        office.kvk_number = kvk;
    }
    office.updated_at = now;
    tx.update_office(&office)
        .await
        .map_err(conflict(ErrorCode::KvkNumberTaken))?;
    tx.audit(
        &by.audit(
            AuditAction::OfficeUpdated,
            None,
            Some(office.id),
            json!({ "name_changed": before.name != office.name, "kvk_number": office.kvk_number.as_str() }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    summary(state, id).await
}

pub async fn portfolios(
    state: &AppState,
    office_id: Uuid,
) -> Result<Vec<PortfolioResponse>, ApiError> {
    let mut tx = state.store.read().await?;
    tx.get_office(office_id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    let list = tx.portfolios_of(office_id).await?;
    tx.commit().await?;
    Ok(list.into_iter().map(portfolio_response).collect())
}

pub async fn create_portfolio(
    state: &AppState,
    by: &Actor<'_>,
    office_id: Uuid,
    agency: &str,
    name: &str,
) -> Result<PortfolioResponse, ApiError> {
    let agency = AgencyNumber::parse(agency)?;
    let name = parse_name(name)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    tx.get_office(office_id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    let portfolio = Portfolio {
        id: new_id(now),
        office_id,
        agency_number: agency,
        name,
        created_at: now,
        updated_at: now,
    };
    tx.insert_portfolio(&portfolio)
        .await
        .map_err(conflict(ErrorCode::AgencyNumberTaken))?;
    tx.audit(
        &by.audit(
            AuditAction::PortfolioCreated,
            None,
            Some(office_id),
            json!({ "portfolio_id": portfolio.id, "agency_number": portfolio.agency_number.as_str() }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(portfolio_response(portfolio))
}

pub async fn update_portfolio(
    state: &AppState,
    by: &Actor<'_>,
    id: Uuid,
    agency: Option<&str>,
    name: Option<&str>,
) -> Result<PortfolioResponse, ApiError> {
    let agency = agency.map(AgencyNumber::parse).transpose()?;
    let name = name.map(parse_name).transpose()?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut portfolio = tx
        .get_portfolio(id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    if let Some(agency) = agency {
        portfolio.agency_number = agency;
    }
    if let Some(name) = name {
        portfolio.name = name;
    }
    portfolio.updated_at = now;
    tx.update_portfolio(&portfolio)
        .await
        .map_err(conflict(ErrorCode::AgencyNumberTaken))?;
    tx.audit(
        &by.audit(
            AuditAction::PortfolioUpdated,
            None,
            Some(portfolio.office_id),
            json!({ "portfolio_id": portfolio.id, "agency_number": portfolio.agency_number.as_str() }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(portfolio_response(portfolio))
}

pub async fn rights_catalogue(state: &AppState) -> Result<Vec<RightResponse>, ApiError> {
    let mut tx = state.store.read().await?;
    let rights = tx.rights_catalogue().await?;
    tx.commit().await?;
    Ok(rights
        .into_iter()
        .map(|r| RightResponse {
            code: r.code,
            label_nl: r.label_nl,
            label_en: r.label_en,
        })
        .collect())
}

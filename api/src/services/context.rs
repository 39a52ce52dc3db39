//! The portfolio context after sign-in: the portfolios an account has rights on (none: the
//! *geen toegang* answer naming the office's user administrators), the one chosen for this
//! session, and the short-lived signed token the extranet's other applications accept.

use chrono::Duration;
use poort_shared::ErrorCode;
use poort_shared::dto::{
    AuditAction, PortfolioClaim, PortfolioContextResponse, Role, TokenResponse, UserTokenClaims,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::principal::Principal;
use crate::domain::office::portfolios_of;
use crate::error::ApiError;
use crate::state::AppState;

/// The portfolios with rights; none at all is `no_access` with the administrators' names.
pub async fn context(
    state: &AppState,
    principal: &Principal,
) -> Result<PortfolioContextResponse, ApiError> {
    let portfolios = portfolios_of(&principal.rights);
    if portfolios.is_empty() && principal.account.role != Role::Operator {
        let mut tx = state.store.read().await?;
        let administrators: Vec<String> = match principal.account.office_id {
            Some(office) => tx
                .office_admins(office)
                .await?
                .into_iter()
                .map(|a| a.name)
                .collect(),
            None => Vec::new(),
        };
        tx.commit().await?;
        return Err(ApiError::WithDetails {
            code: ErrorCode::NoAccess,
            details: json!({ "administrators": administrators }),
        });
    }
    let active = principal
        .session
        .active_portfolio_id
        .filter(|id| portfolios.iter().any(|p| p.portfolio_id == *id));
    // With exactly one portfolio there is nothing to choose.
    let active = active.or_else(|| (portfolios.len() == 1).then(|| portfolios[0].portfolio_id));
    Ok(PortfolioContextResponse {
        portfolios,
        active_portfolio_id: active,
    })
}

/// Chooses the portfolio for this session.
pub async fn select(
    state: &AppState,
    principal: &Principal,
    portfolio_id: Uuid,
) -> Result<PortfolioContextResponse, ApiError> {
    let mut context = context(state, principal).await?;
    if !context
        .portfolios
        .iter()
        .any(|p| p.portfolio_id == portfolio_id)
    {
        return Err(ErrorCode::UnknownPortfolio.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    tx.set_session_portfolio(principal.session_id, Some(portfolio_id))
        .await?;
    tx.audit(
        &principal.audit_self(
            AuditAction::SessionPortfolioSelected,
            json!({ "portfolio_id": portfolio_id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    context.active_portfolio_id = Some(portfolio_id);
    Ok(context)
}

/// A token for the signed-in person and the active portfolio, with the rights as claims
/// ([`UserTokenClaims`]: no e-mail address, as the applications that receive it log it).
pub async fn token(state: &AppState, principal: &Principal) -> Result<TokenResponse, ApiError> {
    let context = context(state, principal).await?;
    let active = context
        .active_portfolio_id
        .ok_or(ApiError::from(ErrorCode::NoActivePortfolio))?;
    let portfolio = context
        .portfolios
        .into_iter()
        .find(|p| p.portfolio_id == active)
        .ok_or(ApiError::from(ErrorCode::NoActivePortfolio))?;
    let now = state.now();
    let expires_at = now + Duration::seconds(state.settings.security.token_lifetime_seconds);
    let account = &principal.account;
    let claims = UserTokenClaims {
        iss: state.public_url.clone(),
        sub: account.id,
        aud: state.settings.security.token_audience.clone(),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
        jti: crate::store::new_id(now),
        sid: principal.session_id,
        name: account.name.clone(),
        role: account.role,
        office_id: account.office_id,
        portfolio: PortfolioClaim {
            id: portfolio.portfolio_id,
            agency_number: portfolio.agency_number,
        },
        rights: portfolio.rights,
    };
    Ok(TokenResponse {
        token: state.signer.sign(&claims)?,
        token_type: "Bearer".into(),
        expires_at,
    })
}

//! The development outbox: in dev mode e-mail and SMS are not sent but kept (sealed at rest
//! like every body; dev mode does not erase them after "delivery"), and this lists them so a
//! developer can click an invitation link or read an SMS code. The route does not exist
//! outside dev mode (404).

use actix_web::web;
use poort_shared::dto::{OutboxListResponse, OutboxMessageResponse};
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::OutboxMessage;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// At most this many messages, newest first (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Lists the local outbox (dev mode only).
#[utoipa::path(
    get,
    path = "/api/dev/outbox",
    tag = "development",
    params(OutboxQuery),
    responses(
        (status = 200, description = "Messages, newest first", body = OutboxListResponse),
        (status = 400, description = "Bad query (code `invalid_request`)", body = poort_shared::ErrorBody),
        (status = 404, description = "Not in dev mode (code `not_found`)", body = poort_shared::ErrorBody),
    )
)]
pub async fn dev_outbox(
    state: web::Data<AppState>,
    query: web::Query<OutboxQuery>,
) -> Result<web::Json<OutboxListResponse>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid_request(
            "limit: must be between 1 and 500",
        ));
    }
    let messages = state.store.list_outbox(limit).await?;
    Ok(web::Json(OutboxListResponse {
        messages: messages.into_iter().map(to_response).collect(),
    }))
}

fn to_response(m: OutboxMessage) -> OutboxMessageResponse {
    OutboxMessageResponse {
        id: m.id,
        channel: m.channel,
        recipient: m.recipient,
        subject: m.subject,
        body: m.body.unwrap_or_default(),
        status: m.status,
        attempts: m.attempts,
        created_at: m.created_at,
        sent_at: m.sent_at,
        last_error: m.last_error,
    }
}

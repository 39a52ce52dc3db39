//! The audit trail: every security event, who did it, to whom, when and from where.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An account in the audit trail. `name` is absent once the account has been deleted: the
/// trail keeps only its pseudonymous id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditAccountRef {
    pub id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEventResponse {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// What happened, e.g. `invitation.sent`, `account.rights_changed`.
    pub action: String,
    pub actor: Option<AuditAccountRef>,
    pub target: Option<AuditAccountRef>,
    pub office_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// Facts of the event (never personal data).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// One page, newest first. Pass `next_before` as `before` for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPageResponse {
    pub events: Vec<AuditEventResponse>,
    pub next_before: Option<Uuid>,
}

//! The audit trail: written in the transaction of the change it records, read newest first
//! with filters and keyset paging (by event id, which grows with time).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::AuditAction;
use uuid::Uuid;

use super::StoreError;
use crate::clock::from_millis;

/// An audit event to write.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub actor_id: Option<Uuid>,
    /// The API client that acted (then `actor_id` is `None`).
    pub actor_client_id: Option<Uuid>,
    pub action: AuditAction,
    pub target_account_id: Option<Uuid>,
    pub office_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

/// An audit event as read, with the names of accounts that still exist. The action is the
/// text stored (an older or newer version may have written one this version does not know).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    /// The acting API client, with its client id and name.
    pub actor_client: Option<(Uuid, String, String)>,
    pub target_account_id: Option<Uuid>,
    pub target_name: Option<String>,
    pub target_email: Option<String>,
    pub office_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub office_id: Option<Uuid>,
    /// Events where this account is the actor or the target.
    pub account_id: Option<Uuid>,
    /// Events this API client did.
    pub api_client_id: Option<Uuid>,
    pub action: Option<String>,
    /// Only events older than this one (paging).
    pub before: Option<Uuid>,
    /// Only events at or after this moment.
    pub since: Option<DateTime<Utc>>,
    /// Only events before this moment.
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
}

/// The statement for `filter`: a condition for each filter given, numbered in the order
/// office, account, action, before, API client, since, until, then the limit.
pub fn query_sql(filter: &AuditFilter) -> String {
    let mut sql = String::from(
        "SELECT e.id, e.at, e.action, e.actor_id, ac.name AS actor_name, ac.email AS actor_email, \
                e.actor_client_id, c.client_id AS actor_client_public_id, c.name AS actor_client_name, \
                e.target_account_id, t.name AS target_name, t.email AS target_email, e.office_id, \
                e.client_ip, e.user_agent, e.details \
         FROM audit_events e \
         LEFT JOIN accounts ac ON ac.id = e.actor_id \
         LEFT JOIN api_clients c ON c.id = e.actor_client_id \
         LEFT JOIN accounts t ON t.id = e.target_account_id \
         WHERE TRUE",
    );
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    if filter.office_id.is_some() {
        sql.push_str(&format!(" AND e.office_id = ${}", next()));
    }
    if filter.account_id.is_some() {
        let p = next();
        sql.push_str(&format!(
            " AND (e.actor_id = ${p} OR e.target_account_id = ${p})"
        ));
    }
    if filter.action.is_some() {
        sql.push_str(&format!(" AND e.action = ${}", next()));
    }
    if filter.before.is_some() {
        sql.push_str(&format!(" AND e.id < ${}", next()));
    }
    if filter.api_client_id.is_some() {
        sql.push_str(&format!(" AND e.actor_client_id = ${}", next()));
    }
    if filter.since.is_some() {
        sql.push_str(&format!(" AND e.at >= ${}", next()));
    }
    if filter.until.is_some() {
        sql.push_str(&format!(" AND e.at < ${}", next()));
    }
    sql.push_str(&format!(" ORDER BY e.id DESC LIMIT ${}", next()));
    sql
}

#[async_trait]
pub trait AuditLog: Send {
    async fn audit(&mut self, record: &AuditRecord, now: DateTime<Utc>) -> Result<(), StoreError>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The audit trail, newest first.
    async fn query_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRowDb {
    pub id: Uuid,
    pub at: i64,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub actor_client_id: Option<Uuid>,
    pub actor_client_public_id: Option<String>,
    pub actor_client_name: Option<String>,
    pub target_account_id: Option<Uuid>,
    pub target_name: Option<String>,
    pub target_email: Option<String>,
    pub office_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: String,
}

impl TryFrom<AuditRowDb> for AuditRow {
    type Error = StoreError;
    fn try_from(r: AuditRowDb) -> Result<Self, StoreError> {
        Ok(AuditRow {
            id: r.id,
            at: from_millis(r.at),
            action: r.action,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            actor_email: r.actor_email,
            actor_client: r.actor_client_id.map(|id| {
                (
                    id,
                    r.actor_client_public_id.unwrap_or_default(),
                    r.actor_client_name.unwrap_or_default(),
                )
            }),
            target_account_id: r.target_account_id,
            target_name: r.target_name,
            target_email: r.target_email,
            office_id: r.office_id,
            client_ip: r.client_ip,
            user_agent: r.user_agent,
            details: serde_json::from_str(&r.details).map_err(|e| {
                StoreError::Corrupt(format!("audit_events.details of {}: {e}", r.id))
            })?,
        })
    }
}

macro_rules! audit_store_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::audit::AuditStore for $store {
            async fn query_audit(
                &self,
                filter: &$crate::store::audit::AuditFilter,
            ) -> Result<Vec<$crate::store::audit::AuditRow>, $crate::store::StoreError> {
                // Only the filters given, so each combination is planned for its own index.
                let sql = $crate::store::audit::query_sql(filter);
                let mut query =
                    sqlx::query_as::<_, $crate::store::audit::AuditRowDb>(sqlx::AssertSqlSafe(sql));
                if let Some(office) = filter.office_id {
                    query = query.bind(office);
                }
                if let Some(account) = filter.account_id {
                    query = query.bind(account);
                }
                if let Some(action) = &filter.action {
                    query = query.bind(action.clone());
                }
                if let Some(before) = filter.before {
                    query = query.bind(before);
                }
                if let Some(client) = filter.api_client_id {
                    query = query.bind(client);
                }
                if let Some(since) = filter.since {
                    query = query.bind($crate::clock::to_millis(since));
                }
                if let Some(until) = filter.until {
                    query = query.bind($crate::clock::to_millis(until));
                }
                let rows = query.bind(filter.limit).fetch_all(&self.pool).await?;
                $crate::store::offices::all(rows)
            }
        }
    };
}

macro_rules! audit_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::audit::AuditLog for $tx {
            async fn audit(
                &mut self,
                r: &$crate::store::audit::AuditRecord,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let (id, r) = ($crate::store::sql::new_id(now), r.clone());
                self.defer(
                    "audit_events",
                    "INSERT INTO audit_events (id, at, actor_id, action, target_account_id, office_id, client_ip, user_agent, details, actor_client_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    Box::new(move |q| {
                        q.bind(id)
                            .bind($crate::clock::to_millis(now))
                            .bind(r.actor_id)
                            .bind(r.action.as_str())
                            .bind(r.target_account_id)
                            .bind(r.office_id)
                            .bind(r.client_ip)
                            .bind(r.user_agent)
                            .bind(r.details.to_string())
                            .bind(r.actor_client_id)
                    }),
                )
                .await
            }
        }
    };
}

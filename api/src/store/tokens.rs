//! What issuing an access token writes, together: a hit on the client's own rate-limit counter
//! (and on the address's, when the request skipped the first step), and, within the limits and
//! while the client is still as the token was decided on, the client assertion's `jti`
//! remembered (each once, across instances), the client and its key marked used, and the audit
//! event. One statement on PostgreSQL (one round trip instead of six); on SQLite, part of a
//! transaction shared with the other small writes that arrive together (`group_commit.rs`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::clients::ClientCredentials;
use super::limits::Hit;
use super::{AuditRecord, StoreError};

/// One token's writes.
#[derive(Debug, Clone)]
pub struct TokenRecord<'a> {
    pub client: Uuid,
    /// The client's rate-limit counter: its key, its window, and the most hits in a window
    /// that still get a token (the store counts; the rule is `domain::limits`).
    pub limit: (&'a str, chrono::Duration, i64),
    /// The assertion's `jti` (hashed) and until when it must be remembered; none for a secret.
    pub jti: Option<(&'a [u8], DateTime<Utc>)>,
    /// Mark the client used now, and this key (if any).
    pub mark: Option<Option<Uuid>>,
    pub audit: &'a AuditRecord,
    pub now: DateTime<Utc>,
    /// The request's address counter (key, window, most hits), counted here too: when the
    /// client was known beforehand and the first step (`hit_and_find_client`) was skipped.
    pub address: Option<(&'a str, chrono::Duration, i64)>,
    /// Write only while the client is still as the token was decided on.
    pub unchanged: Option<Unchanged>,
}

/// What a token decided on a client read earlier depends on, checked against the stored client
/// in the same write: not revoked, the same scopes, portfolios and expiry, and the key still
/// registered. Compared as stored, so any change since the earlier read counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unchanged {
    pub key: Uuid,
    /// As stored (`api_clients.scopes`).
    pub scopes: String,
    /// As stored (`api_clients.portfolio_ids`).
    pub portfolios: Option<String>,
    /// Milliseconds, as stored.
    pub expires_at: Option<i64>,
}

impl Unchanged {
    /// The check for a client and key as read (none without a key: a secret's client).
    pub fn of(found: &ClientCredentials) -> Option<Self> {
        let key = found.key.as_ref()?;
        Some(Self {
            key: key.id,
            scopes: super::clients::scopes_text(&found.client),
            portfolios: super::clients::portfolios_text(&found.client),
            expires_at: found.client.expires_at.map(crate::clock::to_millis),
        })
    }
}

/// What [`TokenStore::record_token`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The client's counter after this hit.
    pub hit: Hit,
    /// The address's counter after this hit, when it was counted here.
    pub address_hit: Option<Hit>,
    /// Whether the client is still as the token was decided on (`true` without the check).
    pub unchanged: bool,
    /// Within the limits, unchanged and a fresh `jti`: everything written.
    pub issued: bool,
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Counts the hit on the client's counter (and the address's, if given) and, when within
    /// the limits and the client is unchanged (if asked), writes what issuing a token writes:
    /// `issued` is `false` (and only the hits written) when a count is over its limit, the
    /// client changed, or the `jti` was seen before and has not expired. Commits without
    /// waiting for the disk where so configured (a crash can lose it whole: the token it stood
    /// for was never sent).
    async fn record_token(&self, t: &TokenRecord<'_>) -> Result<Recorded, StoreError>;

    /// A hit on the rate-limit counter `key` (as `LimitStore::hit_rate_limit`) and the
    /// client `client_id` with its key `kid` (as `ApiClientStore::client_credentials`): the
    /// token endpoint's first step, one statement on PostgreSQL.
    async fn hit_and_find_client(
        &self,
        key: &str,
        window: chrono::Duration,
        now: DateTime<Utc>,
        client_id: &str,
        kid: Option<&str>,
    ) -> Result<(Hit, Option<ClientCredentials>), StoreError>;
}

macro_rules! token_store_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::tokens::TokenStore for $store {
            async fn record_token(
                &self,
                t: &$crate::store::tokens::TokenRecord<'_>,
            ) -> Result<$crate::store::tokens::Recorded, $crate::store::StoreError> {
                if let Some(group) = self.grouped() {
                    return group.token(t).await;
                }
                let now = $crate::clock::to_millis(t.now);
                let (limit_key, window, max) = t.limit;
                let window_start = now - window.num_milliseconds();
                let id = $crate::store::sql::new_id(t.now);
                let a = t.audit;
                let (jti, until) = match t.jti {
                    Some((jti, until)) => (Some(jti.to_vec()), Some($crate::clock::to_millis(until))),
                    None => (None, None),
                };
                let mark = t.mark.is_some();
                let key = t.mark.flatten();
                // Data-modifying CTEs see one snapshot and run whole; each write below
                // the jti's is conditional on the jti being fresh.
                let (address_key, address_start, address_max) = match t.address {
                    Some((key, window, max)) => (Some(key), Some(now - window.num_milliseconds()), Some(max)),
                    None => (None, None, None),
                };
                let check = t.unchanged.as_ref();
                let (fresh, count, started, address_count, address_started, unchanged): (
                    bool,
                    i64,
                    i64,
                    Option<i64>,
                    Option<i64>,
                    bool,
                ) = sqlx::query_as(concat!(
                    "WITH hit AS (",
                    rate_limit_hit_at!("$16", "$4", "$17"),
                    "), address AS ( \
                       INSERT INTO rate_limits (key, window_start, count) \
                       SELECT $19::text, $4, 1 WHERE $19::text IS NOT NULL \
                       ON CONFLICT (key) DO UPDATE SET \
                         count = CASE WHEN rate_limits.window_start <= $20 THEN 1 ELSE rate_limits.count + 1 END, \
                         window_start = CASE WHEN rate_limits.window_start <= $20 THEN $4 ELSE rate_limits.window_start END \
                       RETURNING CAST(count AS BIGINT) AS count, window_start \
                     ), same AS ( \
                       SELECT NOT $22::boolean OR EXISTS ( \
                         SELECT 1 FROM api_clients c JOIN api_client_keys k ON k.client = c.id \
                         WHERE c.id = $1 AND k.id = $23 AND c.revoked_at IS NULL AND c.scopes = $24 \
                           AND c.portfolio_ids IS NOT DISTINCT FROM $25::text \
                           AND c.expires_at IS NOT DISTINCT FROM $26::bigint \
                       ) AS ok \
                     ), within AS ( \
                       SELECT (SELECT count FROM hit) <= $18 \
                         AND COALESCE((SELECT count FROM address) <= $21, true) \
                         AND (SELECT ok FROM same) AS ok \
                     ), seen AS ( \
                       INSERT INTO oauth_assertions (client, jti_hash, expires_at) \
                       SELECT $1, $2::bytea, $3 WHERE $2::bytea IS NOT NULL AND (SELECT ok FROM within) \
                       ON CONFLICT (client, jti_hash) DO UPDATE SET expires_at = excluded.expires_at \
                       WHERE oauth_assertions.expires_at < $4 \
                       RETURNING 1 \
                     ), fresh AS ( \
                       SELECT (SELECT ok FROM within) AND ($2::bytea IS NULL OR EXISTS (SELECT 1 FROM seen)) AS ok \
                     ), used AS ( \
                       UPDATE api_clients SET last_used_at = $4 \
                       WHERE id = $1 AND $5 AND (SELECT ok FROM fresh) RETURNING 1 \
                     ), key_used AS ( \
                       UPDATE api_client_keys SET last_used_at = $4 \
                       WHERE id = $6 AND $5 AND (SELECT ok FROM fresh) RETURNING 1 \
                     ), logged AS ( \
                       INSERT INTO audit_events (id, at, actor_id, action, target_account_id, office_id, client_ip, user_agent, details, actor_client_id) \
                       SELECT $7, $4, $8, $9, $10, $11, $12, $13, $14, $15 WHERE (SELECT ok FROM fresh) \
                       RETURNING 1 \
                     ) SELECT fresh.ok, hit.count, hit.window_start, \
                         (SELECT count FROM address), (SELECT window_start FROM address), \
                         (SELECT ok FROM same) \
                       FROM fresh, hit",
                ))
                .bind(t.client)
                .bind(jti)
                .bind(until)
                .bind(now)
                .bind(mark)
                .bind(key)
                .bind(id)
                .bind(a.actor_id)
                .bind(a.action.as_str())
                .bind(a.target_account_id)
                .bind(a.office_id)
                .bind(a.client_ip.clone())
                .bind(a.user_agent.clone())
                .bind(a.details.to_string())
                .bind(a.actor_client_id)
                .bind(limit_key)
                .bind(window_start)
                .bind(max)
                .bind(address_key)
                .bind(address_start)
                .bind(address_max)
                .bind(check.is_some())
                .bind(check.map(|c| c.key))
                .bind(check.map(|c| c.scopes.clone()))
                .bind(check.and_then(|c| c.portfolios.clone()))
                .bind(check.and_then(|c| c.expires_at))
                .fetch_one(self.fast_pool())
                .await?;
                Ok($crate::store::tokens::Recorded {
                    hit: (count, $crate::clock::from_millis(started)),
                    address_hit: address_count
                        .zip(address_started)
                        .map(|(n, at)| (n, $crate::clock::from_millis(at))),
                    unchanged,
                    issued: fresh,
                })
            }

            async fn hit_and_find_client(
                &self,
                key: &str,
                window: chrono::Duration,
                now: chrono::DateTime<chrono::Utc>,
                client_id: &str,
                kid: Option<&str>,
            ) -> Result<
                ($crate::store::limits::Hit, Option<$crate::store::clients::ClientCredentials>),
                $crate::store::StoreError,
            > {
                if let Some(group) = self.grouped() {
                    return group.hit_and_find(key, window, now, client_id, kid).await;
                }
                use sqlx::Row as _;
                let now_ms = $crate::clock::to_millis(now);
                let row = sqlx::query(concat!(
                    "WITH hit AS (",
                    rate_limit_hit!(),
                    ") SELECT hit.count AS hit_count, hit.window_start AS hit_window_start, ",
                    credentials_cols!(),
                    " FROM hit LEFT JOIN api_clients c ON c.client_id = $4 \
                      LEFT JOIN api_client_keys k ON k.client = c.id AND k.kid = $5"
                ))
                .bind(key)
                .bind(now_ms)
                .bind(now_ms - window.num_milliseconds())
                .bind(client_id)
                .bind(kid)
                .fetch_one(self.fast_pool())
                .await?;
                let count: i64 = row.try_get("hit_count")?;
                let start: i64 = row.try_get("hit_window_start")?;
                let found: Option<uuid::Uuid> = row.try_get("id")?;
                let credentials = match found {
                    Some(_) => Some(credentials_from_row!(row)),
                    None => None,
                };
                Ok(((count, $crate::clock::from_millis(start)), credentials))
            }
        }
    };
}

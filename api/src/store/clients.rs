//! API clients, their public keys and secret (as a hash), the client assertions they used
//! (each `jti` once, across instances), the scope catalogue, and the first answers to requests
//! with an `Idempotency-Key`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::ApiScope;
use uuid::Uuid;

use super::StoreError;
use super::sql::{opt_millis, parse_enum};
use crate::clock::from_millis;
use crate::domain::api_client::{KeyAlg, Owner, StoredAnswer};
use crate::domain::{ApiClient, ApiClientKey};

/// A scope of the catalogue: (code, label_nl, label_en, insurer_only).
pub type ScopeRow = (ApiScope, String, String, bool);

/// What `/oauth2/token` needs of a client in one read: the client, the key its assertion
/// names (if any) and its secret's hash (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientCredentials {
    pub client: ApiClient,
    pub key: Option<ApiClientKey>,
    pub secret_hash: Option<Vec<u8>>,
}

#[async_trait]
pub trait ApiClients: Send {
    /// `Conflict` when the client id is taken.
    async fn insert_api_client(&mut self, client: &ApiClient) -> Result<(), StoreError>;
    /// Writes name, scopes, portfolios, expiry and `updated_at`.
    async fn update_api_client(&mut self, client: &ApiClient) -> Result<(), StoreError>;
    async fn revoke_api_client(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// The client, its row locked for the rest of the transaction (on PostgreSQL).
    async fn get_api_client(&mut self, id: Uuid) -> Result<Option<ApiClient>, StoreError>;
    /// The clients of an owner, newest first.
    async fn api_clients_of(&mut self, owner: Owner) -> Result<Vec<ApiClient>, StoreError>;
    /// The keys of these clients, oldest first.
    async fn keys_of_api_clients(&mut self, ids: &[Uuid]) -> Result<Vec<ApiClientKey>, StoreError>;
    /// `Conflict` when the client has a key with this `kid`.
    async fn insert_api_client_key(&mut self, key: &ApiClientKey) -> Result<(), StoreError>;
    /// Whether the key was there.
    async fn delete_api_client_key(&mut self, client: Uuid, key: Uuid) -> Result<bool, StoreError>;
    /// Replaces the client's secret (its id and SHA-256).
    async fn set_api_client_secret(
        &mut self,
        client: Uuid,
        secret_id: Uuid,
        secret_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The scope catalogue in its order.
    async fn api_scopes(&mut self) -> Result<Vec<ScopeRow>, StoreError>;
}

#[async_trait]
pub trait ApiClientStore: Send + Sync {
    /// The client with this client id, the key with this `kid` and its secret hash.
    async fn client_credentials(
        &self,
        client_id: &str,
        kid: Option<&str>,
    ) -> Result<Option<ClientCredentials>, StoreError>;
    /// The client behind a bearer token, if `credential` (a key's id or the secret's id) is
    /// still one of its credentials: read on every bearer request, so a revoked client or a
    /// removed key stops working at once on every instance.
    async fn bearer_client(
        &self,
        client_id: &str,
        credential: Uuid,
    ) -> Result<Option<ApiClient>, StoreError>;
    /// Claims `(owner, key)` for a request with this fingerprint: `None` when this request
    /// is the first (it must then [`Self::keep_answer`] or [`Self::forget_key`]), else what
    /// is stored.
    async fn claim_idempotency_key(
        &self,
        owner: &str,
        key: &str,
        fingerprint: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<StoredAnswer>, StoreError>;
    /// Takes over a stored entry that is over (`before` is its `created_at`, so two takers
    /// cannot both win): whether this request now owns the key.
    async fn retake_idempotency_key(
        &self,
        owner: &str,
        key: &str,
        before: DateTime<Utc>,
        fingerprint: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn keep_answer(
        &self,
        owner: &str,
        key: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), StoreError>;
    async fn forget_idempotency_key(&self, owner: &str, key: &str) -> Result<(), StoreError>;
    /// Removes expired assertions and idempotency entries older than `keys_before`; how many.
    async fn delete_expired_client_records(
        &self,
        now: DateTime<Utc>,
        keys_before: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiClientRow {
    pub id: Uuid,
    pub client_id: String,
    pub name: String,
    pub office_id: Option<Uuid>,
    pub scopes: String,
    pub portfolio_ids: Option<String>,
    pub revoked_at: Option<i64>,
    pub created_by: Option<Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub secret_id: Option<Uuid>,
    pub secret_created_at: Option<i64>,
}

impl TryFrom<ApiClientRow> for ApiClient {
    type Error = StoreError;
    fn try_from(r: ApiClientRow) -> Result<Self, StoreError> {
        let scopes = r
            .scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(|s| parse_enum(s, "api_clients.scopes", ApiScope::parse))
            .collect::<Result<_, _>>()?;
        let portfolio_ids = r
            .portfolio_ids
            .map(|text| {
                serde_json::from_str(&text).map_err(|e| {
                    StoreError::Corrupt(format!("api_clients.portfolio_ids of {}: {e}", r.id))
                })
            })
            .transpose()?;
        Ok(ApiClient {
            id: r.id,
            client_id: r.client_id,
            name: r.name,
            owner: Owner::of(r.office_id),
            scopes,
            portfolio_ids,
            revoked_at: opt_millis(r.revoked_at),
            created_by: r.created_by,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
            last_used_at: opt_millis(r.last_used_at),
            expires_at: opt_millis(r.expires_at),
            secret_id: r.secret_id,
            secret_created_at: opt_millis(r.secret_created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiClientKeyRow {
    pub id: Uuid,
    pub client: Uuid,
    pub kid: String,
    pub alg: String,
    pub jwk: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl TryFrom<ApiClientKeyRow> for ApiClientKey {
    type Error = StoreError;
    fn try_from(r: ApiClientKeyRow) -> Result<Self, StoreError> {
        Ok(ApiClientKey {
            id: r.id,
            client: r.client,
            kid: r.kid,
            alg: parse_enum(&r.alg, "api_client_keys.alg", KeyAlg::parse)?,
            jwk: r.jwk,
            created_at: from_millis(r.created_at),
            last_used_at: opt_millis(r.last_used_at),
        })
    }
}

/// A client's settings as stored: the scopes space-separated, the portfolios as JSON.
pub(crate) fn scopes_text(client: &ApiClient) -> String {
    crate::domain::api_client::scope_text(&client.scopes)
}

pub(crate) fn portfolios_text(client: &ApiClient) -> Option<String> {
    client.portfolio_ids.as_ref().map(|ids| {
        serde_json::Value::from(ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).to_string()
    })
}

#[derive(sqlx::FromRow)]
pub(crate) struct StoredAnswerRow {
    pub fingerprint: Vec<u8>,
    pub created_at: i64,
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
}

impl From<StoredAnswerRow> for StoredAnswer {
    fn from(r: StoredAnswerRow) -> Self {
        StoredAnswer {
            fingerprint: r.fingerprint,
            created_at: from_millis(r.created_at),
            answer: r.status.map(|status| {
                (
                    u16::try_from(status).unwrap_or(500),
                    r.content_type,
                    r.body.unwrap_or_default(),
                )
            }),
        }
    }
}

macro_rules! api_client_cols {
    () => {
        "c.id, c.client_id, c.name, c.office_id, c.scopes, c.portfolio_ids, c.revoked_at, c.created_by, \
         c.created_at, c.updated_at, c.last_used_at, c.expires_at, c.secret_id, c.secret_created_at"
    };
}

macro_rules! api_client_key_cols {
    () => {
        "k.id, k.client, k.kid, k.alg, k.jwk, k.created_at, k.last_used_at"
    };
}

macro_rules! api_clients_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::clients::ApiClients for $tx {
            async fn insert_api_client(&mut self, c: &$crate::domain::ApiClient) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO api_clients (id, client_id, name, office_id, scopes, portfolio_ids, revoked_at, created_by, \
                     created_at, updated_at, last_used_at, expires_at, secret_id, secret_hash, secret_created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $8, NULL, $9, NULL, NULL, NULL)",
                )
                .bind(c.id)
                .bind(&c.client_id)
                .bind(&c.name)
                .bind(c.owner.office_id())
                .bind($crate::store::clients::scopes_text(c))
                .bind($crate::store::clients::portfolios_text(c))
                .bind(c.created_by)
                .bind($crate::clock::to_millis(c.created_at))
                .bind($crate::store::sql::opt_to_millis(c.expires_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn update_api_client(&mut self, c: &$crate::domain::ApiClient) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE api_clients SET name = $2, scopes = $3, portfolio_ids = $4, expires_at = $5, updated_at = $6 WHERE id = $1",
                )
                .bind(c.id)
                .bind(&c.name)
                .bind($crate::store::clients::scopes_text(c))
                .bind($crate::store::clients::portfolios_text(c))
                .bind($crate::store::sql::opt_to_millis(c.expires_at))
                .bind($crate::clock::to_millis(c.updated_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn revoke_api_client(&mut self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                // A revoked client keeps no credentials.
                sqlx::query("DELETE FROM api_client_keys WHERE client = $1")
                    .bind(id)
                    .execute(self.conn().await?)
                    .await?;
                sqlx::query(
                    "UPDATE api_clients SET revoked_at = $2, updated_at = $2, secret_id = NULL, secret_hash = NULL, \
                     secret_created_at = NULL WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind($crate::clock::to_millis(now))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn get_api_client(&mut self, id: uuid::Uuid) -> Result<Option<$crate::domain::ApiClient>, $crate::store::StoreError> {
                let sql = if $crate::store::sql::is_postgres::<$db>() {
                    concat!("SELECT ", api_client_cols!(), " FROM api_clients c WHERE c.id = $1 FOR UPDATE")
                } else {
                    concat!("SELECT ", api_client_cols!(), " FROM api_clients c WHERE c.id = $1")
                };
                let row: Option<$crate::store::clients::ApiClientRow> = sqlx::query_as(sql)
                    .bind(id)
                    .fetch_optional(self.conn().await?)
                    .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn api_clients_of(
                &mut self,
                owner: $crate::domain::api_client::Owner,
            ) -> Result<Vec<$crate::domain::ApiClient>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::clients::ApiClientRow> = sqlx::query_as(concat!(
                    "SELECT ", api_client_cols!(), " FROM api_clients c \
                     WHERE ($1 IS NULL AND c.office_id IS NULL) OR c.office_id = $1 ORDER BY c.id DESC"
                ))
                .bind(owner.office_id())
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::offices::all(rows)
            }

            async fn keys_of_api_clients(&mut self, ids: &[uuid::Uuid]) -> Result<Vec<$crate::domain::ApiClientKey>, $crate::store::StoreError> {
                let mut keys = Vec::new();
                for id in ids {
                    let rows: Vec<$crate::store::clients::ApiClientKeyRow> = sqlx::query_as(concat!(
                        "SELECT ", api_client_key_cols!(), " FROM api_client_keys k WHERE k.client = $1 ORDER BY k.id"
                    ))
                    .bind(*id)
                    .fetch_all(self.conn().await?)
                    .await?;
                    keys.extend($crate::store::offices::all::<_, $crate::domain::ApiClientKey>(rows)?);
                }
                Ok(keys)
            }

            async fn insert_api_client_key(&mut self, k: &$crate::domain::ApiClientKey) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO api_client_keys (id, client, kid, alg, jwk, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)",
                )
                .bind(k.id)
                .bind(k.client)
                .bind(&k.kid)
                .bind(k.alg.as_str())
                .bind(&k.jwk)
                .bind($crate::clock::to_millis(k.created_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn delete_api_client_key(&mut self, client: uuid::Uuid, key: uuid::Uuid) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query("DELETE FROM api_client_keys WHERE client = $1 AND id = $2")
                    .bind(client)
                    .bind(key)
                    .execute(self.conn().await?)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_api_client_secret(
                &mut self,
                client: uuid::Uuid,
                secret_id: uuid::Uuid,
                secret_hash: &[u8],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE api_clients SET secret_id = $2, secret_hash = $3, secret_created_at = $4, updated_at = $4 WHERE id = $1",
                )
                .bind(client)
                .bind(secret_id)
                .bind(secret_hash.to_vec())
                .bind($crate::clock::to_millis(now))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn api_scopes(&mut self) -> Result<Vec<$crate::store::clients::ScopeRow>, $crate::store::StoreError> {
                let rows: Vec<(String, String, String, bool)> = sqlx::query_as(
                    "SELECT code, label_nl, label_en, insurer_only FROM api_scopes ORDER BY position, code",
                )
                .fetch_all(self.conn().await?)
                .await?;
                rows.into_iter()
                    .map(|(code, nl, en, insurer)| {
                        Ok((
                            $crate::store::sql::parse_enum(&code, "api_scopes.code", poort_shared::dto::ApiScope::parse)?,
                            nl,
                            en,
                            insurer,
                        ))
                    })
                    .collect()
            }
        }
    };
}

/// The [`ClientCredentials`] of a row with [`api_client_cols`], `secret_hash` and the key's
/// columns as `key_…` (as `client_credentials` and `hit_and_find_client` select them).
macro_rules! credentials_from_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = &$row;
        let client: $crate::domain::ApiClient =
            <$crate::store::clients::ApiClientRow as sqlx::FromRow<_>>::from_row(row)?
                .try_into()?;
        let secret_hash: Option<Vec<u8>> = row.try_get("secret_hash")?;
        let key_id: Option<uuid::Uuid> = row.try_get("key_id")?;
        let key = match key_id {
            Some(id) => Some(
                $crate::store::clients::ApiClientKeyRow {
                    id,
                    client: client.id,
                    kid: row.try_get("key_kid")?,
                    alg: row.try_get("key_alg")?,
                    jwk: row.try_get("key_jwk")?,
                    created_at: row.try_get("key_created_at")?,
                    last_used_at: row.try_get("key_last_used_at")?,
                }
                .try_into()?,
            ),
            None => None,
        };
        $crate::store::clients::ClientCredentials {
            client,
            key,
            secret_hash,
        }
    }};
}

/// The columns [`credentials_from_row`] reads, from `api_clients c` and `api_client_keys k`.
macro_rules! credentials_cols {
    () => {
        concat!(
            api_client_cols!(),
            ", c.secret_hash, k.id AS key_id, k.kid AS key_kid, k.alg AS key_alg, \
             k.jwk AS key_jwk, k.created_at AS key_created_at, k.last_used_at AS key_last_used_at"
        )
    };
}

macro_rules! api_client_store_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::clients::ApiClientStore for $store {
            async fn client_credentials(
                &self,
                client_id: &str,
                kid: Option<&str>,
            ) -> Result<Option<$crate::store::clients::ClientCredentials>, $crate::store::StoreError> {
                let row = sqlx::query(concat!(
                    "SELECT ", credentials_cols!(), " \
                     FROM api_clients c LEFT JOIN api_client_keys k ON k.client = c.id AND k.kid = $2 \
                     WHERE c.client_id = $1"
                ))
                .bind(client_id)
                .bind(kid)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(credentials_from_row!(row)))
            }

            async fn bearer_client(
                &self,
                client_id: &str,
                credential: uuid::Uuid,
            ) -> Result<Option<$crate::domain::ApiClient>, $crate::store::StoreError> {
                // On PostgreSQL the lookups that arrive together share one query
                // (`store::batches`).
                self.lookup_bearer(client_id, credential).await
            }

            async fn claim_idempotency_key(
                &self,
                owner: &str,
                key: &str,
                fingerprint: &[u8],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<$crate::domain::api_client::StoredAnswer>, $crate::store::StoreError> {
                let inserted = sqlx::query(
                    "INSERT INTO idempotency_keys (owner, key, fingerprint, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (owner, key) DO NOTHING",
                )
                .bind(owner)
                .bind(key)
                .bind(fingerprint.to_vec())
                .bind($crate::clock::to_millis(now))
                .execute(&self.pool)
                .await?;
                if inserted.rows_affected() > 0 {
                    return Ok(None);
                }
                let row: Option<$crate::store::clients::StoredAnswerRow> = sqlx::query_as(
                    "SELECT fingerprint, created_at, status, content_type, body FROM idempotency_keys WHERE owner = $1 AND key = $2",
                )
                .bind(owner)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(row) => Ok(Some(row.into())),
                    // Removed in between (its request failed): try once more.
                    None => {
                        let again = sqlx::query(
                            "INSERT INTO idempotency_keys (owner, key, fingerprint, created_at) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (owner, key) DO NOTHING",
                        )
                        .bind(owner)
                        .bind(key)
                        .bind(fingerprint.to_vec())
                        .bind($crate::clock::to_millis(now))
                        .execute(&self.pool)
                        .await?;
                        if again.rows_affected() > 0 {
                            Ok(None)
                        } else {
                            Err($crate::store::StoreError::Conflict)
                        }
                    }
                }
            }

            async fn retake_idempotency_key(
                &self,
                owner: &str,
                key: &str,
                before: chrono::DateTime<chrono::Utc>,
                fingerprint: &[u8],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE idempotency_keys SET fingerprint = $4, created_at = $5, status = NULL, content_type = NULL, body = NULL \
                     WHERE owner = $1 AND key = $2 AND created_at = $3",
                )
                .bind(owner)
                .bind(key)
                .bind($crate::clock::to_millis(before))
                .bind(fingerprint.to_vec())
                .bind($crate::clock::to_millis(now))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn keep_answer(
                &self,
                owner: &str,
                key: &str,
                status: u16,
                content_type: Option<&str>,
                body: &[u8],
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5 WHERE owner = $1 AND key = $2")
                    .bind(owner)
                    .bind(key)
                    .bind(i32::from(status))
                    .bind(content_type)
                    .bind(body.to_vec())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn forget_idempotency_key(&self, owner: &str, key: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2")
                    .bind(owner)
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_expired_client_records(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                keys_before: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                let assertions = sqlx::query("DELETE FROM oauth_assertions WHERE expires_at < $1")
                    .bind($crate::clock::to_millis(now))
                    .execute(&self.pool)
                    .await?;
                let keys = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                    .bind($crate::clock::to_millis(keys_before))
                    .execute(&self.pool)
                    .await?;
                Ok(assertions.rows_affected() + keys.rows_affected())
            }
        }
    };
}

/// The one-client bearer lookup (SQLite: in process, nothing to gain from batching).
macro_rules! bearer_select {
    () => {
        concat!(
            "SELECT ", api_client_cols!(), " FROM api_clients c WHERE c.client_id = $1 AND c.revoked_at IS NULL \
             AND (c.secret_id = $2 OR EXISTS (SELECT 1 FROM api_client_keys k WHERE k.client = c.id AND k.id = $2))"
        )
    };
}

/// The clients behind bearer tokens that arrive together, in one query (PostgreSQL): each
/// (client id, credential) finds its client if it is not revoked and the credential is its
/// secret or one of its keys.
pub(crate) struct BearerLookup;

#[derive(sqlx::FromRow)]
struct BearerRow {
    #[sqlx(flatten)]
    client: ApiClientRow,
    key_ids: Vec<Uuid>,
}

impl super::batches::Lookup for BearerLookup {
    type Key = (String, Uuid);
    type Value = ApiClient;

    async fn query(
        pool: &sqlx::PgPool,
        keys: Vec<(String, Uuid)>,
    ) -> Result<super::batches::Found<(String, Uuid), ApiClient>, sqlx::Error> {
        let mut ids: Vec<&str> = keys.iter().map(|(id, _)| id.as_str()).collect();
        ids.dedup();
        let rows: Vec<BearerRow> = sqlx::query_as(concat!(
            "SELECT ",
            api_client_cols!(),
            ", ARRAY(SELECT k.id FROM api_client_keys k WHERE k.client = c.id) AS key_ids \
             FROM api_clients c WHERE c.client_id = ANY($1) AND c.revoked_at IS NULL"
        ))
        .bind(ids)
        .fetch_all(pool)
        .await?;
        let mut found = std::collections::HashMap::new();
        for row in rows {
            let secret = row.client.secret_id;
            let client_id = row.client.client_id.clone();
            let client = ApiClient::try_from(row.client);
            for (asked, credential) in keys.iter().filter(|(id, _)| *id == client_id) {
                if secret == Some(*credential) || row.key_ids.contains(credential) {
                    let answer = match &client {
                        Ok(c) => Ok(c.clone()),
                        Err(e) => Err(StoreError::Corrupt(e.to_string())),
                    };
                    found.insert((asked.clone(), *credential), answer);
                }
            }
        }
        Ok(found)
    }
}

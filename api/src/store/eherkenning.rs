//! eHerkenning: trips to the broker under way (each returns once) and accounts' links.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::EherkenningPurpose;
use uuid::Uuid;

use super::StoreError;
use crate::domain::Account;

/// A trip to the broker: what the callback needs to finish it. The state, the browser
/// binding and the nonce are kept as digests only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EherkenningTrip {
    pub state_hash: Vec<u8>,
    pub binding_hash: Vec<u8>,
    pub nonce_hash: Vec<u8>,
    pub purpose: EherkenningPurpose,
    /// For a link: the account and the (re-authenticated) session that started it.
    pub account_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An account's link: the company it acts for (`kvk:…` / `rsin:…`) and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EherkenningLink {
    pub legal_subject: String,
    pub linked_at: DateTime<Utc>,
}

#[async_trait]
pub trait Eherkenning: Send {
    /// Records a trip (and forgets trips that expired before `trip.created_at`).
    async fn insert_ehk_trip(&mut self, trip: &EherkenningTrip) -> Result<(), StoreError>;
    /// Takes the trip with this state: it is gone afterwards, so it returns at most once.
    async fn take_ehk_trip(
        &mut self,
        state_hash: &[u8],
    ) -> Result<Option<EherkenningTrip>, StoreError>;
    /// The account linked under this key.
    async fn find_account_by_ehk(&mut self, link_key: &str) -> Result<Option<Account>, StoreError>;
    /// Links the account (`Some((key, legal subject))`) or unlinks it (`None`). A key linked
    /// to another account already is [`StoreError::Conflict`].
    async fn set_ehk_link(
        &mut self,
        account_id: Uuid,
        link: Option<(&str, &str)>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn ehk_link_of(
        &mut self,
        account_id: Uuid,
    ) -> Result<Option<EherkenningLink>, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct TripRow {
    pub state_hash: Vec<u8>,
    pub binding_hash: Vec<u8>,
    pub nonce_hash: Vec<u8>,
    pub purpose: String,
    pub account_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub created_at: i64,
    pub expires_at: i64,
}

impl TryFrom<TripRow> for EherkenningTrip {
    type Error = StoreError;
    fn try_from(r: TripRow) -> Result<Self, StoreError> {
        Ok(EherkenningTrip {
            state_hash: r.state_hash,
            binding_hash: r.binding_hash,
            nonce_hash: r.nonce_hash,
            purpose: super::sql::parse_enum(
                &r.purpose,
                "eherkenning_trips.purpose",
                EherkenningPurpose::parse,
            )?,
            account_id: r.account_id,
            session_id: r.session_id,
            created_at: crate::clock::from_millis(r.created_at),
            expires_at: crate::clock::from_millis(r.expires_at),
        })
    }
}

macro_rules! eherkenning_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::eherkenning::Eherkenning for $tx {
            async fn insert_ehk_trip(
                &mut self,
                t: &$crate::store::eherkenning::EherkenningTrip,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM eherkenning_trips WHERE expires_at < $1")
                    .bind($crate::clock::to_millis(t.created_at))
                    .execute(self.conn().await?)
                    .await?;
                sqlx::query(
                    "INSERT INTO eherkenning_trips (state_hash, binding_hash, nonce_hash, purpose, account_id, session_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&t.state_hash)
                .bind(&t.binding_hash)
                .bind(&t.nonce_hash)
                .bind(t.purpose.as_str())
                .bind(t.account_id)
                .bind(t.session_id)
                .bind($crate::clock::to_millis(t.created_at))
                .bind($crate::clock::to_millis(t.expires_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn take_ehk_trip(
                &mut self,
                state_hash: &[u8],
            ) -> Result<Option<$crate::store::eherkenning::EherkenningTrip>, $crate::store::StoreError> {
                let row: Option<$crate::store::eherkenning::TripRow> = sqlx::query_as(
                    "DELETE FROM eherkenning_trips WHERE state_hash = $1 \
                     RETURNING state_hash, binding_hash, nonce_hash, purpose, account_id, session_id, created_at, expires_at",
                )
                .bind(state_hash)
                .fetch_optional(self.conn().await?)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn find_account_by_ehk(
                &mut self,
                link_key: &str,
            ) -> Result<Option<$crate::domain::Account>, $crate::store::StoreError> {
                let row: Option<$crate::store::accounts::AccountRow> =
                    sqlx::query_as(concat!("SELECT ", account_cols!(), " FROM accounts WHERE ehk_pseudonym = $1"))
                        .bind(link_key)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn set_ehk_link(
                &mut self,
                account_id: uuid::Uuid,
                link: Option<(&str, &str)>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let now = $crate::clock::to_millis(now);
                let (key, legal, at) = match link {
                    Some((key, legal)) => (Some(key.to_string()), Some(legal.to_string()), Some(now)),
                    None => (None, None, None),
                };
                sqlx::query(
                    "UPDATE accounts SET ehk_pseudonym = $2, ehk_legal_subject = $3, ehk_linked_at = $4, updated_at = $5 WHERE id = $1",
                )
                .bind(account_id)
                .bind(key)
                .bind(legal)
                .bind(at)
                .bind(now)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn ehk_link_of(
                &mut self,
                account_id: uuid::Uuid,
            ) -> Result<Option<$crate::store::eherkenning::EherkenningLink>, $crate::store::StoreError> {
                let row: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
                    "SELECT ehk_legal_subject, ehk_linked_at FROM accounts WHERE id = $1 AND ehk_pseudonym IS NOT NULL",
                )
                .bind(account_id)
                .fetch_optional(self.conn().await?)
                .await?;
                Ok(row.and_then(|(legal, at)| {
                    Some($crate::store::eherkenning::EherkenningLink {
                        legal_subject: legal?,
                        linked_at: $crate::clock::from_millis(at?),
                    })
                }))
            }
        }
    };
}

//! Invitations, their links and their history. The set-up's state ([`InvitationState`]) is
//! kept in columns that each step fills (`step`, `pending_*`, `verified_mobile`, the set-up
//! token) and read back into the typed state, so a row that does not fit a state is reported
//! as corrupt instead of half-read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::{InvitationEventKind, InvitationKind, SetupStep};
use poort_shared::validate::MobileNumber;
use uuid::Uuid;

use super::StoreError;
use super::sql::{opt_millis, parse_enum, parse_text};
use crate::clock::from_millis;
use crate::domain::invitation::SetupToken;
use crate::domain::{Invitation, InvitationEvent, InvitationLink, InvitationState, Setup};

#[async_trait]
pub trait Invitations: Send {
    async fn insert_invitation(&mut self, invitation: &Invitation) -> Result<(), StoreError>;
    /// Writes where the invitation stands (status, set-up step and what it gathered).
    async fn save_invitation_state(
        &mut self,
        id: Uuid,
        state: &InvitationState,
    ) -> Result<(), StoreError>;
    /// When the current link expires (after a re-send or renewal).
    async fn set_invitation_expiry(
        &mut self,
        id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn get_invitation(&mut self, id: Uuid) -> Result<Option<Invitation>, StoreError>;
    /// Newest first, those sent for the office the account is in now (or, for the relations
    /// team, without an office).
    async fn invitations_of_account(
        &mut self,
        account_id: Uuid,
    ) -> Result<Vec<Invitation>, StoreError>;
    /// Invitations for accounts of the office, newest first.
    /// The office's invitations, newest first: at most `limit`, older than `before` if given.
    async fn invitations_in_office(
        &mut self,
        office_id: Uuid,
        before: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Invitation>, StoreError>;

    /// Open invitations of every office whose link works (`expired` false) or has expired at
    /// `now`, newest first: at most `limit`, older than `before` if given.
    async fn open_invitations(
        &mut self,
        expired: bool,
        now: DateTime<Utc>,
        before: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Invitation>, StoreError>;

    async fn insert_link(&mut self, link: &InvitationLink) -> Result<(), StoreError>;
    async fn find_link(&mut self, token_hash: &[u8]) -> Result<Option<InvitationLink>, StoreError>;
    /// Marks the link superseded if it was not already; false when another request did first.
    async fn supersede_link(
        &mut self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Marks every current link of the invitation superseded.
    async fn supersede_links_of(
        &mut self,
        invitation_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    async fn insert_invitation_event(&mut self, event: &InvitationEvent) -> Result<(), StoreError>;
    /// Oldest first, with the names of actors that still exist.
    async fn events_of_invitation(
        &mut self,
        invitation_id: Uuid,
    ) -> Result<Vec<InvitationEvent>, StoreError>;
    /// The events of the invitations given (one query), by invitation, oldest first.
    async fn events_of_invitations(
        &mut self,
        invitation_ids: &[Uuid],
    ) -> Result<Vec<InvitationEvent>, StoreError>;
    async fn count_invitation_events_since(
        &mut self,
        invitation_id: Uuid,
        kind: InvitationEventKind,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct InvitationRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: String,
    pub status: String,
    pub step: String,
    pub created_by: Option<Uuid>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub pending_password_hash: Option<String>,
    pub pending_mobile: Option<String>,
    pub verified_mobile: Option<String>,
    pub pending_totp_secret: Option<Vec<u8>>,
    pub setup_token_hash: Option<Vec<u8>>,
    pub setup_token_expires_at: Option<i64>,
}

fn corrupt(id: Uuid, what: &str) -> StoreError {
    StoreError::Corrupt(format!("invitation {id}: {what}"))
}

fn mobile(value: Option<String>, column: &str) -> Result<Option<MobileNumber>, StoreError> {
    value
        .map(|m| parse_text(&m, column, MobileNumber::parse))
        .transpose()
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StoreError;
    fn try_from(r: InvitationRow) -> Result<Self, StoreError> {
        let id = r.id;
        let state = match r.status.as_str() {
            "accepted" => InvitationState::Accepted {
                at: opt_millis(r.accepted_at)
                    .ok_or_else(|| corrupt(id, "accepted without a time"))?,
            },
            "withdrawn" => InvitationState::Withdrawn {
                at: opt_millis(r.withdrawn_at)
                    .ok_or_else(|| corrupt(id, "withdrawn without a time"))?,
            },
            "open" => {
                let step = parse_enum(&r.step, "invitations.step", SetupStep::parse)?;
                let password = || {
                    r.pending_password_hash
                        .clone()
                        .ok_or_else(|| corrupt(id, "past the password step without one"))
                };
                let setup = match step {
                    SetupStep::Password => Setup::Password,
                    SetupStep::Mobile => Setup::Mobile {
                        password_hash: password()?,
                        sent_to: mobile(r.pending_mobile.clone(), "invitations.pending_mobile")?,
                    },
                    SetupStep::Authenticator => Setup::Authenticator {
                        password_hash: password()?,
                        mobile: mobile(r.verified_mobile.clone(), "invitations.verified_mobile")?
                            .ok_or_else(|| {
                            corrupt(id, "at the authenticator without a number")
                        })?,
                        secret: r.pending_totp_secret.clone(),
                    },
                    SetupStep::Done => return Err(corrupt(id, "open but done")),
                };
                let token = match (r.setup_token_hash, r.setup_token_expires_at) {
                    (Some(hash), Some(until)) => Some(SetupToken {
                        hash,
                        expires_at: from_millis(until),
                    }),
                    _ => None,
                };
                InvitationState::Open { setup, token }
            }
            other => {
                return Err(StoreError::Corrupt(format!(
                    "invitations.status = {other:?}"
                )));
            }
        };
        Ok(Invitation {
            id,
            account_id: r.account_id,
            kind: parse_enum(&r.kind, "invitations.kind", InvitationKind::parse)?,
            created_by: r.created_by,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
            state,
        })
    }
}

/// The state's columns, in the order of [`state_columns`]: status, step, accepted_at,
/// withdrawn_at, pending_password_hash, pending_mobile, verified_mobile, pending_totp_secret,
/// setup_token_hash, setup_token_expires_at.
pub(crate) struct StateColumns {
    pub status: &'static str,
    pub step: &'static str,
    pub accepted_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub password_hash: Option<String>,
    pub pending_mobile: Option<String>,
    pub verified_mobile: Option<String>,
    pub totp_secret: Option<Vec<u8>>,
    pub token_hash: Option<Vec<u8>>,
    pub token_expires_at: Option<i64>,
}

pub(crate) fn state_columns(state: &InvitationState) -> StateColumns {
    let mut c = StateColumns {
        status: "open",
        step: "done",
        accepted_at: None,
        withdrawn_at: None,
        password_hash: None,
        pending_mobile: None,
        verified_mobile: None,
        totp_secret: None,
        token_hash: None,
        token_expires_at: None,
    };
    match state {
        InvitationState::Accepted { at } => {
            c.status = "accepted";
            c.accepted_at = Some(crate::clock::to_millis(*at));
        }
        InvitationState::Withdrawn { at } => {
            c.status = "withdrawn";
            c.withdrawn_at = Some(crate::clock::to_millis(*at));
        }
        InvitationState::Open { setup, token } => {
            c.step = setup.step().as_str();
            c.password_hash = setup.password_hash().map(str::to_string);
            match setup {
                Setup::Password => {}
                Setup::Mobile { sent_to, .. } => {
                    c.pending_mobile = sent_to.as_ref().map(|m| m.as_str().to_string());
                }
                Setup::Authenticator { mobile, secret, .. } => {
                    c.verified_mobile = Some(mobile.as_str().to_string());
                    c.totp_secret = secret.clone();
                }
            }
            if let Some(token) = token {
                c.token_hash = Some(token.hash.clone());
                c.token_expires_at = Some(crate::clock::to_millis(token.expires_at));
            }
        }
    }
    c
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    pub token_hash: Vec<u8>,
    pub invitation_id: Uuid,
    pub created_at: i64,
    pub expires_at: i64,
    pub superseded_at: Option<i64>,
}

impl From<LinkRow> for InvitationLink {
    fn from(r: LinkRow) -> Self {
        InvitationLink {
            token_hash: r.token_hash,
            invitation_id: r.invitation_id,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
            superseded_at: opt_millis(r.superseded_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub invitation_id: Uuid,
    pub kind: String,
    pub at: i64,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
}

impl TryFrom<EventRow> for InvitationEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(InvitationEvent {
            invitation_id: r.invitation_id,
            kind: parse_enum(
                &r.kind,
                "invitation_events.kind",
                InvitationEventKind::parse,
            )?,
            at: from_millis(r.at),
            actor_id: r.actor_id,
            actor_name: r.actor_name,
        })
    }
}

macro_rules! invitation_cols {
    () => {
        "i.id, i.account_id, i.kind, i.status, i.step, i.created_by, i.created_at, i.expires_at, i.accepted_at, i.withdrawn_at, i.pending_password_hash, i.pending_mobile, i.verified_mobile, i.pending_totp_secret, i.setup_token_hash, i.setup_token_expires_at"
    };
}

/// The state columns in `UPDATE … SET` form, `$2`…`$11`.
macro_rules! invitation_state_set {
    () => {
        "status = $2, step = $3, accepted_at = $4, withdrawn_at = $5, pending_password_hash = $6, \
         pending_mobile = $7, verified_mobile = $8, pending_totp_secret = $9, setup_token_hash = $10, \
         setup_token_expires_at = $11"
    };
}

macro_rules! invitations_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::invitations::Invitations for $tx {
            async fn insert_invitation(&mut self, i: &$crate::domain::Invitation) -> Result<(), $crate::store::StoreError> {
                let c = $crate::store::invitations::state_columns(&i.state);
                sqlx::query(
                    "INSERT INTO invitations (id, account_id, kind, status, step, created_by, created_at, expires_at, \
                     accepted_at, withdrawn_at, pending_password_hash, pending_mobile, verified_mobile, pending_totp_secret, \
                     setup_token_hash, setup_token_expires_at, office_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                     (SELECT a.office_id FROM accounts a WHERE a.id = $2))",
                )
                .bind(i.id)
                .bind(i.account_id)
                .bind(i.kind.as_str())
                .bind(c.status)
                .bind(c.step)
                .bind(i.created_by)
                .bind($crate::clock::to_millis(i.created_at))
                .bind($crate::clock::to_millis(i.expires_at))
                .bind(c.accepted_at)
                .bind(c.withdrawn_at)
                .bind(c.password_hash)
                .bind(c.pending_mobile)
                .bind(c.verified_mobile)
                .bind(c.totp_secret)
                .bind(c.token_hash)
                .bind(c.token_expires_at)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn save_invitation_state(
                &mut self,
                id: uuid::Uuid,
                state: &$crate::domain::InvitationState,
            ) -> Result<(), $crate::store::StoreError> {
                let c = $crate::store::invitations::state_columns(state);
                sqlx::query(concat!("UPDATE invitations SET ", invitation_state_set!(), " WHERE id = $1"))
                    .bind(id)
                    .bind(c.status)
                    .bind(c.step)
                    .bind(c.accepted_at)
                    .bind(c.withdrawn_at)
                    .bind(c.password_hash)
                    .bind(c.pending_mobile)
                    .bind(c.verified_mobile)
                    .bind(c.totp_secret)
                    .bind(c.token_hash)
                    .bind(c.token_expires_at)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn set_invitation_expiry(
                &mut self,
                id: uuid::Uuid,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE invitations SET expires_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind($crate::clock::to_millis(expires_at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn get_invitation(&mut self, id: uuid::Uuid) -> Result<Option<$crate::domain::Invitation>, $crate::store::StoreError> {
                let row: Option<$crate::store::invitations::InvitationRow> =
                    sqlx::query_as(concat!("SELECT ", invitation_cols!(), " FROM invitations i WHERE i.id = $1"))
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn invitations_of_account(&mut self, account_id: uuid::Uuid) -> Result<Vec<$crate::domain::Invitation>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::invitations::InvitationRow> = sqlx::query_as(concat!(
                    "SELECT ", invitation_cols!(), " FROM invitations i JOIN accounts a ON a.id = i.account_id \
                     WHERE i.account_id = $1 AND (i.office_id = a.office_id OR (i.office_id IS NULL AND a.office_id IS NULL)) \
                     ORDER BY i.id DESC"
                ))
                .bind(account_id)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::offices::all(rows)
            }

            async fn invitations_in_office(
                &mut self,
                office_id: uuid::Uuid,
                before: Option<uuid::Uuid>,
                limit: i64,
            ) -> Result<Vec<$crate::domain::Invitation>, $crate::store::StoreError> {
                let conn = self.conn().await?;
                let rows: Vec<$crate::store::invitations::InvitationRow> = match before {
                    None => sqlx::query_as(concat!(
                        "SELECT ", invitation_cols!(),
                        " FROM invitations i WHERE i.office_id = $1 \
                         ORDER BY i.id DESC LIMIT $2"
                    ))
                    .bind(office_id)
                    .bind(limit)
                    .fetch_all(conn)
                    .await?,
                    Some(before) => sqlx::query_as(concat!(
                        "SELECT ", invitation_cols!(),
                        " FROM invitations i WHERE i.office_id = $1 \
                         AND i.id < $2 ORDER BY i.id DESC LIMIT $3"
                    ))
                    .bind(office_id)
                    .bind(before)
                    .bind(limit)
                    .fetch_all(conn)
                    .await?,
                };
                $crate::store::offices::all(rows)
            }

            async fn open_invitations(
                &mut self,
                expired: bool,
                now: chrono::DateTime<chrono::Utc>,
                before: Option<uuid::Uuid>,
                limit: i64,
            ) -> Result<Vec<$crate::domain::Invitation>, $crate::store::StoreError> {
                let link = if expired { "i.expires_at <= $1" } else { "i.expires_at > $1" };
                let older = if before.is_some() { " AND i.id < $3" } else { "" };
                let sql = format!(
                    concat!("SELECT ", invitation_cols!(), " FROM invitations i WHERE i.status = 'open' AND {}{} ORDER BY i.id DESC LIMIT $2"),
                    link, older
                );
                let mut q = sqlx::query_as::<_, $crate::store::invitations::InvitationRow>(sqlx::AssertSqlSafe(sql))
                    .bind($crate::clock::to_millis(now))
                    .bind(limit);
                if let Some(before) = before {
                    q = q.bind(before);
                }
                $crate::store::offices::all(q.fetch_all(self.conn().await?).await?)
            }

            async fn insert_link(&mut self, l: &$crate::domain::InvitationLink) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO invitation_links (token_hash, invitation_id, created_at, expires_at, superseded_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&l.token_hash)
                .bind(l.invitation_id)
                .bind($crate::clock::to_millis(l.created_at))
                .bind($crate::clock::to_millis(l.expires_at))
                .bind($crate::store::sql::opt_to_millis(l.superseded_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn find_link(&mut self, token_hash: &[u8]) -> Result<Option<$crate::domain::InvitationLink>, $crate::store::StoreError> {
                let row: Option<$crate::store::invitations::LinkRow> = sqlx::query_as(
                    "SELECT token_hash, invitation_id, created_at, expires_at, superseded_at FROM invitation_links WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(self.conn().await?)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn supersede_link(&mut self, token_hash: &[u8], now: chrono::DateTime<chrono::Utc>) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query("UPDATE invitation_links SET superseded_at = $2 WHERE token_hash = $1 AND superseded_at IS NULL")
                    .bind(token_hash)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn supersede_links_of(&mut self, invitation_id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE invitation_links SET superseded_at = $2 WHERE invitation_id = $1 AND superseded_at IS NULL")
                    .bind(invitation_id)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn insert_invitation_event(&mut self, e: &$crate::domain::InvitationEvent) -> Result<(), $crate::store::StoreError> {
                sqlx::query("INSERT INTO invitation_events (id, invitation_id, kind, at, actor_id) VALUES ($1, $2, $3, $4, $5)")
                    .bind($crate::store::sql::new_id(e.at))
                    .bind(e.invitation_id)
                    .bind(e.kind.as_str())
                    .bind($crate::clock::to_millis(e.at))
                    .bind(e.actor_id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn events_of_invitation(&mut self, invitation_id: uuid::Uuid) -> Result<Vec<$crate::domain::InvitationEvent>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::invitations::EventRow> = sqlx::query_as(
                    "SELECT e.invitation_id, e.kind, e.at, e.actor_id, a.name AS actor_name \
                     FROM invitation_events e LEFT JOIN accounts a ON a.id = e.actor_id \
                     WHERE e.invitation_id = $1 ORDER BY e.id",
                )
                .bind(invitation_id)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::offices::all(rows)
            }

            async fn events_of_invitations(
                &mut self,
                invitation_ids: &[uuid::Uuid],
            ) -> Result<Vec<$crate::domain::InvitationEvent>, $crate::store::StoreError> {
                if invitation_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let conn = self.conn().await?;
                let rows: Vec<$crate::store::invitations::EventRow> = if $crate::store::sql::is_postgres::<$db>() {
                    sqlx::query_as(
                        "SELECT e.invitation_id, e.kind, e.at, e.actor_id, a.name AS actor_name \
                         FROM invitation_events e LEFT JOIN accounts a ON a.id = e.actor_id \
                         WHERE e.invitation_id = ANY(CAST($1 AS uuid[])) ORDER BY e.invitation_id, e.id",
                    )
                    .bind($crate::store::sql::id_list::<$db>(invitation_ids))
                    .fetch_all(conn)
                    .await?
                } else {
                    sqlx::query_as(
                        "SELECT e.invitation_id, e.kind, e.at, e.actor_id, a.name AS actor_name \
                         FROM invitation_events e LEFT JOIN accounts a ON a.id = e.actor_id \
                         WHERE e.invitation_id IN (SELECT unhex(value) FROM json_each($1)) \
                         ORDER BY e.invitation_id, e.id",
                    )
                    .bind($crate::store::sql::id_list::<$db>(invitation_ids))
                    .fetch_all(conn)
                    .await?
                };
                $crate::store::offices::all(rows)
            }

            async fn count_invitation_events_since(
                &mut self,
                invitation_id: uuid::Uuid,
                kind: poort_shared::dto::InvitationEventKind,
                since: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM invitation_events WHERE invitation_id = $1 AND kind = $2 AND at >= $3",
                )
                .bind(invitation_id)
                .bind(kind.as_str())
                .bind($crate::clock::to_millis(since))
                .fetch_one(self.conn().await?)
                .await?;
                Ok(n)
            }
        }
    };
}

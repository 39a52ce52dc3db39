//! The use cases: what an operator, an office user administrator or an invitee does, each as
//! one function that checks the rules, changes the data in one transaction (with the messages
//! and audit events it causes) and returns what the API answers. Handlers in `routes/` only
//! parse, authorize and call these.

pub mod accounts;
pub mod audit;
pub mod context;
pub mod demo;
pub mod invitations;
pub mod my_account;
pub mod offices;
pub mod recovery;
pub mod setup;
pub mod signin;

use chrono::{DateTime, Duration, Utc};
use poort_shared::ErrorCode;
use uuid::Uuid;

use crate::error::ApiError;
use crate::startup::AppState;

/// Whose data a request may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One office (an office user administrator's own).
    Office(Uuid),
    /// Every office (the relations team).
    All,
}

impl Scope {
    /// Whether something of `office` (None: an operator account) is inside this scope.
    pub fn contains(self, office: Option<Uuid>) -> bool {
        match self {
            Scope::All => true,
            Scope::Office(id) => office == Some(id),
        }
    }

    pub fn office(self) -> Option<Uuid> {
        match self {
            Scope::Office(id) => Some(id),
            Scope::All => None,
        }
    }
}

impl AppState {
    /// Now, to the millisecond (the precision the database keeps, so answers and stored
    /// values agree).
    pub fn now(&self) -> DateTime<Utc> {
        use chrono::SubsecRound as _;
        self.clock.now().trunc_subsecs(3)
    }

    /// Counts one event against `max` per `window` for `key`, across all instances; refuses
    /// with 429 and Retry-After when over.
    pub async fn limit(&self, key: &str, max: i64, window: Duration) -> Result<(), ApiError> {
        let now = self.now();
        let hit = self.store.hit_rate_limit(key, window, now).await?;
        Self::over_limit(key, hit, max, window, now)
    }

    /// Refuses with 429 and Retry-After when `hit` (a count and its window's start, from
    /// `hit_rate_limit`) is over `max`.
    pub fn over_limit(
        key: &str,
        (count, started): (i64, DateTime<Utc>),
        max: i64,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        if count > max {
            let retry = (started + window - now).num_seconds().max(1);
            tracing::warn!(key, count, "rate limit reached");
            return Err(ApiError::RateLimited {
                retry_after_seconds: retry,
            });
        }
        Ok(())
    }

    /// May another SMS code go out? Not before `sms_resend_seconds` after the `previous` one
    /// for the same purpose, and within the hourly budgets per number and (when known) per
    /// client address; refuses with 429 and Retry-After otherwise.
    pub async fn sms_allowed(
        &self,
        previous: Option<&crate::store::VerificationCode>,
        number: &str,
        client_ip: Option<&str>,
    ) -> Result<(), ApiError> {
        let policy = &self.settings.policy;
        if let Some(previous) = previous {
            let next = previous.created_at + Duration::seconds(policy.sms_resend_seconds);
            let now = self.now();
            if now < next {
                return Err(ApiError::RateLimited {
                    retry_after_seconds: (next - now).num_seconds().max(1),
                });
            }
        }
        self.limit(
            &format!("sms:number:{number}"),
            policy.sms_per_hour_per_number,
            Duration::hours(1),
        )
        .await?;
        if let Some(ip) = client_ip {
            self.limit(
                &format!("sms:client:{ip}"),
                policy.sms_per_hour_per_client,
                Duration::hours(1),
            )
            .await?;
        }
        Ok(())
    }

    /// The invitation link for a token.
    pub fn invitation_link(&self, token: &str) -> String {
        format!("{}/uitnodiging/{token}", self.public_url)
    }
}

/// Parses with a shared parser, turning its verdict into an API error.
pub fn parse<T>(result: Result<T, ErrorCode>) -> Result<T, ApiError> {
    result.map_err(ApiError::from)
}

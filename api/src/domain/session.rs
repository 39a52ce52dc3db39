//! Sessions: how long one stays open and what a sensitive change needs.
//!
//! A session ends after `policy.session_idle_minutes` without a request (sliding) and after
//! `policy.session_absolute_hours` in any case. Activity is written at most every
//! [`TOUCH_EVERY_SECONDS`], so a burst of requests costs one write. Changing the mobile number
//! or the authenticator needs proof that it is still the same person (password or
//! authenticator code) within the last `policy.reauthentication_minutes`.

use chrono::{DateTime, Duration, Utc};
use poort_shared::ErrorCode;
use uuid::Uuid;

use crate::configuration::PolicySettings;

/// How stale a session's `last_seen_at` may get before a request writes it again.
pub const TOUCH_EVERY_SECONDS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub account_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The portfolio chosen for this session.
    pub active_portfolio_id: Option<Uuid>,
    /// When the person last proved it is them again (for sensitive changes).
    pub reauthenticated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRules {
    pub idle: Duration,
    pub absolute: Duration,
    pub reauthentication: Duration,
}

impl SessionRules {
    pub fn from_policy(policy: &PolicySettings) -> Self {
        Self {
            idle: Duration::minutes(policy.session_idle_minutes),
            absolute: Duration::hours(policy.session_absolute_hours),
            reauthentication: Duration::minutes(policy.reauthentication_minutes),
        }
    }

    /// When a session started now ends at the latest.
    pub fn expires_at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.absolute
    }

    /// Whether the session still counts: not ended, not past its absolute end, and used
    /// within the idle time.
    pub fn is_open(self, session: &Session, now: DateTime<Utc>) -> bool {
        session.ended_at.is_none()
            && now < session.expires_at
            && now < session.last_seen_at + self.idle
    }

    /// When a request should record activity: `Some(stale)` when `last_seen_at` is older than
    /// [`TOUCH_EVERY_SECONDS`]; the write is then made only if it is still before `stale` (of
    /// several requests at once, one writes).
    pub fn touch(self, session: &Session, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let stale = now - Duration::seconds(TOUCH_EVERY_SECONDS);
        (session.last_seen_at < stale).then_some(stale)
    }

    /// Whether the person proved recently enough that it is them, for a sensitive change.
    pub fn require_recent_proof(
        self,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<(), ErrorCode> {
        match session.reauthenticated_at {
            Some(at) if now < at + self.reauthentication => Ok(()),
            _ => Err(ErrorCode::ReauthenticationRequired),
        }
    }

    /// Until when a proof given now allows sensitive changes.
    pub fn proof_valid_until(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.reauthentication
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(minutes)
    }

    fn rules() -> SessionRules {
        SessionRules::from_policy(&PolicySettings::default())
    }

    fn session() -> Session {
        let start = at(0);
        Session {
            id: Uuid::nil(),
            account_id: Uuid::nil(),
            created_at: start,
            last_seen_at: start,
            expires_at: rules().expires_at(start),
            ended_at: None,
            client_ip: None,
            user_agent: None,
            active_portfolio_id: None,
            reauthenticated_at: None,
        }
    }

    #[test]
    fn a_session_ends_after_thirty_idle_minutes() {
        let s = session();
        assert!(rules().is_open(&s, at(29)));
        assert!(!rules().is_open(&s, at(30)));
    }

    #[test]
    fn a_session_ends_after_twelve_hours_however_busy() {
        let mut s = session();
        s.last_seen_at = at(12 * 60 - 1);
        assert!(rules().is_open(&s, at(12 * 60 - 1)));
        assert!(!rules().is_open(&s, at(12 * 60)));
    }

    #[test]
    fn an_ended_session_is_closed() {
        let mut s = session();
        s.ended_at = Some(at(1));
        assert!(!rules().is_open(&s, at(2)));
    }

    #[test]
    fn activity_is_written_at_most_every_thirty_seconds() {
        let s = session();
        assert_eq!(rules().touch(&s, at(0) + Duration::seconds(30)), None);
        let now = at(0) + Duration::seconds(31);
        assert_eq!(
            rules().touch(&s, now),
            Some(now - Duration::seconds(TOUCH_EVERY_SECONDS))
        );
    }

    #[test]
    fn sensitive_changes_need_proof_from_the_last_ten_minutes() {
        let mut s = session();
        assert_eq!(
            rules().require_recent_proof(&s, at(1)),
            Err(ErrorCode::ReauthenticationRequired)
        );
        s.reauthenticated_at = Some(at(5));
        assert_eq!(rules().proof_valid_until(at(5)), at(15));
        assert_eq!(rules().require_recent_proof(&s, at(14)), Ok(()));
        assert_eq!(
            rules().require_recent_proof(&s, at(15)),
            Err(ErrorCode::ReauthenticationRequired)
        );
    }
}

//! An access request: an adviser asks the office's user administrators for rights on portfolios
//! of their office. It is *open* until an administrator grants it (the granted rights are added
//! to what the account has; nothing is revoked) or declines it with a reason, the adviser
//! withdraws it, or `policy.access_request_days` pass (then it is *expired*, as read, without a
//! write). One open request per account at a time: the database's unique index holds that
//! across instances, and a request that expired is closed in the same transaction as a new one
//! is made.

use chrono::{DateTime, Duration, Utc};
use poort_shared::ErrorCode;
use poort_shared::dto::AccessRequestStatus;
use uuid::Uuid;

/// A right on a portfolio.
pub type Pair = (Uuid, String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    pub id: Uuid,
    pub office_id: Uuid,
    pub account_id: Uuid,
    pub requested: Vec<Pair>,
    pub note: Option<String>,
    /// As stored: an open request past `expires_at` is still `Open` here (see [`Self::status_at`]).
    pub status: AccessRequestStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub granted: Vec<Pair>,
    pub reason: Option<String>,
}

/// What an account asks: the pairs it does not have yet, each once, in the order asked. None
/// left is `nothing_requested`.
pub fn what_is_new(current: &[Pair], asked: Vec<Pair>) -> Result<Vec<Pair>, ErrorCode> {
    let mut new: Vec<Pair> = Vec::new();
    for pair in asked {
        if !current.contains(&pair) && !new.contains(&pair) {
            new.push(pair);
        }
    }
    if new.is_empty() {
        Err(ErrorCode::NothingRequested)
    } else {
        Ok(new)
    }
}

/// The account's rights after a grant: what it had, then what is added.
pub fn with_granted(current: &[Pair], granted: &[Pair]) -> Vec<Pair> {
    let mut all = current.to_vec();
    all.extend(granted.iter().filter(|p| !current.contains(p)).cloned());
    all
}

impl AccessRequest {
    /// A new open request (`id` time-ordered: lists sort by it within one moment).
    pub fn new(
        id: Uuid,
        office_id: Uuid,
        account_id: Uuid,
        requested: Vec<Pair>,
        note: Option<String>,
        now: DateTime<Utc>,
        valid_days: i64,
    ) -> Self {
        AccessRequest {
            id,
            office_id,
            account_id,
            requested,
            note,
            status: AccessRequestStatus::Open,
            created_at: now,
            expires_at: now + Duration::days(valid_days),
            decided_at: None,
            decided_by: None,
            granted: Vec::new(),
            reason: None,
        }
    }

    /// Its status at `now`: an open request expires when its time is up.
    pub fn status_at(&self, now: DateTime<Utc>) -> AccessRequestStatus {
        match self.status {
            AccessRequestStatus::Open if now >= self.expires_at => AccessRequestStatus::Expired,
            status => status,
        }
    }

    fn close(
        &mut self,
        status: AccessRequestStatus,
        by: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), ErrorCode> {
        if self.status_at(now) != AccessRequestStatus::Open {
            return Err(ErrorCode::RequestClosed);
        }
        self.status = status;
        self.decided_at = Some(now);
        self.decided_by = by;
        Ok(())
    }

    /// The adviser takes it back.
    pub fn withdraw(&mut self, now: DateTime<Utc>) -> Result<(), ErrorCode> {
        self.close(AccessRequestStatus::Withdrawn, None, now)
    }

    /// An administrator (`by`; none for an API client) grants `granted` (pairs the account did
    /// not have, see [`what_is_new`]).
    pub fn grant(
        &mut self,
        by: Option<Uuid>,
        granted: Vec<Pair>,
        now: DateTime<Utc>,
    ) -> Result<(), ErrorCode> {
        self.close(AccessRequestStatus::Granted, by, now)?;
        self.granted = granted;
        Ok(())
    }

    /// An administrator declines it, saying why.
    pub fn decline(
        &mut self,
        by: Option<Uuid>,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<(), ErrorCode> {
        self.close(AccessRequestStatus::Declined, by, now)?;
        self.reason = Some(reason);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(p: u128, r: &str) -> Pair {
        (Uuid::from_u128(p), r.to_string())
    }

    fn request(now: DateTime<Utc>) -> AccessRequest {
        AccessRequest::new(
            Uuid::from_u128(9),
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            vec![pair(10, "view_policies")],
            None,
            now,
            14,
        )
    }

    #[test]
    fn a_request_asks_only_what_the_account_lacks() {
        let current = vec![pair(10, "view_policies")];
        let asked = vec![
            pair(10, "view_policies"),
            pair(10, "report_claims"),
            pair(10, "report_claims"),
        ];
        assert_eq!(
            what_is_new(&current, asked),
            Ok(vec![pair(10, "report_claims")])
        );
        assert_eq!(
            what_is_new(&current, vec![pair(10, "view_policies")]),
            Err(ErrorCode::NothingRequested)
        );
        assert_eq!(
            what_is_new(&current, Vec::new()),
            Err(ErrorCode::NothingRequested)
        );
    }

    #[test]
    fn a_grant_adds_and_revokes_nothing() {
        let current = vec![pair(10, "view_policies"), pair(11, "view_policies")];
        let all = with_granted(&current, &[pair(10, "report_claims")]);
        assert_eq!(all.len(), 3);
        assert!(current.iter().all(|p| all.contains(p)));
    }

    #[test]
    fn an_open_request_expires_when_its_days_are_up() {
        let now = Utc::now();
        let r = request(now);
        assert_eq!(r.status_at(now), AccessRequestStatus::Open);
        assert_eq!(
            r.status_at(now + Duration::days(14) - Duration::seconds(1)),
            AccessRequestStatus::Open
        );
        assert_eq!(
            r.status_at(now + Duration::days(14)),
            AccessRequestStatus::Expired
        );
    }

    #[test]
    fn only_an_open_request_is_answered_or_withdrawn() {
        let now = Utc::now();
        let mut r = request(now);
        r.grant(
            Some(Uuid::from_u128(3)),
            vec![pair(10, "view_policies")],
            now,
        )
        .unwrap();
        assert_eq!(r.status, AccessRequestStatus::Granted);
        assert_eq!(r.withdraw(now), Err(ErrorCode::RequestClosed));
        assert_eq!(
            r.decline(None, "nee".into(), now),
            Err(ErrorCode::RequestClosed)
        );

        let mut late = request(now);
        assert_eq!(
            late.withdraw(now + Duration::days(15)),
            Err(ErrorCode::RequestClosed)
        );
        let mut declined = request(now);
        declined
            .decline(None, "Andere collega".into(), now)
            .unwrap();
        assert_eq!(declined.reason.as_deref(), Some("Andere collega"));
        assert_eq!(
            declined.status_at(now + Duration::days(30)),
            AccessRequestStatus::Declined
        );
    }
}

//! Periodic access reviews. Every `policy.access_review_days` an office's administrators
//! confirm the rights of every account that is not deactivated, per portfolio: keep them
//! (a confirmation), change them (setting rights is a decision too: rights granted in the
//! period count as confirmed), or deactivate the account (it leaves the review). A period starts
//! when the office's previous review was completed (the first when the office was made) and is
//! due `access_review_days` later. Reminders go out 14 and 3 days before the due date; after
//! it the relations team sees the office as overdue, and `access_review_grace_days` later (when
//! `access_review_deactivate` is on) the accounts still unconfirmed are deactivated.

use chrono::{DateTime, Duration, Utc};
use poort_shared::dto::AccessReviewState;
use uuid::Uuid;

use crate::configuration::PolicySettings;

/// Days before the due date at which the administrators are reminded.
pub const REMINDER_DAYS: [i64; 2] = [14, 3];

/// The current review period of an office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// The review rules as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewRules {
    pub every: Duration,
    pub grace: Duration,
    pub deactivate: bool,
}

/// Something the periodic sweep does for an office's period, each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Remind the administrators (14 or 3 days before the due date).
    Remind(i64),
    /// Deactivate the accounts still unconfirmed, the grace period being over.
    Enforce,
}

impl Step {
    /// Its stable name (`access_review_reminders.kind`).
    pub fn kind(self) -> &'static str {
        match self {
            Step::Remind(14) => "days_14",
            Step::Remind(_) => "days_3",
            Step::Enforce => "enforced",
        }
    }
}

impl ReviewRules {
    pub fn from_policy(policy: &PolicySettings) -> Self {
        ReviewRules {
            every: Duration::days(policy.access_review_days.max(1)),
            grace: Duration::days(policy.access_review_grace_days.max(0)),
            deactivate: policy.access_review_deactivate,
        }
    }

    /// The period that follows the last completed review (or the office's making).
    pub fn period(
        &self,
        office_created: DateTime<Utc>,
        last_completed: Option<DateTime<Utc>>,
    ) -> Period {
        let started_at = last_completed.unwrap_or(office_created);
        Period {
            started_at,
            due_at: started_at + self.every,
        }
    }

    /// Where a period stands at `now`.
    pub fn state(&self, period: &Period, now: DateTime<Utc>) -> AccessReviewState {
        if now >= period.due_at {
            AccessReviewState::Overdue
        } else if now + Duration::days(REMINDER_DAYS[0]) >= period.due_at {
            AccessReviewState::DueSoon
        } else {
            AccessReviewState::OnTime
        }
    }

    /// What the sweep should do now for a period (the latest step that applies; each is
    /// recorded so that it happens once).
    pub fn steps(&self, period: &Period, now: DateTime<Utc>) -> Vec<Step> {
        let mut steps = Vec::new();
        for days in REMINDER_DAYS {
            if now + Duration::days(days) >= period.due_at && now < period.due_at {
                steps.push(Step::Remind(days));
            }
        }
        if self.deactivate && now >= period.due_at + self.grace {
            steps.push(Step::Enforce);
        }
        steps
    }
}

/// One account's rights on one portfolio as the review sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    pub account_id: Uuid,
    pub portfolio_id: Uuid,
    /// When the rights there were last set (all together: setting rights replaces them).
    pub granted_at: DateTime<Utc>,
    /// When they were last confirmed.
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl ReviewItem {
    /// Settled in this period: set or confirmed after it started (what happened at the very
    /// moment it started completed the period before).
    pub fn settled(&self, period: &Period) -> bool {
        self.granted_at > period.started_at
            || self.confirmed_at.is_some_and(|c| c > period.started_at)
    }
}

/// Whether nothing is left to confirm (an office without rights to review is complete too).
pub fn complete(items: &[ReviewItem], period: &Period) -> bool {
    items.iter().all(|i| i.settled(period))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(deactivate: bool) -> ReviewRules {
        ReviewRules {
            every: Duration::days(180),
            grace: Duration::days(30),
            deactivate,
        }
    }

    #[test]
    fn a_period_runs_from_the_last_review_and_reminds_at_14_and_3_days() {
        let made = DateTime::UNIX_EPOCH;
        let r = rules(false);
        let first = r.period(made, None);
        assert_eq!(first.due_at, made + Duration::days(180));
        let done = made + Duration::days(170);
        assert_eq!(
            r.period(made, Some(done)).due_at,
            done + Duration::days(180)
        );

        let at = |d: i64| first.due_at - Duration::days(d);
        assert_eq!(r.state(&first, at(20)), AccessReviewState::OnTime);
        assert_eq!(r.steps(&first, at(20)), vec![]);
        assert_eq!(r.state(&first, at(14)), AccessReviewState::DueSoon);
        assert_eq!(r.steps(&first, at(14)), vec![Step::Remind(14)]);
        assert_eq!(
            r.steps(&first, at(3)),
            vec![Step::Remind(14), Step::Remind(3)]
        );
        assert_eq!(r.state(&first, first.due_at), AccessReviewState::Overdue);
        assert_eq!(r.steps(&first, first.due_at + Duration::days(40)), vec![]);
    }

    #[test]
    fn unconfirmed_accounts_are_deactivated_only_when_configured_and_after_the_grace() {
        let made = DateTime::UNIX_EPOCH;
        let period = rules(true).period(made, None);
        assert_eq!(
            rules(true).steps(&period, period.due_at + Duration::days(29)),
            vec![]
        );
        assert_eq!(
            rules(true).steps(&period, period.due_at + Duration::days(30)),
            vec![Step::Enforce]
        );
        assert_eq!(
            rules(false).steps(&period, period.due_at + Duration::days(30)),
            vec![]
        );
        assert_eq!(Step::Remind(14).kind(), "days_14");
        assert_eq!(Step::Remind(3).kind(), "days_3");
    }

    #[test]
    fn rights_set_or_confirmed_in_the_period_are_settled() {
        let made = DateTime::UNIX_EPOCH;
        let period = rules(false).period(made, Some(made + Duration::days(10)));
        let item = |granted: i64, confirmed: Option<i64>| ReviewItem {
            account_id: Uuid::from_u128(1),
            portfolio_id: Uuid::from_u128(2),
            granted_at: made + Duration::days(granted),
            confirmed_at: confirmed.map(|c| made + Duration::days(c)),
        };
        assert!(!item(1, None).settled(&period));
        assert!(!item(1, Some(5)).settled(&period));
        assert!(item(1, Some(11)).settled(&period));
        assert!(
            !item(10, Some(10)).settled(&period),
            "the moment it started is the period before"
        );
        assert!(item(12, None).settled(&period));
        assert!(complete(&[], &period));
        assert!(!complete(&[item(12, None), item(1, None)], &period));
    }
}

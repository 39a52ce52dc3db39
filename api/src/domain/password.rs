//! Passwords: how long one is valid (`policy.password_max_age_days`, 90 by default; after that
//! the next sign-in asks for a new one before anything else) and which earlier ones may not
//! come back (`policy.password_history`: the current one and the ones before it). What a new
//! password must look like is the shared policy (`poort_shared::password`), so the SPA shows
//! the same verdict.

use chrono::{DateTime, Duration, Utc};

use crate::configuration::PolicySettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordRules {
    pub max_age: Duration,
    /// How many passwords (the current one included) a new one may not repeat.
    pub history: i64,
}

impl PasswordRules {
    pub fn from_policy(policy: &PolicySettings) -> Self {
        Self {
            max_age: Duration::days(policy.password_max_age_days),
            history: policy.password_history,
        }
    }

    /// When a password set at `changed_at` expires.
    pub fn expires_at(self, changed_at: DateTime<Utc>) -> DateTime<Utc> {
        changed_at + self.max_age
    }

    /// Whether the password must be replaced before signing in goes on. A password without a
    /// known age (from before ages were kept) counts as expired.
    pub fn is_expired(self, changed_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        changed_at.is_none_or(|at| now >= self.expires_at(at))
    }

    /// How many earlier passwords (besides the current one) to check a new one against.
    pub fn earlier_to_check(self) -> i64 {
        (self.history - 1).max(0)
    }

    /// The stored hashes a new password may not match: the current one first, then the
    /// earlier ones (newest first), `history` in all.
    pub fn not_again<'a>(self, current: Option<&'a str>, earlier: &'a [String]) -> Vec<&'a str> {
        current
            .into_iter()
            .chain(earlier.iter().map(String::as_str))
            .take(usize::try_from(self.history).unwrap_or(0))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PasswordRules {
        PasswordRules::from_policy(&PolicySettings::default())
    }

    #[test]
    fn a_password_is_valid_ninety_days() {
        let set = DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let r = rules();
        assert_eq!(r.expires_at(set), set + Duration::days(90));
        assert!(!r.is_expired(Some(set), set + Duration::days(90) - Duration::seconds(1)));
        assert!(r.is_expired(Some(set), set + Duration::days(90)));
    }

    #[test]
    fn a_password_of_unknown_age_has_expired() {
        assert!(rules().is_expired(None, Utc::now()));
    }

    #[test]
    fn a_new_password_is_checked_against_the_current_and_four_earlier_ones() {
        let r = rules();
        assert_eq!(r.earlier_to_check(), 4);
        let earlier: Vec<String> = (1..=6).map(|i| format!("h{i}")).collect();
        assert_eq!(
            r.not_again(Some("now"), &earlier),
            ["now", "h1", "h2", "h3", "h4"]
        );
        assert_eq!(r.not_again(None, &earlier[..2]), ["h1", "h2"]);
        let none = PasswordRules { history: 0, ..r };
        assert!(none.not_again(Some("now"), &earlier).is_empty());
        assert_eq!(none.earlier_to_check(), 0);
    }
}

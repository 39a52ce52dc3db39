//! Every rate limit, by name: what it counts (its key), how many (its maximum) in which window,
//! all from `[policy]` in the settings. Counts are fixed windows kept in the database, so all
//! instances share them ([`crate::store::LimitStore`]); the store knows keys and windows, never
//! a limit. What happens over a limit is the caller's: most answer 429 with `Retry-After`
//! ([`crate::state::AppState::limit`]); where that would tell a stranger whether an address or
//! number is known, nothing is sent and the answer stays the same
//! ([`crate::state::AppState::within`]).

use chrono::Duration;
use poort_shared::validate::MobileNumber;
use uuid::Uuid;

use crate::configuration::PolicySettings;

/// One rate limit and what it is counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit<'a> {
    /// Password steps of sign-ins per client address per minute.
    SignInsPerClient(&'a str),
    /// Invitations (and re-sends) sent from one client address per hour.
    InvitationsPerClient(&'a str),
    /// Invitations one address (its e-mail key) receives per day.
    InvitationsPerAddress(&'a str),
    /// SMS codes to one number per hour.
    SmsPerNumber(&'a MobileNumber),
    /// SMS codes requested from one client address per hour.
    SmsPerClient(&'a str),
    /// *Forgot password* requests per client address per hour.
    PasswordResetsPerClient(&'a str),
    /// Reset e-mails to one address (its e-mail key) per hour.
    PasswordResetsPerAddress(&'a str),
    /// *Forgot e-mail address* requests per client address per hour.
    ForgotEmailPerClient(&'a str),
    /// *Forgot e-mail address* SMS to one number per day.
    ForgotEmailPerNumber(&'a MobileNumber),
    /// *Forgot e-mail address* SMS for everyone together per hour (SMS costs money).
    ForgotEmailTotal,
    /// Tries to resume an interrupted set-up with its password, per invitation.
    SetupResumes(Uuid),
    /// Authenticator codes tried in the last set-up step, per invitation.
    SetupAuthenticatorCodes(Uuid),
    /// Re-authentications in *Mijn account*, per account.
    Reauthentications(Uuid),
    /// Password changes in *Mijn account*, per account.
    PasswordChanges(Uuid),
    /// Tokens one API client gets from `/oauth2/token` per minute.
    TokensPerClient(Uuid),
    /// Requests to `/oauth2/token` and `/oauth2/introspect` from one address per minute
    /// (also those that fail to authenticate).
    OAuthPerClientAddress(&'a str),
    /// Trips to the eHerkenning broker started, and returns from it, per client address per
    /// minute (counted separately).
    EherkenningStartsPerClient(&'a str),
    EherkenningCallbacksPerClient(&'a str),
    /// Passkey ceremonies begun (options asked for) per client address per minute.
    PasskeyChallengesPerClient(&'a str),
    /// Access requests one account makes per day (withdrawn ones count too).
    AccessRequests(Uuid),
}

/// A limit's maximum per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub max: i64,
    pub window: Duration,
}

impl Limit<'_> {
    /// The counter's key (stable: counters in the database outlive a restart).
    pub fn key(&self) -> String {
        match self {
            Limit::SignInsPerClient(ip) => format!("sign-in:client:{ip}"),
            Limit::InvitationsPerClient(ip) => format!("invite:client:{ip}"),
            Limit::InvitationsPerAddress(key) => format!("invite:address:{key}"),
            Limit::SmsPerNumber(number) => format!("sms:number:{number}"),
            Limit::SmsPerClient(ip) => format!("sms:client:{ip}"),
            Limit::PasswordResetsPerClient(ip) => format!("reset:client:{ip}"),
            Limit::PasswordResetsPerAddress(key) => format!("reset:address:{key}"),
            Limit::ForgotEmailPerClient(ip) => format!("forgot-email:client:{ip}"),
            Limit::ForgotEmailPerNumber(number) => format!("forgot-email:number:{number}"),
            Limit::ForgotEmailTotal => "forgot-email:total".into(),
            Limit::SetupResumes(invitation) => format!("setup-resume:{invitation}"),
            Limit::SetupAuthenticatorCodes(invitation) => format!("setup-totp:{invitation}"),
            Limit::Reauthentications(account) => format!("reauth:{account}"),
            Limit::PasswordChanges(account) => format!("change-password:{account}"),
            Limit::TokensPerClient(client) => format!("oauth-token:api-client:{client}"),
            Limit::OAuthPerClientAddress(ip) => format!("oauth:client:{ip}"),
            Limit::EherkenningStartsPerClient(ip) => format!("ehk-start:client:{ip}"),
            Limit::EherkenningCallbacksPerClient(ip) => format!("ehk-callback:client:{ip}"),
            Limit::PasskeyChallengesPerClient(ip) => format!("passkey-challenge:client:{ip}"),
            Limit::AccessRequests(account) => format!("access-request:{account}"),
        }
    }

    pub fn rule(&self, policy: &PolicySettings) -> Rule {
        let (max, window) = match self {
            Limit::SignInsPerClient(_) => {
                (policy.sign_ins_per_minute_per_client, Duration::minutes(1))
            }
            Limit::InvitationsPerClient(_) => {
                (policy.invitations_per_hour_per_client, Duration::hours(1))
            }
            Limit::InvitationsPerAddress(_) => {
                (policy.invitations_per_day_per_address, Duration::days(1))
            }
            Limit::SmsPerNumber(_) => (policy.sms_per_hour_per_number, Duration::hours(1)),
            Limit::SmsPerClient(_) => (policy.sms_per_hour_per_client, Duration::hours(1)),
            Limit::PasswordResetsPerClient(_) => (
                policy.password_resets_per_hour_per_client,
                Duration::hours(1),
            ),
            Limit::PasswordResetsPerAddress(_) => (
                policy.password_resets_per_hour_per_address,
                Duration::hours(1),
            ),
            Limit::ForgotEmailPerClient(_) => {
                (policy.forgot_email_per_hour_per_client, Duration::hours(1))
            }
            Limit::ForgotEmailPerNumber(_) => {
                (policy.forgot_email_per_day_per_number, Duration::days(1))
            }
            Limit::ForgotEmailTotal => (policy.forgot_email_per_hour_total, Duration::hours(1)),
            Limit::SetupResumes(_) => (policy.setup_resumes_per_15_minutes, Duration::minutes(15)),
            Limit::SetupAuthenticatorCodes(_) => (
                policy.setup_authenticator_codes_per_15_minutes,
                Duration::minutes(15),
            ),
            Limit::Reauthentications(_) => (
                policy.reauthentications_per_15_minutes,
                Duration::minutes(15),
            ),
            Limit::PasswordChanges(_) => (
                policy.password_changes_per_15_minutes,
                Duration::minutes(15),
            ),
            Limit::TokensPerClient(_) => (
                policy.tokens_per_minute_per_api_client,
                Duration::minutes(1),
            ),
            Limit::OAuthPerClientAddress(_) => (
                policy.oauth_requests_per_minute_per_client,
                Duration::minutes(1),
            ),
            Limit::EherkenningStartsPerClient(_) | Limit::EherkenningCallbacksPerClient(_) => (
                policy.eherkenning_per_minute_per_client,
                Duration::minutes(1),
            ),
            Limit::PasskeyChallengesPerClient(_) => (
                policy.passkey_challenges_per_minute_per_client,
                Duration::minutes(1),
            ),
            Limit::AccessRequests(_) => (policy.access_requests_per_day, Duration::days(1)),
        };
        Rule { max, window }
    }
}

/// Where a count stands after one more hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Within,
    /// Over: the window ends in this many seconds (at least 1).
    Over {
        retry_after_seconds: i64,
    },
}

impl Rule {
    /// `count` hits (this one included) in the window that started at `started`.
    pub fn judge(
        self,
        count: i64,
        started: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Verdict {
        if count > self.max {
            Verdict::Over {
                retry_after_seconds: (started + self.window - now).num_seconds().max(1),
            }
        } else {
            Verdict::Within
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_what_is_counted() {
        let number = MobileNumber::parse("0612345678").unwrap();
        assert_eq!(
            Limit::SignInsPerClient("10.0.0.1").key(),
            "sign-in:client:10.0.0.1"
        );
        assert_eq!(
            Limit::SmsPerNumber(&number).key(),
            "sms:number:+31612345678"
        );
        assert_eq!(
            Limit::InvitationsPerAddress("jan@kantoor.nl").key(),
            "invite:address:jan@kantoor.nl"
        );
        assert_eq!(Limit::ForgotEmailTotal.key(), "forgot-email:total");
    }

    #[test]
    fn every_limit_takes_its_maximum_from_the_policy() {
        let policy = PolicySettings {
            reauthentications_per_15_minutes: 2,
            setup_resumes_per_15_minutes: 3,
            ..PolicySettings::default()
        };
        let id = Uuid::nil();
        assert_eq!(
            Limit::Reauthentications(id).rule(&policy),
            Rule {
                max: 2,
                window: Duration::minutes(15)
            }
        );
        assert_eq!(Limit::SetupResumes(id).rule(&policy).max, 3);
        assert_eq!(
            Limit::SignInsPerClient("x").rule(&policy),
            Rule {
                max: 60,
                window: Duration::minutes(1)
            }
        );
    }

    #[test]
    fn over_the_maximum_says_when_the_window_ends() {
        let rule = Rule {
            max: 2,
            window: Duration::minutes(1),
        };
        let start = chrono::DateTime::UNIX_EPOCH;
        assert_eq!(rule.judge(2, start, start), Verdict::Within);
        assert_eq!(
            rule.judge(3, start, start + Duration::seconds(20)),
            Verdict::Over {
                retry_after_seconds: 40
            }
        );
        assert_eq!(
            rule.judge(3, start, start + Duration::milliseconds(59_900)),
            Verdict::Over {
                retry_after_seconds: 1
            },
            "never zero"
        );
    }
}

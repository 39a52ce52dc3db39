//! `[policy]`: the rules of the product that operators may tune (validity of links and codes,
//! lockout, password age, sessions, every rate limit). `domain/` turns them into decisions.

use serde::{Deserialize, Serialize};

/// The rules of the product that operators may tune.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySettings {
    /// How long an invitation link is valid.
    pub invitation_valid_days: i64,
    /// How often an expired link may renew itself per invitation in 24 hours.
    pub invitation_renewals_per_day: i64,
    /// How long the token for the set-up steps after the password is valid.
    pub setup_token_minutes: i64,
    /// SMS codes: how long one is valid, and the wait before another may be sent.
    pub sms_code_valid_minutes: i64,
    pub sms_resend_seconds: i64,
    /// Wrong codes allowed, per purpose: confirming the mobile number during set-up (per code
    /// sent), a password reset (per link; SMS and authenticator codes together), a new mobile
    /// number in Mijn account (per code sent). A sign-in has `sign_in_code_attempts`.
    pub setup_code_attempts: i32,
    pub password_reset_code_attempts: i32,
    pub mobile_change_code_attempts: i32,
    /// Sessions end after this long without activity, and after this long in any case.
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Invitations an account or client may send per hour, and one address may receive per day.
    pub invitations_per_hour_per_client: i64,
    pub invitations_per_day_per_address: i64,
    /// SMS codes one number may receive per hour, and one client may request per hour.
    pub sms_per_hour_per_number: i64,
    pub sms_per_hour_per_client: i64,
    /// A password older than this must be replaced at the next sign-in.
    pub password_max_age_days: i64,
    /// Wrong passwords in a row that block the account.
    pub lockout_threshold: i32,
    /// Wrong second-factor codes in a row (sign-in, password reset, re-authentication
    /// together) that block the account; twice as many close *forgot password* too.
    pub max_failed_codes: i32,
    /// Wrong codes allowed in one sign-in before it is void, and how long a sign-in may take.
    pub sign_in_code_attempts: i32,
    pub sign_in_minutes: i64,
    /// Sign-in attempts (password step) one client may make per minute.
    pub sign_ins_per_minute_per_client: i64,
    /// A password may not be one of this many previous ones.
    pub password_history: i64,
    /// How long a password-reset link is valid.
    pub password_reset_minutes: i64,
    /// Password-reset e-mails per address per hour, and requests per client per hour.
    pub password_resets_per_hour_per_address: i64,
    pub password_resets_per_hour_per_client: i64,
    /// How long proving it is you again allows sensitive changes in Mijn account.
    pub reauthentication_minutes: i64,
    /// Forgot e-mail address: SMS per number per day, requests per client per hour, and a
    /// budget of SMS per hour for everyone together (SMS costs money).
    pub forgot_email_per_day_per_number: i64,
    pub forgot_email_per_hour_per_client: i64,
    pub forgot_email_per_hour_total: i64,
    /// Per 15 minutes: tries to resume a set-up with its password (per invitation),
    /// authenticator codes in the set-up's last step (per invitation), re-authentications and
    /// password changes in Mijn account (per account).
    pub setup_resumes_per_15_minutes: i64,
    pub setup_authenticator_codes_per_15_minutes: i64,
    pub reauthentications_per_15_minutes: i64,
    pub password_changes_per_15_minutes: i64,
    /// Integrators: tokens one API client gets per minute (it should keep a token for its
    /// lifetime), and `/oauth2/token` plus `/oauth2/introspect` requests per client address per
    /// minute (failed ones included).
    pub tokens_per_minute_per_api_client: i64,
    pub oauth_requests_per_minute_per_client: i64,
    /// eHerkenning: trips to the broker started per client address per minute (and, counted
    /// apart, returns from it).
    pub eherkenning_per_minute_per_client: i64,
    /// Passkeys: ceremonies begun (options asked for) per client address per minute; the
    /// sign-in page asks once per visit for the browser's autofill.
    pub passkey_challenges_per_minute_per_client: i64,
    /// Access requests: how long one stays open without an answer, and how many one account
    /// may make per day (withdrawn ones count too).
    pub access_request_days: i64,
    pub access_requests_per_day: i64,
    /// Periodic access reviews: how often an office's administrators confirm every account's
    /// rights; whether accounts still unconfirmed `access_review_grace_days` after the due date
    /// are deactivated (off by default).
    pub access_review_days: i64,
    pub access_review_deactivate: bool,
    pub access_review_grace_days: i64,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            invitation_valid_days: 7,
            invitation_renewals_per_day: 3,
            setup_token_minutes: 60,
            sms_code_valid_minutes: 10,
            sms_resend_seconds: 30,
            setup_code_attempts: 5,
            password_reset_code_attempts: 5,
            mobile_change_code_attempts: 5,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            invitations_per_hour_per_client: 100,
            invitations_per_day_per_address: 10,
            sms_per_hour_per_number: 5,
            sms_per_hour_per_client: 20,
            password_max_age_days: 90,
            lockout_threshold: 5,
            max_failed_codes: 10,
            sign_in_code_attempts: 5,
            sign_in_minutes: 10,
            sign_ins_per_minute_per_client: 60,
            password_history: 5,
            password_reset_minutes: 60,
            password_resets_per_hour_per_address: 3,
            password_resets_per_hour_per_client: 20,
            reauthentication_minutes: 10,
            forgot_email_per_day_per_number: 3,
            forgot_email_per_hour_per_client: 10,
            forgot_email_per_hour_total: 200,
            setup_resumes_per_15_minutes: 5,
            setup_authenticator_codes_per_15_minutes: 10,
            reauthentications_per_15_minutes: 5,
            password_changes_per_15_minutes: 5,
            tokens_per_minute_per_api_client: 60,
            oauth_requests_per_minute_per_client: 600,
            eherkenning_per_minute_per_client: 20,
            passkey_challenges_per_minute_per_client: 60,
            access_request_days: 14,
            access_requests_per_day: 5,
            access_review_days: 180,
            access_review_deactivate: false,
            access_review_grace_days: 30,
        }
    }
}

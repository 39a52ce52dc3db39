//! Stable error codes. The `code` of an error body is public API: clients (the SPA, integrators)
//! switch on it, and the SPA turns it into a Dutch or English sentence (its match is
//! exhaustive, so a new code without a sentence does not compile). Add codes; never rename.

use serde::{Deserialize, Serialize};

/// Every error the API answers with has this body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable, machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation in English, for logs and developers; not for end users.
    pub message: String,
    /// Facts that belong to some codes (e.g. `no_access`: the administrators' names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}

/// The stable error codes of the Poort API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or query could not be read (malformed JSON, wrong types, unknown fields).
    InvalidRequest,
    /// No such resource, or the caller may not know it exists.
    NotFound,
    /// The HTTP method is not supported on this path.
    MethodNotAllowed,
    /// The database is not reachable; try again later.
    Unavailable,
    /// Too many requests from this client, address or number; see `Retry-After`.
    RateLimited,
    /// The service is busy; see `Retry-After`.
    Overloaded,
    /// Something went wrong on our side; the request id in the logs tells what.
    Internal,
    /// Not signed in, or the session has ended.
    Unauthenticated,
    /// Signed in, but this account may not do this.
    Forbidden,
    /// A state-changing request with a session cookie came from another site.
    OriginMismatch,
    /// Not a valid e-mail address.
    InvalidEmail,
    /// Not a valid mobile number (Dutch 06 numbers, or international with +).
    InvalidMobile,
    /// A KvK number has exactly 8 digits.
    InvalidKvkNumber,
    /// An agency number has 1 to 20 letters, digits or dashes.
    InvalidAgencyNumber,
    /// A name has 1 to 100 characters.
    InvalidName,
    /// A code has 6 digits.
    InvalidCode,
    /// The right is not in the rights catalogue.
    UnknownRight,
    /// The portfolio does not exist or belongs to another office.
    UnknownPortfolio,
    /// Another office already has this KvK number.
    KvkNumberTaken,
    /// Another portfolio already has this agency number.
    AgencyNumberTaken,
    /// An account with this e-mail address already exists.
    EmailTaken,
    /// A password has at least 12 characters.
    PasswordTooShort,
    /// A password has at most 128 characters.
    PasswordTooLong,
    /// This password is too common (it is on a list of often-used passwords).
    PasswordTooCommon,
    /// The password contains the e-mail address or the name.
    PasswordContainsPersonalData,
    /// This invitation link is not valid.
    InvitationNotFound,
    /// The link had expired; a new invitation has been sent to the same address.
    InvitationRenewed,
    /// The link expired and has been renewed too often today; ask the administrator for a new invitation.
    InvitationRenewalLimit,
    /// The link has expired; open it again from the e-mail to receive a new one.
    InvitationExpired,
    /// A newer invitation link has been sent; use the most recent e-mail.
    InvitationSuperseded,
    /// This invitation has already been accepted; sign in instead.
    InvitationUsed,
    /// This invitation has been withdrawn.
    InvitationWithdrawn,
    /// The set-up session has expired; open the link again and enter your password to continue.
    SetupTokenInvalid,
    /// This step is not the next one in the set-up.
    StepOutOfOrder,
    /// The password is not correct.
    WrongPassword,
    /// The code is not correct.
    CodeInvalid,
    /// The code has expired; request a new one.
    CodeExpired,
    /// Too many wrong codes; request a new one.
    CodeAttemptsExceeded,
    /// No code was sent for this step; request one first.
    CodeNotRequested,
    /// An office always keeps at least one active user administrator.
    LastAdministrator,
    /// The account has no open invitation.
    NotInvited,
    /// The account is not active.
    AccountNotActive,
    /// Administrators cannot do this to their own account.
    CannotTargetSelf,
    /// This already exists.
    AlreadyExists,
    /// The e-mail address or password is not correct.
    InvalidCredentials,
    /// The account is blocked after too many wrong passwords; reset the password with forgot password.
    AccountBlocked,
    /// The account has been deactivated by the office's user administrator.
    AccountDeactivated,
    /// The required two-step verification is not set up: sign in with eHerkenning, or contact Team Relatiebeheer.
    TwoFactorNotSetUp,
    /// The account's set-up (after an invitation or a reset) is not finished: use the link in the e-mail.
    SetUpNotFinished,
    /// The sign-in took too long or is no longer valid; start again.
    SignInExpired,
    /// Too many wrong codes for this sign-in; start again.
    SignInAttemptVoid,
    /// This authenticator code has been used already; wait for the next one.
    CodeAlreadyUsed,
    /// The new password is one of the last five; choose another.
    PasswordReused,
    /// Confirm it is you (password or authenticator code) before this change.
    ReauthenticationRequired,
    /// The account has no rights on any portfolio; the office's user administrators (in `details.administrators`) manage rights.
    NoAccess,
    /// Choose a portfolio first.
    NoActivePortfolio,
    /// The account has no mobile number for SMS codes.
    NoMobileNumber,
    /// This password-reset link is not valid, used or expired; request a new one.
    ResetLinkInvalid,
    /// Give the SMS or authenticator code first.
    ResetNotVerified,
}

impl ErrorCode {
    /// Every code, for exhaustive tests (e.g. that the SPA has a sentence for each).
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidRequest,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Unavailable,
        ErrorCode::RateLimited,
        ErrorCode::Overloaded,
        ErrorCode::Internal,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::OriginMismatch,
        ErrorCode::InvalidEmail,
        ErrorCode::InvalidMobile,
        ErrorCode::InvalidKvkNumber,
        ErrorCode::InvalidAgencyNumber,
        ErrorCode::InvalidName,
        ErrorCode::InvalidCode,
        ErrorCode::UnknownRight,
        ErrorCode::UnknownPortfolio,
        ErrorCode::KvkNumberTaken,
        ErrorCode::AgencyNumberTaken,
        ErrorCode::EmailTaken,
        ErrorCode::PasswordTooShort,
        ErrorCode::PasswordTooLong,
        ErrorCode::PasswordTooCommon,
        ErrorCode::PasswordContainsPersonalData,
        ErrorCode::InvitationNotFound,
        ErrorCode::InvitationRenewed,
        ErrorCode::InvitationRenewalLimit,
        ErrorCode::InvitationExpired,
        ErrorCode::InvitationSuperseded,
        ErrorCode::InvitationUsed,
        ErrorCode::InvitationWithdrawn,
        ErrorCode::SetupTokenInvalid,
        ErrorCode::StepOutOfOrder,
        ErrorCode::WrongPassword,
        ErrorCode::CodeInvalid,
        ErrorCode::CodeExpired,
        ErrorCode::CodeAttemptsExceeded,
        ErrorCode::CodeNotRequested,
        ErrorCode::LastAdministrator,
        ErrorCode::NotInvited,
        ErrorCode::AccountNotActive,
        ErrorCode::CannotTargetSelf,
        ErrorCode::AlreadyExists,
        ErrorCode::InvalidCredentials,
        ErrorCode::AccountBlocked,
        ErrorCode::AccountDeactivated,
        ErrorCode::TwoFactorNotSetUp,
        ErrorCode::SetUpNotFinished,
        ErrorCode::SignInExpired,
        ErrorCode::SignInAttemptVoid,
        ErrorCode::CodeAlreadyUsed,
        ErrorCode::PasswordReused,
        ErrorCode::ReauthenticationRequired,
        ErrorCode::NoAccess,
        ErrorCode::NoActivePortfolio,
        ErrorCode::NoMobileNumber,
        ErrorCode::ResetLinkInvalid,
        ErrorCode::ResetNotVerified,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::Internal => "internal",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::OriginMismatch => "origin_mismatch",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::InvalidMobile => "invalid_mobile",
            ErrorCode::InvalidKvkNumber => "invalid_kvk_number",
            ErrorCode::InvalidAgencyNumber => "invalid_agency_number",
            ErrorCode::InvalidName => "invalid_name",
            ErrorCode::InvalidCode => "invalid_code",
            ErrorCode::UnknownRight => "unknown_right",
            ErrorCode::UnknownPortfolio => "unknown_portfolio",
            ErrorCode::KvkNumberTaken => "kvk_number_taken",
            ErrorCode::AgencyNumberTaken => "agency_number_taken",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::PasswordTooShort => "password_too_short",
            ErrorCode::PasswordTooLong => "password_too_long",
            ErrorCode::PasswordTooCommon => "password_too_common",
            ErrorCode::PasswordContainsPersonalData => "password_contains_personal_data",
            ErrorCode::InvitationNotFound => "invitation_not_found",
            ErrorCode::InvitationRenewed => "invitation_renewed",
            ErrorCode::InvitationRenewalLimit => "invitation_renewal_limit",
            ErrorCode::InvitationExpired => "invitation_expired",
            ErrorCode::InvitationSuperseded => "invitation_superseded",
            ErrorCode::InvitationUsed => "invitation_used",
            ErrorCode::InvitationWithdrawn => "invitation_withdrawn",
            ErrorCode::SetupTokenInvalid => "setup_token_invalid",
            ErrorCode::StepOutOfOrder => "step_out_of_order",
            ErrorCode::WrongPassword => "wrong_password",
            ErrorCode::CodeInvalid => "code_invalid",
            ErrorCode::CodeExpired => "code_expired",
            ErrorCode::CodeAttemptsExceeded => "code_attempts_exceeded",
            ErrorCode::CodeNotRequested => "code_not_requested",
            ErrorCode::LastAdministrator => "last_administrator",
            ErrorCode::NotInvited => "not_invited",
            ErrorCode::AccountNotActive => "account_not_active",
            ErrorCode::CannotTargetSelf => "cannot_target_self",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::AccountBlocked => "account_blocked",
            ErrorCode::AccountDeactivated => "account_deactivated",
            ErrorCode::TwoFactorNotSetUp => "two_factor_not_set_up",
            ErrorCode::SetUpNotFinished => "set_up_not_finished",
            ErrorCode::SignInExpired => "sign_in_expired",
            ErrorCode::SignInAttemptVoid => "sign_in_attempt_void",
            ErrorCode::CodeAlreadyUsed => "code_already_used",
            ErrorCode::PasswordReused => "password_reused",
            ErrorCode::ReauthenticationRequired => "reauthentication_required",
            ErrorCode::NoAccess => "no_access",
            ErrorCode::NoActivePortfolio => "no_active_portfolio",
            ErrorCode::NoMobileNumber => "no_mobile_number",
            ErrorCode::ResetLinkInvalid => "reset_link_invalid",
            ErrorCode::ResetNotVerified => "reset_not_verified",
        }
    }

    /// The English explanation used as the `message` of an error body.
    pub fn describe(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => {
                "The request body or query could not be read (malformed JSON, wrong types, unknown fields)."
            }
            ErrorCode::NotFound => "No such resource, or the caller may not know it exists.",
            ErrorCode::MethodNotAllowed => "The HTTP method is not supported on this path.",
            ErrorCode::Unavailable => "The database is not reachable; try again later.",
            ErrorCode::RateLimited => {
                "Too many requests from this client, address or number; see `Retry-After`."
            }
            ErrorCode::Overloaded => "The service is busy; see `Retry-After`.",
            ErrorCode::Internal => {
                "Something went wrong on our side; the request id in the logs tells what."
            }
            ErrorCode::Unauthenticated => "Not signed in, or the session has ended.",
            ErrorCode::Forbidden => "Signed in, but this account may not do this.",
            ErrorCode::OriginMismatch => {
                "A state-changing request with a session cookie came from another site."
            }
            ErrorCode::InvalidEmail => "Not a valid e-mail address.",
            ErrorCode::InvalidMobile => {
                "Not a valid mobile number (Dutch 06 numbers, or international with +)."
            }
            ErrorCode::InvalidKvkNumber => "A KvK number has exactly 8 digits.",
            ErrorCode::InvalidAgencyNumber => {
                "An agency number has 1 to 20 letters, digits or dashes."
            }
            ErrorCode::InvalidName => "A name has 1 to 100 characters.",
            ErrorCode::InvalidCode => "A code has 6 digits.",
            ErrorCode::UnknownRight => "The right is not in the rights catalogue.",
            ErrorCode::UnknownPortfolio => {
                "The portfolio does not exist or belongs to another office."
            }
            ErrorCode::KvkNumberTaken => "Another office already has this KvK number.",
            ErrorCode::AgencyNumberTaken => "Another portfolio already has this agency number.",
            ErrorCode::EmailTaken => "An account with this e-mail address already exists.",
            ErrorCode::PasswordTooShort => "A password has at least 12 characters.",
            ErrorCode::PasswordTooLong => "A password has at most 128 characters.",
            ErrorCode::PasswordTooCommon => {
                "This password is too common (it is on a list of often-used passwords)."
            }
            ErrorCode::PasswordContainsPersonalData => {
                "The password contains the e-mail address or the name."
            }
            ErrorCode::InvitationNotFound => "This invitation link is not valid.",
            ErrorCode::InvitationRenewed => {
                "The link had expired; a new invitation has been sent to the same address."
            }
            ErrorCode::InvitationRenewalLimit => {
                "The link expired and has been renewed too often today; ask the administrator for a new invitation."
            }
            ErrorCode::InvitationExpired => {
                "The link has expired; open it again from the e-mail to receive a new one."
            }
            ErrorCode::InvitationSuperseded => {
                "A newer invitation link has been sent; use the most recent e-mail."
            }
            ErrorCode::InvitationUsed => {
                "This invitation has already been accepted; sign in instead."
            }
            ErrorCode::InvitationWithdrawn => "This invitation has been withdrawn.",
            ErrorCode::SetupTokenInvalid => {
                "The set-up session has expired; open the link again and enter your password to continue."
            }
            ErrorCode::StepOutOfOrder => "This step is not the next one in the set-up.",
            ErrorCode::WrongPassword => "The password is not correct.",
            ErrorCode::CodeInvalid => "The code is not correct.",
            ErrorCode::CodeExpired => "The code has expired; request a new one.",
            ErrorCode::CodeAttemptsExceeded => "Too many wrong codes; request a new one.",
            ErrorCode::CodeNotRequested => "No code was sent for this step; request one first.",
            ErrorCode::LastAdministrator => {
                "An office always keeps at least one active user administrator."
            }
            ErrorCode::NotInvited => "The account has no open invitation.",
            ErrorCode::AccountNotActive => "The account is not active.",
            ErrorCode::CannotTargetSelf => "Administrators cannot do this to their own account.",
            ErrorCode::AlreadyExists => "This already exists.",
            ErrorCode::InvalidCredentials => "The e-mail address or password is not correct.",
            ErrorCode::AccountBlocked => {
                "The account is blocked after too many wrong passwords; reset the password with forgot password."
            }
            ErrorCode::AccountDeactivated => {
                "The account has been deactivated by the office's user administrator."
            }
            ErrorCode::TwoFactorNotSetUp => {
                "The required two-step verification is not set up: sign in with eHerkenning, or contact Team Relatiebeheer."
            }
            ErrorCode::SetUpNotFinished => {
                "The set-up of this account is not finished: use the link in the e-mail (an expired link sends a new one)."
            }
            ErrorCode::SignInExpired => {
                "The sign-in took too long or is no longer valid; start again."
            }
            ErrorCode::SignInAttemptVoid => "Too many wrong codes for this sign-in; start again.",
            ErrorCode::CodeAlreadyUsed => {
                "This authenticator code has been used already; wait for the next one."
            }
            ErrorCode::PasswordReused => {
                "The new password is one of the last five; choose another."
            }
            ErrorCode::ReauthenticationRequired => {
                "Confirm it is you (password or authenticator code) before this change."
            }
            ErrorCode::NoAccess => {
                "The account has no rights on any portfolio; the office's user administrators (in `details.administrators`) manage rights."
            }
            ErrorCode::NoActivePortfolio => "Choose a portfolio first.",
            ErrorCode::NoMobileNumber => "The account has no mobile number for SMS codes.",
            ErrorCode::ResetLinkInvalid => {
                "This password-reset link is not valid, used or expired; request a new one."
            }
            ErrorCode::ResetNotVerified => "Give the SMS or authenticator code first.",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serialises_to_its_wire_name() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *code);
        }
    }
}

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
    /// The code's former name, for the codes renamed in Poort 1.1 (`code_malformed` was
    /// `invalid_code`, `code_incorrect` was `code_invalid`); sent until Poort 2.0 so a client
    /// can move from switching on the old name at its own pace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_code: Option<String>,
    /// Facts that belong to some codes (e.g. `no_access`: the administrators' names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}

crate::wire_enum! {
    /// The stable error codes of the Poort API.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum ErrorCode {
        /// The request body or query could not be read (malformed JSON, wrong types, unknown fields).
        InvalidRequest = "invalid_request",
        /// No such resource, or the caller may not know it exists.
        NotFound = "not_found",
        /// The HTTP method is not supported on this path.
        MethodNotAllowed = "method_not_allowed",
        /// The database is not reachable; try again later.
        Unavailable = "unavailable",
        /// Too many requests from this client, address or number; see `Retry-After`.
        RateLimited = "rate_limited",
        /// The service is busy; see `Retry-After`.
        Overloaded = "overloaded",
        /// Something went wrong on our side; the request id in the logs tells what.
        Internal = "internal",
        /// Not signed in, or the session has ended.
        Unauthenticated = "unauthenticated",
        /// Signed in, but this account may not do this.
        Forbidden = "forbidden",
        /// A state-changing request with a session cookie came from another site.
        OriginMismatch = "origin_mismatch",
        /// Not a valid e-mail address.
        InvalidEmail = "invalid_email",
        /// Not a valid mobile number: a Dutch number is 06 and eight digits (landlines and 066 pager numbers are refused: they cannot receive SMS codes), a number abroad + and the country code (8 to 15 digits).
        InvalidMobile = "invalid_mobile",
        /// A KvK number has exactly 8 digits.
        InvalidKvkNumber = "invalid_kvk_number",
        /// An agency number has 1 to 20 letters, digits or dashes.
        InvalidAgencyNumber = "invalid_agency_number",
        /// A name has 1 to 100 characters.
        InvalidName = "invalid_name",
        /// The code is not 6 digits (malformed; nothing was checked or counted). Formerly `invalid_code`: that name is still read, and sent as `former_code`, until Poort 2.0.
        CodeMalformed = "code_malformed" | "invalid_code",
        /// The right is not in the rights catalogue.
        UnknownRight = "unknown_right",
        /// The portfolio does not exist or belongs to another office.
        UnknownPortfolio = "unknown_portfolio",
        /// Another office already has this KvK number.
        KvkNumberTaken = "kvk_number_taken",
        /// Another portfolio already has this agency number.
        AgencyNumberTaken = "agency_number_taken",
        /// An account with this e-mail address already exists.
        EmailTaken = "email_taken",
        /// A password has at least 12 characters.
        PasswordTooShort = "password_too_short",
        /// A password has at most 128 characters.
        PasswordTooLong = "password_too_long",
        /// This password is too common (it is on a list of often-used passwords).
        PasswordTooCommon = "password_too_common",
        /// The password contains the e-mail address or the name.
        PasswordContainsPersonalData = "password_contains_personal_data",
        /// This invitation link is not valid.
        InvitationNotFound = "invitation_not_found",
        /// The link had expired; a new invitation has been sent to the same address.
        InvitationRenewed = "invitation_renewed",
        /// The link expired and has been renewed too often today; ask the administrator for a new invitation.
        InvitationRenewalLimit = "invitation_renewal_limit",
        /// The link has expired; open it again from the e-mail to receive a new one.
        InvitationExpired = "invitation_expired",
        /// A newer invitation link has been sent; use the most recent e-mail.
        InvitationSuperseded = "invitation_superseded",
        /// This invitation has already been accepted; sign in instead.
        InvitationUsed = "invitation_used",
        /// This invitation has been withdrawn.
        InvitationWithdrawn = "invitation_withdrawn",
        /// The set-up session has expired; open the link again and enter your password to continue.
        SetupTokenInvalid = "setup_token_invalid",
        /// This step is not the next one in the set-up.
        StepOutOfOrder = "step_out_of_order",
        /// The password is not correct.
        WrongPassword = "wrong_password",
        /// The code is 6 digits but not the right ones (counted as a wrong attempt). Formerly `code_invalid`: that name is still read, and sent as `former_code`, until Poort 2.0.
        CodeIncorrect = "code_incorrect" | "code_invalid",
        /// The code has expired; request a new one.
        CodeExpired = "code_expired",
        /// Too many wrong codes; request a new one.
        CodeAttemptsExceeded = "code_attempts_exceeded",
        /// No code was sent for this step; request one first.
        CodeNotRequested = "code_not_requested",
        /// An office always keeps at least one active user administrator.
        LastAdministrator = "last_administrator",
        /// The account has no open invitation.
        NotInvited = "not_invited",
        /// The account is not active.
        AccountNotActive = "account_not_active",
        /// Administrators cannot do this to their own account.
        CannotTargetSelf = "cannot_target_self",
        /// This already exists.
        AlreadyExists = "already_exists",
        /// The e-mail address or password is not correct.
        InvalidCredentials = "invalid_credentials",
        /// The account is blocked after too many wrong passwords; reset the password with forgot password.
        AccountBlocked = "account_blocked",
        /// The account has been deactivated by the office's user administrator.
        AccountDeactivated = "account_deactivated",
        /// The required two-step verification is not set up: sign in with eHerkenning, or contact Team Relatiebeheer.
        TwoFactorNotSetUp = "two_factor_not_set_up",
        /// The account's set-up (after an invitation or a reset) is not finished: use the link in the e-mail.
        SetUpNotFinished = "set_up_not_finished",
        /// The sign-in took too long or is no longer valid; start again.
        SignInExpired = "sign_in_expired",
        /// Too many wrong codes for this sign-in; start again.
        SignInAttemptVoid = "sign_in_attempt_void",
        /// This authenticator code has been used already; wait for the next one.
        CodeAlreadyUsed = "code_already_used",
        /// The new password is one of the last five; choose another.
        PasswordReused = "password_reused",
        /// Confirm it is you (password, passkey or authenticator code) before this change.
        ReauthenticationRequired = "reauthentication_required",
        /// The account has no rights on any portfolio; the office's user administrators (in `details.administrators`) manage rights.
        NoAccess = "no_access",
        /// Choose a portfolio first.
        NoActivePortfolio = "no_active_portfolio",
        /// The account has no mobile number for SMS codes.
        NoMobileNumber = "no_mobile_number",
        /// This password-reset link is not valid, used or expired; request a new one.
        ResetLinkInvalid = "reset_link_invalid",
        /// Give the SMS or authenticator code first.
        ResetNotVerified = "reset_not_verified",
        /// Too many wrong codes, also in forgot password: Team Relatiebeheer must reset this
        /// account's sign-in set-up.
        RecoveryClosed = "recovery_closed",
        /// The API client's token does not carry the scope this needs (see `WWW-Authenticate`).
        InsufficientScope = "insufficient_scope",
        /// The bearer token is not valid: malformed, expired, forged, or its client or credential is revoked.
        InvalidToken = "invalid_token",
        /// This scope is for the insurer's own API clients only.
        ScopeNotAllowed = "scope_not_allowed",
        /// Not a usable public key: a JWK or PEM public key, Ed25519, P-256 or RSA of at least 2048 bits.
        ApiClientKeyInvalid = "api_client_key_invalid",
        /// An API client has at most two keys; remove one first.
        ApiClientKeyLimit = "api_client_key_limit",
        /// This API client has been revoked; make a new one.
        ApiClientRevoked = "api_client_revoked",
        /// The client already has a key with this `kid`.
        KidTaken = "kid_taken",
        /// This `Idempotency-Key` was used for a different request; use a new key.
        IdempotencyKeyReused = "idempotency_key_reused",
        /// A request with this `Idempotency-Key` is still being handled; retry shortly.
        IdempotencyKeyInUse = "idempotency_key_in_use",
        /// eHerkenning is not configured for this service.
        EherkenningUnavailable = "eherkenning_unavailable",
        /// An eHerkenning identity is linked to this account already; unlink it first.
        EherkenningAlreadyLinked = "eherkenning_already_linked",
        /// The eHerkenning broker does not answer; try again later.
        EherkenningUnreachable = "eherkenning_unreachable",
        /// Passkeys need `server.public_url` to name a host (not an IP address).
        PasskeysUnavailable = "passkeys_unavailable",
        /// The passkey's answer could not be verified (another site, a wrong signature, no
        /// user verification, an unknown or removed passkey).
        PasskeyInvalid = "passkey_invalid",
        /// The challenge is unknown, used, expired or for something else: start again.
        PasskeyChallengeInvalid = "passkey_challenge_invalid",
        /// This passkey is registered already.
        PasskeyTaken = "passkey_taken",
        /// An account has at most ten passkeys.
        PasskeyLimit = "passkey_limit",
        /// The last second factor cannot be removed.
        LastSecondFactor = "last_second_factor",
        /// There is an open access request already: wait for the answer or withdraw it first.
        AccessRequestOpen = "access_request_open",
        /// This request (for access, or to move a person) is no longer open: answered, withdrawn or expired.
        RequestClosed = "request_closed",
        /// Choose at least one right on a portfolio that the account does not have yet.
        NothingRequested = "nothing_requested",
        /// A note or reason has at most 500 characters and no control characters other than line breaks; a reason cannot be empty.
        InvalidNote = "invalid_note",
        /// The account is in this office already.
        SameOffice = "same_office",
    }
}

impl ErrorCode {
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
                "Not a valid mobile number: a Dutch number must be a mobile number, 06 and eight digits (+316 or 00316 also work); landlines and 066 pager numbers cannot receive SMS codes and are refused. A number abroad starts with + and the country code (8 to 15 digits)."
            }
            ErrorCode::InvalidKvkNumber => "A KvK number has exactly 8 digits.",
            ErrorCode::InvalidAgencyNumber => {
                "An agency number has 1 to 20 letters, digits or dashes."
            }
            ErrorCode::InvalidName => "A name has 1 to 100 characters.",
            ErrorCode::AccessRequestOpen => {
                "There is an open access request already: wait for the answer or withdraw it first."
            }
            ErrorCode::RequestClosed => {
                "This request (for access, or to move a person) is no longer open: answered, withdrawn or expired."
            }
            ErrorCode::NothingRequested => {
                "Choose at least one right on a portfolio that the account does not have yet."
            }
            ErrorCode::SameOffice => "The account is in this office already.",
            ErrorCode::InvalidNote => {
                "A note or reason has at most 500 characters and no control characters other than line breaks; a reason cannot be empty."
            }
            ErrorCode::CodeMalformed => "A code has 6 digits.",
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
            ErrorCode::CodeIncorrect => "The code is not correct.",
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
                "Confirm it is you (password, passkey or authenticator code) before this change."
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
            ErrorCode::RecoveryClosed => {
                "Too many wrong codes, also in forgot password: Team Relatiebeheer must reset this account's sign-in set-up."
            }
            ErrorCode::InsufficientScope => {
                "The API client's token does not carry the scope this needs (see `WWW-Authenticate`)."
            }
            ErrorCode::InvalidToken => {
                "The bearer token is not valid: malformed, expired, forged, or its client or credential is revoked."
            }
            ErrorCode::ScopeNotAllowed => "This scope is for the insurer's own API clients only.",
            ErrorCode::ApiClientKeyInvalid => {
                "Not a usable public key: a JWK or PEM public key, Ed25519, P-256 or RSA of at least 2048 bits."
            }
            ErrorCode::ApiClientKeyLimit => "An API client has at most two keys; remove one first.",
            ErrorCode::ApiClientRevoked => "This API client has been revoked; make a new one.",
            ErrorCode::KidTaken => "The client already has a key with this `kid`.",
            ErrorCode::IdempotencyKeyReused => {
                "This `Idempotency-Key` was used for a different request; use a new key."
            }
            ErrorCode::IdempotencyKeyInUse => {
                "A request with this `Idempotency-Key` is still being handled; retry shortly."
            }
            ErrorCode::EherkenningUnavailable => "eHerkenning is not configured for this service.",
            ErrorCode::EherkenningAlreadyLinked => {
                "An eHerkenning identity is linked to this account already; unlink it first."
            }
            ErrorCode::EherkenningUnreachable => {
                "The eHerkenning broker does not answer; try again later."
            }
            ErrorCode::PasskeysUnavailable => {
                "Passkeys need `server.public_url` to name a host, not an IP address."
            }
            ErrorCode::PasskeyInvalid => {
                "The passkey's answer could not be verified: another site, a wrong signature, no user verification, or an unknown or removed passkey."
            }
            ErrorCode::PasskeyChallengeInvalid => {
                "The challenge is unknown, used, expired or for another ceremony; start again."
            }
            ErrorCode::PasskeyTaken => "This passkey is registered already.",
            ErrorCode::PasskeyLimit => "An account has at most ten passkeys; remove one first.",
            ErrorCode::LastSecondFactor => {
                "This is the last second factor of the account; add another one first."
            }
        }
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

    #[test]
    fn renamed_codes_keep_their_former_names_for_one_release() {
        for (code, former) in [
            (ErrorCode::CodeMalformed, "invalid_code"),
            (ErrorCode::CodeIncorrect, "code_invalid"),
        ] {
            assert_eq!(code.former_name(), Some(former));
            assert_eq!(ErrorCode::parse(former), Some(code));
            let read: ErrorCode = serde_json::from_str(&format!("\"{former}\"")).unwrap();
            assert_eq!(read, code);
            assert_ne!(code.as_str(), former, "written with the new name");
        }
        let renamed: Vec<_> = ErrorCode::ALL
            .iter()
            .filter(|c| c.former_name().is_some())
            .collect();
        assert_eq!(renamed.len(), 2, "{renamed:?}");
    }
}

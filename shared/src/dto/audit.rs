//! The audit trail: every security event, who did it, to whom, when and from where.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An account in the audit trail. `name` is absent once the account has been deleted: the
/// trail keeps only its pseudonymous id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditAccountRef {
    pub id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// An API client in the audit trail (its name is kept after it is revoked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditClientRef {
    pub id: Uuid,
    pub client_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEventResponse {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// What happened, e.g. `invitation.sent`, `account.rights_changed`.
    pub action: String,
    pub actor: Option<AuditAccountRef>,
    /// The API client that acted (then `actor` is absent).
    pub actor_client: Option<AuditClientRef>,
    pub target: Option<AuditAccountRef>,
    pub office_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// Facts of the event (never personal data).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// One page, newest first. Pass `next_before` as `before` for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPageResponse {
    pub events: Vec<AuditEventResponse>,
    pub next_before: Option<Uuid>,
}

crate::wire_enum! {
    /// Every kind of event the audit trail records. Its wire name (`account.blocked`) is what
    /// `AuditEventResponse.action` carries and the audit filters take; the words for each are
    /// in [`crate::words::action_text`], an exhaustive match.
    pub enum AuditAction {
        AccessRequestCreated = "access_request.created",
        AccessRequestDeclined = "access_request.declined",
        AccessRequestGranted = "access_request.granted",
        AccessRequestWithdrawn = "access_request.withdrawn",
        AccessReviewCompleted = "access_review.completed",
        AccessReviewConfirmed = "access_review.confirmed",
        AccessReviewReminderSent = "access_review.reminder_sent",
        AccountAdminAppointed = "account.admin_appointed",
        AccountAdminRemoved = "account.admin_removed",
        AccountBlocked = "account.blocked",
        AccountDeactivated = "account.deactivated",
        AccountDeleted = "account.deleted",
        AccountMoved = "account.moved",
        AccountReactivated = "account.reactivated",
        AccountRecoveryClosed = "account.recovery_closed",
        AccountRightsChanged = "account.rights_changed",
        AccountSignInReset = "account.sign_in_reset",
        AccountUnblocked = "account.unblocked",
        ApiClientChanged = "api_client.changed",
        ApiClientCreated = "api_client.created",
        ApiClientKeyAdded = "api_client.key_added",
        ApiClientKeyRemoved = "api_client.key_removed",
        ApiClientRevoked = "api_client.revoked",
        ApiClientSecretCreated = "api_client.secret_created",
        ApiClientTokenIssued = "api_client.token_issued",
        ApiClientTokenRefused = "api_client.token_refused",
        AuthenticatorReplaced = "authenticator.replaced",
        EherkenningLinked = "eherkenning.linked",
        EherkenningRefused = "eherkenning.refused",
        EherkenningUnlinked = "eherkenning.unlinked",
        ForgotEmailSent = "forgot_email.sent",
        InvitationAccepted = "invitation.accepted",
        InvitationRenewalRefused = "invitation.renewal_refused",
        InvitationRenewed = "invitation.renewed",
        InvitationResent = "invitation.resent",
        InvitationSent = "invitation.sent",
        InvitationWithdrawn = "invitation.withdrawn",
        MobileChangeCodeSent = "mobile.change_code_sent",
        MobileChanged = "mobile.changed",
        MobileRemoved = "mobile.removed",
        MoveRequestCreated = "move_request.created",
        MoveRequestDeclined = "move_request.declined",
        OfficeCreated = "office.created",
        OfficeUpdated = "office.updated",
        PasskeyAdded = "passkey.added",
        PasskeyRemoved = "passkey.removed",
        PasskeyRenamed = "passkey.renamed",
        PasswordChangeFailed = "password.change_failed",
        PasswordChanged = "password.changed",
        PasswordResetCodeWrong = "password_reset.code_wrong",
        PasswordResetCompleted = "password_reset.completed",
        PasswordResetRequested = "password_reset.requested",
        PasswordResetSmsSent = "password_reset.sms_sent",
        PasswordResetVerified = "password_reset.verified",
        PortfolioCreated = "portfolio.created",
        PortfolioUpdated = "portfolio.updated",
        SessionEnded = "session.ended",
        SessionPortfolioSelected = "session.portfolio_selected",
        SessionReauthenticated = "session.reauthenticated",
        SessionReauthenticationFailed = "session.reauthentication_failed",
        SessionStarted = "session.started",
        SetupAuthenticatorCodeWrong = "setup.authenticator_code_wrong",
        SetupMobileCodeSent = "setup.mobile_code_sent",
        SetupMobileCodeWrong = "setup.mobile_code_wrong",
        SetupMobileVerified = "setup.mobile_verified",
        SetupPasswordChosen = "setup.password_chosen",
        SetupResumeFailed = "setup.resume_failed",
        SignInCodeWrong = "sign_in.code_wrong",
        SignInFailed = "sign_in.failed",
        SignInPasskeyRefused = "sign_in.passkey_refused",
        SignInPasswordAccepted = "sign_in.password_accepted",
        SignInPasswordExpired = "sign_in.password_expired",
        SignInRefused = "sign_in.refused",
        SignInSmsSent = "sign_in.sms_sent",
    }
}

//! eHerkenning, the Dutch business login, through a broker that speaks OpenID Connect: linking
//! it to an account in *Mijn account* and signing in with it. The browser goes to the broker
//! and comes back to `/api/eherkenning/callback`, which always answers with a redirect into the
//! SPA: on success the signed-in start page or *Mijn account*, on a refusal
//! `/eherkenning/geweigerd?reden=…` with one of [`EherkenningRefusal`].

use serde::{Deserialize, Serialize};

crate::wire_enum! {
    /// What a trip to the broker is for.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum EherkenningPurpose {
        /// Signing in with eHerkenning alone (a linked account).
        SignIn = "sign_in",
        /// Linking the eHerkenning identity to the signed-in account (needs re-authentication).
        Link = "link",
    }
}

crate::wire_enum! {
    /// Why eHerkenning did not sign the person in or link their identity: the `reden` of the
    /// refusal page. None of them creates or changes an account.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum EherkenningRefusal {
        /// The broker said the person is not authorised for this service: the company's
        /// eHerkenning administrator (*machtigingenbeheerder*) must add the service.
        NotAuthorised = "not_authorised",
        /// The person cancelled at the broker.
        Cancelled = "cancelled",
        /// The level of assurance is below the minimum (`niveau` names the one needed).
        LevelTooLow = "level_too_low",
        /// The eHerkenning identity is of another company than the account's office (`kvk`
        /// names the office's KvK number).
        OtherCompany = "other_company",
        /// The person acts for the company through an intermediary (chain authorisation); only
        /// the office's own people may sign in.
        Intermediary = "intermediary",
        /// This eHerkenning identity is not linked to an account yet.
        NotLinked = "not_linked",
        /// This eHerkenning identity is linked to another account already.
        AlreadyLinked = "already_linked",
        /// The account is blocked (as with a password).
        AccountBlocked = "account_blocked",
        /// The account is deactivated, or not active (as with a password).
        AccountDeactivated = "account_deactivated",
        /// The broker could not be reached.
        BrokerUnreachable = "broker_unreachable",
        /// The broker's answer was refused (a signature, issuer, audience, nonce or expiry that
        /// does not check out, or an error from the broker).
        InvalidAnswer = "invalid_answer",
        /// The trip to the broker took longer than 10 minutes, was used already, or began in
        /// another browser: start again.
        StateInvalid = "state_invalid",
        /// Linking needs a recent re-authentication, and the signed-in session ended meanwhile.
        SessionEnded = "session_ended",
        /// Too many attempts from this address; wait a minute.
        RateLimited = "rate_limited",
    }
}

/// Where the browser goes now (the broker's authorization endpoint with `state`, `nonce`, PKCE
/// and `prompt=login`). The answer sets a short-lived cookie that binds the trip to this browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EherkenningStartResponse {
    pub authorize_url: String,
}

/// eHerkenning as configured, for the sign-in page and *Mijn account* (absent when off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EherkenningInfo {
    /// The service's name as the office's eHerkenning administrator sees it when adding it to
    /// a person's authorisations.
    pub service_name: String,
    /// The lowest level of assurance accepted: `EH2`, `EH2+`, `EH3` or `EH4`.
    pub minimum_level: String,
}

/// The link of the signed-in account, for *Mijn account*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EherkenningLinkResponse {
    pub linked: bool,
    /// The KvK number of the company the identity acts for.
    pub kvk_number: Option<String>,
    pub linked_at: Option<chrono::DateTime<chrono::Utc>>,
}

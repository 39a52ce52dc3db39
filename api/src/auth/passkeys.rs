//! WebAuthn through webauthn-rs: the relying party is `server.public_url` (its host is the
//! relying-party id, its origin the only one accepted), user verification is required, and a
//! ceremony's state is kept as JSON between its two halves (`domain::passkey` says for how long
//! and by whom it may be answered). Registration asks for a discoverable credential (a
//! resident key), so the same passkey also signs in without a password.

use poort_shared::ErrorCode;
use serde_json::Value;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey as WebauthnPasskey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn,
    WebauthnBuilder,
};

use crate::domain::passkey::Passkey;
use crate::error::ApiError;

/// The relying party: this service, at its public URL.
pub struct RelyingParty {
    webauthn: Webauthn,
}

/// A verified new credential, with what the lists show of it.
pub struct Registered {
    pub credential_id: Vec<u8>,
    /// The credential as webauthn-rs serialises it.
    pub credential: String,
    pub sign_count: u32,
    pub backup_eligible: bool,
    pub backed_up: bool,
}

/// A verified use of a passkey: the passkey with its counter and backup state brought up to
/// date.
pub struct Used {
    pub passkey: Passkey,
}

fn internal(what: &str, error: impl std::fmt::Display) -> ApiError {
    ApiError::Unexpected(anyhow::anyhow!("{what}: {error}"))
}

fn refused(what: &str, error: impl std::fmt::Debug) -> ApiError {
    tracing::info!(?error, "{what}: passkey refused");
    ErrorCode::PasskeyInvalid.into()
}

impl RelyingParty {
    /// For `public_url`, named `name` in the browser's dialogs; `None` when the URL's host is
    /// not a domain name (WebAuthn has no relying party on an IP address).
    pub fn new(public_url: &str, name: &str) -> Option<Self> {
        let origin = Url::parse(public_url).ok()?;
        let rp_id = origin.domain()?.to_string();
        let webauthn = WebauthnBuilder::new(&rp_id, &origin)
            .ok()?
            .rp_name(name)
            .build()
            .ok()?;
        Some(RelyingParty { webauthn })
    }

    /// Options to create a passkey for the account (its existing ones excluded), and the state.
    pub fn start_registration(
        &self,
        account_id: Uuid,
        email: &str,
        display_name: &str,
        existing: &[Passkey],
    ) -> Result<(Value, String), ApiError> {
        let exclude = existing
            .iter()
            .map(|p| p.credential_id.clone().into())
            .collect::<Vec<_>>();
        let (options, state) = self
            .webauthn
            .start_passkey_registration(account_id, email, display_name, Some(exclude))
            .map_err(|e| internal("passkey registration options", e))?;
        let mut options =
            serde_json::to_value(options).map_err(|e| internal("registration options", e))?;
        // A discoverable credential: the passkey also signs in without the e-mail address.
        if let Some(selection) = options
            .pointer_mut("/publicKey/authenticatorSelection")
            .and_then(Value::as_object_mut)
        {
            selection.insert("residentKey".into(), "required".into());
            selection.insert("requireResidentKey".into(), true.into());
        }
        let state = serde_json::to_string(&state).map_err(|e| internal("registration state", e))?;
        Ok((options, state))
    }

    /// Verifies the browser's new credential against the state of its registration.
    pub fn finish_registration(
        &self,
        credential: &Value,
        state: &str,
    ) -> Result<Registered, ApiError> {
        let state: PasskeyRegistration =
            serde_json::from_str(state).map_err(|e| internal("registration state", e))?;
        let credential: RegisterPublicKeyCredential = serde_json::from_value(credential.clone())
            .map_err(|e| refused("registration credential", e))?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&credential, &state)
            .map_err(|e| refused("registration", e))?;
        let stored = serde_json::to_value(&passkey).map_err(|e| internal("passkey", e))?;
        let flag = |name: &str| {
            stored
                .pointer(&format!("/cred/{name}"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        Ok(Registered {
            credential_id: passkey.cred_id().to_vec(),
            sign_count: stored
                .pointer("/cred/counter")
                .and_then(Value::as_u64)
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or(0),
            backup_eligible: flag("backup_eligible"),
            backed_up: flag("backup_state"),
            credential: stored.to_string(),
        })
    }

    fn parse(passkey: &Passkey) -> Result<WebauthnPasskey, ApiError> {
        serde_json::from_str(&passkey.credential).map_err(|e| internal("stored passkey", e))
    }

    /// Options to sign in with one of these passkeys (the second factor), and the state.
    pub fn start_authentication(&self, passkeys: &[Passkey]) -> Result<(Value, String), ApiError> {
        let credentials = passkeys
            .iter()
            .map(Self::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&credentials)
            .map_err(|e| internal("passkey authentication options", e))?;
        Ok((
            serde_json::to_value(options).map_err(|e| internal("authentication options", e))?,
            serde_json::to_string(&state).map_err(|e| internal("authentication state", e))?,
        ))
    }

    /// Options to sign in with any passkey of this service (passwordless, with the browser's
    /// autofill), and the state.
    pub fn start_discoverable(&self) -> Result<(Value, String), ApiError> {
        let (options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| internal("passkey sign-in options", e))?;
        Ok((
            serde_json::to_value(options).map_err(|e| internal("sign-in options", e))?,
            serde_json::to_string(&state).map_err(|e| internal("sign-in state", e))?,
        ))
    }

    /// The browser's assertion, read; and the credential id it names.
    pub fn read_assertion(credential: &Value) -> Result<(PublicKeyCredential, Vec<u8>), ApiError> {
        let assertion: PublicKeyCredential =
            serde_json::from_value(credential.clone()).map_err(|e| refused("assertion", e))?;
        let id = assertion.get_credential_id().to_vec();
        Ok((assertion, id))
    }

    /// The account the assertion's user handle names (a passwordless sign-in), if any.
    pub fn user_of(assertion: &PublicKeyCredential) -> Option<Uuid> {
        assertion
            .get_user_unique_id()
            .and_then(|bytes| Uuid::from_slice(bytes).ok())
    }

    /// Verifies an assertion of `passkey` (the second factor) against the state.
    pub fn finish_authentication(
        &self,
        assertion: &PublicKeyCredential,
        state: &str,
        passkey: &Passkey,
    ) -> Result<Used, ApiError> {
        let state: PasskeyAuthentication =
            serde_json::from_str(state).map_err(|e| internal("authentication state", e))?;
        let result = self
            .webauthn
            .finish_passkey_authentication(assertion, &state)
            .map_err(|e| refused("authentication", e))?;
        self.used(passkey, &result)
    }

    /// Verifies a passwordless assertion of `passkey` (found by the credential id it names, and
    /// of the account its user handle names) against the state.
    pub fn finish_discoverable(
        &self,
        assertion: &PublicKeyCredential,
        state: &str,
        passkey: &Passkey,
    ) -> Result<Used, ApiError> {
        let (user, _) = self
            .webauthn
            .identify_discoverable_authentication(assertion)
            .map_err(|e| refused("user handle", e))?;
        if user != passkey.account_id {
            return Err(refused("user handle", "of another account"));
        }
        let state: DiscoverableAuthentication =
            serde_json::from_str(state).map_err(|e| internal("sign-in state", e))?;
        let key: DiscoverableKey = (&Self::parse(passkey)?).into();
        let result = self
            .webauthn
            .finish_discoverable_authentication(assertion, state, &[key])
            .map_err(|e| refused("passwordless sign-in", e))?;
        self.used(passkey, &result)
    }

    fn used(
        &self,
        passkey: &Passkey,
        result: &webauthn_rs::prelude::AuthenticationResult,
    ) -> Result<Used, ApiError> {
        if !result.user_verified() {
            return Err(refused("authentication", "no user verification"));
        }
        let mut credential = Self::parse(passkey)?;
        credential.update_credential(result);
        Ok(Used {
            passkey: Passkey {
                credential: serde_json::to_string(&credential)
                    .map_err(|e| internal("passkey", e))?,
                sign_count: result.counter(),
                backed_up: result.backup_state(),
                backup_eligible: passkey.backup_eligible || result.backup_eligible(),
                ..passkey.clone()
            },
        })
    }
}

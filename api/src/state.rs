//! What every handler and use case can reach ([`AppState`]): settings, the store, the clock,
//! the keys, the password hasher and metrics, and the small acts every use case shares (the
//! time now, counting against a rate limit, links into the web app). It sits below the
//! services, routes and the principal, and imports none of them.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::auth::activity::Touching;
use crate::auth::jwt::Signer;
use crate::auth::password::PasswordHasherPool;
use crate::auth::secrets::Secrets;
use crate::clock::Clock;
use crate::configuration::{PolicySettings, Settings};
use crate::domain::limits::{Limit, Verdict};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::store::{self, Store};

pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// Wakes the outbox worker after this process wrote a message.
    pub outbox_wake: Arc<Notify>,
    /// The URL links in messages start with.
    pub public_url: String,
    pub secrets: Secrets,
    pub hasher: PasswordHasherPool,
    /// Signs the tokens for the extranet's other applications (key parsed once).
    pub signer: Arc<Signer>,
    /// Sessions whose last activity a request is recording now.
    pub touching: Arc<Touching>,
    /// The eHerkenning broker, when `[eherkenning]` is configured.
    pub eherkenning: Option<Arc<crate::auth::oidc::Broker>>,
    /// The WebAuthn relying party (passkeys), when the public URL names a host.
    pub passkeys: Option<Arc<crate::auth::passkeys::RelyingParty>>,
    /// API clients this process issued tokens to, with their keys parsed (a hint for the
    /// token endpoint, checked against the database in each token's write).
    pub known_clients: Arc<crate::auth::client_keys::KnownClients>,
}

impl AppState {
    /// Everything but the HTTP server: for the server, and for commands such as
    /// `poort bootstrap-operator` that run the same use cases from the command line.
    pub async fn new(
        settings: Settings,
        clock: Arc<dyn Clock>,
        public_url: String,
    ) -> anyhow::Result<Self> {
        install_crypto_provider();
        settings.validate()?;
        let kind = settings.database_kind()?;
        let keys = settings.keys()?;
        let secrets = Secrets::new(&keys);
        let signer = Arc::new(Signer::new(&keys));
        let hasher = PasswordHasherPool::new(&settings.security.password_hash)?;
        let store = store::connect(&settings.database, kind, Arc::new(secrets.clone()))
            .await
            .with_context(|| format!("cannot open the {} database", kind.as_str()))?;
        let metrics = Arc::new(Metrics::new().context("cannot register metrics")?);
        let eherkenning = crate::auth::oidc::Broker::new(&settings.eherkenning)?.map(Arc::new);
        let passkeys =
            crate::auth::passkeys::RelyingParty::new(&public_url, &settings.branding.insurer_name)
                .map(Arc::new);
        if passkeys.is_none() {
            tracing::info!(
                url = public_url,
                "passkeys are off: server.public_url must name a host (e.g. localhost), not an IP address"
            );
        }
        Ok(AppState {
            settings: Arc::new(settings),
            store,
            clock,
            metrics,
            outbox_wake: Arc::new(Notify::new()),
            public_url,
            secrets,
            hasher,
            signer,
            touching: Arc::default(),
            eherkenning,
            passkeys,
            known_clients: Arc::default(),
        })
    }

    /// Now, to the millisecond (the precision the database keeps, so answers and stored
    /// values agree).
    pub fn now(&self) -> DateTime<Utc> {
        use chrono::SubsecRound as _;
        self.clock.now().trunc_subsecs(3)
    }

    pub fn policy(&self) -> &PolicySettings {
        &self.settings.policy
    }

    /// Counts one event against `limit`, across all instances; over it, refuses with 429 and
    /// `Retry-After`.
    pub async fn limit(&self, limit: Limit<'_>) -> Result<(), ApiError> {
        match self.judge(&limit).await? {
            Verdict::Within => Ok(()),
            Verdict::Over {
                retry_after_seconds,
            } => {
                tracing::warn!(key = limit.key(), "rate limit reached");
                Err(ApiError::RateLimited {
                    retry_after_seconds,
                })
            }
        }
    }

    /// Counts one event against `limit`; whether it is still within. For limits whose
    /// refusal must look like success (nothing is sent, the answer stays the same).
    pub async fn within(&self, limit: Limit<'_>) -> Result<bool, ApiError> {
        let within = self.judge(&limit).await? == Verdict::Within;
        if !within {
            tracing::warn!(key = limit.key(), "rate limit reached; nothing sent");
        }
        Ok(within)
    }

    async fn judge(&self, limit: &Limit<'_>) -> Result<Verdict, ApiError> {
        let rule = limit.rule(self.policy());
        let now = self.now();
        let (count, started) = self
            .store
            .hit_rate_limit(&limit.key(), rule.window, now)
            .await?;
        Ok(rule.judge(count, started, now))
    }

    /// A page of the web app, e.g. `/wachtwoord-vergeten`.
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// The invitation link for a token.
    pub fn invitation_link(&self, token: &str) -> String {
        self.page(&format!("/uitnodiging/{token}"))
    }

    /// The *forgot password* link for a token.
    pub fn reset_link(&self, token: &str) -> String {
        self.page(&format!("/wachtwoord-herstellen/{token}"))
    }
}

/// One TLS implementation (ring) for SMTP, the SMS gateway and PostgreSQL. A second install
/// (several apps in one test process) is harmless.
pub(crate) fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

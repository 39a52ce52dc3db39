//! `[eherkenning]`: the broker that puts eHerkenning behind OpenID Connect (Signicat and others).
//! Off unless `issuer` is set. The claim and level tables default to what brokers send today
//! (README, "Connecting your eHerkenning broker"); a configured table extends the default one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{ConfigError, hidden, is_loopback_url};

/// How Poort authenticates to the broker's token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BrokerClientAuth {
    /// HTTP Basic with `client_id` and `client_secret`.
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form.
    ClientSecretPost,
    /// A JWT signed with `private_key_file` (RFC 7523), as the NL GOV profile prefers.
    PrivateKeyJwt,
}

/// Which claims carry what, tried in this order (the first one present wins).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimMapping {
    /// The company the person acts for: a KvK number, or an RSIN when the value carries the
    /// qualifier `urn:etoegang:1.9:EntityConcernedID:RSIN`.
    pub legal_subject: Vec<String>,
    /// The person: a pseudonym stable per service, person and company (`sub` when none).
    pub acting_subject: Vec<String>,
    /// With chain authorisation: the intermediary's KvK number (such sign-ins are refused).
    pub intermediary: Vec<String>,
    /// A branch number (Vestigingsnummer), recorded in the audit trail.
    pub branch: Vec<String>,
    /// The level of assurance, read through `levels`.
    pub level: Vec<String>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        let list = |names: &[&str]| names.iter().map(|n| (*n).to_string()).collect();
        Self {
            legal_subject: list(&[
                "urn:etoegang:core:LegalSubjectID",
                "chamber_of_commerce",
                "organisation_kvknr",
            ]),
            acting_subject: list(&["urn:etoegang:core:ActingSubjectID", "acting_subject_id"]),
            intermediary: list(&[
                "urn:etoegang:1.9:IntermediateEntityID:KvKnr",
                "intermediary_kvk",
            ]),
            branch: list(&[
                "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr",
                "branch_number",
            ]),
            level: list(&["urn:etoegang:core:LevelOfAssurance", "level", "acr"]),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EherkenningSettings {
    /// The broker's issuer (discovery at `<issuer>/.well-known/openid-configuration`).
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    /// For `client_secret_basic` / `client_secret_post`.
    #[serde(serialize_with = "hidden")]
    pub client_secret: Option<SecretString>,
    pub client_auth: BrokerClientAuth,
    /// For `private_key_jwt`: a PEM private key (Ed25519, P-256 or RSA) and its `kid`.
    pub private_key_file: Option<PathBuf>,
    pub private_key_id: Option<String>,
    /// Scopes asked for (`openid` always).
    pub scopes: Vec<String>,
    /// The redirect URL registered at the broker; default `<public_url>/api/eherkenning/callback`.
    pub redirect_url: Option<String>,
    /// The lowest level accepted: `EH2`, `EH2+`, `EH3` or `EH4`.
    pub minimum_level: String,
    /// `acr_values` sent with the request; default the level URN of `minimum_level`. Brokers
    /// that pick the scheme this way take e.g. `idp:eherkenning`; empty sends none.
    pub acr_values: Option<String>,
    /// The service's name as the office's eHerkenning administrator finds it when authorising
    /// a person (shown in the help texts).
    pub service_name: String,
    /// Signature algorithms accepted on ID tokens.
    pub algorithms: Vec<String>,
    pub timeout_seconds: u64,
    pub claims: ClaimMapping,
    /// Claim value → level (`EH2`, `EH2+`, `EH3`, `EH4`).
    pub levels: BTreeMap<String, String>,
}

impl Default for EherkenningSettings {
    fn default() -> Self {
        let levels = [
            ("urn:etoegang:core:assurance-class:loa2", "EH2"),
            ("urn:etoegang:core:assurance-class:loa2plus", "EH2+"),
            ("urn:etoegang:core:assurance-class:loa3", "EH3"),
            ("urn:etoegang:core:assurance-class:loa4", "EH4"),
            ("EH2", "EH2"),
            ("EH2+", "EH2+"),
            ("EH3", "EH3"),
            ("EH4", "EH4"),
            ("loa:low", "EH2"),
            ("loa:substantial", "EH3"),
            ("loa:high", "EH4"),
        ];
        Self {
            issuer: None,
            client_id: None,
            client_secret: None,
            client_auth: BrokerClientAuth::default(),
            private_key_file: None,
            private_key_id: None,
            scopes: vec!["openid".into()],
            redirect_url: None,
            minimum_level: "EH3".into(),
            acr_values: None,
            service_name: "Extranet voor adviseurs".into(),
            algorithms: vec!["RS256".into(), "PS256".into(), "ES256".into()],
            timeout_seconds: 10,
            claims: ClaimMapping::default(),
            levels: levels
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        }
    }
}

/// The algorithms Poort can check an ID token's signature with.
pub const SUPPORTED_ALGORITHMS: [&str; 9] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

/// The levels, lowest first.
pub const LEVELS: [&str; 4] = ["EH2", "EH2+", "EH3", "EH4"];

impl EherkenningSettings {
    pub fn enabled(&self) -> bool {
        self.issuer.is_some()
    }

    pub(super) fn validate(&self, production: bool) -> Result<(), ConfigError> {
        let bad = |key: &str, why: String| ConfigError(format!("eherkenning.{key}: {why}"));
        if !LEVELS.contains(&self.minimum_level.as_str()) {
            return Err(bad(
                "minimum_level",
                format!(
                    "expected EH2, EH2+, EH3 or EH4, got {:?}",
                    self.minimum_level
                ),
            ));
        }
        for (value, level) in &self.levels {
            if !LEVELS.contains(&level.as_str()) {
                return Err(bad(
                    "levels",
                    format!("{value:?} maps to {level:?}; expected EH2, EH2+, EH3 or EH4"),
                ));
            }
        }
        if let Some(alg) = self
            .algorithms
            .iter()
            .find(|a| !SUPPORTED_ALGORITHMS.contains(&a.as_str()))
        {
            return Err(bad(
                "algorithms",
                format!("{alg:?} is not one of {}", SUPPORTED_ALGORITHMS.join(", ")),
            ));
        }
        if self.algorithms.is_empty() {
            return Err(bad("algorithms", "name at least one".into()));
        }
        let Some(issuer) = &self.issuer else {
            return Ok(());
        };
        for (key, url) in [
            ("issuer", Some(issuer)),
            ("redirect_url", self.redirect_url.as_ref()),
        ] {
            let Some(url) = url else { continue };
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(bad(key, format!("expected an https:// URL, got {url:?}")));
            }
            if production && url.starts_with("http://") && !is_loopback_url(url) {
                return Err(bad(key, format!("production needs https://, got {url:?}")));
            }
        }
        if let Some(url) = &self.redirect_url
            && !url.ends_with("/api/eherkenning/callback")
        {
            return Err(bad(
                "redirect_url",
                format!("must end with /api/eherkenning/callback (Poort's callback), got {url:?}"),
            ));
        }
        if self.client_id.as_deref().is_none_or(str::is_empty) {
            return Err(bad(
                "client_id",
                "required when eherkenning.issuer is set".into(),
            ));
        }
        match self.client_auth {
            BrokerClientAuth::ClientSecretBasic | BrokerClientAuth::ClientSecretPost => {
                if self.client_secret.is_none() {
                    return Err(bad(
                        "client_secret",
                        "required with client_auth = client_secret_basic or client_secret_post"
                            .into(),
                    ));
                }
            }
            BrokerClientAuth::PrivateKeyJwt => {
                let Some(path) = &self.private_key_file else {
                    return Err(bad(
                        "private_key_file",
                        "required with client_auth = private_key_jwt".into(),
                    ));
                };
                let pem = std::fs::read_to_string(path).map_err(|e| {
                    bad(
                        "private_key_file",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                if !pem.contains("PRIVATE KEY-----") {
                    return Err(bad(
                        "private_key_file",
                        format!("{} holds no PEM private key", path.display()),
                    ));
                }
            }
        }
        if self.service_name.trim().is_empty() {
            return Err(bad("service_name", "must not be empty".into()));
        }
        Ok(())
    }
}

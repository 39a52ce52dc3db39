//! Typed settings: one struct, read from a TOML file and `POORT__…` environment variables.
//!
//! Unknown keys are rejected (a typo must not silently fall back to a default), secrets are
//! wrapped so they never print, and production mode refuses to start without the settings a
//! real deployment needs. `config/poort.example.toml` documents every key.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use figment::Figment;
use figment::providers::{Format, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

mod eherkenning;
mod keys;
mod policy;

pub use eherkenning::{BrokerClientAuth, ClaimMapping, EherkenningSettings, LEVELS};
pub use keys::{Keys, SecretBytes, generate_key_base64};
use keys::{decode_key, dev_keys};
pub use policy::PolicySettings;

/// Environment variables with this prefix set keys: `POORT__DATABASE__URL` is `database.url`.
pub const ENV_PREFIX: &str = "POORT__";

/// A configuration problem, always naming the key it is about. `main` prints it on one line
/// and exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// How the service runs. Production is the default: development must be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// E-mail and SMS stay in the local outbox (`/api/dev/outbox`); keys may be generated.
    Dev,
    #[default]
    Production,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub mode: Mode,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub mail: MailSettings,
    pub sms: SmsSettings,
    pub delivery: DeliverySettings,
    pub security: SecuritySettings,
    pub branding: BrandingSettings,
    pub policy: PolicySettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
    pub eherkenning: EherkenningSettings,
    pub retention: RetentionSettings,
}

/// How long what has served its purpose is kept before the periodic clean-up removes it
/// (`crate::retention`). 0 keeps it. The outbox has its own, `delivery.retention_days`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSettings {
    /// Days after expiry: one-time codes, counters of wrong codes, password-reset links and
    /// eHerkenning trips.
    pub codes_days: i64,
    /// Days after expiry: sign-ins under way (password given, second factor not yet).
    pub sign_in_attempts_days: i64,
    /// Days after a session ended or expired.
    pub sessions_days: i64,
    /// Days an audit event is kept; 0 (the default) keeps the trail forever.
    pub audit_days: i64,
    /// Minutes between clean-ups (each instance sweeps; a row goes once).
    pub sweep_interval_minutes: u64,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            codes_days: 1,
            sign_in_attempts_days: 1,
            sessions_days: 30,
            audit_days: 0,
            sweep_interval_minutes: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to listen on.
    pub host: String,
    /// Port to listen on; 0 picks a free one (tests).
    pub port: u16,
    /// The URL users reach the service at; links in e-mails start with it. Required in
    /// production; in dev mode it defaults to `http://{host}:{port}`.
    pub public_url: Option<String>,
    /// Folder with the built SPA (Trunk's output).
    pub static_dir: PathBuf,
    /// Folder for local state in dev mode (generated development keys).
    pub data_dir: PathBuf,
    /// Worker threads for HTTP; 0 means one per core.
    pub workers: usize,
    /// Take the client address from `X-Forwarded-For` (set only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// On SIGTERM: how long requests under way may take to finish (and the outbox worker to
    /// hand back its messages) before Poort exits anyway.
    pub shutdown_grace_seconds: u64,
    /// How many proxies in front of Poort append to `X-Forwarded-For`: the client address is
    /// the entry that many from the right (what the outermost trusted proxy saw); anything
    /// further left was sent by the client and is not believed.
    pub trusted_proxies: usize,
    /// Linux with autogroup scheduling: the nice value (0–19) of the scheduling group Poort runs
    /// in, against other groups on the host — such as a PostgreSQL on the same machine, which
    /// the kernel otherwise gives no more than an equal share with all of Poort, its hashing
    /// threads included (their own lower priority counts only within Poort's group). 0 leaves
    /// it as it is. Under systemd (a cgroup per service) use `CPUWeight=` instead.
    pub scheduling_group_nice: i32,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            public_url: None,
            static_dir: "dist".into(),
            data_dir: "data".into(),
            workers: 0,
            trust_forwarded_for: false,
            shutdown_grace_seconds: 30,
            trusted_proxies: 1,
            scheduling_group_nice: 0,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.sqlite` (the embedded default) or `postgres://user@host/db`.
    pub url: String,
    /// Connections in the pool. A SQLite file database has one more: the group commit's own
    /// (`store::group_commit`), for the small writes that arrive together.
    pub max_connections: u32,
    /// PostgreSQL: successful sign-in steps, session activity and rate-limit counters commit
    /// without waiting for the disk (`synchronous_commit = off` for those transactions only).
    /// A database crash can then lose the last fraction of a second of them, each whole: those
    /// people sign in again. Wrong passwords and codes, blocks and every other change always
    /// wait. `false`: everything waits.
    pub fast_sign_in_commits: bool,
    /// How long a request waits for a database connection (connecting included) before it
    /// is answered 503 `unavailable`: while the database is down, requests fail this fast.
    pub acquire_timeout_seconds: u64,
    /// At start-up, how long Poort keeps trying to reach a PostgreSQL database that is not
    /// there yet (logging each try) before it gives up; 0: one try.
    pub startup_wait_seconds: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/poort.sqlite".into(),
            max_connections: 10,
            fast_sign_in_commits: true,
            acquire_timeout_seconds: 5,
            startup_wait_seconds: 120,
        }
    }
}

/// How to talk to the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587). The default.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption at all: only for a relay on the same host or a test sink.
    None,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// Sender, e.g. `Extranet <noreply@verzekeraar.nl>`. Required in production.
    pub from: Option<String>,
    /// SMTP server host name. Required in production.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: Option<String>,
    #[serde(serialize_with = "hidden")]
    pub smtp_password: Option<SecretString>,
    pub timeout_seconds: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            from: None,
            smtp_host: None,
            smtp_port: 587,
            smtp_security: SmtpSecurity::default(),
            smtp_username: None,
            smtp_password: None,
            timeout_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsSettings {
    /// URL the SMS gateway accepts messages at (see README, "SMS gateway"). Required in production.
    pub gateway_url: Option<String>,
    /// Bearer token for the gateway. Required in production.
    #[serde(serialize_with = "hidden")]
    pub api_key: Option<SecretString>,
    /// Sender name or number shown on the phone.
    pub sender: String,
    pub timeout_seconds: u64,
}

impl Default for SmsSettings {
    fn default() -> Self {
        Self {
            gateway_url: None,
            api_key: None,
            sender: "Extranet".into(),
            timeout_seconds: 10,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySettings {
    /// Attempts before a message becomes a dead letter.
    pub max_attempts: i32,
    /// Wait after the first failure; doubles with each further failure.
    pub backoff_base_seconds: u64,
    /// Upper bound of the wait between attempts.
    pub backoff_max_seconds: u64,
    /// How often the worker looks for due messages written by other processes.
    pub poll_interval_ms: u64,
    /// How long a claimed message is reserved for one worker; after that another may retry.
    pub lease_seconds: u64,
    /// Messages claimed per round.
    pub batch_size: i64,
    /// Delivered and dead messages (their bodies already erased) are removed after this many
    /// days; 0 keeps them.
    pub retention_days: i64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            backoff_base_seconds: 10,
            backoff_max_seconds: 3600,
            poll_interval_ms: 1000,
            lease_seconds: 120,
            batch_size: 20,
            retention_days: 30,
        }
    }
}

/// argon2id cost (OWASP's recommendation: 19 MiB, 2 passes, 1 lane) and how much hashing
/// may run and wait at once: beyond that, sign-ins get 503 with Retry-After instead of an
/// ever longer queue.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordHashSettings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes computed at the same time; 0 means one per core.
    pub max_concurrent: usize,
    /// Hashes allowed to wait for a free core.
    pub max_waiting: usize,
    /// The hashing threads' nice value (0–19, Linux): at 10 they give way to the requests that
    /// need the cores for a moment, and still use every core nothing else wants.
    pub nice: i32,
}

impl Default for PasswordHashSettings {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 0,
            max_waiting: 64,
            nice: 10,
        }
    }
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            signing_key: None,
            encryption_key: None,
            previous_signing_keys: Vec::new(),
            password_hash: PasswordHashSettings::default(),
            token_lifetime_seconds: 300,
            token_audience: "extranet".into(),
            access_token_lifetime_seconds: 600,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecuritySettings {
    /// Ed25519 private key (32 random bytes, base64) for the tokens other extranet applications
    /// verify. Required in production; `poort generate-keys` makes one.
    #[serde(serialize_with = "hidden")]
    pub signing_key: Option<SecretString>,
    /// AES-256 key (32 random bytes, base64) that encrypts authenticator secrets at rest.
    /// Required in production; `poort generate-keys` makes one.
    #[serde(serialize_with = "hidden")]
    pub encryption_key: Option<SecretString>,
    /// Earlier signing keys, still published (JWKS) so tokens they signed stay verifiable
    /// while keys rotate.
    #[serde(serialize_with = "hidden_all")]
    pub previous_signing_keys: Vec<SecretString>,
    pub password_hash: PasswordHashSettings,
    /// Lifetime of the tokens for the extranet's other applications.
    pub token_lifetime_seconds: i64,
    /// The `aud` of those tokens.
    pub token_audience: String,
    /// Lifetime of API clients' access tokens from `/oauth2/token` (60–600 seconds).
    pub access_token_lifetime_seconds: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrandingSettings {
    /// The insurer's name, shown in the header and in messages.
    pub insurer_name: String,
    /// Team Relatiebeheer's phone number, shown where users need help.
    pub support_phone: String,
    /// Team Relatiebeheer's e-mail address.
    pub support_email: String,
}

impl Default for BrandingSettings {
    fn default() -> Self {
        Self {
            insurer_name: "Voorbeeld Verzekeringen".into(),
            support_phone: "088 000 00 00".into(),
            support_email: "relatiebeheer@voorbeeld.nl".into(),
        }
    }
}

/// Log output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Readable lines in dev mode, JSON lines in production.
    #[default]
    Auto,
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// A `tracing` filter such as `info` or `poort_api=debug,info`; `RUST_LOG` wins when set.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Auto,
        }
    }
}

/// `/metrics`: open in dev mode; in production only with this bearer token (and off when
/// none is set), so the counters are not public.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// `Authorization: Bearer <token>` that scrapers send in production.
    #[serde(serialize_with = "hidden")]
    pub bearer_token: Option<SecretString>,
}

/// OWASP's argon2id parameter sets (memory KiB, iterations): a cost is acceptable when it
/// reaches one of them.
const OWASP_ARGON2ID: [(u32, u32); 5] = [
    (47_104, 1),
    (19_456, 2),
    (12_288, 3),
    (9_216, 4),
    (7_168, 5),
];

/// Whether a URL's host is this machine (where plain http stays on the machine).
pub(crate) fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        }
    }
}

impl Settings {
    /// Reads the optional TOML file, then `POORT__SECTION__KEY` variables from `env` on top.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError(format!(
                    "--config: file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        // Figment's own `Env` reads the process environment; we take the variables as an
        // argument so tests stay hermetic. Values stay text here; `extract_lossy` turns text
        // into a number or boolean only where the setting is one (so a numeric password stays
        // text, and a phone number keeps its leading zero).
        let vars: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX) && k.len() > ENV_PREFIX.len())
            .collect();
        for (name, raw) in &vars {
            let key = name[ENV_PREFIX.len()..]
                .to_ascii_lowercase()
                .replace("__", ".");
            figment = figment.merge(figment::providers::Serialized::default(&key, raw.as_str()));
        }
        let settings: Settings = figment
            .extract_lossy()
            .map_err(|e| describe_figment_error(e, file))?;
        Ok(settings)
    }

    /// The checks that need more than types: URLs, and what production requires.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.database_kind()?;
        if let Some(url) = &self.server.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError(format!(
                "server.public_url: expected an http:// or https:// URL, got {url:?}"
            )));
        }
        // Nice values: Poort only ever lowers its priority.
        for (key, nice, than) in [
            (
                "security.password_hash.nice",
                self.security.password_hash.nice,
                "the rest",
            ),
            (
                "server.scheduling_group_nice",
                self.server.scheduling_group_nice,
                "other process groups",
            ),
        ] {
            if !(0..=19).contains(&nice) {
                return Err(ConfigError(format!(
                    "{key}: must be 0 to 19 (a lower priority than {than}), got {nice}"
                )));
            }
        }
        if self.delivery.max_attempts < 1 {
            return Err(ConfigError(
                "delivery.max_attempts: must be at least 1".into(),
            ));
        }
        if self.delivery.batch_size < 1 {
            return Err(ConfigError(
                "delivery.batch_size: must be at least 1".into(),
            ));
        }
        for (key, days) in [
            ("retention.codes_days", self.retention.codes_days),
            (
                "retention.sign_in_attempts_days",
                self.retention.sign_in_attempts_days,
            ),
            ("retention.sessions_days", self.retention.sessions_days),
            ("retention.audit_days", self.retention.audit_days),
            ("delivery.retention_days", self.delivery.retention_days),
        ] {
            if !(0..=36_500).contains(&days) {
                return Err(ConfigError(format!(
                    "{key}: must be 0 (keep) to 36500 days, got {days}"
                )));
            }
        }
        if !(1..=120).contains(&self.database.acquire_timeout_seconds) {
            return Err(ConfigError(format!(
                "database.acquire_timeout_seconds: must be 1 to 120, got {}",
                self.database.acquire_timeout_seconds
            )));
        }
        if !(1..=1440).contains(&self.retention.sweep_interval_minutes) {
            return Err(ConfigError(format!(
                "retention.sweep_interval_minutes: must be 1 to 1440, got {}",
                self.retention.sweep_interval_minutes
            )));
        }
        if !(60..=600).contains(&self.security.access_token_lifetime_seconds) {
            return Err(ConfigError(format!(
                "security.access_token_lifetime_seconds: must be 60 to 600, got {}",
                self.security.access_token_lifetime_seconds
            )));
        }
        if let Some(url) = &self.sms.gateway_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError(format!(
                "sms.gateway_url: expected an http:// or https:// URL, got {url:?}"
            )));
        }
        self.eherkenning.validate(self.mode == Mode::Production)?;
        for (key, value) in [
            ("security.signing_key", &self.security.signing_key),
            ("security.encryption_key", &self.security.encryption_key),
        ] {
            if let Some(secret) = value {
                decode_key(key, secret)?;
            }
        }
        if self.mode == Mode::Production {
            let required: [(&str, bool); 7] = [
                ("server.public_url", self.server.public_url.is_some()),
                ("mail.from", self.mail.from.is_some()),
                ("mail.smtp_host", self.mail.smtp_host.is_some()),
                ("sms.gateway_url", self.sms.gateway_url.is_some()),
                ("sms.api_key", self.sms.api_key.is_some()),
                ("security.signing_key", self.security.signing_key.is_some()),
                (
                    "security.encryption_key",
                    self.security.encryption_key.is_some(),
                ),
            ];
            if let Some((key, _)) = required.iter().find(|(_, present)| !present) {
                return Err(ConfigError(format!(
                    "{key} is required in production mode (set it in the config file or as \
                     POORT__{}; `poort generate-keys` makes keys; use --dev for local development)",
                    key.to_ascii_uppercase().replace('.', "__")
                )));
            }
            if let Some(url) = &self.server.public_url
                && url.starts_with("http://")
                && !is_loopback_url(url)
            {
                return Err(ConfigError(format!(
                    "server.public_url: production needs https:// (cookies are Secure, and \
                     sign-ins must not cross a network in plain text), got {url:?}"
                )));
            }
            let cost = &self.security.password_hash;
            if !OWASP_ARGON2ID
                .iter()
                .any(|&(m, t)| cost.memory_kib >= m && cost.iterations >= t)
            {
                return Err(ConfigError(format!(
                    "security.password_hash: memory_kib = {} with iterations = {} is below OWASP's \
                     minimum for argon2id (19456 KiB with 2 iterations, or 47104/1, 12288/3, \
                     9216/4, 7168/5)",
                    cost.memory_kib, cost.iterations
                )));
            }
        }
        Ok(())
    }

    pub fn database_kind(&self) -> Result<DatabaseKind, ConfigError> {
        let url = &self.database.url;
        let bad = |why: String| ConfigError(format!("database.url: {why}"));
        if url.starts_with("sqlite:") {
            sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .map_err(|e| bad(format!("malformed SQLite URL {url:?}: {e}")))?;
            Ok(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            sqlx::postgres::PgConnectOptions::from_str(url)
                .map_err(|e| bad(format!("malformed PostgreSQL URL: {e}")))?;
            Ok(DatabaseKind::Postgres)
        } else {
            Err(bad(format!(
                "expected sqlite://… or postgres://…, got {:?}",
                redact_url(url)
            )))
        }
    }

    /// The URL links in e-mails start with, without a trailing slash.
    pub fn public_url(&self, bound_port: u16) -> String {
        match &self.server.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}:{}", self.server.host, bound_port),
        }
    }

    /// The signing and encryption keys. In dev mode, missing keys are generated once and kept
    /// in `server.data_dir/dev-keys.toml`, so authenticator secrets survive a restart.
    pub fn keys(&self) -> Result<Keys, ConfigError> {
        let configured = |key: &str, value: &Option<SecretString>| {
            value.as_ref().map(|s| decode_key(key, s)).transpose()
        };
        let signing = configured("security.signing_key", &self.security.signing_key)?;
        let encryption = configured("security.encryption_key", &self.security.encryption_key)?;
        if let (Some(signing_key), Some(encryption_key)) = (&signing, &encryption) {
            return Ok(Keys {
                signing_key: signing_key.clone(),
                encryption_key: encryption_key.clone(),
                previous_signing_keys: self.previous_keys()?,
            });
        }
        if self.mode == Mode::Production {
            return Err(ConfigError(
                "security.signing_key and security.encryption_key are required in production mode"
                    .into(),
            ));
        }
        let dev = dev_keys(&self.server.data_dir)?;
        Ok(Keys {
            signing_key: signing.unwrap_or(dev.signing_key),
            encryption_key: encryption.unwrap_or(dev.encryption_key),
            previous_signing_keys: self.previous_keys()?,
        })
    }

    fn previous_keys(&self) -> Result<Vec<SecretBytes>, ConfigError> {
        self.security
            .previous_signing_keys
            .iter()
            .map(|k| decode_key("security.previous_signing_keys", k))
            .collect()
    }
}

/// Settings are serialised only to compare them with the documented example (secrets as
/// `"<secret>"`, never their value).
pub(crate) fn hidden<S: serde::Serializer>(
    value: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    value.as_ref().map(|_| "<secret>").serialize(s)
}

fn hidden_all<S: serde::Serializer>(value: &[SecretString], s: S) -> Result<S::Ok, S::Error> {
    value
        .iter()
        .map(|_| "<secret>")
        .collect::<Vec<_>>()
        .serialize(s)
}

/// Figment's messages are good but verbose; keep one line that names the key and its source.
fn describe_figment_error(error: figment::Error, file: Option<&Path>) -> ConfigError {
    let key = error.path.join(".");
    let kind = error.kind.to_string();
    let from_file = error
        .metadata
        .as_ref()
        .is_some_and(|m| m.name.contains("TOML"));
    let source = match (from_file, file) {
        (true, Some(path)) => format!(" (in {})", path.display()),
        _ if !key.is_empty() => format!(
            " (from the environment: {ENV_PREFIX}{})",
            key.to_ascii_uppercase().replace('.', "__")
        ),
        _ => String::new(),
    };
    if key.is_empty() {
        ConfigError(format!("{kind}{source}"))
    } else {
        ConfigError(format!("{key}: {kind}{source}"))
    }
}

/// Keeps a password in a database URL out of error messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://…@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_production_on_sqlite() {
        let s = Settings::load(None, env(&[])).unwrap();
        assert_eq!(s.mode, Mode::Production);
        assert_eq!(s.database_kind().unwrap(), DatabaseKind::Sqlite);
        assert_eq!(s.server.port, 8080);
    }

    #[test]
    fn environment_variables_override_nested_keys() {
        let s = Settings::load(
            None,
            env(&[
                ("POORT__SERVER__PORT", "9000"),
                ("POORT__DATABASE__URL", "postgres://u@localhost/db"),
                ("POORT__MODE", "dev"),
                ("OTHER", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.port, 9000);
        assert_eq!(s.mode, Mode::Dev);
        assert_eq!(s.database_kind().unwrap(), DatabaseKind::Postgres);
    }

    #[test]
    fn an_unknown_key_in_the_environment_is_rejected_by_name() {
        let err = Settings::load(None, env(&[("POORT__DATABASE__URLL", "x")])).unwrap_err();
        assert!(err.to_string().contains("urll"), "{err}");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_rejected_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poort.toml");
        std::fs::write(&path, "[server]\nprot = 1\n").unwrap();
        let err = Settings::load(Some(&path), env(&[])).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("server.prot"), "{text}");
    }

    #[test]
    fn a_malformed_database_url_names_the_key() {
        let s = Settings::load(None, env(&[("POORT__DATABASE__URL", "mysql://x")])).unwrap();
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("database.url"), "{err}");
    }

    #[test]
    fn production_requires_each_secret_and_names_the_first_missing() {
        let s = Settings::load(None, env(&[])).unwrap();
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("server.public_url"), "{err}");
        assert!(err.contains("POORT__SERVER__PUBLIC_URL"), "{err}");
    }

    #[test]
    fn dev_mode_needs_no_secrets_and_keeps_generated_keys() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let s = Settings::load(
            None,
            env(&[
                ("POORT__MODE", "dev"),
                ("POORT__SERVER__DATA_DIR", data.to_str().unwrap()),
            ]),
        )
        .unwrap();
        s.validate().unwrap();
        let first = s.keys().unwrap();
        let second = s.keys().unwrap();
        assert_eq!(
            first.encryption_key.expose(),
            second.encryption_key.expose()
        );
        assert_ne!(first.signing_key.expose(), first.encryption_key.expose());
    }

    #[test]
    fn numeric_looking_text_from_the_environment_stays_text() {
        let s = Settings::load(
            None,
            env(&[
                ("POORT__MAIL__SMTP_PASSWORD", "123456"),
                ("POORT__BRANDING__SUPPORT_PHONE", "0881234567"),
                ("POORT__SERVER__WORKERS", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(s.mail.smtp_password.unwrap().expose_secret(), "123456");
        assert_eq!(s.branding.support_phone, "0881234567");
        assert_eq!(s.server.workers, 3);
    }

    #[test]
    fn a_number_setting_with_text_is_refused_by_name() {
        let err = Settings::load(None, env(&[("POORT__SERVER__PORT", "eighty")])).unwrap_err();
        assert!(err.to_string().contains("server.port"), "{err}");
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Settings::load(
            None,
            env(&[("POORT__SMS__API_KEY", "very-secret-token-123")]),
        )
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("very-secret-token-123"), "{printed}");
    }

    #[test]
    fn a_key_that_is_not_32_bytes_is_refused() {
        let s = Settings::load(None, env(&[("POORT__SECURITY__SIGNING_KEY", "c2hvcnQ=")])).unwrap();
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("security.signing_key"), "{err}");
    }

    #[test]
    fn the_documented_example_file_is_accepted_as_it_is() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/poort.example.toml");
        let s = Settings::load(Some(&path), env(&[])).unwrap();
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.mail.smtp_security, SmtpSecurity::Starttls);
    }

    /// `section.key` → value, for every leaf of a settings tree.
    fn leaves(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaves(&key, v, out);
                }
            }
            other => out.push((prefix.to_string(), other.clone())),
        }
    }

    #[test]
    fn the_example_file_lists_every_key_with_its_default() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/poort.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let example: serde_json::Value = Figment::from(Toml::string(&text)).extract().unwrap();
        let mut written = Vec::new();
        leaves("", &example, &mut written);
        // Keys without a default are documented as comments: `# key = …` in their section.
        let mut commented = Vec::new();
        let mut section = String::new();
        for line in text.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
                section = name.to_string();
            } else if let Some(rest) = line.strip_prefix('#')
                && let Some((key, _)) = rest.split_once('=')
                && !key.trim().is_empty()
                && key
                    .trim()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            {
                commented.push(format!("{section}.{}", key.trim()));
            }
        }
        let defaults = serde_json::to_value(Settings::default()).unwrap();
        let mut keys = Vec::new();
        leaves("", &defaults, &mut keys);
        let mut problems = Vec::new();
        for (key, default) in &keys {
            let shown = written.iter().find(|(k, _)| k == key).map(|(_, v)| v);
            let unset = default.is_null() || default.as_array().is_some_and(Vec::is_empty);
            match shown {
                Some(value) if value != default => {
                    problems.push(format!("{key}: example says {value}, default is {default}"));
                }
                Some(_) => {}
                None if unset && commented.contains(key) => {}
                None if unset => {
                    problems.push(format!("{key}: not in the example (not even commented)"))
                }
                None => problems.push(format!("{key}: missing (default {default})")),
            }
        }
        for key in &commented {
            if !keys.iter().any(|(k, _)| k == key) {
                problems.push(format!("{key}: commented in the example but not a setting"));
            }
        }
        assert!(
            problems.is_empty(),
            "config/poort.example.toml:\n{}",
            problems.join("\n")
        );
        assert!(keys.len() > 60, "the settings were read: {}", keys.len());
    }

    fn production(pairs: &[(&str, &str)]) -> Result<(), ConfigError> {
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let mut all = vec![
            (
                "POORT__SERVER__PUBLIC_URL",
                "https://extranet.verzekeraar.nl",
            ),
            ("POORT__MAIL__FROM", "x@verzekeraar.nl"),
            ("POORT__MAIL__SMTP_HOST", "smtp"),
            ("POORT__SMS__GATEWAY_URL", "https://sms"),
            ("POORT__SMS__API_KEY", "k"),
            ("POORT__SECURITY__SIGNING_KEY", key),
            ("POORT__SECURITY__ENCRYPTION_KEY", key),
        ];
        all.retain(|(k, _)| !pairs.iter().any(|(p, _)| p == k));
        all.extend_from_slice(pairs);
        Settings::load(None, env(&all)).unwrap().validate()
    }

    #[test]
    fn the_scheduling_groups_priority_can_only_be_lowered() {
        for ok in ["0", "10", "19"] {
            assert!(
                production(&[("POORT__SERVER__SCHEDULING_GROUP_NICE", ok)]).is_ok(),
                "{ok}"
            );
        }
        for bad in ["-1", "20"] {
            let err = production(&[("POORT__SERVER__SCHEDULING_GROUP_NICE", bad)])
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("server.scheduling_group_nice") && err.contains("0 to 19"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn production_refuses_a_plain_http_public_url_unless_it_is_this_machine() {
        assert!(production(&[]).is_ok());
        let err = production(&[(
            "POORT__SERVER__PUBLIC_URL",
            "http://extranet.verzekeraar.nl",
        )])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("server.public_url") && err.contains("https"),
            "{err}"
        );
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:9000/",
        ] {
            assert!(
                production(&[("POORT__SERVER__PUBLIC_URL", local)]).is_ok(),
                "{local}"
            );
        }
    }

    #[test]
    fn production_refuses_an_argon2_cost_below_owasps_minimum() {
        let err = production(&[("POORT__SECURITY__PASSWORD_HASH__MEMORY_KIB", "19455")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("security.password_hash"), "{err}");
        assert!(production(&[("POORT__SECURITY__PASSWORD_HASH__ITERATIONS", "1")]).is_err());
        assert!(
            production(&[
                ("POORT__SECURITY__PASSWORD_HASH__MEMORY_KIB", "47104"),
                ("POORT__SECURITY__PASSWORD_HASH__ITERATIONS", "1"),
            ])
            .is_ok(),
            "an equivalent set is accepted"
        );
    }

    #[cfg(unix)]
    #[test]
    fn generated_key_files_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        dev_keys(dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join("dev-keys.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn passwords_in_database_urls_are_not_echoed() {
        assert_eq!(redact_url("mysql://u:pw@h/db"), "mysql://…@h/db");
    }
}

//! eHerkenning's rules: reading the identity a broker reports (company, person, level) through
//! the configured claim and level tables, the key a link is kept under, and who may link or
//! sign in with it. The OpenID Connect checks themselves (signature, issuer, audience, expiry,
//! nonce, `at_hash`) are `auth::oidc`'s; the flows are `services::eherkenning`'s.

use std::collections::BTreeMap;
use std::fmt;

use poort_shared::dto::{AccountStatus, EherkenningRefusal};
use poort_shared::validate::KvkNumber;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::configuration::ClaimMapping;

/// A level of assurance, lowest first (so levels compare).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Eh2,
    Eh2Plus,
    Eh3,
    Eh4,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        Some(match text {
            "EH2" => Level::Eh2,
            "EH2+" => Level::Eh2Plus,
            "EH3" => Level::Eh3,
            "EH4" => Level::Eh4,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Eh2 => "EH2",
            Level::Eh2Plus => "EH2+",
            Level::Eh3 => "EH3",
            Level::Eh4 => "EH4",
        }
    }

    /// The eHerkenning URN of the level, as `acr_values` asks for it.
    pub fn urn(self) -> &'static str {
        match self {
            Level::Eh2 => "urn:etoegang:core:assurance-class:loa2",
            Level::Eh2Plus => "urn:etoegang:core:assurance-class:loa2plus",
            Level::Eh3 => "urn:etoegang:core:assurance-class:loa3",
            Level::Eh4 => "urn:etoegang:core:assurance-class:loa4",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The company a person acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegalSubject {
    Kvk(KvkNumber),
    /// An RSIN: a company without (or not identified by) a KvK number.
    Rsin(String),
}

impl LegalSubject {
    /// The identifier as kept in a link (`kvk:…` or `rsin:…`).
    pub fn key(&self) -> String {
        match self {
            LegalSubject::Kvk(k) => format!("kvk:{}", k.as_str()),
            LegalSubject::Rsin(r) => format!("rsin:{r}"),
        }
    }

    pub fn kvk(&self) -> Option<&KvkNumber> {
        match self {
            LegalSubject::Kvk(k) => Some(k),
            LegalSubject::Rsin(_) => None,
        }
    }
}

const KVK_QUALIFIER: &str = "urn:etoegang:1.9:EntityConcernedID:KvKnr:";
const RSIN_QUALIFIER: &str = "urn:etoegang:1.9:EntityConcernedID:RSIN:";

fn legal_subject(value: &str) -> Option<LegalSubject> {
    if let Some(rsin) = value.strip_prefix(RSIN_QUALIFIER) {
        let rsin = rsin.trim();
        return (rsin.len() == 9 && rsin.bytes().all(|b| b.is_ascii_digit()))
            .then(|| LegalSubject::Rsin(rsin.to_string()));
    }
    let number = value.strip_prefix(KVK_QUALIFIER).unwrap_or(value);
    KvkNumber::parse(number).ok().map(LegalSubject::Kvk)
}

/// Who the broker says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub legal_subject: LegalSubject,
    /// The pseudonym of the person (per service, person and company).
    pub acting_subject: String,
    /// With chain authorisation: the intermediary's KvK number.
    pub intermediary: Option<String>,
    pub branch: Option<String>,
    /// `None` when no level claim maps to a level (treated as too low).
    pub level: Option<Level>,
}

impl Identity {
    /// The key a link is kept under: one per (issuer, company, person), never an e-mail
    /// address; stored as a digest (the pseudonym itself is not needed again).
    pub fn link_key(&self, issuer: &str) -> String {
        let mut hash = Sha256::new();
        for part in [issuer, &self.legal_subject.key(), &self.acting_subject] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn first_text(claims: &Map<String, Value>, names: &[String]) -> Option<String> {
    names.iter().find_map(|name| match claims.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// Whether the claims say who the company and the person are (else userinfo is asked too).
pub fn names_company(claims: &Map<String, Value>, mapping: &ClaimMapping) -> bool {
    first_text(claims, &mapping.legal_subject).is_some()
}

/// The identity in the claims (ID token and userinfo merged), through the configured tables.
/// An answer without a readable company is refused (`invalid_answer`).
pub fn read_identity(
    claims: &Map<String, Value>,
    mapping: &ClaimMapping,
    levels: &BTreeMap<String, String>,
) -> Result<Identity, EherkenningRefusal> {
    let legal = first_text(claims, &mapping.legal_subject)
        .and_then(|v| legal_subject(&v))
        .ok_or(EherkenningRefusal::InvalidAnswer)?;
    let acting = first_text(claims, &mapping.acting_subject)
        .or_else(|| first_text(claims, &["sub".to_string()]))
        .ok_or(EherkenningRefusal::InvalidAnswer)?;
    // The highest level any level claim names (a broker may send `acr` and a finer claim).
    let level = mapping
        .level
        .iter()
        .filter_map(|name| claims.get(name).and_then(Value::as_str))
        .filter_map(|value| levels.get(value).and_then(|l| Level::parse(l)))
        .max();
    Ok(Identity {
        legal_subject: legal,
        acting_subject: acting,
        intermediary: first_text(claims, &mapping.intermediary),
        branch: first_text(claims, &mapping.branch),
        level,
    })
}

/// Whether the identity's level reaches `minimum` (no known level does not). Checked first on
/// every path: a person with too low a means is told so whether linked or not.
pub fn reaches(identity: &Identity, minimum: Level) -> Result<(), EherkenningRefusal> {
    if identity.level.is_none_or(|l| l < minimum) {
        return Err(EherkenningRefusal::LevelTooLow);
    }
    Ok(())
}

/// Whether the identity may act for an account of the office with `office_kvk`: the level
/// reaches the minimum, nobody acts through an intermediary, and the company is the office's.
pub fn may_act_for(
    identity: &Identity,
    minimum: Level,
    office_kvk: &KvkNumber,
) -> Result<(), EherkenningRefusal> {
    reaches(identity, minimum)?;
    if identity.intermediary.is_some() {
        return Err(EherkenningRefusal::Intermediary);
    }
    if identity.legal_subject.kvk() != Some(office_kvk) {
        return Err(EherkenningRefusal::OtherCompany);
    }
    Ok(())
}

/// Whether an account may be signed in (or linked): as with a password, blocked and
/// deactivated accounts are refused; an account whose set-up is not finished has no link.
pub fn account_may_sign_in(status: AccountStatus) -> Result<(), EherkenningRefusal> {
    match status {
        AccountStatus::Active => Ok(()),
        AccountStatus::Blocked => Err(EherkenningRefusal::AccountBlocked),
        _ => Err(EherkenningRefusal::AccountDeactivated),
    }
}

/// What an error on the redirect back means: a cancel at the broker, or (every other
/// `access_denied`) not authorised for the service; anything else is the broker's failure.
pub fn refusal_for_error(error: &str, description: Option<&str>) -> EherkenningRefusal {
    let text = description.unwrap_or_default().to_ascii_lowercase();
    let cancelled = ["cancel", "abort", "annule"]
        .iter()
        .any(|w| text.contains(w))
        || matches!(error, "user_cancelled" | "cancelled" | "login_cancelled");
    if cancelled {
        EherkenningRefusal::Cancelled
    } else if error == "access_denied" {
        EherkenningRefusal::NotAuthorised
    } else {
        EherkenningRefusal::InvalidAnswer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::EherkenningSettings;
    use serde_json::json;

    fn read(claims: Value) -> Result<Identity, EherkenningRefusal> {
        let s = EherkenningSettings::default();
        read_identity(claims.as_object().unwrap(), &s.claims, &s.levels)
    }

    fn kvk(n: &str) -> KvkNumber {
        KvkNumber::parse(n).unwrap()
    }

    #[test]
    fn urn_claims_with_and_without_qualifier_and_plain_names_are_read() {
        let a = read(json!({
            "sub": "s",
            "urn:etoegang:core:LegalSubjectID": "urn:etoegang:1.9:EntityConcernedID:KvKnr:12345678",
            "urn:etoegang:core:ActingSubjectID": "pseudo-1",
            "acr": "urn:etoegang:core:assurance-class:loa3",
            "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr": "000012345678",
        }))
        .unwrap();
        assert_eq!(a.legal_subject, LegalSubject::Kvk(kvk("12345678")));
        assert_eq!(a.acting_subject, "pseudo-1");
        assert_eq!(a.level, Some(Level::Eh3));
        assert_eq!(a.branch.as_deref(), Some("000012345678"));
        let b = read(json!({
            "sub": "s", "chamber_of_commerce": "12345678", "acr": "loa:low", "level": "EH2+"
        }))
        .unwrap();
        assert_eq!(b.acting_subject, "s", "sub when no pseudonym claim");
        assert_eq!(b.level, Some(Level::Eh2Plus), "the highest level named");
        let rsin = read(json!({
            "sub": "s",
            "urn:etoegang:core:LegalSubjectID": "urn:etoegang:1.9:EntityConcernedID:RSIN:123456789",
        }))
        .unwrap();
        assert_eq!(rsin.legal_subject, LegalSubject::Rsin("123456789".into()));
        assert_eq!(rsin.level, None);
        assert_eq!(
            read(json!({ "sub": "s", "chamber_of_commerce": "12" })),
            Err(EherkenningRefusal::InvalidAnswer)
        );
        assert_eq!(
            read(json!({ "sub": "s" })),
            Err(EherkenningRefusal::InvalidAnswer)
        );
    }

    #[test]
    fn level_intermediary_and_company_are_checked_in_that_order() {
        let mut id = read(json!({
            "sub": "s", "chamber_of_commerce": "12345678", "acr": "loa:substantial"
        }))
        .unwrap();
        let office = kvk("12345678");
        assert_eq!(may_act_for(&id, Level::Eh3, &office), Ok(()));
        assert_eq!(reaches(&id, Level::Eh3), Ok(()));
        assert_eq!(
            reaches(&id, Level::Eh4),
            Err(EherkenningRefusal::LevelTooLow)
        );
        assert_eq!(
            may_act_for(&id, Level::Eh4, &office),
            Err(EherkenningRefusal::LevelTooLow)
        );
        assert_eq!(
            may_act_for(&id, Level::Eh3, &kvk("87654321")),
            Err(EherkenningRefusal::OtherCompany)
        );
        id.intermediary = Some("11112222".into());
        assert_eq!(
            may_act_for(&id, Level::Eh3, &office),
            Err(EherkenningRefusal::Intermediary)
        );
        id.level = None;
        assert_eq!(
            may_act_for(&id, Level::Eh2, &office),
            Err(EherkenningRefusal::LevelTooLow),
            "no known level is too low"
        );
        id.intermediary = None;
        id.level = Some(Level::Eh3);
        id.legal_subject = LegalSubject::Rsin("123456789".into());
        assert_eq!(
            may_act_for(&id, Level::Eh3, &office),
            Err(EherkenningRefusal::OtherCompany)
        );
    }

    #[test]
    fn a_link_key_differs_per_issuer_company_and_person() {
        let id = read(json!({ "sub": "s", "chamber_of_commerce": "12345678" })).unwrap();
        let other_person = Identity {
            acting_subject: "t".into(),
            ..id.clone()
        };
        let other_company = Identity {
            legal_subject: LegalSubject::Kvk(kvk("87654321")),
            ..id.clone()
        };
        let keys = [
            id.link_key("https://a"),
            id.link_key("https://b"),
            other_person.link_key("https://a"),
            other_company.link_key("https://a"),
        ];
        for (i, a) in keys.iter().enumerate() {
            assert_eq!(a.len(), 64);
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(keys[0], id.link_key("https://a"), "stable");
    }

    #[test]
    fn broker_errors_read_as_cancel_not_authorised_or_a_failure() {
        use EherkenningRefusal::*;
        assert_eq!(
            refusal_for_error("access_denied", Some("User cancelled the login")),
            Cancelled
        );
        assert_eq!(
            refusal_for_error("access_denied", Some("End-User aborted interaction")),
            Cancelled
        );
        assert_eq!(
            refusal_for_error("access_denied", Some("Geen machtiging")),
            NotAuthorised
        );
        assert_eq!(refusal_for_error("access_denied", None), NotAuthorised);
        assert_eq!(refusal_for_error("server_error", None), InvalidAnswer);
        assert_eq!(
            account_may_sign_in(AccountStatus::Blocked),
            Err(AccountBlocked)
        );
        assert_eq!(
            account_may_sign_in(AccountStatus::Deactivated),
            Err(AccountDeactivated)
        );
        assert_eq!(account_may_sign_in(AccountStatus::Active), Ok(()));
    }
}

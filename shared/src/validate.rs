//! Parsers for what users type: each turns text into a type that cannot hold a bad value, or
//! says why not with the stable error code the API answers with. The SPA runs the same code,
//! so the browser's verdict is the API's verdict.

use serde::{Deserialize, Serialize};

use crate::ErrorCode;

/// What the API document says these texts look like: JSON Schema `pattern`s (ECMA-262
/// syntax, no look-around) and lengths, used by `dto::doc`. Every text a pattern matches
/// parses, and what a parser keeps matches its pattern (the property tests below check both).
pub mod pattern {
    pub const ONE_TIME_CODE: &str = "^[0-9]{6}$";
    /// E.164 (Dutch numbers only mobile: `+316`, not `+3166`), or the Dutch `06…`.
    pub const MOBILE: &str =
        r"^(\+(316[0-57-9][0-9]{7}|3[02-9][0-9]{6,13}|[124-9][0-9]{7,14})|06[0-57-9][0-9]{7})$";
    pub const KVK_NUMBER: &str = "^[0-9]{8}$";
    pub const AGENCY_NUMBER: &str = "^[A-Za-z0-9-]{1,20}$";
    /// At least one character that is not white space, and no control characters other than
    /// white space.
    pub const NAME: &str = r"^[^\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]*$";
    pub const NAME_MAX: usize = 100;
    pub const EMAIL_MAX: usize = 254;
    /// A note or reason: no control characters other than tab and line breaks.
    pub const NOTE: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";
    /// A reason: the same, with at least one character that is not white space.
    pub const REASON: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";
    pub const NOTE_MAX: usize = 500;
}

/// An e-mail address: the sign-in name. Compared case-insensitively ([`Email::key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let s = input.trim();
        let bad = Err(ErrorCode::InvalidEmail);
        if s.is_empty() || s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad;
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return bad;
        };
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return bad;
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return bad;
        }
        if labels
            .last()
            .is_some_and(|tld| tld.len() < 2 || tld.chars().all(|c| c.is_ascii_digit()))
        {
            return bad;
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The form that decides uniqueness: lower-cased as a whole.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or(&self.0)
    }
}

/// A mobile number in E.164 (`+31612345678`). Dutch ways of writing one (`06-1234 5678`,
/// `0031 6 …`, `+31 (0)6 …`) are normalised; other countries need their `+` code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobileNumber(String);

impl MobileNumber {
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let bad = Err(ErrorCode::InvalidMobile);
        let mut s: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
            .collect();
        if let Some(rest) = s.strip_prefix("00") {
            s = format!("+{rest}");
        }
        if let Some(rest) = s.strip_prefix("+310") {
            s = format!("+31{rest}"); // "+31 (0)6 …"
        }
        if s.starts_with("06") {
            s = format!("+31{}", &s[1..]);
        }
        let Some(digits) = s.strip_prefix('+') else {
            return bad;
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) || digits.starts_with('0') {
            return bad;
        }
        if let Some(national) = digits.strip_prefix("31") {
            // Dutch mobile numbers: 6 followed by eight digits (not 66: pagers).
            if national.len() != 9 || !national.starts_with('6') || national.starts_with("66") {
                return bad;
            }
        } else if !(8..=15).contains(&digits.len()) {
            return bad;
        }
        Ok(MobileNumber(s))
    }

    /// For showing where a code went without showing the whole number: `+31 6 ••••• 678`.
    pub fn masked(&self) -> String {
        let tail: String = self
            .0
            .chars()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if let Some(national) = self.0.strip_prefix("+31") {
            format!("+31 {} ••••• {tail}", &national[..1])
        } else {
            format!("{} ••••• {tail}", &self.0[..3.min(self.0.len())])
        }
    }
}

/// A KvK number: the Dutch chamber of commerce number of an office, exactly 8 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KvkNumber(String);

impl KvkNumber {
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| *c != ' ' && *c != '.')
            .collect();
        if s.len() == 8 && s.chars().all(|c| c.is_ascii_digit()) {
            Ok(KvkNumber(s))
        } else {
            Err(ErrorCode::InvalidKvkNumber)
        }
    }
}

/// The agency number of a portfolio: letters, digits and dashes, 1–20 characters, kept in
/// capitals (unique across all offices).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyNumber(String);

impl AgencyNumber {
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let s = input.trim().to_uppercase();
        if (1..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            Ok(AgencyNumber(s))
        } else {
            Err(ErrorCode::InvalidAgencyNumber)
        }
    }
}

/// A person's or office's display name: 1–100 characters (as sent), not only white space,
/// no control characters other than white space; runs of white space become one space.
pub fn parse_name(input: &str) -> Result<String, ErrorCode> {
    if input.chars().count() > pattern::NAME_MAX {
        return Err(ErrorCode::InvalidName);
    }
    let s = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() || s.chars().any(char::is_control) {
        Err(ErrorCode::InvalidName)
    } else {
        Ok(s)
    }
}

/// A free-text note (an adviser's explanation of an access request): at most 500 characters,
/// no control characters other than tab and line breaks; surrounding white space is dropped
/// and an empty note is none.
pub fn parse_note(input: &str) -> Result<Option<String>, ErrorCode> {
    if input.chars().count() > pattern::NOTE_MAX
        || input
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(ErrorCode::InvalidNote);
    }
    let s = input.trim();
    Ok((!s.is_empty()).then(|| s.to_string()))
}

/// A reason (an administrator's for declining an access request): a note that is not empty.
pub fn parse_reason(input: &str) -> Result<String, ErrorCode> {
    parse_note(input)?.ok_or(ErrorCode::InvalidNote)
}

/// A 6-digit one-time code (SMS or authenticator app); spaces are ignored.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OneTimeCode(String);

impl OneTimeCode {
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if s.len() == 6 && s.chars().all(|c| c.is_ascii_digit()) {
            Ok(OneTimeCode(s))
        } else {
            Err(ErrorCode::CodeMalformed)
        }
    }
}

impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeCode([REDACTED])")
    }
}

/// What every parsed text value has: its text (`as_str`, `Display`, `Into<String>`) and a
/// parse on deserialising, so a bad value cannot enter through JSON either.
macro_rules! parsed_text {
    ($($t:ident),* $(,)?) => {
        $(
            impl $t {
                pub fn as_str(&self) -> &str {
                    &self.0
                }
            }

            impl TryFrom<String> for $t {
                type Error = String;
                fn try_from(s: String) -> Result<Self, String> {
                    $t::parse(&s).map_err(|c| c.to_string())
                }
            }

            impl From<$t> for String {
                fn from(value: $t) -> String {
                    value.0
                }
            }

            impl std::fmt::Display for $t {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(&self.0)
                }
            }
        )*
    };
}

parsed_text!(Email, MobileNumber, KvkNumber, AgencyNumber, OneTimeCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_and_the_domain_lower_cased() {
        assert_eq!(
            Email::parse(" Jan.Jansen@Kantoor.NL ").unwrap().as_str(),
            "Jan.Jansen@kantoor.nl"
        );
        assert_eq!(
            Email::parse("Jan@kantoor.nl").unwrap().key(),
            "jan@kantoor.nl"
        );
        for bad in [
            "",
            "jan",
            "jan@",
            "@kantoor.nl",
            "jan@kantoor",
            "jan @kantoor.nl",
            "jan..x@k.nl",
            "jan@k.1",
            "a@b@c.nl",
        ] {
            assert_eq!(Email::parse(bad), Err(ErrorCode::InvalidEmail), "{bad:?}");
        }
    }

    #[test]
    fn dutch_mobile_numbers_are_normalised_to_e164() {
        for ok in [
            "0612345678",
            "06-12345678",
            "06 1234 5678",
            "+31612345678",
            "0031612345678",
            "+31 (0)6 12345678",
        ] {
            assert_eq!(
                MobileNumber::parse(ok).unwrap().as_str(),
                "+31612345678",
                "{ok:?}"
            );
        }
        assert_eq!(
            MobileNumber::parse("+32 470 12 34 56").unwrap().as_str(),
            "+32470123456"
        );
        for bad in [
            "",
            "0201234567",
            "061234567",
            "+3161234567890",
            "+31201234567",
            "0612345678x",
            "12345678",
            "+31661234567",
        ] {
            assert_eq!(
                MobileNumber::parse(bad),
                Err(ErrorCode::InvalidMobile),
                "{bad:?}"
            );
        }
        assert_eq!(
            MobileNumber::parse("0612345678").unwrap().masked(),
            "+31 6 ••••• 678"
        );
    }

    #[test]
    fn kvk_numbers_have_exactly_eight_digits() {
        assert_eq!(KvkNumber::parse("1234 5678").unwrap().as_str(), "12345678");
        for bad in ["1234567", "123456789", "1234567a", ""] {
            assert_eq!(
                KvkNumber::parse(bad),
                Err(ErrorCode::InvalidKvkNumber),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names_codes_and_agency_numbers() {
        assert_eq!(parse_name("  Jan   de  Vries ").unwrap(), "Jan de Vries");
        assert_eq!(parse_name("   "), Err(ErrorCode::InvalidName));
        assert_eq!(OneTimeCode::parse("123 456").unwrap().as_str(), "123456");
        assert_eq!(OneTimeCode::parse("12345"), Err(ErrorCode::CodeMalformed));
        assert_eq!(
            AgencyNumber::parse(" ag-1001 ").unwrap().as_str(),
            "AG-1001"
        );
        assert_eq!(
            AgencyNumber::parse("ag 1001"),
            Err(ErrorCode::InvalidAgencyNumber)
        );
    }

    #[test]
    fn parsed_types_refuse_bad_values_when_deserialised() {
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
        assert!(serde_json::from_str::<MobileNumber>("\"0612345678\"").is_ok());
    }
}

/// The documented patterns and the parsers agree (issue 14): every text a pattern matches
/// parses, and what a parser keeps matches its pattern, on generated texts.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(text)
    }

    /// A pattern without its anchors, as proptest's generator takes it.
    fn inner(pattern: &str) -> &str {
        &pattern[1..pattern.len() - 1]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn every_documented_code_parses(text in inner(pattern::ONE_TIME_CODE)) {
            prop_assert!(OneTimeCode::parse(&text).is_ok());
        }

        #[test]
        fn a_parsed_code_is_documented(text in "[0-9 \t]{0,9}|.{0,8}") {
            if let Ok(code) = OneTimeCode::parse(&text) {
                prop_assert!(matches(pattern::ONE_TIME_CODE, code.as_str()));
            }
        }

        #[test]
        fn every_documented_mobile_number_parses(text in inner(pattern::MOBILE)) {
            prop_assert!(MobileNumber::parse(&text).is_ok(), "{text:?}");
        }

        #[test]
        fn a_parsed_mobile_number_is_documented(text in r"[+0]?[0-9 ()\-.]{0,18}|.{0,16}") {
            if let Ok(number) = MobileNumber::parse(&text) {
                prop_assert!(matches(pattern::MOBILE, number.as_str()), "{text:?} → {number}");
            }
        }

        #[test]
        fn every_documented_kvk_number_parses(text in inner(pattern::KVK_NUMBER)) {
            prop_assert!(KvkNumber::parse(&text).is_ok());
        }

        #[test]
        fn a_parsed_kvk_number_is_documented(text in "[0-9 .]{0,11}|.{0,10}") {
            if let Ok(kvk) = KvkNumber::parse(&text) {
                prop_assert!(matches(pattern::KVK_NUMBER, kvk.as_str()));
            }
        }

        #[test]
        fn every_documented_agency_number_parses(text in inner(pattern::AGENCY_NUMBER)) {
            prop_assert!(AgencyNumber::parse(&text).is_ok());
        }

        #[test]
        fn a_parsed_agency_number_is_documented(text in "[A-Za-z0-9 -]{0,22}|.{0,21}") {
            if let Ok(number) = AgencyNumber::parse(&text) {
                prop_assert!(matches(pattern::AGENCY_NUMBER, number.as_str()));
            }
        }

        #[test]
        fn every_documented_name_parses(text in inner(pattern::NAME)) {
            prop_assume!(text.chars().count() <= pattern::NAME_MAX);
            prop_assert!(parse_name(&text).is_ok(), "{text:?}");
        }

        #[test]
        fn a_parsed_name_is_documented(text in r"[\s\PC]{0,101}|.{0,101}") {
            if let Ok(name) = parse_name(&text) {
                prop_assert!(matches(pattern::NAME, &name), "{text:?} → {name:?}");
                prop_assert!(matches(pattern::NAME, &text), "what was sent is documented too: {text:?}");
                prop_assert!(name.chars().count() <= pattern::NAME_MAX);
            }
        }

        #[test]
        fn every_documented_note_and_reason_parses(note in inner(pattern::NOTE), reason in inner(pattern::REASON)) {
            prop_assume!(note.chars().count() <= pattern::NOTE_MAX);
            prop_assert!(parse_note(&note).is_ok(), "{note:?}");
            prop_assume!(reason.chars().count() <= pattern::NOTE_MAX);
            prop_assert!(parse_reason(&reason).is_ok(), "{reason:?}");
        }

        #[test]
        fn a_parsed_reason_is_documented(text in r"[\s\PC]{0,501}|.{0,501}") {
            if let Ok(reason) = parse_reason(&text) {
                prop_assert!(matches(pattern::REASON, &reason), "{text:?} → {reason:?}");
                prop_assert!(matches(pattern::REASON, &text), "what was sent is documented too: {text:?}");
                prop_assert!(matches(pattern::NOTE, &text));
            }
        }

        #[test]
        fn a_parsed_email_address_is_within_its_documented_length(text in r"[a-zA-Z0-9.@-]{1,300}") {
            if let Ok(email) = Email::parse(&text) {
                prop_assert!(email.as_str().len() <= pattern::EMAIL_MAX);
            }
        }
    }
}

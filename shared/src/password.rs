//! The password policy, the same in the API and in the browser: 12 to 128 characters, no
//! composition rules, not a common password (a list of over 10,000, also with digits or
//! punctuation around it, or repeated), and not containing the e-mail address's local part or
//! the person's name.

#[cfg(not(target_arch = "wasm32"))]
use std::sync::OnceLock;

use crate::ErrorCode;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// The list, sorted, one password per line. The API has it built in; the SPA fetches the same
/// file (`/common-passwords.txt`, copied into `dist/` by Trunk) when a password is chosen, so
/// its 81 KB are not in the wasm every visitor downloads.
#[cfg(not(target_arch = "wasm32"))]
static LIST: &str = include_str!("../data/common-passwords.txt");

#[cfg(not(target_arch = "wasm32"))]
fn common() -> &'static [&'static str] {
    static SORTED: OnceLock<Vec<&'static str>> = OnceLock::new();
    SORTED.get_or_init(|| LIST.lines().filter(|l| !l.is_empty()).collect())
}

#[cfg(not(target_arch = "wasm32"))]
fn is_common(candidate: &str) -> bool {
    common().binary_search(&candidate).is_ok()
}

/// How many entries the shipped list has (at least 10,000).
#[cfg(not(target_arch = "wasm32"))]
pub fn common_list_len() -> usize {
    common().len()
}

/// Checks a new password for the person with this e-mail address and name.
#[cfg(not(target_arch = "wasm32"))]
pub fn check(password: &str, email_local_part: &str, name: &str) -> Result<(), ErrorCode> {
    check_with(password, email_local_part, name, &is_common)
}

/// The common-password list as the SPA holds it once fetched: the file's text, sorted.
#[derive(Debug, Clone, Default)]
pub struct CommonList(Vec<String>);

impl CommonList {
    /// Reads the list file (one password per line, sorted; sorted again here to be sure).
    pub fn parse(text: &str) -> Self {
        let mut list: Vec<String> = text
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        list.sort_unstable();
        CommonList(list)
    }

    /// Whether this (lower-case) candidate is on the list.
    pub fn contains(&self, candidate: &str) -> bool {
        self.0
            .binary_search_by(|p| p.as_str().cmp(candidate))
            .is_ok()
    }
}

/// [`check`] with the list given as a question: is this lower-case word a common password?
pub fn check_with(
    password: &str,
    email_local_part: &str,
    name: &str,
    is_common: &dyn Fn(&str) -> bool,
) -> Result<(), ErrorCode> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(ErrorCode::PasswordTooShort);
    }
    if length > MAX_LENGTH {
        return Err(ErrorCode::PasswordTooLong);
    }
    let lower = password.to_lowercase();
    if looks_common(&lower, is_common) {
        return Err(ErrorCode::PasswordTooCommon);
    }
    let local = email_local_part.to_lowercase();
    if local.chars().count() >= 3 && lower.contains(&local) {
        return Err(ErrorCode::PasswordContainsPersonalData);
    }
    let name = name.to_lowercase();
    let squashed: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
    let parts = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| p.chars().count() >= 4);
    let lower_squashed: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    if (squashed.chars().count() >= 3 && lower_squashed.contains(&squashed))
        || parts.into_iter().any(|p| lower.contains(p))
    {
        return Err(ErrorCode::PasswordContainsPersonalData);
    }
    Ok(())
}

/// A common password as it is, wrapped in digits or punctuation (`Welkom2024!`), or repeated
/// (`monkeymonkey`).
fn looks_common(lower: &str, is_common: &dyn Fn(&str) -> bool) -> bool {
    if is_common(lower) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if core.chars().count() >= 4 && core != lower && is_common(core) {
        return true;
    }
    for unit in 1..=lower.len() / 2 {
        if lower.len().is_multiple_of(unit) && lower.is_char_boundary(unit) {
            let piece = &lower[..unit];
            if piece.repeat(lower.len() / unit) == lower && (unit < 4 || is_common(piece)) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_has_at_least_ten_thousand_sorted_entries() {
        assert!(common_list_len() >= 10_000);
        assert!(
            common().windows(2).all(|w| w[0] < w[1]),
            "sorted and unique"
        );
    }

    #[test]
    fn the_list_the_spa_fetches_answers_as_the_built_in_one() {
        let fetched = CommonList::parse(LIST);
        let is_fetched = |c: &str| fetched.contains(c);
        for pw in [
            "welkom123456",
            "Welkom2024!!!!",
            "monkeymonkeymonkey",
            "paarse olifant zingt",
            "aaaaaaaaaaaaaa",
        ] {
            assert_eq!(
                check_with(pw, "jan", "Jan", &is_fetched),
                check(pw, "jan", "Jan"),
                "{pw}"
            );
        }
        assert!(common().iter().all(|p| fetched.contains(p)));
        assert!(!fetched.contains("paarse olifant zingt"));
    }

    #[test]
    fn length_is_the_only_composition_rule() {
        assert_eq!(
            check("kort", "jan", "Jan"),
            Err(ErrorCode::PasswordTooShort)
        );
        assert_eq!(
            check(&"x7".repeat(65), "jan", "Jan"),
            Err(ErrorCode::PasswordTooLong)
        );
        assert_eq!(check("paarse olifant zingt", "jan", "Jan de Vries"), Ok(()));
        assert_eq!(check("alleen kleine letters hier", "jan", "Jan"), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_also_dressed_up() {
        for pw in [
            "qwertyuiop123",
            "password1234",
            "Welcome2024!!",
            "monkeymonkeymonkey",
            "aaaaaaaaaaaa",
            "1qaz2wsx3edc",
            "qazwsxedcrfv",
        ] {
            assert_eq!(
                check(pw, "jan", "Jan"),
                Err(ErrorCode::PasswordTooCommon),
                "{pw}"
            );
        }
    }

    #[test]
    fn the_email_local_part_and_the_name_are_refused() {
        assert_eq!(
            check("xx-jan.jansen-2024", "jan.jansen", "Piet"),
            Err(ErrorCode::PasswordContainsPersonalData)
        );
        assert_eq!(
            check("Vriesje is de beste", "jv", "Jan de Vries"),
            Err(ErrorCode::PasswordContainsPersonalData)
        );
        assert_eq!(
            check("jandevries!!2025", "jv", "Jan de Vries"),
            Err(ErrorCode::PasswordContainsPersonalData)
        );
    }
}

//! The password policy, the same in the API and in the browser: 12 to 128 characters, no
//! composition rules, not a common password (a list of over 10,000, also with digits or
//! punctuation around it, or repeated), and not containing the e-mail address's local part or
//! the person's name.

use std::sync::OnceLock;

use crate::ErrorCode;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

static LIST: &str = include_str!("../data/common-passwords.txt");

fn common() -> &'static [&'static str] {
    static SORTED: OnceLock<Vec<&'static str>> = OnceLock::new();
    SORTED.get_or_init(|| LIST.lines().filter(|l| !l.is_empty()).collect())
}

fn is_common(candidate: &str) -> bool {
    common().binary_search(&candidate).is_ok()
}

/// How many entries the shipped list has (at least 10,000).
pub fn common_list_len() -> usize {
    common().len()
}

/// Checks a new password for the person with this e-mail address and name.
pub fn check(password: &str, email_local_part: &str, name: &str) -> Result<(), ErrorCode> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(ErrorCode::PasswordTooShort);
    }
    if length > MAX_LENGTH {
        return Err(ErrorCode::PasswordTooLong);
    }
    let lower = password.to_lowercase();
    if looks_common(&lower) {
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
fn looks_common(lower: &str) -> bool {
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

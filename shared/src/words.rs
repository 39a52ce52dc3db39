//! Moments, audit actions and devices as people read them: in the reader's time zone, in
//! words instead of codes, "Chrome on Windows" instead of a user-agent string. The SPA shows
//! them; they live here so they are tested natively.

use chrono::{DateTime, Duration, Utc};

/// The two languages of the screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

/// A moment as the user's language writes it, `offset_minutes` east of UTC.
pub fn format_time(lang: Lang, at: DateTime<Utc>, offset_minutes: i64) -> String {
    let local = at.naive_utc() + Duration::minutes(offset_minutes);
    match lang {
        Lang::Nl => local.format("%d-%m-%Y %H:%M").to_string(),
        Lang::En => local.format("%-d %b %Y %H:%M").to_string(),
    }
}

/// What an audit action means, in both languages; `None` for an action this version does not
/// know (the code is shown then).
pub fn action_text(action: &str) -> Option<[&'static str; 2]> {
    Some(match action {
        "account.admin_appointed" => ["Benoemd tot beheerder", "Appointed administrator"],
        "account.admin_removed" => ["Geen beheerder meer", "Administrator role removed"],
        "account.blocked" => [
            "Account geblokkeerd na te veel verkeerde wachtwoorden",
            "Account blocked after too many wrong passwords",
        ],
        "account.deactivated" => ["Account gedeactiveerd", "Account deactivated"],
        "account.deleted" => ["Account verwijderd", "Account deleted"],
        "account.reactivated" => ["Account weer actief gemaakt", "Account reactivated"],
        "account.rights_changed" => ["Rechten gewijzigd", "Rights changed"],
        "account.sign_in_reset" => [
            "Inlogmethoden gewist om opnieuw in te stellen",
            "Sign-in set-up reset",
        ],
        "account.unblocked" => ["Blokkade opgeheven", "Unblocked"],
        "authenticator.replaced" => [
            "Nieuwe authenticator-app gekoppeld",
            "New authenticator app linked",
        ],
        "forgot_email.sent" => ["E-mailadres per sms gestuurd", "E-mail address sent by SMS"],
        "invitation.accepted" => ["Uitnodiging geaccepteerd", "Invitation accepted"],
        "invitation.renewal_refused" => [
            "Verlopen uitnodiging niet vernieuwd (te vaak vandaag)",
            "Expired invitation not renewed (too often today)",
        ],
        "invitation.renewed" => [
            "Verlopen uitnodiging vernieuwd",
            "Expired invitation renewed",
        ],
        "invitation.resent" => ["Uitnodiging opnieuw verstuurd", "Invitation sent again"],
        "invitation.sent" => ["Uitnodiging verstuurd", "Invitation sent"],
        "invitation.withdrawn" => ["Uitnodiging ingetrokken", "Invitation withdrawn"],
        "mobile.change_code_sent" => [
            "Code naar een nieuw mobiel nummer gestuurd",
            "Code sent to a new mobile number",
        ],
        "mobile.changed" => ["Mobiel nummer gewijzigd", "Mobile number changed"],
        "mobile.removed" => ["Mobiel nummer verwijderd", "Mobile number removed"],
        "office.created" => ["Kantoor aangemaakt", "Office created"],
        "office.updated" => ["Kantoor gewijzigd", "Office changed"],
        "password.change_failed" => ["Wachtwoord wijzigen mislukt", "Password change failed"],
        "password.changed" => ["Wachtwoord gewijzigd", "Password changed"],
        "password_reset.code_wrong" => [
            "Verkeerde code bij wachtwoord herstellen",
            "Wrong code while resetting the password",
        ],
        "password_reset.completed" => [
            "Nieuw wachtwoord ingesteld via 'Wachtwoord vergeten'",
            "New password set through 'Forgot password'",
        ],
        "password_reset.requested" => [
            "'Wachtwoord vergeten' aangevraagd",
            "'Forgot password' requested",
        ],
        "password_reset.sms_sent" => [
            "Sms-code gestuurd om het wachtwoord te herstellen",
            "SMS code sent to reset the password",
        ],
        "password_reset.verified" => [
            "Code voor wachtwoord herstellen goedgekeurd",
            "Password reset code accepted",
        ],
        "portfolio.created" => ["Portefeuille aangemaakt", "Portfolio created"],
        "portfolio.updated" => ["Portefeuille gewijzigd", "Portfolio changed"],
        "session.ended" => [
            "Uitgelogd of sessie beëindigd",
            "Signed out or session ended",
        ],
        "session.portfolio_selected" => ["Portefeuille gekozen", "Portfolio chosen"],
        "session.reauthenticated" => ["Identiteit bevestigd", "Identity confirmed"],
        "session.reauthentication_failed" => [
            "Identiteit bevestigen mislukt",
            "Identity confirmation failed",
        ],
        "session.started" => ["Ingelogd", "Signed in"],
        "setup.authenticator_code_wrong" => [
            "Verkeerde code van de authenticator-app bij het instellen",
            "Wrong authenticator code during set-up",
        ],
        "setup.mobile_code_sent" => [
            "Sms-code gestuurd bij het instellen",
            "SMS code sent during set-up",
        ],
        "setup.mobile_code_wrong" => [
            "Verkeerde sms-code bij het instellen",
            "Wrong SMS code during set-up",
        ],
        "setup.mobile_verified" => ["Mobiel nummer bevestigd", "Mobile number confirmed"],
        "setup.password_chosen" => ["Wachtwoord gekozen", "Password chosen"],
        "setup.resume_failed" => [
            "Verder gaan met instellen mislukt",
            "Resuming the set-up failed",
        ],
        "sign_in.code_wrong" => ["Verkeerde code bij het inloggen", "Wrong code at sign-in"],
        "sign_in.failed" => ["Inloggen mislukt", "Sign-in failed"],
        "sign_in.password_accepted" => [
            "Wachtwoord goedgekeurd bij het inloggen",
            "Password accepted at sign-in",
        ],
        "sign_in.password_expired" => [
            "Wachtwoord verlopen bij het inloggen",
            "Password expired at sign-in",
        ],
        "sign_in.refused" => ["Inloggen geweigerd", "Sign-in refused"],
        "sign_in.sms_sent" => [
            "Sms-code gestuurd om in te loggen",
            "SMS code sent to sign in",
        ],
        _ => return None,
    })
}

/// "Chrome op Windows" from a user-agent string; empty when nothing is recognised.
pub fn device(lang: Lang, user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        Some("Edge")
    } else if ua.contains("Firefox/") {
        Some("Firefox")
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") {
        Some("Chrome")
    } else if ua.contains("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let system = if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        Some("iOS")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    let on = match lang {
        Lang::Nl => "op",
        Lang::En => "on",
    };
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} {on} {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) => user_agent.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_the_api_writes_has_words() {
        // The API's source is the list of actions: every `"x.y"` literal handed to audit().
        let sources = ["services", "routes"]
            .iter()
            .flat_map(|d| {
                std::fs::read_dir(format!("{}/../api/src/{d}", env!("CARGO_MANIFEST_DIR")))
                    .expect("api/src")
                    .flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            })
            .collect::<Vec<_>>();
        assert!(sources.len() > 5, "the API's sources are where they were");
        let mut missing = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for source in &sources {
            for literal in source.split('"').skip(1).step_by(2) {
                let known_prefix = [
                    "account.",
                    "authenticator.",
                    "forgot_email.",
                    "invitation.",
                    "mobile.",
                    "office.",
                    "password.",
                    "password_reset.",
                    "portfolio.",
                    "session.",
                    "setup.",
                    "sign_in.",
                ]
                .iter()
                .any(|p| literal.starts_with(p));
                let shaped = literal
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
                    && literal.matches('.').count() == 1;
                if known_prefix && shaped {
                    seen.insert(literal.to_string());
                    if action_text(literal).is_none() {
                        missing.push(literal.to_string());
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "audit actions without words: {missing:?}"
        );
    }

    #[test]
    fn devices_are_named() {
        let chrome_linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(device(Lang::Nl, chrome_linux), "Chrome op Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(device(Lang::En, edge), "Edge on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device(Lang::Nl, iphone), "Safari op iOS");
        assert_eq!(device(Lang::Nl, "curl/8.0"), "curl/8.0");
    }

    #[test]
    fn times_are_written_the_local_way() {
        let at = DateTime::parse_from_rfc3339("2026-03-05T09:07:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_time(Lang::Nl, at, 60), "05-03-2026 10:07");
        assert_eq!(format_time(Lang::En, at, 0), "5 Mar 2026 09:07");
    }
}

//! Moments, audit actions and devices as people read them: in the reader's time zone, in
//! words instead of codes, "Chrome on Windows" instead of a user-agent string. The SPA shows
//! them; they live here so they are tested natively.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

use crate::dto::AuditAction;

/// The two languages of the screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

/// A count with its thousands grouped: `12.345` in Dutch, `12,345` in English.
pub fn format_count(lang: Lang, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mark = match lang {
        Lang::Nl => '.',
        Lang::En => ',',
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(mark);
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A moment as the user's language writes it, `offset_minutes` east of UTC. Written out by
/// hand: chrono's `format` brings its whole pattern language into the SPA's wasm.
pub fn format_time(lang: Lang, at: DateTime<Utc>, offset_minutes: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = at.naive_utc() + Duration::minutes(offset_minutes);
    let (day, month, year) = (local.day(), local.month(), local.year());
    let (hour, minute) = (local.hour(), local.minute());
    match lang {
        Lang::Nl => format!("{day:02}-{month:02}-{year} {hour:02}:{minute:02}"),
        Lang::En => format!(
            "{day} {} {year} {hour:02}:{minute:02}",
            MONTHS[month as usize - 1]
        ),
    }
}

/// The value of a date input, `YYYY-MM-DD` (read by hand, like [`format_time`]).
pub fn date_input(value: &str) -> Option<chrono::NaiveDate> {
    let mut parts = value.splitn(3, '-');
    let mut number = || parts.next()?.parse::<u32>().ok();
    let (year, month, day) = (number()?, number()?, number()?);
    chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// What an audit action means, in both languages. Exhaustive: an action without words does
/// not compile.
pub fn action_text(action: AuditAction) -> [&'static str; 2] {
    use AuditAction::*;
    match action {
        AccountAdminAppointed => ["Benoemd tot beheerder", "Appointed administrator"],
        AccountAdminRemoved => ["Geen beheerder meer", "Administrator role removed"],
        AccountBlocked => [
            "Account geblokkeerd na te veel verkeerde wachtwoorden of codes",
            "Account blocked after too many wrong passwords or codes",
        ],
        AccountDeactivated => ["Account gedeactiveerd", "Account deactivated"],
        AccountDeleted => ["Account verwijderd", "Account deleted"],
        AccountReactivated => ["Account weer actief gemaakt", "Account reactivated"],
        AccountRecoveryClosed => [
            "Wachtwoord vergeten afgesloten na te veel verkeerde codes",
            "Forgot password closed after too many wrong codes",
        ],
        AccountRightsChanged => ["Rechten gewijzigd", "Rights changed"],
        AccountMoved => ["Naar een ander kantoor verhuisd", "Moved to another office"],
        MoveRequestCreated => [
            "Verhuizing naar dit kantoor gevraagd",
            "Move to this office requested",
        ],
        MoveRequestDeclined => ["Verhuisverzoek afgewezen", "Move request declined"],
        AccessReviewCompleted => [
            "Herbeoordeling van rechten afgerond",
            "Access review completed",
        ],
        AccessReviewConfirmed => [
            "Rechten bevestigd bij herbeoordeling",
            "Rights confirmed in access review",
        ],
        AccessReviewReminderSent => [
            "Herinnering herbeoordeling verstuurd",
            "Access review reminder sent",
        ],
        AccessRequestCreated => ["Toegang aangevraagd", "Access requested"],
        AccessRequestDeclined => ["Verzoek om toegang afgewezen", "Access request declined"],
        AccessRequestGranted => ["Verzoek om toegang toegekend", "Access request granted"],
        AccessRequestWithdrawn => ["Verzoek om toegang ingetrokken", "Access request withdrawn"],
        ApiClientChanged => ["Koppeling gewijzigd", "API client changed"],
        ApiClientCreated => ["Koppeling aangemaakt", "API client created"],
        ApiClientKeyAdded => ["Sleutel van koppeling toegevoegd", "API client key added"],
        ApiClientKeyRemoved => ["Sleutel van koppeling verwijderd", "API client key removed"],
        ApiClientRevoked => ["Koppeling ingetrokken", "API client revoked"],
        ApiClientSecretCreated => ["Nieuw geheim voor koppeling", "New API client secret"],
        ApiClientTokenIssued => ["Koppeling kreeg een token", "API client got a token"],
        ApiClientTokenRefused => ["Token voor koppeling geweigerd", "API client token refused"],
        AccountSignInReset => [
            "Inlogmethoden gewist om opnieuw in te stellen",
            "Sign-in set-up reset",
        ],
        AccountUnblocked => ["Blokkade opgeheven", "Unblocked"],
        EherkenningLinked => ["eHerkenning gekoppeld", "eHerkenning linked"],
        EherkenningRefused => ["eHerkenning geweigerd", "eHerkenning refused"],
        EherkenningUnlinked => ["eHerkenning ontkoppeld", "eHerkenning unlinked"],
        AuthenticatorReplaced => [
            "Nieuwe authenticator-app gekoppeld",
            "New authenticator app linked",
        ],
        PasskeyAdded => ["Passkey toegevoegd", "Passkey added"],
        PasskeyRemoved => ["Passkey verwijderd", "Passkey removed"],
        PasskeyRenamed => ["Passkey hernoemd", "Passkey renamed"],
        SignInPasskeyRefused => [
            "Passkey geweigerd bij het inloggen",
            "Passkey refused at sign-in",
        ],
        ForgotEmailSent => ["E-mailadres per sms gestuurd", "E-mail address sent by SMS"],
        InvitationAccepted => ["Uitnodiging geaccepteerd", "Invitation accepted"],
        InvitationRenewalRefused => [
            "Verlopen uitnodiging niet vernieuwd (te vaak vandaag)",
            "Expired invitation not renewed (too often today)",
        ],
        InvitationRenewed => [
            "Verlopen uitnodiging vernieuwd",
            "Expired invitation renewed",
        ],
        InvitationResent => ["Uitnodiging opnieuw verstuurd", "Invitation sent again"],
        InvitationSent => ["Uitnodiging verstuurd", "Invitation sent"],
        InvitationWithdrawn => ["Uitnodiging ingetrokken", "Invitation withdrawn"],
        MobileChangeCodeSent => [
            "Code naar een nieuw mobiel nummer gestuurd",
            "Code sent to a new mobile number",
        ],
        MobileChanged => ["Mobiel nummer gewijzigd", "Mobile number changed"],
        MobileRemoved => ["Mobiel nummer verwijderd", "Mobile number removed"],
        OfficeCreated => ["Kantoor aangemaakt", "Office created"],
        OfficeUpdated => ["Kantoor gewijzigd", "Office changed"],
        PasswordChangeFailed => ["Wachtwoord wijzigen mislukt", "Password change failed"],
        PasswordChanged => ["Wachtwoord gewijzigd", "Password changed"],
        PasswordResetCodeWrong => [
            "Verkeerde code bij wachtwoord herstellen",
            "Wrong code while resetting the password",
        ],
        PasswordResetCompleted => [
            "Nieuw wachtwoord ingesteld via 'Wachtwoord vergeten'",
            "New password set through 'Forgot password'",
        ],
        PasswordResetRequested => [
            "'Wachtwoord vergeten' aangevraagd",
            "'Forgot password' requested",
        ],
        PasswordResetSmsSent => [
            "Sms-code gestuurd om het wachtwoord te herstellen",
            "SMS code sent to reset the password",
        ],
        PasswordResetVerified => [
            "Code voor wachtwoord herstellen goedgekeurd",
            "Password reset code accepted",
        ],
        PortfolioCreated => ["Portefeuille aangemaakt", "Portfolio created"],
        PortfolioUpdated => ["Portefeuille gewijzigd", "Portfolio changed"],
        SessionEnded => [
            "Uitgelogd of sessie beëindigd",
            "Signed out or session ended",
        ],
        SessionPortfolioSelected => ["Portefeuille gekozen", "Portfolio chosen"],
        SessionReauthenticated => ["Identiteit bevestigd", "Identity confirmed"],
        SessionReauthenticationFailed => [
            "Identiteit bevestigen mislukt",
            "Identity confirmation failed",
        ],
        SessionStarted => ["Ingelogd", "Signed in"],
        SetupAuthenticatorCodeWrong => [
            "Verkeerde code van de authenticator-app bij het instellen",
            "Wrong authenticator code during set-up",
        ],
        SetupMobileCodeSent => [
            "Sms-code gestuurd bij het instellen",
            "SMS code sent during set-up",
        ],
        SetupMobileCodeWrong => [
            "Verkeerde sms-code bij het instellen",
            "Wrong SMS code during set-up",
        ],
        SetupMobileVerified => ["Mobiel nummer bevestigd", "Mobile number confirmed"],
        SetupPasswordChosen => ["Wachtwoord gekozen", "Password chosen"],
        SetupResumeFailed => [
            "Verder gaan met instellen mislukt",
            "Resuming the set-up failed",
        ],
        SignInCodeWrong => ["Verkeerde code bij het inloggen", "Wrong code at sign-in"],
        SignInFailed => ["Inloggen mislukt", "Sign-in failed"],
        SignInPasswordAccepted => [
            "Wachtwoord goedgekeurd bij het inloggen",
            "Password accepted at sign-in",
        ],
        SignInPasswordExpired => [
            "Wachtwoord verlopen bij het inloggen",
            "Password expired at sign-in",
        ],
        SignInRefused => ["Inloggen geweigerd", "Sign-in refused"],
        SignInSmsSent => [
            "Sms-code gestuurd om in te loggen",
            "SMS code sent to sign in",
        ],
    }
}

/// The words for an action's wire name; `None` for one this version does not know (a newer
/// server's: the SPA shows the code then).
pub fn action_words(action: &str) -> Option<[&'static str; 2]> {
    AuditAction::parse(action).map(action_text)
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
    fn counts_have_their_thousands_grouped() {
        assert_eq!(format_count(Lang::Nl, 0), "0");
        assert_eq!(format_count(Lang::Nl, 999), "999");
        assert_eq!(format_count(Lang::Nl, 1000), "1.000");
        assert_eq!(format_count(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(format_count(Lang::En, -12_345), "-12,345");
    }

    #[test]
    fn every_action_has_words_in_both_languages() {
        for action in AuditAction::ALL {
            let [nl, en] = action_text(*action);
            assert!(!nl.is_empty() && !en.is_empty(), "{action}");
            assert_eq!(action_words(action.as_str()), Some([nl, en]));
        }
        assert_eq!(action_words("something.new"), None);
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
        let new_year = DateTime::parse_from_rfc3339("2026-12-31T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_time(Lang::En, new_year, 60), "1 Jan 2027 00:30");
        assert_eq!(format_time(Lang::Nl, new_year, 0), "31-12-2026 23:30");
    }

    #[test]
    fn a_date_input_is_read() {
        let date = chrono::NaiveDate::from_ymd_opt;
        assert_eq!(date_input("2027-01-31"), date(2027, 1, 31));
        assert_eq!(date_input("2027-02-30"), None);
        assert_eq!(date_input(""), None);
        assert_eq!(date_input("2027-01"), None);
        assert_eq!(date_input("2027-01-x1"), None);
    }
}

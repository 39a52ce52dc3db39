//! The texts of e-mails and SMS. E-mails are in Dutch with an English translation below, as
//! the recipient has not chosen a language yet; SMS are short and Dutch.

use poort_shared::dto::Channel;

use crate::configuration::Settings;
use crate::store::NewMessage;

/// Why an invitation e-mail goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationMail {
    /// First invitation to a new account.
    New,
    /// Sent again by an administrator or the relations team.
    Resent,
    /// The invitee opened an expired link; this is the fresh one.
    Renewed,
    /// The relations team reset the sign-in set-up of an existing account.
    Reset,
}

pub struct InvitationText<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub office: Option<&'a str>,
    pub link: &'a str,
    pub valid_days: i64,
}

pub fn invitation(settings: &Settings, why: InvitationMail, t: &InvitationText<'_>) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    let phone = &settings.branding.support_phone;
    let office_nl = t
        .office
        .map(|o| format!(" voor kantoor {o}"))
        .unwrap_or_default();
    let office_en = t
        .office
        .map(|o| format!(" for the office {o}"))
        .unwrap_or_default();
    let (subject, intro_nl, intro_en) = match why {
        InvitationMail::New | InvitationMail::Resent => (
            format!(
                "Uitnodiging voor het extranet van {insurer} / Invitation to the {insurer} extranet"
            ),
            format!("U bent uitgenodigd voor het extranet van {insurer}{office_nl}."),
            format!("You have been invited to the {insurer} extranet{office_en}."),
        ),
        InvitationMail::Renewed => (
            format!(
                "Nieuwe uitnodigingslink voor het extranet van {insurer} / New invitation link"
            ),
            "De link in uw vorige uitnodiging was verlopen. Hier is een nieuwe.".to_string(),
            "The link in your previous invitation had expired. Here is a new one.".to_string(),
        ),
        InvitationMail::Reset => (
            format!("Stel uw inlogmethoden opnieuw in / Set up your sign-in again ({insurer})"),
            format!(
                "Team Relatiebeheer heeft uw inlogmethoden voor het extranet van {insurer} gewist. \
                 Stel ze opnieuw in via de link hieronder."
            ),
            format!(
                "Team Relatiebeheer has cleared your sign-in methods for the {insurer} extranet. \
                 Set them up again with the link below."
            ),
        ),
    };
    let days = t.valid_days;
    let body = format!(
        "Beste {name},\n\n{intro_nl}\n\nKlik op de link om uw wachtwoord te kiezen, uw mobiele nummer te \
         bevestigen en uw authenticator-app te koppelen. De link is {days} dagen geldig en werkt één keer.\n\n\
         {link}\n\nHeeft u deze e-mail niet verwacht? Neem dan contact op met Team Relatiebeheer: {phone}.\n\n\
         ---\n\nDear {name},\n\n{intro_en}\n\nFollow the link to choose your password, confirm your mobile \
         number and link your authenticator app. The link is valid for {days} days and works once.\n\n\
         {link}\n\nDid you not expect this e-mail? Please contact Team Relatiebeheer: {phone}.\n",
        name = t.name,
        link = t.link,
    );
    NewMessage {
        channel: Channel::Email,
        recipient: t.to.to_string(),
        subject: Some(subject),
        body,
    }
}

/// An SMS with a one-time code.
pub fn sms_code(settings: &Settings, to: &str, code: &str, valid_minutes: i64) -> NewMessage {
    NewMessage {
        channel: Channel::Sms,
        recipient: to.to_string(),
        subject: None,
        body: format!(
            "Uw verificatiecode voor het extranet van {}: {code}. Deze code is {valid_minutes} minuten geldig. \
             Deel deze code met niemand.",
            settings.branding.insurer_name
        ),
    }
}

fn email(to: &str, subject: String, body: String) -> NewMessage {
    NewMessage {
        channel: Channel::Email,
        recipient: to.to_string(),
        subject: Some(subject),
        body,
    }
}

/// Why an account was blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    WrongPasswords,
    WrongCodes,
}

/// The account was blocked after too many wrong passwords or codes.
pub fn account_blocked(
    settings: &Settings,
    why: Blocked,
    to: &str,
    name: &str,
    reset_page: &str,
) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    let phone = &settings.branding.support_phone;
    let (what_nl, what_en) = match why {
        Blocked::WrongPasswords => (
            "Er is te vaak een verkeerd wachtwoord ingevuld voor uw account.",
            "A wrong password was entered too often for your account,",
        ),
        Blocked::WrongCodes => (
            "Er is te vaak een verkeerde code (van de authenticator-app of per sms) ingevuld voor uw account.",
            "A wrong code (from the authenticator app or by SMS) was entered too often for your account,",
        ),
    };
    email(
        to,
        format!(
            "Uw account voor het extranet van {insurer} is geblokkeerd / Your account is blocked"
        ),
        format!(
            "Beste {name},\n\n{what_nl} Daarom is het \
             geblokkeerd. Stel een nieuw wachtwoord in via 'Wachtwoord vergeten'; daarmee is uw account weer \
             vrijgegeven:\n\n{reset_page}\n\nHeeft u dit niet zelf gedaan? Neem contact op met Team \
             Relatiebeheer: {phone}.\n\n---\n\nDear {name},\n\n{what_en} so it has been blocked. Set a new \
             password with 'Forgot password' to unblock it:\n\n\
             {reset_page}\n\nWas this not you? Please contact Team Relatiebeheer: {phone}.\n"
        ),
    )
}

/// Forgot password was closed after too many wrong codes: only the relations team helps now.
pub fn recovery_closed(settings: &Settings, to: &str, name: &str) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    let (phone, mail) = (
        &settings.branding.support_phone,
        &settings.branding.support_email,
    );
    email(
        to,
        format!(
            "Uw account voor het extranet van {insurer} is afgesloten / Your account is locked"
        ),
        format!(
            "Beste {name},\n\nOok bij 'Wachtwoord vergeten' is te vaak een verkeerde code ingevuld. Daarom kan \
             uw account alleen nog worden geopend door Team Relatiebeheer; zij stellen uw inlogmethoden opnieuw in. \
             Neem contact op: {phone} of {mail}.\n\n---\n\nDear {name},\n\nA wrong code was also entered too \
             often in 'Forgot password'. Your account can now only be opened by Team Relatiebeheer, who will reset \
             your sign-in methods. Please contact them: {phone} or {mail}.\n"
        ),
    )
}

/// A link to choose a new password.
pub fn password_reset(
    settings: &Settings,
    to: &str,
    name: &str,
    link: &str,
    valid_minutes: i64,
) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    let phone = &settings.branding.support_phone;
    email(
        to,
        format!("Wachtwoord herstellen voor het extranet van {insurer} / Reset your password"),
        format!(
            "Beste {name},\n\nU heeft gevraagd uw wachtwoord te herstellen. Kies een nieuw wachtwoord via deze \
             link (geldig {valid_minutes} minuten, werkt één keer):\n\n{link}\n\nHeeft u dit niet gevraagd? Dan \
             kunt u deze e-mail negeren; uw wachtwoord blijft hetzelfde. Vragen: Team Relatiebeheer, {phone}.\n\n\
             ---\n\nDear {name},\n\nYou asked to reset your password. Choose a new one with this link (valid \
             {valid_minutes} minutes, works once):\n\n{link}\n\nDid you not ask for this? Then ignore this \
             e-mail; your password stays the same. Questions: Team Relatiebeheer, {phone}.\n"
        ),
    )
}

/// A notice after a security change, so a person notices a change they did not make.
pub fn security_notice(
    settings: &Settings,
    to: &str,
    name: &str,
    what_nl: &str,
    what_en: &str,
) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    let phone = &settings.branding.support_phone;
    email(
        to,
        format!(
            "Wijziging in uw account voor het extranet van {insurer} / A change to your account"
        ),
        format!(
            "Beste {name},\n\n{what_nl}\n\nHeeft u dit niet zelf gedaan? Neem dan direct contact op met Team \
             Relatiebeheer: {phone}.\n\n---\n\nDear {name},\n\n{what_en}\n\nWas this not you? Please contact Team \
             Relatiebeheer at once: {phone}.\n"
        ),
    )
}

/// Forgot e-mail address: the addresses registered with a number.
pub fn forgot_email(settings: &Settings, to: &str, addresses: &[String]) -> NewMessage {
    NewMessage {
        channel: Channel::Sms,
        recipient: to.to_string(),
        subject: None,
        body: format!(
            "Uw e-mailadres voor het extranet van {}: {}",
            settings.branding.insurer_name,
            addresses.join(", ")
        ),
    }
}

/// To the old number when the mobile number changes.
pub fn mobile_changed_sms(settings: &Settings, to: &str) -> NewMessage {
    NewMessage {
        channel: Channel::Sms,
        recipient: to.to_string(),
        subject: None,
        body: format!(
            "Het mobiele nummer van uw account voor het extranet van {} is gewijzigd. Niet door u gedaan? Bel {}.",
            settings.branding.insurer_name, settings.branding.support_phone
        ),
    }
}

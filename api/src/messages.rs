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

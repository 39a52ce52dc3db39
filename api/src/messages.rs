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

/// What an access-request e-mail to an administrator says.
pub struct AccessRequestedText<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub asker: &'a str,
    pub asker_email: &'a str,
    /// One line per portfolio, in Dutch and in English.
    pub rights_nl: &'a str,
    pub rights_en: &'a str,
    pub note: Option<&'a str>,
    pub link: &'a str,
    pub valid_days: i64,
}

/// To the office's administrators: an adviser asks for rights.
pub fn access_requested(settings: &Settings, t: &AccessRequestedText<'_>) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    let note_nl = t
        .note
        .map(|n| format!("\nToelichting:\n“{n}”\n"))
        .unwrap_or_default();
    let note_en = t
        .note
        .map(|n| format!("\nNote:\n“{n}”\n"))
        .unwrap_or_default();
    email(
        t.to,
        format!(
            "{} vraagt toegang op het extranet van {insurer} / {} asks for access",
            t.asker, t.asker
        ),
        format!(
            "Beste {name},\n\n{asker} ({asker_email}) vraagt deze rechten:\n\n{rights_nl}\n{note_nl}\nKen ze toe \
             (u kunt ze aanpassen) of wijs het verzoek af onder Gebruikersbeheer → Toegangsverzoeken:\n\n{link}\n\n\
             Zonder antwoord vervalt het verzoek na {days} dagen.\n\n---\n\nDear {name},\n\n{asker} ({asker_email}) \
             asks for these rights:\n\n{rights_en}\n{note_en}\nGrant them (you can adjust them) or decline the request \
             under User management → Access requests:\n\n{link}\n\nWithout an answer the request expires after {days} days.\n",
            name = t.name,
            asker = t.asker,
            asker_email = t.asker_email,
            rights_nl = t.rights_nl,
            rights_en = t.rights_en,
            link = t.link,
            days = t.valid_days,
        ),
    )
}

/// To the adviser: the request was granted.
pub fn access_granted(
    settings: &Settings,
    to: &str,
    name: &str,
    rights_nl: &str,
    rights_en: &str,
    link: &str,
) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    email(
        to,
        format!("Uw verzoek om toegang is toegekend / Your access request was granted ({insurer})"),
        format!(
            "Beste {name},\n\nUw verzoek om toegang op het extranet van {insurer} is toegekend. U heeft nu ook \
             deze rechten:\n\n{rights_nl}\n\n{link}\n\n---\n\nDear {name},\n\nYour access request for the {insurer} \
             extranet was granted. You now also have these rights:\n\n{rights_en}\n\n{link}\n"
        ),
    )
}

/// To the adviser: the request was declined, with the administrator's reason.
pub fn access_declined(settings: &Settings, to: &str, name: &str, reason: &str) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    email(
        to,
        format!(
            "Uw verzoek om toegang is afgewezen / Your access request was declined ({insurer})"
        ),
        format!(
            "Beste {name},\n\nDe gebruikersbeheerder van uw kantoor heeft uw verzoek om toegang op het extranet \
             van {insurer} afgewezen. De reden:\n\n“{reason}”\n\nVragen? Neem contact op met de gebruikersbeheerder \
             van uw kantoor.\n\n---\n\nDear {name},\n\nYour office's user administrator declined your access request \
             for the {insurer} extranet. The reason:\n\n“{reason}”\n\nQuestions? Please contact your office's user \
             administrator.\n"
        ),
    )
}

/// To the person: they were moved to another office.
pub fn moved_person(
    settings: &Settings,
    to: &str,
    name: &str,
    old_office: &str,
    new_office: &str,
    eherkenning_unlinked: bool,
) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    let phone = &settings.branding.support_phone;
    let (ehk_nl, ehk_en) = if eherkenning_unlinked {
        (
            " Uw eHerkenning was voor een ander bedrijf en is ontkoppeld; koppel die van uw nieuwe kantoor in Mijn account.",
            " Your eHerkenning was for another company and has been unlinked; link your new office's in My account.",
        )
    } else {
        ("", "")
    };
    email(
        to,
        format!("U bent naar een ander kantoor verhuisd / You moved to another office ({insurer})"),
        format!(
            "Beste {name},\n\nTeam Relatiebeheer heeft uw account op het extranet van {insurer} verhuisd van {old_office} \
             naar {new_office}. U logt in zoals u gewend bent.{ehk_nl} Uw rechten bij {old_office} zijn vervallen; de \
             gebruikersbeheerder van {new_office} kent u nieuwe rechten toe.\n\nHeeft u dit niet verwacht? Neem contact \
             op met Team Relatiebeheer: {phone}.\n\n---\n\nDear {name},\n\nTeam Relatiebeheer has moved your account on the \
             {insurer} extranet from {old_office} to {new_office}. You sign in as before.{ehk_en} Your rights at \
             {old_office} have ended; the user administrator of {new_office} grants you new ones.\n\nDid you not expect \
             this? Please contact Team Relatiebeheer: {phone}.\n"
        ),
    )
}

/// To the old office's administrators: a person left for another office (which one is not said).
pub fn moved_away(settings: &Settings, to: &str, name: &str, person: &str) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    email(
        to,
        format!("{person} is naar een ander kantoor verhuisd / {person} moved to another office"),
        format!(
            "Beste {name},\n\nTeam Relatiebeheer heeft het account van {person} op het extranet van {insurer} naar een \
             ander kantoor verhuisd. Alle rechten op de portefeuilles van uw kantoor zijn vervallen.\n\n---\n\n\
             Dear {name},\n\nTeam Relatiebeheer has moved {person}'s account on the {insurer} extranet to another \
             office. All rights on your office's portfolios have ended.\n"
        ),
    )
}

/// To the new office's administrators: a person joined; grant their rights.
pub fn moved_in(
    settings: &Settings,
    to: &str,
    name: &str,
    person: &str,
    person_email: &str,
    link: &str,
) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    email(
        to,
        format!("{person} hoort nu bij uw kantoor / {person} joined your office"),
        format!(
            "Beste {name},\n\nTeam Relatiebeheer heeft het account van {person} ({person_email}) op het extranet van \
             {insurer} naar uw kantoor verhuisd. Ken de rechten toe onder Gebruikersbeheer:\n\n{link}\n\n---\n\n\
             Dear {name},\n\nTeam Relatiebeheer has moved {person}'s account ({person_email}) on the {insurer} extranet \
             to your office. Grant their rights under User management:\n\n{link}\n"
        ),
    )
}

/// To the relations team (`branding.support_email`): an office asks to move a person in.
pub fn move_requested(
    settings: &Settings,
    person: &str,
    person_email: &str,
    office: &str,
    requester: Option<&str>,
    note: Option<&str>,
    link: &str,
) -> NewMessage {
    let by = requester.map(|r| format!(" ({r})")).unwrap_or_default();
    let note = note.map(|n| format!("\n“{n}”\n")).unwrap_or_default();
    email(
        &settings.branding.support_email,
        format!("Verhuisverzoek: {person} naar {office} / Move request"),
        format!(
            "{office}{by} vraagt om {person} ({person_email}) naar hun kantoor te verhuizen.\n{note}\n{link}\n\n---\n\n\
             {office}{by} asks to move {person} ({person_email}) to their office.\n"
        ),
    )
}

/// To the administrator who asked: the relations team declined the move.
pub fn move_declined(
    settings: &Settings,
    to: &str,
    name: &str,
    person: &str,
    reason: &str,
) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    email(
        to,
        format!("Verhuisverzoek afgewezen / Move request declined ({insurer})"),
        format!(
            "Beste {name},\n\nTeam Relatiebeheer heeft uw verzoek om {person} naar uw kantoor te verhuizen afgewezen. \
             De reden:\n\n“{reason}”\n\n---\n\nDear {name},\n\nTeam Relatiebeheer declined your request to move \
             {person} to your office. The reason:\n\n“{reason}”\n"
        ),
    )
}

/// To an office's administrators: the access review is due in `days` days.
pub fn review_reminder(
    settings: &Settings,
    to: &str,
    name: &str,
    pending: usize,
    days: i64,
    link: &str,
) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    email(
        to,
        format!("Herbeoordeling van rechten over {days} dagen / Access review due in {days} days"),
        format!(
            "Beste {name},\n\nOver {days} dagen moet de periodieke herbeoordeling van de rechten van uw kantoor op het \
             extranet van {insurer} klaar zijn. Nog te bevestigen: {pending} (account, portefeuille). Bevestig, wijzig of \
             deactiveer onder Gebruikersbeheer → Herbeoordeling:\n\n{link}\n\n---\n\nDear {name},\n\nIn {days} days the \
             periodic review of your office's rights on the {insurer} extranet is due. Still to confirm: {pending} \
             (account, portfolio). Confirm, change or deactivate under User management → Access review:\n\n{link}\n"
        ),
    )
}

/// To a person deactivated because the review did not confirm their rights in time.
pub fn review_deactivated(settings: &Settings, to: &str, name: &str) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    email(
        to,
        format!("Uw account is gedeactiveerd / Your account has been deactivated ({insurer})"),
        format!(
            "Beste {name},\n\nDe gebruikersbeheerder van uw kantoor heeft uw rechten op het extranet van {insurer} niet \
             op tijd opnieuw bevestigd. Daarom is uw account gedeactiveerd. Neem contact op met de gebruikersbeheerder \
             van uw kantoor; die kan het weer activeren.\n\n---\n\nDear {name},\n\nYour office's user administrator did \
             not confirm your rights on the {insurer} extranet in time, so your account has been deactivated. Please \
             contact your office's user administrator, who can reactivate it.\n"
        ),
    )
}

/// To an office's administrators: accounts were deactivated after the overdue review.
pub fn review_enforced(settings: &Settings, to: &str, name: &str, people: &[String]) -> NewMessage {
    let insurer = &settings.branding.insurer_name;
    let list = people.join(", ");
    email(
        to,
        format!(
            "Accounts gedeactiveerd na herbeoordeling / Accounts deactivated after the review ({insurer})"
        ),
        format!(
            "Beste {name},\n\nDe herbeoordeling van de rechten van uw kantoor was te laat. Deze accounts zijn daarom \
             gedeactiveerd: {list}.\n\n---\n\nDear {name},\n\nYour office's access review was overdue. These accounts \
             have therefore been deactivated: {list}.\n"
        ),
    )
}

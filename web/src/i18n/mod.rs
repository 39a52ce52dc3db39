//! Every visible string goes through here: Dutch (the default, addressing the user as *u*) and
//! English. The choice is remembered in the browser's local storage. A text is written in both
//! languages where it is used, `i18n.tr("Dutch", "English")`; the sentences for the API's error
//! codes are one exhaustive match here, and the wording shared with the API's messages is in
//! `words`.

use leptos::prelude::*;
use poort_shared::ErrorCode;

use crate::api::ApiError;

mod words;

const STORAGE_KEY: &str = "poort.lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::Nl => 0,
            Lang::En => 1,
        }
    }
}

/// The sentence for an API error code. Exhaustive: a new code without a sentence does not build.
fn error_text(code: ErrorCode) -> [&'static str; 2] {
    match code {
        ErrorCode::InvalidRequest => [
            "Het verzoek was niet volledig of niet juist. Controleer de gegevens en probeer het opnieuw.",
            "The request was incomplete or incorrect. Check the details and try again.",
        ],
        ErrorCode::NotFound => ["Dit is niet (meer) te vinden.", "This could not be found."],
        ErrorCode::MethodNotAllowed => [
            "Deze handeling is hier niet mogelijk.",
            "This action is not possible here.",
        ],
        ErrorCode::Unavailable => [
            "De dienst is tijdelijk niet beschikbaar. Probeer het over een paar minuten opnieuw.",
            "The service is temporarily unavailable. Please try again in a few minutes.",
        ],
        ErrorCode::RateLimited => [
            "U heeft dit te vaak geprobeerd. Wacht even en probeer het dan opnieuw.",
            "You have tried this too often. Please wait a moment and try again.",
        ],
        ErrorCode::Overloaded => [
            "Het is op dit moment erg druk. Probeer het over een minuut opnieuw.",
            "It is very busy right now. Please try again in a minute.",
        ],
        ErrorCode::Unauthenticated => [
            "U bent niet (meer) ingelogd. Log opnieuw in.",
            "You are not signed in (any more). Please sign in again.",
        ],
        ErrorCode::Forbidden => [
            "U heeft geen toestemming voor deze handeling.",
            "You are not allowed to do this.",
        ],
        ErrorCode::OriginMismatch => [
            "Dit verzoek kwam niet van deze website en is daarom geweigerd. Vernieuw de pagina en probeer het opnieuw.",
            "This request did not come from this website and was refused. Reload the page and try again.",
        ],
        ErrorCode::InvalidEmail => [
            "Dit is geen geldig e-mailadres.",
            "This is not a valid e-mail address.",
        ],
        ErrorCode::InvalidMobile => [
            "Dit is geen geldig mobiel nummer. Een Nederlands nummer begint met 06 en heeft daarna 8 cijfers; vaste nummers en 066-nummers (semafoons) kunnen geen sms ontvangen. Een buitenlands nummer begint met + en de landcode.",
            "This is not a valid mobile number. A Dutch number starts with 06 followed by 8 digits; landlines and 066 numbers (pagers) cannot receive text messages. A number abroad starts with + and the country code.",
        ],
        ErrorCode::InvalidKvkNumber => [
            "Een KvK-nummer bestaat uit 8 cijfers.",
            "A KvK number has 8 digits.",
        ],
        ErrorCode::InvalidAgencyNumber => [
            "Een agentnummer bestaat uit 1 tot 20 letters, cijfers of streepjes.",
            "An agency number has 1 to 20 letters, digits or dashes.",
        ],
        ErrorCode::InvalidName => [
            "Vul een naam in van maximaal 100 tekens.",
            "Enter a name of at most 100 characters.",
        ],
        ErrorCode::CodeMalformed => ["Een code bestaat uit 6 cijfers.", "A code has 6 digits."],
        ErrorCode::UnknownRight => ["Dit recht bestaat niet.", "This right does not exist."],
        ErrorCode::UnknownPortfolio => [
            "Deze portefeuille hoort niet bij dit kantoor.",
            "This portfolio does not belong to this office.",
        ],
        ErrorCode::KvkNumberTaken => [
            "Er is al een kantoor met dit KvK-nummer.",
            "An office with this KvK number already exists.",
        ],
        ErrorCode::AgencyNumberTaken => [
            "Er is al een portefeuille met dit agentnummer.",
            "A portfolio with this agency number already exists.",
        ],
        ErrorCode::EmailTaken => [
            "Er bestaat al een account met dit e-mailadres.",
            "An account with this e-mail address already exists.",
        ],
        ErrorCode::PasswordTooShort => [
            "Kies een wachtwoord van minstens 12 tekens.",
            "Choose a password of at least 12 characters.",
        ],
        ErrorCode::PasswordTooLong => [
            "Een wachtwoord heeft hoogstens 128 tekens.",
            "A password has at most 128 characters.",
        ],
        ErrorCode::PasswordTooCommon => [
            "Dit wachtwoord wordt te vaak gebruikt. Kies iets dat minder voor de hand ligt, bijvoorbeeld een zin van een paar woorden.",
            "This password is used too often. Choose something less obvious, for example a sentence of a few words.",
        ],
        ErrorCode::PasswordContainsPersonalData => [
            "Uw wachtwoord mag uw naam of e-mailadres niet bevatten.",
            "Your password may not contain your name or e-mail address.",
        ],
        ErrorCode::InvitationNotFound => [
            "Deze uitnodigingslink is niet geldig. Controleer of u de volledige link uit de e-mail gebruikt.",
            "This invitation link is not valid. Check that you used the complete link from the e-mail.",
        ],
        ErrorCode::InvitationRenewed => [
            "Deze link was verlopen. Wij hebben u een nieuwe uitnodiging gestuurd; gebruik de link in die e-mail.",
            "This link had expired. We have sent you a new invitation; please use the link in that e-mail.",
        ],
        ErrorCode::InvitationRenewalLimit => [
            "Deze link is verlopen en vandaag al te vaak vernieuwd. Vraag de gebruikersbeheerder van uw kantoor om een nieuwe uitnodiging.",
            "This link has expired and was renewed too often today. Ask your office's user administrator for a new invitation.",
        ],
        ErrorCode::InvitationExpired => [
            "Deze link is verlopen. Open de link opnieuw vanuit de e-mail; u krijgt dan automatisch een nieuwe.",
            "This link has expired. Open it again from the e-mail and you will receive a new one automatically.",
        ],
        ErrorCode::InvitationSuperseded => [
            "Er is een nieuwere uitnodiging verstuurd. Gebruik de link in de meest recente e-mail.",
            "A newer invitation has been sent. Please use the link in the most recent e-mail.",
        ],
        ErrorCode::InvitationUsed => [
            "Deze uitnodiging is al gebruikt. U kunt inloggen met uw e-mailadres en wachtwoord.",
            "This invitation has already been used. You can sign in with your e-mail address and password.",
        ],
        ErrorCode::InvitationWithdrawn => [
            "Deze uitnodiging is ingetrokken. Neem contact op met de gebruikersbeheerder van uw kantoor.",
            "This invitation has been withdrawn. Please contact your office's user administrator.",
        ],
        ErrorCode::SetupTokenInvalid => [
            "Uw sessie is verlopen. Open de link opnieuw en vul het wachtwoord in dat u koos om verder te gaan.",
            "Your session has expired. Open the link again and enter the password you chose to continue.",
        ],
        ErrorCode::StepOutOfOrder => [
            "Deze stap is nu niet aan de beurt. Vernieuw de pagina.",
            "This step is not the next one. Please reload the page.",
        ],
        ErrorCode::WrongPassword => ["Het wachtwoord klopt niet.", "The password is not correct."],
        ErrorCode::CodeIncorrect => [
            "De code klopt niet. Probeer het opnieuw.",
            "The code is not correct. Please try again.",
        ],
        ErrorCode::CodeExpired => [
            "De code is verlopen. Vraag een nieuwe code aan.",
            "The code has expired. Please request a new one.",
        ],
        ErrorCode::CodeAttemptsExceeded => [
            "U heeft te vaak een verkeerde code ingevuld. Vraag een nieuwe code aan.",
            "You entered a wrong code too often. Please request a new one.",
        ],
        ErrorCode::CodeNotRequested => [
            "Er is nog geen code verstuurd. Vraag eerst een code aan.",
            "No code has been sent yet. Please request one first.",
        ],
        ErrorCode::LastAdministrator => [
            "Een kantoor heeft altijd minstens één actieve gebruikersbeheerder. Wijs eerst iemand anders aan.",
            "An office always has at least one active user administrator. Appoint someone else first.",
        ],
        ErrorCode::NotInvited => [
            "Er staat geen uitnodiging open voor dit account.",
            "There is no open invitation for this account.",
        ],
        ErrorCode::AccountNotActive => {
            ["Dit account is niet actief.", "This account is not active."]
        }
        ErrorCode::CannotTargetSelf => [
            "Dit kunt u niet bij uw eigen account doen.",
            "You cannot do this to your own account.",
        ],
        ErrorCode::AlreadyExists => ["Dit bestaat al.", "This already exists."],
        ErrorCode::InvalidCredentials => [
            "Het e-mailadres of wachtwoord klopt niet.",
            "The e-mail address or password is not correct.",
        ],
        ErrorCode::AccountBlocked => [
            "Uw account is geblokkeerd omdat er te vaak een verkeerd wachtwoord of een verkeerde code is ingevuld. Via 'Wachtwoord vergeten' stelt u een nieuw wachtwoord in; daarmee is uw account weer vrijgegeven.",
            "Your account is blocked because a wrong password or code was entered too often. Use 'Forgot password' to set a new password; that unblocks your account.",
        ],
        ErrorCode::AccountDeactivated => [
            "Uw account is gedeactiveerd. Neem contact op met de gebruikersbeheerder van uw kantoor.",
            "Your account has been deactivated. Please contact your office's user administrator.",
        ],
        ErrorCode::TwoFactorNotSetUp => [
            "De verplichte tweestapsverificatie is voor uw account niet ingesteld. Log in met eHerkenning, of neem contact op met Team Relatiebeheer.",
            "The required two-step verification is not set up for your account. Sign in with eHerkenning, or contact Team Relatiebeheer.",
        ],
        ErrorCode::SetUpNotFinished => [
            "Uw account is nog niet (opnieuw) ingesteld. Gebruik de link in de e-mail die u van ons kreeg; is de link verlopen, dan stuurt hij u automatisch een nieuwe. Geen e-mail ontvangen? Vraag de beheerder van uw kantoor om een nieuwe uitnodiging.",
            "Your account has not been (re)set up yet. Use the link in the e-mail we sent you; if the link has expired, it automatically sends you a new one. No e-mail? Ask your office's user administrator for a new invitation.",
        ],
        ErrorCode::SignInExpired => [
            "Het inloggen duurde te lang. Begin opnieuw.",
            "Signing in took too long. Please start again.",
        ],
        ErrorCode::SignInAttemptVoid => [
            "Er is te vaak een verkeerde code ingevuld. Begin opnieuw met inloggen.",
            "A wrong code was entered too often. Please sign in again.",
        ],
        ErrorCode::CodeAlreadyUsed => [
            "Deze code is al gebruikt. Wacht op de volgende code in uw authenticator-app.",
            "This code has been used already. Wait for the next code in your authenticator app.",
        ],
        ErrorCode::PasswordReused => [
            "U heeft dit wachtwoord kort geleden al gebruikt. Kies een ander wachtwoord.",
            "You used this password recently. Please choose another one.",
        ],
        ErrorCode::ReauthenticationRequired => [
            "Bevestig eerst dat u het bent, met uw wachtwoord, een passkey of een code uit uw authenticator-app.",
            "First confirm it is you, with your password, a passkey or a code from your authenticator app.",
        ],
        ErrorCode::NoAccess => [
            "U heeft geen toegang tot een portefeuille. De gebruikersbeheerder van uw kantoor beheert de rechten.",
            "You have no access to any portfolio. Your office's user administrator manages rights.",
        ],
        ErrorCode::NoActivePortfolio => [
            "Kies eerst een portefeuille.",
            "Please choose a portfolio first.",
        ],
        ErrorCode::NoMobileNumber => [
            "Er is geen mobiel nummer bekend voor sms-codes.",
            "No mobile number is known for SMS codes.",
        ],
        ErrorCode::ResetLinkInvalid => [
            "Deze link om uw wachtwoord te herstellen is niet (meer) geldig. Vraag een nieuwe aan.",
            "This password-reset link is not valid (any more). Please request a new one.",
        ],
        ErrorCode::ResetNotVerified => [
            "Vul eerst de code in die u per sms of in uw authenticator-app krijgt.",
            "First enter the code you receive by SMS or in your authenticator app.",
        ],
        ErrorCode::RecoveryClosed => [
            "Er is te vaak een verkeerde code ingevuld. Uw account kan alleen nog worden geopend door Team Relatiebeheer; zij stellen uw inlogmethoden opnieuw in.",
            "A wrong code was entered too often. Only Team Relatiebeheer can open your account now; they will reset your sign-in methods.",
        ],
        ErrorCode::InsufficientScope => [
            "Deze koppeling heeft hiervoor geen toestemming (scope).",
            "This API client has no permission (scope) for this.",
        ],
        ErrorCode::InvalidToken => [
            "Het token van de koppeling is niet (meer) geldig.",
            "The API client's token is not valid (any more).",
        ],
        ErrorCode::ScopeNotAllowed => [
            "Deze toestemming is alleen voor koppelingen van de verzekeraar zelf.",
            "This permission is only for the insurer's own API clients.",
        ],
        ErrorCode::ApiClientKeyInvalid => [
            "Dit is geen bruikbare publieke sleutel. Gebruik een JWK of een PEM-sleutel (Ed25519, P-256 of RSA van minstens 2048 bits).",
            "This is not a usable public key. Use a JWK or a PEM key (Ed25519, P-256 or RSA of at least 2048 bits).",
        ],
        ErrorCode::ApiClientKeyLimit => [
            "Een koppeling heeft hooguit twee sleutels. Verwijder eerst een sleutel.",
            "An API client has at most two keys. Remove a key first.",
        ],
        ErrorCode::ApiClientRevoked => [
            "Deze koppeling is ingetrokken. Maak een nieuwe koppeling aan.",
            "This API client has been revoked. Create a new one.",
        ],
        ErrorCode::KidTaken => [
            "Deze koppeling heeft al een sleutel met deze naam (kid).",
            "This API client already has a key with this name (kid).",
        ],
        ErrorCode::IdempotencyKeyReused => [
            "Deze Idempotency-Key is al gebruikt voor een ander verzoek.",
            "This Idempotency-Key was already used for a different request.",
        ],
        ErrorCode::IdempotencyKeyInUse => [
            "Een verzoek met deze Idempotency-Key wordt nog verwerkt. Probeer het zo opnieuw.",
            "A request with this Idempotency-Key is still being handled. Try again shortly.",
        ],
        ErrorCode::EherkenningUnavailable => [
            "Inloggen met eHerkenning is voor deze dienst niet ingesteld.",
            "Signing in with eHerkenning is not set up for this service.",
        ],
        ErrorCode::EherkenningAlreadyLinked => [
            "Er is al een eHerkenning aan uw account gekoppeld. Ontkoppel die eerst.",
            "An eHerkenning identity is linked to your account already. Unlink it first.",
        ],
        ErrorCode::EherkenningUnreachable => [
            "eHerkenning is op dit moment niet bereikbaar. Probeer het later opnieuw, of log in met e-mailadres, wachtwoord en code.",
            "eHerkenning cannot be reached right now. Try again later, or sign in with e-mail address, password and code.",
        ],
        ErrorCode::PasskeysUnavailable => [
            "Passkeys zijn voor deze dienst niet ingesteld.",
            "Passkeys are not set up for this service.",
        ],
        ErrorCode::PasskeyInvalid => [
            "Deze passkey werd niet geaccepteerd. Probeer het opnieuw, of kies een andere manier.",
            "This passkey was not accepted. Try again, or choose another way.",
        ],
        ErrorCode::PasskeyChallengeInvalid => [
            "Dit verzoek is verlopen of al gebruikt. Probeer het opnieuw.",
            "This request has expired or was used already. Please try again.",
        ],
        ErrorCode::PasskeyTaken => [
            "Deze passkey is al geregistreerd.",
            "This passkey is registered already.",
        ],
        ErrorCode::PasskeyLimit => [
            "U heeft al tien passkeys. Verwijder er eerst een.",
            "You already have ten passkeys. Remove one first.",
        ],
        ErrorCode::LastSecondFactor => [
            "Dit is uw laatste tweede factor. Voeg eerst een andere toe.",
            "This is your last second factor. Add another one first.",
        ],
        ErrorCode::AccessRequestOpen => [
            "U heeft al een verzoek om toegang openstaan. Wacht op het antwoord, of trek het eerst in.",
            "You already have an open access request. Wait for the answer, or withdraw it first.",
        ],
        ErrorCode::RequestClosed => [
            "Dit verzoek staat niet meer open: het is al beantwoord, ingetrokken of verlopen.",
            "This request is no longer open: it was answered, withdrawn or has expired.",
        ],
        ErrorCode::NothingRequested => [
            "Kies ten minste één recht op een portefeuille dat u nog niet heeft.",
            "Choose at least one right on a portfolio that you do not have yet.",
        ],
        ErrorCode::SameOffice => [
            "Deze persoon hoort al bij dit kantoor.",
            "This person belongs to this office already.",
        ],
        ErrorCode::InvalidNote => [
            "Een toelichting of reden heeft hoogstens 500 tekens; een reden mag niet leeg zijn.",
            "A note or reason has at most 500 characters; a reason cannot be empty.",
        ],
        ErrorCode::Internal => [
            "Er ging aan onze kant iets mis. Probeer het later opnieuw; blijft het misgaan, neem dan contact op met Team Relatiebeheer.",
            "Something went wrong on our side. Please try again later; if it keeps happening, contact Team Relatiebeheer.",
        ],
    }
}

/// The language context: read it with [`use_i18n`].
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    pub fn set(&self, lang: Lang) {
        self.lang.set(lang);
    }

    /// A text given in both languages at the place it is used (reactive inside a closure).
    pub fn tr(&self, nl: &'static str, en: &'static str) -> &'static str {
        match self.lang.get() {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }

    /// A text in both languages that follows the language switch, to place in a view. Every text
    /// is the same closure type, so the code that draws and redraws one is made once; each
    /// `move || i18n.tr(..)` was a type of its own and cost ~800 bytes of wasm.
    pub fn t(
        self,
        nl: &'static str,
        en: &'static str,
    ) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || self.tr(nl, en)
    }

    /// The same as a signal, for a component's text property.
    pub fn s(self, nl: &'static str, en: &'static str) -> Signal<&'static str> {
        Signal::derive(self.t(nl, en))
    }

    /// The sentence for an API error in the current language.
    pub fn error(&self, error: &ApiError) -> &'static str {
        match error {
            ApiError::Api { code, .. } => error_text(*code)[self.lang.get().index()],
            ApiError::Network(_) => self.tr(
                "De dienst is niet bereikbaar. Controleer uw internetverbinding en probeer het opnieuw.",
                "The service cannot be reached. Check your internet connection and try again.",
            ),
            ApiError::UnexpectedAnswer(_) => self.tr(
                "De dienst gaf een onverwacht antwoord. Probeer het later opnieuw.",
                "The service gave an unexpected answer. Please try again later.",
            ),
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Creates the language context: the remembered choice, else Dutch. Keeps `<html lang>` and
/// local storage in step with the choice.
pub fn provide_i18n() -> I18n {
    let initial = storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or(Lang::Nl);
    let i18n = I18n {
        lang: RwSignal::new(initial),
    };
    Effect::new(move |_| {
        let lang = i18n.lang.get();
        if let Some(s) = storage() {
            let _ = s.set_item(STORAGE_KEY, lang.code());
        }
        if let Some(html) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = html.set_attribute("lang", lang.code());
        }
    });
    provide_context(i18n);
    i18n
}

pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_else(provide_i18n)
}

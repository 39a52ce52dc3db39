//! eHerkenning: the button on the sign-in page, the section in *Mijn account* (link after
//! confirming it is you, see the company linked, unlink), and the page that explains a refusal
//! (`/eherkenning/geweigerd?reden=…`), each reason in its own words with what to do.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use poort_shared::dto::{EherkenningInfo, EherkenningRefusal};

use crate::api::{self, ApiError};
use crate::app::PublicConfig;
use crate::components::{ContactLine, MaybeError, WriteExt, write};
use crate::i18n::{Lang, use_i18n};

/// eHerkenning as configured (none when it is off, or while the configuration loads).
fn configured() -> Signal<Option<EherkenningInfo>> {
    let config = expect_context::<PublicConfig>().0;
    Signal::derive(move || {
        config
            .get()
            .and_then(Result::ok)
            .and_then(|c| c.eherkenning)
    })
}

/// Sends the browser to the broker.
fn go(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// *Inloggen met eHerkenning*, under the password form.
#[component]
pub fn EherkenningSignIn() -> impl IntoView {
    let i18n = use_i18n();
    let info = configured();
    let start = write(|_: &()| async move {
        let started = api::eherkenning_sign_in().await?;
        go(&started.authorize_url);
        Ok(())
    });
    let pending = start.pending();
    let error = start.failure();
    view! {
        <Show when=move || info.get().is_some()>
            <div class="alternative" id="eherkenning-sign-in-block">
                <p class="or">{i18n.t("of", "or")}</p>
                <MaybeError error />
                <button type="button" class="secondary" id="eherkenning-sign-in"
                    disabled=move || pending.get() on:click=move |_| start.start(())>
                    {i18n.t("Inloggen met eHerkenning", "Sign in with eHerkenning")}
                </button>
                <p class="hint">{i18n.t(
                    "Eerst koppelen: log één keer in met e-mailadres, wachtwoord en code, en koppel eHerkenning in Mijn account.",
                    "Link it first: sign in once with e-mail address, password and code, and link eHerkenning in My account.",
                )}</p>
            </div>
        </Show>
    }
}

/// The eHerkenning section of *Mijn account*. Linking and unlinking need a recent proof that
/// it is you (`needs_proof` shows that form).
#[component]
pub fn EherkenningSection(needs_proof: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let info = configured();
    let query = use_query_map();
    let just_linked = move || query.read().get("eherkenning").as_deref() == Some("gekoppeld");
    let start = write(|_: &()| async move {
        let started = api::eherkenning_start_link().await?;
        go(&started.authorize_url);
        Ok(())
    });
    let unlink = write(|_: &()| api::eherkenning_unlink());
    let unlinked = unlink.saved();
    let link = LocalResource::new(move || {
        unlinked.track();
        api::eherkenning_link()
    });
    let start_error = start.failure();
    let unlink_error = unlink.failure();
    let asks_proof = |e: Option<ApiError>| {
        e.and_then(|e| e.code()) == Some(poort_shared::ErrorCode::ReauthenticationRequired)
    };
    Effect::new(move |_| {
        if asks_proof(start_error.get()) || asks_proof(unlink_error.get()) {
            needs_proof.set(true);
        }
    });
    let (starting, unlinking) = (start.pending(), unlink.pending());
    let pending = Signal::derive(move || starting.get() || unlinking.get());
    view! {
        <Show when=move || info.get().is_some()>
            <div class="section" id="eherkenning-section">
                <h2>{i18n.t("eHerkenning", "eHerkenning")}</h2>
                <p>{i18n.t(
                    "Met eHerkenning logt u in zonder wachtwoord en code. Koppel hem hier één keer; daarna kiest u op de inlogpagina voor Inloggen met eHerkenning.",
                    "With eHerkenning you sign in without password and code. Link it here once; then choose Sign in with eHerkenning on the sign-in page.",
                )}</p>
                <Show when=just_linked>
                    <p class="notice ok" id="eherkenning-linked-notice">{i18n.t(
                        "eHerkenning is gekoppeld. U kunt voortaan ook met eHerkenning inloggen.",
                        "eHerkenning is linked. From now on you can also sign in with eHerkenning.",
                    )}</p>
                </Show>
                <MaybeError error=start_error />
                <MaybeError error=unlink_error />
                <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                    {move || Suspend::new(async move {
                        match link.await {
                            Ok(l) if l.linked => {
                                let kvk = l.kvk_number.clone().unwrap_or_default();
                                view! {
                                    <p id="eherkenning-status">
                                        {i18n.t("Gekoppeld, voor het bedrijf met KvK-nummer ", "Linked, for the company with KvK number ")}
                                        <strong>{kvk.clone()}</strong>
                                    </p>
                                    <button type="button" class="secondary" id="eherkenning-unlink"
                                        disabled=move || pending.get() on:click=move |_| unlink.start(())>
                                        {i18n.t("eHerkenning ontkoppelen", "Unlink eHerkenning")}
                                    </button>
                                }
                                .into_any()
                            }
                            Ok(_) => view! {
                                <p id="eherkenning-status">{i18n.t("Niet gekoppeld.", "Not linked.")}</p>
                                <button type="button" id="eherkenning-link"
                                    disabled=move || pending.get() on:click=move |_| start.start(())>
                                    {i18n.t("eHerkenning koppelen", "Link eHerkenning")}
                                </button>
                            }
                            .into_any(),
                            Err(e) => view! { <crate::components::ErrorNotice error=e /> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </Show>
    }
}

/// What a refusal says: a title and what to do, in the reader's language.
fn explain(
    lang: Lang,
    reason: Option<EherkenningRefusal>,
    level: &str,
    kvk: &str,
    service: &str,
) -> (&'static str, String) {
    use EherkenningRefusal::*;
    let nl = lang == Lang::Nl;
    let t = |a: &'static str, b: &'static str| if nl { a } else { b };
    let s = |a: String, b: String| if nl { a } else { b };
    match reason {
        Some(NotAuthorised) => (
            t("U bent niet gemachtigd voor deze dienst", "You are not authorised for this service"),
            s(
                format!("De eHerkenning-beheerder (machtigingenbeheerder) van uw kantoor moet de dienst \u{201c}{service}\u{201d} aan uw eHerkenning-machtigingen toevoegen. Daarna kunt u het opnieuw proberen. Tot die tijd logt u in met e-mailadres, wachtwoord en code."),
                format!("Your office's eHerkenning administrator (machtigingenbeheerder) must add the service \u{201c}{service}\u{201d} to your eHerkenning authorisations. Then try again. Until then, sign in with e-mail address, password and code."),
            ),
        ),
        Some(Cancelled) => (
            t("Inloggen met eHerkenning is afgebroken", "Signing in with eHerkenning was cancelled"),
            s("U heeft het inloggen bij eHerkenning afgebroken. Er is niets gewijzigd.".into(), "You cancelled at eHerkenning. Nothing has changed.".into()),
        ),
        Some(LevelTooLow) => (
            t("Uw eHerkenning-middel heeft een te laag niveau", "Your eHerkenning means has too low a level"),
            s(
                format!("Voor deze dienst is minimaal betrouwbaarheidsniveau {level} nodig. U heeft een eHerkenning-middel van dat niveau (of hoger) nodig; vraag het aan bij uw eHerkenning-leverancier."),
                format!("This service needs at least assurance level {level}. You need an eHerkenning means of that level (or higher); ask your eHerkenning supplier for one."),
            ),
        ),
        Some(OtherCompany) => (
            t("Deze eHerkenning is van een ander bedrijf", "This eHerkenning is of another company"),
            s(
                format!("U logde in namens een ander bedrijf dan uw kantoor. Uw kantoor staat bij ons ingeschreven met KvK-nummer {kvk}. Log in met eHerkenning namens dat bedrijf, of neem contact op met Team Relatiebeheer als het KvK-nummer niet klopt."),
                format!("You signed in on behalf of another company than your office. Your office is registered with us with KvK number {kvk}. Sign in with eHerkenning on behalf of that company, or contact Team Relatiebeheer if the KvK number is wrong."),
            ),
        ),
        Some(Intermediary) => (
            t("Inloggen via een intermediair kan niet", "Signing in through an intermediary is not possible"),
            s("U logde in via ketenmachtiging (namens een intermediair). Alleen medewerkers van het kantoor zelf kunnen met eHerkenning inloggen.".into(), "You signed in through chain authorisation (on behalf of an intermediary). Only the office's own people can sign in with eHerkenning.".into()),
        ),
        Some(NotLinked) => (
            t("Deze eHerkenning is nog niet gekoppeld", "This eHerkenning is not linked yet"),
            s("Koppel eHerkenning eerst aan uw account: log één keer in met e-mailadres, wachtwoord en code, ga naar Mijn account en kies eHerkenning koppelen.".into(), "Link eHerkenning to your account first: sign in once with e-mail address, password and code, go to My account and choose Link eHerkenning.".into()),
        ),
        Some(AlreadyLinked) => (
            t("Deze eHerkenning is al aan een ander account gekoppeld", "This eHerkenning is linked to another account already"),
            s("Eén eHerkenning hoort bij één account. Ontkoppel hem eerst in dat account, of neem contact op met Team Relatiebeheer.".into(), "One eHerkenning belongs to one account. Unlink it in that account first, or contact Team Relatiebeheer.".into()),
        ),
        Some(AccountBlocked) => (
            t("Uw account is geblokkeerd", "Your account is blocked"),
            s("Uw account is geblokkeerd na te veel verkeerde pogingen. Stel uw wachtwoord opnieuw in met Wachtwoord vergeten.".into(), "Your account is blocked after too many wrong attempts. Reset your password with Forgot password.".into()),
        ),
        Some(AccountDeactivated) => (
            t("Uw account is niet actief", "Your account is not active"),
            s("De gebruikersbeheerder van uw kantoor heeft uw account gedeactiveerd. Neem contact met hem of haar op.".into(), "Your office's user administrator has deactivated your account. Contact them.".into()),
        ),
        Some(BrokerUnreachable) => (
            t("eHerkenning is niet bereikbaar", "eHerkenning cannot be reached"),
            s("Probeer het later opnieuw, of log in met e-mailadres, wachtwoord en code.".into(), "Try again later, or sign in with e-mail address, password and code.".into()),
        ),
        Some(StateInvalid) => (
            t("Deze inlogpoging is verlopen", "This sign-in attempt has expired"),
            s("Het inloggen duurde langer dan 10 minuten, is al gebruikt of is in een andere browser begonnen. Begin opnieuw.".into(), "Signing in took longer than 10 minutes, was used already or began in another browser. Start again.".into()),
        ),
        Some(SessionEnded) => (
            t("Uw sessie is beëindigd", "Your session has ended"),
            s("Log opnieuw in en koppel eHerkenning dan in Mijn account.".into(), "Sign in again and then link eHerkenning in My account.".into()),
        ),
        Some(RateLimited) => (
            t("Te veel pogingen", "Too many attempts"),
            s("Wacht een minuut en probeer het opnieuw.".into(), "Wait a minute and try again.".into()),
        ),
        Some(InvalidAnswer) | None => (
            t("Inloggen met eHerkenning is niet gelukt", "Signing in with eHerkenning did not work"),
            s("Het antwoord van eHerkenning kon niet worden gecontroleerd. Probeer het opnieuw, of log in met e-mailadres, wachtwoord en code.".into(), "The answer from eHerkenning could not be checked. Try again, or sign in with e-mail address, password and code.".into()),
        ),
    }
}

/// `/eherkenning/geweigerd?reden=…`: why, and what to do next.
#[component]
pub fn EherkenningRefused() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let info = configured();
    let reason = move || {
        query
            .read()
            .get("reden")
            .and_then(|r| EherkenningRefusal::parse(&r))
    };
    let text = move || {
        let q = query.read();
        let level = q
            .get("niveau")
            .or_else(|| info.get().map(|i| i.minimum_level))
            .unwrap_or_else(|| "EH3".into());
        let kvk = q.get("kvk").unwrap_or_default();
        let service = info.get().map(|i| i.service_name).unwrap_or_default();
        explain(i18n.lang(), reason(), &level, &kvk, &service)
    };
    view! {
        <section class="page narrow" id="page-eherkenning-refused">
            <h1 id="eherkenning-refusal-title">{move || text().0}</h1>
            <p class="notice error" id="eherkenning-refusal" data-reason=move || reason().map(|r| r.as_str())>{move || text().1}</p>
            <ContactLine />
            <ul class="links">
                <li><A href="/inloggen" attr:id="eherkenning-back">{i18n.t("Naar de inlogpagina", "To the sign-in page")}</A></li>
                <li><A href="/mijn-account" attr:id="eherkenning-my-account">{i18n.t("Naar Mijn account", "To My account")}</A></li>
            </ul>
        </section>
    }
}

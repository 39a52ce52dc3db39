//! *Mijn account*: the name (read-only, with why), e-mail address, mobile number (change with
//! an SMS code, or remove after a clear warning), password change, replacing the authenticator,
//! active sessions with "end session", and recent security events. Sensitive changes first
//! ask the person to confirm it is them.
//!
//! The writes the recent activity reloads after are made by `Sections` and handed to their
//! sections; the mobile number's is made by the page itself, because a verified new number
//! reloads the whole profile.

use leptos::prelude::*;
use poort_shared::ErrorCode;
use poort_shared::dto::{AuthenticatorSetupResponse, ProfileResponse};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::{
    ErrorNotice, Field, MaybeError, PasswordFeedback, QrCode, RequireSignIn, Submit, Write,
    WriteExt, write,
};
use crate::i18n::use_i18n;

/// A change of the mobile number: a code to a new number, that code, or removing the number.
#[derive(Clone)]
enum MobileChange {
    SendCode(String),
    Verify(String),
    Remove,
}

/// What a [`MobileChange`] did.
#[derive(Clone)]
enum MobileChanged {
    /// The code went to this number (partly hidden).
    CodeSent(String),
    Verified,
    Removed,
}

/// A change to the passkeys: add one with this name, rename one, remove one.
#[derive(Clone)]
enum PasskeyChange {
    Add(String),
    Rename(Uuid, String),
    Remove(Uuid),
}

/// What a [`PasskeyChange`] did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PasskeyDone {
    Added,
    Renamed,
    Removed,
}

/// Replacing the authenticator app: a new secret, then the new app's first code.
#[derive(Clone)]
enum AppChange {
    Start,
    Confirm(String),
}

#[component]
pub fn MyAccount() -> impl IntoView {
    view! { <RequireSignIn><MyAccountPage /></RequireSignIn> }
}

#[component]
fn MyAccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let change_mobile = write(|change: &MobileChange| {
        let change = change.clone();
        async move {
            Ok(match change {
                MobileChange::SendCode(number) => {
                    MobileChanged::CodeSent(api::change_mobile(number).await?.sent_to)
                }
                MobileChange::Verify(code) => {
                    api::verify_mobile_change(code).await?;
                    MobileChanged::Verified
                }
                MobileChange::Remove => {
                    api::remove_mobile().await?;
                    MobileChanged::Removed
                }
            })
        }
    });
    let verified = change_mobile.saved_when(|done| matches!(done, MobileChanged::Verified));
    let profile = LocalResource::new(move || {
        verified.track();
        api::profile()
    });
    view! {
        <section class="page" id="page-my-account">
            <h1>{i18n.t("Mijn account", "My account")}</h1>
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match profile.await {
                        Ok(p) => view! { <Sections profile=p change_mobile /> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Sections(
    profile: ProfileResponse,
    change_mobile: Write<MobileChange, MobileChanged>,
) -> impl IntoView {
    let i18n = use_i18n();
    let email = profile.account.email.clone();
    let name = profile.account.name.clone();
    let office = profile.account.office.clone().map(|o| o.name);
    // Shown here and cleared by the mobile section when the number is removed.
    let mobile = RwSignal::new(profile.mobile.clone());
    // Re-authentication shared by the sensitive sections.
    let needs_proof = RwSignal::new(false);
    let has_passkeys = profile.factors.passkeys > 0;
    let change_password = write(|(current, new): &(String, String)| {
        api::change_password(current.clone(), new.clone())
    });
    let replace_app = write(|change: &AppChange| {
        let change = change.clone();
        async move {
            match change {
                AppChange::Start => api::new_authenticator().await.map(Some),
                AppChange::Confirm(code) => {
                    api::confirm_new_authenticator(code).await?;
                    Ok(None)
                }
            }
        }
    });
    let change_passkeys = write(|change: &PasskeyChange| {
        let change = change.clone();
        async move {
            match change {
                PasskeyChange::Add(name) => {
                    let started = api::passkey_registration_options().await?;
                    let credential = crate::passkey::create(&started.options)
                        .await
                        .map_err(|f| f.shown().unwrap_or(ApiError::Network("aborted".into())))?;
                    api::add_passkey(started.challenge_id, name, credential).await?;
                    Ok(PasskeyDone::Added)
                }
                PasskeyChange::Rename(id, name) => {
                    api::rename_passkey(id, name).await?;
                    Ok(PasskeyDone::Renamed)
                }
                PasskeyChange::Remove(id) => {
                    api::remove_passkey(id).await?;
                    Ok(PasskeyDone::Removed)
                }
            }
        }
    });
    // Moves after every change made on this page, for the list of recent activity.
    let changes = {
        let (mobile, password, app, passkeys) = (
            change_mobile.saved(),
            change_password.saved(),
            replace_app.saved(),
            change_passkeys.saved(),
        );
        Signal::derive(move || mobile.get() + password.get() + app.get() + passkeys.get())
    };
    view! {
        <div class="section">
            <h2>{i18n.t("Gegevens", "Details")}</h2>
            <dl class="facts">
                <dt>{i18n.t("Naam", "Name")}</dt>
                <dd id="profile-name">{name.clone()}</dd>
                <dt>{i18n.t("E-mailadres", "E-mail address")}</dt>
                <dd id="profile-email">{email.clone()}</dd>
                {office.map(|o| view! { <dt>{i18n.t("Kantoor", "Office")}</dt><dd>{o}</dd> })}
                <dt>{i18n.t("Mobiel nummer", "Mobile number")}</dt>
                <dd id="profile-mobile">{move || mobile.get().unwrap_or_else(|| "—".into())}</dd>
            </dl>
            <p class="hint" id="name-explanation">{i18n.t(
                "Uw naam kunt u niet wijzigen: hij staat vast sinds uw account is aangemaakt en wordt alleen rechtsboven in het extranet getoond. Klopt hij niet? Team Relatiebeheer verwijdert dan uw account en maakt een nieuw aan.",
                "You cannot change your name: it is fixed since your account was made and is only shown top right in the extranet. Is it wrong? Team Relatiebeheer then deletes your account and makes a new one.",
            )}</p>
        </div>
        <Show when=move || needs_proof.get()>
            <Reauthenticate done=Callback::new(move |()| needs_proof.set(false)) passkeys=has_passkeys />
        </Show>
        <MobileSection mobile needs_proof change=change_mobile />
        <PasswordSection email=profile.account.email.clone() name=profile.account.name.clone() expires=profile.password_expires_at change=change_password />
        <PasskeysSection needs_proof change=change_passkeys />
        <AuthenticatorSection needs_proof replace=replace_app />
        <super::EherkenningSection needs_proof />
        <SessionsSection />
        <EventsSection changes />
    }
}

/// Asks for the password (or an authenticator code) before a sensitive change.
#[component]
fn Reauthenticate(
    done: Callback<()>,
    /// The account has a passkey: it may confirm with that instead.
    passkeys: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let password = RwSignal::new(String::new());
    // `true`: with a passkey; `false`: with the password.
    let confirm = write(move |with_passkey: &bool| {
        let with_passkey = *with_passkey;
        async move {
            if with_passkey {
                let started = api::reauthentication_options().await?;
                let credential = crate::passkey::get(&started.options)
                    .await
                    .map_err(|f| f.shown().unwrap_or(ApiError::Network("aborted".into())))?;
                api::reauthenticate_with_passkey(started.challenge_id, credential).await?;
            } else {
                api::reauthenticate(password.get_untracked()).await?;
                password.set(String::new());
            }
            done.run(());
            Ok(())
        }
    });
    let pending = confirm.pending();
    let error = confirm.failure();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirm.start(false);
    };
    let offered = crate::passkey::offered();
    view! {
        <div class="section notice info" id="reauthenticate">
            <h2>{i18n.t("Bevestig dat u het bent", "Confirm it is you")}</h2>
            <p>{i18n.t("Vul uw wachtwoord in; daarna kunt u de wijziging opnieuw doen.", "Enter your password; then make the change again.")}</p>
            <MaybeError error />
            <form id="reauth-form" on:submit=on_submit>
                <Field id="reauth-password" kind="password" autocomplete="current-password" label=i18n.s("Wachtwoord", "Password") value=password />
                <Submit id="reauth-submit" label=i18n.s("Bevestigen", "Confirm") pending />
            </form>
            {move || (passkeys && offered.get()).then(|| view! {
                <p><button type="button" class="secondary" id="reauth-passkey" disabled=move || pending.get() on:click=move |_| confirm.start(true)>
                    {i18n.t("Bevestigen met uw passkey", "Confirm with your passkey")}
                </button></p>
            })}
        </div>
    }
}

fn watch_proof(error: Signal<Option<ApiError>>, needs_proof: RwSignal<bool>) {
    Effect::new(move |_| {
        if error.get().and_then(|e| e.code()) == Some(ErrorCode::ReauthenticationRequired) {
            needs_proof.set(true);
        }
    });
}

#[component]
fn MobileSection(
    mobile: RwSignal<Option<String>>,
    needs_proof: RwSignal<bool>,
    change: Write<MobileChange, MobileChanged>,
) -> impl IntoView {
    let i18n = use_i18n();
    let new_mobile = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let sent_to = RwSignal::new(None::<String>);
    let confirm_remove = RwSignal::new(false);
    let removed = RwSignal::new(false);
    let pending = change.pending();
    let error = change.failure();
    watch_proof(error, needs_proof);
    change.on_success(move |done| match done {
        MobileChanged::CodeSent(to) => sent_to.set(Some(to.clone())),
        MobileChanged::Verified => sent_to.set(None),
        MobileChanged::Removed => {
            removed.set(true);
            confirm_remove.set(false);
            mobile.set(None);
        }
    });
    let on_mobile = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change.start(MobileChange::SendCode(new_mobile.get_untracked()));
    };
    let on_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change.start(MobileChange::Verify(code.get_untracked()));
    };
    let remove = move |_| change.start(MobileChange::Remove);
    view! {
        <div class="section" id="mobile-section">
            <h2>{i18n.t("Mobiel nummer", "Mobile number")}</h2>
            <MaybeError error />
            <Show when=move || removed.get()>
                <p class="notice warn" id="mobile-removed">{i18n.t(
                    "Uw mobiele nummer is verwijderd. 'Wachtwoord vergeten' en 'E-mailadres vergeten' werken nu niet meer voor u.",
                    "Your mobile number has been removed. 'Forgot password' and 'Forgot e-mail address' no longer work for you.",
                )}</p>
            </Show>
            <form id="mobile-form" on:submit=on_mobile>
                <Field id="new-mobile" kind="tel" autocomplete="tel" label=i18n.s("Nieuw mobiel nummer", "New mobile number") value=new_mobile />
                <Submit id="mobile-submit" label=i18n.s("Stuur een code naar dit nummer", "Send a code to this number") pending />
            </form>
            {move || sent_to.get().map(|to| view! {
                <form id="mobile-code-form" on:submit=on_code>
                    <p class="notice info">{i18n.t("Code gestuurd naar ", "Code sent to ")}{to.clone()}</p>
                    <Field id="mobile-code" inputmode="numeric" autocomplete="one-time-code" label=i18n.s("Code uit de sms", "Code from the SMS") value=code />
                    <Submit id="mobile-code-submit" label=i18n.s("Nummer wijzigen", "Change number") pending />
                </form>
            })}
            {move || mobile.get().is_some().then(|| view! {
                <Show
                    when=move || confirm_remove.get()
                    fallback=move || view! {
                        <button type="button" class="secondary" id="remove-mobile" on:click=move |_| confirm_remove.set(true)>
                            {i18n.t("Mobiel nummer verwijderen", "Remove mobile number")}
                        </button>
                    }
                >
                    <div class="notice warn" id="remove-mobile-warning" role="alertdialog">
                        <p>{i18n.t(
                            "Let op: zonder mobiel nummer werken 'Wachtwoord vergeten' en 'E-mailadres vergeten' niet meer. Weet u het zeker?",
                            "Note: without a mobile number 'Forgot password' and 'Forgot e-mail address' no longer work. Are you sure?",
                        )}</p>
                        <button type="button" id="remove-mobile-confirm" disabled=move || pending.get() on:click=remove>{i18n.t("Ja, verwijderen", "Yes, remove")}</button>
                        " "
                        <button type="button" class="secondary" on:click=move |_| confirm_remove.set(false)>{i18n.t("Annuleren", "Cancel")}</button>
                    </div>
                </Show>
            })}
        </div>
    }
}

#[component]
fn PasswordSection(
    email: String,
    name: String,
    /// When the password expires (it may have: a passkey sign-in does not ask for a new one).
    expires: Option<chrono::DateTime<chrono::Utc>>,
    change: Write<(String, String), ()>,
) -> impl IntoView {
    let expired = expires.is_some_and(|at| at.timestamp_millis() as f64 <= js_sys::Date::now());
    let i18n = use_i18n();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let done = RwSignal::new(false);
    let pending = change.pending();
    let error = change.failure();
    change.on_success(move |()| {
        current.set(String::new());
        new.set(String::new());
        done.set(true);
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        change.start((current.get_untracked(), new.get_untracked()));
    };
    view! {
        <div class="section" id="password-section">
            <h2>{i18n.t("Wachtwoord wijzigen", "Change password")}</h2>
            {expires.map(|at| view! {
                <p class=if expired { "notice warn" } else { "hint" } id="password-expiry">
                    {move || if expired {
                        i18n.tr("Uw wachtwoord is verlopen. Kies hieronder een nieuw wachtwoord; bij inloggen met uw wachtwoord wordt daar anders om gevraagd.", "Your password has expired. Choose a new one below; otherwise signing in with your password will ask for one.")
                    } else {
                        i18n.tr("Uw wachtwoord verloopt op ", "Your password expires on ")
                    }}
                    {(!expired).then_some(move || i18n.time(at))}
                </p>
            })}
            <MaybeError error />
            <Show when=move || done.get()>
                <p class="notice ok" id="password-changed">{i18n.t("Uw wachtwoord is gewijzigd. Uw andere sessies zijn beëindigd.", "Your password has been changed. Your other sessions have been ended.")}</p>
            </Show>
            <form id="password-form" on:submit=on_submit>
                <Field id="current-password" kind="password" autocomplete="current-password" label=i18n.s("Huidig wachtwoord", "Current password") value=current />
                <Field id="changed-password" kind="password" autocomplete="new-password" label=i18n.s("Nieuw wachtwoord", "New password") value=new />
                <PasswordFeedback password=new email=Signal::derive(move || email.clone()) name=Signal::derive(move || name.clone()) />
                <Submit id="password-submit" label=i18n.s("Wachtwoord wijzigen", "Change password") pending />
            </form>
        </div>
    }
}

/// Passkeys: the list (name, added, last used, synchronised or not), adding one (after the
/// proof that it is this person), renaming and removing (the last second factor stays).
#[component]
fn PasskeysSection(
    needs_proof: RwSignal<bool>,
    change: Write<PasskeyChange, PasskeyDone>,
) -> impl IntoView {
    let i18n = use_i18n();
    let saved = change.saved();
    let passkeys = LocalResource::new(move || {
        saved.track();
        api::passkeys()
    });
    let pending = change.pending();
    let error = change.failure();
    watch_proof(error, needs_proof);
    let name = RwSignal::new(String::new());
    let renaming = RwSignal::new(None::<Uuid>);
    let new_name = RwSignal::new(String::new());
    let removing = RwSignal::new(None::<Uuid>);
    let added = RwSignal::new(false);
    change.on_success(move |done| {
        added.set(*done == PasskeyDone::Added);
        name.set(String::new());
        renaming.set(None);
        removing.set(None);
    });
    let offered = crate::passkey::offered();
    let on_add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        added.set(false);
        change.start(PasskeyChange::Add(name.get_untracked()));
    };
    let on_rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(id) = renaming.get_untracked() {
            change.start(PasskeyChange::Rename(id, new_name.get_untracked()));
        }
    };
    view! {
        <div class="section" id="passkeys-section">
            <h2>{i18n.t("Passkeys", "Passkeys")}</h2>
            <p>{i18n.t(
                "Met een passkey logt u in met uw vingerafdruk, gezicht of pincode van dit apparaat, zonder code over te typen. Een nagemaakte website kan een passkey niet gebruiken.",
                "With a passkey you sign in with this device's fingerprint, face or PIN, without typing a code. A fake website cannot use a passkey.",
            )}</p>
            <MaybeError error />
            <Show when=move || added.get()>
                <p class="notice ok" id="passkey-added">{i18n.t("Uw passkey is toegevoegd.", "Your passkey has been added.")}</p>
            </Show>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match passkeys.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) if list.passkeys.is_empty() => view! {
                            <p id="passkey-none">{i18n.t("U heeft nog geen passkey.", "You have no passkey yet.")}</p>
                        }
                        .into_any(),
                        Ok(list) => view! {
                            <ul class="passkeys" id="passkey-list">
                                {list.passkeys.into_iter().map(|p| {
                                    let id = p.id;
                                    let current = p.name.clone();
                                    let synced = p.backed_up;
                                    let may_sync = p.backup_eligible;
                                    let (added_at, last_used) = (p.created_at, p.last_used_at);
                                    let counter = p.sign_count;
                                    view! {
                                        <li class="passkey" data-id=id.to_string()>
                                            <strong class="passkey-name">{p.name.clone()}</strong>
                                            <span class="hint">
                                                {i18n.t(" · toegevoegd ", " · added ")}{move || i18n.time(added_at)}
                                                {i18n.t(" · laatst gebruikt ", " · last used ")}
                                                {move || last_used.map(|at| i18n.time(at)).unwrap_or_else(|| i18n.tr("nog niet", "not yet").to_string())}
                                                {move || if synced {
                                                    i18n.tr(" · gesynchroniseerd tussen uw apparaten", " · synchronised between your devices")
                                                } else if may_sync {
                                                    i18n.tr(" · kan gesynchroniseerd worden", " · can be synchronised")
                                                } else {
                                                    i18n.tr(" · alleen op dit apparaat", " · on this device only")
                                                }}
                                                {(counter > 0).then(|| view! {
                                                    {i18n.t(" · teller ", " · counter ")}<span class="passkey-counter">{counter}</span>
                                                })}
                                            </span>
                                            {move || if renaming.get() == Some(id) {
                                                view! {
                                                    <form class="inline rename-passkey-form" on:submit=on_rename>
                                                        <Field id="passkey-new-name" label=i18n.s("Nieuwe naam", "New name") value=new_name />
                                                        <Submit id="passkey-rename-submit" label=i18n.s("Opslaan", "Save") pending />
                                                        " "
                                                        <button type="button" class="secondary" on:click=move |_| renaming.set(None)>{i18n.t("Annuleren", "Cancel")}</button>
                                                    </form>
                                                }
                                                .into_any()
                                            } else if removing.get() == Some(id) {
                                                view! {
                                                    <div class="notice warn" role="alertdialog" aria-labelledby="passkey-remove-question">
                                                        <p id="passkey-remove-question">{i18n.t(
                                                            "Deze passkey verwijderen? Uw andere sessies worden beëindigd.",
                                                            "Remove this passkey? Your other sessions will be ended.",
                                                        )}</p>
                                                        <button type="button" id="passkey-remove-confirm" disabled=move || pending.get() on:click=move |_| change.start(PasskeyChange::Remove(id))>{i18n.t("Ja, verwijderen", "Yes, remove")}</button>
                                                        " "
                                                        <button type="button" class="secondary" on:click=move |_| removing.set(None)>{i18n.t("Annuleren", "Cancel")}</button>
                                                    </div>
                                                }
                                                .into_any()
                                            } else {
                                                let current = current.clone();
                                                view! {
                                                    " "
                                                    <button type="button" class="link rename-passkey" on:click=move |_| { new_name.set(current.clone()); removing.set(None); renaming.set(Some(id)); }>{i18n.t("Naam wijzigen", "Rename")}</button>
                                                    " "
                                                    <button type="button" class="link remove-passkey" on:click=move |_| { renaming.set(None); removing.set(Some(id)); }>{i18n.t("Verwijderen", "Remove")}</button>
                                                }
                                                .into_any()
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            {move || if offered.get() {
                view! {
                    <form id="passkey-form" on:submit=on_add>
                        <Field id="passkey-name" label=i18n.s("Naam van de passkey (bijvoorbeeld: laptop, telefoon)", "Name of the passkey (for example: laptop, phone)") value=name />
                        <Submit id="passkey-add" label=i18n.s("Passkey toevoegen", "Add a passkey") pending />
                    </form>
                }
                .into_any()
            } else {
                view! {
                    <p class="notice info" id="passkey-unsupported">{move || if crate::passkey::supported() {
                        i18n.tr("Passkeys zijn voor deze dienst niet ingesteld.", "Passkeys are not set up for this service.")
                    } else {
                        i18n.tr("Deze browser ondersteunt geen passkeys.", "This browser does not support passkeys.")
                    }}</p>
                }
                .into_any()
            }}
        </div>
    }
}

#[component]
fn AuthenticatorSection(
    needs_proof: RwSignal<bool>,
    replace: Write<AppChange, Option<AuthenticatorSetupResponse>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let secret = RwSignal::new(None::<AuthenticatorSetupResponse>);
    let code = RwSignal::new(String::new());
    let done = RwSignal::new(false);
    let pending = replace.pending();
    let error = replace.failure();
    watch_proof(error, needs_proof);
    // A new secret to show, or (after the first code) none: the new app is linked.
    replace.on_success(move |new_secret| {
        secret.set(new_secret.clone());
        done.set(new_secret.is_none());
    });
    let start = move |_| {
        done.set(false);
        replace.start(AppChange::Start);
    };
    let on_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        replace.start(AppChange::Confirm(code.get_untracked()));
    };
    view! {
        <div class="section" id="authenticator-section">
            <h2>{i18n.t("Authenticator-app vervangen", "Replace authenticator app")}</h2>
            <p>{i18n.t("U kunt één authenticator-app koppelen. Een nieuwe vervangt de oude zodra u de eerste code invult.", "You can link one authenticator app. A new one replaces the old one as soon as you enter its first code.")}</p>
            <MaybeError error />
            <Show when=move || done.get()>
                <p class="notice ok" id="authenticator-replaced">{i18n.t("Uw nieuwe authenticator-app is gekoppeld.", "Your new authenticator app is linked.")}</p>
            </Show>
            {move || match secret.get() {
                None => view! {
                    <button type="button" class="secondary" id="replace-authenticator" disabled=move || pending.get() on:click=start>
                        {i18n.t("Nieuwe app koppelen", "Link a new app")}
                    </button>
                }
                .into_any(),
                Some(s) => view! {
                    <div class="authenticator">
                        <QrCode data=s.otpauth_uri.clone() label=i18n.s("QR-code voor uw authenticator-app", "QR code for your authenticator app") />
                        <p>{i18n.t("Sleutel: ", "Key: ")}<code id="new-totp-secret">{s.secret.clone()}</code></p>
                    </div>
                    <form id="authenticator-form" on:submit=on_code>
                        <Field id="new-app-code" inputmode="numeric" autocomplete="one-time-code" label=i18n.s("Code uit de nieuwe app", "Code from the new app") value=code />
                        <Submit id="authenticator-submit" label=i18n.s("Koppelen", "Link") pending />
                    </form>
                }
                .into_any(),
            }}
        </div>
    }
}

#[component]
fn SessionsSection() -> impl IntoView {
    let i18n = use_i18n();
    let end_session = write(|id: &Uuid| api::end_session(*id));
    let ended = end_session.saved();
    let sessions = LocalResource::new(move || {
        ended.track();
        api::sessions()
    });
    let pending = end_session.pending();
    let error = end_session.failure();
    view! {
        <div class="section" id="sessions-section">
            <h2>{i18n.t("Actieve sessies", "Active sessions")}</h2>
            <MaybeError error />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => view! {
                            <ul class="sessions" id="session-list">
                                {list.sessions.into_iter().map(|s| {
                                    let id = s.id;
                                    let end = move |_| end_session.start(id);
                                    view! {
                                        <li class="session">
                                            <span>{move || i18n.time(s.created_at)}</span>
                                            " · " <span>{s.client_ip.clone().unwrap_or_default()}</span>
                                            " · " <span class="agent" title=s.user_agent.clone().unwrap_or_default()>{let agent = s.user_agent.clone().unwrap_or_default(); move || i18n.device(&agent)}</span>
                                            {if s.current {
                                                view! { <strong class="current">{i18n.t(" (deze sessie)", " (this session)")}</strong> }.into_any()
                                            } else {
                                                view! { " " <button type="button" class="link end-session" disabled=move || pending.get() on:click=end>{i18n.t("Beëindigen", "End session")}</button> }.into_any()
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn EventsSection(
    /// Moves after each change made on the page.
    changes: Signal<usize>,
) -> impl IntoView {
    let i18n = use_i18n();
    let events = LocalResource::new(move || {
        changes.track();
        api::my_events()
    });
    view! {
        <div class="section" id="events-section">
            <h2>{i18n.t("Recente activiteit op uw account", "Recent activity on your account")}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match events.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(page) => view! {
                            <ul class="events" id="event-list">
                                {page.events.into_iter().take(20).map(|e| view! {
                                    <li data-action=e.action.clone()><span>{move || i18n.time(e.at)}</span>" · "{let action = e.action.clone(); move || i18n.action(&action)}" · "{e.client_ip.unwrap_or_default()}</li>
                                }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

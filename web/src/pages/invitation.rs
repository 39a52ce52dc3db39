//! Accepting an invitation (or setting up sign-in again after a reset), as a wizard with a
//! visible step indicator: who it is for (the name read-only), a password with live feedback
//! from the shared policy, the mobile number confirmed with an SMS code, the authenticator app
//! (QR code drawn here, and the key as text), then signed in. An expired link says a new
//! invitation has been sent. An interrupted set-up continues with the chosen password.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use poort_shared::ErrorCode;
use poort_shared::dto::{
    AuthenticatorSetupResponse, InvitationKind, InvitationLinkResponse, SetupStep,
};

use crate::api;
use crate::components::{
    ErrorNotice, Field, MaybeError, PasswordFeedback, QrCode, Steps, Submit, WriteExt, concerns,
    write,
};
use crate::i18n::use_i18n;
use crate::session::use_session;

fn storage_key(token: &str) -> String {
    format!("poort.setup.{}", &token[..token.len().min(12)])
}

fn stored_setup_token(token: &str) -> Option<String> {
    web_sys::window()?
        .session_storage()
        .ok()??
        .get_item(&storage_key(token))
        .ok()?
}

fn store_setup_token(token: &str, setup: &str) {
    if let Some(s) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = s.set_item(&storage_key(token), setup);
    }
}

#[component]
pub fn AcceptInvitation() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let info = LocalResource::new(move || api::open_invitation(token()));
    view! {
        <section class="page narrow" id="page-invitation">
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Err(e) if e.code() == Some(ErrorCode::InvitationRenewed) => view! {
                            <h1>{i18n.t("Nieuwe uitnodiging verstuurd", "New invitation sent")}</h1>
                            <p class="notice ok" id="invitation-renewed">{i18n.t(
                                "Deze link was verlopen. Wij hebben u zojuist een nieuwe uitnodiging gestuurd naar hetzelfde e-mailadres. Gebruik de link in die e-mail.",
                                "This link had expired. We have just sent you a new invitation at the same e-mail address. Please use the link in that e-mail.",
                            )}</p>
                        }
                        .into_any(),
                        Err(e) => view! {
                            <h1>{i18n.t("Uitnodiging", "Invitation")}</h1>
                            <ErrorNotice error=e />
                        }
                        .into_any(),
                        Ok(info) => view! { <Wizard token=token() info /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What the person sends: the form of the step on screen, or (on reaching the authenticator
/// step) the request for the app's secret.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attempt {
    Password,
    Resume,
    SendCode,
    VerifyMobile,
    FetchSecret,
    ConfirmApp,
    /// A passkey instead of the app.
    Passkey,
}

#[component]
fn Wizard(token: String, info: InvitationLinkResponse) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let step = RwSignal::new(info.step);
    let setup = RwSignal::new(stored_setup_token(&token));
    let password = RwSignal::new(String::new());
    let mobile = RwSignal::new(String::new());
    let code_sent_to = RwSignal::new(None::<String>);
    let sms_code = RwSignal::new(String::new());
    let app = RwSignal::new(None::<AuthenticatorSetupResponse>);
    let app_code = RwSignal::new(String::new());
    let passkey_name = RwSignal::new(String::new());
    let passkeys = crate::passkey::offered();
    let token = StoredValue::new(token);
    let email = info.email.clone();
    let name = info.name.clone();

    let remember = move |setup_token: String| {
        store_setup_token(&token.get_value(), &setup_token);
        setup.set(Some(setup_token));
    };
    // One write for every step, so that one attempt runs at a time and the error shown is the
    // last attempt's.
    let attempt = write(move |attempt: &Attempt| {
        let attempt = *attempt;
        let token = token.get_value();
        let setup_token = setup.get_untracked().unwrap_or_default();
        async move {
            match attempt {
                Attempt::Password | Attempt::Resume => {
                    let chosen = password.get_untracked();
                    let answer = if attempt == Attempt::Password {
                        api::setup_password(token, chosen).await?
                    } else {
                        api::setup_resume(token, chosen).await?
                    };
                    password.set(String::new());
                    remember(answer.setup_token);
                    step.set(answer.step);
                }
                Attempt::SendCode => {
                    let sent =
                        api::setup_send_code(token, setup_token, mobile.get_untracked()).await?;
                    code_sent_to.set(Some(sent.sent_to));
                }
                Attempt::VerifyMobile => {
                    let next =
                        api::setup_verify_mobile(token, setup_token, sms_code.get_untracked())
                            .await?;
                    step.set(next.step);
                }
                Attempt::FetchSecret => {
                    app.set(Some(api::setup_authenticator(token, setup_token).await?));
                }
                Attempt::ConfirmApp => {
                    let me = api::setup_confirm_authenticator(
                        token,
                        setup_token,
                        app_code.get_untracked(),
                    )
                    .await?;
                    step.set(SetupStep::Done);
                    session.signed_in(me);
                }
                Attempt::Passkey => {
                    let started =
                        api::setup_passkey_options(token.clone(), setup_token.clone()).await?;
                    let credential =
                        crate::passkey::create(&started.options)
                            .await
                            .map_err(|f| {
                                f.shown()
                                    .unwrap_or(api::ApiError::Network("aborted".into()))
                            })?;
                    let me = api::setup_passkey(
                        token,
                        poort_shared::dto::SetupPasskeyRequest {
                            setup_token,
                            challenge_id: started.challenge_id,
                            name: passkey_name.get_untracked(),
                            credential,
                        },
                    )
                    .await?;
                    step.set(SetupStep::Done);
                    session.signed_in(me);
                }
            }
            Ok(())
        }
    });
    let pending = attempt.pending();
    let error = attempt.failure();
    let send = move |what: Attempt| {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            attempt.start(what);
        }
    };
    let on_password = send(Attempt::Password);
    let on_resume = send(Attempt::Resume);
    let on_mobile = send(Attempt::SendCode);
    let on_sms_code = send(Attempt::VerifyMobile);
    let on_app_code = send(Attempt::ConfirmApp);
    let on_passkey = send(Attempt::Passkey);
    // The authenticator step fetches its secret as soon as it is reached.
    Effect::new(move |_| {
        if step.get() == SetupStep::Authenticator && app.get().is_none() && setup.get().is_some() {
            attempt.start(Attempt::FetchSecret);
        }
    });
    Effect::new(move |_| {
        if step.get() == SetupStep::Done && session.me.get().is_some() {
            navigate("/start", Default::default());
        }
    });
    // A set-up token that no longer works: ask for the password again.
    Effect::new(move |_| {
        if error.get().and_then(|e| e.code()) == Some(ErrorCode::SetupTokenInvalid) {
            setup.set(None);
        }
    });

    let current = Signal::derive(move || match step.get() {
        SetupStep::Password => 0,
        SetupStep::Mobile => 1,
        SetupStep::Authenticator => 2,
        SetupStep::Done => 3,
    });
    let title = match info.kind {
        InvitationKind::Invitation => Signal::derive(move || {
            i18n.tr(
                "Welkom: maak uw account aan",
                "Welcome: set up your account",
            )
        }),
        InvitationKind::Reset => Signal::derive(move || {
            i18n.tr(
                "Stel uw inlogmethoden opnieuw in",
                "Set up your sign-in again",
            )
        }),
    };
    let email_signal = Signal::derive({
        let email = email.clone();
        move || email.clone()
    });
    let name_signal = Signal::derive({
        let name = name.clone();
        move || name.clone()
    });
    view! {
        <h1>{move || title.get()}</h1>
        <Steps
            steps=vec![
                i18n.s("Wachtwoord", "Password"),
                i18n.s("Mobiel nummer", "Mobile number"),
                i18n.s("Authenticator-app", "Authenticator app"),
                i18n.s("Klaar", "Done"),
            ]
            current
        />
        <dl class="facts" id="invitee">
            <dt>{i18n.t("Naam", "Name")}</dt>
            <dd id="invitee-name">{name.clone()}</dd>
            <dt>{i18n.t("E-mailadres", "E-mail address")}</dt>
            <dd id="invitee-email">{email.clone()}</dd>
            {info.office_name.clone().map(|office| view! {
                <dt>{i18n.t("Kantoor", "Office")}</dt>
                <dd id="invitee-office">{office}</dd>
            })}
        </dl>
        <p class="hint">{i18n.t(
            "Uw naam staat vast. Klopt hij niet? Neem contact op met Team Relatiebeheer.",
            "Your name is fixed. Is it wrong? Please contact Team Relatiebeheer.",
        )}</p>
        <MaybeError error />
        {move || match (step.get(), setup.get().is_some()) {
            (SetupStep::Password, _) => view! {
                <form id="setup-password-form" on:submit=on_password>
                    <Field id="setup-password" kind="password" autocomplete="new-password" label=i18n.s("Kies een wachtwoord", "Choose a password") value=password error codes=concerns::NEW_PASSWORD />
                    <PasswordFeedback password email=email_signal name=name_signal />
                    <Submit id="setup-password-submit" label=i18n.s("Volgende", "Next") pending />
                </form>
            }
            .into_any(),
            (SetupStep::Done, _) => view! { <p class="notice ok" id="setup-done">{i18n.t("Uw account is klaar. U bent ingelogd.", "Your account is ready. You are signed in.")}</p> }.into_any(),
            (_, false) => view! {
                <form id="setup-resume-form" on:submit=on_resume>
                    <p>{i18n.t(
                        "U was al begonnen. Vul het wachtwoord in dat u koos om verder te gaan.",
                        "You had already started. Enter the password you chose to continue.",
                    )}</p>
                    <Field id="resume-password" kind="password" autocomplete="current-password" label=i18n.s("Wachtwoord", "Password") value=password error codes=concerns::PASSWORD />
                    <Submit id="setup-resume-submit" label=i18n.s("Verder", "Continue") pending />
                </form>
            }
            .into_any(),
            (SetupStep::Mobile, true) => view! {
                <form id="setup-mobile-form" on:submit=on_mobile>
                    <p>{i18n.t(
                        "Uw mobiele nummer gebruiken wij voor sms-codes bij het inloggen en als u uw wachtwoord of e-mailadres vergeet.",
                        "We use your mobile number for SMS codes when you sign in and when you forget your password or e-mail address.",
                    )}</p>
                    <Field id="setup-mobile" kind="tel" autocomplete="tel" label=i18n.s("Mobiel nummer", "Mobile number") value=mobile error codes=concerns::MOBILE />
                    <Submit id="setup-mobile-submit" label=Signal::derive(move || if code_sent_to.get().is_some() { i18n.tr("Stuur een nieuwe code", "Send a new code") } else { i18n.tr("Stuur mij een code", "Send me a code") }) pending />
                </form>
                {move || code_sent_to.get().map(|to| view! {
                    <form id="setup-sms-form" on:submit=on_sms_code>
                        <p class="notice info" id="code-sent">{i18n.t("Wij hebben een code gestuurd naar ", "We sent a code to ")}{to.clone()}</p>
                        <Field id="setup-sms-code" inputmode="numeric" autocomplete="one-time-code" label=i18n.s("Code uit de sms", "Code from the SMS") value=sms_code error codes=concerns::CODE />
                        <Submit id="setup-sms-submit" label=i18n.s("Bevestigen", "Confirm") pending />
                    </form>
                })}
            }
            .into_any(),
            (SetupStep::Authenticator, true) => view! {
                <p>{i18n.t(
                    "Koppel een authenticator-app, bijvoorbeeld Google Authenticator of Microsoft Authenticator; elke app die 6-cijferige codes maakt werkt. Scan de QR-code met de app, of typ de sleutel over.",
                    "Link an authenticator app, for example Google Authenticator or Microsoft Authenticator; any app that makes 6-digit codes works. Scan the QR code with the app, or type in the key.",
                )}</p>
                {move || app.get().map(|secret| view! {
                    <div class="authenticator">
                        <QrCode data=secret.otpauth_uri.clone() label=i18n.s("QR-code voor uw authenticator-app", "QR code for your authenticator app") />
                        <p>{i18n.t("Sleutel: ", "Key: ")}<code id="totp-secret">{secret.secret.clone()}</code></p>
                    </div>
                })}
                <form id="setup-app-form" on:submit=on_app_code>
                    <Field id="setup-app-code" inputmode="numeric" autocomplete="one-time-code" label=i18n.s("Code uit de app", "Code from the app") value=app_code error codes=concerns::CODE />
                    <Submit id="setup-app-submit" label=i18n.s("Koppelen en inloggen", "Link and sign in") pending />
                </form>
                {move || passkeys.get().then(|| view! {
                    <div class="alternative" id="setup-passkey">
                        <h2>{i18n.t("Of: een passkey in plaats van een app", "Or: a passkey instead of an app")}</h2>
                        <p>{i18n.t(
                            "Met een passkey bevestigt u het inloggen met de vingerafdruk, het gezicht of de pincode van dit apparaat. Uw mobiele nummer blijft nodig voor sms-codes.",
                            "With a passkey you confirm signing in with this device's fingerprint, face or PIN. Your mobile number stays needed for SMS codes.",
                        )}</p>
                        <form id="setup-passkey-form" on:submit=on_passkey>
                            <Field id="setup-passkey-name" label=i18n.s("Naam van de passkey (bijvoorbeeld: laptop)", "Name of the passkey (for example: laptop)") value=passkey_name />
                            <Submit id="setup-passkey-submit" label=i18n.s("Passkey maken en inloggen", "Create passkey and sign in") pending />
                        </form>
                    </div>
                })}
            }
            .into_any(),
        }}
    }
}

//! Forgot password (e-mail → "check your mail" → link → SMS or authenticator code → new
//! password → signed in) and forgot e-mail address (mobile number → "if we know the number you
//! get an SMS").

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use poort_shared::dto::{PasswordResetLinkResponse, SecondFactor};

use crate::api;
use crate::components::{
    ErrorNotice, Field, MaybeError, PasswordFeedback, Submit, WriteExt, write,
};
use crate::i18n::use_i18n;
use crate::session::use_session;

#[component]
pub fn ForgotPassword() -> impl IntoView {
    let i18n = use_i18n();
    let email = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let request = write(move |_: &()| async move {
        api::request_password_reset(email.get_untracked()).await?;
        sent.set(true);
        Ok(())
    });
    let pending = request.pending();
    let error = request.failure();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        request.start(());
    };
    view! {
        <section class="page narrow" id="page-forgot-password">
            <h1>{i18n.t("Wachtwoord vergeten", "Forgot password")}</h1>
            <MaybeError error />
            <Show
                when=move || sent.get()
                fallback=move || view! {
                    <p>{i18n.t(
                        "Vul uw e-mailadres in. U krijgt een e-mail met een link om een nieuw wachtwoord te kiezen.",
                        "Enter your e-mail address. You will receive an e-mail with a link to choose a new password.",
                    )}</p>
                    <form id="forgot-password-form" on:submit=on_submit>
                        <Field id="email" kind="email" autocomplete="username" label=i18n.s("E-mailadres", "E-mail address") value=email />
                        <Submit id="forgot-password-submit" label=i18n.s("Stuur mij een link", "Send me a link") pending />
                    </form>
                }
            >
                <p class="notice ok" id="check-your-mail">{i18n.t(
                    "Als dit e-mailadres bij ons bekend is, ontvangt u binnen enkele minuten een e-mail met een link. De link is een uur geldig.",
                    "If we know this e-mail address, you will receive an e-mail with a link within a few minutes. The link is valid for one hour.",
                )}</p>
            </Show>
        </section>
    }
}

/// What the person sends after opening a reset link.
#[derive(Clone, Copy)]
enum Attempt {
    SendSms,
    Code(SecondFactor),
    Password,
}

#[component]
pub fn ResetPassword() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let link = LocalResource::new(move || api::open_password_reset(token()));
    let verified = RwSignal::new(false);
    let sms_sent = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // One write for the steps after opening the link: one attempt at a time, its error shown.
    let attempt = write(move |attempt: &Attempt| {
        let attempt = *attempt;
        let token = token();
        async move {
            match attempt {
                Attempt::SendSms => {
                    api::password_reset_sms(token).await?;
                    sms_sent.set(true);
                }
                Attempt::Code(method) => {
                    api::verify_password_reset(token, method, code.get_untracked()).await?;
                    verified.set(true);
                }
                Attempt::Password => {
                    let me = api::complete_password_reset(token, password.get_untracked()).await?;
                    session.signed_in(me);
                }
            }
            Ok(())
        }
    });
    let pending = attempt.pending();
    let error = attempt.failure();
    let send_sms = move |_| attempt.start(Attempt::SendSms);
    let on_code = move |info: PasswordResetLinkResponse| {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let method = if sms_sent.get_untracked()
                || !info.methods.contains(&SecondFactor::Authenticator)
            {
                SecondFactor::Sms
            } else {
                SecondFactor::Authenticator
            };
            attempt.start(Attempt::Code(method));
        }
    };
    let on_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        attempt.start(Attempt::Password);
    };
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if session.me.get().is_some() && verified.get() {
            navigate("/start", Default::default());
        }
    });

    view! {
        <section class="page narrow" id="page-reset-password">
            <h1>{i18n.t("Nieuw wachtwoord kiezen", "Choose a new password")}</h1>
            <MaybeError error />
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        // The step is switched by a `Show` inside, not by reading `verified`
                        // here: that would render the whole step again while the write that
                        // verified the code is still ending, and its button would read props
                        // that are already gone.
                        Ok(info) => {
                            let already = info.verified;
                            let can_sms = info.methods.contains(&SecondFactor::Sms);
                            let has_app = info.methods.contains(&SecondFactor::Authenticator);
                            let hint = info.mobile_hint.clone().unwrap_or_default();
                            let code_step = move || {
                                let hint = hint.clone();
                                let on_code = on_code(info.clone());
                                view! {
                                    <p>{i18n.t(
                                        "Bevestig eerst dat u het bent, met een code uit uw authenticator-app of per sms.",
                                        "First confirm it is you, with a code from your authenticator app or by SMS.",
                                    )}</p>
                                    <form id="reset-code-form" on:submit=on_code>
                                        <p id="reset-code-explanation">{move || if sms_sent.get() || !has_app {
                                            format!("{}{}", i18n.tr("Vul de code in uit de sms aan ", "Enter the code from the SMS to "), hint)
                                        } else {
                                            i18n.tr("Vul de code in uit uw authenticator-app.", "Enter the code from your authenticator app.").to_string()
                                        }}</p>
                                        <Field id="reset-code" inputmode="numeric" autocomplete="one-time-code" label=i18n.s("Code", "Code") value=code />
                                        <Submit id="reset-code-submit" label=i18n.s("Bevestigen", "Confirm") pending />
                                    </form>
                                    {can_sms.then(|| view! {
                                        <Show when=move || !sms_sent.get()>
                                            <p><button type="button" class="link" id="reset-send-sms" on:click=send_sms>
                                                {i18n.t("Stuur mij een code per sms", "Send me a code by SMS")}
                                            </button></p>
                                        </Show>
                                    })}
                                }
                            };
                            view! {
                                <Show when=move || already || verified.get() fallback=code_step>
                                    <form id="reset-password-form" on:submit=on_password>
                                        <Field id="new-password" kind="password" autocomplete="new-password" label=i18n.s("Nieuw wachtwoord", "New password") value=password />
                                        <PasswordFeedback password email=Signal::derive(String::new) name=Signal::derive(String::new) />
                                        <Submit id="reset-password-submit" label=i18n.s("Wachtwoord opslaan", "Save password") pending />
                                    </form>
                                </Show>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn ForgotEmail() -> impl IntoView {
    let i18n = use_i18n();
    let mobile = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let request = write(move |_: &()| async move {
        api::forgot_email(mobile.get_untracked()).await?;
        sent.set(true);
        Ok(())
    });
    let pending = request.pending();
    let error = request.failure();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        request.start(());
    };
    view! {
        <section class="page narrow" id="page-forgot-email">
            <h1>{i18n.t("E-mailadres vergeten", "Forgot your e-mail address")}</h1>
            <MaybeError error />
            <Show
                when=move || sent.get()
                fallback=move || view! {
                    <p>{i18n.t(
                        "Vul het mobiele nummer in dat bij uw account hoort. U krijgt een sms met uw e-mailadres.",
                        "Enter the mobile number of your account. You will receive an SMS with your e-mail address.",
                    )}</p>
                    <form id="forgot-email-form" on:submit=on_submit>
                        <Field id="mobile" kind="tel" autocomplete="tel" label=i18n.s("Mobiel nummer", "Mobile number") value=mobile />
                        <Submit id="forgot-email-submit" label=i18n.s("Stuur mij een sms", "Send me an SMS") pending />
                    </form>
                }
            >
                <p class="notice ok" id="sms-on-its-way">{i18n.t(
                    "Als wij dit nummer kennen, ontvangt u binnen enkele minuten een sms met uw e-mailadres.",
                    "If we know this number, you will receive an SMS with your e-mail address within a few minutes.",
                )}</p>
            </Show>
        </section>
    }
}

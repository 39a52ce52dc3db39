//! Signing in: e-mail and password (a real form, so password managers work), then a passkey,
//! the code from the authenticator app or, instead, an SMS code; a new password when the old
//! one has expired. Or with a passkey alone: from the e-mail field's autofill (the browser's
//! conditional mediation, asked for as the page opens) or the button under the form. Blocked
//! and not-set-up answers say what to do.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use poort_shared::dto::{SecondFactor, SignInResponse, SignInStep};

use crate::api;
use crate::components::{Field, MaybeError, PasswordFeedback, Submit, WriteExt, concerns, write};
use crate::i18n::use_i18n;
use crate::session::use_session;

#[derive(Clone, PartialEq)]
enum Step {
    Password,
    Code {
        token: String,
        methods: Vec<SecondFactor>,
        hint: Option<String>,
        sms_sent: bool,
    },
    NewPassword {
        token: String,
    },
}

/// What the person sends: the form of the step on screen, or a request for an SMS code.
#[derive(Clone, Copy)]
enum Attempt {
    Password,
    Code,
    SendSms,
    NewPassword,
    /// The second factor with a passkey.
    Passkey,
    /// A passkey alone (the button).
    Passwordless,
}

/// The browser's refusal as an error to show (an abort shows as nothing went wrong).
fn refusal(failure: crate::passkey::Failure) -> api::ApiError {
    failure
        .shown()
        .unwrap_or(api::ApiError::Network("aborted".into()))
}

#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    // Already signed in: go on.
    Effect::new({
        let navigate = navigate.clone();
        move |_| {
            if session.checked.get() && session.me.get().is_some() {
                navigate("/start", Default::default());
            }
        }
    });
    let step = RwSignal::new(Step::Password);
    // What was typed into the page's plain-HTML copy before the app arrived (`shell`).
    let carried = crate::shell::carried().unwrap_or_default();
    let email = RwSignal::new(carried.email);
    let password = RwSignal::new(carried.password);
    let code = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());

    let advance = move |answer: SignInResponse| match answer.step {
        SignInStep::SecondFactor => step.set(Step::Code {
            token: answer.sign_in_token.unwrap_or_default(),
            methods: answer.methods,
            hint: answer.mobile_hint,
            sms_sent: false,
        }),
        SignInStep::NewPassword => step.set(Step::NewPassword {
            token: answer.sign_in_token.unwrap_or_default(),
        }),
        SignInStep::Done => {
            if let Some(me) = answer.account {
                session.signed_in(me);
            }
        }
    };
    // One write for every step, so that one attempt runs at a time and the error shown is the
    // last attempt's.
    let attempt = write(move |attempt: &Attempt| {
        let attempt = *attempt;
        let at = step.get_untracked();
        async move {
            match (attempt, at) {
                (Attempt::Password, _) => {
                    let answer =
                        api::sign_in(email.get_untracked(), password.get_untracked()).await?;
                    password.set(String::new());
                    advance(answer);
                }
                (
                    Attempt::Code,
                    Step::Code {
                        token, sms_sent, ..
                    },
                ) => {
                    let c = code.get_untracked();
                    let answer = if sms_sent {
                        api::sign_in_verify_sms(token, c).await?
                    } else {
                        api::sign_in_authenticator(token, c).await?
                    };
                    code.set(String::new());
                    advance(answer);
                }
                (
                    Attempt::SendSms,
                    Step::Code {
                        token,
                        methods,
                        hint,
                        ..
                    },
                ) => {
                    api::sign_in_send_sms(token.clone()).await?;
                    step.set(Step::Code {
                        token,
                        methods,
                        hint,
                        sms_sent: true,
                    });
                }
                (Attempt::NewPassword, Step::NewPassword { token }) => {
                    let answer =
                        api::sign_in_new_password(token, new_password.get_untracked()).await?;
                    advance(answer);
                }
                (Attempt::Passkey, Step::Code { token, .. }) => {
                    let started = api::sign_in_passkey_options(token.clone()).await?;
                    let credential = crate::passkey::get(&started.options)
                        .await
                        .map_err(refusal)?;
                    advance(api::sign_in_passkey(token, started.challenge_id, credential).await?);
                }
                (Attempt::Passwordless, _) => {
                    let started = api::passwordless_options().await?;
                    let credential = crate::passkey::get(&started.options)
                        .await
                        .map_err(refusal)?;
                    advance(api::passwordless_sign_in(started.challenge_id, credential).await?);
                }
                // Only the current step's form is on screen.
                _ => {}
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
    let on_code = send(Attempt::Code);
    let on_new_password = send(Attempt::NewPassword);
    let send_sms = move |_| attempt.start(Attempt::SendSms);
    let use_passkey = move |_| attempt.start(Attempt::Passkey);
    let passwordless = move |_| attempt.start(Attempt::Passwordless);
    let passkeys = crate::passkey::offered();
    // The passkeys of this site in the e-mail field's autofill: asked for while the password
    // step is on screen and nothing else runs; asked again after each refusal, after a button
    // took its place, and before its challenge expires (5 minutes).
    let autofill_error = RwSignal::new(None::<api::ApiError>);
    if crate::passkey::supported() {
        let alive = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let live = {
            let alive = alive.clone();
            move || alive.load(std::sync::atomic::Ordering::Relaxed)
        };
        on_cleanup(move || {
            alive.store(false, std::sync::atomic::Ordering::Relaxed);
            crate::passkey::cancel();
        });
        leptos::task::spawn_local(async move {
            if !crate::passkey::autofill_available().await {
                return;
            }
            // A browser that refuses at once (no passkey for this site, say) is asked again
            // later and later, and its refusal is not shown: the person asked for nothing.
            let mut pause = 500;
            while live() {
                if pending.get_untracked() || !matches!(step.get_untracked(), Step::Password) {
                    crate::passkey::sleep(500).await;
                    continue;
                }
                let started = match api::passwordless_options().await {
                    Ok(started) => started,
                    Err(e) if e.code() == Some(poort_shared::ErrorCode::PasskeysUnavailable) => {
                        return;
                    }
                    Err(_) => {
                        crate::passkey::sleep(60_000).await;
                        continue;
                    }
                };
                match crate::passkey::autofill(&started.options, 240_000).await {
                    Ok(credential) if live() => {
                        match api::passwordless_sign_in(started.challenge_id, credential).await {
                            Ok(answer) => {
                                advance(answer);
                                return;
                            }
                            Err(e) => autofill_error.set(Some(e)),
                        }
                        pause = 2_000;
                    }
                    Err(crate::passkey::Failure::Refused(_)) => pause = (pause * 4).min(60_000),
                    _ => pause = 500,
                }
                crate::passkey::sleep(pause).await;
            }
        });
    }
    // Leaving the password step ends the autofill request.
    Effect::new(move |_| {
        if !matches!(step.get(), Step::Password) {
            crate::passkey::cancel();
        }
    });
    // Once drawn: the focus back where it was in the shell, and a submit pressed there sent.
    Effect::new(move |before: Option<()>| {
        if before.is_some() {
            return;
        }
        if let Some(id) = &carried.focus {
            crate::shell::restore_focus(id);
        }
        if carried.submitted {
            attempt.start(Attempt::Password);
        }
    });
    // Any error that ends this sign-in sends the person back to the first step.
    Effect::new(move |_| {
        use poort_shared::ErrorCode::*;
        if let Some(code) = error.get().and_then(|e| e.code())
            && matches!(code, SignInExpired | SignInAttemptVoid)
        {
            step.set(Step::Password);
        }
    });

    view! {
        <section class="page narrow" id="page-sign-in">
            <h1>{i18n.t("Inloggen", "Sign in")}</h1>
            <MaybeError error />
            <MaybeError error=autofill_error />
            {move || match step.get() {
                Step::Password => view! {
                    <form id="sign-in-form" on:submit=on_password>
                        <Field id="email" kind="email" autocomplete="username webauthn" label=i18n.s("E-mailadres", "E-mail address") value=email />
                        <Field id="password" kind="password" autocomplete="current-password" label=i18n.s("Wachtwoord", "Password") value=password error codes=concerns::PASSWORD />
                        <Submit id="sign-in-submit" label=i18n.s("Inloggen", "Sign in") pending />
                    </form>
                    {move || passkeys.get().then(|| view! {
                        <p class="passkey-sign-in"><button type="button" class="secondary" id="passkey-sign-in" on:click=passwordless>
                            {i18n.t("Inloggen met een passkey", "Sign in with a passkey")}
                        </button></p>
                    })}
                    <ul class="links">
                        <li><A href="/wachtwoord-vergeten" attr:id="forgot-password">{i18n.t("Wachtwoord vergeten?", "Forgot your password?")}</A></li>
                        <li><A href="/e-mailadres-vergeten" attr:id="forgot-email">{i18n.t("E-mailadres vergeten?", "Forgot your e-mail address?")}</A></li>
                    </ul>
                    <super::EherkenningSignIn />
                }
                .into_any(),
                Step::Code { methods, hint, sms_sent, .. } => {
                    let can_sms = methods.contains(&SecondFactor::Sms);
                    let has_app = methods.contains(&SecondFactor::Authenticator);
                    let has_passkey = methods.contains(&SecondFactor::Passkey) && passkeys.get();
                    // A code form when there is a code to type: from the app, or an SMS sent.
                    let code_form = has_app || sms_sent || !has_passkey;
                    let hint = hint.unwrap_or_default();
                    view! {
                        {has_passkey.then(|| view! {
                            <div class="passkey-step" id="passkey-step">
                                <p>{i18n.t("Bevestig met uw passkey (vingerafdruk, gezicht of pincode van uw apparaat).", "Confirm with your passkey (your device's fingerprint, face or PIN).")}</p>
                                <button type="button" id="use-passkey" disabled=move || pending.get() on:click=use_passkey>
                                    {i18n.t("Passkey gebruiken", "Use passkey")}
                                </button>
                                {code_form.then(|| view! { <p class="hint">{i18n.t("Of vul een code in:", "Or enter a code:")}</p> })}
                            </div>
                        })}
                        {code_form.then(|| view! {
                        <form id="code-form" on:submit=on_code>
                            <p id="code-explanation">
                                {move || if sms_sent || !has_app {
                                    i18n.tr("Vul de code in die wij per sms hebben gestuurd naar ", "Enter the code we sent by SMS to ")
                                } else {
                                    i18n.tr("Vul de 6-cijferige code in uit uw authenticator-app.", "Enter the 6-digit code from your authenticator app.")
                                }}
                                {(sms_sent || !has_app).then(|| hint.clone())}
                            </p>
                            <Field id="code" inputmode="numeric" autocomplete="one-time-code" label=i18n.s("Code", "Code") value=code error codes=concerns::CODE />
                            <Submit id="code-submit" label=i18n.s("Bevestigen", "Confirm") pending />
                        </form>
                        })}
                        {(can_sms && !sms_sent).then(|| view! {
                            <p><button type="button" class="link" id="send-sms" on:click=send_sms>
                                {move || if has_app {
                                    i18n.tr("Stuur de code liever per sms", "Send the code by SMS instead")
                                } else {
                                    i18n.tr("Stuur mij een code per sms", "Send me a code by SMS")
                                }}
                            </button></p>
                        })}
                    }
                    .into_any()
                }
                Step::NewPassword { .. } => view! {
                    <form id="new-password-form" on:submit=on_new_password>
                        <p class="notice info">{i18n.t(
                            "Uw wachtwoord is verlopen. Kies een nieuw wachtwoord om verder te gaan.",
                            "Your password has expired. Choose a new password to continue.",
                        )}</p>
                        <Field id="new-password" kind="password" autocomplete="new-password" label=i18n.s("Nieuw wachtwoord", "New password") value=new_password error codes=concerns::NEW_PASSWORD />
                        <PasswordFeedback password=new_password email=email.into() name=Signal::derive(String::new) />
                        <Submit id="new-password-submit" label=i18n.s("Opslaan en verder", "Save and continue") pending />
                    </form>
                }
                .into_any(),
            }}
        </section>
    }
}

//! Pieces every page uses: the header with the language switch, the footer with contact
//! details, and the way an error is shown.

use leptos::prelude::*;
use leptos_router::components::A;
use poort_shared::dto::RunMode;

use crate::api::ApiError;
use crate::app::PublicConfig;
use crate::i18n::{Key, Lang, use_i18n};

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let config = expect_context::<PublicConfig>().0;
    let insurer = move || {
        config
            .get()
            .and_then(Result::ok)
            .map(|c| c.insurer_name)
            .unwrap_or_default()
    };
    let lang_button = move |lang: Lang, label: &'static str, id: &'static str| {
        view! {
            <button
                type="button"
                id=id
                class="lang"
                lang=lang.code()
                aria-pressed=move || (i18n.lang() == lang).to_string()
                on:click=move |_| i18n.set(lang)
            >
                {label}
            </button>
        }
    };
    view! {
        <a class="skip" href="#inhoud">{move || i18n.t(Key::SkipToContent)}</a>
        <header class="site">
            <A href="/" attr:class="brand">
                <span class="insurer" id="insurer-name">{insurer}</span>
                <span class="product">{move || i18n.t(Key::Extranet)}</span>
            </A>
            <div class="tools" role="group" aria-label=move || i18n.t(Key::LanguageLabel)>
                {lang_button(Lang::Nl, "NL", "lang-nl")}
                {lang_button(Lang::En, "EN", "lang-en")}
            </div>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    let config = expect_context::<PublicConfig>().0;
    view! {
        <footer class="site">
            <Transition fallback=|| ()>
                {move || {
                    config
                        .get()
                        .and_then(Result::ok)
                        .map(|c| {
                            let tel = format!("tel:{}", c.support_phone.replace(' ', ""));
                            let mail = format!("mailto:{}", c.support_email);
                            let dev = c.mode == RunMode::Dev;
                            view! {
                                <p class="help">{move || i18n.t(Key::FooterHelp)}</p>
                                <ul class="contact">
                                    <li>
                                        {move || i18n.t(Key::FooterPhone)} ": "
                                        <a href=tel id="support-phone">{c.support_phone.clone()}</a>
                                    </li>
                                    <li>
                                        {move || i18n.t(Key::FooterEmail)} ": "
                                        <a href=mail id="support-email">{c.support_email.clone()}</a>
                                    </li>
                                </ul>
                                <nav class="footer-links">
                                    <A href="/status">{move || i18n.t(Key::FooterStatus)}</A>
                                    <Show when=move || dev>
                                        <A href="/dev/outbox">{move || i18n.t(Key::FooterOutbox)}</A>
                                    </Show>
                                </nav>
                            }
                        })
                }}
            </Transition>
        </footer>
    }
}

/// An error as the user reads it: a sentence in their language, chosen by the error code.
#[component]
pub fn ErrorNotice(error: ApiError) -> impl IntoView {
    let i18n = use_i18n();
    let code = match &error {
        ApiError::Api { code, .. } => code.as_str().to_string(),
        ApiError::Network(_) => "network".into(),
        ApiError::UnexpectedAnswer(_) => "unexpected_answer".into(),
    };
    view! {
        <div class="notice error" role="alert" data-code=code>
            <strong>{move || i18n.t(Key::ErrorTitle)}</strong>
            <p>{move || i18n.error(&error)}</p>
        </div>
    }
}

/// Shows the errors an `<ErrorBoundary>` caught, each as an [`ErrorNotice`].
pub fn error_fallback(errors: ArcRwSignal<Errors>) -> impl IntoView {
    move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| {
                let error = e
                    .into_inner()
                    .downcast_ref::<ApiError>()
                    .cloned()
                    .unwrap_or_else(|| ApiError::UnexpectedAnswer("unknown".into()));
                view! { <ErrorNotice error /> }
            })
            .collect_view()
    }
}

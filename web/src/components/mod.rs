//! Pieces every page uses: header (insurer, the signed-in name, language), footer (contact
//! details, Mijn account), errors as sentences, labelled form fields, a submit button that
//! shows progress and cannot be pressed twice, a step indicator and a QR code. Writes (Leptos
//! actions) are made with [`write`].

use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use poort_shared::ErrorCode;
use poort_shared::dto::{Role, RunMode};

use crate::api::{self, ApiError};
use crate::app::PublicConfig;
use crate::i18n::{Lang, use_i18n};
use crate::session::use_session;

mod write;

pub use write::{ItemWrite, Write, WriteExt, write};

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let config = expect_context::<PublicConfig>().0;
    let navigate = use_navigate();
    // The server writes the name into the page: the first frame has it (no shift when
    // `/api/config` arrives).
    let written = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(r#"meta[name="insurer"]"#).ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_default();
    let insurer = move || {
        config
            .get()
            .and_then(Result::ok)
            .map(|c| c.insurer_name)
            .unwrap_or_else(|| written.clone())
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
    // Signed out whatever the answer: the session is forgotten here either way.
    let sign_out = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            let _ = api::logout().await;
            session.me.set(None);
            navigate("/", Default::default());
        }
    });
    let role = move || session.me.get().map(|m| m.role);
    view! {
        <a class="skip" href="#inhoud">{i18n.t("Naar de inhoud", "Skip to content")}</a>
        <header class="site">
            <A href="/" attr:class="brand">
                <span class="insurer" id="insurer-name">{insurer}</span>
                <span class="product">{i18n.t("Extranet voor adviseurs", "Adviser extranet")}</span>
            </A>
            <div class="tools">
                <Show when=move || session.me.get().is_some()>
                    <nav class="main-nav" aria-label=i18n.t("Hoofdmenu", "Main menu")>
                        <A href="/start">{i18n.t("Start", "Home")}</A>
                        <Show when=move || role() == Some(Role::OfficeAdmin)>
                            <A href="/beheer" attr:id="nav-admin">{i18n.t("Gebruikersbeheer", "User management")}</A>
                        </Show>
                        <Show when=move || role() == Some(Role::Operator)>
                            <A href="/relatiebeheer" attr:id="nav-operator">{i18n.t("Relatiebeheer", "Relations team")}</A>
                        </Show>
                    </nav>
                    <span class="user" id="user-name">{move || session.me.get().map(|m| m.name).unwrap_or_default()}</span>
                    <button type="button" class="link" id="sign-out" on:click=move |_| {
                        sign_out.dispatch(());
                    }>
                        {i18n.t("Uitloggen", "Sign out")}
                    </button>
                </Show>
                <div class="langs" role="group" aria-label=i18n.t("Taal", "Language")>
                    {lang_button(Lang::Nl, "NL", "lang-nl")}
                    {lang_button(Lang::En, "EN", "lang-en")}
                </div>
            </div>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
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
                                <p class="help">{i18n.t("Hulp nodig? Neem contact op met Team Relatiebeheer", "Need help? Contact Team Relatiebeheer")}</p>
                                <ul class="contact">
                                    <li>
                                        {i18n.t("Telefoon", "Phone")} ": "
                                        <a href=tel id="support-phone">{c.support_phone.clone()}</a>
                                    </li>
                                    <li>
                                        {i18n.t("E-mail", "E-mail")} ": "
                                        <a href=mail id="support-email">{c.support_email.clone()}</a>
                                    </li>
                                </ul>
                                <nav class="footer-links">
                                    <Show when=move || session.me.get().is_some()>
                                        <A href="/mijn-account" attr:id="nav-my-account">{i18n.t("Mijn account", "My account")}</A>
                                    </Show>
                                    <A href="/status">{i18n.t("Status", "Status")}</A>
                                    <Show when=move || dev>
                                        <A href="/dev/outbox">{i18n.t("Uitgaande berichten", "Outgoing messages")}</A>
                                    </Show>
                                </nav>
                            }
                        })
                }}
            </Transition>
        </footer>
    }
}

/// The relations team's phone and e-mail, as a sentence (for blocked and not-set-up messages).
#[component]
pub fn ContactLine() -> impl IntoView {
    let i18n = use_i18n();
    let config = expect_context::<PublicConfig>().0;
    move || {
        config.get().and_then(Result::ok).map(|c| {
            view! {
                <p class="contact-line">
                    {i18n.t("Team Relatiebeheer: ", "Team Relatiebeheer: ")}
                    <a href=format!("tel:{}", c.support_phone.replace(' ', ""))>{c.support_phone.clone()}</a>
                    {i18n.t(" of ", " or ")}
                    <a href=format!("mailto:{}", c.support_email)>{c.support_email.clone()}</a>
                </p>
            }
        })
    }
}

/// An error as the user reads it: a sentence in their language, chosen by the error code, and
/// what to do next where that helps. Takes focus when it appears, for keyboard and
/// screen-reader users.
#[component]
pub fn ErrorNotice(error: ApiError) -> impl IntoView {
    let i18n = use_i18n();
    let code = match &error {
        ApiError::Api { code, .. } => code.as_str().to_string(),
        ApiError::Network(_) => "network".into(),
        ApiError::UnexpectedAnswer(_) => "unexpected_answer".into(),
    };
    let node = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            let _ = el.focus();
        }
    });
    let extra = match error.code() {
        Some(ErrorCode::AccountBlocked) => view! {
            <p><A href="/wachtwoord-vergeten" attr:id="blocked-reset-link">{i18n.t("Wachtwoord vergeten? Stel een nieuw wachtwoord in.", "Forgot your password? Set a new one.")}</A></p>
            <ContactLine />
        }
        .into_any(),
        Some(ErrorCode::TwoFactorNotSetUp)
        | Some(ErrorCode::AccountDeactivated)
        | Some(ErrorCode::RecoveryClosed) => view! { <ContactLine /> }.into_any(),
        _ => ().into_any(),
    };
    view! {
        <div class="notice error" role="alert" tabindex="-1" data-code=code node_ref=node>
            <strong>{i18n.t("Dat ging niet goed", "Something went wrong")}</strong>
            <p class="error-text">{move || i18n.error(&error)}</p>
            {extra}
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

/// The error of the last attempt, if any (see [`WriteExt::failure`]).
#[component]
pub fn MaybeError(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || error.get().map(|error| view! { <ErrorNotice error /> })
}

/// A labelled input bound to a signal. Given the form's `error` and the error `codes` that
/// concern this field, an answer with one of them marks the field invalid (`aria-invalid`)
/// and puts the sentence under it, tied to it with `aria-describedby` (the form's notice above
/// still announces it).
#[component]
pub fn Field(
    #[prop(into)] id: String,
    label: Signal<&'static str>,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] hint: Option<Signal<&'static str>>,
    #[prop(default = true)] required: bool,
    #[prop(optional, into)] error: Option<Signal<Option<ApiError>>>,
    #[prop(default = &[])] codes: &'static [ErrorCode],
) -> impl IntoView {
    let i18n = use_i18n();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let concerns = move || {
        error
            .and_then(|e| e.get())
            .filter(|e| e.code().is_some_and(|c| codes.contains(&c)))
    };
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if concerns().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{move || label.get()}</label>
            <input
                id=id.clone()
                name=id
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                aria-describedby=described
                aria-invalid=move || concerns().is_some().then_some("true")
                bind:value=value
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{move || h.get()}</p> })}
            {move || concerns().map(|e| view! { <p class="field-error" id=error_id.clone()>{i18n.error(&e)}</p> })}
        </div>
    }
}

/// The error codes that concern a field of a kind, for [`Field`]'s `codes`.
pub mod concerns {
    use poort_shared::ErrorCode;

    pub const NAME: &[ErrorCode] = &[ErrorCode::InvalidName];
    pub const EMAIL: &[ErrorCode] = &[ErrorCode::InvalidEmail, ErrorCode::EmailTaken];
    pub const MOBILE: &[ErrorCode] = &[ErrorCode::InvalidMobile];
    pub const KVK: &[ErrorCode] = &[ErrorCode::InvalidKvkNumber, ErrorCode::KvkNumberTaken];
    pub const AGENCY: &[ErrorCode] =
        &[ErrorCode::InvalidAgencyNumber, ErrorCode::AgencyNumberTaken];
    pub const NEW_PASSWORD: &[ErrorCode] = &[
        ErrorCode::PasswordTooShort,
        ErrorCode::PasswordTooLong,
        ErrorCode::PasswordTooCommon,
        ErrorCode::PasswordContainsPersonalData,
        ErrorCode::PasswordReused,
    ];
    pub const PASSWORD: &[ErrorCode] = &[ErrorCode::WrongPassword, ErrorCode::InvalidCredentials];
    pub const CODE: &[ErrorCode] = &[
        ErrorCode::CodeMalformed,
        ErrorCode::CodeIncorrect,
        ErrorCode::CodeExpired,
        ErrorCode::CodeAttemptsExceeded,
        ErrorCode::CodeAlreadyUsed,
    ];
}

/// A submit button that shows progress and cannot be pressed while busy.
#[component]
pub fn Submit(
    #[prop(into)] id: String,
    label: Signal<&'static str>,
    /// The write's `pending()`. A `Memo` as it is, not converted into a `Signal`: the
    /// converted one would belong to this button and be gone when a step's form is replaced
    /// while the write still ends (reading it then panics).
    pending: Memo<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button type="submit" id=id disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { i18n.tr("Bezig…", "Working…") } else { label.get() }}
        </button>
    }
}

/// "Newer" and "older" for a list read a page at a time, newest first: `pages` holds the
/// `before` of each page opened after the first (the last one is shown); `next` is the
/// `next_before` of the page shown.
#[component]
pub fn Pager(
    id: &'static str,
    pages: RwSignal<Vec<uuid::Uuid>>,
    next: Option<uuid::Uuid>,
) -> impl IntoView {
    let i18n = use_i18n();
    let newer = move |_| {
        pages.update(|p| {
            p.pop();
        })
    };
    let older = move |_| {
        if let Some(before) = next {
            pages.update(|p| p.push(before));
        }
    };
    view! {
        <nav class="pager" id=id aria-label=i18n.t("Bladeren", "Pages")>
            <Show when=move || !pages.with(Vec::is_empty)>
                <button type="button" class="link" id=format!("{id}-newer") on:click=newer>{i18n.t("← Nieuwere", "← Newer")}</button>
                " "
            </Show>
            {next.map(|_| view! {
                <button type="button" class="link" id=format!("{id}-older") on:click=older>{i18n.t("Oudere →", "Older →")}</button>
            })}
        </nav>
    }
}

/// Where a multi-step flow stands.
#[component]
pub fn Steps(steps: Vec<Signal<&'static str>>, current: Signal<usize>) -> impl IntoView {
    let i18n = use_i18n();
    let total = steps.len();
    view! {
        <ol class="steps" aria-label=i18n.t("Stappen", "Steps")>
            {steps
                .into_iter()
                .enumerate()
                .map(|(i, label)| {
                    let state = move || {
                        let c = current.get();
                        if i < c { "done" } else if i == c { "current" } else { "todo" }
                    };
                    view! {
                        <li class=state aria-current=move || (current.get() == i).then_some("step")>
                            <span class="num">{i + 1}</span>
                            <span class="label">{move || label.get()}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
        <p class="sr-only">{move || format!("{} {} / {total}", i18n.tr("Stap", "Step"), current.get() + 1)}</p>
    }
}

/// A QR code of `data`, drawn as SVG in the browser.
#[component]
pub fn QrCode(data: String, label: Signal<&'static str>) -> impl IntoView {
    let svg = qrcode::QrCode::new(data.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    view! { <div class="qr" role="img" aria-label=move || label.get() inner_html=svg></div> }
}

/// The common-password list once fetched (at most once per page load).
static COMMON_PASSWORDS: std::sync::OnceLock<poort_shared::password::CommonList> =
    std::sync::OnceLock::new();

/// Live feedback on a new password, from the same policy the API applies. The common-password
/// list is fetched when the field first appears; until it is there (or if it cannot be fetched)
/// the other rules are checked here and the API still refuses a common password on saving.
#[component]
pub fn PasswordFeedback(
    password: RwSignal<String>,
    email: Signal<String>,
    name: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let list_here = RwSignal::new(COMMON_PASSWORDS.get().is_some());
    if !list_here.get_untracked() {
        leptos::task::spawn_local(async move {
            if let Ok(text) = api::common_passwords().await {
                let _ = COMMON_PASSWORDS.set(poort_shared::password::CommonList::parse(&text));
                list_here.try_set(true);
            }
        });
    }
    let verdict = move || {
        let pw = password.get();
        if pw.is_empty() {
            return None;
        }
        list_here.track();
        let email = email.get();
        let local = email
            .rsplit_once('@')
            .map(|(l, _)| l.to_string())
            .unwrap_or_default();
        let is_common = |c: &str| COMMON_PASSWORDS.get().is_some_and(|l| l.contains(c));
        Some(poort_shared::password::check_with(
            &pw,
            &local,
            &name.get(),
            &is_common,
        ))
    };
    view! {
        <p class="password-feedback" id="password-feedback" aria-live="polite">
            {move || match verdict() {
                None => view! {
                    <span class="hint">{i18n.t(
                        "Minstens 12 tekens. Een zin van een paar woorden is sterk en goed te onthouden.",
                        "At least 12 characters. A sentence of a few words is strong and easy to remember.",
                    )}</span>
                }
                .into_any(),
                Some(Ok(())) => view! { <span class="ok" data-verdict="ok">{i18n.t("Dit wachtwoord is goed.", "This password is fine.")}</span> }.into_any(),
                Some(Err(code)) => {
                    let error = ApiError::Api { status: 400, code, message: String::new(), details: None };
                    view! { <span class="bad" data-verdict=code.as_str()>{move || i18n.error(&error)}</span> }.into_any()
                }
            }}
        </p>
    }
}

/// Shows its children only to a signed-in person; others go to the sign-in page.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.checked.get() && session.me.get().is_none() {
            navigate("/", Default::default());
        }
    });
    move || session.me.get().is_some().then(|| children())
}

/// The part of a page shown, kept in the address (`?tab=…`) so a link to it works and Back
/// returns; `first` when the address names none.
pub fn query_tab(first: &'static str) -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| {
        query
            .with(|q| q.get("tab"))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| first.to_string())
    })
}

/// The page of a list the address asks for (`?page=…`, from 1; 1 when it names none).
pub fn query_page() -> Memo<i64> {
    let query = use_query_map();
    Memo::new(move |_| api::page_number(query.with(|q| q.get("page")).as_deref()))
}

/// "Previous" and "next" for a list read a page at a time, as links to those pages' addresses
/// (`{id}-previous`, `{id}-next`); either is left out when there is no such page.
#[component]
pub fn PageLinks(
    id: &'static str,
    previous: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="pager" id=id aria-label=i18n.t("Bladeren", "Pages")>
            {previous.map(|href| view! { <a href=href id=format!("{id}-previous")>{i18n.t("← Vorige", "← Previous")}</a>" " })}
            {next.map(|href| view! { <a href=href id=format!("{id}-next")>{i18n.t("Volgende →", "Next →")}</a> })}
        </nav>
    }
}

/// The links to a page's parts (`(id, Dutch, English)`), for [`query_tab`]'s `current`.
#[component]
pub fn QueryTabs(
    path: &'static str,
    tabs: &'static [(&'static str, &'static str, &'static str)],
    current: Memo<String>,
    /// A number shown beside one tab (e.g. open requests), when it is more than zero.
    #[prop(optional)]
    badge: Option<(&'static str, Signal<u32>)>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="tabs" role="tablist">
            {tabs.iter().map(|&(id, nl, en)| {
                let count = badge.filter(|(tab, _)| *tab == id).map(|(_, n)| n);
                view! {
                    <a href=format!("{path}?tab={id}") role="tab" id=format!("tab-{id}") aria-selected=move || (current.get() == id).to_string()>
                        {i18n.t(nl, en)}
                        {count.map(|n| move || (n.get() > 0).then(|| view! {
                            " "<span class="badge count" id=format!("badge-{id}")>{n.get()}</span>
                        }))}
                    </a>
                }
            }).collect_view()}
        </div>
    }
}

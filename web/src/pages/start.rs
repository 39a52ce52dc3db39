//! After sign-in: the portfolio the adviser works in (with a switcher when there are several),
//! or *geen toegang* naming the office's user administrators when there are none; on both, an
//! adviser can ask for (more) rights ([`RequestAccess`]).

use leptos::prelude::*;
use leptos_router::components::A;
use poort_shared::ErrorCode;
use poort_shared::dto::{PortfolioContextResponse, RightResponse, Role};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, MaybeError, RequireSignIn, WriteExt, write};
use crate::i18n::use_i18n;
use crate::pages::access_requests::RequestAccess;
use crate::pages::office_admin::right_label;
use crate::session::use_session;

#[component]
pub fn Start() -> impl IntoView {
    view! { <RequireSignIn><StartPage /></RequireSignIn> }
}

#[component]
fn StartPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let context = LocalResource::new(api::portfolios);
    // The rights' labels, asked at the same time (without them the codes are shown).
    let catalogue = LocalResource::new(api::rights_catalogue);
    let name = move || session.me.get().map(|m| m.name).unwrap_or_default();
    let role = move || session.me.get().map(|m| m.role);
    view! {
        <section class="page" id="page-start">
            <h1>{move || format!("{} {}", i18n.tr("Welkom,", "Welcome,"), name())}</h1>
            <Show when=move || role() == Some(Role::OfficeAdmin)>
                <p><A href="/beheer" attr:id="go-admin">{i18n.t("Naar gebruikersbeheer van uw kantoor", "Go to your office's user management")}</A></p>
            </Show>
            <Show when=move || role() == Some(Role::Operator)>
                <p><A href="/relatiebeheer" attr:id="go-operator">{i18n.t("Naar de console van Team Relatiebeheer", "Go to the relations team console")}</A></p>
            </Show>
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    let answer = context.await;
                    let catalogue = catalogue.await.map(|c| c.rights).unwrap_or_default();
                    match answer {
                        Ok(context) => view! { <Portfolios context catalogue /> }.into_any(),
                        Err(ApiError::Api { code: ErrorCode::NoAccess, details, .. }) => {
                            let admins: Vec<String> = details
                                .and_then(|d| d.get("administrators").cloned())
                                .and_then(|a| serde_json::from_value(a).ok())
                                .unwrap_or_default();
                            view! { <NoAccess admins /><RequestAccess /> }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn NoAccess(admins: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let list = admins.join(", ");
    let has = !admins.is_empty();
    view! {
        <div class="notice warn" id="no-access">
            <h2>{i18n.t("Geen toegang", "No access")}</h2>
            <p>{i18n.t(
                "U heeft nog geen rechten op een portefeuille. De gebruikersbeheerder van uw kantoor kent die rechten toe.",
                "You have no rights on any portfolio yet. Your office's user administrator grants those rights.",
            )}</p>
            {has.then(|| view! {
                <p>{i18n.t("Gebruikersbeheerder: ", "User administrator: ")}<strong id="no-access-admins">{list.clone()}</strong></p>
            })}
        </div>
    }
}

#[component]
fn Portfolios(context: PortfolioContextResponse, catalogue: Vec<RightResponse>) -> impl IntoView {
    let i18n = use_i18n();
    let catalogue = StoredValue::new(catalogue);
    let active = RwSignal::new(context.active_portfolio_id);
    let portfolios = StoredValue::new(context.portfolios);
    let choose = write(move |id: &Uuid| {
        let id = *id;
        async move {
            let context = api::select_portfolio(id).await?;
            active.set(context.active_portfolio_id);
            Ok(())
        }
    });
    let error = choose.failure();
    let current = move || {
        active.get().and_then(|id| {
            portfolios.with_value(|ps| ps.iter().find(|p| p.portfolio_id == id).cloned())
        })
    };
    let several = portfolios.with_value(|p| p.len() > 1);
    let asking = RwSignal::new(false);
    let session = use_session();
    // The relations team has no office to ask.
    let in_office = move || session.me.get().is_some_and(|m| m.role != Role::Operator);
    view! {
        <MaybeError error />
        {move || current().map(|p| view! {
            <p class="notice ok" id="active-portfolio">
                {i18n.t("U werkt in portefeuille ", "You are working in portfolio ")}
                <strong>{format!("{} — {}", p.agency_number, p.portfolio_name)}</strong>
            </p>
        })}
        {several.then(|| view! {
            <div class="field">
                <label for="portfolio-switcher">{i18n.t("Kies een portefeuille", "Choose a portfolio")}</label>
                <select id="portfolio-switcher" on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse::<Uuid>() {
                        choose.start(id);
                    }
                }>
                    <option value="" selected=move || active.get().is_none()>{i18n.t("— kies —", "— choose —")}</option>
                    {portfolios.with_value(|ps| ps.iter().map(|p| {
                        let id = p.portfolio_id;
                        view! { <option value=id.to_string() selected=move || active.get() == Some(id)>{format!("{} — {}", p.agency_number, p.portfolio_name)}</option> }
                    }).collect_view())}
                </select>
            </div>
        })}
        <h2>{i18n.t("Uw rechten", "Your rights")}</h2>
        <ul class="rights" id="my-rights">
            {portfolios.with_value(|ps| ps.iter().map(|p| {
                let (name, codes) = (p.portfolio_name.clone(), p.rights.clone());
                let labels = move || {
                    let labels: Vec<String> = catalogue
                        .with_value(|c| codes.iter().map(|code| right_label(i18n, c, code)).collect());
                    format!(" {name}: {}", labels.join(", "))
                };
                view! { <li><strong>{p.agency_number.clone()}</strong>{labels}</li> }
            }).collect_view())}
        </ul>
        <Show when=in_office>
            <Show
                when=move || asking.get()
                fallback=move || view! {
                    <p><button type="button" class="link" id="ask-more" on:click=move |_| asking.set(true)>{i18n.t("Meer rechten aanvragen", "Ask for more rights")}</button></p>
                }
            >
                <RequestAccess />
            </Show>
        </Show>
    }
}

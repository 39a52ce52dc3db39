//! The relations team's console: offices and their portfolios, inviting an office's first
//! user administrator, finding accounts across offices, an account's detail (re-send or
//! withdraw invitations, delete after confirmation, reset the sign-in set-up), and the audit
//! trail with a filter. A list reloads after the writes on what it shows; the writes of an
//! office's or an account's detail are made by the list above it, whose counts or entries they
//! change.

use leptos::prelude::*;
use poort_shared::dto::{AccountDetailResponse, InviteRequest, OfficeResponse, RightResponse};
use uuid::Uuid;

use crate::api::{self, ClientArea};
use crate::components::{
    ErrorNotice, Field, ItemWrite, MaybeError, Pager, RequireSignIn, Submit, WriteExt, write,
};
use crate::i18n::use_i18n;
use crate::pages::api_clients::{AreaTab, AreaTabs};
use crate::pages::office_admin::{InvitationItem, invitation_write, rights_text, status_label};

/// What the relations team adds to an office.
#[derive(Clone)]
enum Addition {
    Portfolio { agency: String, name: String },
    Administrator { name: String, email: String },
}

/// What the relations team does to an account, after a confirmation or on its own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Measure {
    Delete,
    ResetSignIn,
}

#[component]
pub fn Operator() -> impl IntoView {
    view! { <RequireSignIn><OperatorPage /></RequireSignIn> }
}

#[component]
fn OperatorPage() -> impl IntoView {
    let i18n = use_i18n();
    let tab = RwSignal::new("offices");
    let tab_button = move |id: &'static str, nl: &'static str, en: &'static str| {
        view! {
            <button type="button" role="tab" id=format!("tab-{id}") aria-selected=move || (tab.get() == id).to_string() on:click=move |_| tab.set(id)>
                {i18n.t(nl, en)}
            </button>
        }
    };
    view! {
        <section class="page wide" id="page-operator">
            <h1>{i18n.t("Team Relatiebeheer", "Relations team")}</h1>
            <AreaTabs area=ClientArea::Operator current=AreaTab::People />
            <div class="tabs" role="tablist">
                {tab_button("offices", "Kantoren", "Offices")}
                {tab_button("accounts", "Accounts", "Accounts")}
                {tab_button("audit", "Audittrail", "Audit trail")}
            </div>
            {move || match tab.get() {
                "accounts" => view! { <AccountSearch /> }.into_any(),
                "audit" => view! { <AuditTrail /> }.into_any(),
                _ => view! { <Offices /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Offices() -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let kvk = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<OfficeResponse>);
    let create = write(move |_: &()| async move {
        let office = api::operator_create_office(name.get_untracked(), kvk.get_untracked()).await?;
        name.set(String::new());
        kvk.set(String::new());
        selected.set(Some(office));
        Ok(())
    });
    // Made here: a new portfolio or administrator changes the office's counts in the list. Its
    // answer is what was added.
    let add = ItemWrite::new(|office, addition: &Addition| {
        let addition = addition.clone();
        async move {
            match addition.clone() {
                Addition::Portfolio { agency, name } => {
                    api::operator_create_portfolio(office, agency, name).await?;
                }
                Addition::Administrator { name, email } => {
                    let request = InviteRequest {
                        name,
                        email,
                        administrator: true,
                        rights: Vec::new(),
                    };
                    api::operator_invite(office, request).await?;
                }
            }
            Ok(addition)
        }
    });
    let (created, added) = (create.saved(), add.write.saved());
    let offices = LocalResource::new(move || {
        created.track();
        added.track();
        api::operator_offices(String::new())
    });
    let pending = create.pending();
    let error = create.failure();
    let on_create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.start(());
    };
    view! {
        <div class="section" id="offices-section">
            <h2>{i18n.t("Kantoren", "Offices")}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match offices.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => view! {
                            <ul class="offices" id="office-list">
                                {list.offices.into_iter().map(|o| {
                                    let office = o.clone();
                                    view! {
                                        <li>
                                            <button type="button" class="link office" id=format!("office-{}", o.kvk_number) on:click=move |_| selected.set(Some(office.clone()))>
                                                {format!("{} (KvK {})", o.name, o.kvk_number)}
                                            </button>
                                            {format!(" — {} / {}", o.portfolio_count, o.account_count)}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            <h3>{i18n.t("Nieuw kantoor", "New office")}</h3>
            <MaybeError error />
            <form id="office-form" on:submit=on_create>
                <Field id="office-name" label=i18n.s("Naam", "Name") value=name />
                <Field id="office-kvk" inputmode="numeric" label=i18n.s("KvK-nummer (8 cijfers)", "KvK number (8 digits)") value=kvk />
                <Submit id="office-submit" label=i18n.s("Kantoor toevoegen", "Add office") pending />
            </form>
        </div>
        {move || selected.get().map(|office| view! { <OfficeDetail office add /> })}
    }
}

#[component]
fn OfficeDetail(office: OfficeResponse, add: ItemWrite<Addition, Addition>) -> impl IntoView {
    let i18n = use_i18n();
    let id = office.id;
    let agency = RwSignal::new(String::new());
    let pname = RwSignal::new(String::new());
    let admin_name = RwSignal::new(String::new());
    let admin_email = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let pending = add.pending();
    let error = add.failure_for(id);
    let on_portfolio = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.start(
            id,
            Addition::Portfolio {
                agency: agency.get_untracked(),
                name: pname.get_untracked(),
            },
        );
    };
    let on_invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sent.set(false);
        add.start(
            id,
            Addition::Administrator {
                name: admin_name.get_untracked(),
                email: admin_email.get_untracked(),
            },
        );
    };
    add.on_success_for(id, move |added| match added {
        Addition::Portfolio { .. } => {
            agency.set(String::new());
            pname.set(String::new());
        }
        Addition::Administrator { .. } => {
            admin_name.set(String::new());
            admin_email.set(String::new());
            sent.set(true);
        }
    });
    let resend_or_withdraw = invitation_write(true);
    let portfolio_added = add
        .write
        .saved_when(|added| matches!(added, Addition::Portfolio { .. }));
    let administrator_added = add
        .write
        .saved_when(|added| matches!(added, Addition::Administrator { .. }));
    let invitation_changed = resend_or_withdraw.write.saved();
    let portfolios = LocalResource::new(move || {
        portfolio_added.track();
        api::operator_portfolios(id)
    });
    let pages = RwSignal::new(Vec::new());
    let invitations = LocalResource::new(move || {
        administrator_added.track();
        invitation_changed.track();
        let before = pages.get().last().copied();
        async move { api::operator_office_invitations(id, before).await }
    });
    view! {
        <div class="section" id="office-detail">
            <h2>{office.name.clone()}" · KvK "{office.kvk_number.clone()}</h2>
            <MaybeError error />
            <h3>{i18n.t("Portefeuilles", "Portfolios")}</h3>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match portfolios.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => view! {
                            <ul id="portfolio-list">
                                {list.portfolios.into_iter().map(|p| view! { <li>{format!("{} — {}", p.agency_number, p.name)}</li> }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            <form id="portfolio-form" on:submit=on_portfolio>
                <Field id="portfolio-agency" label=i18n.s("Agentnummer", "Agency number") value=agency />
                <Field id="portfolio-name" label=i18n.s("Naam van de portefeuille", "Portfolio name") value=pname />
                <Submit id="portfolio-submit" label=i18n.s("Portefeuille toevoegen", "Add portfolio") pending />
            </form>
            <h3>{i18n.t("Gebruikersbeheerder uitnodigen", "Invite a user administrator")}</h3>
            <Show when=move || sent.get()>
                <p class="notice ok" id="admin-invited">{i18n.t("Uitnodiging verstuurd.", "Invitation sent.")}</p>
            </Show>
            <form id="admin-invite-form" on:submit=on_invite>
                <Field id="admin-name" label=i18n.s("Naam", "Name") value=admin_name />
                <Field id="admin-email" kind="email" label=i18n.s("E-mailadres", "E-mail address") value=admin_email />
                <Submit id="admin-invite-submit" label=i18n.s("Uitnodiging versturen", "Send invitation") pending />
            </form>
            <h3>{i18n.t("Uitnodigingen", "Invitations")}</h3>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match invitations.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => view! {
                            <ul class="invitations" id="office-invitations">
                                {list.invitations.into_iter().map(|invitation| view! { <InvitationItem invitation write=resend_or_withdraw /> }).collect_view()}
                            </ul>
                            <Pager id="office-invitations-pager" pages next=list.next_before />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn AccountSearch() -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let submitted = RwSignal::new(String::new());
    // Made here: a deleted account leaves the results.
    let measure = ItemWrite::new(|id, measure: &Measure| {
        let measure = *measure;
        async move {
            match measure {
                Measure::Delete => api::operator_delete_account(id).await?,
                Measure::ResetSignIn => {
                    api::operator_reset_sign_in(id).await?;
                }
            }
            Ok(measure)
        }
    });
    let deleted = measure.write.saved_when(|done| *done == Measure::Delete);
    let results = LocalResource::new(move || {
        deleted.track();
        let q = submitted.get();
        async move { api::operator_accounts(q).await }
    });
    let selected = RwSignal::new(None::<Uuid>);
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(query.get_untracked());
    };
    view! {
        <div class="section" id="account-search-section">
            <h2>{i18n.t("Accounts zoeken", "Find accounts")}</h2>
            <form id="account-search-form" on:submit=on_search>
                <Field id="operator-search" kind="search" required=false label=i18n.s("E-mailadres, naam of mobiel nummer", "E-mail address, name or mobile number") value=query />
                <button type="submit" id="operator-search-submit">{i18n.t("Zoeken", "Search")}</button>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match results.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => view! {
                            <ul class="results" id="search-results">
                                {list.accounts.into_iter().map(|a| {
                                    let id = a.id;
                                    let email_id = a.email.replace(['@', '.'], "-");
                                    view! {
                                        <li>
                                            <button type="button" class="link" id=format!("result-{email_id}") on:click=move |_| selected.set(Some(id))>
                                                {format!("{} <{}>", a.name, a.email)}
                                            </button>
                                            {format!(" · {} · ", a.office_name.clone().unwrap_or_default())}
                                            {move || status_label(i18n, a.status)}
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
        {move || selected.get().map(|id| view! { <AccountDetail id selected measure /> })}
    }
}

#[component]
fn AccountDetail(
    id: Uuid,
    selected: RwSignal<Option<Uuid>>,
    measure: ItemWrite<Measure, Measure>,
) -> impl IntoView {
    let i18n = use_i18n();
    let resend_or_withdraw = invitation_write(true);
    let reset = measure
        .write
        .saved_when(|done| *done == Measure::ResetSignIn);
    let invitation_changed = resend_or_withdraw.write.saved();
    let detail = LocalResource::new(move || {
        reset.track();
        invitation_changed.track();
        api::operator_account(id)
    });
    // The catalogue's labels, fetched once (the detail is fetched again after each action).
    let catalogue =
        LocalResource::new(|| async { api::rights_catalogue().await.map(|c| c.rights) });
    let confirm_delete = RwSignal::new(false);
    let pending = measure.pending();
    let error = measure.failure_for(id);
    let done = RwSignal::new(None::<&'static str>);
    measure.on_success_for(id, move |measure| {
        done.set(Some(match measure {
            Measure::Delete => "deleted",
            Measure::ResetSignIn => "reset",
        }));
    });
    let delete = move |_| measure.start(id, Measure::Delete);
    let reset_sign_in = move |_| measure.start(id, Measure::ResetSignIn);
    let show = move |(d, catalogue): (AccountDetailResponse, Vec<RightResponse>)| {
        let a = d.account;
        let rights = a.rights.clone();
        view! {
            <dl class="facts" id="account-detail-facts">
                <dt>{i18n.t("Naam", "Name")}</dt><dd>{a.name.clone()}</dd>
                <dt>{i18n.t("E-mailadres", "E-mail address")}</dt><dd id="detail-email">{a.email.clone()}</dd>
                <dt>{i18n.t("Kantoor", "Office")}</dt><dd>{a.office_name.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{i18n.t("Status", "Status")}</dt><dd id="detail-status" data-status=a.status.as_str()>{move || status_label(i18n, a.status)}</dd>
                <dt>{i18n.t("Laatst ingelogd", "Last sign-in")}</dt><dd>{move || a.last_sign_in_at.map(|t| i18n.time(t)).unwrap_or_else(|| "—".into())}</dd>
                <dt>{i18n.t("eHerkenning", "eHerkenning")}</dt>
                <dd id="detail-eherkenning" data-linked=a.factors.eherkenning.to_string()>{move || if a.factors.eherkenning { i18n.tr("gekoppeld", "linked") } else { i18n.tr("niet gekoppeld", "not linked") }}</dd>
                <dt>{i18n.t("Rechten", "Rights")}</dt>
                <dd id="detail-rights">{move || rights_text(i18n, &catalogue, &rights)}</dd>
            </dl>
            <h3>{i18n.t("Uitnodigingen", "Invitations")}</h3>
            <ul class="invitations">
                {d.invitations.into_iter().map(|invitation| view! { <InvitationItem invitation write=resend_or_withdraw /> }).collect_view()}
            </ul>
        }
    };
    view! {
        <div class="section" id="account-detail">
            <h2>{i18n.t("Account", "Account")}</h2>
            <MaybeError error />
            {move || done.get().map(|what| view! {
                <p class="notice ok" id=format!("account-{what}")>{move || if what == "deleted" {
                    i18n.tr("Het account is verwijderd.", "The account has been deleted.")
                } else {
                    i18n.tr("De inlogmethoden zijn gewist; er is een e-mail gestuurd om ze opnieuw in te stellen.", "The sign-in methods have been cleared; an e-mail to set them up again has been sent.")
                }}</p>
            })}
            <Show when=move || done.get() != Some("deleted")>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match (detail.await, catalogue.await) {
                        (Err(e), _) | (_, Err(e)) => view! { <ErrorNotice error=e /> }.into_any(),
                        (Ok(d), Ok(c)) => show((d, c)).into_any(),
                    }
                })}
            </Transition>
            <div class="actions">
                <button type="button" class="secondary" id="reset-sign-in" disabled=move || pending.get() on:click=reset_sign_in>
                    {i18n.t("Inlogmethoden opnieuw laten instellen", "Reset sign-in set-up")}
                </button>
                " "
                <Show
                    when=move || confirm_delete.get()
                    fallback=move || view! {
                        <button type="button" class="danger" id="delete-account" on:click=move |_| confirm_delete.set(true)>{i18n.t("Account verwijderen", "Delete account")}</button>
                    }
                >
                    <span class="notice warn" role="alertdialog">
                        {i18n.t("Het account en de persoonsgegevens worden verwijderd. Zeker weten? ", "The account and its personal data will be deleted. Are you sure? ")}
                        <button type="button" class="danger" id="delete-account-confirm" disabled=move || pending.get() on:click=delete>{i18n.t("Ja, verwijderen", "Yes, delete")}</button>
                        " "
                        <button type="button" class="secondary" on:click=move |_| confirm_delete.set(false)>{i18n.t("Annuleren", "Cancel")}</button>
                    </span>
                </Show>
            </div>
            </Show>
            <button type="button" class="link" id="close-account" on:click=move |_| selected.set(None)>{i18n.t("Sluiten", "Close")}</button>
        </div>
    }
}

#[component]
fn AuditTrail() -> impl IntoView {
    let i18n = use_i18n();
    let action = RwSignal::new(String::new());
    let filter = RwSignal::new(String::new());
    let before = RwSignal::new(None::<Uuid>);
    let page = LocalResource::new(move || {
        let a = filter.get();
        let b = before.get();
        async move { api::operator_audit(a, b).await }
    });
    let on_filter = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        before.set(None);
        filter.set(action.get_untracked());
    };
    view! {
        <div class="section" id="audit-section">
            <h2>{i18n.t("Audittrail", "Audit trail")}</h2>
            <form id="audit-filter" on:submit=on_filter>
                <Field id="audit-action" required=false label=i18n.s("Handeling (bijv. account.deleted)", "Action (e.g. account.deleted)") value=action />
                <button type="submit" id="audit-filter-submit">{i18n.t("Filteren", "Filter")}</button>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(p) => {
                            let next = p.next_before;
                            view! {
                                <div class="table-wrap">
                                    <table id="audit-table">
                                        <thead><tr>
                                            <th>{i18n.t("Tijd", "Time")}</th>
                                            <th>{i18n.t("Handeling", "Action")}</th>
                                            <th>{i18n.t("Door", "By")}</th>
                                            <th>{i18n.t("Betreft", "Concerns")}</th>
                                            <th>{i18n.t("Vanaf", "From")}</th>
                                        </tr></thead>
                                        <tbody>
                                            {p.events.into_iter().map(|e| {
                                                let who = |r: Option<poort_shared::dto::AuditAccountRef>| r.map(|r| r.name.unwrap_or_else(|| format!("[{}]", &r.id.to_string()[..8]))).unwrap_or_default();
                                                view! {
                                                    <tr>
                                                        <td>{move || i18n.time(e.at)}</td>
                                                        <td>{let action = e.action.clone(); move || i18n.action(&action)}<br /><code class="code">{e.action.clone()}</code></td>
                                                        <td>{who(e.actor.clone())}</td>
                                                        <td>{who(e.target.clone())}</td>
                                                        <td>{e.client_ip.clone().unwrap_or_default()}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {next.map(|n| view! {
                                    <button type="button" class="secondary" id="audit-older" on:click=move |_| before.set(Some(n))>{i18n.t("Oudere gebeurtenissen", "Older events")}</button>
                                })}
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

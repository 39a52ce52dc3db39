//! The relations team's console, every list's state in the address (a link shows the same, Back
//! returns): an overview of the numbers that matter, each a link to the list it counts; the
//! offices as a table (search by name, KvK number or agency number, order by a column, pages);
//! a page per office (`/relatiebeheer/kantoren/{id}`: its portfolios, inviting its user
//! administrator, its invitations, accounts and audit trail) and one to make an office
//! (`/relatiebeheer/kantoren/nieuw`); accounts across offices as a table with filters (status,
//! sign-in method, without rights) and pages, an account's detail (re-send or withdraw
//! invitations, delete after confirmation, reset the sign-in set-up, move to another office);
//! the open or expired invitations of every office; the undelivered messages; offices' move
//! requests; offices whose access review is overdue or due soon (and each office's on its page); the audit trail by action and period. A list reloads after the writes on what it shows; the writes of an office's or an
//! account's detail are made by the page or list above it, whose counts or entries they
//! change.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use poort_shared::dto::{
    AccountDetailResponse, Channel, InvitationFilter, InviteRequest, OFFICE_PAGE, OfficeResponse,
    OfficeSort, RightResponse, Role, SortOrder,
};
use uuid::Uuid;

use crate::api::{self, ClientArea};
use crate::components::{
    ErrorNotice, Field, ItemWrite, MaybeError, PageLinks, Pager, QueryTabs, RequireSignIn, Submit,
    WriteExt, concerns, query_page, query_tab, write,
};
use crate::i18n::use_i18n;
use crate::pages::api_clients::{AreaTab, AreaTabs};
use crate::pages::moves::{MoveAccount, MoveRequests, move_write};
use crate::pages::office_admin::{
    AccountFilterForm, InvitationItem, PageCount, factors_text, invitation_write, rights_text,
    status_label,
};
use crate::pages::reviews::{DueReviews, OfficeReviewSummary};

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
    let tab = query_tab("overview");
    view! {
        <section class="page wide" id="page-operator">
            <h1>{i18n.t("Team Relatiebeheer", "Relations team")}</h1>
            <AreaTabs area=ClientArea::Operator current=AreaTab::People />
            <QueryTabs path="/relatiebeheer" tabs=&[
                ("overview", "Overzicht", "Overview"),
                ("offices", "Kantoren", "Offices"),
                ("accounts", "Accounts", "Accounts"),
                ("invitations", "Uitnodigingen", "Invitations"),
                ("undelivered", "Niet bezorgd", "Undelivered"),
                ("moves", "Verhuisverzoeken", "Move requests"),
                ("reviews", "Herbeoordelingen", "Access reviews"),
                ("audit", "Audittrail", "Audit trail"),
            ] current=tab />
            {move || match tab.get().as_str() {
                "offices" => view! { <Offices /> }.into_any(),
                "accounts" => view! { <AccountSearch /> }.into_any(),
                "invitations" => view! { <OpenInvitations /> }.into_any(),
                "undelivered" => view! { <DeadLetters /> }.into_any(),
                "moves" => view! { <MoveRequests /> }.into_any(),
                "reviews" => view! { <DueReviews /> }.into_any(),
                "audit" => view! { <AuditTrail /> }.into_any(),
                _ => view! { <Overview /> }.into_any(),
            }}
        </section>
    }
}

/// The numbers that matter, each a link to the list it counts.
#[component]
fn Overview() -> impl IntoView {
    let i18n = use_i18n();
    let numbers = LocalResource::new(api::operator_overview);
    // One number: the list it counts is one click away; one that asks for attention (blocked
    // accounts, expired invitations…) is marked when it is not zero.
    let number = move |id: &'static str,
                       value: i64,
                       href: &'static str,
                       attention: bool,
                       nl: &'static str,
                       en: &'static str| {
        let class = if attention && value > 0 {
            "number attention"
        } else {
            "number"
        };
        view! {
            <li class=class>
                <a href=href id=id>
                    <span class="value">{i18n.count(value)}</span>
                    <span class="label">{i18n.t(nl, en)}</span>
                </a>
            </li>
        }
    };
    view! {
        <div class="section" id="overview-section">
            <h2>{i18n.t("Overzicht", "Overview")}</h2>
            <p><a href="/relatiebeheer/kantoren/nieuw" class="button" id="new-office">{i18n.t("Nieuw kantoor", "New office")}</a></p>
            <Transition fallback=|| view! { <div class="numbers placeholder"></div> }>
                {move || Suspend::new(async move {
                    match numbers.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(n) => view! {
                            <ul class="numbers" id="overview-numbers">
                                {number("overview-offices", n.offices, "/relatiebeheer?tab=offices", false, "Kantoren", "Offices")}
                                {number("overview-active", n.active_accounts, "/relatiebeheer?tab=accounts&status=active", false, "Actieve accounts", "Active accounts")}
                                {number("overview-without-rights", n.accounts_without_rights, "/relatiebeheer?tab=accounts&status=active&rights=none", true, "Actief zonder rechten", "Active without rights")}
                                {number("overview-blocked", n.blocked_accounts, "/relatiebeheer?tab=accounts&status=blocked", true, "Geblokkeerde accounts", "Blocked accounts")}
                                {number("overview-open-invitations", n.open_invitations, "/relatiebeheer?tab=invitations&state=open", false, "Openstaande uitnodigingen", "Open invitations")}
                                {number("overview-expired-invitations", n.expired_invitations, "/relatiebeheer?tab=invitations&state=expired", true, "Verlopen uitnodigingen", "Expired invitations")}
                                {number("overview-undelivered", n.dead_letters, "/relatiebeheer?tab=undelivered", true, "Niet-bezorgde berichten", "Undelivered messages")}
                            </ul>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The open invitations of every office, those whose link works or those expired (in the
/// address: `state`, and `before` for a later page).
#[component]
fn OpenInvitations() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let state = Memo::new(move |_| {
        query
            .with(|q| q.get("state"))
            .and_then(|s| InvitationFilter::parse(&s))
            .unwrap_or(InvitationFilter::Open)
    });
    let before = Memo::new(move |_| {
        query
            .with(|q| q.get("before"))
            .and_then(|b| b.parse::<Uuid>().ok())
    });
    let write = invitation_write(true);
    let list = LocalResource::new(move || {
        write.write.saved().track();
        let (s, b) = (state.get(), before.get());
        api::operator_open_invitations(s, b)
    });
    let address =
        |s: InvitationFilter| format!("/relatiebeheer?tab=invitations&state={}", s.as_str());
    let choice = move |s: InvitationFilter,
                       id: &'static str,
                       nl: &'static str,
                       en: &'static str| {
        view! {
            <a href=address(s) id=id class="choice" aria-current=move || (state.get() == s).then_some("true")>{i18n.t(nl, en)}</a>
        }
    };
    view! {
        <div class="section" id="invitations-section">
            <h2>{i18n.t("Uitnodigingen van alle kantoren", "Invitations of every office")}</h2>
            <nav class="choices" aria-label=i18n.t("Welke uitnodigingen", "Which invitations")>
                {choice(InvitationFilter::Open, "invitations-open", "Openstaand", "Open")}
                " "
                {choice(InvitationFilter::Expired, "invitations-expired", "Verlopen", "Expired")}
            </nav>
            <Transition fallback=|| view! { <div class="table-wrap placeholder"></div> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(page) => {
                            let next = page.next_before;
                            let s = state.get_untracked();
                            let empty = page.invitations.is_empty();
                            view! {
                                {empty.then(|| view! { <p id="invitations-none">{i18n.t("Geen uitnodigingen.", "No invitations.")}</p> })}
                                <div class="table-wrap">
                                    <table id="invitation-table" class="cards">
                                        <thead><tr>
                                            <th>{i18n.t("Naam", "Name")}</th>
                                            <th>{i18n.t("E-mailadres", "E-mail address")}</th>
                                            <th>{i18n.t("Kantoor", "Office")}</th>
                                            <th>{i18n.t("Verstuurd", "Sent")}</th>
                                            <th>{i18n.t("Link geldig tot", "Link valid until")}</th>
                                            <th>{i18n.t("Acties", "Actions")}</th>
                                        </tr></thead>
                                        <tbody>
                                            {page.invitations.into_iter().map(|inv| {
                                                let id = inv.id;
                                                let pending = write.pending();
                                                let error = write.failure_for(id);
                                                let email_id = inv.email.replace(['@', '.'], "-");
                                                view! {
                                                    <tr id=format!("open-invitation-{email_id}")>
                                                        <td data-label=i18n.t("Naam", "Name")>{inv.name.clone()}</td>
                                                        <td data-label=i18n.t("E-mailadres", "E-mail address")>{inv.email.clone()}</td>
                                                        <td data-label=i18n.t("Kantoor", "Office")>{inv.office_id.map(|o| view! {
                                                            <a href=format!("/relatiebeheer/kantoren/{o}")>{inv.office_name.clone().unwrap_or_default()}</a>
                                                        })}</td>
                                                        <td data-label=i18n.t("Verstuurd", "Sent")>{move || i18n.time(inv.created_at)}</td>
                                                        <td data-label=i18n.t("Link geldig tot", "Link valid until")>{move || i18n.time(inv.expires_at)}</td>
                                                        <td class="actions" data-label=i18n.t("Acties", "Actions")>
                                                            <MaybeError error />
                                                            <button type="button" class="link" id=format!("resend-{email_id}") disabled=move || pending.get() on:click=move |_| write.start(id, true)>{i18n.t("Opnieuw versturen", "Send again")}</button>
                                                            <button type="button" class="link" id=format!("withdraw-{email_id}") disabled=move || pending.get() on:click=move |_| write.start(id, false)>{i18n.t("Intrekken", "Withdraw")}</button>
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <nav class="pager" id="invitation-pager" aria-label=i18n.t("Bladeren", "Pages")>
                                    {before.get_untracked().is_some().then(|| view! { <a href=address(s) id="invitation-pager-first">{i18n.t("← Nieuwste", "← Newest")}</a>" " })}
                                    {next.map(|n| view! { <a href=format!("{}&before={n}", address(s)) id="invitation-pager-next">{i18n.t("Oudere →", "Older →")}</a> })}
                                </nav>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// E-mails and SMS messages given up on, newest first (in the address: `page`).
#[component]
fn DeadLetters() -> impl IntoView {
    let i18n = use_i18n();
    let page = query_page();
    let list = LocalResource::new(move || api::operator_dead_letters((page.get() - 1) * 50));
    view! {
        <div class="section" id="undelivered-section">
            <h2>{i18n.t("Niet-bezorgde berichten", "Undelivered messages")}</h2>
            <p class="hint">{i18n.t(
                "Berichten die na alle pogingen niet konden worden afgeleverd. De inhoud is gewist; stuur een uitnodiging of code opnieuw vanuit het account of de uitnodiging.",
                "Messages that could not be delivered after every attempt. Their content is erased; send an invitation or code again from the account or the invitation.",
            )}</p>
            <Transition fallback=|| view! { <div class="table-wrap placeholder"></div> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(found) => {
                            let p = page.get_untracked();
                            let empty = found.messages.is_empty();
                            let more = found.next_offset.is_some();
                            view! {
                                {empty.then(|| view! { <p id="undelivered-none">{i18n.t("Geen niet-bezorgde berichten.", "No undelivered messages.")}</p> })}
                                <div class="table-wrap">
                                    <table id="undelivered-table" class="cards">
                                        <thead><tr>
                                            <th>{i18n.t("Aangemaakt", "Created")}</th>
                                            <th>{i18n.t("Kanaal", "Channel")}</th>
                                            <th>{i18n.t("Aan", "To")}</th>
                                            <th>{i18n.t("Onderwerp", "Subject")}</th>
                                            <th>{i18n.t("Pogingen", "Attempts")}</th>
                                            <th>{i18n.t("Laatste fout", "Last error")}</th>
                                        </tr></thead>
                                        <tbody>
                                            {found.messages.into_iter().map(|m| view! {
                                                <tr>
                                                    <td data-label=i18n.t("Aangemaakt", "Created")>{move || i18n.time(m.created_at)}</td>
                                                    <td data-label=i18n.t("Kanaal", "Channel")>{match m.channel { Channel::Email => "e-mail", Channel::Sms => "sms" }}</td>
                                                    <td data-label=i18n.t("Aan", "To")>{m.recipient.clone()}</td>
                                                    <td data-label=i18n.t("Onderwerp", "Subject")>{m.subject.clone().unwrap_or_default()}</td>
                                                    <td data-label=i18n.t("Pogingen", "Attempts")>{m.attempts}</td>
                                                    <td data-label=i18n.t("Laatste fout", "Last error")>{m.last_error.clone().unwrap_or_default()}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <PageLinks id="undelivered-pager"
                                    previous=(p > 1).then(|| format!("/relatiebeheer?tab=undelivered&page={}", p - 1))
                                    next=more.then(|| format!("/relatiebeheer?tab=undelivered&page={}", p + 1)) />
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// The address of the office list with this search, order and page.
fn offices_url(q: &str, sort: OfficeSort, order: SortOrder, page: i64) -> String {
    format!(
        "/relatiebeheer?tab=offices&q={}&sort={}&order={}&page={page}",
        api::encode(q),
        sort.as_str(),
        order.as_str()
    )
}

/// The offices as a table: search (name, KvK number, agency number), order by a column, a page
/// of 50 at a time. All of it is in the address.
#[component]
fn Offices() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let search = Memo::new(move |_| query.with(|q| q.get("q")).unwrap_or_default());
    let sort = Memo::new(move |_| {
        query
            .with(|q| q.get("sort"))
            .and_then(|s| OfficeSort::parse(&s))
            .unwrap_or_default()
    });
    let order = Memo::new(move |_| match query.with(|q| q.get("order")).as_deref() {
        Some("desc") => SortOrder::Desc,
        _ => SortOrder::Asc,
    });
    let page = query_page();
    let typed = RwSignal::new(search.get_untracked());
    let offices = LocalResource::new(move || {
        let (q, s, o, p) = (search.get(), sort.get(), order.get(), page.get());
        api::operator_offices(q, s, o, (p - 1) * OFFICE_PAGE)
    });
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let url = offices_url(
            &typed.get_untracked(),
            sort.get_untracked(),
            order.get_untracked(),
            1,
        );
        navigate(&url, Default::default());
    };
    // A column's heading: a link that orders by it (again: the other way round).
    let heading = move |by: OfficeSort, nl: &'static str, en: &'static str| {
        let active = move || sort.get() == by;
        let href = move || {
            let flip = active() && order.get() == SortOrder::Asc;
            offices_url(
                &search.get(),
                by,
                if flip {
                    SortOrder::Desc
                } else {
                    SortOrder::Asc
                },
                1,
            )
        };
        let aria = move || match (active(), order.get()) {
            (false, _) => "none",
            (true, SortOrder::Asc) => "ascending",
            (true, SortOrder::Desc) => "descending",
        };
        let mark = move || match (active(), order.get()) {
            (false, _) => "",
            (true, SortOrder::Asc) => " ▲",
            (true, SortOrder::Desc) => " ▼",
        };
        view! {
            <th aria-sort=aria><a href=href id=format!("sort-{}", by.as_str())>{i18n.t(nl, en)}<span aria-hidden="true">{mark}</span></a></th>
        }
    };
    view! {
        <div class="section" id="offices-section">
            <h2>{i18n.t("Kantoren", "Offices")}</h2>
            <p><a href="/relatiebeheer/kantoren/nieuw" class="button" id="new-office">{i18n.t("Nieuw kantoor", "New office")}</a></p>
            <form id="office-search-form" role="search" on:submit=on_search>
                <Field id="office-search" kind="search" required=false label=i18n.s("Naam, KvK-nummer of agentnummer", "Name, KvK number or agency number") value=typed />
                <button type="submit" id="office-search-submit">{i18n.t("Zoeken", "Search")}</button>
            </form>
            <Transition fallback=|| view! { <div class="table-wrap placeholder"></div> }>
                {move || Suspend::new(async move {
                    match offices.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => {
                            let (total, shown) = (list.total, i64::try_from(list.offices.len()).unwrap_or(0));
                            let first = (page.get_untracked() - 1) * OFFICE_PAGE;
                            let (q, s, o, p) = (search.get_untracked(), sort.get_untracked(), order.get_untracked(), page.get_untracked());
                            view! {
                                <p id="office-count" aria-live="polite">{move || if total == 0 {
                                    i18n.tr("Geen kantoren gevonden.", "No offices found.").to_string()
                                } else {
                                    format!("{} {}–{} {} {total}", i18n.tr("Kantoor", "Office"), first + 1, first + shown, i18n.tr("van", "of"))
                                }}</p>
                                <div class="table-wrap">
                                    <table id="office-table" class="cards">
                                        <thead><tr>
                                            {heading(OfficeSort::Name, "Naam", "Name")}
                                            {heading(OfficeSort::KvkNumber, "KvK-nummer", "KvK number")}
                                            <th>{i18n.t("Portefeuilles", "Portfolios")}</th>
                                            {heading(OfficeSort::AccountCount, "Accounts", "Accounts")}
                                            {heading(OfficeSort::CreatedAt, "Aangemaakt", "Created")}
                                        </tr></thead>
                                        <tbody>
                                            {list.offices.into_iter().map(|o| view! {
                                                <tr>
                                                    <td data-label=i18n.t("Naam", "Name")><a href=format!("/relatiebeheer/kantoren/{}", o.id) id=format!("office-{}", o.kvk_number)>{o.name.clone()}</a></td>
                                                    <td data-label=i18n.t("KvK-nummer", "KvK number")>{o.kvk_number.clone()}</td>
                                                    <td data-label=i18n.t("Portefeuilles", "Portfolios")>{o.portfolio_count}</td>
                                                    <td data-label=i18n.t("Accounts", "Accounts")>{o.account_count}</td>
                                                    <td data-label=i18n.t("Aangemaakt", "Created")>{move || i18n.time(o.created_at)}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <PageLinks id="office-pager"
                                    previous=(p > 1).then(|| offices_url(&q, s, o, p - 1))
                                    next=(first + shown < total).then(|| offices_url(&q, s, o, p + 1)) />
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// The write that adds a portfolio or invites an administrator to an office; its answer is what
/// was added.
fn addition_write() -> ItemWrite<Addition, Addition> {
    ItemWrite::new(|office, addition: &Addition| {
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
    })
}

#[component]
pub fn OperatorNewOffice() -> impl IntoView {
    view! { <RequireSignIn><NewOfficePage /></RequireSignIn> }
}

/// A new office on a page of its own; once made, its page opens.
#[component]
fn NewOfficePage() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let kvk = RwSignal::new(String::new());
    let create = write(move |_: &()| async move {
        api::operator_create_office(name.get_untracked(), kvk.get_untracked()).await
    });
    create.on_success(move |office: &OfficeResponse| {
        navigate(
            &format!("/relatiebeheer/kantoren/{}", office.id),
            Default::default(),
        );
    });
    let pending = create.pending();
    let error = create.failure();
    let on_create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.start(());
    };
    view! {
        <section class="page" id="page-new-office">
            <p><a href="/relatiebeheer?tab=offices" id="back-to-offices">{i18n.t("← Kantoren", "← Offices")}</a></p>
            <h1>{i18n.t("Nieuw kantoor", "New office")}</h1>
            <MaybeError error />
            <form id="office-form" on:submit=on_create>
                <Field id="office-name" label=i18n.s("Naam", "Name") value=name error codes=concerns::NAME />
                <Field id="office-kvk" inputmode="numeric" label=i18n.s("KvK-nummer (8 cijfers)", "KvK number (8 digits)") value=kvk error codes=concerns::KVK />
                <Submit id="office-submit" label=i18n.s("Kantoor toevoegen", "Add office") pending />
            </form>
        </section>
    }
}

#[component]
pub fn OperatorOffice() -> impl IntoView {
    view! { <RequireSignIn><OfficePage /></RequireSignIn> }
}

/// One office: its numbers, portfolios, administrators' invitations, accounts and audit trail.
#[component]
fn OfficePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|s| s.parse::<Uuid>().ok())
    });
    let add = addition_write();
    let added = add.write.saved();
    let summary = LocalResource::new(move || {
        added.track();
        let id = id.get();
        async move {
            match id {
                Some(id) => api::operator_office(id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    view! {
        <section class="page wide" id="page-operator-office">
            <p><a href="/relatiebeheer?tab=offices" id="back-to-offices">{i18n.t("← Kantoren", "← Offices")}</a></p>
            <Transition fallback=|| view! { <h1 class="placeholder">" "</h1> }>
                {move || Suspend::new(async move {
                    match summary.await {
                        Err(e) => view! { <h1>{i18n.t("Kantoor", "Office")}</h1><ErrorNotice error=e /> }.into_any(),
                        Ok(None) => view! { <h1>{i18n.t("Dit kantoor bestaat niet.", "This office does not exist.")}</h1> }.into_any(),
                        Ok(Some(o)) => view! {
                            <h1 id="office-title">{o.name.clone()}</h1>
                            <p id="office-numbers">{move || format!(
                                "KvK {} · {} {} · {} {}",
                                o.kvk_number,
                                o.portfolio_count,
                                i18n.tr("portefeuilles", "portfolios"),
                                o.account_count,
                                i18n.tr("accounts", "accounts"),
                            )}</p>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            // Its parts load beside the title but are shown with it, so they do not move
            // down when it arrives.
            {move || id.get().map(|id| view! {
                <div id="office-parts" hidden=move || summary.get().is_none()>
                    <OfficeDetail id add />
                    <OfficeReviewSummary id />
                    <AccountSearch office=id changed=added />
                    <AuditTrail office=id changed=added />
                </div>
            })}
        </section>
    }
}

#[component]
fn OfficeDetail(id: Uuid, add: ItemWrite<Addition, Addition>) -> impl IntoView {
    let i18n = use_i18n();
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
                <Field id="portfolio-agency" label=i18n.s("Agentnummer", "Agency number") value=agency error codes=concerns::AGENCY />
                <Field id="portfolio-name" label=i18n.s("Naam van de portefeuille", "Portfolio name") value=pname error codes=concerns::NAME />
                <Submit id="portfolio-submit" label=i18n.s("Portefeuille toevoegen", "Add portfolio") pending />
            </form>
            <h3>{i18n.t("Gebruikersbeheerder uitnodigen", "Invite a user administrator")}</h3>
            <Show when=move || sent.get()>
                <p class="notice ok" id="admin-invited">{i18n.t("Uitnodiging verstuurd.", "Invitation sent.")}</p>
            </Show>
            <form id="admin-invite-form" on:submit=on_invite>
                <Field id="admin-name" label=i18n.s("Naam", "Name") value=admin_name error codes=concerns::NAME />
                <Field id="admin-email" kind="email" label=i18n.s("E-mailadres", "E-mail address") value=admin_email error codes=concerns::EMAIL />
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

/// Accounts across offices, or of one office (`office`), as a table a page at a time; the
/// search, the filters and the page are in the address.
#[component]
fn AccountSearch(
    #[prop(optional)] office: Option<Uuid>,
    /// Moves when something on the page above changed the accounts (they reload).
    #[prop(optional)]
    changed: Option<Memo<usize>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| api::AccountFilter::from_query(|k| q.get(k))));
    let base = match office {
        Some(id) => format!("/relatiebeheer/kantoren/{id}?tab=accounts"),
        None => "/relatiebeheer?tab=accounts".to_string(),
    };
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
        let f = filter.get();
        if let Some(changed) = changed {
            changed.track();
        }
        async move { api::operator_accounts(f, office).await }
    });
    let selected = RwSignal::new(None::<Uuid>);
    let pages = base.clone();
    view! {
        <div class="section" id="account-search-section">
            <h2>{i18n.t("Accounts zoeken", "Find accounts")}</h2>
            <AccountFilterForm base=base filter search_id="operator-search" submit_id="operator-search-submit" />
            <Transition fallback=|| view! { <div class="table-wrap placeholder"></div> }>
                {move || Suspend::new({
                    let pages = pages.clone();
                    async move {
                    match results.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => {
                            let f = filter.get_untracked();
                            view! {
                                <PageCount id="account-count" first=f.offset() shown=list.accounts.len() more=list.next_offset.is_some() />
                                <div class="table-wrap">
                                    <table id="account-table" class="cards">
                                        <thead><tr>
                                            <th>{i18n.t("Naam", "Name")}</th>
                                            <th>{i18n.t("E-mailadres", "E-mail address")}</th>
                                            {office.is_none().then(|| view! { <th>{i18n.t("Kantoor", "Office")}</th> })}
                                            <th>{i18n.t("Status", "Status")}</th>
                                            <th>{i18n.t("Inlogmethoden", "Sign-in methods")}</th>
                                        </tr></thead>
                                        <tbody id="search-results">
                                            {list.accounts.into_iter().map(|a| {
                                                let id = a.id;
                                                let email_id = a.email.replace(['@', '.'], "-");
                                                let factors = a.factors;
                                                view! {
                                                    <tr data-status=a.status.as_str()>
                                                        <td data-label=i18n.t("Naam", "Name")>
                                                            <button type="button" class="link" id=format!("result-{email_id}") on:click=move |_| selected.set(Some(id))>{a.name.clone()}</button>
                                                            {(a.role == Role::OfficeAdmin).then(|| view! { <span class="badge">{i18n.t("beheerder", "administrator")}</span> })}
                                                        </td>
                                                        <td data-label=i18n.t("E-mailadres", "E-mail address")>{a.email.clone()}</td>
                                                        {office.is_none().then(|| view! {
                                                            <td data-label=i18n.t("Kantoor", "Office")>{a.office_id.map(|o| view! {
                                                                <a href=format!("/relatiebeheer/kantoren/{o}")>{a.office_name.clone().unwrap_or_default()}</a>
                                                            })}</td>
                                                        })}
                                                        <td class="status" data-label=i18n.t("Status", "Status")>{move || status_label(i18n, a.status)}</td>
                                                        <td data-label=i18n.t("Inlogmethoden", "Sign-in methods")>{move || factors_text(i18n, factors)}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <PageLinks id="account-pager"
                                    previous=(f.page > 1).then(|| f.at_page(&pages, f.page - 1))
                                    next=list.next_offset.map(|_| f.at_page(&pages, f.page + 1)) />
                            }
                            .into_any()
                        }
                    }
                }})}
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
    let moving = move_write();
    let moved = moving.saved();
    let detail = LocalResource::new(move || {
        reset.track();
        moved.track();
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
                <dt>{i18n.t("Passkeys", "Passkeys")}</dt>
                <dd id="detail-passkeys">{a.factors.passkeys}</dd>
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
            <MoveAccount id moving />
            </Show>
            <button type="button" class="link" id="close-account" on:click=move |_| selected.set(None)>{i18n.t("Sluiten", "Close")}</button>
        </div>
    }
}

/// The audit trail, of every office or of one (`office`).
#[component]
fn AuditTrail(
    #[prop(optional)] office: Option<Uuid>,
    /// Moves when something on the page above was done (the trail reloads).
    #[prop(optional)]
    changed: Option<Memo<usize>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let query = use_query_map();
    // In the address: the action, the days (`from`, `to`, as the date fields give them) and
    // the page (`before`).
    let asked = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("action").unwrap_or_default(),
                q.get("from").unwrap_or_default(),
                q.get("to").unwrap_or_default(),
                q.get("before").and_then(|b| b.parse::<Uuid>().ok()),
            )
        })
    });
    let action = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    Effect::new(move |_| {
        let (a, f, t, _) = asked.get();
        action.set(a);
        from.set(f);
        to.set(t);
    });
    let base = match office {
        Some(id) => format!("/relatiebeheer/kantoren/{id}?tab=audit"),
        None => "/relatiebeheer?tab=audit".to_string(),
    };
    let address = {
        let base = base.clone();
        move |a: &str, f: &str, t: &str, before: Option<Uuid>| {
            let mut url = base.clone();
            for (key, value) in [("action", a), ("from", f), ("to", t)] {
                if !value.is_empty() {
                    url.push_str(&format!("&{key}={}", api::encode(value)));
                }
            }
            if let Some(b) = before {
                url.push_str(&format!("&before={b}"));
            }
            url
        }
    };
    let page = LocalResource::new(move || {
        let (a, f, t, b) = asked.get();
        if let Some(changed) = changed {
            changed.track();
        }
        // The days chosen, from the start of the first to the end of the last, in the
        // browser's time zone.
        let filter = api::AuditFilter {
            action: a,
            since: day_start(&f, 0),
            until: day_start(&t, 1),
        };
        async move { api::operator_audit(filter, office, b).await }
    });
    let on_filter = {
        let address = address.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let url = address(
                action.get_untracked().trim(),
                &from.get_untracked(),
                &to.get_untracked(),
                None,
            );
            navigate(&url, Default::default());
        }
    };
    view! {
        <div class="section" id="audit-section">
            <h2>{i18n.t("Audittrail", "Audit trail")}</h2>
            <form id="audit-filter" on:submit=on_filter>
                <Field id="audit-action" required=false label=i18n.s("Handeling (bijv. account.deleted)", "Action (e.g. account.deleted)") value=action />
                <Field id="audit-since" kind="date" required=false label=i18n.s("Van (datum)", "From (date)") value=from />
                <Field id="audit-until" kind="date" required=false label=i18n.s("Tot en met (datum)", "Up to and including (date)") value=to />
                <button type="submit" id="audit-filter-submit">{i18n.t("Filteren", "Filter")}</button>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new({
                    let address = address.clone();
                    async move {
                    match page.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(p) => {
                            let next = p.next_before;
                            view! {
                                <div class="table-wrap">
                                    <table id="audit-table" class="cards">
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
                                                        <td data-label=i18n.t("Tijd", "Time")>{move || i18n.time(e.at)}</td>
                                                        <td data-label=i18n.t("Handeling", "Action")>{let action = e.action.clone(); move || i18n.action(&action)}<br /><code class="code">{e.action.clone()}</code></td>
                                                        <td data-label=i18n.t("Door", "By")>{who(e.actor.clone())}</td>
                                                        <td data-label=i18n.t("Betreft", "Concerns")>{who(e.target.clone())}</td>
                                                        <td data-label=i18n.t("Vanaf", "From")>{e.client_ip.clone().unwrap_or_default()}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {next.map(|n| {
                                    let (a, f, t, _) = asked.get_untracked();
                                    view! {
                                        <a class="button secondary" href=address(&a, &f, &t, Some(n)) id="audit-older">{i18n.t("Oudere gebeurtenissen", "Older events")}</a>
                                    }
                                })}
                            }
                            .into_any()
                        }
                    }
                }})}
            </Transition>
        </div>
    }
}

/// The start of the day `days` after a date input's day (`YYYY-MM-DD`) in the browser's time
/// zone, as an RFC 3339 moment; none for an empty or unreadable date.
fn day_start(value: &str, days: i32) -> Option<String> {
    use chrono::Datelike as _;
    let date = poort_shared::words::date_input(value)?;
    let month = i32::try_from(date.month0()).ok()?;
    let day = i32::try_from(date.day()).ok()? + days;
    let year = u32::try_from(date.year()).ok()?;
    let start = js_sys::Date::new_with_year_month_day(year, month, day);
    Some(String::from(start.to_iso_string()))
}

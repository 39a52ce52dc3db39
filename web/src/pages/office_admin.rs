//! The office user administrator's screen, in five parts kept in the address (`?tab=`): the
//! office's accounts (status, last sign-in, factors, rights; search; editing rights,
//! deactivating and reactivating, the administrator role), inviting a colleague with a rights
//! matrix (portfolios × rights), the invitations, each with its history folded away, and
//! re-send / withdraw, the advisers' access requests (their number open on the tab), and the periodic access review. The screen makes its writes ([`AdminWrites`]) and the lists reload
//! after each of them.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccessRequestFilter, AccountResponse, AccountStatus, FactorFilter, Factors,
    InvitationEventKind, InvitationResponse, InvitationStatus, InviteRequest, PortfolioResponse,
    PortfolioRightsResponse, RightResponse, RightsGrant, Role,
};
use uuid::Uuid;

use crate::api::{self, ApiError, ClientArea};
use crate::components::{
    ErrorNotice, Field, ItemWrite, MaybeError, PageLinks, Pager, QueryTabs, RequireSignIn, Submit,
    Write, WriteExt, concerns, query_tab, write,
};
use crate::i18n::{I18n, Lang, use_i18n};
use crate::pages::access_requests::{OfficeAccessRequests, answer_write};
use crate::pages::api_clients::{AreaTab, AreaTabs};
use crate::pages::moves::AskMove;
use crate::pages::reviews::OfficeReview;

#[component]
pub fn OfficeAdmin() -> impl IntoView {
    view! { <RequireSignIn><OfficeAdminPage /></RequireSignIn> }
}

/// Everything the screen needs that changes rarely: portfolios and the rights catalogue.
#[derive(Clone)]
pub struct Catalogue {
    pub portfolios: Vec<PortfolioResponse>,
    pub rights: Vec<RightResponse>,
}

async fn load_catalogue(
    portfolios: Result<Vec<PortfolioResponse>, ApiError>,
) -> Result<Catalogue, ApiError> {
    Ok(Catalogue {
        portfolios: portfolios?,
        rights: api::rights_catalogue().await?.rights,
    })
}

/// A change to an account from its row.
#[derive(Clone, Copy)]
enum AccountChange {
    Active(bool),
    Administrator(bool),
}

/// The screen's writes; the accounts and the invitations both reload after each of them.
#[derive(Clone, Copy)]
struct AdminWrites {
    invite: Write<InviteRequest, InvitationResponse>,
    account: ItemWrite<AccountChange, AccountResponse>,
    rights: ItemWrite<Vec<RightsGrant>, AccountResponse>,
    invitation: ItemWrite<bool, InvitationResponse>,
    /// Moves after each successful write.
    saved: Signal<usize>,
}

impl AdminWrites {
    fn new() -> Self {
        let invite = write(|request: &InviteRequest| api::office_invite(request.clone()));
        let account = ItemWrite::new(|id, change: &AccountChange| {
            let change = *change;
            async move {
                match change {
                    AccountChange::Active(on) => api::office_set_active(id, on).await,
                    AccountChange::Administrator(on) => api::office_set_admin(id, on).await,
                }
            }
        });
        let rights = ItemWrite::new(|id, grants: &Vec<RightsGrant>| {
            api::office_set_rights(id, grants.clone())
        });
        let invitation = invitation_write(false);
        let saved = {
            let all = [
                invite.saved(),
                account.write.saved(),
                rights.write.saved(),
                invitation.write.saved(),
            ];
            Signal::derive(move || all.iter().map(|s| s.get()).sum())
        };
        AdminWrites {
            invite,
            account,
            rights,
            invitation,
            saved,
        }
    }
}

#[component]
fn OfficeAdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let catalogue = LocalResource::new(|| async {
        load_catalogue(api::office_portfolios().await.map(|p| p.portfolios)).await
    });
    let writes = AdminWrites::new();
    let tab = query_tab("accounts");
    // The open access requests: the tab's list and its badge (reloaded after each answer).
    let answer = answer_write();
    let answered = answer.write.saved();
    let open_requests = LocalResource::new(move || {
        answered.track();
        api::office_access_requests(AccessRequestFilter::Open, 0)
    });
    let open_count = Signal::derive(move || {
        open_requests
            .get()
            .and_then(|r| r.ok().map(|l| l.open))
            .unwrap_or(0)
    });
    view! {
        <section class="page wide" id="page-office-admin">
            <h1>{i18n.t("Gebruikersbeheer", "User management")}</h1>
            <AreaTabs area=ClientArea::Office current=AreaTab::People />
            <QueryTabs path="/beheer" tabs=&[("accounts", "Accounts", "Accounts"), ("invite", "Uitnodigen", "Invite"), ("invitations", "Uitnodigingen", "Invitations"), ("requests", "Toegangsverzoeken", "Access requests"), ("review", "Herbeoordeling", "Access review")] current=tab badge=("requests", open_count) />
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match catalogue.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(catalogue) => {
                            let catalogue = StoredValue::new(catalogue);
                            view! {
                                {move || match tab.get().as_str() {
                                    "invite" => view! { <InviteForm catalogue invite=writes.invite /> }.into_any(),
                                    "invitations" => view! { <Invitations writes /> }.into_any(),
                                    "review" => view! { <OfficeReview /> }.into_any(),
                                    "requests" => view! { <OfficeAccessRequests catalogue open=open_requests answer /> }.into_any(),
                                    _ => view! { <Accounts catalogue writes /> }.into_any(),
                                }}
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// "AG-1: Polissen inzien, Schade melden · AG-2: …" in the user's language.
pub fn rights_text(
    i18n: I18n,
    catalogue: &[RightResponse],
    rights: &[PortfolioRightsResponse],
) -> String {
    rights
        .iter()
        .map(|p| {
            let labels: Vec<String> = p
                .rights
                .iter()
                .map(|r| right_label(i18n, catalogue, r))
                .collect();
            format!("{}: {}", p.agency_number, labels.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

pub fn right_label(i18n: I18n, catalogue: &[RightResponse], code: &str) -> String {
    catalogue
        .iter()
        .find(|r| r.code == code)
        .map(|r| {
            if i18n.lang() == Lang::En {
                r.label_en.clone()
            } else {
                r.label_nl.clone()
            }
        })
        .unwrap_or_else(|| code.to_string())
}

/// Portfolios × rights, as checkboxes.
#[component]
pub fn RightsMatrix(
    catalogue: StoredValue<Catalogue>,
    selected: RwSignal<Vec<(Uuid, String)>>,
    /// Begins each checkbox's id (`{prefix}-{agency number}-{right}`).
    #[prop(into)]
    prefix: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let (portfolios, rights) = catalogue.with_value(|c| (c.portfolios.clone(), c.rights.clone()));
    let rights_head = rights.clone();
    view! {
        <div class="table-wrap">
            <table class="matrix cards">
                <caption>{i18n.t("Rechten per portefeuille", "Rights per portfolio")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{i18n.t("Portefeuille", "Portfolio")}</th>
                        {rights_head.into_iter().map(|r| view! {
                            <th scope="col">{move || if i18n.lang() == Lang::En { r.label_en.clone() } else { r.label_nl.clone() }}</th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {portfolios.into_iter().map(|p| {
                        let pid = p.id;
                        let agency = p.agency_number.clone();
                        view! {
                            <tr>
                                <th scope="row">{format!("{} {}", p.agency_number, p.name)}</th>
                                {rights.iter().map(|r| {
                                    let code = r.code.clone();
                                    let code_check = code.clone();
                                    let id = format!("{prefix}-{agency}-{code}");
                                    let (nl, en) = (r.label_nl.clone(), r.label_en.clone());
                                    let label = move || if i18n.lang() == Lang::En { en.clone() } else { nl.clone() };
                                    let aria = {
                                        let (agency, label) = (agency.clone(), label.clone());
                                        move || format!("{agency} {}", label())
                                    };
                                    view! {
                                        <td data-label=label>
                                            <input
                                                type="checkbox"
                                                id=id
                                                aria-label=aria
                                                prop:checked=move || selected.with(|s| s.contains(&(pid, code_check.clone())))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    selected.update(|s| {
                                                        s.retain(|x| x != &(pid, code.clone()));
                                                        if on {
                                                            s.push((pid, code.clone()));
                                                        }
                                                    });
                                                }
                                            />
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

pub fn grants(selected: &[(Uuid, String)]) -> Vec<RightsGrant> {
    let mut out: Vec<RightsGrant> = Vec::new();
    for (pid, code) in selected {
        match out.iter_mut().find(|g| g.portfolio_id == *pid) {
            Some(g) => g.rights.push(code.clone()),
            None => out.push(RightsGrant {
                portfolio_id: *pid,
                rights: vec![code.clone()],
            }),
        }
    }
    out
}

#[component]
fn InviteForm(
    catalogue: StoredValue<Catalogue>,
    invite: Write<InviteRequest, InvitationResponse>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let selected = RwSignal::new(Vec::<(Uuid, String)>::new());
    let sent = RwSignal::new(None::<String>);
    let pending = invite.pending();
    let error = invite.failure();
    invite.on_success(move |invitation| {
        sent.set(Some(invitation.email.clone()));
        name.set(String::new());
        email.set(String::new());
        admin.set(false);
        selected.set(Vec::new());
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sent.set(None);
        invite.start(InviteRequest {
            name: name.get_untracked(),
            email: email.get_untracked(),
            administrator: admin.get_untracked(),
            rights: grants(&selected.get_untracked()),
        });
    };
    view! {
        <div class="section" id="invite-section">
            <h2>{i18n.t("Collega uitnodigen", "Invite a colleague")}</h2>
            <MaybeError error />
            {move || sent.get().map(|to| view! {
                <p class="notice ok" id="invitation-sent">{i18n.t("Uitnodiging verstuurd naar ", "Invitation sent to ")}{to.clone()}</p>
            })}
            {move || match error.get() {
                Some(ApiError::Api { code: ErrorCode::EmailTaken, .. }) => {
                    Some(view! { <AskMove email=email.get_untracked() /> })
                }
                _ => None,
            }}
            <form id="invite-form" on:submit=on_submit>
                <Field id="invite-name" label=i18n.s("Naam", "Name") value=name hint=i18n.s("Zoals hij rechtsboven moet staan; later niet te wijzigen.", "As it should appear top right; it cannot be changed later.") error codes=concerns::NAME />
                <Field id="invite-email" kind="email" label=i18n.s("E-mailadres", "E-mail address") value=email error codes=concerns::EMAIL />
                <div class="field checkbox">
                    <input type="checkbox" id="invite-admin" prop:checked=move || admin.get() on:change=move |ev| admin.set(event_target_checked(&ev)) />
                    <label for="invite-admin">{i18n.t("Ook gebruikersbeheerder van het kantoor", "Also user administrator of the office")}</label>
                </div>
                <RightsMatrix catalogue selected prefix="invite" />
                <Submit id="invite-submit" label=i18n.s("Uitnodiging versturen", "Send invitation") pending />
            </form>
        </div>
    }
}

pub fn status_label(i18n: I18n, status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Invited => i18n.tr("uitgenodigd", "invited"),
        AccountStatus::Active => i18n.tr("actief", "active"),
        AccountStatus::Blocked => i18n.tr("geblokkeerd", "blocked"),
        AccountStatus::Deactivated => i18n.tr("gedeactiveerd", "deactivated"),
    }
}

/// The sign-in methods an account has, in words.
pub fn factors_text(i18n: I18n, factors: Factors) -> String {
    let mut f = Vec::new();
    if factors.password {
        f.push(i18n.tr("wachtwoord", "password"));
    }
    if factors.mobile {
        f.push(i18n.tr("sms", "SMS"));
    }
    if factors.authenticator {
        f.push(i18n.tr("app", "app"));
    }
    if factors.passkeys > 0 {
        f.push("passkey");
    }
    if factors.eherkenning {
        f.push("eHerkenning");
    }
    f.join(", ")
}

/// The search and filters above an account list. Choosing goes to the address (`base` plus
/// the filter), so a link to the list shows the same and Back returns; the fields follow the
/// address.
#[component]
pub fn AccountFilterForm(
    base: String,
    filter: Memo<api::AccountFilter>,
    search_id: &'static str,
    submit_id: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let typed = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let factor = RwSignal::new(String::new());
    let without = RwSignal::new(false);
    Effect::new(move |_| {
        let f = filter.get();
        typed.set(f.q);
        status.set(f.status.map(|s| s.as_str().to_string()).unwrap_or_default());
        factor.set(f.factor.map(|s| s.as_str().to_string()).unwrap_or_default());
        without.set(f.without_rights);
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = api::AccountFilter {
            q: typed.get_untracked().trim().to_string(),
            status: AccountStatus::parse(&status.get_untracked()),
            without_rights: without.get_untracked(),
            factor: FactorFilter::parse(&factor.get_untracked()),
            page: 1,
        };
        navigate(&format!("{base}{}", f.address()), Default::default());
    };
    let status_id = format!("{search_id}-status");
    let factor_id = format!("{search_id}-factor");
    let without_id = format!("{search_id}-without-rights");
    let factor_choice = move |f: FactorFilter, nl: &'static str, en: &'static str| {
        view! {
            <option value=f.as_str() selected=move || factor.get() == f.as_str()>{i18n.t(nl, en)}</option>
        }
    };
    view! {
        <form class="filters" id=format!("{search_id}-form") role="search" on:submit=on_submit>
            <Field id=search_id kind="search" required=false label=i18n.s("Naam, e-mailadres of mobiel nummer", "Name, e-mail address or mobile number") value=typed />
            <div class="field">
                <label for=status_id.clone()>{i18n.t("Status", "Status")}</label>
                <select id=status_id on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="" selected=move || status.get().is_empty()>{i18n.t("Alle", "All")}</option>
                    {AccountStatus::ALL.iter().map(|&s| view! {
                        <option value=s.as_str() selected=move || status.get() == s.as_str()>{move || status_label(i18n, s)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=factor_id.clone()>{i18n.t("Inlogmethode", "Sign-in method")}</label>
                <select id=factor_id on:change=move |ev| factor.set(event_target_value(&ev))>
                    <option value="" selected=move || factor.get().is_empty()>{i18n.t("Alle", "All")}</option>
                    {factor_choice(FactorFilter::Authenticator, "Authenticator-app", "Authenticator app")}
                    {factor_choice(FactorFilter::Sms, "Sms", "SMS")}
                    {factor_choice(FactorFilter::Passkey, "Passkey", "Passkey")}
                    {factor_choice(FactorFilter::Eherkenning, "eHerkenning", "eHerkenning")}
                </select>
            </div>
            <div class="field checkbox">
                <input type="checkbox" id=without_id.clone() prop:checked=move || without.get() on:change=move |ev| without.set(event_target_checked(&ev)) />
                <label for=without_id>{i18n.t("Alleen zonder rechten", "Only without rights")}</label>
            </div>
            <button type="submit" id=submit_id>{i18n.t("Zoeken", "Search")}</button>
        </form>
    }
}

/// Which rows of a list a page shows ("Accounts 51–100"), announced when it changes.
#[component]
pub fn PageCount(id: &'static str, first: i64, shown: usize, more: bool) -> impl IntoView {
    let i18n = use_i18n();
    let shown = i64::try_from(shown).unwrap_or(0);
    view! {
        <p id=id aria-live="polite">{move || if shown == 0 {
            i18n.tr("Geen accounts gevonden.", "No accounts found.").to_string()
        } else {
            format!(
                "{} {}–{}{}",
                i18n.tr("Accounts", "Accounts"),
                first + 1,
                first + shown,
                if more { i18n.tr(" (meer op de volgende pagina)", " (more on the next page)") } else { "" }
            )
        }}</p>
    }
}

/// The accounts part's address, before its filter.
const ACCOUNTS_ADDRESS: &str = "/beheer?tab=accounts";

#[component]
fn Accounts(catalogue: StoredValue<Catalogue>, writes: AdminWrites) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| api::AccountFilter::from_query(|k| q.get(k))));
    let accounts = LocalResource::new(move || {
        writes.saved.track();
        let f = filter.get();
        async move { api::office_accounts(f).await }
    });
    let editing = RwSignal::new(None::<Uuid>);
    // After a save the rows are drawn anew: the focus goes back to the new row's button.
    let focus_back = RwSignal::new(None::<Uuid>);
    writes.rights.write.on_success(move |_| {
        focus_back.set(editing.get_untracked());
        editing.set(None);
    });
    view! {
        <div class="section" id="accounts-section">
            <h2>{i18n.t("Accounts van het kantoor", "Accounts of the office")}</h2>
            <AccountFilterForm base=ACCOUNTS_ADDRESS.to_string() filter search_id="account-search" submit_id="account-search-submit" />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => {
                            let f = filter.get_untracked();
                            let more = list.next_offset.is_some();
                            view! {
                            <PageCount id="office-account-count" first=f.offset() shown=list.accounts.len() more />
                            <div class="table-wrap">
                                <table class="accounts cards" id="accounts-table">
                                    <thead><tr>
                                        <th>{i18n.t("Naam", "Name")}</th>
                                        <th>{i18n.t("E-mailadres", "E-mail address")}</th>
                                        <th>{i18n.t("Status", "Status")}</th>
                                        <th>{i18n.t("Laatst ingelogd", "Last sign-in")}</th>
                                        <th>{i18n.t("Inlogmethoden", "Sign-in methods")}</th>
                                        <th>{i18n.t("Rechten", "Rights")}</th>
                                        <th>{i18n.t("Acties", "Actions")}</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.accounts.into_iter().map(|a| view! { <AccountRow account=a catalogue editing focus_back writes /> }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <PageLinks id="office-account-pager"
                                previous=(f.page > 1).then(|| f.at_page(ACCOUNTS_ADDRESS, f.page - 1))
                                next=more.then(|| f.at_page(ACCOUNTS_ADDRESS, f.page + 1)) />
                        }
                        .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn AccountRow(
    account: AccountResponse,
    catalogue: StoredValue<Catalogue>,
    editing: RwSignal<Option<Uuid>>,
    focus_back: RwSignal<Option<Uuid>>,
    writes: AdminWrites,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = account.id;
    // The rights are edited in a modal dialog: the browser keeps the focus inside it and closes
    // it on Escape; the focus then returns to the button that opened it.
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let opener = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        let open = editing.get() == Some(id);
        let (Some(d), Some(button)) = (dialog.get(), opener.get()) else {
            return;
        };
        if open && !d.open() {
            let _ = d.show_modal();
        } else if !open && d.open() {
            d.close();
            let _ = button.focus();
        } else if !open && focus_back.get_untracked() == Some(id) {
            focus_back.set(None);
            let _ = button.focus();
        }
    });
    let name = account.name.clone();
    let change = writes.account;
    let pending = change.pending();
    let error = change.failure_for(id);
    let status = account.status;
    let is_admin = account.role == Role::OfficeAdmin;
    let factors = account.factors;
    let act = move |what: AccountChange| move |_| change.start(id, what);
    let deactivate = act(AccountChange::Active(false));
    let reactivate = act(AccountChange::Active(true));
    let appoint = act(AccountChange::Administrator(true));
    let unappoint = act(AccountChange::Administrator(false));
    let shown_rights = {
        let rights = account.rights.clone();
        move || catalogue.with_value(|c| rights_text(i18n, &c.rights, &rights))
    };
    let initial: Vec<(Uuid, String)> = account
        .rights
        .iter()
        .flat_map(|p| p.rights.iter().map(move |r| (p.portfolio_id, r.clone())))
        .collect();
    let email_id = account.email.replace(['@', '.'], "-");
    view! {
        <tr id=format!("account-{email_id}") data-status=status.as_str()>
            <td data-label=i18n.t("Naam", "Name")>{account.name.clone()}{is_admin.then(|| view! { <span class="badge">{i18n.t("beheerder", "administrator")}</span> })}</td>
            <td data-label=i18n.t("E-mailadres", "E-mail address")>{account.email.clone()}</td>
            <td class="status" data-label=i18n.t("Status", "Status")>{move || status_label(i18n, status)}</td>
            <td data-label=i18n.t("Laatst ingelogd", "Last sign-in")>{move || account.last_sign_in_at.map(|t| i18n.time(t)).unwrap_or_else(|| "—".into())}</td>
            <td data-label=i18n.t("Inlogmethoden", "Sign-in methods")>{move || factors_text(i18n, factors)}</td>
            <td class="rights" data-label=i18n.t("Rechten", "Rights")>{shown_rights}</td>
            <td class="actions" data-label=i18n.t("Acties", "Actions")>
                <MaybeError error />
                <button type="button" class="link" id=format!("edit-rights-{email_id}") node_ref=opener aria-haspopup="dialog" on:click=move |_| editing.set(Some(id))>
                    {i18n.t("Rechten", "Rights")}
                </button>
                <dialog class="dialog" id=format!("rights-dialog-{email_id}") node_ref=dialog aria-labelledby=format!("rights-title-{email_id}")
                    on:close=move |_| {
                        if editing.get_untracked() == Some(id) {
                            editing.set(None);
                        }
                        if let Some(button) = opener.get_untracked() {
                            let _ = button.focus();
                        }
                    }>
                    <h2 id=format!("rights-title-{email_id}")>{move || format!("{} {name}", i18n.tr("Rechten van", "Rights of"))}</h2>
                    <Show when=move || editing.get() == Some(id)>
                        <RightsEditor id initial=initial.clone() catalogue rights=writes.rights />
                    </Show>
                    <button type="button" class="secondary" id="rights-cancel" on:click=move |_| editing.set(None)>{i18n.t("Annuleren", "Cancel")}</button>
                </dialog>
                {match status {
                    AccountStatus::Deactivated => view! { <button type="button" class="link" id=format!("reactivate-{email_id}") disabled=move || pending.get() on:click=reactivate>{i18n.t("Heractiveren", "Reactivate")}</button> }.into_any(),
                    _ => view! { <button type="button" class="link" id=format!("deactivate-{email_id}") disabled=move || pending.get() on:click=deactivate>{i18n.t("Deactiveren", "Deactivate")}</button> }.into_any(),
                }}
                {if is_admin {
                    view! { <button type="button" class="link" id=format!("unappoint-{email_id}") disabled=move || pending.get() on:click=unappoint>{i18n.t("Geen beheerder meer", "Remove administrator")}</button> }.into_any()
                } else {
                    view! { <button type="button" class="link" id=format!("appoint-{email_id}") disabled=move || pending.get() on:click=appoint>{i18n.t("Maak beheerder", "Make administrator")}</button> }.into_any()
                }}
            </td>
        </tr>
    }
}

#[component]
fn RightsEditor(
    id: Uuid,
    initial: Vec<(Uuid, String)>,
    catalogue: StoredValue<Catalogue>,
    /// Closes the editor when it succeeds (see `Accounts`).
    rights: ItemWrite<Vec<RightsGrant>, AccountResponse>,
) -> impl IntoView {
    let i18n = use_i18n();
    let selected = RwSignal::new(initial);
    let pending = rights.pending();
    let error = rights.failure_for(id);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        rights.start(id, grants(&selected.get_untracked()));
    };
    view! {
        <form id="rights-form" on:submit=on_submit>
            <MaybeError error />
            <RightsMatrix catalogue selected prefix="edit" />
            <Submit id="rights-submit" label=i18n.s("Rechten opslaan", "Save rights") pending />
        </form>
    }
}

pub fn event_label(i18n: I18n, kind: InvitationEventKind) -> &'static str {
    match kind {
        InvitationEventKind::Sent => i18n.tr("verstuurd", "sent"),
        InvitationEventKind::Resent => i18n.tr("opnieuw verstuurd", "sent again"),
        InvitationEventKind::Renewed => i18n.tr("vernieuwd na verlopen", "renewed after expiry"),
        InvitationEventKind::Accepted => i18n.tr("geaccepteerd", "accepted"),
        InvitationEventKind::Withdrawn => i18n.tr("ingetrokken", "withdrawn"),
    }
}

/// Re-sending (`true`) or withdrawing (`false`) an invitation, as the office's administrator or
/// as the relations team (`operator`).
pub fn invitation_write(operator: bool) -> ItemWrite<bool, InvitationResponse> {
    ItemWrite::new(move |id, resend: &bool| {
        let resend = *resend;
        async move {
            if operator {
                api::operator_invitation_action(id, resend).await
            } else {
                api::office_invitation_action(id, resend).await
            }
        }
    })
}

/// One invitation with its history and, while open, re-send and withdraw (`write`, made by
/// [`invitation_write`] where the list is loaded).
#[component]
pub fn InvitationItem(
    invitation: InvitationResponse,
    write: ItemWrite<bool, InvitationResponse>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = invitation.id;
    let pending = write.pending();
    let error = write.failure_for(id);
    let act = move |resend: bool| move |_| write.start(id, resend);
    let open = invitation.status == InvitationStatus::Open;
    let status = match invitation.status {
        InvitationStatus::Open if invitation.expired => i18n.tr(
            "verlopen (openen stuurt een nieuwe)",
            "expired (opening it sends a new one)",
        ),
        InvitationStatus::Open => i18n.tr("open", "open"),
        InvitationStatus::Accepted => i18n.tr("geaccepteerd", "accepted"),
        InvitationStatus::Withdrawn => i18n.tr("ingetrokken", "withdrawn"),
    };
    let email_id = invitation.email.replace(['@', '.'], "-");
    let events = invitation.events.clone();
    let count = events.len();
    view! {
        <li class="invitation" id=format!("invitation-{email_id}") data-status=format!("{:?}", invitation.status).to_lowercase()>
            <p><strong>{invitation.name.clone()}</strong>" · "{invitation.email.clone()}" · "<span class="status">{status}</span></p>
            <details class="history">
                <summary>{move || format!("{} ({count})", i18n.tr("Geschiedenis", "History"))}</summary>
                <ol class="history">
                    {events.into_iter().map(|e| view! {
                        <li>{move || i18n.time(e.at)}" — "{move || event_label(i18n, e.kind)}{e.actor_name.map(|n| format!(" ({n})"))}</li>
                    }).collect_view()}
                </ol>
            </details>
            <MaybeError error />
            {open.then(|| view! {
                <button type="button" class="link" id=format!("resend-{email_id}") disabled=move || pending.get() on:click=act(true)>{i18n.t("Opnieuw versturen", "Send again")}</button>
                " "
                <button type="button" class="link" id=format!("withdraw-{email_id}") disabled=move || pending.get() on:click=act(false)>{i18n.t("Intrekken", "Withdraw")}</button>
            })}
        </li>
    }
}

#[component]
fn Invitations(writes: AdminWrites) -> impl IntoView {
    let i18n = use_i18n();
    let pages = RwSignal::new(Vec::new());
    let invitations = LocalResource::new(move || {
        writes.saved.track();
        api::office_invitations(pages.get().last().copied())
    });
    view! {
        <div class="section" id="invitations-section">
            <h2>{i18n.t("Uitnodigingen", "Invitations")}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match invitations.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => view! {
                            <ul class="invitations" id="invitation-list">
                                {list.invitations.into_iter().map(|invitation| view! { <InvitationItem invitation write=writes.invitation /> }).collect_view()}
                            </ul>
                            <Pager id="invitations-pager" pages next=list.next_before />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

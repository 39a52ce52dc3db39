//! Access requests. The adviser's side, on the start page (*geen toegang*, and beside the
//! portfolio switcher): the open request with *intrekken*, the last answer, and the form to
//! ask (portfolios × rights, a note). The administrator's side, a tab of `/beheer` with the
//! number open as its badge: each open request with the rights asked pre-checked (to adjust
//! before granting) and a reason to decline; the answered ones below.

use leptos::prelude::*;
use poort_shared::dto::{
    AccessRequestFilter, AccessRequestListResponse, AccessRequestResponse, AccessRequestStatus,
    CreateAccessRequest, MyAccessRequestsResponse, RightResponse, RightsGrant,
};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, ItemWrite, MaybeError, Submit, Write, WriteExt, write};
use crate::i18n::{I18n, use_i18n};
use crate::pages::office_admin::{Catalogue, RightsMatrix, grants, rights_text};

fn status_text(i18n: I18n, status: AccessRequestStatus) -> &'static str {
    match status {
        AccessRequestStatus::Open => i18n.tr("wacht op antwoord", "awaiting an answer"),
        AccessRequestStatus::Granted => i18n.tr("toegekend", "granted"),
        AccessRequestStatus::Declined => i18n.tr("afgewezen", "declined"),
        AccessRequestStatus::Withdrawn => i18n.tr("ingetrokken", "withdrawn"),
        AccessRequestStatus::Expired => i18n.tr("verlopen", "expired"),
    }
}

/// The adviser's request: the open one, or the last answer and the form.
#[component]
pub fn RequestAccess() -> impl IntoView {
    let i18n = use_i18n();
    let ask = write(|request: &CreateAccessRequest| api::request_access(request.clone()));
    let withdraw = write(|id: &Uuid| api::withdraw_access_request(*id));
    let (asked, withdrawn) = (ask.saved(), withdraw.saved());
    let mine = LocalResource::new(move || {
        asked.track();
        withdrawn.track();
        api::my_access_requests()
    });
    view! {
        <div class="section" id="access-request">
            <h2>{i18n.t("Toegang aanvragen", "Request access")}</h2>
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(mine) => view! { <Mine mine ask withdraw /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Mine(
    mine: MyAccessRequestsResponse,
    ask: Write<CreateAccessRequest, AccessRequestResponse>,
    withdraw: Write<Uuid, AccessRequestResponse>,
) -> impl IntoView {
    let rights = StoredValue::new(mine.rights.clone());
    let open = mine
        .requests
        .iter()
        .find(|r| r.status == AccessRequestStatus::Open)
        .cloned();
    match open {
        Some(request) => view! { <OpenRequest request rights withdraw /> }.into_any(),
        None => {
            let last = mine.requests.first().cloned();
            let catalogue = StoredValue::new(Catalogue {
                portfolios: mine.portfolios,
                rights: mine.rights,
            });
            view! {
                {last.map(|request| view! { <LastAnswer request rights /> })}
                <AskForm catalogue ask />
            }
            .into_any()
        }
    }
}

#[component]
fn OpenRequest(
    request: AccessRequestResponse,
    rights: StoredValue<Vec<RightResponse>>,
    withdraw: Write<Uuid, AccessRequestResponse>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = request.id;
    let pending = withdraw.pending();
    let error = withdraw.failure();
    let asked = request.requested.clone();
    let (created, expires) = (request.created_at, request.expires_at);
    view! {
        <div class="notice" id="access-request-open" role="status">
            <p>
                {move || format!(
                    "{} {} {}",
                    i18n.tr("Uw verzoek van", "Your request of"),
                    i18n.time(created),
                    i18n.tr(
                        "wacht op antwoord van de gebruikersbeheerder van uw kantoor.",
                        "is waiting for an answer from your office's user administrator.",
                    ),
                )}
            </p>
            <p id="access-requested">{move || rights.with_value(|c| rights_text(i18n, c, &asked))}</p>
            <p class="hint">{move || format!("{} {}", i18n.tr("Zonder antwoord vervalt het op", "Without an answer it expires on"), i18n.time(expires))}</p>
            <MaybeError error />
            <button type="button" class="secondary" id="access-withdraw" disabled=move || pending.get() on:click=move |_| withdraw.start(id)>
                {i18n.t("Verzoek intrekken", "Withdraw the request")}
            </button>
        </div>
    }
}

/// The answer to the last request (granted, declined, withdrawn or expired).
#[component]
fn LastAnswer(
    request: AccessRequestResponse,
    rights: StoredValue<Vec<RightResponse>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = request.status;
    let at = request.decided_at.unwrap_or(request.expires_at);
    let granted = request.granted.clone();
    let class = if status == AccessRequestStatus::Granted {
        "notice ok"
    } else {
        "notice warn"
    };
    view! {
        <div class=class id="access-request-last" data-status=status.as_str()>
            <p>
                {move || format!(
                    "{} {} {}.",
                    i18n.tr("Uw vorige verzoek is", "Your last request was"),
                    status_text(i18n, status),
                    format_args!("({})", i18n.time(at)),
                )}
            </p>
            {request.reason.clone().map(|reason| view! {
                <p>{i18n.t("Reden: ", "Reason: ")}<q id="access-request-reason">{reason}</q></p>
            })}
            {(!granted.is_empty()).then(|| view! {
                <p>{move || rights.with_value(|c| rights_text(i18n, c, &granted))}</p>
            })}
        </div>
    }
}

#[component]
fn AskForm(
    catalogue: StoredValue<Catalogue>,
    ask: Write<CreateAccessRequest, AccessRequestResponse>,
) -> impl IntoView {
    let i18n = use_i18n();
    let selected = RwSignal::new(Vec::<(Uuid, String)>::new());
    let note = RwSignal::new(String::new());
    let pending = ask.pending();
    let error = ask.failure();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = note.get_untracked();
        ask.start(CreateAccessRequest {
            rights: grants(&selected.get_untracked()),
            note: (!text.trim().is_empty()).then_some(text),
        });
    };
    view! {
        <form id="access-form" on:submit=on_submit>
            <p>{i18n.t(
                "Kies de rechten die u nodig heeft. De gebruikersbeheerders van uw kantoor krijgen een e-mail en kunnen ze toekennen.",
                "Choose the rights you need. Your office's user administrators get an e-mail and can grant them.",
            )}</p>
            <MaybeError error />
            <RightsMatrix catalogue selected prefix="ask" />
            <div class="field">
                <label for="access-note">{i18n.t("Toelichting (optioneel)", "Note (optional)")}</label>
                <textarea id="access-note" rows="3" maxlength="500" bind:value=note></textarea>
            </div>
            <Submit id="access-submit" label=i18n.s("Toegang aanvragen", "Request access") pending />
        </form>
    }
}

/// An administrator's answer to a request.
#[derive(Clone)]
pub enum Answer {
    Grant(Vec<RightsGrant>),
    Decline(String),
}

/// The answer write, made by the `/beheer` page so that its badge reloads after each answer.
pub fn answer_write() -> ItemWrite<Answer, AccessRequestResponse> {
    ItemWrite::new(|id, answer: &Answer| {
        let answer = answer.clone();
        async move {
            match answer {
                Answer::Grant(rights) => api::office_grant_access(id, rights).await,
                Answer::Decline(reason) => api::office_decline_access(id, reason).await,
            }
        }
    })
}

/// The office's requests: the open ones (`open`, loaded by the page for its badge) to answer,
/// and the answered ones.
#[component]
pub fn OfficeAccessRequests(
    catalogue: StoredValue<Catalogue>,
    open: LocalResource<Result<AccessRequestListResponse, ApiError>>,
    answer: ItemWrite<Answer, AccessRequestResponse>,
) -> impl IntoView {
    let i18n = use_i18n();
    let answered = answer.write.saved();
    let closed = LocalResource::new(move || {
        answered.track();
        api::office_access_requests(AccessRequestFilter::Closed, 0)
    });
    view! {
        <div class="section" id="access-requests-section">
            <h2>{i18n.t("Open verzoeken om toegang", "Open access requests")}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match open.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) if list.requests.is_empty() => view! {
                            <p id="access-requests-none">{i18n.t("Er zijn geen open verzoeken.", "There are no open requests.")}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="access-requests" id="access-request-list">
                                {list.requests.into_iter().map(|request| view! { <RequestItem request catalogue answer /> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
            <h2>{i18n.t("Afgehandelde verzoeken", "Closed requests")}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match closed.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) if list.requests.is_empty() => view! {
                            <p id="access-closed-none">{i18n.t("Nog geen.", "None yet.")}</p>
                        }.into_any(),
                        Ok(list) => {
                            let rights = StoredValue::new(catalogue.with_value(|c| c.rights.clone()));
                            view! {
                                <ul class="access-requests closed" id="access-closed-list">
                                    {list.requests.into_iter().map(|r| view! { <ClosedItem request=r rights /> }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

fn id_of(email: &str) -> String {
    email.replace(['@', '.'], "-")
}

#[component]
fn RequestItem(
    request: AccessRequestResponse,
    catalogue: StoredValue<Catalogue>,
    answer: ItemWrite<Answer, AccessRequestResponse>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = request.id;
    let key = id_of(&request.account_email);
    let asked: Vec<(Uuid, String)> = request
        .requested
        .iter()
        .flat_map(|p| p.rights.iter().map(move |r| (p.portfolio_id, r.clone())))
        .collect();
    let selected = RwSignal::new(asked);
    let reason = RwSignal::new(String::new());
    let pending = answer.pending();
    let error = answer.failure_for(id);
    let requested = request.requested.clone();
    let (created, expires) = (request.created_at, request.expires_at);
    let grant = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        answer.start(id, Answer::Grant(grants(&selected.get_untracked())));
    };
    let decline = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        answer.start(id, Answer::Decline(reason.get_untracked()));
    };
    let reason_id = format!("decline-reason-{key}");
    view! {
        <li class="access-request" id=format!("access-request-{key}")>
            <p><strong>{request.account_name.clone()}</strong>" · "{request.account_email.clone()}</p>
            <p class="hint">{move || format!(
                "{} {} · {} {}",
                i18n.tr("Gevraagd", "Asked"),
                i18n.time(created),
                i18n.tr("vervalt", "expires"),
                i18n.time(expires),
            )}</p>
            <p class="asked">{move || catalogue.with_value(|c| rights_text(i18n, &c.rights, &requested))}</p>
            {request.note.clone().map(|note| view! { <p class="note">{i18n.t("Toelichting: ", "Note: ")}<q>{note}</q></p> })}
            <MaybeError error />
            <form class="grant" id=format!("grant-form-{key}") on:submit=grant>
                <RightsMatrix catalogue selected prefix=format!("grant-{key}") />
                <Submit id=format!("grant-{key}") label=i18n.s("Toekennen", "Grant") pending />
            </form>
            <form class="decline" id=format!("decline-form-{key}") on:submit=decline>
                <div class="field">
                    <label for=reason_id.clone()>{i18n.t("Reden van afwijzen", "Reason for declining")}</label>
                    <textarea id=reason_id rows="2" maxlength="500" required=true bind:value=reason></textarea>
                </div>
                <button type="submit" class="secondary" id=format!("decline-{key}") disabled=move || pending.get()>{i18n.t("Afwijzen", "Decline")}</button>
            </form>
        </li>
    }
}

#[component]
fn ClosedItem(
    request: AccessRequestResponse,
    rights: StoredValue<Vec<RightResponse>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = request.status;
    let at = request.decided_at.unwrap_or(request.expires_at);
    let shown = if status == AccessRequestStatus::Granted {
        request.granted.clone()
    } else {
        request.requested.clone()
    };
    let by = request.decided_by_name.clone();
    view! {
        <li class="access-request" data-status=status.as_str() id=format!("closed-{}", request.id)>
            <p>
                <strong>{request.account_name.clone()}</strong>" · "
                <span class="status">{move || status_text(i18n, status)}</span>" · "
                {move || i18n.time(at)}
                {by.map(|n| format!(" ({n})"))}
            </p>
            <p>{move || rights.with_value(|c| rights_text(i18n, c, &shown))}</p>
            {request.reason.clone().map(|reason| view! { <p>{i18n.t("Reden: ", "Reason: ")}<q>{reason}</q></p> })}
        </li>
    }
}

//! An adviser who changes office. The relations team's tab of open move requests (move, or
//! decline with a reason) and the move in an account's detail (to the office with a KvK
//! number); the office administrator's question to the relations team when an invitation is
//! refused because the address belongs to another office.

use leptos::prelude::*;
use poort_shared::dto::{AccountDetailResponse, MoveRequestResponse};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, ItemWrite, MaybeError, Write, WriteExt, write};
use crate::i18n::use_i18n;

/// Under the invite form's `email_taken`: ask the relations team to move that person here.
#[component]
pub fn AskMove(email: String) -> impl IntoView {
    let i18n = use_i18n();
    let ask = write(|email: &String| api::office_request_move(email.clone()));
    let asked = ask.saved();
    let pending = ask.pending();
    let error = ask.failure();
    view! {
        <div class="notice" id="ask-move-section">
            <p>{i18n.t(
                "Werkt deze persoon nu bij uw kantoor? Team Relatiebeheer kan het account naar uw kantoor verhuizen; de persoon houdt dan zijn inlogmethoden.",
                "Does this person work at your office now? Team Relatiebeheer can move the account to your office; the person keeps their sign-in methods.",
            )}</p>
            <MaybeError error />
            <Show
                when=move || asked.get() == 0
                fallback=move || view! {
                    <p class="notice ok" id="move-requested" role="status">{i18n.t(
                        "Uw verzoek is naar Team Relatiebeheer gestuurd.",
                        "Your request has been sent to Team Relatiebeheer.",
                    )}</p>
                }
            >
                <button type="button" class="secondary" id="ask-move" disabled=move || pending.get() on:click={
                    let email = email.clone();
                    move |_| ask.start(email.clone())
                }>
                    {i18n.t("Vraag Team Relatiebeheer om deze persoon te verhuizen", "Ask Team Relatiebeheer to move this person")}
                </button>
            </Show>
        </div>
    }
}

/// The relations team's answer to a move request.
#[derive(Clone)]
enum Answer {
    /// Move the account into the office that asked.
    Move(Uuid, Uuid),
    Decline(String),
}

/// The open move requests of every office, oldest first.
#[component]
pub fn MoveRequests() -> impl IntoView {
    let i18n = use_i18n();
    let answer = ItemWrite::new(|id, answer: &Answer| {
        let answer = answer.clone();
        async move {
            match answer {
                Answer::Move(account, office) => {
                    api::operator_move_account(account, office).await?;
                }
                Answer::Decline(reason) => {
                    api::operator_decline_move(id, reason).await?;
                }
            }
            Ok(())
        }
    });
    let answered = answer.write.saved();
    let requests = LocalResource::new(move || {
        answered.track();
        api::operator_move_requests()
    });
    view! {
        <div class="section" id="move-requests-section">
            <h2>{i18n.t("Verhuisverzoeken van kantoren", "Offices' move requests")}</h2>
            <p class="hint">{i18n.t(
                "Een kantoor vraagt een persoon van een ander kantoor over te nemen. Verhuizen behoudt de inlogmethoden; de rechten van het oude kantoor vervallen.",
                "An office asks to take over a person of another office. Moving keeps the sign-in methods; the old office's rights end.",
            )}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match requests.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) if list.requests.is_empty() => view! {
                            <p id="move-requests-none">{i18n.t("Er zijn geen open verhuisverzoeken.", "There are no open move requests.")}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="move-requests" id="move-request-list">
                                {list.requests.into_iter().map(|request| view! { <MoveRequestItem request answer /> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn MoveRequestItem(request: MoveRequestResponse, answer: ItemWrite<Answer, ()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = request.id;
    let key = request.account_email.replace(['@', '.'], "-");
    let reason = RwSignal::new(String::new());
    let pending = answer.pending();
    let error = answer.failure_for(id);
    let (account, office) = (request.account_id, request.to_office_id);
    let created = request.created_at;
    let decline = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        answer.start(id, Answer::Decline(reason.get_untracked()));
    };
    let reason_id = format!("move-reason-{key}");
    let (from, to) = (
        request.from_office_name.clone(),
        request.to_office_name.clone(),
    );
    let by = request.requested_by_name.clone();
    view! {
        <li class="move-request" id=format!("move-request-{key}")>
            <p><strong>{request.account_name.clone()}</strong>" · "{request.account_email.clone()}</p>
            <p>{move || format!(
                "{from} → {to}{} · {}",
                by.as_ref().map(|b| format!(" ({b})")).unwrap_or_default(),
                i18n.time(created),
            )}</p>
            {request.note.clone().map(|note| view! { <p class="note">{i18n.t("Toelichting: ", "Note: ")}<q>{note}</q></p> })}
            <MaybeError error />
            <button type="button" id=format!("move-{key}") disabled=move || pending.get() on:click=move |_| answer.start(id, Answer::Move(account, office))>
                {i18n.t("Verhuizen", "Move")}
            </button>
            <form class="decline" id=format!("move-decline-form-{key}") on:submit=decline>
                <div class="field">
                    <label for=reason_id.clone()>{i18n.t("Reden van afwijzen", "Reason for declining")}</label>
                    <textarea id=reason_id rows="2" maxlength="500" required=true bind:value=reason></textarea>
                </div>
                <button type="submit" class="secondary" id=format!("move-decline-{key}") disabled=move || pending.get()>{i18n.t("Afwijzen", "Decline")}</button>
            </form>
        </li>
    }
}

/// The move write of an account's detail: the account and the new office's KvK number.
pub type MoveWrite = Write<(Uuid, String), AccountDetailResponse>;

pub fn move_write() -> MoveWrite {
    write(|(id, kvk): &(Uuid, String)| api::operator_move_account_to_kvk(*id, kvk.clone()))
}

/// In an account's detail: move it to the office with this KvK number.
#[component]
pub fn MoveAccount(id: Uuid, moving: MoveWrite) -> impl IntoView {
    let i18n = use_i18n();
    let kvk = RwSignal::new(String::new());
    let pending = moving.pending();
    let error: Signal<Option<ApiError>> = moving.failure();
    let done = RwSignal::new(None::<String>);
    moving.on_success(move |detail| {
        done.set(detail.account.office_name.clone());
        kvk.set(String::new());
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(None);
        moving.start((id, kvk.get_untracked()));
    };
    view! {
        <form id="move-form" class="section" on:submit=on_submit>
            <h3>{i18n.t("Naar een ander kantoor verhuizen", "Move to another office")}</h3>
            <p class="hint">{i18n.t(
                "De persoon houdt wachtwoord, app, mobiel nummer en passkeys; de rechten en de beheerdersrol van het oude kantoor vervallen, sessies worden beëindigd. Beide kantoren krijgen een e-mail.",
                "The person keeps password, app, mobile number and passkeys; the old office's rights and administrator role end, sessions are ended. Both offices get an e-mail.",
            )}</p>
            <MaybeError error />
            {move || done.get().map(|office| view! {
                <p class="notice ok" id="account-moved" role="status">{i18n.t("Verhuisd naar ", "Moved to ")}{office}</p>
            })}
            <div class="field">
                <label for="move-kvk">{i18n.t("KvK-nummer van het nieuwe kantoor", "KvK number of the new office")}</label>
                <input id="move-kvk" inputmode="numeric" autocomplete="off" required=true bind:value=kvk />
            </div>
            <button type="submit" class="secondary" id="move-submit" disabled=move || pending.get()>{i18n.t("Verhuizen", "Move")}</button>
        </form>
    }
}

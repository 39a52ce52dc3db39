//! Periodic access reviews. The office administrator's tab of `/beheer`: the due date and how
//! much is left, every account's rights per portfolio marked confirmed or not, *behouden* per
//! account and *alles behouden* per portfolio, changing (the accounts tab, found by address) or
//! deactivating, and the completed reviews. The relations team's tab of offices whose review is
//! overdue or due soon, and an office page's summary with its history.

use leptos::prelude::*;
use poort_shared::dto::{
    AccessReviewRecord, AccessReviewResponse, AccessReviewState, ConfirmReviewRequest,
    RightResponse,
};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, ItemWrite, MaybeError, WriteExt};
use crate::i18n::{I18n, use_i18n};
use crate::pages::office_admin::right_label;

fn state_text(i18n: I18n, state: AccessReviewState) -> &'static str {
    match state {
        AccessReviewState::OnTime => i18n.tr("op tijd", "on time"),
        AccessReviewState::DueSoon => i18n.tr("binnenkort", "due soon"),
        AccessReviewState::Overdue => i18n.tr("te laat", "overdue"),
    }
}

fn key(email: &str) -> String {
    email.replace(['@', '.'], "-")
}

#[component]
fn History(history: Vec<AccessReviewRecord>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h3>{i18n.t("Eerdere herbeoordelingen", "Earlier reviews")}</h3>
        {if history.is_empty() {
            view! { <p id="review-history-none">{i18n.t("Nog geen.", "None yet.")}</p> }.into_any()
        } else {
            view! {
                <ul id="review-history">
                    {history.into_iter().map(|r| view! {
                        <li>{move || format!(
                            "{} {} · {} {}{}{}",
                            i18n.tr("Afgerond", "Completed"),
                            i18n.time(r.completed_at),
                            r.confirmed,
                            i18n.tr("bevestigd", "confirmed"),
                            if r.deactivated > 0 {
                                format!(" · {} {}", r.deactivated, i18n.tr("gedeactiveerd", "deactivated"))
                            } else {
                                String::new()
                            },
                            r.completed_by_name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default(),
                        )}</li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

/// What the administrator does to one account (or portfolio) in the review.
#[derive(Clone, Copy)]
enum Decision {
    Keep(ConfirmTarget),
    Deactivate,
}

#[derive(Clone, Copy)]
enum ConfirmTarget {
    Account,
    Portfolio,
}

/// The office administrator's review.
#[component]
pub fn OfficeReview() -> impl IntoView {
    let i18n = use_i18n();
    let decide = ItemWrite::new(|id, decision: &Decision| {
        let decision = *decision;
        async move {
            match decision {
                Decision::Keep(ConfirmTarget::Account) => {
                    api::office_confirm_review(ConfirmReviewRequest {
                        account_id: Some(id),
                        portfolio_id: None,
                    })
                    .await?;
                }
                Decision::Keep(ConfirmTarget::Portfolio) => {
                    api::office_confirm_review(ConfirmReviewRequest {
                        account_id: None,
                        portfolio_id: Some(id),
                    })
                    .await?;
                }
                Decision::Deactivate => {
                    api::office_set_active(id, false).await?;
                }
            }
            Ok::<(), ApiError>(())
        }
    });
    let decided = decide.write.saved();
    let review = LocalResource::new(move || {
        decided.track();
        api::office_access_review()
    });
    let catalogue =
        LocalResource::new(|| async { api::rights_catalogue().await.map(|c| c.rights) });
    view! {
        <div class="section" id="review-section">
            <h2>{i18n.t("Herbeoordeling van rechten", "Access review")}</h2>
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match (review.await, catalogue.await) {
                        (Err(e), _) | (_, Err(e)) => view! { <ErrorNotice error=e /> }.into_any(),
                        (Ok(review), Ok(rights)) => view! { <ReviewBody review rights decide /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ReviewBody(
    review: AccessReviewResponse,
    rights: Vec<RightResponse>,
    decide: ItemWrite<Decision, ()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let rights = StoredValue::new(rights);
    let (state, due, pending) = (review.state, review.due_at, review.pending);
    let class = match state {
        AccessReviewState::OnTime => "notice",
        AccessReviewState::DueSoon => "notice warn",
        AccessReviewState::Overdue => "notice error",
    };
    // The portfolios with something left to confirm, for "keep all".
    let mut open_portfolios: Vec<(Uuid, String)> = Vec::new();
    for a in &review.accounts {
        for p in a.portfolios.iter().filter(|p| !p.settled) {
            if !open_portfolios.iter().any(|(id, _)| *id == p.portfolio_id) {
                open_portfolios.push((
                    p.portfolio_id,
                    format!("{} {}", p.agency_number, p.portfolio_name),
                ));
            }
        }
    }
    let pending_write = decide.pending();
    let error = decide.write.failure();
    view! {
        <p class=class id="review-state" data-state=state.as_str()>
            {move || format!(
                "{} {} ({}) · {} {}",
                i18n.tr("Uiterlijk", "Due"),
                i18n.time(due),
                state_text(i18n, state),
                pending,
                i18n.tr("nog te bevestigen", "left to confirm"),
            )}
        </p>
        <p class="hint">{i18n.t(
            "Bevestig per account of per portefeuille dat de rechten nog kloppen. Wijzigen of deactiveren telt ook als beoordeeld.",
            "Confirm per account or per portfolio that the rights are still right. Changing or deactivating counts as reviewed too.",
        )}</p>
        <MaybeError error />
        {(!open_portfolios.is_empty()).then(|| view! {
            <p class="actions">
                {open_portfolios.into_iter().map(|(id, label)| view! {
                    <button type="button" class="secondary" id=format!("keep-all-{id}") disabled=move || pending_write.get()
                        on:click=move |_| decide.start(id, Decision::Keep(ConfirmTarget::Portfolio))>
                        {move || format!("{} {}", i18n.tr("Alles behouden op", "Keep all on"), label)}
                    </button>
                    " "
                }).collect_view()}
            </p>
        })}
        <div class="table-wrap">
            <table class="cards" id="review-table">
                <thead><tr>
                    <th>{i18n.t("Naam", "Name")}</th>
                    <th>{i18n.t("Rechten", "Rights")}</th>
                    <th>{i18n.t("Beoordeling", "Review")}</th>
                </tr></thead>
                <tbody>
                    {review.accounts.into_iter().map(|a| {
                        let id = a.account_id;
                        let k = key(&a.email);
                        let settled = a.settled;
                        let change = format!("/beheer?tab=accounts&q={}", a.email);
                        let portfolios = a.portfolios.clone();
                        view! {
                            <tr id=format!("review-{k}") data-settled=settled.to_string()>
                                <td data-label=i18n.t("Naam", "Name")>{a.name.clone()}<br /><span class="hint">{a.email.clone()}</span></td>
                                <td data-label=i18n.t("Rechten", "Rights")>
                                    <ul class="plain">
                                        {portfolios.into_iter().map(|p| {
                                            let codes = p.rights.clone();
                                            let labels = move || rights.with_value(|c| codes.iter().map(|code| right_label(i18n, c, code)).collect::<Vec<_>>().join(", "));
                                            view! {
                                                <li data-settled=p.settled.to_string()>
                                                    <strong>{p.agency_number.clone()}</strong>" "{labels}
                                                    {move || if p.settled { " ✓" } else { "" }}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </td>
                                <td data-label=i18n.t("Beoordeling", "Review")>
                                    {if settled {
                                        view! { <span class="status">{i18n.t("bevestigd", "confirmed")}</span> }.into_any()
                                    } else {
                                        view! {
                                            <button type="button" id=format!("keep-{k}") disabled=move || pending_write.get()
                                                on:click=move |_| decide.start(id, Decision::Keep(ConfirmTarget::Account))>{i18n.t("Behouden", "Keep")}</button>
                                            " "
                                            <a href=change.clone() id=format!("change-{k}")>{i18n.t("Wijzigen", "Change")}</a>
                                            " "
                                            <button type="button" class="danger" id=format!("deactivate-{k}") disabled=move || pending_write.get()
                                                on:click=move |_| decide.start(id, Decision::Deactivate)>{i18n.t("Deactiveren", "Deactivate")}</button>
                                        }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <History history=review.history />
    }
}

/// The relations team's list of offices whose review is overdue or due soon.
#[component]
pub fn DueReviews() -> impl IntoView {
    let i18n = use_i18n();
    let list = LocalResource::new(api::operator_access_reviews);
    view! {
        <div class="section" id="due-reviews-section">
            <h2>{i18n.t("Herbeoordelingen te laat of binnenkort", "Access reviews overdue or due soon")}</h2>
            <Transition fallback=|| view! { <div class="table-wrap placeholder"></div> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) if list.offices.is_empty() => view! {
                            <p id="due-reviews-none">{i18n.t("Alle kantoren zijn op tijd.", "Every office is on time.")}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="cards" id="due-reviews-table">
                                    <thead><tr>
                                        <th>{i18n.t("Kantoor", "Office")}</th>
                                        <th>{i18n.t("Uiterlijk", "Due")}</th>
                                        <th>{i18n.t("Stand", "State")}</th>
                                        <th>{i18n.t("Vorige", "Last")}</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.offices.into_iter().map(|o| view! {
                                            <tr data-state=o.state.as_str()>
                                                <td data-label=i18n.t("Kantoor", "Office")><a href=format!("/relatiebeheer/kantoren/{}", o.office_id)>{o.office_name.clone()}</a>" · "{o.kvk_number.clone()}</td>
                                                <td data-label=i18n.t("Uiterlijk", "Due")>{move || i18n.time(o.due_at)}</td>
                                                <td data-label=i18n.t("Stand", "State")>{move || state_text(i18n, o.state)}</td>
                                                <td data-label=i18n.t("Vorige", "Last")>{move || o.last_completed_at.map(|t| i18n.time(t)).unwrap_or_else(|| "—".into())}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// An office's review as the relations team sees it on the office's page.
#[component]
pub fn OfficeReviewSummary(id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let review = LocalResource::new(move || api::operator_office_review(id));
    view! {
        <div class="section" id="office-review">
            <h2>{i18n.t("Herbeoordeling van rechten", "Access review")}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match review.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(r) => {
                            let (state, due, pending) = (r.state, r.due_at, r.pending);
                            view! {
                                <p id="office-review-state" data-state=state.as_str()>{move || format!(
                                    "{} {} ({}) · {} {}",
                                    i18n.tr("Uiterlijk", "Due"),
                                    i18n.time(due),
                                    state_text(i18n, state),
                                    pending,
                                    i18n.tr("nog te bevestigen", "left to confirm"),
                                )}</p>
                                <History history=r.history />
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

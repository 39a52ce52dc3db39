//! An adviser who changes office. The relations team moves the account: the person keeps
//! their sign-in (password, authenticator, mobile number, passkeys; the eHerkenning link only
//! when it names the new office's company), loses every right of the old office and an
//! administrator role there, and their sessions, open access requests and open move requests
//! end; the person and both offices' administrators get an e-mail, and the new office's
//! administrator grants rights. An office's administrator whose invitation was refused with
//! `email_taken` can ask the relations team for such a move without learning which office the
//! address belongs to. The rules are in `domain::account` (`may_move`, `moved`).

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccountDetailResponse, AuditAction, CreateMoveRequest, MoveRequestListResponse,
    MoveRequestResponse, MoveRequestStatus, Role,
};
use poort_shared::validate::{Email, parse_note, parse_reason};
use serde_json::json;
use uuid::Uuid;

use super::accounts::{describe_one, keep_an_admin};
use super::invitations::list_for_account;
use crate::auth::principal::Actor;
use crate::domain::account::{may_move, moved};
use crate::domain::move_request::MoveRequest;
use crate::domain::{Limit, Scope, listing};
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;
use crate::store::move_requests::DescribedMoveRequest;

/// Moves account `id` into office `to` (the relations team).
pub async fn move_account(
    state: &AppState,
    by: &Actor<'_>,
    id: Uuid,
    to: Uuid,
) -> Result<AccountDetailResponse, ApiError> {
    if by.id == Some(id) {
        return Err(ErrorCode::CannotTargetSelf.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = tx
        .lock_account(id)
        .await?
        .filter(|a| Scope::All.may_manage(a))
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    may_move(&account, to)?;
    let from = account
        .office_id
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    let office = tx
        .get_office(to)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    let old_office = tx.get_office(from).await?;
    keep_an_admin(tx.as_mut(), &account).await?;
    let link = tx.ehk_link_of(account.id).await?;
    let there = moved(
        &account,
        to,
        &office.kvk_number,
        link.as_ref().map(|l| l.legal_subject.as_str()),
    );
    let rights = tx.rights_of_account(account.id).await?;
    tx.replace_rights(account.id, &[], now).await?;
    tx.move_account(account.id, to, there.role, now).await?;
    let unlinked = account.ehk_pseudonym.is_some() && there.ehk_pseudonym.is_none();
    if unlinked {
        tx.set_ehk_link(account.id, None, now).await?;
    }
    let ended = tx.end_sessions_of_account(account.id, now).await?;
    let requests = tx.withdraw_access_requests_of(account.id, now).await?;
    // Open move requests: the one of the new office is done; other offices' are declined, and
    // whoever asked is told (without naming the office the person went to).
    let mut mails = Vec::new();
    for mut request in tx.open_move_requests_of(account.id).await? {
        if request.to_office_id == to {
            request.moved(by.id, now)?;
        } else {
            request.decline(by.id, "moved to another office".into(), now)?;
            if let Some(requester) = match request.requested_by {
                Some(rid) => tx.get_account(rid).await?,
                None => None,
            } {
                mails.push(messages::move_declined(
                    &state.settings,
                    requester.email.as_str(),
                    &requester.name,
                    &account.name,
                    "Deze persoon is naar een ander kantoor verhuisd. / This person moved to another office.",
                ));
            }
            tx.audit(
                &by.audit(
                    AuditAction::MoveRequestDeclined,
                    None,
                    Some(request.to_office_id),
                    json!({ "move_request_id": request.id }),
                ),
                now,
            )
            .await?;
        }
        tx.record_move_answer(&request).await?;
    }

    let old_name = old_office.map(|o| o.name).unwrap_or_default();
    mails.push(messages::moved_person(
        &state.settings,
        account.email.as_str(),
        &account.name,
        &old_name,
        &office.name,
        unlinked,
    ));
    for admin in tx.office_admins(from).await? {
        if admin.id != account.id {
            mails.push(messages::moved_away(
                &state.settings,
                admin.email.as_str(),
                &admin.name,
                &account.name,
            ));
        }
    }
    let link = format!("{}/beheer", state.public_url);
    for admin in tx.office_admins(to).await? {
        mails.push(messages::moved_in(
            &state.settings,
            admin.email.as_str(),
            &admin.name,
            &account.name,
            account.email.as_str(),
            &link,
        ));
    }
    tx.enqueue(&mails, now).await?;
    // The whole story for the relations team (no office); each office sees its own side only,
    // never the other office.
    let entries = [
        (
            None,
            json!({
                "from_office_id": from,
                "to_office_id": to,
                "was_administrator": account.role == Role::OfficeAdmin,
                "rights_removed": rights.len(),
                "sessions_ended": ended,
                "access_requests_withdrawn": requests,
                "eherkenning_unlinked": unlinked,
            }),
        ),
        (
            Some(from),
            json!({ "moved": "out", "rights_removed": rights.len(), "sessions_ended": ended }),
        ),
        (Some(to), json!({ "moved": "in" })),
    ];
    for (office_id, details) in entries {
        tx.audit(
            &by.audit(
                AuditAction::AccountMoved,
                Some(account.id),
                office_id,
                details,
            ),
            now,
        )
        .await?;
    }
    let response = AccountDetailResponse {
        account: describe_one(tx.as_mut(), &there).await?,
        invitations: list_for_account(tx.as_mut(), &there, now).await?,
    };
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(response)
}

/// An office's administrator asks the relations team to move the person with this address into
/// their office. Answered the same whether a request was made now or was open already; the
/// office the person is in is never named.
pub async fn request_move(
    state: &AppState,
    by: &Actor<'_>,
    office: Uuid,
    body: &CreateMoveRequest,
) -> Result<(), ApiError> {
    let email = Email::parse(&body.email)?;
    let note = match body.note.as_deref() {
        Some(note) => parse_note(note)?,
        None => None,
    };
    if let Some(ip) = by.client.ip.as_deref() {
        state.limit(Limit::InvitationsPerClient(ip)).await?;
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = tx
        .find_account_by_email(&email.key())
        .await?
        .filter(|a| a.role != Role::Operator)
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    let from = account
        .office_id
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    if from == office {
        return Err(ErrorCode::SameOffice.into());
    }
    let request = MoveRequest {
        id: crate::store::new_id(now),
        account_id: account.id,
        from_office_id: from,
        to_office_id: office,
        requested_by: by.id,
        note,
        status: MoveRequestStatus::Open,
        created_at: now,
        decided_at: None,
        decided_by: None,
        reason: None,
    };
    match tx.insert_move_request(&request).await {
        // Asked before and still open: nothing more to do.
        Err(crate::store::StoreError::Conflict) => return Ok(()),
        other => other?,
    }
    let asking = tx
        .get_office(office)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let requester = match by.id {
        Some(id) => tx.get_account(id).await?.map(|a| a.name),
        None => None,
    };
    tx.enqueue(
        &[messages::move_requested(
            &state.settings,
            &account.name,
            account.email.as_str(),
            &asking,
            requester.as_deref(),
            request.note.as_deref(),
            &format!("{}/relatiebeheer?tab=moves", state.public_url),
        )],
        now,
    )
    .await?;
    tx.audit(
        &by.audit(
            AuditAction::MoveRequestCreated,
            None,
            Some(office),
            json!({ "move_request_id": request.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}

fn response(d: DescribedMoveRequest) -> MoveRequestResponse {
    let r = d.request;
    MoveRequestResponse {
        id: r.id,
        account_id: r.account_id,
        account_name: d.account_name,
        account_email: d.account_email,
        from_office_id: r.from_office_id,
        from_office_name: d.from_office_name,
        to_office_id: r.to_office_id,
        to_office_name: d.to_office_name,
        requested_by_name: d.requested_by_name,
        note: r.note,
        status: r.status,
        created_at: r.created_at,
        decided_at: r.decided_at,
        reason: r.reason,
    }
}

/// The open move requests, oldest first (the relations team).
pub async fn open_requests(
    state: &AppState,
    offset: Option<i64>,
    limit: Option<i64>,
) -> Result<MoveRequestListResponse, ApiError> {
    let page = listing::DEAD_LETTERS
        .page(offset, limit)
        .map_err(ApiError::invalid_request)?;
    let mut tx = state.store.read().await?;
    let mut found = tx.open_move_requests(page.probe(), page.offset).await?;
    tx.commit().await?;
    let next_offset = page.next_offset(found.len());
    found.truncate(page.limit as usize);
    Ok(MoveRequestListResponse {
        requests: found.into_iter().map(response).collect(),
        next_offset,
    })
}

/// The relations team declines a move request; the administrator who asked gets the reason.
pub async fn decline(
    state: &AppState,
    by: &Actor<'_>,
    id: Uuid,
    reason: &str,
) -> Result<MoveRequestResponse, ApiError> {
    let reason = parse_reason(reason)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut request = tx
        .lock_move_request(id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    request.decline(by.id, reason, now)?;
    tx.record_move_answer(&request).await?;
    let described = tx
        .described_move_request(id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    if let Some(requester) = match request.requested_by {
        Some(rid) => tx.get_account(rid).await?,
        None => None,
    } {
        tx.enqueue(
            &[messages::move_declined(
                &state.settings,
                requester.email.as_str(),
                &requester.name,
                &described.account_name,
                request.reason.as_deref().unwrap_or_default(),
            )],
            now,
        )
        .await?;
    }
    tx.audit(
        &by.audit(
            AuditAction::MoveRequestDeclined,
            None,
            Some(request.to_office_id),
            json!({ "move_request_id": request.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(response(described))
}

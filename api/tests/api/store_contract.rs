//! The store contract per aggregate: every method of the store's traits, what it returns and
//! what it refuses, on SQLite and PostgreSQL (`contract.rs` has the outbox and transactions).

use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, Utc};
use poort_api::domain::invitation::{Activation, SetupToken};
use poort_api::domain::{
    Account, CodePurpose, Invitation, InvitationEvent, InvitationLink, InvitationState, Office,
    PasswordReset, Portfolio, Session, Setup, SignInAttempt, SignInStage, VerificationCode,
};
use poort_api::store::offices::OfficeListing;
use poort_api::store::{AuditFilter, AuditRecord, Store, StoreError, new_id};
use poort_shared::dto::{
    AccountStatus, AuditAction, InvitationEventKind, InvitationKind, OfficeSort, Role, SortOrder,
};
use poort_shared::validate::{AgencyNumber, Email, KvkNumber, MobileNumber};
use uuid::Uuid;

crate::on_both_databases!(
    offices_and_portfolios_are_stored_found_listed_and_unique,
    rights_are_replaced_whole_and_the_session_sees_renames,
    accounts_are_unique_by_address_and_found_and_listed,
    account_writes_change_only_what_they_name,
    password_history_keeps_the_last_ten_newest_first,
    deleting_an_account_forgets_what_identifies_the_person,
    invitations_keep_their_set_up_state_links_and_history,
    sessions_are_found_with_their_account_ended_and_touched,
    touches_that_arrive_together_each_write_their_own_session,
    sign_ins_and_reset_links_keep_their_stage,
    codes_are_replaced_and_consumed_and_wrong_ones_counted_per_purpose,
    the_audit_trail_is_read_newest_first_with_filters_and_pages,
    rate_limits_count_in_fixed_windows,
    reads_see_committed_writes_and_a_dropped_transaction_writes_nothing,
    passkeys_are_counted_on_their_account_and_challenges_taken_once,
);

/// Now, to the millisecond (what the database keeps).
fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::milliseconds(1))
        .unwrap()
}

fn office(name: &str, kvk: &str) -> Office {
    let at = now();
    Office {
        id: new_id(at),
        name: name.into(),
        kvk_number: KvkNumber::parse(kvk).unwrap(),
        created_at: at,
        updated_at: at,
    }
}

fn portfolio(office: Uuid, agency: &str) -> Portfolio {
    let at = now();
    Portfolio {
        id: new_id(at),
        office_id: office,
        agency_number: AgencyNumber::parse(agency).unwrap(),
        name: format!("Portefeuille {agency}"),
        created_at: at,
        updated_at: at,
    }
}

fn account(office: Option<Uuid>, email: &str, role: Role, status: AccountStatus) -> Account {
    let at = now();
    Account {
        id: new_id(at),
        office_id: office,
        role,
        email: Email::parse(email).unwrap(),
        name: format!("Naam {email}"),
        mobile: None,
        status,
        password_hash: None,
        password_changed_at: None,
        totp_secret: None,
        totp_last_step: None,
        pending_totp_secret: None,
        ehk_pseudonym: None,
        passkeys: 0,
        wrong_passwords: 0,
        wrong_codes: 0,
        deactivated_from: None,
        last_sign_in_at: None,
        created_at: at,
        updated_at: at,
    }
}

fn mobile(n: &str) -> MobileNumber {
    MobileNumber::parse(n).unwrap()
}

/// An office with two portfolios and an active adviser in it, committed.
async fn arrange(store: &Arc<dyn Store>) -> (Office, [Portfolio; 2], Account) {
    let o = office("Kantoor Arrange", "11112222");
    let p = [portfolio(o.id, "AR-2"), portfolio(o.id, "AR-1")];
    let a = account(
        Some(o.id),
        "arrange@kantoor.nl",
        Role::Adviser,
        AccountStatus::Active,
    );
    let mut tx = store.begin().await.unwrap();
    tx.insert_office(&o).await.unwrap();
    for p in &p {
        tx.insert_portfolio(p).await.unwrap();
    }
    tx.insert_account(&a).await.unwrap();
    tx.commit().await.unwrap();
    (o, p, a)
}

async fn get(store: &Arc<dyn Store>, id: Uuid) -> Account {
    let mut tx = store.read().await.unwrap();
    let a = tx.get_account(id).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    a
}

async fn offices_and_portfolios_are_stored_found_listed_and_unique(store: Arc<dyn Store>) {
    let mut tx = store.begin().await.unwrap();
    let mut a = office("Alfa 100% Advies", "10000001");
    let b = office("bravo advies", "20000002");
    tx.insert_office(&a).await.unwrap();
    tx.insert_office(&b).await.unwrap();
    tx.lock_office(a.id).await.unwrap();
    let p2 = portfolio(a.id, "AG-2");
    let p1 = portfolio(a.id, "AG-1");
    tx.insert_portfolio(&p2).await.unwrap();
    tx.insert_portfolio(&p1).await.unwrap();
    tx.insert_account(&account(
        Some(a.id),
        "x@alfa.nl",
        Role::Adviser,
        AccountStatus::Active,
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.get_office(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(tx.get_office(Uuid::nil()).await.unwrap(), None);
    let all = tx
        .list_offices(&OfficeListing::by_name(None, 10))
        .await
        .unwrap()
        .0;
    assert_eq!(
        all.iter()
            .map(|s| s.office.name.as_str())
            .collect::<Vec<_>>(),
        ["Alfa 100% Advies", "bravo advies"],
        "by name, case-insensitively"
    );
    assert_eq!((all[0].portfolio_count, all[0].account_count), (2, 1));
    assert_eq!(
        tx.list_offices(&OfficeListing::by_name(Some("BRAVO"), 10))
            .await
            .unwrap()
            .0
            .len(),
        1
    );
    assert_eq!(
        tx.list_offices(&OfficeListing::by_name(Some("2000"), 10))
            .await
            .unwrap()
            .0[0]
            .office
            .id,
        b.id
    );
    assert_eq!(
        tx.list_offices(&OfficeListing::by_name(Some("0%"), 10))
            .await
            .unwrap()
            .0
            .len(),
        1,
        "LIKE wildcards in the query are literal"
    );
    assert_eq!(
        tx.list_offices(&OfficeListing::by_name(None, 1))
            .await
            .unwrap(),
        (vec![all[0].clone()], 2),
        "one page, and how many there are in all"
    );
    // By an agency number of one of its portfolios, in any case.
    assert_eq!(
        tx.list_offices(&OfficeListing::by_name(Some("ag-1"), 10))
            .await
            .unwrap()
            .0[0]
            .office
            .id,
        a.id
    );
    // Every order asked, both ways; the second page holds what the first did not.
    for sort in OfficeSort::ALL {
        let up = OfficeListing {
            sort,
            ..OfficeListing::by_name(None, 10)
        };
        let down = OfficeListing {
            order: SortOrder::Desc,
            ..up
        };
        let (asc, _) = tx.list_offices(&up).await.unwrap();
        let (desc, _) = tx.list_offices(&down).await.unwrap();
        assert_eq!(asc.len(), 2, "{sort:?}");
        if sort != OfficeSort::AccountCount {
            assert_eq!(
                asc.iter().rev().collect::<Vec<_>>(),
                desc.iter().collect::<Vec<_>>(),
                "{sort:?}"
            );
        }
        let (second, total) = tx
            .list_offices(&OfficeListing {
                offset: 1,
                limit: 1,
                ..up
            })
            .await
            .unwrap();
        assert_eq!((second, total), (vec![asc[1].clone()], 2), "{sort:?}");
    }
    let by_accounts = OfficeListing {
        sort: OfficeSort::AccountCount,
        order: SortOrder::Desc,
        ..OfficeListing::by_name(None, 10)
    };
    assert_eq!(
        tx.list_offices(&by_accounts).await.unwrap().0[0].office.id,
        a.id,
        "the office with an account first"
    );
    assert_eq!(
        tx.list_offices(&OfficeListing::by_name(Some("niets"), 10))
            .await
            .unwrap(),
        (Vec::new(), 0)
    );
    let summary = tx.office_summary(b.id).await.unwrap().unwrap();
    assert_eq!(
        (
            summary.office,
            summary.portfolio_count,
            summary.account_count
        ),
        (b.clone(), 0, 0)
    );
    assert!(tx.office_summary(Uuid::nil()).await.unwrap().is_none());
    assert_eq!(
        tx.portfolios_of(a.id)
            .await
            .unwrap()
            .iter()
            .map(|p| p.agency_number.as_str())
            .collect::<Vec<_>>(),
        ["AG-1", "AG-2"],
        "by agency number"
    );
    assert_eq!(tx.get_portfolio(p2.id).await.unwrap(), Some(p2.clone()));
    assert_eq!(
        tx.rights_catalogue()
            .await
            .unwrap()
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>(),
        [
            "view_policies",
            "change_policies",
            "report_claims",
            "view_commission"
        ]
    );

    // Changes, and what uniqueness refuses.
    a.name = "Alfa Advies".into();
    a.kvk_number = KvkNumber::parse("10000009").unwrap();
    tx.update_office(&a).await.unwrap();
    assert_eq!(tx.get_office(a.id).await.unwrap(), Some(a.clone()));
    let mut renamed = p2.clone();
    renamed.agency_number = AgencyNumber::parse("AG-3").unwrap();
    tx.update_portfolio(&renamed).await.unwrap();
    assert_eq!(tx.get_portfolio(p2.id).await.unwrap(), Some(renamed));
    tx.commit().await.unwrap();

    for attempt in 0..4 {
        let mut tx = store.begin().await.unwrap();
        let refused = match attempt {
            0 => tx.insert_office(&office("Ander", "20000002")).await,
            1 => {
                tx.update_office(&Office {
                    kvk_number: b.kvk_number.clone(),
                    ..a.clone()
                })
                .await
            }
            2 => tx.insert_portfolio(&portfolio(b.id, "AG-1")).await,
            _ => {
                tx.update_portfolio(&Portfolio {
                    agency_number: AgencyNumber::parse("AG-1").unwrap(),
                    ..p2.clone()
                })
                .await
            }
        };
        assert!(
            matches!(refused, Err(StoreError::Conflict)),
            "attempt {attempt}: {refused:?}"
        );
    }
}

async fn rights_are_replaced_whole_and_the_session_sees_renames(store: Arc<dyn Store>) {
    let (o, [p2, p1], a) = arrange(&store).await;
    let b = account(
        Some(o.id),
        "b@kantoor.nl",
        Role::Adviser,
        AccountStatus::Active,
    );
    let token = [7u8; 32];
    let mut tx = store.begin().await.unwrap();
    tx.insert_account(&b).await.unwrap();
    tx.replace_rights(
        a.id,
        &[
            (p2.id, "report_claims".into()),
            (p2.id, "view_policies".into()),
            (p1.id, "view_commission".into()),
        ],
        now(),
    )
    .await
    .unwrap();
    tx.replace_rights(b.id, &[(p1.id, "view_policies".into())], now())
        .await
        .unwrap();
    tx.insert_session(&session(a.id), &token).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let rights = tx.rights_of_account(a.id).await.unwrap();
    assert_eq!(
        rights
            .iter()
            .map(|r| (r.agency_number.as_str(), r.right_code.as_str()))
            .collect::<Vec<_>>(),
        [
            ("AR-1", "view_commission"),
            ("AR-2", "view_policies"),
            ("AR-2", "report_claims")
        ],
        "by agency number, then catalogue order"
    );
    assert_eq!(tx.rights_in_office(o.id).await.unwrap().len(), 4);
    tx.commit().await.unwrap();

    // A whole new set, and a rename: the session's copy follows both.
    let mut tx = store.begin().await.unwrap();
    tx.replace_rights(a.id, &[(p2.id, "view_policies".into())], now())
        .await
        .unwrap();
    tx.update_portfolio(&Portfolio {
        name: "Hernoemd".into(),
        ..p2.clone()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let signed_in = store.find_session(&token).await.unwrap().unwrap();
    assert_eq!(signed_in.rights.len(), 1);
    assert_eq!(signed_in.rights[0].portfolio_name, "Hernoemd");
    assert_eq!(signed_in.office_name.as_deref(), Some("Kantoor Arrange"));
    let mut tx = store.begin().await.unwrap();
    tx.replace_rights(a.id, &[], now()).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        store
            .find_session(&token)
            .await
            .unwrap()
            .unwrap()
            .rights
            .is_empty()
    );
    let mut tx = store.read().await.unwrap();
    assert_eq!(
        tx.rights_of_account(b.id).await.unwrap().len(),
        1,
        "another account's rights stay"
    );
    tx.commit().await.unwrap();
}

async fn accounts_are_unique_by_address_and_found_and_listed(store: Arc<dyn Store>) {
    let (o, _, adviser) = arrange(&store).await;
    let mut admin = account(
        Some(o.id),
        "Beheer@Kantoor.nl",
        Role::OfficeAdmin,
        AccountStatus::Active,
    );
    admin.mobile = Some(mobile("0612345678"));
    let mut blocked = account(
        Some(o.id),
        "blocked@kantoor.nl",
        Role::Adviser,
        AccountStatus::Blocked,
    );
    blocked.mobile = Some(mobile("0612345678"));
    let mut invited = account(
        Some(o.id),
        "invited@kantoor.nl",
        Role::OfficeAdmin,
        AccountStatus::Invited,
    );
    invited.mobile = Some(mobile("0612345678"));
    let operator = account(
        None,
        "olga@verzekeraar.nl",
        Role::Operator,
        AccountStatus::Active,
    );
    let mut tx = store.begin().await.unwrap();
    for a in [&admin, &blocked, &invited, &operator] {
        tx.insert_account(a).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(
        matches!(
            tx.insert_account(&account(
                Some(o.id),
                "BEHEER@kantoor.nl",
                Role::Adviser,
                AccountStatus::Invited
            ))
            .await,
            Err(StoreError::Conflict)
        ),
        "addresses are unique whatever their case"
    );
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.get_account(admin.id).await.unwrap(), Some(admin.clone()));
    assert_eq!(
        tx.lock_account(admin.id).await.unwrap(),
        Some(admin.clone())
    );
    assert_eq!(tx.lock_account(Uuid::nil()).await.unwrap(), None);
    assert_eq!(
        tx.find_account_by_email("beheer@kantoor.nl")
            .await
            .unwrap()
            .map(|a| a.id),
        Some(admin.id)
    );
    assert_eq!(
        tx.find_account_by_email("nobody@kantoor.nl").await.unwrap(),
        None
    );
    let names = |list: Vec<Account>| {
        list.into_iter()
            .map(|a| a.email.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tx.list_accounts(Some(o.id), None, 10).await.unwrap().len(),
        4
    );
    assert_eq!(tx.list_accounts(None, None, 10).await.unwrap().len(), 5);
    assert_eq!(
        names(tx.list_accounts(None, Some("olga"), 10).await.unwrap()),
        ["olga@verzekeraar.nl"]
    );
    assert_eq!(
        names(
            tx.list_accounts(Some(o.id), Some("olga"), 10)
                .await
                .unwrap()
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        tx.list_accounts(None, Some("06-1234"), 10)
            .await
            .unwrap()
            .len(),
        3,
        "06… finds +316…"
    );
    assert_eq!(
        names(
            tx.list_accounts(None, Some("NAAM ARRANGE"), 10)
                .await
                .unwrap()
        ),
        [adviser.email.to_string()]
    );
    assert_eq!(tx.list_accounts(None, None, 2).await.unwrap().len(), 2);
    assert_eq!(
        names(tx.office_admins(o.id).await.unwrap()),
        ["Beheer@kantoor.nl"],
        "active ones only"
    );
    assert_eq!(tx.count_active_admins(o.id).await.unwrap(), 1);
    assert_eq!(tx.count_active_operators().await.unwrap(), 1);
    assert_eq!(
        names(
            tx.accounts_with_mobile(&mobile("+31612345678"))
                .await
                .unwrap()
        ),
        ["Beheer@kantoor.nl", "blocked@kantoor.nl"],
        "active and blocked accounts"
    );
    tx.commit().await.unwrap();
}

async fn account_writes_change_only_what_they_name(store: Arc<dyn Store>) {
    let (o, _, a) = arrange(&store).await;
    let t = now() + Duration::minutes(1);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.count_wrong_password(a.id).await.unwrap(), 1);
    assert_eq!(tx.count_wrong_password(a.id).await.unwrap(), 2);
    tx.set_mobile(a.id, Some(&mobile("0687654321")), t)
        .await
        .unwrap();
    tx.set_password(a.id, "hash-1", t).await.unwrap();
    tx.commit().await.unwrap();
    let after = get(&store, a.id).await;
    assert_eq!(
        after.wrong_passwords, 2,
        "a new password leaves the count to the caller"
    );
    assert_eq!(after.mobile, Some(mobile("0687654321")));
    assert_eq!(
        (after.password_hash.as_deref(), after.password_changed_at),
        (Some("hash-1"), Some(t))
    );
    assert_eq!(
        (after.status, after.role, after.name.as_str()),
        (a.status, a.role, a.name.as_str())
    );

    let t2 = t + Duration::minutes(1);
    let mut tx = store.begin().await.unwrap();
    tx.rehash_password(a.id, "hash-2").await.unwrap();
    tx.clear_wrong_passwords(a.id).await.unwrap();
    tx.set_status(a.id, AccountStatus::Blocked, t2)
        .await
        .unwrap();
    tx.set_role(a.id, Role::OfficeAdmin, t2).await.unwrap();
    tx.set_pending_totp(a.id, Some(&[9, 9]), t2).await.unwrap();
    tx.commit().await.unwrap();
    let after = get(&store, a.id).await;
    assert_eq!(
        (after.password_hash.as_deref(), after.password_changed_at),
        (Some("hash-2"), Some(t)),
        "a re-hash keeps the age"
    );
    assert_eq!(
        (after.wrong_passwords, after.status, after.role),
        (0, AccountStatus::Blocked, Role::OfficeAdmin)
    );
    assert_eq!(after.pending_totp_secret, Some(vec![9, 9]));
    assert_eq!(after.updated_at, t2);

    // The authenticator: replaced (the waiting one goes), its step claimed once.
    let mut tx = store.begin().await.unwrap();
    tx.set_totp(a.id, Some((&[1, 2, 3], 100)), t2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(
        !tx.claim_totp_step(a.id, 100).await.unwrap(),
        "a step is accepted once"
    );
    assert!(tx.claim_totp_step(a.id, 101).await.unwrap());
    assert!(
        !tx.claim_totp_step(a.id, 100).await.unwrap(),
        "never an older one"
    );
    tx.set_totp_step(a.id, 105).await.unwrap();
    tx.count_wrong_password(a.id).await.unwrap();
    tx.record_sign_in(a.id, t2, None).await.unwrap();
    tx.commit().await.unwrap();
    let after = get(&store, a.id).await;
    assert_eq!(
        (
            after.totp_secret,
            after.totp_last_step,
            after.pending_totp_secret
        ),
        (Some(vec![1, 2, 3]), Some(105), None)
    );
    assert_eq!(
        (after.last_sign_in_at, after.wrong_passwords),
        (Some(t2), 0),
        "a sign-in ends a run of wrong passwords"
    );
    let mut tx = store.begin().await.unwrap();
    tx.record_sign_in(a.id, t2, Some(110)).await.unwrap();
    tx.set_totp(Uuid::nil(), None, t2).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(get(&store, a.id).await.totp_last_step, Some(110));

    // A reset of the set-up, a finished set-up, an invitation again.
    let mut tx = store.begin().await.unwrap();
    tx.clear_sign_in_set_up(a.id, t2).await.unwrap();
    tx.commit().await.unwrap();
    let reset = get(&store, a.id).await;
    assert_eq!(reset.status, AccountStatus::Invited);
    assert!(reset.password_hash.is_none() && reset.password_changed_at.is_none());
    assert!(
        reset.totp_secret.is_none()
            && reset.totp_last_step.is_none()
            && reset.ehk_pseudonym.is_none()
    );
    assert_eq!(reset.mobile, Some(mobile("0687654321")), "the number stays");
    let activation = Activation {
        password_hash: "hash-3".into(),
        mobile: mobile("0611111111"),
        totp_secret: Some(vec![4, 5]),
    };
    let mut tx = store.begin().await.unwrap();
    tx.activate(a.id, &activation, Some(7), t2).await.unwrap();
    tx.commit().await.unwrap();
    let active = get(&store, a.id).await;
    assert_eq!(active.status, AccountStatus::Active);
    assert_eq!(
        (active.password_hash.as_deref(), active.password_changed_at),
        (Some("hash-3"), Some(t2))
    );
    assert_eq!(
        (active.mobile, active.totp_secret, active.totp_last_step),
        (Some(mobile("0611111111")), Some(vec![4, 5]), Some(7))
    );
    let mut tx = store.begin().await.unwrap();
    tx.reinvite(
        a.id,
        "Nieuwe Naam",
        &Email::parse("Nieuw@Kantoor.nl").unwrap(),
        Role::Operator,
        None,
        t2,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let again = get(&store, a.id).await;
    assert_eq!(
        (
            again.name.as_str(),
            again.email.as_str(),
            again.role,
            again.office_id
        ),
        ("Nieuwe Naam", "Nieuw@kantoor.nl", Role::Operator, None)
    );
    let mut tx = store.read().await.unwrap();
    assert_eq!(
        tx.find_account_by_email("nieuw@kantoor.nl")
            .await
            .unwrap()
            .map(|a| a.id),
        Some(a.id),
        "the key follows the address"
    );
    assert_eq!(tx.count_active_admins(o.id).await.unwrap(), 0);
    tx.commit().await.unwrap();
}

async fn password_history_keeps_the_last_ten_newest_first(store: Arc<dyn Store>) {
    let (_, _, a) = arrange(&store).await;
    let mut tx = store.begin().await.unwrap();
    for i in 0..12 {
        tx.add_password_history(a.id, &format!("old-{i}"), now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(
        tx.password_history(a.id, 3).await.unwrap(),
        ["old-11", "old-10", "old-9"]
    );
    assert_eq!(tx.password_history(a.id, 50).await.unwrap().len(), 10);
    assert!(
        tx.password_history(Uuid::nil(), 5)
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();
}

async fn deleting_an_account_forgets_what_identifies_the_person(store: Arc<dyn Store>) {
    let (o, _, a) = arrange(&store).await;
    let other = account(
        Some(o.id),
        "other@kantoor.nl",
        Role::Adviser,
        AccountStatus::Active,
    );
    let number = mobile("0612121212");
    let mut tx = store.begin().await.unwrap();
    tx.insert_account(&other).await.unwrap();
    tx.enqueue(
        &[
            message(a.email.as_str()),
            message(number.as_str()),
            message(other.email.as_str()),
        ],
        now(),
    )
    .await
    .unwrap();
    tx.replace_code(&code(CodePurpose::ChangeMobile, a.id, &number, now()))
        .await
        .unwrap();
    tx.count_wrong_code(CodePurpose::ChangeMobile, a.id, now())
        .await
        .unwrap();
    tx.audit(
        &record(
            Some(a.id),
            AuditAction::SessionStarted,
            Some(a.id),
            Some(o.id),
        ),
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for key in [
        "invite:address:arrange@kantoor.nl",
        "sms:number:+31612121212",
        "invite:address:other@kantoor.nl",
    ] {
        store
            .hit_rate_limit(key, Duration::hours(1), now())
            .await
            .unwrap();
    }

    let mut tx = store.begin().await.unwrap();
    tx.forget_personal_data(
        a.id,
        &[a.email.to_string(), number.to_string()],
        &[
            "invite:address:arrange@kantoor.nl".into(),
            "sms:number:+31612121212".into(),
        ],
    )
    .await
    .unwrap();
    tx.delete_account(a.id).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    assert!(tx.get_account(a.id).await.unwrap().is_none());
    assert!(
        tx.latest_code(CodePurpose::ChangeMobile, a.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        tx.wrong_codes(CodePurpose::ChangeMobile, a.id)
            .await
            .unwrap(),
        0
    );
    assert!(tx.get_account(other.id).await.unwrap().is_some());
    tx.commit().await.unwrap();
    let recipients: Vec<String> = store
        .list_outbox(10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.recipient)
        .collect();
    assert_eq!(
        recipients,
        ["other@kantoor.nl"],
        "only other people's messages stay"
    );
    let events = store
        .query_audit(&AuditFilter {
            account_id: Some(a.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "the event stays");
    assert_eq!(
        (
            events[0].client_ip.as_deref(),
            events[0].user_agent.as_deref(),
            events[0].actor_name.as_deref()
        ),
        (None, None, None)
    );
    let (count, _) = store
        .hit_rate_limit(
            "invite:address:arrange@kantoor.nl",
            Duration::hours(1),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(count, 1, "its counter started again");
    let (count, _) = store
        .hit_rate_limit("invite:address:other@kantoor.nl", Duration::hours(1), now())
        .await
        .unwrap();
    assert_eq!(count, 2, "another person's counter stays");
}

fn invitation(account: Uuid, state: InvitationState) -> Invitation {
    let at = now();
    Invitation {
        id: new_id(at),
        account_id: account,
        kind: InvitationKind::Invitation,
        created_by: None,
        created_at: at,
        expires_at: at + Duration::days(7),
        state,
    }
}

async fn invitations_keep_their_set_up_state_links_and_history(store: Arc<dyn Store>) {
    let (o, _, admin) = arrange(&store).await;
    let a = account(
        Some(o.id),
        "invitee@kantoor.nl",
        Role::Adviser,
        AccountStatus::Invited,
    );
    let first = invitation(a.id, InvitationState::Withdrawn { at: now() });
    let mut second = invitation(
        a.id,
        InvitationState::Open {
            setup: Setup::Password,
            token: None,
        },
    );
    let mut tx = store.begin().await.unwrap();
    tx.insert_account(&a).await.unwrap();
    tx.insert_invitation(&first).await.unwrap();
    tx.insert_invitation(&second).await.unwrap();
    tx.commit().await.unwrap();

    // Every state of the set-up comes back as it was written.
    let token = SetupToken {
        hash: vec![3; 32],
        expires_at: now() + Duration::hours(1),
    };
    let states = [
        InvitationState::Open {
            setup: Setup::Mobile {
                password_hash: "h".into(),
                sent_to: None,
            },
            token: Some(token.clone()),
        },
        InvitationState::Open {
            setup: Setup::Mobile {
                password_hash: "h".into(),
                sent_to: Some(mobile("0612345678")),
            },
            token: Some(token.clone()),
        },
        InvitationState::Open {
            setup: Setup::Authenticator {
                password_hash: "h".into(),
                mobile: mobile("0612345678"),
                secret: None,
            },
            token: Some(token.clone()),
        },
        InvitationState::Open {
            setup: Setup::Authenticator {
                password_hash: "h".into(),
                mobile: mobile("0612345678"),
                secret: Some(vec![1]),
            },
            token: None,
        },
        InvitationState::Accepted { at: now() },
    ];
    for state in states {
        let mut tx = store.begin().await.unwrap();
        tx.save_invitation_state(second.id, &state).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        assert!(
            tx.get_invitation(second.id).await.unwrap().unwrap().state == state,
            "{state:?}"
        );
        tx.commit().await.unwrap();
    }
    second.state = InvitationState::Accepted { at: now() };
    let later = now() + Duration::days(3);
    let mut tx = store.begin().await.unwrap();
    tx.save_invitation_state(second.id, &second.state)
        .await
        .unwrap();
    tx.set_invitation_expiry(second.id, later).await.unwrap();
    second.expires_at = later;
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert!(tx.get_invitation(second.id).await.unwrap().unwrap() == second);
    assert!(tx.get_invitation(Uuid::nil()).await.unwrap().is_none());
    let ids = |list: Vec<Invitation>| list.into_iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(
        ids(tx.invitations_of_account(a.id).await.unwrap()),
        [second.id, first.id],
        "newest first"
    );
    assert_eq!(
        ids(tx.invitations_in_office(o.id, None, 10).await.unwrap()),
        [second.id, first.id]
    );
    assert_eq!(
        ids(tx.invitations_in_office(o.id, None, 1).await.unwrap()),
        [second.id],
        "a page"
    );
    assert_eq!(
        ids(tx
            .invitations_in_office(o.id, Some(second.id), 10)
            .await
            .unwrap()),
        [first.id],
        "the page after it"
    );
    assert!(
        tx.invitations_in_office(Uuid::nil(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Links: found by hash, superseded once.
    let sent = now();
    let link = |hash: u8| InvitationLink {
        token_hash: vec![hash; 32],
        invitation_id: second.id,
        created_at: sent,
        expires_at: sent + Duration::days(7),
        superseded_at: None,
    };
    tx.insert_link(&link(1)).await.unwrap();
    tx.insert_link(&link(2)).await.unwrap();
    tx.insert_link(&link(3)).await.unwrap();
    assert_eq!(tx.find_link(&[1; 32]).await.unwrap(), Some(link(1)));
    assert_eq!(tx.find_link(&[9; 32]).await.unwrap(), None);
    assert!(tx.supersede_link(&[1; 32], now()).await.unwrap());
    assert!(!tx.supersede_link(&[1; 32], now()).await.unwrap(), "once");
    tx.supersede_links_of(second.id, now()).await.unwrap();
    assert!(
        tx.find_link(&[3; 32])
            .await
            .unwrap()
            .unwrap()
            .superseded_at
            .is_some()
    );

    // History: oldest first, with the names of actors that exist.
    let event = |kind, at: DateTime<Utc>, actor| InvitationEvent {
        invitation_id: second.id,
        kind,
        at,
        actor_id: actor,
        actor_name: None,
    };
    let t = now();
    tx.insert_invitation_event(&event(InvitationEventKind::Sent, t, Some(admin.id)))
        .await
        .unwrap();
    tx.insert_invitation_event(&event(
        InvitationEventKind::Renewed,
        t + Duration::hours(1),
        None,
    ))
    .await
    .unwrap();
    tx.insert_invitation_event(&event(
        InvitationEventKind::Renewed,
        t + Duration::hours(30),
        None,
    ))
    .await
    .unwrap();
    let events = tx.events_of_invitation(second.id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [
            InvitationEventKind::Sent,
            InvitationEventKind::Renewed,
            InvitationEventKind::Renewed
        ]
    );
    assert_eq!(events[0].actor_name.as_deref(), Some(admin.name.as_str()));
    assert_eq!(events[1].actor_name, None);
    assert_eq!(
        tx.count_invitation_events_since(
            second.id,
            InvitationEventKind::Renewed,
            t + Duration::hours(2)
        )
        .await
        .unwrap(),
        1
    );
    assert_eq!(
        tx.count_invitation_events_since(second.id, InvitationEventKind::Renewed, t)
            .await
            .unwrap(),
        2
    );
    tx.commit().await.unwrap();
}

fn session(account: Uuid) -> Session {
    let at = now();
    Session {
        id: new_id(at),
        account_id: account,
        created_at: at,
        last_seen_at: at,
        expires_at: at + Duration::hours(12),
        ended_at: None,
        client_ip: Some("10.0.0.1".into()),
        user_agent: Some("Firefox".into()),
        active_portfolio_id: None,
        reauthenticated_at: None,
    }
}

/// Many sessions crossing the activity mark at once (people who signed in together): each
/// gets its own time, a session touched three times at once keeps the latest, and a touch
/// whose condition no longer holds writes nothing.
async fn touches_that_arrive_together_each_write_their_own_session(store: Arc<dyn Store>) {
    let (_, _, a) = arrange(&store).await;
    let sessions: Vec<Session> = (0..40).map(|_| session(a.id)).collect();
    let mut tx = store.begin().await.unwrap();
    for (i, s) in sessions.iter().enumerate() {
        tx.insert_session(s, &[i as u8 + 100; 32]).await.unwrap();
    }
    tx.commit().await.unwrap();
    let base = now() + Duration::minutes(1);
    let at = |i: usize| base + Duration::seconds(i as i64);
    let touches = sessions.iter().enumerate().map(|(i, s)| {
        let store = store.clone();
        let id = s.id;
        // The last one's condition does not hold: its activity is recent enough.
        let if_before = if i == 39 {
            s.last_seen_at - Duration::seconds(1)
        } else {
            at(i) - Duration::seconds(30)
        };
        async move { store.touch_session(id, at(i), if_before).await }
    });
    let twice = [at(0), at(90)].map(|when| {
        let store = store.clone();
        let id = sessions[0].id;
        async move { store.touch_session(id, when, when).await }
    });
    let (touched, twice) = tokio::join!(
        futures_util::future::join_all(touches),
        futures_util::future::join_all(twice)
    );
    assert!(touched.iter().chain(&twice).all(Result::is_ok));
    for (i, s) in sessions.iter().enumerate() {
        let seen = store
            .find_session(&[i as u8 + 100; 32])
            .await
            .unwrap()
            .unwrap()
            .session
            .last_seen_at;
        match i {
            0 => assert_eq!(seen, at(90), "the later of the times"),
            39 => assert_eq!(seen, s.last_seen_at, "condition not met: unchanged"),
            _ => assert_eq!(seen, at(i), "session {i}"),
        }
    }
}

async fn sessions_are_found_with_their_account_ended_and_touched(store: Arc<dyn Store>) {
    let (_, [p, _], a) = arrange(&store).await;
    let (one, two, three) = (session(a.id), session(a.id), session(a.id));
    let mut tx = store.begin().await.unwrap();
    tx.insert_session(&one, &[1; 32]).await.unwrap();
    tx.insert_session(&two, &[2; 32]).await.unwrap();
    tx.insert_session(&three, &[3; 32]).await.unwrap();
    tx.commit().await.unwrap();

    let found = store.find_session(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(found.session, one);
    assert_eq!(found.account, a);
    assert!(store.find_session(&[9; 32]).await.unwrap().is_none());
    let reauthenticated = now();
    let mut tx = store.begin().await.unwrap();
    tx.set_session_portfolio(one.id, Some(p.id)).await.unwrap();
    tx.set_session_reauthenticated(one.id, reauthenticated)
        .await
        .unwrap();
    tx.end_session(two.id, now()).await.unwrap();
    assert_eq!(
        tx.sessions_of_account(a.id)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        [three.id, one.id],
        "open ones, newest first"
    );
    tx.commit().await.unwrap();
    let found = store.find_session(&[1; 32]).await.unwrap().unwrap().session;
    assert_eq!(
        (found.active_portfolio_id, found.reauthenticated_at),
        (Some(p.id), Some(reauthenticated))
    );
    assert!(
        store.find_session(&[2; 32]).await.unwrap().is_none(),
        "an ended session is not found"
    );

    // Activity is written only when the last one is older than `if_before`.
    let later = now() + Duration::minutes(5);
    store
        .touch_session(one.id, later, one.last_seen_at - Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(
        store
            .find_session(&[1; 32])
            .await
            .unwrap()
            .unwrap()
            .session
            .last_seen_at,
        one.last_seen_at
    );
    store
        .touch_session(one.id, later, later - Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!(
        store
            .find_session(&[1; 32])
            .await
            .unwrap()
            .unwrap()
            .session
            .last_seen_at,
        later
    );

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.end_other_sessions(a.id, one.id, now()).await.unwrap(), 1);
    assert_eq!(tx.end_sessions_of_account(a.id, now()).await.unwrap(), 1);
    assert_eq!(tx.end_sessions_of_account(a.id, now()).await.unwrap(), 0);
    tx.commit().await.unwrap();
    assert!(store.find_session(&[1; 32]).await.unwrap().is_none());
    let postgres = store.kind() == poort_api::configuration::DatabaseKind::Postgres;
    assert_eq!(store.session_lookup_counts().is_some(), postgres);
}

async fn sign_ins_and_reset_links_keep_their_stage(store: Arc<dyn Store>) {
    let (_, _, a) = arrange(&store).await;
    let at = now();
    let attempt = SignInAttempt {
        id: new_id(at),
        account_id: a.id,
        stage: SignInStage::SecondFactor,
        created_at: at,
        expires_at: at + Duration::minutes(10),
    };
    let reset = PasswordReset {
        id: new_id(at),
        account_id: a.id,
        created_at: at,
        expires_at: at + Duration::hours(1),
        verified_at: None,
        used_at: None,
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_sign_in(&attempt, &[4; 32]).await.unwrap();
    tx.insert_password_reset(&reset, &[5; 32]).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let (found, account, office_name) = tx.find_sign_in(&[4; 32], true).await.unwrap().unwrap();
    assert_eq!(
        (found, account, office_name.as_deref()),
        (attempt.clone(), a.clone(), Some("Kantoor Arrange"))
    );
    assert!(tx.find_sign_in(&[9; 32], false).await.unwrap().is_none());
    tx.set_sign_in_stage(attempt.id, SignInStage::Void)
        .await
        .unwrap();
    assert_eq!(
        tx.find_password_reset(&[5; 32]).await.unwrap(),
        Some(reset.clone())
    );
    assert!(tx.find_password_reset(&[9; 32]).await.unwrap().is_none());
    let (verified, used) = (at + Duration::minutes(1), at + Duration::minutes(2));
    tx.mark_reset_verified(reset.id, verified).await.unwrap();
    tx.mark_reset_used(reset.id, used).await.unwrap();
    tx.mark_reset_used(reset.id, used + Duration::minutes(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(
        tx.find_sign_in(&[4; 32], false)
            .await
            .unwrap()
            .unwrap()
            .0
            .stage,
        SignInStage::Void
    );
    let after = tx.find_password_reset(&[5; 32]).await.unwrap().unwrap();
    assert_eq!(
        (after.verified_at, after.used_at),
        (Some(verified), Some(used)),
        "used once: the first time stays"
    );
    tx.commit().await.unwrap();
}

fn code(
    purpose: CodePurpose,
    subject: Uuid,
    to: &MobileNumber,
    at: DateTime<Utc>,
) -> VerificationCode {
    VerificationCode {
        id: new_id(at),
        purpose,
        subject_id: subject,
        target: to.clone(),
        code_hash: vec![at.timestamp_subsec_millis() as u8; 32],
        created_at: at,
        expires_at: at + Duration::minutes(10),
        consumed_at: None,
    }
}

async fn codes_are_replaced_and_consumed_and_wrong_ones_counted_per_purpose(store: Arc<dyn Store>) {
    let subject = Uuid::now_v7();
    let number = mobile("0612345678");
    let (c1, c2) = (
        code(CodePurpose::SignIn, subject, &number, now()),
        code(
            CodePurpose::SignIn,
            subject,
            &number,
            now() + Duration::seconds(1),
        ),
    );
    let other = code(CodePurpose::PasswordReset, subject, &number, now());
    let mut tx = store.begin().await.unwrap();
    tx.replace_code(&c1).await.unwrap();
    tx.replace_code(&other).await.unwrap();
    tx.replace_code(&c2).await.unwrap();
    assert_eq!(
        tx.latest_code(CodePurpose::SignIn, subject).await.unwrap(),
        Some(c2.clone())
    );
    assert_eq!(
        tx.latest_code(CodePurpose::PasswordReset, subject)
            .await
            .unwrap(),
        Some(other.clone()),
        "another purpose's code stays"
    );
    assert!(
        tx.latest_code(CodePurpose::SetUpMobile, subject)
            .await
            .unwrap()
            .is_none()
    );
    tx.consume_code(c2.id, c2.created_at).await.unwrap();
    assert_eq!(
        tx.latest_code(CodePurpose::SignIn, subject)
            .await
            .unwrap()
            .unwrap()
            .consumed_at,
        Some(c2.created_at)
    );

    assert_eq!(
        tx.wrong_codes(CodePurpose::SignIn, subject).await.unwrap(),
        0
    );
    assert_eq!(
        tx.count_wrong_code(CodePurpose::SignIn, subject, now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tx.count_wrong_code(CodePurpose::SignIn, subject, now())
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        tx.count_wrong_code(CodePurpose::PasswordReset, subject, now())
            .await
            .unwrap(),
        1,
        "counted per purpose"
    );
    assert_eq!(
        tx.wrong_codes(CodePurpose::SignIn, subject).await.unwrap(),
        2
    );
    tx.clear_wrong_codes(CodePurpose::SignIn, subject)
        .await
        .unwrap();
    assert_eq!(
        tx.wrong_codes(CodePurpose::SignIn, subject).await.unwrap(),
        0
    );
    assert_eq!(
        tx.wrong_codes(CodePurpose::PasswordReset, subject)
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
}

fn record(
    actor: Option<Uuid>,
    action: AuditAction,
    target: Option<Uuid>,
    office: Option<Uuid>,
) -> AuditRecord {
    AuditRecord {
        actor_id: actor,
        actor_client_id: None,
        action,
        target_account_id: target,
        office_id: office,
        client_ip: Some("10.1.2.3".into()),
        user_agent: Some("curl".into()),
        details: serde_json::json!({ "n": 1 }),
    }
}

fn message(to: &str) -> poort_api::store::NewMessage {
    poort_api::store::NewMessage {
        channel: poort_shared::dto::Channel::Email,
        recipient: to.into(),
        subject: None,
        body: "x".into(),
    }
}

async fn the_audit_trail_is_read_newest_first_with_filters_and_pages(store: Arc<dyn Store>) {
    let (o, _, a) = arrange(&store).await;
    let mut tx = store.begin().await.unwrap();
    tx.audit(
        &record(
            Some(a.id),
            AuditAction::SessionStarted,
            Some(a.id),
            Some(o.id),
        ),
        now(),
    )
    .await
    .unwrap();
    tx.audit(&record(None, AuditAction::OfficeCreated, None, None), now())
        .await
        .unwrap();
    tx.audit(
        &record(Some(a.id), AuditAction::SessionEnded, None, Some(o.id)),
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let query = |f: AuditFilter| {
        let store = store.clone();
        async move {
            store
                .query_audit(&AuditFilter { limit: 10, ..f })
                .await
                .unwrap()
        }
    };
    let all = query(AuditFilter::default()).await;
    assert_eq!(
        all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["session.ended", "office.created", "session.started"]
    );
    assert_eq!(
        (all[2].actor_name.as_deref(), all[2].target_email.as_deref()),
        (Some(a.name.as_str()), Some("arrange@kantoor.nl"))
    );
    assert_eq!(
        (all[2].client_ip.as_deref(), all[2].details["n"].as_i64()),
        (Some("10.1.2.3"), Some(1))
    );
    assert_eq!(
        query(AuditFilter {
            office_id: Some(o.id),
            ..Default::default()
        })
        .await
        .len(),
        2
    );
    assert_eq!(
        query(AuditFilter {
            account_id: Some(a.id),
            ..Default::default()
        })
        .await
        .len(),
        2
    );
    assert_eq!(
        query(AuditFilter {
            action: Some("office.created".into()),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        query(AuditFilter {
            action: Some("no.such".into()),
            ..Default::default()
        })
        .await
        .len(),
        0
    );
    let page = store
        .query_audit(&AuditFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let next = query(AuditFilter {
        before: Some(page[0].id),
        ..Default::default()
    })
    .await;
    assert_eq!(
        next.iter().map(|e| e.id).collect::<Vec<_>>(),
        [all[1].id, all[2].id]
    );
    // By period: at or after `since`, before `until`, with the other filters too.
    let first = all.iter().map(|e| e.at).min().unwrap();
    let last = all.iter().map(|e| e.at).max().unwrap();
    let ms = Duration::milliseconds(1);
    let period = |since, until| AuditFilter {
        since,
        until,
        ..Default::default()
    };
    assert_eq!(query(period(Some(first), Some(last + ms))).await.len(), 3);
    assert_eq!(query(period(Some(last + ms), None)).await.len(), 0);
    assert_eq!(query(period(None, Some(first))).await.len(), 0);
    assert_eq!(
        query(AuditFilter {
            office_id: Some(o.id),
            ..period(Some(first), None)
        })
        .await
        .len(),
        2
    );
}

async fn rate_limits_count_in_fixed_windows(store: Arc<dyn Store>) {
    let t = now();
    let window = Duration::minutes(1);
    assert_eq!(store.hit_rate_limit("k", window, t).await.unwrap(), (1, t));
    assert_eq!(
        store
            .hit_rate_limit("k", window, t + Duration::seconds(30))
            .await
            .unwrap(),
        (2, t)
    );
    assert_eq!(
        store.hit_rate_limit("other", window, t).await.unwrap().0,
        1,
        "per key"
    );
    let next = t + window;
    assert_eq!(
        store.hit_rate_limit("k", window, next).await.unwrap(),
        (1, next),
        "a new window"
    );

    let (_, _, a) = arrange(&store).await;
    let ((count, _), found) = store
        .hit_and_find_account("sign-in", window, t, "arrange@kantoor.nl")
        .await
        .unwrap();
    assert_eq!((count, found.map(|f| f.id)), (1, Some(a.id)));
    let ((count, _), found) = store
        .hit_and_find_account("sign-in", window, t, "nobody@kantoor.nl")
        .await
        .unwrap();
    assert_eq!(
        (count, found),
        (2, None),
        "counted whether or not the address is known"
    );
}

async fn reads_see_committed_writes_and_a_dropped_transaction_writes_nothing(
    store: Arc<dyn Store>,
) {
    store.ping().await.unwrap();
    let o = office("Teruggedraaid", "55556666");
    let mut tx = store.begin().await.unwrap();
    tx.insert_office(&o).await.unwrap();
    drop(tx);
    let mut read = store.read().await.unwrap();
    assert!(
        read.get_office(o.id).await.unwrap().is_none(),
        "rolled back"
    );
    read.commit().await.unwrap();
    let mut tx = store.begin_fast().await.unwrap();
    tx.insert_office(&o).await.unwrap();
    tx.audit(
        &record(None, AuditAction::OfficeCreated, None, Some(o.id)),
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut read = store.read().await.unwrap();
    assert_eq!(read.get_office(o.id).await.unwrap(), Some(o));
    read.commit().await.unwrap();
}

async fn passkeys_are_counted_on_their_account_and_challenges_taken_once(store: Arc<dyn Store>) {
    use poort_api::domain::passkey::{self, Ceremony, Passkey};
    let (_, _, a) = arrange(&store).await;
    let at = now();
    let key = |n: u8| Passkey {
        id: new_id(at),
        account_id: a.id,
        credential_id: vec![n; 16],
        name: format!("Sleutel {n}"),
        credential: format!("{{\"n\":{n}}}"),
        sign_count: 0,
        backup_eligible: n == 1,
        backed_up: false,
        created_at: at + Duration::milliseconds(i64::from(n)),
        last_used_at: None,
    };
    let (one, two) = (key(1), key(2));
    let mut tx = store.begin().await.unwrap();
    tx.insert_passkey(&one).await.unwrap();
    tx.insert_passkey(&two).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        get(&store, a.id).await.passkeys,
        2,
        "counted on the account"
    );
    assert_eq!(
        get(&store, a.id).await.second_factors()[0].as_str(),
        "passkey"
    );

    // A credential id is registered once, whoever registers it.
    let mut tx = store.begin().await.unwrap();
    let again = Passkey {
        id: new_id(at),
        ..key(1)
    };
    assert!(matches!(
        tx.insert_passkey(&again).await,
        Err(StoreError::Conflict)
    ));
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    let found = tx.find_passkey(&[1; 16]).await.unwrap().unwrap();
    assert_eq!(found, one);
    assert!(tx.find_passkey(&[9; 16]).await.unwrap().is_none());
    assert!(tx.rename_passkey(a.id, two.id, "Laptop").await.unwrap());
    assert!(
        !tx.rename_passkey(Uuid::nil(), two.id, "X").await.unwrap(),
        "only the owner's"
    );
    let used = Passkey {
        credential: "{\"n\":22}".into(),
        sign_count: 5,
        backed_up: true,
        ..two.clone()
    };
    assert!(
        tx.record_passkey_use(&used, at + Duration::seconds(1))
            .await
            .unwrap()
    );
    let gone = Passkey {
        id: Uuid::nil(),
        ..used.clone()
    };
    assert!(
        !tx.record_passkey_use(&gone, at).await.unwrap(),
        "a removed passkey"
    );
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    let listed = tx.passkeys_of(a.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, one.id, "oldest first");
    assert_eq!(
        (
            listed[1].name.as_str(),
            listed[1].sign_count,
            listed[1].backed_up,
            listed[1].credential.as_str()
        ),
        ("Laptop", 5, true, "{\"n\":22}")
    );
    assert_eq!(listed[1].last_used_at, Some(at + Duration::seconds(1)));
    assert!(listed[0].backup_eligible && !listed[1].backup_eligible);

    let mut tx = store.begin().await.unwrap();
    assert!(
        !tx.delete_passkey(Uuid::nil(), one.id).await.unwrap(),
        "only the owner's"
    );
    assert!(tx.delete_passkey(a.id, one.id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(get(&store, a.id).await.passkeys, 1);
    let mut tx = store.begin().await.unwrap();
    tx.insert_passkey(&key(3)).await.unwrap();
    assert_eq!(tx.delete_passkeys_of(a.id).await.unwrap(), 2);
    tx.commit().await.unwrap();
    assert_eq!(get(&store, a.id).await.passkeys, 0);

    // Challenges: taken once; recording one forgets those expired before it.
    let old = passkey::challenge(
        new_id(at),
        Ceremony::Passwordless,
        None,
        None,
        "{}".into(),
        at - Duration::minutes(10),
    );
    let fresh = passkey::challenge(
        new_id(at),
        Ceremony::SecondFactor,
        Some(a.id),
        Some(Uuid::from_u128(5)),
        "{\"s\":1}".into(),
        at,
    );
    let mut tx = store.begin().await.unwrap();
    tx.insert_passkey_challenge(&old).await.unwrap();
    tx.insert_passkey_challenge(&fresh).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.take_passkey_challenge(old.id).await.unwrap().is_none(),
        "expired, forgotten"
    );
    assert_eq!(
        tx.take_passkey_challenge(fresh.id).await.unwrap(),
        Some(fresh.clone())
    );
    assert!(
        tx.take_passkey_challenge(fresh.id).await.unwrap().is_none(),
        "once"
    );
    tx.commit().await.unwrap();
}

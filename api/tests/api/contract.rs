//! The store contract: what every `Store` implementation must do, run on SQLite and PostgreSQL.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Utc};
use poort_api::store::{AttemptOutcome, NewMessage, Store};
use poort_shared::dto::{Channel, DeliveryStatus};

crate::on_both_databases!(
    a_fresh_database_is_migrated_and_answers,
    enqueued_messages_are_listed_newest_first_with_their_content,
    a_due_message_is_claimed_once_until_its_lease_ends,
    a_stopping_worker_hands_back_what_it_did_not_attempt,
    a_sent_message_is_never_claimed_again,
    a_failed_message_waits_for_its_next_attempt,
    a_dead_letter_is_counted_and_never_claimed,
    concurrent_workers_never_get_the_same_message,
    bodies_are_kept_until_delivery_only_where_asked_and_old_messages_go,
    upgrades_are_recorded_once_done,
    only_sign_in_steps_commit_without_waiting_for_the_disk,
);

/// `begin_fast` transactions skip the wait for the disk on PostgreSQL (SQLite has one way to
/// commit), `durable` brings it back, and plain transactions always wait.
async fn only_sign_in_steps_commit_without_waiting_for_the_disk(store: Arc<dyn Store>) {
    let postgres = store.kind() == poort_api::configuration::DatabaseKind::Postgres;
    let mut plain = store.begin().await.unwrap();
    assert!(plain.waits_for_disk().await.unwrap());
    plain.commit().await.unwrap();
    let mut fast = store.begin_fast().await.unwrap();
    assert_eq!(fast.waits_for_disk().await.unwrap(), !postgres);
    fast.durable().await.unwrap();
    assert!(fast.waits_for_disk().await.unwrap());
    fast.commit().await.unwrap();
    // The setting is the transaction's own: the next one on that connection is fast again.
    for _ in 0..3 {
        let mut fast = store.begin_fast().await.unwrap();
        assert_eq!(fast.waits_for_disk().await.unwrap(), !postgres);
        fast.commit().await.unwrap();
    }
}

#[tokio::test]
async fn without_fast_sign_in_commits_every_transaction_waits_for_the_disk() {
    let Some(db) = poort_e2e::db::TestDatabase::postgres().await else {
        return;
    };
    let store = crate::helpers::open_store_with(&db, false).await;
    let mut fast = store.begin_fast().await.unwrap();
    assert!(fast.waits_for_disk().await.unwrap());
    fast.commit().await.unwrap();
    drop(store);
    db.drop_database().await;
}

fn email(to: &str) -> NewMessage {
    NewMessage {
        channel: Channel::Email,
        recipient: to.into(),
        subject: Some("Uitnodiging".into()),
        body: format!("Hallo {to}, klik op https://example.nl/x"),
    }
}

async fn a_fresh_database_is_migrated_and_answers(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.dead), (0, 0));
    assert!(store.list_outbox(10).await.unwrap().is_empty());
}

async fn enqueued_messages_are_listed_newest_first_with_their_content(store: Arc<dyn Store>) {
    let t0 = Utc::now();
    store.enqueue(&[email("a@example.nl")], t0).await.unwrap();
    let sms = NewMessage {
        channel: Channel::Sms,
        recipient: "+31612345678".into(),
        subject: None,
        body: "Uw code is 123456".into(),
    };
    store
        .enqueue(std::slice::from_ref(&sms), t0 + Duration::seconds(1))
        .await
        .unwrap();

    let listed = store.list_outbox(10).await.unwrap();

    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].recipient, "+31612345678");
    assert_eq!(listed[0].channel, Channel::Sms);
    assert_eq!(listed[0].subject, None);
    assert_eq!(listed[0].body.as_deref(), Some(sms.body.as_str()));
    assert_eq!(listed[1].recipient, "a@example.nl");
    assert_eq!(listed[1].subject.as_deref(), Some("Uitnodiging"));
    assert!(
        listed
            .iter()
            .all(|m| m.status == DeliveryStatus::Pending && m.attempts == 0)
    );
    assert_eq!(store.outbox_stats().await.unwrap().pending, 2);
    assert_eq!(store.list_outbox(1).await.unwrap().len(), 1);
}

async fn a_due_message_is_claimed_once_until_its_lease_ends(store: Arc<dyn Store>) {
    let now = Utc::now();
    let ids = store.enqueue(&[email("a@example.nl")], now).await.unwrap();
    let lease = Duration::seconds(60);

    let first = store.claim_due(now, now + lease, 10).await.unwrap();
    let second = store.claim_due(now, now + lease, 10).await.unwrap();
    let after_lease = store
        .claim_due(now + lease + Duration::seconds(1), now + lease * 2, 10)
        .await
        .unwrap();

    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id, ids[0]);
    assert_eq!(first[0].attempts, 1);
    assert!(
        second.is_empty(),
        "a leased message must not be handed out twice"
    );
    assert_eq!(
        after_lease.len(),
        1,
        "a crashed worker's message is retried after the lease"
    );
    assert_eq!(after_lease[0].attempts, 2);
}

/// `release_claims`: the messages a stopping worker had claimed but not attempted are free at
/// once, their attempt not counted; a claim that is no longer the worker's is left alone.
async fn a_stopping_worker_hands_back_what_it_did_not_attempt(store: Arc<dyn Store>) {
    let now = Utc::now();
    let ids = store
        .enqueue(&[email("a@example.nl"), email("b@example.nl")], now)
        .await
        .unwrap();
    let lease = Duration::seconds(60);
    let claimed = store.claim_due(now, now + lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    // Another worker's lease (as if this one's had ended and the message was claimed again).
    assert_eq!(
        store
            .release_claims(&ids, now + lease + Duration::seconds(5))
            .await
            .unwrap(),
        0,
        "only the worker's own claim is released"
    );
    assert_eq!(store.release_claims(&ids, now + lease).await.unwrap(), 2);
    let again = store.claim_due(now, now + lease, 10).await.unwrap();
    assert_eq!(again.len(), 2, "free at once, not after the lease");
    assert!(
        again.iter().all(|m| m.attempts == 1),
        "the handed-back claim is not counted as an attempt: {:?}",
        again.iter().map(|m| m.attempts).collect::<Vec<_>>()
    );
}

async fn a_sent_message_is_never_claimed_again(store: Arc<dyn Store>) {
    let now = Utc::now();
    let ids = store.enqueue(&[email("a@example.nl")], now).await.unwrap();
    let claimed = store
        .claim_due(now, now + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);

    store
        .record_attempt(ids[0], &AttemptOutcome::Sent, now, true)
        .await
        .unwrap();

    let later = now + Duration::days(1);
    assert!(
        store
            .claim_due(later, later + Duration::seconds(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let listed = store.list_outbox(10).await.unwrap();
    assert_eq!(listed[0].status, DeliveryStatus::Sent);
    assert!(listed[0].sent_at.is_some());
    assert_eq!(listed[0].body, None, "a delivered message's body is erased");
    assert_eq!(
        listed[0].recipient, "a@example.nl",
        "what it was and to whom stays"
    );
    assert_eq!(store.outbox_stats().await.unwrap().pending, 0);
}

async fn a_failed_message_waits_for_its_next_attempt(store: Arc<dyn Store>) {
    let now = Utc::now();
    let ids = store.enqueue(&[email("a@example.nl")], now).await.unwrap();
    store
        .claim_due(now, now + Duration::seconds(60), 10)
        .await
        .unwrap();
    let retry_at = now + Duration::seconds(30);

    store
        .record_attempt(
            ids[0],
            &AttemptOutcome::RetryAt(retry_at, "connection refused".into()),
            now,
            true,
        )
        .await
        .unwrap();

    let early = now + Duration::seconds(29);
    assert!(
        store
            .claim_due(early, early + Duration::seconds(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store
        .claim_due(retry_at, retry_at + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempts, 2);
    assert_eq!(due[0].last_error.as_deref(), Some("connection refused"));
}

async fn a_dead_letter_is_counted_and_never_claimed(store: Arc<dyn Store>) {
    let now = Utc::now();
    let ids = store
        .enqueue(&[email("a@example.nl"), email("b@example.nl")], now)
        .await
        .unwrap();
    store
        .claim_due(now, now + Duration::seconds(60), 10)
        .await
        .unwrap();

    store
        .record_attempt(
            ids[0],
            &AttemptOutcome::Dead("550 mailbox unknown".into()),
            now,
            true,
        )
        .await
        .unwrap();

    let stats = store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.dead), (1, 1));
    let later = now + Duration::days(1);
    let claimed = store
        .claim_due(later, later + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![ids[1]]
    );
}

async fn concurrent_workers_never_get_the_same_message(store: Arc<dyn Store>) {
    let now = Utc::now();
    let messages: Vec<NewMessage> = (0..60)
        .map(|i| email(&format!("u{i}@example.nl")))
        .collect();
    store.enqueue(&messages, now).await.unwrap();

    let mut workers = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .claim_due(now, now + Duration::seconds(60), 4)
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|m| m.id));
            }
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }

    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 60, "every message claimed exactly once");
    assert_eq!(unique.len(), 60);
}

async fn bodies_are_kept_until_delivery_only_where_asked_and_old_messages_go(
    store: Arc<dyn Store>,
) {
    let now = Utc::now();
    let ids = store
        .enqueue(
            &[
                email("a@example.nl"),
                email("b@example.nl"),
                email("c@example.nl"),
            ],
            now,
        )
        .await
        .unwrap();
    store
        .claim_due(now, now + Duration::seconds(60), 10)
        .await
        .unwrap();
    store
        .record_attempt(ids[0], &AttemptOutcome::Sent, now, false)
        .await
        .unwrap();
    store
        .record_attempt(ids[1], &AttemptOutcome::Dead("550".into()), now, true)
        .await
        .unwrap();

    let listed = store.list_outbox(10).await.unwrap();
    let body = |id| listed.iter().find(|m| m.id == id).unwrap().body.clone();
    assert!(
        body(ids[0]).unwrap().contains("a@example.nl"),
        "dev mode keeps it readable"
    );
    assert_eq!(body(ids[1]), None, "a dead letter's body is erased");
    assert!(body(ids[2]).is_some(), "a waiting message keeps its body");
    assert_eq!(
        store.seal_plain_bodies(false).await.unwrap(),
        0,
        "nothing stored readable"
    );

    // Delivered and dead ones older than the cut-off go; waiting ones stay whatever their age.
    let later = now + Duration::days(31);
    assert_eq!(
        store
            .delete_outbox_before(now - Duration::seconds(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.delete_outbox_before(later).await.unwrap(), 2);
    let left: Vec<_> = store
        .list_outbox(10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(left, vec![ids[2]]);
}

async fn upgrades_are_recorded_once_done(store: Arc<dyn Store>) {
    // The store opened here ran no upgrade (the application does, at start-up).
    assert!(!store.maintenance_done("test_upgrade").await.unwrap());
    store
        .mark_maintenance_done("test_upgrade", Utc::now())
        .await
        .unwrap();
    store
        .mark_maintenance_done("test_upgrade", Utc::now())
        .await
        .unwrap();
    assert!(store.maintenance_done("test_upgrade").await.unwrap());
    assert!(store.account_secrets().await.unwrap().is_empty());
    assert!(store.invitation_secrets().await.unwrap().is_empty());
}

//! The store contract of API clients (`store/clients.rs`): every method, what it returns and
//! what it refuses, on SQLite and PostgreSQL.

use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, Utc};
use poort_api::domain::api_client::{KeyAlg, Owner};
use poort_api::domain::{ApiClient, ApiClientKey, Office, Portfolio};
use poort_api::store::tokens::{TokenRecord, Unchanged};
use poort_api::store::{AuditRecord, Store, StoreError, new_id};
use poort_shared::dto::ApiScope;
use poort_shared::validate::{AgencyNumber, KvkNumber};
use uuid::Uuid;

crate::on_both_databases!(
    clients_are_stored_changed_listed_per_owner_and_revoked,
    keys_are_unique_per_client_and_the_credential_decides_the_bearer,
    an_assertion_is_remembered_once_until_it_expires,
    a_token_over_the_clients_limit_counts_and_writes_nothing_else,
    a_token_decided_on_an_earlier_read_is_written_only_while_the_client_is_unchanged,
    tokens_and_hits_at_once_count_without_gaps_and_remember_each_jti_once,
    idempotency_keys_are_claimed_once_kept_and_taken_over,
);

/// An audit event of a client getting a token.
fn audit_of(client: Uuid) -> AuditRecord {
    AuditRecord {
        actor_id: None,
        actor_client_id: Some(client),
        action: poort_shared::dto::AuditAction::ApiClientTokenIssued,
        target_account_id: None,
        office_id: None,
        client_ip: None,
        user_agent: None,
        details: serde_json::json!({}),
    }
}

/// A token's writes without an assertion (a secret), marking use as `mark` says.
fn token(
    client: Uuid,
    jti: Option<(&'static [u8], DateTime<Utc>)>,
    mark: Option<Option<Uuid>>,
    now: DateTime<Utc>,
) -> TokenRecord<'static> {
    let audit: &'static AuditRecord = Box::leak(Box::new(audit_of(client)));
    TokenRecord {
        client,
        limit: (
            Box::leak(format!("test-tokens:{client}").into_boxed_str()),
            Duration::minutes(1),
            1000,
        ),
        jti,
        mark,
        audit,
        now,
        address: None,
        unchanged: None,
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::milliseconds(1))
        .unwrap()
}

async fn office(store: &Arc<dyn Store>, kvk: &str, agency: &str) -> (Office, Portfolio) {
    let at = now();
    let o = Office {
        id: new_id(at),
        name: format!("Kantoor {kvk}"),
        kvk_number: KvkNumber::parse(kvk).unwrap(),
        created_at: at,
        updated_at: at,
    };
    let p = Portfolio {
        id: new_id(at),
        office_id: o.id,
        agency_number: AgencyNumber::parse(agency).unwrap(),
        name: "P".into(),
        created_at: at,
        updated_at: at,
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_office(&o).await.unwrap();
    tx.insert_portfolio(&p).await.unwrap();
    tx.commit().await.unwrap();
    (o, p)
}

fn client(owner: Owner, client_id: &str) -> ApiClient {
    let at = now();
    ApiClient {
        id: new_id(at),
        client_id: client_id.into(),
        name: "HR".into(),
        owner,
        scopes: vec![ApiScope::AccountsRead, ApiScope::RightsCheck],
        portfolio_ids: None,
        revoked_at: None,
        created_by: None,
        created_at: at,
        updated_at: at,
        last_used_at: None,
        expires_at: None,
        secret_id: None,
        secret_created_at: None,
    }
}

fn key(client: Uuid, kid: &str) -> ApiClientKey {
    ApiClientKey {
        id: new_id(now()),
        client,
        kid: kid.into(),
        alg: KeyAlg::EdDsa,
        jwk: format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"{kid}"}}"#),
        created_at: now(),
        last_used_at: None,
    }
}

async fn clients_are_stored_changed_listed_per_owner_and_revoked(store: Arc<dyn Store>) {
    let (o, p) = office(&store, "21212121", "CL-1").await;
    let mine = client(Owner::Office(o.id), "pc_office");
    let insurer = client(Owner::Insurer, "pc_insurer");
    let mut tx = store.begin().await.unwrap();
    tx.insert_api_client(&mine).await.unwrap();
    tx.insert_api_client(&insurer).await.unwrap();
    tx.commit().await.unwrap();
    // A refused write spoils its transaction (on PostgreSQL): each in its own.
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.insert_api_client(&client(Owner::Insurer, "pc_office"))
            .await,
        Err(StoreError::Conflict)
    ));
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.get_api_client(mine.id).await.unwrap().as_ref(),
        Some(&mine)
    );
    assert_eq!(tx.get_api_client(Uuid::nil()).await.unwrap(), None);
    let of_office: Vec<Uuid> = tx
        .api_clients_of(Owner::Office(o.id))
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(of_office, [mine.id]);
    let of_insurer: Vec<Uuid> = tx
        .api_clients_of(Owner::Insurer)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(of_insurer, [insurer.id], "the insurer's are apart");

    let later = now() + Duration::seconds(5);
    let changed = ApiClient {
        name: "HR nieuw".into(),
        scopes: vec![ApiScope::AuditRead],
        portfolio_ids: Some(vec![p.id]),
        expires_at: Some(later + Duration::days(30)),
        updated_at: later,
        ..mine.clone()
    };
    tx.update_api_client(&changed).await.unwrap();
    assert_eq!(
        tx.get_api_client(mine.id).await.unwrap().as_ref(),
        Some(&changed)
    );

    tx.set_api_client_secret(mine.id, new_id(later), b"hash", later)
        .await
        .unwrap();
    tx.insert_api_client_key(&key(mine.id, "k")).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        store
            .record_token(&token(mine.id, None, Some(None), later))
            .await
            .unwrap()
            .issued
    );
    let mut tx = store.begin().await.unwrap();
    let used = tx.get_api_client(mine.id).await.unwrap().unwrap();
    assert_eq!(used.last_used_at, Some(later));
    assert!(used.secret_id.is_some() && used.secret_created_at == Some(later));

    tx.revoke_api_client(mine.id, later).await.unwrap();
    let revoked = tx.get_api_client(mine.id).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(later));
    assert_eq!(revoked.secret_id, None, "a revoked client keeps no secret");
    assert!(
        tx.keys_of_api_clients(&[mine.id]).await.unwrap().is_empty(),
        "nor keys"
    );
    let scopes: Vec<ApiScope> = tx
        .api_scopes()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(
        scopes,
        ApiScope::ALL,
        "the catalogue lists every scope, in order"
    );
    let insurer_only: Vec<ApiScope> = tx
        .api_scopes()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.3)
        .map(|s| s.0)
        .collect();
    assert_eq!(insurer_only, [ApiScope::OfficesManage]);
    assert!(
        ApiScope::ALL
            .iter()
            .all(|s| poort_api::domain::api_client::insurer_only(*s) == insurer_only.contains(s))
    );
    tx.commit().await.unwrap();
}

async fn keys_are_unique_per_client_and_the_credential_decides_the_bearer(store: Arc<dyn Store>) {
    let c = client(Owner::Insurer, "pc_keys");
    let other = client(Owner::Insurer, "pc_other");
    let (k1, k2) = (key(c.id, "one"), key(c.id, "two"));
    let mut tx = store.begin().await.unwrap();
    tx.insert_api_client(&c).await.unwrap();
    tx.insert_api_client(&other).await.unwrap();
    tx.insert_api_client_key(&k1).await.unwrap();
    tx.insert_api_client_key(&k2).await.unwrap();
    tx.insert_api_client_key(&key(other.id, "one"))
        .await
        .unwrap();
    let secret = new_id(now());
    tx.set_api_client_secret(c.id, secret, b"digest", now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.insert_api_client_key(&key(c.id, "one")).await,
        Err(StoreError::Conflict)
    ));
    drop(tx);

    let found = store
        .client_credentials("pc_keys", Some("two"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.client.id, c.id);
    assert_eq!(found.key.as_ref().map(|k| k.id), Some(k2.id));
    assert_eq!(found.secret_hash.as_deref(), Some(&b"digest"[..]));
    assert_eq!(
        store
            .client_credentials("pc_keys", Some("three"))
            .await
            .unwrap()
            .unwrap()
            .key,
        None
    );
    assert!(
        store
            .client_credentials("pc_none", None)
            .await
            .unwrap()
            .is_none()
    );

    for credential in [k1.id, secret] {
        assert_eq!(
            store
                .bearer_client("pc_keys", credential)
                .await
                .unwrap()
                .map(|c| c.id),
            Some(c.id)
        );
    }
    assert!(
        store
            .bearer_client("pc_other", k1.id)
            .await
            .unwrap()
            .is_none(),
        "another client's key"
    );
    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_api_client_key(c.id, k1.id).await.unwrap());
    assert!(!tx.delete_api_client_key(c.id, k1.id).await.unwrap());
    assert!(
        !tx.delete_api_client_key(other.id, k2.id).await.unwrap(),
        "only the client's own"
    );
    tx.commit().await.unwrap();
    assert!(
        store
            .record_token(&token(c.id, None, Some(Some(k2.id)), now()))
            .await
            .unwrap()
            .issued
    );
    let mut tx = store.begin().await.unwrap();
    let keys = tx.keys_of_api_clients(&[c.id, other.id]).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter()
            .find(|k| k.id == k2.id)
            .unwrap()
            .last_used_at
            .is_some()
    );
    tx.commit().await.unwrap();
    assert!(
        store
            .bearer_client("pc_keys", k1.id)
            .await
            .unwrap()
            .is_none(),
        "removed key"
    );
    assert!(
        store
            .bearer_client("pc_keys", k2.id)
            .await
            .unwrap()
            .is_some()
    );
}

async fn an_assertion_is_remembered_once_until_it_expires(store: Arc<dyn Store>) {
    let c = client(Owner::Insurer, "pc_jti");
    let mut tx = store.begin().await.unwrap();
    tx.insert_api_client(&c).await.unwrap();
    tx.commit().await.unwrap();
    let at = now();
    let until = at + Duration::minutes(5);
    let remember = |jti: &'static [u8], until, at| {
        let store = store.clone();
        async move {
            let audit = audit_of(c.id);
            store
                .record_token(&TokenRecord {
                    client: c.id,
                    limit: ("test-tokens:pc_jti", Duration::minutes(1), 1000),
                    jti: Some((jti, until)),
                    mark: Some(None),
                    audit: &audit,
                    now: at,
                    address: None,
                    unchanged: None,
                })
                .await
                .unwrap()
                .issued
        }
    };
    let events = |store: Arc<dyn Store>| async move {
        let mut tx = store.read().await.unwrap();
        let n = tx.get_api_client(c.id).await.unwrap().unwrap().last_used_at;
        tx.commit().await.unwrap();
        n
    };
    assert!(remember(b"jti-1", until, at).await);
    assert_eq!(events(store.clone()).await, Some(at), "marked used");
    let later = at + Duration::seconds(30);
    assert!(!remember(b"jti-1", until, later).await, "seen before");
    assert_eq!(
        events(store.clone()).await,
        Some(at),
        "nothing written for a replay"
    );
    assert!(remember(b"jti-2", until, at).await);
    let after = until + Duration::seconds(1);
    assert!(
        remember(b"jti-1", after + Duration::minutes(5), after).await,
        "an expired record may be replaced"
    );
    let removed = store
        .delete_expired_client_records(after + Duration::minutes(10), at)
        .await
        .unwrap();
    assert_eq!(removed, 2, "both records past their expiry");
}

/// Token records of client `client` on the counter `(key, max)`, one per jti, all at once.
async fn records_at_once(
    store: &Arc<dyn Store>,
    client: Uuid,
    (key, max): (&'static str, i64),
    jtis: Vec<Vec<u8>>,
    (at, until): (DateTime<Utc>, DateTime<Utc>),
) -> Vec<poort_api::store::tokens::Recorded> {
    let records = jtis.into_iter().map(|jti| {
        let store = store.clone();
        tokio::spawn(async move {
            let audit = audit_of(client);
            store
                .record_token(&TokenRecord {
                    client,
                    limit: (key, Duration::minutes(1), max),
                    jti: Some((&jti, until)),
                    mark: Some(None),
                    audit: &audit,
                    now: at,
                    address: None,
                    unchanged: None,
                })
                .await
                .unwrap()
        })
    });
    futures_util::future::join_all(records)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

/// The audit events the client `client` is the actor of.
async fn client_trail(store: &Arc<dyn Store>, client: Uuid) -> Vec<poort_api::store::AuditRow> {
    store
        .query_audit(&poort_api::store::AuditFilter {
            api_client_id: Some(client),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
}

/// Many token records and counter hits at once (on SQLite they share transactions): every hit
/// counted once, in some order, and of two records with one `jti` exactly one issued.
async fn tokens_and_hits_at_once_count_without_gaps_and_remember_each_jti_once(
    store: Arc<dyn Store>,
) {
    let c = client(Owner::Insurer, "pc_together");
    let mut tx = store.begin().await.unwrap();
    tx.insert_api_client(&c).await.unwrap();
    tx.commit().await.unwrap();
    let at = now();
    let until = at + Duration::minutes(5);
    let jtis: Vec<Vec<u8>> = (0..24).map(|i| format!("jti-{i}").into_bytes()).collect();
    let records = records_at_once(
        &store,
        c.id,
        ("test-tokens:pc_together", 1000),
        (0..48).map(|i| jtis[i % 24].clone()).collect(),
        (at, until),
    );
    let hits = (0..48).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .hit_rate_limit("test-together:address", Duration::minutes(1), at)
                .await
                .unwrap()
                .0
        })
    });
    let (records, hits) =
        futures_util::future::join(records, futures_util::future::join_all(hits)).await;
    let mut counts: Vec<i64> = hits.into_iter().map(Result::unwrap).collect();
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=48).collect::<Vec<i64>>(),
        "each hit counted once"
    );
    let mut client_counts: Vec<i64> = records.iter().map(|r| r.hit.0).collect();
    client_counts.sort_unstable();
    assert_eq!(client_counts, (1..=48).collect::<Vec<i64>>());
    assert_eq!(
        records.iter().filter(|r| r.issued).count(),
        24,
        "each jti issued once"
    );
    let trail = client_trail(&store, c.id).await;
    assert_eq!(trail.len(), 24, "one audit event per token issued");

    // Over the limit at once: the first four counted get a token, the rest nothing.
    let records = records_at_once(
        &store,
        c.id,
        ("test-tokens:pc_together:small", 4),
        (0..10).map(|i| format!("small-{i}").into_bytes()).collect(),
        (at, until),
    )
    .await;
    assert_eq!(records.iter().filter(|r| r.issued).count(), 4);
    assert!(
        records.iter().all(|r| r.issued == (r.hit.0 <= 4)),
        "{records:?}"
    );
}

async fn a_token_over_the_clients_limit_counts_and_writes_nothing_else(store: Arc<dyn Store>) {
    let c = client(Owner::Insurer, "pc_limit");
    let mut tx = store.begin().await.unwrap();
    tx.insert_api_client(&c).await.unwrap();
    tx.commit().await.unwrap();
    let at = now();
    let until = at + Duration::minutes(5);
    let audit = audit_of(c.id);
    let record = |jti: &'static [u8], at| TokenRecord {
        client: c.id,
        limit: ("test-tokens:pc_limit", Duration::minutes(1), 2),
        jti: Some((jti, until)),
        mark: Some(None),
        audit: &audit,
        now: at,
        address: None,
        unchanged: None,
    };
    let first = store.record_token(&record(b"a", at)).await.unwrap();
    assert_eq!((first.hit, first.issued), ((1, at), true));
    let replay = store.record_token(&record(b"a", at)).await.unwrap();
    assert_eq!((replay.hit.0, replay.issued), (2, false), "a replay counts");
    let over = store.record_token(&record(b"b", at)).await.unwrap();
    assert_eq!((over.hit, over.issued), ((3, at), false), "over the limit");
    let next_window = at + Duration::minutes(1);
    let again = store
        .record_token(&record(b"b", next_window))
        .await
        .unwrap();
    assert_eq!(
        (again.hit, again.issued),
        ((1, next_window), true),
        "the jti refused over the limit was not remembered, and a new window counts from one"
    );
    let trail = client_trail(&store, c.id).await;
    assert_eq!(
        trail.len(),
        2,
        "only the two tokens issued are in the trail"
    );
}

async fn a_token_decided_on_an_earlier_read_is_written_only_while_the_client_is_unchanged(
    store: Arc<dyn Store>,
) {
    let (o, p) = office(&store, "61000001", "61001").await;
    let mut c = client(Owner::Office(o.id), "pc_unchanged");
    let k = key(c.id, "k1");
    let mut tx = store.begin().await.unwrap();
    tx.insert_api_client(&c).await.unwrap();
    tx.insert_api_client_key(&k).await.unwrap();
    tx.commit().await.unwrap();
    let read = || async {
        let found = store
            .client_credentials("pc_unchanged", Some("k1"))
            .await
            .unwrap()
            .unwrap();
        Unchanged::of(&found).unwrap()
    };
    let at = now();
    let until = at + Duration::minutes(5);
    let audit = audit_of(c.id);
    let record = |jti: &'static [u8], unchanged: &Unchanged| TokenRecord {
        client: c.id,
        limit: ("test-tokens:pc_unchanged", Duration::minutes(1), 100),
        jti: Some((jti, until)),
        mark: None,
        audit: &audit,
        now: at,
        address: Some(("test-address:unchanged", Duration::minutes(1), 6)),
        unchanged: Some(unchanged.clone()),
    };
    let first = read().await;
    let done = store.record_token(&record(b"1", &first)).await.unwrap();
    assert_eq!(
        (done.issued, done.unchanged, done.hit.0, done.address_hit),
        (true, true, 1, Some((1, at))),
        "as read: written, both counts hit"
    );
    // Each change since the read is seen; nothing but the counts is written.
    let mut changed = Vec::new();
    c.scopes = vec![ApiScope::AccountsRead];
    store_update(&store, &c).await;
    changed.push(store.record_token(&record(b"2", &first)).await.unwrap());
    let scopes = read().await;
    c.portfolio_ids = Some(vec![p.id]);
    store_update(&store, &c).await;
    changed.push(store.record_token(&record(b"2", &scopes)).await.unwrap());
    let portfolios = read().await;
    c.expires_at = Some(at + Duration::days(30));
    store_update(&store, &c).await;
    changed.push(
        store
            .record_token(&record(b"2", &portfolios))
            .await
            .unwrap(),
    );
    assert!(
        changed.iter().all(|r| !r.issued && !r.unchanged),
        "{changed:?}"
    );
    assert_eq!(
        changed
            .iter()
            .map(|r| r.address_hit.unwrap().0)
            .collect::<Vec<_>>(),
        [2, 3, 4],
        "the address is counted every time"
    );
    // Read again: the jti refused while changed was not remembered.
    let now_read = read().await;
    let again = store.record_token(&record(b"2", &now_read)).await.unwrap();
    assert_eq!((again.issued, again.unchanged), (true, true));
    // The address's limit (6): the sixth is within it, the seventh not.
    let sixth = store.record_token(&record(b"3", &now_read)).await.unwrap();
    let seventh = store.record_token(&record(b"4", &now_read)).await.unwrap();
    assert_eq!(
        (
            sixth.issued,
            seventh.issued,
            seventh.unchanged,
            seventh.address_hit.unwrap().0
        ),
        (true, false, true, 7)
    );
    // The key removed, or the client revoked: changed.
    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_api_client_key(c.id, k.id).await.unwrap());
    tx.commit().await.unwrap();
    let gone = store
        .record_token(&TokenRecord {
            address: None,
            ..record(b"5", &now_read)
        })
        .await
        .unwrap();
    assert_eq!((gone.issued, gone.unchanged), (false, false), "key removed");
    let k2 = key(c.id, "k2");
    let mut tx = store.begin().await.unwrap();
    tx.insert_api_client_key(&k2).await.unwrap();
    tx.commit().await.unwrap();
    let with_k2 = Unchanged {
        key: k2.id,
        ..now_read.clone()
    };
    let ok = store
        .record_token(&TokenRecord {
            address: None,
            ..record(b"5", &with_k2)
        })
        .await
        .unwrap();
    assert!(ok.issued && ok.address_hit.is_none(), "{ok:?}");
    let mut tx = store.begin().await.unwrap();
    tx.revoke_api_client(c.id, at).await.unwrap();
    tx.commit().await.unwrap();
    let revoked = store
        .record_token(&TokenRecord {
            address: None,
            ..record(b"6", &with_k2)
        })
        .await
        .unwrap();
    assert_eq!(
        (revoked.issued, revoked.unchanged),
        (false, false),
        "revoked"
    );
    let trail = client_trail(&store, c.id).await;
    assert_eq!(trail.len(), 4, "the tokens issued, and only those");
}

async fn store_update(store: &Arc<dyn Store>, c: &ApiClient) {
    let mut tx = store.begin().await.unwrap();
    tx.update_api_client(c).await.unwrap();
    tx.commit().await.unwrap();
}

async fn idempotency_keys_are_claimed_once_kept_and_taken_over(store: Arc<dyn Store>) {
    let at = now();
    assert_eq!(
        store
            .claim_idempotency_key("c1", "k", b"fp", at)
            .await
            .unwrap(),
        None,
        "the first owns it"
    );
    let waiting = store
        .claim_idempotency_key("c1", "k", b"fp", at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            waiting.fingerprint.as_slice(),
            waiting.created_at,
            waiting.answer.clone()
        ),
        (&b"fp"[..], at, None)
    );
    assert_eq!(
        store
            .claim_idempotency_key("c2", "k", b"fp", at)
            .await
            .unwrap(),
        None,
        "keys are per owner"
    );
    store
        .keep_answer("c1", "k", 201, Some("application/json"), b"{}")
        .await
        .unwrap();
    let done = store
        .claim_idempotency_key("c1", "k", b"other", at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        done.answer,
        Some((201, Some("application/json".into()), b"{}".to_vec()))
    );
    assert_eq!(done.fingerprint, b"fp", "what the first request was");

    let later = at + Duration::hours(25);
    assert!(
        !store
            .retake_idempotency_key("c1", "k", later, b"new", later)
            .await
            .unwrap(),
        "only from what was read"
    );
    assert!(
        store
            .retake_idempotency_key("c1", "k", at, b"new", later)
            .await
            .unwrap()
    );
    assert!(
        !store
            .retake_idempotency_key("c1", "k", at, b"new", later)
            .await
            .unwrap(),
        "once"
    );
    let retaken = store
        .claim_idempotency_key("c1", "k", b"new", later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (retaken.fingerprint.as_slice(), retaken.answer),
        (&b"new"[..], None)
    );

    store.forget_idempotency_key("c2", "k").await.unwrap();
    assert_eq!(
        store
            .claim_idempotency_key("c2", "k", b"fp", at)
            .await
            .unwrap(),
        None,
        "forgotten: free again"
    );
    let removed = store
        .delete_expired_client_records(later, at + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(
        removed, 1,
        "c2's entry is older than the cut-off, c1's retaken one is not"
    );
}

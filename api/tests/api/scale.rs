//! Searches at an insurer's numbers: the scale seed, fragment searches that find exactly what
//! a plain scan finds (through SQLite's trigram index, kept in step by triggers), and on both
//! databases the plans of the list and search statements: no scan of every account or audit
//! event where an index serves.

use poort_api::services::scale::{self, Size};
use poort_api::store::AuditFilter;
use poort_api::store::accounts::list_sql;
use poort_api::store::accounts::search::Fragment;
use poort_api::store::audit::query_sql;
use poort_e2e::db::Kind;
use poort_shared::validate::MobileNumber;
use uuid::Uuid;

use crate::helpers::TestApp;

crate::app_on_both_databases!(
    the_scale_seed_makes_what_it_says_and_once,
    fragment_searches_find_what_a_scan_finds_and_follow_changes,
    list_and_search_statements_use_indexes,
    invitations_are_read_a_page_at_a_time,
);

const SMALL: Size = Size {
    offices: 40,
    accounts: 2_000,
    audit_events: 20_000,
};

async fn seeded(app: &TestApp) -> scale::Made {
    scale::seed(&app.state, SMALL, "schaal wachtwoord 2026".into(), "test")
        .await
        .unwrap()
}

async fn the_scale_seed_makes_what_it_says_and_once(app: &TestApp) {
    let made = seeded(app).await;
    assert_eq!(
        (made.offices, made.portfolios, made.accounts, made.rights),
        (40, 80, 2_001, 8_000)
    );
    assert_eq!(app.db.count("SELECT COUNT(*) FROM accounts").await, 2_001);
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM account_rights").await,
        8_000
    );
    // The review sweep runs beside the seed and may add its reminders to the trail.
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM audit_events WHERE action NOT LIKE 'access_review.%'")
            .await,
        20_000
    );
    // Every office has reviewed before (the sweep beside the seed may complete reviews too,
    // today); the current reviews fall due over the coming period, a few of them within the
    // reminders' 14 days or overdue, none all at once.
    let now = app.state.now().timestamp_millis();
    let day = 24 * 3600 * 1000_i64;
    let period = app.state.settings.policy.access_review_days * day;
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM access_reviews WHERE completed_at < {}",
                now - day
            ))
            .await,
        40
    );
    let due_soon = app
        .db
        .count(&format!(
            "SELECT COUNT(*) FROM access_reviews WHERE completed_at < {} AND completed_at + {period} < {}",
            now - day,
            now + 14 * day
        ))
        .await;
    assert!(
        (1..10).contains(&due_soon),
        "{due_soon} of 40 offices due or overdue"
    );
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM invitations").await,
        2_000
    );
    // The largest office has a tenth of the accounts; the rights copy follows the rights.
    let mut tx = app.state.store.read().await.unwrap();
    let largest = tx
        .list_accounts(Some(made.largest_office), None, 10_000)
        .await
        .unwrap();
    assert_eq!(largest.len(), 200);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM accounts WHERE rights_json IS NULL AND role <> 'operator'")
            .await,
        0
    );
    // Ids of the trail grow with time, as the paging needs.
    let page = app
        .state
        .store
        .query_audit(&AuditFilter {
            limit: 500,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(
        page.windows(2)
            .all(|w| w[0].at >= w[1].at && w[0].id > w[1].id)
    );
    // The administrator of the first office signs in with the seed's password.
    let email = scale::account_email(0, SMALL);
    let r = app
        .anonymous
        .client
        .post(format!("{}/api/sign-in", app.address))
        .json(&serde_json::json!({ "email": email, "password": "schaal wachtwoord 2026" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // A second run is refused before it writes anything.
    assert!(
        scale::seed(&app.state, SMALL, "x".repeat(12), "test")
            .await
            .is_err()
    );
    assert_eq!(app.db.count("SELECT COUNT(*) FROM offices").await, 40);
}

/// What a search should find, by a plain scan of every account: a fragment anywhere in the
/// address or name, or its digits in the mobile number; across offices, a fragment of one or
/// two characters at the beginning of the name or address.
fn scan<'a>(all: &'a [poort_api::domain::Account], q: &str, across: bool) -> Vec<&'a Uuid> {
    let f = q.to_lowercase();
    if across && f.chars().count() < 3 {
        let mut found: Vec<&Uuid> = all
            .iter()
            .filter(|a| a.email_key().starts_with(&f) || a.name.to_lowercase().starts_with(&f))
            .map(|a| &a.id)
            .collect();
        found.sort();
        return found;
    }
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let digits =
        Some(digits.strip_prefix('0').unwrap_or(&digits).to_string()).filter(|d| d.len() >= 3);
    let mut found: Vec<&Uuid> = all
        .iter()
        .filter(|a| {
            a.email_key().contains(&f)
                || a.name.to_lowercase().contains(&f)
                || digits.as_ref().is_some_and(|d| {
                    a.mobile
                        .as_ref()
                        .is_some_and(|m| m.as_str().contains(d.as_str()))
                })
        })
        .map(|a| &a.id)
        .collect();
    found.sort();
    found
}

async fn search(app: &TestApp, office: Option<Uuid>, q: &str) -> Vec<Uuid> {
    let mut tx = app.state.store.read().await.unwrap();
    let mut ids: Vec<Uuid> = tx
        .list_accounts(office, Some(q), 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.sort();
    ids
}

async fn fragment_searches_find_what_a_scan_finds_and_follow_changes(app: &TestApp) {
    let made = seeded(app).await;
    let all = {
        let mut tx = app.state.store.read().await.unwrap();
        tx.list_accounts(None, None, 100_000).await.unwrap()
    };
    for q in [
        "jan",
        "de vries",
        "van",
        "bakker.1",
        ".1234@",
        "kantoor3.",
        "0610001",
        "+316100",
        "zo",
        "e",
        "100_",
        "50%",
        "\"quoted\"",
        "x\"y OR z",
        "NEAR(a b)",
        "{name}: jan",
        "ANNA",
    ] {
        let found = search(app, None, q).await;
        let expected: Vec<Uuid> = scan(&all, q, true).into_iter().copied().collect();
        assert_eq!(found, expected, "search for {q:?}");
        let in_office: Vec<Uuid> = search(app, Some(made.largest_office), q).await;
        let expected: Vec<Uuid> = scan(&all, q, false)
            .into_iter()
            .filter(|id| {
                all.iter()
                    .any(|a| a.id == **id && a.office_id == Some(made.largest_office))
            })
            .copied()
            .collect();
        assert_eq!(in_office, expected, "search in the office for {q:?}");
    }
    // A new mobile number, a new name and address, and a deleted account: the index follows.
    let one = all
        .iter()
        .find(|a| a.mobile.is_some() && a.office_id.is_some())
        .unwrap();
    let two = all.iter().filter(|a| a.office_id.is_some()).nth(5).unwrap();
    let three = all.iter().filter(|a| a.office_id.is_some()).nth(9).unwrap();
    let old_mobile = one.mobile.as_ref().unwrap().as_str().to_string();
    let now = app.state.now();
    let mut tx = app.state.store.begin().await.unwrap();
    tx.set_mobile(
        one.id,
        Some(&MobileNumber::parse("+31699887766").unwrap()),
        now,
    )
    .await
    .unwrap();
    let renamed = poort_shared::validate::Email::parse("nieuw.adres@elders.example").unwrap();
    tx.reinvite(
        two.id,
        "Quirine Zwaneveld",
        &renamed,
        two.role,
        two.office_id,
        now,
    )
    .await
    .unwrap();
    tx.delete_account(three.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(search(app, None, "0699887766").await, vec![one.id]);
    assert!(!search(app, None, &old_mobile[3..]).await.contains(&one.id));
    assert!(!search(app, None, &two.email_key()).await.contains(&two.id));
    assert_eq!(search(app, None, "zwaneveld").await, vec![two.id]);
    assert_eq!(search(app, None, "adres@elders").await, vec![two.id]);
    assert!(search(app, None, &three.email_key()).await.is_empty());
    // Accounts made by multi-row inserts were numbered by the trigger too.
    let email = scale::account_email(0, SMALL);
    assert_eq!(search(app, None, &email).await.len(), 1);
}

/// The plan of `sql` with the statement's own parameters, as one text.
async fn plan(app: &TestApp, sql: &str, binds: &[Bind]) -> String {
    let explain = match app.db.kind {
        Kind::Postgres => format!("EXPLAIN {sql}"),
        Kind::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
    };
    macro_rules! run {
        ($pool:expr, $col:expr) => {{
            let mut q = sqlx::query(sqlx::AssertSqlSafe(explain));
            for b in binds {
                q = match b {
                    Bind::Id(v) => q.bind(*v),
                    Bind::Text(v) => q.bind(v.clone()),
                    Bind::Int(v) => q.bind(*v),
                };
            }
            let rows = q.fetch_all($pool).await.unwrap();
            rows.iter()
                .map(|r| sqlx::Row::get::<String, _>(r, $col))
                .collect::<Vec<_>>()
                .join("\n")
        }};
    }
    match app.db.kind {
        Kind::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            sqlx::query("ANALYZE").execute(&pool).await.unwrap();
            // Index or not, as it would be with millions of rows: only an index can avoid a
            // sequential scan here.
            let mut conn = pool.acquire().await.unwrap();
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *conn)
                .await
                .unwrap();
            run!(&mut *conn, 0)
        }
        Kind::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
            run!(&pool, "detail")
        }
    }
}

#[derive(Clone)]
enum Bind {
    Id(Option<Uuid>),
    Text(Option<String>),
    Int(i64),
}

async fn list_and_search_statements_use_indexes(app: &TestApp) {
    let made = seeded(app).await;
    let office = Bind::Id(Some(made.largest_office));
    let f = Fragment::new("jansen");
    let short = Fragment::new("zo");
    let someone = {
        let mut tx = app.state.store.read().await.unwrap();
        tx.list_accounts(Some(made.largest_office), None, 1)
            .await
            .unwrap()[0]
            .id
    };
    let deep = app
        .state
        .store
        .query_audit(&AuditFilter {
            limit: 500,
            ..AuditFilter::default()
        })
        .await
        .unwrap()[499]
        .id;
    // The account listings as the store builds them (no filter, first page).
    let postgres = matches!(app.db.kind, Kind::Postgres);
    let listing = |office: Option<Uuid>, query: Option<&str>, filter: list_sql::Filter| {
        let (sql, binds) = list_sql::statement(postgres, office, query, &filter, 200, 0);
        let binds = binds
            .into_iter()
            .map(|b| match b {
                list_sql::Bind::Id(v) => Bind::Id(Some(v)),
                list_sql::Bind::Text(v) => Bind::Text(v),
                list_sql::Bind::Int(v) => Bind::Int(v),
            })
            .collect::<Vec<_>>();
        (sql, binds)
    };
    let none = list_sql::Filter::default;
    let mut cases: Vec<(&str, String, Vec<Bind>)> = Vec::new();
    for (what, office, query, filter) in [
        (
            "an office's accounts",
            Some(made.largest_office),
            None,
            none(),
        ),
        ("every account by name", None, None, none()),
        (
            "an office's accounts by fragment",
            Some(made.largest_office),
            Some(f.text.as_str()),
            none(),
        ),
        (
            "every office's accounts by fragment",
            None,
            Some(f.text.as_str()),
            none(),
        ),
        (
            "every office's accounts by the beginning",
            None,
            Some(short.text.as_str()),
            none(),
        ),
        (
            "every office's accounts by mobile fragment",
            None,
            Some("0610001"),
            none(),
        ),
        (
            "every office's blocked accounts",
            None,
            None,
            list_sql::Filter {
                status: Some(poort_shared::dto::AccountStatus::Blocked),
                ..none()
            },
        ),
        (
            "active accounts without rights",
            None,
            None,
            list_sql::Filter {
                status: Some(poort_shared::dto::AccountStatus::Active),
                without_rights: true,
                ..none()
            },
        ),
        (
            "an office's blocked accounts",
            Some(made.largest_office),
            None,
            list_sql::Filter {
                status: Some(poort_shared::dto::AccountStatus::Blocked),
                ..none()
            },
        ),
    ] {
        let (sql, binds) = listing(office, query, filter);
        cases.push((what, sql, binds));
    }
    let audit = |filter: AuditFilter| query_sql(&filter);
    let id = |v: Uuid| Bind::Id(Some(v));
    let text = |v: &str| Bind::Text(Some(v.to_string()));
    cases.extend([
        (
            "the trail",
            audit(AuditFilter {
                limit: 50,
                ..Default::default()
            }),
            vec![Bind::Int(50)],
        ),
        (
            "an office's trail",
            audit(AuditFilter {
                office_id: Some(made.largest_office),
                limit: 50,
                ..Default::default()
            }),
            vec![office.clone(), Bind::Int(50)],
        ),
        (
            "an office's trail, deep page",
            audit(AuditFilter {
                office_id: Some(made.largest_office),
                before: Some(deep),
                limit: 50,
                ..Default::default()
            }),
            vec![office.clone(), id(deep), Bind::Int(50)],
        ),
        (
            "one account's trail",
            audit(AuditFilter {
                account_id: Some(someone),
                limit: 50,
                ..Default::default()
            }),
            vec![id(someone), Bind::Int(50)],
        ),
        (
            "the trail of one action",
            audit(AuditFilter {
                action: Some("account.blocked".into()),
                limit: 50,
                ..Default::default()
            }),
            vec![text("account.blocked"), Bind::Int(50)],
        ),
        (
            "an office's trail of one action",
            audit(AuditFilter {
                office_id: Some(made.largest_office),
                action: Some("account.blocked".into()),
                limit: 50,
                ..Default::default()
            }),
            vec![office.clone(), text("account.blocked"), Bind::Int(50)],
        ),
        (
            "the trail, deep page",
            audit(AuditFilter {
                before: Some(deep),
                limit: 50,
                ..Default::default()
            }),
            vec![id(deep), Bind::Int(50)],
        ),
    ]);
    // Walks in index order are what a list without a filter should do; the accounts without
    // rights are walked in a partial index that holds only them.
    let unfiltered = [
        "every account by name",
        "the trail",
        "active accounts without rights",
    ];
    for (what, sql, binds) in &cases {
        let plan = plan(app, sql, binds).await;
        println!("{what}:\n{plan}\n");
        let whole = match app.db.kind {
            // A sequential scan of accounts or audit events.
            Kind::Postgres => ["Seq Scan on accounts", "Seq Scan on audit_events"]
                .iter()
                .any(|s| plan.contains(s)),
            // A scan of either (they are also `ac`, `t` and `e` in the trail's statement); a
            // walk in index order is what a list without a filter should do, and only that.
            Kind::Sqlite => plan.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                let scans = words.windows(2).any(|w| {
                    w[0] == "SCAN" && ["accounts", "audit_events", "e", "ac", "t"].contains(&w[1])
                });
                scans && !(unfiltered.contains(what) && l.contains("USING"))
            }),
        };
        assert!(!whole, "{what} reads every row:\n{plan}");
    }
}

async fn invitations_are_read_a_page_at_a_time(app: &TestApp) {
    seeded(app).await;
    let admin = crate::helpers::User::new(&app.address);
    let (status, step) = admin
        .post(
            "/api/sign-in",
            serde_json::json!({ "email": scale::account_email(0, SMALL), "password": "schaal wachtwoord 2026" }),
        )
        .await;
    assert_eq!(status, 200, "{step}");
    let code = poort_api::auth::totp::code_at(
        &poort_api::services::demo::demo_secret("test", 0),
        app.now_unix(),
    )
    .unwrap();
    let (status, body) = admin
        .post(
            "/api/sign-in/authenticator",
            serde_json::json!({ "sign_in_token": step["sign_in_token"], "code": code }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The largest office's 200 invitations in pages of 64: each once, newest first.
    let (mut seen, mut sizes, mut before) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let path = match &before {
            Some(b) => format!("/api/office/invitations?limit=64&before={b}"),
            None => "/api/office/invitations?limit=64".to_string(),
        };
        let (status, page) = admin.get(&path).await;
        assert_eq!(status, 200, "{page}");
        let ids: Vec<String> = page["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        assert!(
            page["invitations"][0]["events"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        );
        sizes.push(ids.len());
        seen.extend(ids);
        match page["next_before"].as_str() {
            Some(next) => before = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(sizes, vec![64, 64, 64, 8]);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted, seen, "newest first, each once");
    // The default page is 50; sizes outside 1–500 are refused.
    let (_, page) = admin.get("/api/office/invitations").await;
    assert_eq!(page["invitations"].as_array().unwrap().len(), 50);
    for bad in ["limit=0", "limit=501", "before=nope"] {
        let (status, body) = admin.get(&format!("/api/office/invitations?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(crate::helpers::code(&body), "invalid_request", "{bad}");
    }
}

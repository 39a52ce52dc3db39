//! What operations throws at Poort (issue 14 §2, §4), against the real binary: PostgreSQL
//! going away under load and coming back, PostgreSQL not there at start-up, SQLite's disk
//! filling up, the mail server and the SMS gateway failing for a while, SIGTERM and SIGKILL,
//! and an online backup restored and signed in with.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use poort_e2e::db::TestDatabase;
use poort_e2e::eventually;
use poort_e2e::proxy::Proxy;
use poort_e2e::server::{Poort, base_env, production_env, run};
use poort_e2e::sms::SmsGateway;
use poort_e2e::smtp::SmtpSink;
use serde_json::{Value, json};

use crate::support::{metric, set};

const PASSWORD: &str = "lange zomeravonden aan zee";

/// Leaves `fault-<name>.txt` with what the test measured in the artifacts folder, for the
/// summary of `cargo xtask test` (which names the fault tests that passed).
pub(crate) fn record(name: &str, figures: &str) {
    let dir = poort_e2e::browser::artifacts_dir();
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("fault-{name}.txt")), figures);
    println!("{name}: {figures}");
}
const SEED: &str = "faults";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn post(c: &reqwest::Client, base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = c
        .post(format!("{base}{path}"))
        .header("Origin", base)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn seed(env: &[(String, String)], accounts: usize) {
    let done = run(
        &[
            "--dev",
            "seed-demo",
            "--accounts",
            &accounts.to_string(),
            "--password",
            PASSWORD,
            "--totp-seed",
            SEED,
        ],
        env,
    )
    .await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
}

/// The demo adviser `i`'s authenticator code now (`seed-demo`'s derivation).
fn demo_code(i: usize) -> String {
    poort_e2e::totp::seeded_code(SEED, i)
}

/// The password step of demo adviser `i`; returns the browser and its sign-in token.
async fn password_step(base: &str, i: usize) -> (reqwest::Client, String) {
    let browser = client();
    let (status, body) = post(
        &browser,
        base,
        "/api/sign-in",
        json!({ "email": format!("adviseur{i}@demo.example"), "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (browser, body["sign_in_token"].as_str().unwrap().to_string())
}

async fn second_step(base: &str, browser: &reqwest::Client, token: &str, i: usize) -> (u16, Value) {
    post(
        browser,
        base,
        "/api/sign-in/authenticator",
        json!({ "sign_in_token": token, "code": demo_code(i) }),
    )
    .await
}

async fn status_of(url: &str) -> Option<u16> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

fn postgres_address() -> SocketAddr {
    let url = poort_e2e::db::postgres_admin_url().expect("POORT_TEST_POSTGRES_URL");
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split('/').next().unwrap();
    let host = authority.rsplit('@').next().unwrap();
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    };
    let host = host.replace("localhost", "127.0.0.1");
    host.parse().expect("PostgreSQL at an IP address and port")
}

/// One answer under load: when it started (after the test began), how long it took, status.
#[derive(Debug, Clone)]
struct Answer {
    at: Duration,
    took: Duration,
    status: u16,
    code: String,
}

#[tokio::test]
async fn postgres_going_away_under_load_answers_503_fast_and_recovers_by_itself() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let proxy = Proxy::start(postgres_address(), true).await;
    let sink = SmtpSink::start().await;
    let gateway = SmsGateway::start().await;
    let mut env = production_env(&base_env(&db), sink.port, &gateway.url);
    set(&mut env, "POORT__DATABASE__URL", &proxy.url_for(&db.url));
    set(&mut env, "POORT__DATABASE__ACQUIRE_TIMEOUT_SECONDS", "2");
    set(&mut env, "POORT__DELIVERY__BACKOFF_BASE_SECONDS", "1");
    set(&mut env, "POORT__DELIVERY__BACKOFF_MAX_SECONDS", "1");
    set(
        &mut env,
        "POORT__POLICY__SIGN_INS_PER_MINUTE_PER_CLIENT",
        "100000",
    );
    let poort = Poort::start(&[], &env, &db.path().join("poort.log")).await;
    let base = poort.url.clone();

    // Messages queued before the outage.
    let queued = run(
        &["outbox", "send-test", "--email", "voor@kantoor.example"],
        &env,
    )
    .await;
    assert_eq!(queued.code, Some(0), "{}", queued.stderr);

    // Load: sign-in attempts (read the account, count the address) and readiness checks.
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for worker in 0..4 {
        let (base, stop) = (base.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let browser = client();
            let mut answers = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let at = started.elapsed();
                let (status, body) = if worker % 2 == 0 {
                    post(
                        &browser,
                        &base,
                        "/api/sign-in",
                        json!({ "email": format!("niemand{worker}@kantoor.example"), "password": PASSWORD }),
                    )
                    .await
                } else {
                    let r = browser.get(format!("{base}/api/ready")).send().await.unwrap();
                    let status = r.status().as_u16();
                    (status, r.json().await.unwrap_or(Value::Null))
                };
                answers.push(Answer {
                    at,
                    took: started.elapsed() - at,
                    status,
                    code: body["code"].as_str().unwrap_or_default().to_string(),
                });
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            answers
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // First the server ends every connection (what a restart or an administrator does:
    // `57P01 terminating connection due to administrator command`); Poort reconnects.
    let terminated_at = started.elapsed();
    db.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Then the database goes away (every connection cut, new ones refused).
    let cut_at = started.elapsed();
    proxy.cut();
    eventually(15, "/api/ready to fail", || async {
        (status_of(&format!("{base}/api/ready")).await == Some(503)).then_some(())
    })
    .await;
    // A message queued now cannot be written: the command says so, nothing is half-queued.
    let mut no_wait = env.clone();
    set(&mut no_wait, "POORT__DATABASE__STARTUP_WAIT_SECONDS", "0");
    let during = run(
        &["outbox", "send-test", "--email", "tijdens@kantoor.example"],
        &no_wait,
    )
    .await;
    assert_ne!(during.code, Some(0), "no database, no queued message");
    tokio::time::sleep(Duration::from_secs(8)).await;

    // It comes back; Poort recovers by itself.
    let restored_at = started.elapsed();
    proxy.restore().await;
    let recovered = eventually(30, "/api/ready to pass again", || async {
        (status_of(&format!("{base}/api/ready")).await == Some(200)).then(Instant::now)
    })
    .await;
    let ready_at = recovered.duration_since(started);
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let mut answers = Vec::new();
    for task in load {
        answers.extend(task.await.unwrap());
    }
    let queued_after = run(
        &["outbox", "send-test", "--email", "na@kantoor.example"],
        &env,
    )
    .await;
    assert_eq!(queued_after.code, Some(0), "{}", queued_after.stderr);

    // Around the terminated connections: nothing worse than 503, and served again at once.
    for a in answers
        .iter()
        .filter(|a| a.at > terminated_at && a.at < cut_at)
    {
        assert!(
            a.status == 200
                || (a.status == 400 && a.code == "invalid_credentials")
                || (a.status == 503 && a.code == "unavailable"),
            "a terminated connection is never a 500: {a:?}"
        );
    }
    let recovered_from_termination = answers
        .iter()
        .filter(|a| a.at > terminated_at + Duration::from_secs(1) && a.at < cut_at)
        .filter(|a| a.status != 503)
        .count();
    assert!(recovered_from_termination >= 4, "{answers:?}");
    let outage: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.at > cut_at + Duration::from_millis(500) && a.at + a.took < restored_at)
        .collect();
    let after: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.at > ready_at + Duration::from_millis(500))
        .collect();
    let slowest = outage.iter().map(|a| a.took).max().unwrap_or_default();
    println!(
        "postgres outage: {} answers during it (slowest {:?}), {} after recovery; ready again {:?} after the database came back",
        outage.len(),
        slowest,
        after.len(),
        ready_at.saturating_sub(restored_at)
    );
    assert!(outage.len() >= 8, "load ran through the outage: {outage:?}");
    for a in &outage {
        assert_eq!((a.status, a.code.as_str()), (503, "unavailable"), "{a:?}");
        assert!(
            a.took < Duration::from_secs(4),
            "answered within the acquire timeout (2 s) and a margin: {a:?}"
        );
    }
    assert!(after.len() >= 8, "{after:?}");
    for a in &after {
        assert!(
            a.status == 200 || (a.status == 400 && a.code == "invalid_credentials"),
            "after recovery every request is answered as usual: {a:?}"
        );
    }

    // No message lost or doubled: the one from before and the one from after, once each.
    let mails = sink.wait_for(2, 30).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails = if sink.messages().len() > mails.len() {
        sink.messages()
    } else {
        mails
    };
    let mut to: Vec<String> = mails.iter().filter_map(|m| m.header("To")).collect();
    to.sort();
    assert_eq!(to, ["na@kantoor.example", "voor@kantoor.example"]);
    record(
        "postgres-outage",
        &format!(
            "{} answers 503 during it (slowest {:.1} s), ready {:.1} s after the database returned",
            outage.len(),
            slowest.as_secs_f64(),
            ready_at.saturating_sub(restored_at).as_secs_f64()
        ),
    );
    drop(poort);
    db.drop_database().await;
}

#[tokio::test]
async fn postgres_not_there_at_start_up_is_waited_for() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let proxy = Proxy::start(postgres_address(), false).await;
    let mut env = base_env(&db);
    set(&mut env, "POORT__DATABASE__URL", &proxy.url_for(&db.url));
    let log = db.path().join("poort.log");
    let starting = {
        let (env, log) = (env.clone(), log.clone());
        tokio::spawn(async move { Poort::start(&["--dev"], &env, &log).await })
    };
    let said = eventually(20, "the log to say it waits for the database", || async {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.lines()
            .find(|l| l.contains("database not reachable yet"))
            .map(str::to_string)
    })
    .await;
    assert!(
        said.contains("startup_wait_seconds"),
        "names the setting: {said}"
    );
    assert!(!starting.is_finished(), "not ready without its database");
    proxy.restore().await;
    let poort = starting.await.unwrap();
    assert_eq!(
        status_of(&format!("{}/api/ready", poort.url)).await,
        Some(200)
    );
    drop(poort);

    // With no wait configured, it gives up at once with the reason (exit code 1).
    set(&mut env, "POORT__DATABASE__STARTUP_WAIT_SECONDS", "0");
    proxy.cut();
    let done = run(
        &[
            "--dev",
            "bootstrap-operator",
            "--email",
            "a@b.example",
            "--name",
            "A",
        ],
        &env,
    )
    .await;
    assert_eq!(done.code, Some(1), "{}", done.stderr);
    record("postgres-at-start-up", "waited, logged, ready when it came");
    db.drop_database().await;
}

#[tokio::test]
async fn the_mail_server_and_sms_gateway_failing_for_a_while_lose_and_double_nothing() {
    let db = TestDatabase::sqlite();
    let mut sink = SmtpSink::reserve();
    let gateway = SmsGateway::start().await;
    // Two 500s, then one that hangs past the sender's 3 s timeout, then two 500s more.
    gateway.plan(&[500, 500]);
    gateway.stall(1, 6);
    let mut env = production_env(&base_env(&db), sink.port, &gateway.url);
    set(&mut env, "POORT__DELIVERY__BACKOFF_BASE_SECONDS", "1");
    set(&mut env, "POORT__DELIVERY__BACKOFF_MAX_SECONDS", "1");
    let poort = Poort::start(&[], &env, &db.path().join("poort.log")).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let done = run(
            &[
                "outbox",
                "send-test",
                "--email",
                &format!("adviseur{n}@kantoor.example"),
                "--sms",
                &format!("+3161234567{n}"),
            ],
            &env,
        )
        .await;
        assert_eq!(done.code, Some(0), "{}", done.stderr);
        ids.extend(
            done.stdout
                .lines()
                .filter_map(|l| l.strip_prefix("queued "))
                .filter_map(|l| l.split(';').next())
                .map(str::to_string),
        );
    }
    assert_eq!(ids.len(), 6);
    // The mail server is down for 6 s; failures are counted and retried.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(sink.messages().is_empty());
    sink.listen().await;

    let mails = sink.wait_for(3, 40).await;
    let sms = eventually(40, "every SMS accepted once", || async {
        let requests = gateway.requests();
        let keys: std::collections::BTreeSet<String> = requests
            .iter()
            .filter_map(|r| r.header("Idempotency-Key").map(str::to_string))
            .collect();
        (keys.len() == 3 && requests.len() >= 6).then_some(requests)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mails = if sink.messages().len() > mails.len() {
        sink.messages()
    } else {
        mails
    };
    assert_eq!(mails.len(), 3, "each e-mail delivered once");
    for id in &ids {
        let mail = mails
            .iter()
            .filter(|m| {
                m.header("Message-ID")
                    .is_some_and(|h| h.contains(id.as_str()))
            })
            .count();
        let texts = gateway
            .requests()
            .iter()
            .filter(|r| r.header("Idempotency-Key") == Some(id.as_str()))
            .count();
        assert_eq!(mail + texts.min(1), 1, "{id}: one e-mail or SMS");
    }
    // Each SMS was retried under its own key (the gateway can drop the repeats), and accepted
    // exactly once: the failed and hung attempts are the only repeats.
    let attempts = gateway.requests().len();
    assert_eq!(
        attempts,
        3 + 3,
        "two 500s and one hang, then one success each: {sms:?}"
    );
    let base = poort.url.clone();
    eventually(10, "the outbox to be empty", || async {
        (crate::support::metric(&base, "poort_outbox_pending").await == Some(0.0)).then_some(())
    })
    .await;
    assert_eq!(
        crate::support::metric(&base, r#"poort_outbox_dead_letters_total{channel="sms"}"#)
            .await
            .unwrap_or(0.0),
        0.0,
        "no dead letters"
    );
    record(
        "mail-and-sms-outage",
        &format!("3 e-mails and 3 SMS once each, {attempts} SMS attempts"),
    );
}

/// Sign-ins the server has answered (a metric line, labels and all).
const SIGN_INS_ANSWERED: &str =
    r#"poort_http_requests_total{method="POST",route="/api/sign-in",status="200"}"#;

#[tokio::test]
async fn sigterm_lets_requests_under_way_finish_and_exits_0() {
    let db = TestDatabase::sqlite();
    let mut env = base_env(&db);
    // Costly hashing, so sign-ins are still under way when the signal comes.
    set(
        &mut env,
        "POORT__SECURITY__PASSWORD_HASH__MEMORY_KIB",
        "65536",
    );
    set(&mut env, "POORT__SECURITY__PASSWORD_HASH__ITERATIONS", "3");
    set(&mut env, "POORT__SERVER__SHUTDOWN_GRACE_SECONDS", "20");
    seed(&env, 6).await;
    let mut poort = Poort::start(&["--dev"], &env, &db.path().join("poort.log")).await;
    let base = poort.url.clone();
    let mut under_way = Vec::new();
    for i in 0..6 {
        let base = base.clone();
        under_way.push(tokio::spawn(async move {
            post(
                &client(),
                &base,
                "/api/sign-in",
                json!({ "email": format!("adviseur{i}@demo.example"), "password": PASSWORD }),
            )
            .await
        }));
    }
    // Signal only once all six are in the server's hands (the scrape itself is the seventh):
    // a request still in the kernel's backlog when the listener closes is reset, not under way.
    // Signal only once all six are in the server's hands: a request still in the kernel's
    // backlog when the listener closes is reset, not under way. The answered ones are read
    // first, so one that ends between the two reads is counted in neither (never twice).
    let waiting = Instant::now();
    let under_way_at_signal = loop {
        let answered = metric(&base, SIGN_INS_ANSWERED).await.unwrap_or(0.0);
        // The scrape itself is in flight too.
        let in_flight = metric(&base, "poort_http_requests_in_flight")
            .await
            .unwrap_or(1.0)
            - 1.0;
        if answered + in_flight >= 6.0 {
            break in_flight;
        }
        assert!(
            waiting.elapsed() < Duration::from_secs(20),
            "the six sign-ins never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let signalled = Instant::now();
    let code = poort.terminate(Duration::from_secs(25)).await;
    let took = signalled.elapsed();
    let mut answers = Vec::new();
    for task in under_way {
        answers.push(task.await.unwrap());
    }
    println!(
        "SIGTERM: exit {code:?} after {took:?}; answers {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert_eq!(code, Some(0), "{}", poort.log_text());
    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == 200 && body["sign_in_token"].is_string()),
        "every sign-in under way was answered: {answers:?}"
    );
    assert!(
        under_way_at_signal >= 1.0,
        "no sign-in was under way when the signal came"
    );
    let log = poort.log_text();
    assert!(log.contains("outbox: worker stopped"), "{log}");
    // A new connection is refused now.
    assert_eq!(status_of(&format!("{base}/api/health")).await, None);
    record(
        "sigterm",
        &format!(
            "{under_way_at_signal} of 6 sign-ins under way at the signal, all answered, exit 0 after {:.1} s",
            took.as_secs_f64()
        ),
    );
}

#[tokio::test]
async fn sigkill_mid_sign_in_and_mid_set_up_lets_the_person_go_on_after_restart() {
    let db = TestDatabase::sqlite();
    let env = base_env(&db);
    seed(&env, 2).await;
    let first = Poort::start(&["--dev"], &env, &db.path().join("first.log")).await;
    let base = first.url.clone();
    // A sign-in half done (password given), and a set-up half done (password chosen).
    let (browser, token) = password_step(&base, 0).await;
    let invited = run(
        &[
            "--dev",
            "bootstrap-operator",
            "--email",
            "ops@verzekeraar.example",
            "--name",
            "Olga Operator",
        ],
        &env,
    )
    .await;
    assert_eq!(invited.code, Some(0), "{}", invited.stderr);
    let link = invited
        .stdout
        .split_whitespace()
        .find(|w| w.contains("/uitnodiging/"))
        .unwrap()
        .to_string();
    let invitation = link.rsplit('/').next().unwrap().to_string();
    let invitee = client();
    let (status, body) = post(
        &invitee,
        &base,
        &format!("/api/invitations/{invitation}/password"),
        json!({ "password": "een heel ander wachtwoord" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let setup = body["setup_token"].as_str().unwrap().to_string();

    first.kill().await;
    let second = Poort::start(&["--dev"], &env, &db.path().join("second.log")).await;
    // The restarted instance listens on the same address.
    assert_eq!(second.url, base);

    let (status, body) = second_step(&base, &browser, &token, 0).await;
    assert_eq!(status, 200, "the sign-in goes on: {body}");
    let me = browser.get(format!("{base}/api/me")).send().await.unwrap();
    assert_eq!(me.status().as_u16(), 200);

    // Where the set-up stood (the number comes next), it goes on: the code is sent, checked.
    let (status, body) = post(
        &invitee,
        &base,
        &format!("/api/invitations/{invitation}/mobile"),
        json!({ "setup_token": setup, "mobile": "0612345678" }),
    )
    .await;
    assert_eq!(status, 202, "the set-up goes on after the restart: {body}");
    let text = crate::support::next_message(&base, "+31612345678", 0).await;
    let (status, body) = post(
        &invitee,
        &base,
        &format!("/api/invitations/{invitation}/mobile/verify"),
        json!({ "setup_token": setup, "code": crate::support::code_in(&text) }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["step"], "authenticator", "{body}");
    let integrity = db
        .count("SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'")
        .await;
    assert_eq!(integrity, 1);
    record(
        "sigkill",
        "a sign-in and a set-up went on after the restart",
    );
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_and_signs_in() {
    let db = TestDatabase::sqlite();
    let env = base_env(&db);
    seed(&env, 20).await;
    let poort = Poort::start(&["--dev"], &env, &db.path().join("poort.log")).await;
    let base = poort.url.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let steps = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut load = Vec::new();
    for worker in 0..3usize {
        let (base, stop, steps) = (base.clone(), stop.clone(), steps.clone());
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let i = 2 + (worker * 6 + n % 6);
                let (status, _) = post(
                    &client(),
                    &base,
                    "/api/sign-in",
                    json!({ "email": format!("adviseur{i}@demo.example"), "password": PASSWORD }),
                )
                .await;
                assert!(status == 200 || status == 429, "{status}");
                n += 1;
                steps.fetch_add(1, Ordering::Relaxed);
            }
            n
        }));
    }
    // The load is under way (on a busy machine its first steps take a while) before the backup.
    let started = std::time::Instant::now();
    while steps.load(Ordering::Relaxed) < 6 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let file = db.path().join("backup").join("poort-backup.sqlite");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let done = run(&["--dev", "backup", file.to_str().unwrap()], &env).await;
    stop.store(true, Ordering::Relaxed);
    let mut requests = 0;
    for task in load {
        requests += task.await.unwrap();
    }
    println!(
        "backup under load ({requests} sign-in steps meanwhile): {}",
        done.stdout.trim()
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stdout.contains("integrity check: ok"),
        "{}",
        done.stdout
    );
    assert!(done.stdout.contains("20 accounts"), "{}", done.stdout);
    assert!(requests > 3, "the load ran while the backup was taken");

    // Never overwrites.
    let again = run(&["--dev", "backup", file.to_str().unwrap()], &env).await;
    assert_eq!(again.code, Some(1));
    assert!(
        again.stderr.contains("never overwrites"),
        "{}",
        again.stderr
    );
    drop(poort);

    // Restored: a server on the copy (same keys: the data folder) signs an adviser in.
    let mut restored = env.clone();
    set(
        &mut restored,
        "POORT__DATABASE__URL",
        &format!("sqlite://{}", file.display()),
    );
    set(
        &mut restored,
        "POORT__SERVER__PORT",
        &poort_e2e::free_port().to_string(),
    );
    let copy = Poort::start(&["--dev"], &restored, &db.path().join("restored.log")).await;
    let (browser, token) = password_step(&copy.url, 1).await;
    let (status, body) = second_step(&copy.url, &browser, &token, 1).await;
    assert_eq!(status, 200, "{body}");
    let me = browser
        .get(format!("{}/api/me", copy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    record(
        "backup",
        &format!("{requests} sign-in steps during it; restored and signed in"),
    );
}

#[tokio::test]
async fn backup_on_postgres_points_to_pg_dump() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let env = base_env(&db);
    let done = run(&["--dev", "backup", "/tmp/never-written.sqlite"], &env).await;
    assert_eq!(done.code, Some(1));
    assert!(done.stderr.contains("pg_dump"), "{}", done.stderr);
    assert!(!std::path::Path::new("/tmp/never-written.sqlite").exists());
    db.drop_database().await;
}

#[tokio::test]
async fn a_full_disk_answers_503_corrupts_nothing_and_recovers() {
    // A small file system of its own (needs root, as CI has; elsewhere the test says so).
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("small");
    std::fs::create_dir_all(&mount).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=12m", "tmpfs"])
        .arg(&mount)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("SKIPPED a_full_disk_answers_503…: cannot mount a tmpfs here (needs root)");
        record("disk-full", "SKIPPED (mounting a tmpfs needs root)");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.0)
                .status();
        }
    }
    let _unmount = Unmount(mount.clone());
    let db = TestDatabase::sqlite();
    let mut env = base_env(&db);
    let file = mount.join("poort.sqlite");
    set(
        &mut env,
        "POORT__DATABASE__URL",
        &format!("sqlite://{}", file.display()),
    );
    set(
        &mut env,
        "POORT__POLICY__SIGN_INS_PER_MINUTE_PER_CLIENT",
        "100000",
    );
    set(
        &mut env,
        "POORT__SECURITY__PASSWORD_HASH__MEMORY_KIB",
        "1024",
    );
    set(&mut env, "POORT__SECURITY__PASSWORD_HASH__ITERATIONS", "1");
    seed(&env, 3).await;
    let poort = Poort::start(&["--dev"], &env, &db.path().join("poort.log")).await;
    let base = poort.url.clone();
    let (browser, token) = password_step(&base, 0).await;
    let (status, body) = second_step(&base, &browser, &token, 0).await;
    assert_eq!(status, 200, "{body}");

    // Fill what is left of the disk.
    let filler = mount.join("filler");
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    // Writes are refused with 503 `unavailable` and say why; nothing is half-written.
    let mut refused = 0;
    for i in 1..=2 {
        for _ in 0..2000 {
            let (status, body) = post(
                &client(),
                &base,
                "/api/sign-in",
                json!({ "email": format!("adviseur{i}@demo.example"), "password": PASSWORD }),
            )
            .await;
            if status == 503 {
                assert_eq!(body["code"], "unavailable", "{body}");
                assert!(
                    body["message"].as_str().unwrap().contains("disk is full"),
                    "{body}"
                );
                refused += 1;
                break;
            }
            assert_eq!(status, 200, "{body}");
        }
    }
    assert!(refused >= 1, "a write on a full disk is refused");
    // Signed-in reads go on.
    let me = browser.get(format!("{base}/api/me")).send().await.unwrap();
    assert!(me.status().as_u16() == 200 || me.status().as_u16() == 503);

    // Space returns: writes work again, without a restart.
    std::fs::remove_file(&filler).unwrap();
    eventually(20, "a sign-in step to work again", || async {
        let (status, _) = post(
            &client(),
            &base,
            "/api/sign-in",
            json!({ "email": "adviseur2@demo.example", "password": PASSWORD }),
        )
        .await;
        (status == 200).then_some(())
    })
    .await;
    let (browser, token) = password_step(&base, 1).await;
    let (status, body) = second_step(&base, &browser, &token, 1).await;
    assert_eq!(status, 200, "{body}");
    drop(poort);
    let check = run(
        &[
            "--dev",
            "backup",
            db.path().join("after.sqlite").to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert_eq!(
        check.code,
        Some(0),
        "integrity check of the database after the full disk: {}",
        check.stderr
    );
    record(
        "disk-full",
        &format!("{refused} writes refused with 503, recovered, integrity ok"),
    );
}

//! Bad configuration stops start-up with one clear line naming the key, and exit code 2.

use poort_e2e::db::TestDatabase;
use poort_e2e::server::{base_env, run};

fn one_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got:\n{stderr}");
    lines[0]
}

#[tokio::test]
async fn an_unknown_key_in_the_environment_is_refused_by_name() {
    let db = TestDatabase::sqlite();
    let mut env = base_env(&db);
    env.push(("POORT__SERVER__PROT".into(), "1".into()));

    let done = run(&["--dev", "serve"], &env).await;

    assert_eq!(done.code, Some(2));
    let line = one_line(&done.stderr);
    assert!(
        line.contains("server.prot") && line.contains("POORT__SERVER__PROT"),
        "{line}"
    );
}

#[tokio::test]
async fn an_unknown_key_in_the_config_file_is_refused_by_name() {
    let db = TestDatabase::sqlite();
    let file = db.path().join("poort.toml");
    std::fs::write(&file, "[mail]\nsmtp_hots = \"mail.example.nl\"\n").unwrap();

    let done = run(
        &["--dev", "--config", file.to_str().unwrap(), "serve"],
        &base_env(&db),
    )
    .await;

    assert_eq!(done.code, Some(2));
    let line = one_line(&done.stderr);
    assert!(line.contains("mail.smtp_hots"), "{line}");
}

#[tokio::test]
async fn a_malformed_database_url_is_refused_by_name() {
    let db = TestDatabase::sqlite();
    let mut env = base_env(&db);
    env.retain(|(k, _)| k != "POORT__DATABASE__URL");
    env.push((
        "POORT__DATABASE__URL".into(),
        "mysql://root:secret@localhost/poort".into(),
    ));

    let done = run(&["--dev", "serve"], &env).await;

    assert_eq!(done.code, Some(2));
    let line = one_line(&done.stderr);
    assert!(line.contains("database.url"), "{line}");
    assert!(!line.contains("secret"), "passwords are not echoed: {line}");
}

#[tokio::test]
async fn production_mode_without_its_secrets_does_not_start() {
    let db = TestDatabase::sqlite();
    let mut env =
        poort_e2e::server::production_env(&base_env(&db), 25, "https://sms.example.nl/v1");
    env.retain(|(k, _)| k != "POORT__SECURITY__SIGNING_KEY");

    let done = run(&["serve"], &env).await;

    assert_eq!(done.code, Some(2));
    let line = one_line(&done.stderr);
    assert!(line.contains("security.signing_key"), "{line}");
}

#[tokio::test]
async fn a_valid_production_configuration_is_accepted() {
    let db = TestDatabase::sqlite();
    let env = poort_e2e::server::production_env(&base_env(&db), 25, "https://sms.example.nl/v1");

    let done = run(&["check-config"], &env).await;

    assert_eq!(done.code, Some(0), "{}", done.stderr);
}

/// `server.scheduling_group_nice` lowers the priority of the server's scheduling group (the
/// Linux autogroup of its session) against the host's other groups, a PostgreSQL's among
/// them. The server runs in a session of its own (`setsid`), so the tests' group keeps its
/// priority.
#[tokio::test]
async fn the_servers_scheduling_group_gets_the_configured_lower_priority() {
    let setsid = std::path::Path::new("/usr/bin/setsid");
    assert!(
        std::path::Path::new("/proc/self/autogroup").exists() && setsid.exists(),
        "this test needs Linux autogroups and util-linux's setsid"
    );
    let db = TestDatabase::sqlite();
    let mut env = base_env(&db);
    env.push(("POORT__SERVER__SCHEDULING_GROUP_NICE".into(), "10".into()));
    let bin = poort_e2e::server::binary();
    let poort = poort_e2e::server::Poort::start_bin(
        setsid,
        &[bin.to_str().expect("path"), "--dev"],
        &env,
        &db.path().join("poort.log"),
    )
    .await;

    let pid = poort.pid().expect("running");
    let group = std::fs::read_to_string(format!("/proc/{pid}/autogroup")).expect("autogroup");
    let own = std::fs::read_to_string("/proc/self/autogroup").expect("own autogroup");
    assert!(group.trim_end().ends_with("nice 10"), "{group}");
    assert_ne!(
        group.split_whitespace().next(),
        own.split_whitespace().next(),
        "the server has a group of its own"
    );
    assert!(own.trim_end().ends_with("nice 0"), "{own}");
}

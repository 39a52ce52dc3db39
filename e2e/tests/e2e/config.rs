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
/// priority. Where the kernel has no autogroups (`/proc/self/autogroup` is absent, as in some
/// containers) or refuses the write, the server says so in its log and serves all the same.
#[tokio::test]
async fn the_servers_scheduling_group_gets_the_configured_lower_priority() {
    const REFUSED: &str = "cannot lower the scheduling group's priority";
    let db = TestDatabase::sqlite();
    let mut env = base_env(&db);
    env.push(("POORT__SERVER__SCHEDULING_GROUP_NICE".into(), "10".into()));
    let bin = poort_e2e::server::binary();
    let bin = bin.to_str().expect("path");
    let log = db.path().join("poort.log");

    if !std::path::Path::new("/proc/self/autogroup").exists() {
        let poort = poort_e2e::server::Poort::start(&["--dev"], &env, &log).await;
        assert!(poort.log_text().contains(REFUSED), "{}", poort.log_text());
        return;
    }

    // A session of its own: util-linux's setsid where there is one, else Python's os.setsid.
    let setsid = ["/usr/bin/setsid", "/bin/setsid"]
        .into_iter()
        .map(std::path::Path::new)
        .find(|p| p.exists());
    let python = std::env::var("POORT_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = "import os, sys; os.setsid(); os.execv(sys.argv[1], sys.argv[1:])";
    let poort = match setsid {
        Some(setsid) => {
            poort_e2e::server::Poort::start_bin(setsid, &[bin, "--dev"], &env, &log).await
        }
        None => {
            poort_e2e::server::Poort::start_bin(
                std::path::Path::new(&python),
                &["-c", script, bin, "--dev"],
                &env,
                &log,
            )
            .await
        }
    };

    let pid = poort.pid().expect("running");
    let group = std::fs::read_to_string(format!("/proc/{pid}/autogroup")).expect("autogroup");
    let own = std::fs::read_to_string("/proc/self/autogroup").expect("own autogroup");
    assert_ne!(
        group.split_whitespace().next(),
        own.split_whitespace().next(),
        "the server has a group of its own"
    );
    // The tests' own group keeps its priority. A process in the kernel's root group (one whose
    // sessions never called setsid, as under some CI runners) reads an empty file.
    assert!(
        own.trim().is_empty() || own.trim_end().ends_with("nice 0"),
        "{own:?}"
    );
    if !group.trim_end().ends_with("nice 10") {
        // The kernel refused the write (a read-only /proc, a seccomp filter): said and served.
        assert!(
            poort.log_text().contains(REFUSED),
            "neither nice 10 ({group}) nor a warning:\n{}",
            poort.log_text()
        );
    }
}

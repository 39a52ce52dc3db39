//! The real `poort` binary, started as a child process on a free port with a clean
//! environment, so nothing from the developer's shell leaks into a test.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

use crate::db::TestDatabase;

/// The binary under test: `POORT_BIN`, else `poort` next to the test executable's folder.
pub fn binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("POORT_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("current_exe");
    // target/debug/deps/e2e-… → target/debug/poort
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("poort"))
        .expect("target folder");
    assert!(
        bin.is_file(),
        "{} does not exist: build it first (cargo build -p poort-api), or run cargo xtask test",
        bin.display()
    );
    bin
}

/// The SPA build to serve, when there is one (`POORT_TEST_DIST`, set by `cargo xtask test`).
pub fn dist_dir() -> Option<PathBuf> {
    std::env::var_os("POORT_TEST_DIST")
        .map(PathBuf::from)
        .filter(|d| d.join("index.html").is_file())
}

/// Settings every test server gets: its database, a free port, its own data folder.
pub fn base_env(db: &TestDatabase) -> Vec<(String, String)> {
    let mut env = vec![
        ("POORT__DATABASE__URL".to_string(), db.url.clone()),
        // A fixed free port (not 0), so commands run with the same settings (e.g.
        // `poort outbox send-test`) put the right address in links.
        (
            "POORT__SERVER__PORT".to_string(),
            crate::free_port().to_string(),
        ),
        (
            "POORT__SERVER__DATA_DIR".to_string(),
            db.path().join("data").display().to_string(),
        ),
        (
            "POORT__DELIVERY__POLL_INTERVAL_MS".to_string(),
            "200".to_string(),
        ),
        (
            "POORT__LOG__LEVEL".to_string(),
            "info,sqlx=warn".to_string(),
        ),
    ];
    let static_dir = dist_dir().unwrap_or_else(|| db.path().join("no-spa"));
    env.push((
        "POORT__SERVER__STATIC_DIR".to_string(),
        static_dir.display().to_string(),
    ));
    env
}

/// The `/metrics` bearer token of [`production_env`] servers.
pub const METRICS_TOKEN: &str = "test-metrics-token";

/// Production settings with SMTP at `smtp_port` (no TLS: a local sink) and the SMS gateway
/// at `sms_url`. Keys are fixed test keys (32 bytes each, base64).
pub fn production_env(
    base: &[(String, String)],
    smtp_port: u16,
    sms_url: &str,
) -> Vec<(String, String)> {
    let port = base
        .iter()
        .find(|(k, _)| k == "POORT__SERVER__PORT")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "8080".into());
    let mut env = base.to_vec();
    env.push((
        "POORT__SERVER__PUBLIC_URL".into(),
        format!("http://127.0.0.1:{port}"),
    ));
    env.extend(
        [
            (
                "POORT__MAIL__FROM",
                "Extranet <noreply@verzekeraar.example>".to_string(),
            ),
            ("POORT__MAIL__SMTP_HOST", "127.0.0.1".to_string()),
            ("POORT__MAIL__SMTP_PORT", smtp_port.to_string()),
            ("POORT__MAIL__SMTP_SECURITY", "none".to_string()),
            ("POORT__MAIL__TIMEOUT_SECONDS", "3".to_string()),
            ("POORT__SMS__GATEWAY_URL", sms_url.to_string()),
            ("POORT__SMS__API_KEY", "test-gateway-token".to_string()),
            ("POORT__SMS__TIMEOUT_SECONDS", "3".to_string()),
            (
                "POORT__SECURITY__SIGNING_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_string(),
            ),
            (
                "POORT__SECURITY__ENCRYPTION_KEY",
                "HxweHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=".to_string(),
            ),
            ("POORT__METRICS__BEARER_TOKEN", METRICS_TOKEN.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v)),
    );
    env
}

fn command_for(bin: &Path, args: &[&str], env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(args).env_clear();
    for key in ["PATH", "HOME", "TMPDIR"] {
        if let Some(value) = std::env::var_os(key) {
            cmd.env(key, value);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// A running `poort`. Killed when dropped.
pub struct Poort {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub url: String,
    /// Its log (stderr), for reading when a test fails.
    pub log: PathBuf,
    /// The log, open: readable at drop even when its folder is gone by then.
    log_reader: Option<std::fs::File>,
}

impl Poort {
    /// Starts `poort [args] serve` and waits until it says it is ready.
    pub async fn start(args: &[&str], env: &[(String, String)], log: &Path) -> Poort {
        Self::start_bin(&binary(), args, env, log).await
    }

    /// [`Poort::start`] with another build of the binary (the benchmark's release build).
    pub async fn start_bin(
        bin: &Path,
        args: &[&str],
        env: &[(String, String)],
        log: &Path,
    ) -> Poort {
        let log_file = std::fs::File::create(log).expect("log file");
        let mut cmd = command_for(bin, args, env);
        cmd.arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("start poort");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.strip_prefix("Poort is ready at ") {
                    return rest.split_whitespace().next().map(str::to_string);
                }
            }
            None
        })
        .await;
        let url = match ready {
            Ok(Some(url)) => url,
            _ => {
                let _ = child.start_kill();
                let text = std::fs::read_to_string(log).unwrap_or_default();
                panic!(
                    "poort did not become ready; its log ({}):\n{text}",
                    log.display()
                );
            }
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Poort {
            child,
            url,
            log: log.to_path_buf(),
            log_reader: std::fs::File::open(log).ok(),
        }
    }

    /// Ends the process the hard way (SIGKILL): no shutdown code runs, like a crash.
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    /// Asks the process to stop (SIGTERM) and waits up to `within` for it to exit; returns its
    /// exit code (`None`: still running after `within`, or ended by a signal).
    pub async fn terminate(&mut self, within: Duration) -> Option<i32> {
        let pid = self.child.id()?;
        let sent = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}");
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(Ok(status)) => status.code(),
            _ => None,
        }
    }

    /// The process id (for reading its memory use).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Poort {
    /// A test that fails while the server runs shows the end of the server's log with its
    /// panic: the log lives in a temporary folder that is gone afterwards.
    fn drop(&mut self) {
        if std::thread::panicking() {
            use std::io::{Read as _, Seek as _};
            let mut text = String::new();
            if let Some(file) = &mut self.log_reader {
                let _ = file.rewind();
                let _ = file.read_to_string(&mut text);
            }
            let tail: Vec<&str> = text.lines().rev().take(80).collect();
            eprintln!(
                "--- the last {} lines of poort's log ({}):",
                tail.len(),
                self.log.display()
            );
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// What a `poort` command printed and how it ended.
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a one-off `poort` command (not `serve`) to completion.
pub async fn run(args: &[&str], env: &[(String, String)]) -> Finished {
    run_bin(&binary(), args, env).await
}

pub async fn run_bin(bin: &Path, args: &[&str], env: &[(String, String)]) -> Finished {
    run_bin_within(bin, args, env, Duration::from_secs(300)).await
}

/// [`run_bin`] with its own time limit.
pub async fn run_bin_within(
    bin: &Path,
    args: &[&str],
    env: &[(String, String)],
    limit: Duration,
) -> Finished {
    let out = tokio::time::timeout(limit, command_for(bin, args, env).output())
        .await
        .expect("poort command timed out")
        .expect("run poort");
    Finished {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

//! Finding and installing what the build and the tests need, each only when it is absent or
//! at the wrong version, with a line saying what is installed and about how long it takes.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132";
pub const DEFAULT_TEST_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Where things are.
pub struct Env {
    /// The workspace root.
    pub root: PathBuf,
    /// Cargo's target folder: shared under the home folder when there is one, so a fresh
    /// clone (CI) reuses earlier builds.
    pub target_dir: PathBuf,
    /// Tools we install outside cargo (binaryen from npm, the Python venv).
    pub cache_dir: PathBuf,
    /// `~/.cargo/bin`, where `cargo install` puts trunk and wasm-bindgen.
    pub cargo_bin: Option<PathBuf>,
}

impl Env {
    pub fn discover() -> Result<Self, String> {
        // `cargo run` (the `cargo xtask` alias) names this checkout's xtask folder at run time.
        // The compile-time path is only a fallback: with a target folder shared between
        // clones, the binary may have been built in another checkout.
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir
            .parent()
            .ok_or("xtask is not inside the workspace")?
            .to_path_buf();
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|h| h.is_dir());
        let shared = home.as_ref().map(|h| h.join(".cache").join("poort"));
        let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => shared
                .as_ref()
                .map(|s| s.join("target"))
                .unwrap_or_else(|| root.join("target")),
        };
        let cache_dir = shared.unwrap_or_else(|| root.join("tools"));
        let cargo_bin = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".cargo")))
            .map(|c| c.join("bin"));
        Ok(Self {
            root,
            target_dir,
            cache_dir,
            cargo_bin,
        })
    }

    pub fn cargo(&self) -> Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("PATH", self.path_var());
        cmd
    }

    pub fn trunk(&self) -> Command {
        let mut cmd = Command::new("trunk");
        cmd.current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("PATH", self.path_var())
            .env(
                "TRUNK_TOOLS_WASM_BINDGEN",
                wasm_bindgen_version(&self.root).unwrap_or_default(),
            )
            .env(
                "TRUNK_TOOLS_WASM_OPT",
                format!("version_{BINARYEN_VERSION}"),
            )
            .env("TRUNK_OFFLINE", "true");
        cmd
    }

    pub fn binaryen_dir(&self) -> PathBuf {
        self.cache_dir.join("binaryen")
    }

    pub fn venv_dir(&self) -> PathBuf {
        self.cache_dir.join("venv")
    }

    pub fn venv_python(&self) -> PathBuf {
        self.venv_dir().join("bin").join("python")
    }

    /// PATH with our tools first: cargo's bin folder and binaryen 132 ahead of anything else
    /// (Debian's older wasm-opt builds a .wasm that crashes in Chromium).
    pub fn path_var(&self) -> std::ffi::OsString {
        let mut dirs: Vec<PathBuf> = vec![self.binaryen_dir().join("node_modules").join(".bin")];
        dirs.extend(self.cargo_bin.clone());
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(dirs).unwrap_or_default()
    }
}

/// The wasm-bindgen version in Cargo.lock: wasm-bindgen-cli must match it exactly.
pub fn wasm_bindgen_version(root: &Path) -> Option<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).ok()?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            let version = lines.next()?.trim();
            return version
                .strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_string);
        }
    }
    None
}

fn output_of(env: &Env, program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PATH", env.path_var())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The `wasm32-unknown-unknown` target of the Rust toolchain.
pub fn ensure_wasm_target(env: &Env) -> Result<(), String> {
    let targets = output_of(env, "rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        run_install(
            "the wasm32-unknown-unknown target",
            "30 seconds",
            Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        )?;
    }
    Ok(())
}

/// `cargo install` for a build tool, built to be built fast rather than to run fastest: trunk's
/// own release profile (fat LTO, one codegen unit) kept one core busy for minutes on a 2-core
/// machine. What trunk and wasm-bindgen do per build (run cargo, rewrite one .wasm, copy files)
/// takes about as long either way (README, "What `cargo xtask run` does").
/// `opt_level`: trunk is built unoptimised (`0`: it mostly waits for cargo, wasm-bindgen and
/// wasm-opt), wasm-bindgen-cli at `1` (it rewrites the whole .wasm itself).
fn tool_install_command(opt_level: &str) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.env_remove("CARGO_TARGET_DIR")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level);
    cmd
}

/// Runs the installs at the same time, each writing to its own log under the cache folder
/// (shown when it fails), and says how long they took.
fn install_together(
    env: &Env,
    installs: Vec<(String, Command)>,
    how_long: &str,
) -> Result<(), String> {
    if installs.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = installs.iter().map(|(what, _)| what.as_str()).collect();
    println!(
        "xtask: installing {} at the same time (takes about {how_long}; only this once)",
        names.join(" and ")
    );
    std::fs::create_dir_all(&env.cache_dir).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let mut running = Vec::new();
    for (what, mut cmd) in installs {
        let log_path = env.cache_dir.join(format!(
            "install-{}.log",
            what.split(' ').next().unwrap_or("tool")
        ));
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let child = cmd
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start the installer for {what}: {e}"))?;
        running.push((what, log_path, child));
    }
    let mut failed = Vec::new();
    for (what, log_path, mut child) in running {
        let status = child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            println!(
                "xtask: {what} installed ({:.0} s since the installs began)",
                started.elapsed().as_secs_f64()
            );
        } else {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            for line in tail.iter().rev() {
                eprintln!("  {line}");
            }
            failed.push(format!(
                "installing {what} failed ({status}; log: {})",
                log_path.display()
            ));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

fn run_install(what: &str, how_long: &str, cmd: &mut Command) -> Result<(), String> {
    println!("xtask: installing {what} (takes about {how_long}; only this once)");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start the installer for {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("installing {what} failed ({status})"))
    }
}

/// The wasm target, trunk, wasm-bindgen-cli and wasm-opt at the versions that work together.
pub fn ensure_web_tools(env: &Env) -> Result<(), String> {
    ensure_wasm_target(env)?;

    // trunk and wasm-bindgen-cli build at the same time: each has long stretches where one
    // crate (or the link) keeps a single core busy, which the other fills.
    let mut installs = Vec::new();
    let trunk = output_of(env, "trunk", &["--version"]).unwrap_or_default();
    if trunk != format!("trunk {TRUNK_VERSION}") {
        // Only the features Poort uses: no update check (it is offline anyway).
        let mut cmd = tool_install_command("0");
        cmd.args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"])
            .args(["--no-default-features", "--features", "rustls"]);
        installs.push((format!("trunk {TRUNK_VERSION}"), cmd));
    }
    let wanted = wasm_bindgen_version(&env.root)
        .ok_or("Cargo.lock has no wasm-bindgen entry; run `cargo fetch` once")?;
    let have = output_of(env, "wasm-bindgen", &["--version"]).unwrap_or_default();
    if have != format!("wasm-bindgen {wanted}") {
        // Not --locked: a version it pins is no longer in the registry.
        let mut cmd = tool_install_command("1");
        // Only the `wasm-bindgen` binary (not the test runner, half of the build).
        cmd.args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &wanted,
            "--bin",
            "wasm-bindgen",
        ]);
        installs.push((format!("wasm-bindgen-cli {wanted}"), cmd));
    }
    install_together(env, installs, "9 minutes on 2 cores")?;

    let wasm_opt = env
        .binaryen_dir()
        .join("node_modules")
        .join(".bin")
        .join("wasm-opt");
    let have = output_of(env, &wasm_opt.display().to_string(), &["--version"]).unwrap_or_default();
    if !have.contains(&format!("version {BINARYEN_VERSION}")) {
        std::fs::create_dir_all(env.binaryen_dir()).map_err(|e| e.to_string())?;
        run_install(
            &format!("wasm-opt (npm binaryen@{BINARYEN_VERSION})"),
            "20 seconds",
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(env.binaryen_dir())
                .arg(format!("binaryen@{BINARYEN_VERSION}.0.0")),
        )?;
    }
    Ok(())
}

/// Whether `program arg` runs and succeeds.
fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs Debian's `packages` with apt-get, saying first what and how long.
fn apt_install(packages: &[&str], how_long: &str) -> Result<(), String> {
    run_install(
        &format!("{} (apt-get)", packages.join(" and ")),
        how_long,
        Command::new("apt-get")
            .args(["install", "-y"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
    .map_err(|e| {
        format!(
            "{e}; install with `apt-get install -y {}`",
            packages.join(" ")
        )
    })
}

/// Debian's Chromium and ChromeDriver for the browser tests.
pub fn ensure_browser() -> Result<(), String> {
    if runs("chromium", "--version") && runs("chromedriver", "--version") {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"], "1 minute")
}

/// OpenSSL's headers and pkg-config (Debian's libssl-dev), which webauthn-rs (passkeys)
/// builds against.
pub fn ensure_openssl() -> Result<(), String> {
    let found = Command::new("pkg-config")
        .args(["--exists", "openssl"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Ok(());
    }
    apt_install(&["libssl-dev", "pkg-config"], "20 seconds")
}

/// HAProxy (Debian's package), the reverse proxy in front of two instances in the e2e tests.
pub fn ensure_haproxy() -> Result<(), String> {
    if runs("haproxy", "-v") {
        return Ok(());
    }
    apt_install(&["haproxy"], "20 seconds")
}

/// brotli (Debian's package), which makes the SPA's precompressed `.br` files at build time.
pub fn ensure_brotli() -> Result<(), String> {
    if runs("brotli", "--version") {
        return Ok(());
    }
    apt_install(&["brotli"], "10 seconds")
}

/// wrk, the HTTP load tool of the benchmark (Debian's package).
pub fn ensure_wrk() -> Result<(), String> {
    // `wrk --version` prints its version and exits with 1: that it starts is enough.
    let have = Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if have {
        return Ok(());
    }
    apt_install(&["wrk"], "20 seconds")
}

/// A Python venv with aiosmtpd (the SMTP sink of the e2e tests), openapi-spec-validator, the
/// integrators' Python tools and schemathesis (the contract fuzzer).
pub fn ensure_python_tools(env: &Env) -> Result<(), String> {
    let python = env.venv_python();
    let ready = Command::new(&python)
        .args([
            "-c",
            "import aiosmtpd, openapi_spec_validator, jwt, requests, openapi_python_client, schemathesis",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ready {
        return Ok(());
    }
    if !python.exists() {
        run_install(
            "a Python venv for the test tools",
            "5 seconds",
            Command::new("python3")
                .args(["-m", "venv"])
                .arg(env.venv_dir()),
        )?;
    }
    run_install(
        "aiosmtpd, openapi-spec-validator, PyJWT, requests, openapi-python-client and schemathesis (pip)",
        "60 seconds",
        Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "aiosmtpd",
            "openapi-spec-validator",
            "pyjwt[crypto]",
            "requests",
            "openapi-python-client",
            "schemathesis==4.32.5",
        ]),
    )
}

/// oidc-provider for the eHerkenning test broker (`e2e/broker`): its package.json and lock
/// copied into `<cache>/broker`, and `npm ci` there when node_modules is missing or the lock
/// changed. Returns that folder (the tests get its `node_modules`).
pub fn ensure_broker(env: &Env) -> Result<PathBuf, String> {
    ensure_npm_folder(
        env,
        "broker",
        "oidc-provider",
        "oidc-provider for the eHerkenning test broker (npm ci)",
    )
}

/// axe-core for the browser tests' accessibility check (`e2e/axe`), installed the same way.
/// Returns the path of `axe.min.js`.
pub fn ensure_axe(env: &Env) -> Result<PathBuf, String> {
    let dir = ensure_npm_folder(
        env,
        "axe",
        "axe-core",
        "axe-core for the accessibility check (npm ci)",
    )?;
    Ok(dir.join("node_modules").join("axe-core").join("axe.min.js"))
}

/// `e2e/<name>`'s package.json and lock copied into `<cache>/<name>`, and `npm ci` there when
/// `node_modules/<probe>` is missing or the lock changed.
fn ensure_npm_folder(env: &Env, name: &str, probe: &str, what: &str) -> Result<PathBuf, String> {
    let source = env.root.join("e2e").join(name);
    let dir = env.cache_dir.join(name);
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let manifest = read(&source.join("package.json"))?;
    let lock = read(&source.join("package-lock.json"))?;
    let installed_lock = std::fs::read(dir.join("package-lock.json")).ok();
    let ready = dir.join("node_modules").join(probe).is_dir()
        && installed_lock.as_deref() == Some(lock.as_slice());
    if ready {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (file, bytes) in [("package.json", &manifest), ("package-lock.json", &lock)] {
        std::fs::write(dir.join(file), bytes)
            .map_err(|e| format!("cannot write {}: {e}", dir.join(file).display()))?;
    }
    run_install(
        what,
        "10 seconds",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
    )?;
    Ok(dir)
}

/// A reachable PostgreSQL for the tests: `POORT_TEST_POSTGRES_URL`, or the local default.
/// Starts the local cluster when it is installed but stopped.
pub fn ensure_postgres(env: &Env) -> Result<String, String> {
    let url = std::env::var("POORT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_POSTGRES_URL.to_string());
    let addr = host_port(&url).ok_or_else(|| format!("cannot read host:port from {url}"))?;
    if reachable(&addr) {
        drop_leftover_test_databases(env, &url);
        return Ok(url);
    }
    if let Ok(entries) = std::fs::read_dir("/etc/postgresql") {
        for version in entries.filter_map(Result::ok) {
            let version = version.file_name().to_string_lossy().to_string();
            println!("xtask: PostgreSQL {version} is installed but not running; starting it");
            let _ = Command::new("pg_ctlcluster")
                .args(["--skip-systemctl-redirect", &version, "main", "start"])
                .status();
        }
        for _ in 0..20 {
            if reachable(&addr) {
                return Ok(url);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    Err(format!(
        "nothing answers at {addr} (POORT_TEST_POSTGRES_URL={url})"
    ))
}

fn host_port(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let hostport = authority.rsplit('@').next()?;
    Some(if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:5432")
    })
}

fn reachable(addr: &str) -> bool {
    addr.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok())
}

/// Test databases are dropped by the tests; a killed run leaves some behind.
fn drop_leftover_test_databases(env: &Env, url: &str) {
    let Some(list) = output_of(
        env,
        "psql",
        &[
            url,
            "-Atc",
            "SELECT datname FROM pg_database WHERE datname LIKE 'poort\\_t\\_%'",
        ],
    ) else {
        return;
    };
    for name in list.lines().filter(|n| !n.is_empty()) {
        let _ = Command::new("psql")
            .args([
                url,
                "-qc",
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_come_from_the_url() {
        assert_eq!(
            host_port("postgres://u@127.0.0.1:5433/db").as_deref(),
            Some("127.0.0.1:5433")
        );
        assert_eq!(
            host_port("postgres://u:p@db.local/x?sslmode=require").as_deref(),
            Some("db.local:5432")
        );
    }
}

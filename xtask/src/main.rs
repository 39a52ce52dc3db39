//! The project's commands. `cargo xtask run` builds everything (installing missing tools) and
//! runs Poort with the SPA on SQLite; `cargo xtask test` runs every check and test and ends
//! with `N passed, N failed`. Standard library only, so it builds in seconds on a fresh clone.

#![allow(clippy::print_stdout)]

mod tools;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use tools::Env;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run [-- ARGS]   build the SPA and the API, then run Poort in dev mode on http://localhost:8080
                  (installs missing tools first; ARGS go to `poort`)
  test            every check: fmt, clippy, unit and contract tests (SQLite and PostgreSQL),
                  OpenAPI freshness, the wasm build, HTTP and browser end-to-end tests
  openapi         regenerate openapi/openapi.json from the code
  web             build the SPA only (release, prints the .wasm size)
  bench [ARGS]    performance figures (release build): argon2 ceiling, full sign-ins, authenticated
                  reads, overload, tokens, scale, on SQLite and PostgreSQL (not part of the tests);
                  ARGS go to poort-bench (e.g. --soak 10, --only sqlite)
  bootstrap-operator --email E --name N
                  create the first relations-team invitation (dev data folder)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        println!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let env = match Env::discover() {
        Ok(env) => env,
        Err(e) => {
            eprintln!("xtask: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command.as_str() {
        "run" => run(&env, rest),
        "test" => test(&env),
        "openapi" => openapi(&env),
        "bench" => bench(&env, rest),
        "web" => tools::ensure_web_tools(&env).and_then(|()| build_web(&env).map(|_| ())),
        "bootstrap-operator" => {
            tools::ensure_openssl().and_then(|()| poort_command(&env, "bootstrap-operator", rest))
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask run`: tools, SPA, API, then the service in dev mode.
fn run(env: &Env, extra: &[String]) -> Result<(), String> {
    tools::ensure_openssl()?;
    // The API builds while the tools install and the SPA builds: on a fresh machine each of
    // those has long stretches on one core (a big crate, a link, the SPA's LTO).
    // The SPA's own code compiles the same way (Trunk's cargo step then finds it built).
    tools::ensure_wasm_target(env)?;
    let api = Background::start(
        env,
        "the API",
        "xtask-api-build.log",
        &["build", "-p", "poort-api", "--bin", "poort"],
    )?;
    let spa = Background::start(
        env,
        "the SPA's wasm",
        "xtask-spa-build.log",
        &[
            "build",
            "-p",
            "poort-web",
            "--bin",
            "poort-web",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ],
    )?;
    let web = tools::ensure_web_tools(env)
        .and_then(|()| spa.finish())
        .and_then(|()| build_web(env));
    let built = api.finish();
    web?;
    built?;
    let bin = env.target_dir.join("debug").join("poort");
    let mut args: Vec<String> = vec!["--dev".into()];
    let extra: Vec<String> = extra.iter().filter(|a| *a != "--").cloned().collect();
    args.extend(extra);
    println!("xtask: starting {} {}", bin.display(), args.join(" "));
    let mut command = Command::new(&bin);
    command
        .args(&args)
        .current_dir(&env.root)
        .env("POORT__SERVER__STATIC_DIR", env.root.join("dist"));
    dev_public_url(&mut command, &args);
    let status = command
        .status()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("poort exited with {status}"))
    }
}

/// The dev service's address is `http://localhost:8080` rather than `127.0.0.1`: passkeys
/// (WebAuthn) need a host name. Left alone when the address is set some other way (settings in
/// the environment, or options given to `poort`).
fn dev_public_url(command: &mut Command, args: &[String]) {
    let set_elsewhere = [
        "POORT__SERVER__PUBLIC_URL",
        "POORT__SERVER__PORT",
        "POORT__SERVER__HOST",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some())
        || args.iter().any(|a| a.starts_with("--config"));
    if !set_elsewhere {
        command.env("POORT__SERVER__PUBLIC_URL", "http://localhost:8080");
    }
}

/// Runs a `poort` subcommand with the dev settings `cargo xtask run` uses.
fn poort_command(env: &Env, sub: &str, rest: &[String]) -> Result<(), String> {
    let bin = build_api(env)?;
    let mut command = Command::new(&bin);
    command
        .arg("--dev")
        .arg(sub)
        .args(rest)
        .current_dir(&env.root);
    dev_public_url(&mut command, rest);
    let status = command
        .status()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("poort {sub} failed ({status})"))
    }
}

fn build_api(env: &Env) -> Result<PathBuf, String> {
    let status = env
        .cargo()
        .args(["build", "-p", "poort-api", "--bin", "poort"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building the API failed".into());
    }
    Ok(env.target_dir.join("debug").join("poort"))
}

/// A `cargo build` in the background, its output in a log shown when it fails.
struct Background {
    what: &'static str,
    child: std::process::Child,
    log: PathBuf,
    started: Instant,
}

impl Background {
    fn start(env: &Env, what: &'static str, log_name: &str, args: &[&str]) -> Result<Self, String> {
        std::fs::create_dir_all(&env.target_dir).map_err(|e| e.to_string())?;
        let log = env.target_dir.join(log_name);
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        println!(
            "xtask: building {what} in the background (log: {})",
            log.display()
        );
        let child = env
            .cargo()
            .args(args)
            .stdout(file.try_clone().map_err(|e| e.to_string())?)
            .stderr(file)
            .spawn()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        Ok(Self {
            what,
            child,
            log,
            started: Instant::now(),
        })
    }

    fn finish(mut self) -> Result<(), String> {
        let status = self.child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            println!(
                "xtask: {} built ({:.0} s since it began)",
                self.what,
                self.started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        eprint!("{}", std::fs::read_to_string(&self.log).unwrap_or_default());
        Err(format!("building {} failed", self.what))
    }
}

fn build_api_for_tests(env: &Env) -> Result<PathBuf, String> {
    let status = env
        .cargo()
        .args(["test", "-p", "poort-api", "--test", "api", "--no-run"])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building the API failed".into());
    }
    Ok(env.target_dir.join("debug").join("poort"))
}

/// Builds the SPA with Trunk in release mode into `dist/` and prints the .wasm size.
fn build_web(env: &Env) -> Result<String, String> {
    // Trunk runs cargo with --offline (it must not try to download tools): fetch first.
    let status = env
        .cargo()
        .args(["fetch"])
        .status()
        .map_err(|e| format!("cannot run cargo fetch: {e}"))?;
    if !status.success() {
        return Err("cargo fetch failed".into());
    }
    let started = Instant::now();
    let status = env
        .trunk()
        .args(["build", "--release"])
        .status()
        .map_err(|e| format!("cannot run trunk: {e}"))?;
    if !status.success() {
        return Err("trunk build failed".into());
    }
    let dist = env.root.join("dist");
    let compressed = precompress(&dist)?;
    let report = wasm_size_report(&dist)?;
    println!(
        "xtask: SPA built in {:.0} s into dist/ — {report}; {compressed}",
        started.elapsed().as_secs_f64()
    );
    Ok(report)
}

/// The files `poort` serves compressed, by extension.
const COMPRESSIBLE: [&str; 7] = ["wasm", "js", "css", "html", "svg", "json", "txt"];

/// Writes `name.gz` (`gzip -9`) and `name.br` (brotli, quality 11) beside every compressible
/// file of `dist`, which `poort` serves by `Accept-Encoding` instead of compressing per request.
/// Without brotli (not installable here) only the gzip variants are made, and it says so.
fn precompress(dist: &Path) -> Result<String, String> {
    let brotli = match tools::ensure_brotli() {
        Ok(()) => true,
        Err(e) => {
            println!("xtask: no brotli variants: {e}");
            false
        }
    };
    let started = Instant::now();
    let mut files = 0;
    for entry in std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if !path
            .extension()
            .is_some_and(|x| COMPRESSIBLE.iter().any(|c| x == *c))
        {
            continue;
        }
        let run = |cmd: &mut Command| -> Result<(), String> {
            let status = cmd
                .status()
                .map_err(|e| format!("cannot compress {}: {e}", path.display()))?;
            if status.success() {
                Ok(())
            } else {
                Err(format!("compressing {} failed", path.display()))
            }
        };
        run(Command::new("gzip")
            .args(["-9", "-n", "-k", "-f"])
            .arg(&path))?;
        if brotli {
            run(Command::new("brotli")
                .args(["-q", "11", "-k", "-f"])
                .arg(&path))?;
        }
        files += 1;
    }
    Ok(format!(
        "{files} files precompressed ({}) in {:.1} s",
        if brotli {
            "brotli and gzip -9"
        } else {
            "gzip -9 only"
        },
        started.elapsed().as_secs_f64()
    ))
}

fn wasm_size_report(dist: &Path) -> Result<String, String> {
    let wasm = std::fs::read_dir(dist)
        .map_err(|e| format!("{}: {e}", dist.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .ok_or("no .wasm file in dist/")?;
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len() / 1024).ok();
    let raw = size(&wasm).ok_or("cannot read the .wasm file")?;
    let variant = |ext: &str| {
        let mut name = wasm.clone().into_os_string();
        name.push(ext);
        size(Path::new(&name))
    };
    let shown = |kb: Option<u64>| kb.map_or_else(|| "-".to_string(), |kb| kb.to_string());
    Ok(format!(
        "wasm size: {raw} KB raw, {} KB gzip -9, {} KB brotli ({})",
        shown(variant(".gz")),
        shown(variant(".br")),
        wasm.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ))
}

/// `cargo xtask bench`: builds release binaries and prints the figures.
fn bench(env: &Env, extra: &[String]) -> Result<(), String> {
    tools::ensure_openssl()?;
    if tools::ensure_wrk().is_err() {
        println!("xtask: wrk is not available; the authenticated-read figure will be missing");
    }
    for (package, bin) in [("poort-api", "poort"), ("poort-e2e", "poort-bench")] {
        let status = env
            .cargo()
            .args(["build", "--release", "-p", package, "--bin", bin])
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("building {bin} failed"));
        }
    }
    // The SPA's time to the sign-in form needs the built SPA and Chromium; without them the
    // benchmark says so and measures the rest.
    let spa = tools::ensure_web_tools(env)
        .and_then(|()| build_web(env))
        .and_then(|_| tools::ensure_browser());
    let postgres = tools::ensure_postgres(env).unwrap_or_default();
    let release = env.target_dir.join("release");
    let mut bench = Command::new(release.join("poort-bench"));
    match spa {
        Ok(()) => {
            bench.arg("--spa").arg(env.root.join("dist"));
        }
        Err(e) => println!("xtask: no SPA figure ({e})"),
    }
    let status = bench
        .arg("--scale")
        .args(extra.iter().filter(|a| *a != "--"))
        .arg("--bin")
        .arg(release.join("poort"))
        .env("POORT_TEST_POSTGRES_URL", postgres)
        .env("POORT_TEST_ARTIFACTS", env.root.join("e2e/artifacts"))
        .env("POORT_TEST_DIST", env.root.join("no-spa"))
        .current_dir(&env.root)
        .status()
        .map_err(|e| format!("cannot run the benchmark: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("the benchmark failed".into())
    }
}

/// `cargo xtask openapi`: writes the document the code describes.
fn openapi(env: &Env) -> Result<(), String> {
    let status = env
        .cargo()
        .args([
            "test",
            "-p",
            "poort-api",
            "--test",
            "api",
            "--",
            "--exact",
            "openapi::write_committed_document",
            "--ignored",
        ])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        println!("xtask: wrote openapi/openapi.json");
        Ok(())
    } else {
        Err("generating openapi/openapi.json failed".into())
    }
}

/// One step of `cargo xtask test`.
struct Outcome {
    name: String,
    ok: bool,
    passed: u64,
    failed: u64,
    seconds: f64,
    note: String,
}

/// `cargo xtask test`: every check, then `N passed, N failed`.
fn test(env: &Env) -> Result<(), String> {
    let started = Instant::now();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let mut outcomes: Vec<Outcome> = Vec::new();

    // Tools and services first: without them later steps cannot say anything useful.
    let setup = tools::ensure_openssl()
        .and_then(|()| tools::ensure_web_tools(env))
        .and_then(|()| tools::ensure_browser())
        .and_then(|()| tools::ensure_haproxy())
        .and_then(|()| tools::ensure_python_tools(env))
        .and_then(|()| tools::ensure_broker(env))
        .and_then(|broker| Ok((broker, tools::ensure_axe(env)?)));
    let (broker_dir, axe) = match setup {
        Ok(dirs) => dirs,
        Err(e) => return Err(format!("setting up test tools failed: {e}")),
    };
    let postgres = tools::ensure_postgres(env);
    let postgres_url = match &postgres {
        Ok(url) => Some(url.clone()),
        Err(why) => {
            let banner = "!".repeat(78);
            eprintln!(
                "\n{banner}\n!! PostgreSQL is NOT reachable: {why}\n!! The PostgreSQL contract and e2e tests cannot run.\n{banner}\n"
            );
            if ci {
                return Err(
                    "PostgreSQL is required under CI=true; failing instead of skipping".into(),
                );
            }
            None
        }
    };

    let mut test_env: Vec<(String, String)> = vec![
        (
            "POORT_TEST_PYTHON".into(),
            env.venv_python().display().to_string(),
        ),
        (
            "POORT_TEST_DIST".into(),
            env.root.join("dist").display().to_string(),
        ),
        ("POORT_TEST_CHROMEDRIVER".into(), "chromedriver".into()),
        ("POORT_TEST_CHROMIUM".into(), "chromium".into()),
        (
            "POORT_TEST_ARTIFACTS".into(),
            env.root.join("e2e/artifacts").display().to_string(),
        ),
        (
            "POORT_TEST_BROKER_MODULES".into(),
            broker_dir.join("node_modules").display().to_string(),
        ),
        ("POORT_TEST_AXE".into(), axe.display().to_string()),
    ];
    match &postgres_url {
        Some(url) => test_env.push(("POORT_TEST_POSTGRES_URL".into(), url.clone())),
        None => test_env.push(("POORT_TEST_POSTGRES_URL".into(), String::new())),
    }

    outcomes.push(step(
        env,
        "format (cargo fmt --check)",
        &["fmt", "--all", "--", "--check"],
        &[],
    ));
    outcomes.push(step(
        env,
        "clippy (native, -D warnings)",
        &["clippy", "--all-targets", "--", "-D", "warnings"],
        &[],
    ));
    outcomes.push(step(
        env,
        "clippy (web, wasm32, -D warnings)",
        &[
            "clippy",
            "-p",
            "poort-web",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    ));
    outcomes.push(step(
        env,
        "unit tests",
        &[
            "test",
            "--lib",
            "--bins",
            "-p",
            "poort-shared",
            "-p",
            "poort-api",
            "-p",
            "xtask",
        ],
        &test_env,
    ));
    let mut api = step(
        env,
        "API tests: store contract on SQLite and PostgreSQL, OpenAPI freshness",
        &["test", "-p", "poort-api", "--test", "api"],
        &test_env,
    );
    if postgres_url.is_none() {
        api.note = "PostgreSQL part NOT run (unreachable)".into();
    }
    outcomes.push(api);

    let web_started = Instant::now();
    let web = build_web(env);
    outcomes.push(Outcome {
        name: "wasm build of web (trunk --release)".into(),
        ok: web.is_ok(),
        passed: 0,
        failed: 0,
        seconds: web_started.elapsed().as_secs_f64(),
        note: match &web {
            Ok(report) => report.clone(),
            Err(e) => e.clone(),
        },
    });

    // The API's test build also builds `poort` (with the test feature set); using that binary
    // avoids compiling the API a second time with other features.
    let bin = build_api_for_tests(env);
    let mut fuzz_cases: Option<(u64, String)> = None;
    match bin {
        Ok(bin) => {
            test_env.push(("POORT_BIN".into(), bin.display().to_string()));
            // The screenshots and their contact sheet show this run only.
            let _ = std::fs::remove_dir_all(env.root.join("e2e/artifacts"));
            let mut e2e = step(
                env,
                "end-to-end: HTTP (SQLite, PostgreSQL) and browser (headless Chromium)",
                &["test", "-p", "poort-e2e", "--", "--test-threads", "2"],
                &test_env,
            );
            if postgres_url.is_none() {
                e2e.note = "PostgreSQL part NOT run (unreachable)".into();
            }
            let sheet = env.root.join("e2e/artifacts/index.html");
            if sheet.is_file() {
                let shots = std::fs::read_dir(env.root.join("e2e/artifacts"))
                    .map(|d| {
                        d.flatten()
                            .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
                            .count()
                    })
                    .unwrap_or(0);
                let screens = format!("{shots} screenshots: {}", sheet.display());
                e2e.note = if e2e.note.is_empty() {
                    screens
                } else {
                    format!("{} {screens}", e2e.note)
                };
            }
            if let Some(faults) = fault_notes(&env.root.join("e2e/artifacts")) {
                e2e.note = if e2e.note.is_empty() {
                    faults
                } else {
                    format!("{} {faults}", e2e.note)
                };
            }
            fuzz_cases = fuzz_counts(&env.root.join("e2e/artifacts"));
            if let Some((_, parts)) = &fuzz_cases {
                let text = format!("schemathesis: {parts}");
                e2e.note = if e2e.note.is_empty() {
                    text
                } else {
                    format!("{} {text}", e2e.note)
                };
            }
            outcomes.push(e2e);
        }
        Err(e) => outcomes.push(Outcome {
            name: "end-to-end".into(),
            ok: false,
            passed: 0,
            failed: 0,
            seconds: 0.0,
            note: e,
        }),
    }

    println!("\n==== cargo xtask test: summary ====");
    for o in &outcomes {
        let counts = if o.passed + o.failed > 0 {
            format!(" — {} passed, {} failed", o.passed, o.failed)
        } else {
            String::new()
        };
        let note = if o.note.is_empty() {
            String::new()
        } else {
            format!(" [{}]", o.note)
        };
        println!(
            "{} {}{counts} ({:.0} s){note}",
            if o.ok { "PASS" } else { "FAIL" },
            o.name,
            o.seconds
        );
    }
    if postgres_url.is_none() {
        println!("WARNING: PostgreSQL was not reachable; its tests did not run.");
    }
    let passed: u64 = outcomes.iter().map(|o| o.passed).sum();
    let failed: u64 = outcomes.iter().map(|o| o.failed).sum();
    let failed_steps = outcomes.iter().filter(|o| !o.ok).count();
    println!(
        "total time {:.1} min",
        started.elapsed().as_secs_f64() / 60.0
    );
    match &fuzz_cases {
        Some((cases, _)) => {
            println!("{passed} passed, {failed} failed; schemathesis: {cases} generated cases")
        }
        None => println!("{passed} passed, {failed} failed"),
    }
    if failed_steps > 0 || failed > 0 {
        Err(format!("{failed_steps} step(s) failed"))
    } else {
        Ok(())
    }
}

/// What the fault tests left (`fault-<name>.txt`, written when one passes): their names and
/// figures, for the summary.
fn fault_notes(artifacts: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for entry in std::fs::read_dir(artifacts).ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(test) = name
            .strip_prefix("fault-")
            .and_then(|n| n.strip_suffix(".txt"))
        else {
            continue;
        };
        let figures = std::fs::read_to_string(entry.path()).unwrap_or_default();
        parts.push(format!("{test}: {}", figures.trim()));
    }
    parts.sort();
    (!parts.is_empty())
        .then(|| format!("fault tests passed: {}; {}", parts.len(), parts.join("; ")))
}

/// The contract fuzzer's case counts the e2e tests left (`schemathesis-<db>.cases`): the
/// total, and per database.
fn fuzz_counts(artifacts: &Path) -> Option<(u64, String)> {
    let mut parts = Vec::new();
    let mut total = 0;
    for entry in std::fs::read_dir(artifacts).ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(db) = name
            .strip_prefix("schemathesis-")
            .and_then(|n| n.strip_suffix(".cases"))
        else {
            continue;
        };
        let cases: u64 = std::fs::read_to_string(entry.path())
            .ok()?
            .trim()
            .parse()
            .ok()?;
        total += cases;
        parts.push(format!("{cases} cases on {db}"));
    }
    parts.sort();
    (!parts.is_empty()).then(|| {
        (
            total,
            format!("{total} generated cases ({})", parts.join(", ")),
        )
    })
}

/// Runs `cargo <args>`, streaming its output and counting libtest's results.
fn step(env: &Env, name: &str, args: &[&str], extra_env: &[(String, String)]) -> Outcome {
    println!("\n==== {name} ====");
    let started = Instant::now();
    let mut cmd = env.cargo();
    cmd.args(args).stdout(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut passed = 0;
    let mut failed = 0;
    let status = cmd.spawn().and_then(|mut child| {
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                println!("{line}");
                if let Some((p, f)) = parse_test_result(&line) {
                    passed += p;
                    failed += f;
                }
            }
        }
        child.wait()
    });
    let ok = matches!(&status, Ok(s) if s.success());
    Outcome {
        name: name.into(),
        ok,
        passed,
        failed,
        seconds: started.elapsed().as_secs_f64(),
        note: match status {
            Ok(_) => String::new(),
            Err(e) => format!("cannot run cargo: {e}"),
        },
    }
}

/// `test result: ok. 12 passed; 0 failed; 1 ignored; …` → (12, 0).
fn parse_test_result(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let mut passed = None;
    let mut failed = None;
    for part in rest.split(';') {
        let words: Vec<&str> = part.split_whitespace().collect();
        match words.as_slice() {
            [.., n, "passed"] => passed = n.parse().ok(),
            [n, "failed"] => failed = n.parse().ok(),
            _ => {}
        }
    }
    Some((passed?, failed?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_summary_lines_are_counted() {
        let line = "test result: FAILED. 12 passed; 3 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.50s";
        assert_eq!(parse_test_result(line), Some((12, 3)));
        assert_eq!(parse_test_result("test foo ... ok"), None);
    }
}

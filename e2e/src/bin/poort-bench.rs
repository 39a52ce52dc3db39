//! `cargo xtask bench`: Poort's performance figures, printed (never asserted).
//!
//! (a) the argon2id ceiling: how many password hashes all cores compute per second in-process
//!     at the configured cost (19456 KiB, 2 passes, 1 lane), with each thread's working memory
//!     reused (as the server does) and allocated per hash;
//! (b) full sign-ins against the release binary on loopback: password, authenticator code and
//!     one authenticated call, by several clients at once (`--clients`, default 3 per core);
//!     sign-ins per second, the ratio to the ceiling measured right before and after, latencies;
//! (c) authenticated reads alone (`GET /api/me/profile`) with wrk;
//! (c2) overload: password steps offered at three times the sign-in rate of (b) for 30 s while
//!     signed-in reads go on at 1,000/s (both open loop, as people arrive): how many are
//!     accepted, how fast the rest are told 503 with Retry-After, the reads' latencies, other
//!     errors and the server's memory at the start and the end (`--no-overload` skips it);
//!     with `--soak [MINUTES]` (10 by default) then full sign-ins at half the rate of (b) and
//!     the same reads, with latencies and memory per minute;
//! (d) access tokens from `/oauth2/token` with `private_key_jwt` (Ed25519 client assertions,
//!     each with its own `jti`, signed by the load generator before the clock starts), sent by
//!     wrk (`--tokens-only`: this part and (e) alone);
//! (e) the same office endpoint (`GET /api/office/portfolios`) read with bearer tokens and with
//!     an administrator's session cookie, with wrk;
//! for SQLite and for PostgreSQL (`--only sqlite|postgres`), with the server's peak memory;
//! (f) with `--spa DIR` (the built SPA), first: the time until the sign-in form accepts input
//!     in headless Chromium on emulated slow 4G, and unthrottled;
//! (g) with `--scale`, last (`--scale-only`: alone): every list and search endpoint at an insurer's numbers
//!     (`poort --dev seed-scale`: 5,000 offices, 100,000 accounts, 400,000 rights, 2,000,000
//!     audit events), one client (p50, p99) and 16 at once (requests/s), per database.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use argon2::{Algorithm, Argon2, Block, Params, PasswordHasher, Version};
use poort_e2e::db::{Kind, TestDatabase};
use poort_e2e::server::{Poort, base_env, run_bin, run_bin_within};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const PASSWORD: &str = "benchmark wachtwoord 2026";
const SEED: &str = "poort-bench";
const ACCOUNTS: usize = 4000;
/// Demo API clients (`pc_demo_<i>`), whose keys come from the seed.
const API_CLIENTS: usize = 16;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// (a) Hashes per second on all cores at the production cost. With `reuse`, each thread keeps
/// its 19 MiB working memory between hashes (as the server's hashing threads do); without,
/// every hash allocates it afresh (the `argon2` crate's convenience API).
fn argon2_ceiling(seconds: u64, reuse: bool) -> f64 {
    let params = Params::new(19_456, 2, 1, None).unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let threads: Vec<_> = (0..cores())
        .map(|_| {
            let done = done.clone();
            let params = params.clone();
            std::thread::spawn(move || {
                let mut memory = vec![Block::default(); params.block_count()];
                let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                let mut out = [0u8; 32];
                while Instant::now() < until {
                    if reuse {
                        argon2
                            .hash_password_into_with_memory(
                                PASSWORD.as_bytes(),
                                b"sixteen byte salt",
                                &mut out,
                                &mut memory,
                            )
                            .unwrap();
                    } else {
                        argon2.hash_password(PASSWORD.as_bytes()).unwrap();
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

fn totp_now(i: usize) -> String {
    poort_e2e::totp::seeded_code(SEED, i)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct FlowResult {
    latency: Duration,
    ok: bool,
    overloaded: bool,
    cookie: Option<String>,
}

/// One full sign-in: password, authenticator code, one authenticated read.
async fn sign_in(client: &reqwest::Client, base: &str, i: usize) -> FlowResult {
    let started = Instant::now();
    let fail = |overloaded| FlowResult {
        latency: started.elapsed(),
        ok: false,
        overloaded,
        cookie: None,
    };
    let Ok(r) = password_step(client, base, i).send().await else {
        return fail(false);
    };
    if r.status() == 503 {
        return fail(true);
    }
    let step: Value = r.json().await.unwrap_or(Value::Null);
    let Some(token) = step["sign_in_token"].as_str() else {
        return fail(false);
    };
    let Ok(r) = client
        .post(format!("{base}/api/sign-in/authenticator"))
        .json(&json!({ "sign_in_token": token, "code": totp_now(i) }))
        .send()
        .await
    else {
        return fail(false);
    };
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("poort_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let Some(cookie) = cookie else {
        return fail(false);
    };
    let ok = client
        .get(format!("{base}/api/me/profile"))
        .header("Cookie", &cookie)
        .send()
        .await
        .is_ok_and(|r| r.status() == 200);
    FlowResult {
        latency: started.elapsed(),
        ok,
        overloaded: false,
        cookie: Some(cookie),
    }
}

/// (b) Full sign-ins by `clients` concurrent clients for `seconds`; each account once.
async fn sign_in_load(
    base: &str,
    clients: usize,
    seconds: u64,
) -> (f64, Vec<Duration>, usize, usize, Vec<String>) {
    let next = Arc::new(AtomicUsize::new(1));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let next = next.clone();
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut results = Vec::new();
            while Instant::now() < until {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= ACCOUNTS {
                    break;
                }
                results.push(sign_in(&client, &base, i).await);
            }
            results
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ok: Vec<&FlowResult> = all.iter().filter(|r| r.ok).collect();
    let overloaded = all.iter().filter(|r| r.overloaded).count();
    let failed = all.len() - ok.len() - overloaded;
    let mut latencies: Vec<Duration> = ok.iter().map(|r| r.latency).collect();
    latencies.sort();
    let cookies = ok.iter().filter_map(|r| r.cookie.clone()).collect();
    (
        ok.len() as f64 / elapsed,
        latencies,
        overloaded,
        failed,
        cookies,
    )
}

/// Requests at a fixed rate (open loop: one every `1/rate` s whether or not the earlier ones
/// have been answered, as people arrive), for `seconds`; `make(n)` is the n-th request.
async fn at_rate<F, Fut, T>(rate: f64, seconds: f64, make: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let total = (rate * seconds) as usize;
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total {
        tokio::time::sleep_until(start + Duration::from_secs_f64(n as f64 / rate)).await;
        tasks.push(tokio::spawn(make(n)));
    }
    let mut out = Vec::with_capacity(total);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// One request's answer under open-loop load: how long it took, its status (0: no answer)
/// and whether a 503 said when to come back.
#[derive(Clone, Copy)]
struct Answered {
    /// When it was sent, from the start of the run.
    at: Duration,
    latency: Duration,
    status: u16,
    retry_after: bool,
}

async fn answered(phase: Instant, request: reqwest::RequestBuilder) -> Answered {
    let sent = Instant::now();
    let r = request.send().await;
    let (status, retry_after) = match &r {
        Ok(r) => (r.status().as_u16(), r.headers().contains_key("retry-after")),
        Err(_) => (0, false),
    };
    if let Ok(r) = r {
        let _ = r.bytes().await;
    }
    Answered {
        at: sent - phase,
        latency: sent.elapsed(),
        status,
        retry_after,
    }
}

/// The password step alone (what costs a hash) for demo adviser `i`.
fn password_step(client: &reqwest::Client, base: &str, i: usize) -> reqwest::RequestBuilder {
    client
        .post(format!("{base}/api/sign-in"))
        .json(&json!({ "email": format!("adviseur{i}@demo.example"), "password": PASSWORD }))
}

/// A memory figure of the server's `/proc/PID/status` (`VmRSS:`, `VmHWM:`, …), in MiB.
fn status_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// The server's resident memory now (MiB).
fn rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmRSS:")
}

/// The server's resident memory now by kind: its own (heap, stacks), mapped files (the
/// program's code) and shared.
fn rss_parts(pid: u32) -> String {
    let field = |name: &str| {
        status_mib(pid, name).map_or_else(|| "?".to_string(), |mib| format!("{mib:.1}"))
    };
    format!(
        "anonymous {} MiB, files {} MiB, shared {} MiB",
        field("RssAnon:"),
        field("RssFile:"),
        field("RssShmem:")
    )
}

/// Samples the server's resident memory once a second until `stop` is set.
fn sample_rss(
    pid: Option<u32>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Vec<f64>> {
    tokio::spawn(async move {
        let mut samples = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            if let Some(mib) = pid.and_then(rss_mib) {
                samples.push(mib);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        samples
    })
}

/// p50 and p99 (ms) of the latencies of `answers`, and how many there were.
fn latency_summary(answers: &[&Answered]) -> (usize, f64, f64) {
    let mut l: Vec<Duration> = answers.iter().map(|a| a.latency).collect();
    l.sort();
    (l.len(), ms(percentile(&l, 0.5)), ms(percentile(&l, 0.99)))
}

/// Reads per second the overload and soak phases keep going beside the sign-ins (a steady
/// stream of people using the extranet, sent at this rate whatever the answers take).
const STEADY_READS: f64 = 1000.0;

/// Overload: password steps offered at three times the sign-in rate just measured, for 30 s,
/// while signed-in reads continue at a steady rate. What should happen: the excess is told 503
/// with Retry-After at once (the hashing queue is full), reads stay fast, nothing else fails
/// and memory stays flat.
async fn overload(base: &str, capacity: f64, cookies: &[String], pid: Option<u32>) {
    if capacity <= 0.0 || cookies.is_empty() {
        println!("  overload: skipped (no sign-in rate or sessions measured)");
        return;
    }
    let offered = 3.0 * capacity;
    let seconds = 30.0;
    let client = reqwest::Client::new();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rss = sample_rss(pid, stop.clone());
    let phase = Instant::now();
    let (sign_ins, reads) = tokio::join!(
        at_rate(offered, seconds, |n| {
            let request = password_step(&client, base, 1 + n % (ACCOUNTS - 1));
            answered(phase, request)
        }),
        at_rate(STEADY_READS, seconds, |n| {
            let request = client
                .get(format!("{base}/api/me/profile"))
                .header("Cookie", &cookies[n % cookies.len()]);
            answered(phase, request)
        }),
    );
    stop.store(true, Ordering::Relaxed);
    let rss = rss.await.unwrap();
    let accepted: Vec<&Answered> = sign_ins.iter().filter(|a| a.status == 200).collect();
    let refused: Vec<&Answered> = sign_ins
        .iter()
        .filter(|a| a.status == 503 && a.retry_after)
        .collect();
    let other = sign_ins.len() - accepted.len() - refused.len();
    let (_, a50, a99) = latency_summary(&accepted);
    let (_, r50, r99) = latency_summary(&refused);
    let read_ok: Vec<&Answered> = reads.iter().filter(|a| a.status == 200).collect();
    let (_, p50, p99) = latency_summary(&read_ok);
    let read_errors = reads.len() - read_ok.len();
    // The reads' p99 per 5 s: a spike shows when it came.
    let windows: Vec<String> = (0..(seconds as u64).div_ceil(5))
        .map(|w| {
            let window: Vec<&Answered> = read_ok
                .iter()
                .copied()
                .filter(|a| a.at.as_secs() / 5 == w)
                .collect();
            format!("{:.0}", latency_summary(&window).2)
        })
        .collect();
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len().max(1) as f64;
    let head = &rss[..rss.len().min(5)];
    let tail = &rss[rss.len().saturating_sub(5)..];
    let peak = rss.iter().copied().fold(0.0, f64::max);
    println!(
        "  overload: password steps offered at {offered:.0}/s (3x the {capacity:.1} sign-ins/s above) for {seconds:.0} s, \
         with signed-in reads at {STEADY_READS:.0}/s beside them:\n    \
         {} accepted ({:.1}/s; p50 {a50:.1} ms, p99 {a99:.1} ms), {} refused with 503 + Retry-After \
         (p50 {r50:.1} ms, p99 {r99:.1} ms), {other} other answers or errors\n    \
         reads: {} answered 200 (p50 {p50:.1} ms, p99 {p99:.1} ms; p99 per 5 s: {} ms), {read_errors} other answers or errors\n    \
         server RSS: {:.0} MiB over the first 5 s, {:.0} MiB over the last 5 s, peak {peak:.0} MiB",
        accepted.len(),
        accepted.len() as f64 / phase.elapsed().as_secs_f64(),
        refused.len(),
        read_ok.len(),
        windows.join(" "),
        mean(head),
        mean(tail),
    );
}

/// Soak (`--soak`, minutes after it, 10 by default): full sign-ins at half the rate measured
/// and signed-in reads at a steady rate, with the latencies and the server's memory per
/// minute, which should stay flat from the first minute to the last.
async fn soak(base: &str, capacity: f64, cookies: &[String], pid: Option<u32>, minutes: u64) {
    if capacity <= 0.0 || cookies.is_empty() {
        println!("  soak: skipped (no sign-in rate or sessions measured)");
        return;
    }
    let rate = capacity / 2.0;
    // Each adviser's authenticator code is good once per 30 s step: take turns so that the
    // same adviser comes back no sooner than 35 s later.
    let cycle = ACCOUNTS as f64 / rate;
    if cycle < 35.0 {
        println!("  soak: skipped ({ACCOUNTS} advisers are too few for {rate:.0} sign-ins/s)");
        return;
    }
    println!(
        "  soak: full sign-ins at {rate:.1}/s (half the rate above) and signed-in reads at {STEADY_READS:.0}/s for {minutes} min:\n    \
         minute | sign-ins  p50 ms  p99 ms  failed | reads   p50 ms  p99 ms  failed | RSS MiB"
    );
    let client = reqwest::Client::new();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rss = sample_rss(pid, stop.clone());
    let phase = Instant::now();
    for minute in 0..minutes {
        let offset = (minute as f64 * 60.0 * rate) as usize;
        let (sign_ins, reads) = tokio::join!(
            at_rate(rate, 60.0, |n| {
                let client = client.clone();
                let base = base.to_string();
                let i = 1 + (offset + n) % (ACCOUNTS - 1);
                async move {
                    let sent = Instant::now();
                    let r = sign_in(&client, &base, i).await;
                    Answered {
                        at: sent - phase,
                        latency: r.latency,
                        status: if r.ok {
                            200
                        } else if r.overloaded {
                            503
                        } else {
                            0
                        },
                        retry_after: false,
                    }
                }
            }),
            at_rate(STEADY_READS, 60.0, |n| {
                let request = client
                    .get(format!("{base}/api/me/profile"))
                    .header("Cookie", &cookies[n % cookies.len()]);
                answered(phase, request)
            }),
        );
        let now_rss = pid.and_then(rss_mib).unwrap_or(0.0);
        let ok: Vec<&Answered> = sign_ins.iter().filter(|a| a.status == 200).collect();
        let (n, s50, s99) = latency_summary(&ok);
        let read_ok: Vec<&Answered> = reads.iter().filter(|a| a.status == 200).collect();
        let (m, r50, r99) = latency_summary(&read_ok);
        println!(
            "    {:>6} | {n:>8}  {s50:>6.1}  {s99:>6.1}  {:>6} | {m:>6}  {r50:>6.1}  {r99:>6.1}  {:>6} | {now_rss:>7.0}",
            minute + 1,
            sign_ins.len() - n,
            reads.len() - m,
        );
    }
    stop.store(true, Ordering::Relaxed);
    let rss = rss.await.unwrap();
    let peak = rss.iter().copied().fold(0.0, f64::max);
    let after_first = rss.get(60).copied().unwrap_or(0.0);
    let last = rss.last().copied().unwrap_or(0.0);
    println!(
        "    server RSS: {after_first:.0} MiB after minute 1, {last:.0} MiB at the end, peak {peak:.0} MiB"
    );
}

/// Sessions the authenticated reads take turns with (as many people reading at once).
const READ_SESSIONS: usize = 256;

/// A client assertion of demo client `i` (RFC 7523), signed as the server's demo seed says.
fn assertion(base: &str, i: usize) -> String {
    use base64::Engine as _;
    use ed25519_dalek::Signer as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let key = ed25519_dalek::SigningKey::from_bytes(
        &Sha256::digest(format!("{SEED}:api-client:{i}").as_bytes()).into(),
    );
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let client = format!("pc_demo_{i}");
    let header = b64(
        json!({ "alg": "EdDSA", "typ": "JWT", "kid": format!("demo-{i}") })
            .to_string()
            .as_bytes(),
    );
    let claims = b64(json!({
        "iss": client, "sub": client, "aud": format!("{base}/oauth2/token"),
        "iat": now, "exp": now + 120, "jti": uuid::Uuid::new_v4().to_string(),
    })
    .to_string()
    .as_bytes());
    let input = format!("{header}.{claims}");
    let signature = b64(&key.sign(input.as_bytes()).to_bytes());
    format!("{input}.{signature}")
}

/// The form of a token request with a fresh assertion of demo client `n % API_CLIENTS`.
fn token_form(base: &str, n: usize) -> String {
    format!(
        "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={}",
        assertion(base, n % API_CLIENTS)
    )
}

/// (d) Tokens from `/oauth2/token` with wrk (2 threads, `connections` connections) for
/// `seconds`: every request carries its own assertion (a fresh `jti`), all signed before the
/// clock starts and read by wrk from a file, so what is measured is the server, not the load
/// generator's signing or HTTP client (wrk's C loop costs a fraction of reqwest's).
/// Returns (tokens/s, p50, p99, refused), or `None` without wrk.
async fn token_load(
    base: &str,
    connections: usize,
    seconds: u64,
    dir: &std::path::Path,
) -> Option<(f64, String, String, u64)> {
    // More than the server could take in the time: a request that ran out would replay a jti.
    const PRESIGNED_PER_SECOND: usize = 12_000;
    let total = PRESIGNED_PER_SECOND * usize::try_from(seconds).unwrap_or(10);
    let bodies = {
        let base = base.to_string();
        tokio::task::spawn_blocking(move || {
            let mut text = String::new();
            for n in 0..total {
                text.push_str(&token_form(&base, n));
                text.push('\n');
            }
            text
        })
        .await
        .unwrap()
    };
    let forms = dir.join("token-forms.txt");
    std::fs::write(&forms, bodies).ok()?;
    // Thread k of wrk's two sends lines k, k+2, k+4, … each once.
    let script = format!(
        "local threads = {{}}\nlocal counter = 0\n\
         setup = function(thread)\n  thread:set(\"id\", counter)\n  counter = counter + 1\nend\n\
         local requests = {{}}\nlocal n = 0\n\
         init = function(args)\n  local i = 0\n  \
         for line in io.lines({forms:?}) do\n    \
         if i % 2 == id then\n      requests[#requests + 1] = wrk.format(\"POST\", nil, \
         {{ [\"Content-Type\"] = \"application/x-www-form-urlencoded\" }}, line)\n    end\n    \
         i = i + 1\n  end\nend\n\
         request = function()\n  n = n + 1\n  return requests[n] or requests[1]\nend\n",
        forms = forms.display().to_string()
    );
    let path = dir.join("token.lua");
    std::fs::write(&path, script).ok()?;
    let out = std::process::Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
            &path.display().to_string(),
            &format!("{base}/oauth2/token"),
        ])
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&forms);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let number = |prefix: &str, nth: usize| -> Option<f64> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))?
            .split_whitespace()
            .nth(nth)?
            .trim_end_matches('s')
            .parse()
            .ok()
    };
    let pct = |p: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(p))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_string()
    };
    // "123456 requests in 10.00s, 45.6MB read"
    let line = text
        .lines()
        .find(|l| l.contains(" requests in "))?
        .trim()
        .to_string();
    let mut words = line.split_whitespace();
    let requests: f64 = words.next()?.parse().ok()?;
    let elapsed: f64 = words
        .nth(2)?
        .trim_end_matches(',')
        .trim_end_matches('s')
        .parse()
        .ok()?;
    let refused = number("Non-2xx or 3xx responses:", 4).unwrap_or(0.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some((
        (requests - refused) / elapsed,
        pct("50%"),
        pct("99%"),
        refused as u64,
    ))
}

/// A few access tokens for the bearer reads.
async fn some_tokens(base: &str, count: usize) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for n in 0..count {
        let Ok(answer) = http
            .post(format!("{base}/oauth2/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(token_form(base, n))
            .send()
            .await
        else {
            continue;
        };
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        tokens.extend(body["access_token"].as_str().map(str::to_string));
    }
    tokens
}

/// (c) A GET with wrk, taking turns with the session cookies given (a wrk script in `dir`);
/// returns (requests/s, p50, p99).
fn read_load(
    url: &str,
    cookies: &[String],
    dir: &std::path::Path,
    seconds: u64,
) -> Option<(f64, String, String)> {
    read_load_with(url, "Cookie", cookies, dir, seconds)
}

/// A GET with wrk, taking turns with the values of `header` given.
fn read_load_with(
    url: &str,
    header: &str,
    values: &[String],
    dir: &std::path::Path,
    seconds: u64,
) -> Option<(f64, String, String)> {
    let cookies = values;
    let mut wrk = std::process::Command::new("wrk");
    wrk.args(["-t2", "-c32", &format!("-d{seconds}s"), "--latency"]);
    if !cookies.is_empty() {
        // Each wrk thread prepares one request per session and sends them in turn.
        let list: Vec<String> = cookies.iter().map(|c| format!("{c:?}")).collect();
        let script = format!(
            "local cookies = {{ {} }}\nlocal requests = {{}}\nlocal n = 0\n\
             init = function(args)\n  for i, c in ipairs(cookies) do\n    \
             requests[i] = wrk.format(\"GET\", nil, {{ [\"{header}\"] = c }})\n  end\nend\n\
             request = function()\n  n = n % #requests + 1\n  return requests[n]\nend\n",
            list.join(", ")
        );
        let path = dir.join(format!("{}.lua", header.to_lowercase()));
        std::fs::write(&path, script).ok()?;
        wrk.args(["-s", &path.display().to_string()]);
    }
    let out = wrk.arg(url).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let pct = |p: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(p))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_string()
    };
    let non2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .map(str::trim)
        .unwrap_or("");
    if !non2xx.is_empty() {
        println!("    wrk: {non2xx}");
    }
    Some((rps, pct("50%"), pct("99%")))
}

fn peak_rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmHWM:")
}

/// The demo office's `ACCOUNTS` advisers (and `api_clients` API clients) with the bench's
/// password and seed.
async fn seed_demo(bin: &std::path::Path, env: &[(String, String)], api_clients: usize) {
    let seeded = run_bin(
        bin,
        &[
            "--dev",
            "seed-demo",
            "--accounts",
            &ACCOUNTS.to_string(),
            "--password",
            PASSWORD,
            "--totp-seed",
            SEED,
            "--api-clients",
            &api_clients.to_string(),
        ],
        env,
    )
    .await;
    assert_eq!(seeded.code, Some(0), "seeding failed: {}", seeded.stderr);
}

/// Steady state after a bulk insert: statistics and a checkpoint now, not during the run.
async fn steady(db: &TestDatabase, kind: Kind) {
    if kind == Kind::Postgres {
        db.execute("VACUUM ANALYZE").await;
        db.execute("CHECKPOINT").await;
    } else {
        db.execute("ANALYZE").await;
    }
}

/// The server shares the bench's scheduling group (its session's autogroup), so a server run
/// with `server.scheduling_group_nice` leaves the group, and the shell that ran the bench, at
/// that priority: put back at the end (best effort: raising it back may need the right to).
fn default_scheduling_group() {
    #[cfg(target_os = "linux")]
    let _ = std::fs::write("/proc/self/autogroup", "0");
}

async fn bench_database(bin: &std::path::Path, kind: Kind, seconds: u64) {
    let Some(db) = TestDatabase::new(kind).await else {
        println!("\n[{}] skipped: no database", kind.name());
        return;
    };
    println!("\n[{}]", kind.name());
    let mut env = base_env(&db);
    env.retain(|(k, _)| k != "POORT__LOG__LEVEL");
    env.extend(
        [
            ("POORT__LOG__LEVEL", "warn"),
            ("POORT__LOG__FORMAT", "json"),
            (
                "POORT__POLICY__SIGN_INS_PER_MINUTE_PER_CLIENT",
                "1000000000",
            ),
            (
                "POORT__POLICY__TOKENS_PER_MINUTE_PER_API_CLIENT",
                "1000000000",
            ),
            (
                "POORT__POLICY__OAUTH_REQUESTS_PER_MINUTE_PER_CLIENT",
                "1000000000",
            ),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    // PostgreSQL runs on these same cores in a scheduling group of its own (Linux autogroups),
    // with as much weight as the server and the load generators together: under the sign-in
    // overload its backends waited up to ~90 ms for a core (reads' p99 ~60 ms). With
    // `POORT__SERVER__SCHEDULING_GROUP_NICE=10` in the bench's environment the server runs as
    // the example configuration advises for a machine shared with the database (reads' p99
    // 1.5–2 ms; tokens/s ~10 % fewer): said here when so.
    if let Some(nice) = std::env::var("POORT__SERVER__SCHEDULING_GROUP_NICE")
        .ok()
        .filter(|n| n != "0")
    {
        println!("  server.scheduling_group_nice = {nice} (from the environment)");
    }
    // Settings in the bench's environment (`POORT__…`) go to the server too, last: to measure
    // with one changed.
    env.extend(std::env::vars().filter(|(k, _)| k.starts_with("POORT__")));
    // The server's own default pool unless told otherwise: on 2 cores, 16 PostgreSQL backends
    // gave ~8 % more reads per second but p99 spikes of 14–70 ms (too many runnable processes).
    if let Some(connections) = arg("--connections") {
        env.push(("POORT__DATABASE__MAX_CONNECTIONS".into(), connections));
    }
    seed_demo(bin, &env, API_CLIENTS).await;
    steady(&db, kind).await;
    let poort = Poort::start_bin(bin, &["--dev"], &env, &db.path().join("poort.log")).await;
    let base = poort.url.clone();
    let clients = arg("--clients")
        .and_then(|s| s.parse().ok())
        .unwrap_or(cores() * 3);

    // `--tokens-only`: the integrators' part alone (for work on the token endpoint).
    if !std::env::args().any(|a| a == "--tokens-only") {
        // A virtual machine's speed drifts by several per cent within minutes: the ceiling the
        // sign-ins are compared with is measured right before and right after them.
        let before = tokio::task::spawn_blocking(|| argon2_ceiling(5, true))
            .await
            .unwrap();
        let (rate, latencies, overloaded, failed, mut cookies) =
            sign_in_load(&base, clients, seconds).await;
        let after = tokio::task::spawn_blocking(|| argon2_ceiling(5, true))
            .await
            .unwrap();
        let ceiling = f64::midpoint(before, after);
        println!(
            "  argon2id ceiling around the run (working memory reused): {before:.1} before, {after:.1} after\n  full sign-ins (password + authenticator + GET /api/me/profile), {clients} clients, {seconds} s:\n    \
             {rate:.1} sign-ins/s = {:.0}% of the argon2 ceiling; p50 {:.1} ms, p99 {:.1} ms; {} completed, {overloaded} answered 503, {failed} failed",
            100.0 * rate / ceiling,
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
            latencies.len()
        );
        cookies.truncate(READ_SESSIONS);
        let read = if cookies.is_empty() {
            None
        } else {
            read_load(&format!("{base}/api/me/profile"), &cookies, &db.path(), 10)
        };
        match read {
            Some((rps, p50, p99)) => println!(
                "  authenticated GET /api/me/profile (wrk, 2 threads, 32 connections taking turns with {} sessions, 10 s):\n    {rps:.0} requests/s; p50 {p50}, p99 {p99}",
                cookies.len()
            ),
            None => println!(
                "  authenticated reads: no session to read with, or wrk not available (apt-get install wrk)"
            ),
        }
        // Overload after the reads (it leaves a queue of sign-in tokens behind, not sessions).
        if !std::env::args().any(|a| a == "--no-overload") {
            overload(&base, rate, &cookies, poort.pid()).await;
        }
        if std::env::args().any(|a| a == "--soak") {
            let minutes = arg("--soak").and_then(|m| m.parse().ok()).unwrap_or(10);
            soak(&base, rate, &cookies, poort.pid(), minutes).await;
        }
    }
    // (d) and (e): integrators.
    // Integrators' programs ask for tokens as many at once as wrk's connections read.
    let requesters = arg("--token-requesters")
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    let token_rate = match token_load(&base, requesters, 10, &db.path()).await {
        Some((rate, p50, p99, refused)) => {
            println!(
                "  access tokens from /oauth2/token (private_key_jwt, Ed25519 assertions signed beforehand, {API_CLIENTS} clients, wrk with {requesters} connections, 10 s):\n    \
                 {rate:.0} tokens/s; p50 {p50}, p99 {p99}; {refused} refused"
            );
            rate
        }
        None => {
            println!("  access tokens: wrk not available (apt-get install wrk)");
            0.0
        }
    };
    let tokens = some_tokens(&base, 32).await;
    let bearers: Vec<String> = tokens.iter().map(|t| format!("Bearer {t}")).collect();
    let office_read = format!("{base}/api/office/portfolios");
    if let Some((rps, p50, p99)) =
        read_load_with(&office_read, "Authorization", &bearers, &db.path(), 10)
    {
        println!(
            "  GET /api/office/portfolios with bearer tokens (wrk, 32 connections taking turns with {} tokens, 10 s):\n    {rps:.0} requests/s; p50 {p50}, p99 {p99}",
            bearers.len()
        );
    }
    // The same endpoint with the administrator's session (adviser 0 administers the office).
    if let Some(cookie) = sign_in(&reqwest::Client::new(), &base, 0).await.cookie
        && let Some((rps, p50, p99)) = read_load(&office_read, &[cookie], &db.path(), 10)
    {
        println!(
            "  GET /api/office/portfolios with the administrator's session cookie (same load):\n    {rps:.0} requests/s; p50 {p50}, p99 {p99}"
        );
    }
    // The same load on an endpoint that touches no database: what HTTP on loopback costs here.
    if let Some((rps, p50, p99)) = read_load(&format!("{base}/api/health"), &[], &db.path(), 10) {
        // A VM's speed drifts between runs: the token rate as a share of this run's baseline
        // compares across runs and machines.
        println!(
            "  baseline GET /api/health (no database, same load):\n    {rps:.0} requests/s; p50 {p50}, p99 {p99}; \
             tokens/s above = {:.1} % of it",
            100.0 * token_rate / rps
        );
    }
    if let Some(rss) = poort.pid().and_then(peak_rss_mib) {
        println!(
            "  server peak RSS: {rss:.0} MiB (now: {})",
            poort.pid().map(rss_parts).unwrap_or_default()
        );
    }
    drop(poort);
    db.drop_database().await;
}

/// One signed-in session of a scale account: `email` with the authenticator of number `i`.
async fn scale_session(base: &str, email: &str, i: usize) -> Option<String> {
    let client = reqwest::Client::new();
    let step: Value = client
        .post(format!("{base}/api/sign-in"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let token = step["sign_in_token"].as_str()?;
    let r = client
        .post(format!("{base}/api/sign-in/authenticator"))
        .json(&json!({ "sign_in_token": token, "code": totp_now(i) }))
        .send()
        .await
        .ok()?;
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("poort_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

/// A GET with the session: status, body and how long it took.
async fn timed_get(client: &reqwest::Client, url: &str, cookie: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    match client.get(url).header("Cookie", cookie).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.json().await.unwrap_or(Value::Null);
            (status, body, started.elapsed())
        }
        Err(_) => (0, Value::Null, started.elapsed()),
    }
}

/// (g) The list and search endpoints at an insurer's numbers.
async fn bench_scale(bin: &std::path::Path, kind: Kind) {
    let Some(db) = TestDatabase::new(kind).await else {
        println!("\n[{} at scale] skipped: no database", kind.name());
        return;
    };
    println!("\n[{} at scale]", kind.name());
    let mut env = base_env(&db);
    env.retain(|(k, _)| k != "POORT__LOG__LEVEL");
    env.extend(
        [
            ("POORT__LOG__LEVEL", "warn"),
            (
                "POORT__POLICY__SIGN_INS_PER_MINUTE_PER_CLIENT",
                "1000000000",
            ),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let started = Instant::now();
    let seeded = run_bin_within(
        bin,
        &[
            "--dev",
            "seed-scale",
            "--password",
            PASSWORD,
            "--totp-seed",
            SEED,
        ],
        &env,
        Duration::from_secs(1_800),
    )
    .await;
    assert_eq!(seeded.code, Some(0), "seeding failed: {}", seeded.stderr);
    // The sign-in accounts of the other parts, as one more office.
    seed_demo(bin, &env, 0).await;
    steady(&db, kind).await;
    println!(
        "  {} (with statistics: {:.0} s in all)",
        seeded.stdout.trim(),
        started.elapsed().as_secs_f64()
    );
    let admin_email = seeded
        .stdout
        .split("administrator: account 0, ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the seed names the first administrator")
        .to_string();
    let office = seeded
        .stdout
        .split("largest office ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("the seed names the largest office")
        .to_string();
    let poort = Poort::start_bin(bin, &["--dev"], &env, &db.path().join("poort.log")).await;
    let base = poort.url.clone();
    let admin = scale_session(&base, &admin_email, 0)
        .await
        .expect("the first administrator signs in");
    let operator = scale_session(&base, "relatiebeheer@scale.example", 100_000)
        .await
        .expect("the relations team signs in");
    // Sign-ins and signed-in reads with all of that in the database.
    let clients = arg("--clients")
        .and_then(|s| s.parse().ok())
        .unwrap_or(cores() * 3);
    let (rate, latencies, overloaded, failed, mut cookies) = sign_in_load(&base, clients, 10).await;
    println!(
        "  full sign-ins, {clients} clients, 10 s: {rate:.1} sign-ins/s; p50 {:.1} ms, p99 {:.1} ms; {overloaded} answered 503, {failed} failed",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
    );
    cookies.truncate(READ_SESSIONS);
    if let Some((rps, p50, p99)) =
        read_load(&format!("{base}/api/me/profile"), &cookies, &db.path(), 10)
    {
        println!(
            "  authenticated GET /api/me/profile (wrk, as above, 10 s): {rps:.0} requests/s; p50 {p50}, p99 {p99}"
        );
    }
    if let Some((rps, p50, p99)) = read_load(&format!("{base}/api/health"), &[], &db.path(), 10) {
        println!(
            "  baseline GET /api/health (same load): {rps:.0} requests/s; p50 {p50}, p99 {p99}"
        );
    }
    let client = reqwest::Client::new();
    // Ids for deep pages and filters, read from the trail itself.
    let mut before = None;
    for _ in 0..100 {
        let url = match &before {
            Some(b) => format!("{base}/api/operator/audit?limit=500&before={b}"),
            None => format!("{base}/api/operator/audit?limit=500"),
        };
        let (_, page, _) = timed_get(&client, &url, &operator).await;
        before = page["next_before"].as_str().map(str::to_string);
    }
    let deep = before.unwrap_or_default();
    let (_, accounts, _) = timed_get(&client, &format!("{base}/api/office/accounts"), &admin).await;
    let someone = accounts["accounts"][7]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let endpoints: Vec<(String, String, &str)> = vec![
        (
            "office: accounts (1,000)".into(),
            "/api/office/accounts".into(),
            &admin,
        ),
        (
            "office: accounts ?q=jan".into(),
            "/api/office/accounts?q=jan".into(),
            &admin,
        ),
        (
            "office: accounts ?q=de vries".into(),
            "/api/office/accounts?q=de%20vries".into(),
            &admin,
        ),
        (
            "office: accounts ?q=0610000 (mobile)".into(),
            "/api/office/accounts?q=0610000".into(),
            &admin,
        ),
        (
            "office: accounts ?status=deactivated".into(),
            "/api/office/accounts?status=deactivated&limit=50".into(),
            &admin,
        ),
        (
            "office: accounts page 10 (50 from 450)".into(),
            "/api/office/accounts?limit=50&offset=450".into(),
            &admin,
        ),
        (
            "office: invitations with history".into(),
            "/api/office/invitations".into(),
            &admin,
        ),
        (
            "office: audit trail".into(),
            "/api/office/audit".into(),
            &admin,
        ),
        (
            "office: audit ?action=account.blocked".into(),
            "/api/office/audit?action=account.blocked".into(),
            &admin,
        ),
        (
            "office: audit ?account_id=…".into(),
            format!("/api/office/audit?account_id={someone}"),
            &admin,
        ),
        (
            "relations: accounts (all)".into(),
            "/api/operator/accounts".into(),
            &operator,
        ),
        (
            "relations: accounts ?q=jansen".into(),
            "/api/operator/accounts?q=jansen".into(),
            &operator,
        ),
        (
            "relations: accounts ?q=.4711@ (one)".into(),
            "/api/operator/accounts?q=.4711%40".into(),
            &operator,
        ),
        (
            "relations: accounts ?q=061005 (mobile)".into(),
            "/api/operator/accounts?q=061005".into(),
            &operator,
        ),
        (
            "relations: accounts ?q=zo (2 chars)".into(),
            "/api/operator/accounts?q=zo".into(),
            &operator,
        ),
        (
            "relations: overview (7 counts)".into(),
            "/api/operator/overview".into(),
            &operator,
        ),
        (
            "relations: accounts ?status=blocked".into(),
            "/api/operator/accounts?status=blocked&limit=50".into(),
            &operator,
        ),
        (
            "relations: accounts active without rights".into(),
            "/api/operator/accounts?status=active&without_rights=true&limit=50".into(),
            &operator,
        ),
        (
            "relations: accounts ?status=invited&factor=sms".into(),
            "/api/operator/accounts?status=invited&factor=sms&limit=50".into(),
            &operator,
        ),
        (
            "relations: accounts page 21 (50 from 1,000)".into(),
            "/api/operator/accounts?limit=50&offset=1000".into(),
            &operator,
        ),
        (
            "relations: open invitations (all offices)".into(),
            "/api/operator/invitations?state=open".into(),
            &operator,
        ),
        (
            "relations: expired invitations".into(),
            "/api/operator/invitations?state=expired".into(),
            &operator,
        ),
        (
            "relations: undelivered messages".into(),
            "/api/operator/dead-letters".into(),
            &operator,
        ),
        (
            "relations: offices".into(),
            "/api/operator/offices".into(),
            &operator,
        ),
        (
            "relations: offices ?q=amsterdam".into(),
            "/api/operator/offices?q=amsterdam".into(),
            &operator,
        ),
        (
            "relations: offices ?q=6000123 (KvK)".into(),
            "/api/operator/offices?q=6000123".into(),
            &operator,
        ),
        (
            "relations: an office's invitations".into(),
            format!("/api/operator/offices/{office}/invitations"),
            &operator,
        ),
        (
            "relations: audit trail".into(),
            "/api/operator/audit".into(),
            &operator,
        ),
        (
            "relations: audit ?office_id=…".into(),
            format!("/api/operator/audit?office_id={office}"),
            &operator,
        ),
        (
            "relations: audit ?action=invitation.resent".into(),
            "/api/operator/audit?action=invitation.resent".into(),
            &operator,
        ),
        (
            "relations: audit page 101 (50,000 deep)".into(),
            format!("/api/operator/audit?before={deep}"),
            &operator,
        ),
    ];
    println!(
        "  {:<44} {:>7} {:>9} {:>9} {:>12}",
        "endpoint", "rows", "p50 ms", "p99 ms", "16 clients/s"
    );
    for (label, path, cookie) in &endpoints {
        let url = format!("{base}{path}");
        let mut latencies = Vec::new();
        let mut rows = 0;
        let mut statuses = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let (status, body, took) = timed_get(&client, &url, cookie).await;
            statuses.insert(status);
            rows = ["accounts", "offices", "invitations", "events", "messages"]
                .iter()
                .find_map(|k| body[k].as_array().map(Vec::len))
                .unwrap_or(0);
            latencies.push(took);
        }
        latencies.sort();
        let done = Arc::new(AtomicUsize::new(0));
        let until = Instant::now() + Duration::from_secs(3);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (url, cookie, done) = (url.clone(), cookie.to_string(), done.clone());
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                // The body read whole but not parsed: the load generator shares the cores.
                while Instant::now() < until {
                    if let Ok(r) = client.get(&url).header("Cookie", &cookie).send().await
                        && r.status() == 200
                        && r.bytes().await.is_ok()
                    {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let odd: Vec<String> = statuses
            .iter()
            .filter(|s| **s != 200)
            .map(u16::to_string)
            .collect();
        println!(
            "  {label:<44} {rows:>7} {:>9.1} {:>9.1} {:>12.0}{}",
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
            done.load(Ordering::Relaxed) as f64 / 3.0,
            if odd.is_empty() {
                String::new()
            } else {
                format!("  (also answered {})", odd.join(", "))
            }
        );
    }
    if let Some(rss) = poort.pid().and_then(peak_rss_mib) {
        println!("  server peak RSS: {rss:.0} MiB");
    }
    drop(poort);
    db.drop_database().await;
}

/// (f) The sign-in form on a phone with a weak signal: headless Chromium with a cold cache,
/// DevTools network emulation (1.6 Mbit/s down, 750 kbit/s up, 150 ms latency) and the CPU
/// slowed four times ("slow 4G"), from navigation until the e-mail field of the sign-in form
/// exists (the plain-HTML copy of the sign-in page in `index.html`: it accepts input), and until
/// the app has taken it over (the wasm arrived and ran). Medians of `runs`, throttled and not.
async fn spa_first_input(bin: &std::path::Path, dist: &std::path::Path, runs: usize) {
    use poort_e2e::browser::{Browser, Throttle};
    let db = TestDatabase::sqlite();
    let mut env = base_env(&db);
    env.retain(|(k, _)| k != "POORT__SERVER__STATIC_DIR");
    env.push((
        "POORT__SERVER__STATIC_DIR".into(),
        dist.display().to_string(),
    ));
    let poort = Poort::start_bin(bin, &["--dev"], &env, &db.path().join("poort.log")).await;
    let browser = Browser::start("bench-slow-4g", 412, 823).await;
    let cdp = browser.driver.cdp();
    // Records when the form's e-mail field first exists, on every page load.
    cdp.send_raw(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": "new MutationObserver((_, o) => { const e = document.getElementById('email'); if (e && !window.__formReady) { window.__formReady = performance.now(); } if (e && !document.getElementById('shell') && !window.__appReady) { window.__appReady = performance.now(); o.disconnect(); } }).observe(document, { childList: true, subtree: true });" }),
    )
    .await
    .expect("the observer");
    cdp.send_raw("Network.enable", json!({}))
        .await
        .expect("Network.enable");
    cdp.send_raw("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
        .await
        .expect("a cold cache");
    let measure = |throttled: bool| {
        let url = format!("{}/", poort.url);
        let driver = browser.driver.clone();
        let browser = &browser;
        async move {
            browser
                .throttle(if throttled {
                    &Throttle::SLOW_4G
                } else {
                    &Throttle::NONE
                })
                .await;
            let mut times = Vec::new();
            let mut app_times = Vec::new();
            for _ in 0..runs {
                driver.goto("about:blank").await.expect("a blank page");
                driver.goto(&url).await.expect("the sign-in page");
                let read = |name: &'static str| {
                    let driver = driver.clone();
                    async move {
                        poort_e2e::eventually(60, name, || async {
                            driver
                                .execute(&format!("return window.{name} ?? null;"), vec![])
                                .await
                                .ok()?
                                .json()
                                .as_f64()
                        })
                        .await
                    }
                };
                times.push(read("__formReady").await);
                app_times.push(read("__appReady").await);
            }
            times.sort_by(f64::total_cmp);
            app_times.sort_by(f64::total_cmp);
            (times[times.len() / 2], app_times[app_times.len() / 2])
        }
    };
    let (slow, slow_app) = measure(true).await;
    let (fast, fast_app) = measure(false).await;
    println!(
        "  the SPA's sign-in form accepts input (headless Chromium, cold cache, median of {runs}):\n    \
         {:.2} s on slow 4G (1.6 Mbit/s, 150 ms, CPU x4), {:.2} s unthrottled\n    \
         the app has taken the form over (wasm arrived and ran): {:.2} s on slow 4G, {:.2} s unthrottled",
        slow / 1000.0,
        fast / 1000.0,
        slow_app / 1000.0,
        fast_app / 1000.0
    );
    browser.quit().await;
    drop(poort);
}

#[tokio::main]
async fn main() {
    // reqwest may be built with rustls and no provider (feature unification with the API):
    // name one, as the server does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bin = PathBuf::from(arg("--bin").expect("--bin: the release build of poort"));
    let seconds: u64 = arg("--seconds").and_then(|s| s.parse().ok()).unwrap_or(20);
    println!("Poort benchmark on {} cores", cores());
    let fresh = argon2_ceiling(5, false);
    let ceiling = argon2_ceiling(5, true);
    println!(
        "  argon2id ceiling (19456 KiB, t=2, p=1, all cores, in-process): {ceiling:.1} hashes/s \
         with working memory reused, {fresh:.1} hashes/s allocating it per hash"
    );
    if let Some(dist) = arg("--spa") {
        spa_first_input(&bin, std::path::Path::new(&dist), 5).await;
    }
    let only = arg("--only");
    let flag = |name: &str| std::env::args().any(|a| a == name);
    for kind in [Kind::Sqlite, Kind::Postgres] {
        if only.as_deref().is_none_or(|o| o == kind.name()) && !flag("--scale-only") {
            bench_database(&bin, kind, seconds).await;
        }
    }
    if flag("--scale") || flag("--scale-only") {
        for kind in [Kind::Sqlite, Kind::Postgres] {
            if only.as_deref().is_none_or(|o| o == kind.name()) {
                bench_scale(&bin, kind).await;
            }
        }
    }
    default_scheduling_group();
}

//! Headless Chromium (Debian's, with its chromedriver) driven through WebDriver. Each test gets
//! its own chromedriver and a fresh profile; screenshots go to `e2e/artifacts/`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use thirtyfour::prelude::*;
use tokio::process::{Child, Command};

pub struct Browser {
    pub driver: WebDriver,
    _chromedriver: Child,
    _profile: tempfile::TempDir,
    name: String,
    shots: usize,
    /// True when the phone viewport is emulated (see `start`).
    emulated: bool,
}

/// Where screenshots go: `POORT_TEST_ARTIFACTS`, else `e2e/artifacts`.
/// Appends a line to a file of `e2e/artifacts/` (results noted per screen).
fn append_artifact(file: &str, line: &str) {
    use std::io::Write as _;
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(artifacts_dir().join(file))
    {
        let _ = file.write_all(line.as_bytes());
    }
}

/// How [`Browser::throttle`] slows the browser down.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub latency_ms: f64,
    /// Bytes per second; -1 for no limit.
    pub down_bytes_per_second: f64,
    pub up_bytes_per_second: f64,
    pub cpu_slowdown: f64,
}

impl Throttle {
    /// A phone on a weak mobile connection, as DevTools' "slow 4G": 150 ms, 1.6 Mbit/s down,
    /// 750 kbit/s up, CPU ×4.
    pub const SLOW_4G: Throttle = Throttle {
        latency_ms: 150.0,
        down_bytes_per_second: 1_600_000.0 / 8.0,
        up_bytes_per_second: 750_000.0 / 8.0,
        cpu_slowdown: 4.0,
    };
    /// No slowing down.
    pub const NONE: Throttle = Throttle {
        latency_ms: 0.0,
        down_bytes_per_second: -1.0,
        up_bytes_per_second: -1.0,
        cpu_slowdown: 1.0,
    };
}

pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("POORT_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts"))
}

impl Browser {
    /// Starts chromedriver and a headless Chromium of the given window size.
    pub async fn start(name: &str, width: u32, height: u32) -> Browser {
        let driver_bin =
            std::env::var("POORT_TEST_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let chromium = std::env::var("POORT_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".into());
        let port = crate::free_port();
        let chromedriver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {driver_bin} (apt-get install chromium-driver): {e}")
            });
        crate::eventually(20, "chromedriver to listen", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(|_| ())
        })
        .await;
        let profile = tempfile::tempdir().expect("profile folder");
        let mut caps = DesiredCapabilities::chrome();
        let binary = which(&chromium).unwrap_or(chromium);
        caps.set_binary(&binary).expect("binary");
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            &format!("--window-size={width},{height}"),
            &format!("--user-data-dir={}", profile.path().display()),
        ] {
            caps.add_arg(arg).expect("arg");
        }
        if width < 500 {
            // Headless Chromium will not make a window narrower than 500 px; emulate the
            // phone's viewport instead, as the browser's device toolbar does.
            caps.add_experimental_option(
                "mobileEmulation",
                serde_json::json!({
                    "deviceMetrics": {
                        "width": width, "height": height, "pixelRatio": 1.0
                    }
                }),
            )
            .expect("mobileEmulation");
        }
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .expect("a Chromium session");
        // Every page records what its Content-Security-Policy blocked and what it wrote to
        // console.error (the SPA's panics land there); screenshots and failed waits say so.
        // It also adds up its layout shifts as Chromium's CLS does (the largest burst: shifts
        // less than 1 s apart within 5 s, none within 0.5 s of an input).
        driver
            .cdp()
            .send_raw(
                "Page.addScriptToEvaluateOnNewDocument",
                serde_json::json!({
                    "source": "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber)); window.__consoleErrors = []; const poortError = console.error.bind(console); console.error = (...args) => { window.__consoleErrors.push(args.map(String).join(' ')); poortError(...args); }; \
                     window.__cls = { max: 0, now: 0, first: 0, last: 0, shifts: [] }; \
                     try { new PerformanceObserver(list => { for (const e of list.getEntries()) { \
                       if (e.hadRecentInput) continue; const c = window.__cls; \
                       if (c.now > 0 && e.startTime - c.last < 1000 && e.startTime - c.first < 5000) { c.now += e.value; } else { c.now = e.value; c.first = e.startTime; } \
                       c.last = e.startTime; c.max = Math.max(c.max, c.now); \
                       if (e.value >= 0.001) c.shifts.push(e.value.toFixed(3) + ' at ' + Math.round(e.startTime) + ' ms: ' + (e.sources || []).map(s => { const n = s.node; if (!n) return '?'; if (n.nodeType !== 1) return (n.parentElement ? (n.parentElement.id ? '#' + n.parentElement.id : n.parentElement.tagName.toLowerCase() + (n.parentElement.className ? '.' + String(n.parentElement.className).split(' ')[0] : '')) : '') + ' text'; return n.id ? '#' + n.id : n.tagName.toLowerCase() + (n.className ? '.' + String(n.className).split(' ')[0] : ''); }).join(', ')); \
                     } }).observe({ type: 'layout-shift', buffered: true }); } catch (e) {}"
                }),
            )
            .await
            .expect("CSP listener");
        Browser {
            driver,
            _chromedriver: chromedriver,
            _profile: profile,
            emulated: width < 500,
            name: name.to_string(),
            shots: 0,
        }
    }

    /// Saves a screenshot of the whole page (not only the visible part) as
    /// `e2e/artifacts/<test>-<nn>-<label>.png` and refreshes the contact sheet
    /// `e2e/artifacts/index.html`.
    pub async fn screenshot(&mut self, label: &str) -> PathBuf {
        self.shots += 1;
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).expect("artifacts folder");
        let path = dir.join(format!("{}-{:02}-{label}.png", self.name, self.shots));
        // How much the page moved on its own before this moment (read before the full-page
        // capture, which resizes the view).
        let (shifted, shifts) = self.layout_shift().await;
        match self.full_page_png().await {
            Some(png) => std::fs::write(&path, png).expect("screenshot file"),
            None => self.driver.screenshot(&path).await.expect("screenshot"),
        }
        crate::contact_sheet::write(&dir).expect("contact sheet");
        let errors = self.console_errors().await;
        assert!(
            errors.is_empty(),
            "{label}: the page wrote errors to its console: {errors:?}"
        );
        let blocked = self
            .driver
            .execute("return window.__cspViolations;", vec![])
            .await
            .expect("CSP violations");
        let url = self
            .driver
            .current_url()
            .await
            .map(|u| u.path().to_string());
        // The API's documentation page (Swagger UI) is not ours to check.
        let ours = url.is_ok_and(|p| !p.starts_with("/api/docs"));
        if ours {
            let blocked: Vec<String> = blocked
                .convert()
                .expect("the CSP listener is installed on every page");
            assert!(
                blocked.is_empty(),
                "{label}: the Content-Security-Policy blocked {blocked:?}"
            );
        }
        if ours {
            self.check_accessibility(label, &path).await;
            Self::note_layout_shift(&path, shifted, &shifts);
        }
        if self.emulated {
            // On a phone nothing may stick out sideways.
            let widths = self
                .driver
                .execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth];",
                    vec![],
                )
                .await
                .expect("page width");
            let widths: Vec<u64> = widths.convert().expect("two widths");
            assert!(
                widths[0] <= widths[1],
                "{label}: the page is {} px wide on a {} px screen (see {})",
                widths[0],
                widths[1],
                path.display()
            );
            // Nor does a table scroll sideways inside the page: on a phone it is a list of cards.
            let scrolling = self
                .driver
                .execute(
                    "return [...document.querySelectorAll('.table-wrap')]\
                       .filter(w => w.scrollWidth > w.clientWidth + 1)\
                       .map(w => (w.querySelector('table') || w).id || w.className);",
                    vec![],
                )
                .await
                .expect("tables' widths");
            let scrolling: Vec<String> = scrolling.convert().expect("a list");
            assert!(
                scrolling.is_empty(),
                "{label}: these tables scroll sideways on a {} px screen: {scrolling:?} (see {})",
                widths[1],
                path.display()
            );
        }
        path
    }

    /// Runs axe-core (`POORT_TEST_AXE`: the path of `axe.min.js`, which `cargo xtask test`
    /// installs) on the page as it is, for WCAG 2.1 A and AA; fails on any violation and
    /// notes the screen's result in `e2e/artifacts/axe.txt`.
    async fn check_accessibility(&self, label: &str, path: &std::path::Path) {
        let Some((passed, violations)) = self.axe().await else {
            return;
        };
        assert!(passed > 0, "{label}: axe-core checked nothing");
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let line = format!(
            "{name}: {} violation(s), {passed} rules passed{}\n",
            violations.len(),
            violations
                .iter()
                .map(|v| format!("\n  {v}"))
                .collect::<String>()
        );
        append_artifact("axe.txt", &line);
        assert!(
            violations.is_empty(),
            "{label}: axe-core finds WCAG 2.1 AA violations: {violations:#?} (see {})",
            path.display()
        );
    }

    /// The page's cumulative layout shift so far (Chromium's definition: the largest burst of
    /// shifts not caused by input) and each shift with the elements it moved.
    pub async fn layout_shift(&self) -> (f64, Vec<String>) {
        let found = self
            .driver
            .execute(
                "return window.__cls ? [window.__cls.max, window.__cls.shifts] : [0, []];",
                vec![],
            )
            .await
            .map(|r| r.json().clone())
            .unwrap_or_default();
        (
            found[0].as_f64().unwrap_or(0.0),
            serde_json::from_value(found[1].clone()).unwrap_or_default(),
        )
    }

    /// Notes a screen's layout shift in `e2e/artifacts/cls.txt`.
    fn note_layout_shift(path: &std::path::Path, shifted: f64, shifts: &[String]) {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let line = format!(
            "{name}: CLS {shifted:.3}{}\n",
            shifts
                .iter()
                .map(|s| format!("\n  {s}"))
                .collect::<String>()
        );
        append_artifact("cls.txt", &line);
    }

    /// Slows the browser's network and CPU down (DevTools' emulation) until told otherwise.
    pub async fn throttle(&self, throttle: &Throttle) {
        let cdp = self.driver.cdp();
        cdp.send_raw("Network.enable", serde_json::json!({}))
            .await
            .expect("Network.enable");
        cdp.send_raw(
            "Network.emulateNetworkConditions",
            serde_json::json!({
                "offline": false,
                "latency": throttle.latency_ms,
                "downloadThroughput": throttle.down_bytes_per_second,
                "uploadThroughput": throttle.up_bytes_per_second,
            }),
        )
        .await
        .expect("network emulation");
        cdp.send_raw(
            "Emulation.setCPUThrottlingRate",
            serde_json::json!({ "rate": throttle.cpu_slowdown }),
        )
        .await
        .expect("CPU throttling");
    }

    /// Signs the browser in with a session cookie an HTTP client got (a `Cookie` header's
    /// `name=value`), on the site at `base`.
    pub async fn use_session(&self, base: &str, cookie_header: &str) {
        self.driver
            .goto(format!("{base}/status"))
            .await
            .expect("open");
        for pair in cookie_header.split("; ") {
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let mut cookie = thirtyfour::Cookie::new(name.to_string(), value.to_string());
            cookie.set_path("/");
            self.driver.add_cookie(cookie).await.expect("add cookie");
        }
    }

    /// Runs axe-core (`POORT_TEST_AXE`) on the page for WCAG 2.1 A and AA: the number of
    /// rules that passed and the violations found. None when `POORT_TEST_AXE` is not set.
    pub async fn axe(&self) -> Option<(u64, Vec<String>)> {
        let source = std::env::var_os("POORT_TEST_AXE")?;
        let source = std::fs::read_to_string(&source).expect("POORT_TEST_AXE: axe.min.js");
        self.driver
            .execute(format!("{source}\nreturn 1;"), vec![])
            .await
            .expect("axe-core loads");
        let found = self
            .driver
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })\
                   .then(r => done({ passed: r.passes.length, violations: r.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', ')}`) }))\
                   .catch(e => done({ passed: 0, violations: ['axe failed: ' + e] }));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        let found = found.json();
        let passed = found["passed"].as_u64().unwrap_or(0);
        let violations: Vec<String> =
            serde_json::from_value(found["violations"].clone()).expect("a list of violations");
        Some((passed, violations))
    }

    /// The whole page as PNG through the DevTools protocol (a WebDriver screenshot only holds
    /// the viewport).
    async fn full_page_png(&self) -> Option<Vec<u8>> {
        use base64::Engine as _;
        let cdp = self.driver.cdp();
        let metrics = cdp
            .send_raw("Page.getLayoutMetrics", serde_json::json!({}))
            .await
            .ok()?;
        let size = &metrics["cssContentSize"];
        let width = size["width"].as_f64()?.ceil();
        // Long pages are cut off at a height a contact sheet can still show.
        let height = size["height"].as_f64()?.ceil().min(8000.0);
        let shot = cdp
            .send_raw(
                "Page.captureScreenshot",
                serde_json::json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 }
                }),
            )
            .await
            .ok()?;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str()?)
            .ok()
    }

    /// The element with this id, waiting up to 30 s for it to appear.
    pub async fn by_id(&self, id: &str) -> WebElement {
        let found = self
            .driver
            .query(By::Id(id))
            .wait(Duration::from_secs(30), Duration::from_millis(100))
            .first()
            .await;
        match found {
            Ok(element) => element,
            Err(e) => panic!(
                "no element #{id}: {e} (the page's console errors: {:?})",
                self.console_errors().await
            ),
        }
    }

    /// What the current page wrote to `console.error` (a panic of the SPA among it).
    pub async fn console_errors(&self) -> Vec<String> {
        self.driver
            .execute("return window.__consoleErrors || [];", vec![])
            .await
            .ok()
            .and_then(|v| v.convert().ok())
            .unwrap_or_default()
    }

    /// The first element matching a CSS selector, waiting up to 30 s.
    pub async fn css(&self, selector: &str) -> WebElement {
        self.driver
            .query(By::Css(selector))
            .wait(Duration::from_secs(30), Duration::from_millis(100))
            .first()
            .await
            .unwrap_or_else(|e| panic!("nothing matches {selector}: {e}"))
    }

    /// Waits until the element with this id shows `text`; returns its whole text.
    pub async fn wait_text(&self, id: &str, text: &str) -> String {
        crate::eventually(15, &format!("#{id} to show {text:?}"), || async {
            let el = self.driver.find(By::Id(id)).await.ok()?;
            let shown = el.text().await.ok()?;
            shown.contains(text).then_some(shown)
        })
        .await
    }

    /// Types into the input with this id (clearing it first). The element is looked up again
    /// when the page re-rendered it between finding and typing (a stale reference).
    pub async fn fill(&self, id: &str, text: &str) {
        for attempt in 1.. {
            let el = self.by_id(id).await;
            let result = match el.clear().await {
                Ok(()) => el.send_keys(text).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => return,
                Err(e) if is_stale(&e) && attempt < 5 => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("type into #{id}: {e}"),
            }
        }
    }

    /// Clicks the element with this id once it is there and enabled. The element is looked up
    /// again when the page re-rendered it in between (a stale reference).
    pub async fn click(&self, id: &str) {
        for attempt in 1.. {
            match self.try_click(id).await {
                Ok(()) => return,
                Err(e) if is_stale(&e) && attempt < 5 => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("click #{id}: {e}"),
            }
        }
    }

    async fn try_click(&self, id: &str) -> WebDriverResult<()> {
        let el = self.by_id(id).await;
        crate::eventually(15, &format!("#{id} to be enabled"), || {
            let el = el.clone();
            // A stale element ends the wait too; the click below then reports it.
            async move {
                match el.is_enabled().await {
                    Ok(true) => Some(()),
                    Ok(false) => None,
                    Err(_) => Some(()),
                }
            }
        })
        .await;
        el.scroll_into_view().await.ok();
        if self.emulated {
            // Under mobile emulation chromedriver misplaces pointer clicks once the page has
            // scrolled (the click lands on nothing, or on the element below); activate the
            // element the way assistive technology does instead.
            self.driver
                .execute("arguments[0].click();", vec![el.to_json()?])
                .await
                .map(|_| ())
        } else {
            el.click().await
        }
    }

    /// Opens `url` in this browser and waits until the app has taken over the sign-in page's
    /// plain-HTML copy (`#shell` in `index.html`; gone at once on other paths and pages).
    pub async fn open(&self, url: impl AsRef<str>) {
        let url = url.as_ref();
        self.driver
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
        self.wait_for_app().await;
    }

    /// Waits until the SPA has replaced the sign-in page's plain-HTML copy, if there was one.
    pub async fn wait_for_app(&self) {
        crate::eventually(30, "the app to take over the page", || async {
            (!self.has_shell().await?).then_some(())
        })
        .await;
    }

    /// Whether the sign-in page's plain-HTML copy (`#shell`) is still there: the app has not
    /// taken it over yet. `None` when the page cannot be asked.
    pub async fn has_shell(&self) -> Option<bool> {
        self.driver
            .execute("return document.getElementById('shell') !== null;", vec![])
            .await
            .ok()?
            .json()
            .as_bool()
    }

    /// Waits until the page's path is `path`.
    pub async fn wait_path(&self, path: &str) {
        crate::eventually(15, &format!("the page {path}"), || async {
            let url = self.driver.current_url().await.ok()?;
            (url.path() == path).then_some(())
        })
        .await;
    }

    /// Waits until the page's address (path and query) contains `part`.
    pub async fn wait_url_contains(&self, part: &str) {
        crate::eventually(15, &format!("an address with {part}"), || async {
            let url = self.driver.current_url().await.ok()?;
            url.as_str().contains(part).then_some(())
        })
        .await;
    }

    /// The text of the element with this id.
    pub async fn text(&self, id: &str) -> String {
        self.by_id(id).await.text().await.unwrap_or_default()
    }

    /// Waits until an element with this CSS selector exists.
    pub async fn wait_css(&self, selector: &str) {
        self.css(selector).await;
    }

    pub async fn quit(self) {
        let _ = self.driver.quit().await;
    }

    /// A DevTools virtual authenticator in this tab, as a phone's or laptop's built-in one
    /// (CTAP2, internal, resident keys, user verification that succeeds, presence given at
    /// once); returns its id.
    pub async fn virtual_authenticator(&self) -> String {
        let cdp = self.driver.cdp();
        cdp.send_raw("WebAuthn.enable", serde_json::json!({ "enableUI": false }))
            .await
            .expect("WebAuthn.enable");
        let added = cdp
            .send_raw(
                "WebAuthn.addVirtualAuthenticator",
                serde_json::json!({ "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                    "automaticPresenceSimulation": true,
                }}),
            )
            .await
            .expect("WebAuthn.addVirtualAuthenticator");
        added["authenticatorId"]
            .as_str()
            .expect("an authenticator id")
            .to_string()
    }

    /// From the next page load on, the browser says it has no passkey autofill (conditional
    /// mediation), as browsers without it do. (Chromium's virtual authenticator answers an
    /// autofill request at once, as if the person had picked the passkey there.)
    pub async fn without_passkey_autofill(&self) {
        self.driver
            .cdp()
            .send_raw(
                "Page.addScriptToEvaluateOnNewDocument",
                serde_json::json!({
                    "source": "if (window.PublicKeyCredential) { PublicKeyCredential.isConditionalMediationAvailable = async () => false; }"
                }),
            )
            .await
            .expect("no passkey autofill");
    }

    /// The credentials the virtual authenticator holds.
    pub async fn authenticator_credentials(&self, authenticator: &str) -> Vec<serde_json::Value> {
        let found = self
            .driver
            .cdp()
            .send_raw(
                "WebAuthn.getCredentials",
                serde_json::json!({ "authenticatorId": authenticator }),
            )
            .await
            .expect("WebAuthn.getCredentials");
        found["credentials"].as_array().cloned().unwrap_or_default()
    }
}

fn is_stale(e: &WebDriverError) -> bool {
    e.to_string().contains("stale element")
}

fn which(program: &str) -> Option<String> {
    if program.contains('/') {
        return Some(program.to_string());
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    })
}

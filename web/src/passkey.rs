//! The browser's WebAuthn, for passkeys: the server's options (JSON, base64url binary fields)
//! go in through `PublicKeyCredential.parse…OptionsFromJSON`, the credential's `toJSON()` comes
//! out. A few lines of JavaScript (a wasm-bindgen inline module) make the calls; one request
//! runs at a time (a new one aborts the autofill request waiting on the sign-in page).

use poort_shared::ErrorCode;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::api::ApiError;

#[wasm_bindgen(inline_js = r#"
let waiting = null;
export function supported() {
  return typeof PublicKeyCredential !== "undefined"
    && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
}
export async function autofill() {
  return supported()
    && typeof PublicKeyCredential.isConditionalMediationAvailable === "function"
    && await PublicKeyCredential.isConditionalMediationAvailable();
}
export function cancel() {
  if (waiting) { waiting.abort(); waiting = null; }
}
export async function create(json) {
  cancel();
  const options = JSON.parse(json);
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey);
  const credential = await navigator.credentials.create({ publicKey });
  return JSON.stringify(credential.toJSON());
}
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
export async function get(json, conditional, limit) {
  cancel();
  const options = JSON.parse(json);
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey);
  const controller = new AbortController();
  waiting = controller;
  if (limit > 0) setTimeout(() => controller.abort(), limit);
  try {
    const request = { publicKey, signal: controller.signal };
    if (conditional) request.mediation = "conditional";
    const credential = await navigator.credentials.get(request);
    return JSON.stringify(credential.toJSON());
  } finally {
    if (waiting === controller) waiting = null;
  }
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = supported)]
    fn js_supported() -> bool;
    #[wasm_bindgen(js_name = autofill)]
    async fn js_autofill() -> JsValue;
    #[wasm_bindgen(js_name = cancel)]
    fn js_cancel();
    #[wasm_bindgen(catch, js_name = create)]
    async fn js_create(options: String) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = get)]
    async fn js_get(options: String, conditional: bool, limit: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = sleep)]
    async fn js_sleep(ms: f64);
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: u32) {
    js_sleep(f64::from(ms)).await;
}

/// Why the browser gave no credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Another request took its place (the autofill request, when a button was pressed).
    Aborted,
    /// Cancelled by the person, timed out, not allowed, or no passkey: said as a refusal.
    Refused(ApiError),
}

/// Whether this browser can make and use passkeys at all.
pub fn supported() -> bool {
    js_supported()
}

/// Whether passkeys are offered here: the browser can, and the service has them on (false
/// while the configuration loads).
pub fn offered() -> leptos::prelude::Signal<bool> {
    use leptos::prelude::*;
    let config = expect_context::<crate::app::PublicConfig>().0;
    let supported = supported();
    Signal::derive(move || {
        supported
            && config
                .get()
                .and_then(Result::ok)
                .is_some_and(|c| c.passkeys)
    })
}

/// Whether the browser offers passkeys in the e-mail field's autofill (conditional mediation).
pub async fn autofill_available() -> bool {
    js_autofill().await.as_bool().unwrap_or(false)
}

/// Ends a request that is waiting (the autofill request, when the page goes).
pub fn cancel() {
    js_cancel();
}

fn failure(error: JsValue) -> Failure {
    let name = js_sys::Reflect::get(&error, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    if name == "AbortError" {
        return Failure::Aborted;
    }
    let message = js_sys::Reflect::get(&error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default();
    Failure::Refused(ApiError::Api {
        status: 0,
        code: ErrorCode::PasskeyInvalid,
        message: format!("{name}: {message}"),
        details: None,
    })
}

fn credential(answer: JsValue) -> Result<Value, Failure> {
    answer
        .as_string()
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| Failure::Refused(ApiError::UnexpectedAnswer("credential".into())))
}

/// Makes a passkey with the server's registration options.
pub async fn create(options: &Value) -> Result<Value, Failure> {
    credential(js_create(options.to_string()).await.map_err(failure)?)
}

/// Asks for an assertion with the server's options.
pub async fn get(options: &Value) -> Result<Value, Failure> {
    credential(
        js_get(options.to_string(), false, 0.0)
            .await
            .map_err(failure)?,
    )
}

/// Asks through the autofill (conditional mediation): waits until the person picks a passkey
/// there, [`cancel`], or `limit_ms` (before the challenge expires), which end as
/// [`Failure::Aborted`].
pub async fn autofill(options: &Value, limit_ms: u32) -> Result<Value, Failure> {
    credential(
        js_get(options.to_string(), true, f64::from(limit_ms))
            .await
            .map_err(failure)?,
    )
}

impl Failure {
    /// The refusal to show (an abort shows nothing).
    pub fn shown(self) -> Option<ApiError> {
        match self {
            Failure::Aborted => None,
            Failure::Refused(error) => Some(error),
        }
    }
}

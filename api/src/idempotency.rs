//! `Idempotency-Key` for programs: a state-changing `/api` request with a bearer token and this
//! header is done once per key and client. The first request's answer is kept for 24 hours
//! (in the database, so every instance knows it); a retry with the same key and the same
//! request gets that answer again (`Idempotent-Replayed: true`), one that arrives while the
//! first is still running waits for it, and the same key with another request is refused
//! (422 `idempotency_key_reused`). Server errors and 429s are not kept: a retry tries again.
//! The rules are `domain::api_client::{on_repeat, keeps_answer}`.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use poort_shared::ErrorCode;
use poort_shared::dto::AccessTokenClaims;
use sha2::{Digest, Sha256};

use crate::auth::bearer::{ACCESS_TOKEN_TYPE, access_token_audience, bearer_token};
use crate::domain::api_client::{Repeat, keeps_answer, on_repeat, valid_idempotency_key};
use crate::error::ApiError;
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

/// How long a retry waits for the first request with its key to finish.
const WAIT: Duration = Duration::from_secs(10);

fn error(e: ApiError) -> HttpResponse {
    e.error_response()
}

pub async fn idempotent(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let changes = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let key = req
        .headers()
        .get(IDEMPOTENCY_KEY)
        .map(|v| v.to_str().map(str::to_string));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(key), Some(state), true, true) =
        (key, state, changes, req.path().starts_with("/api/"))
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // A malformed key is refused whoever sends it (the document says what a key looks like);
    // only a verified client's key counts (who it is decides whose keys these are), and
    // anything else goes on and gets the handler's own answer (401 for a bad token).
    let key = match key {
        Ok(key) if valid_idempotency_key(&key) => key,
        _ => {
            let answer = error(ApiError::invalid_request(
                "Idempotency-Key: 1 to 255 visible ASCII characters",
            ));
            return Ok(req.into_response(answer));
        }
    };
    let owner = bearer_token(req.request()).and_then(|token| {
        state
            .signer
            .verify::<AccessTokenClaims>(
                &token,
                ACCESS_TOKEN_TYPE,
                &access_token_audience(&state),
                &state.public_url,
                state.now(),
            )
            .map(|claims| format!("api-client:{}", claims.client_id))
    });
    let Some(owner) = owner else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body = req.extract::<web::Bytes>().await?;
    let mut hasher = Sha256::new();
    for part in [
        req.method().as_str().as_bytes(),
        req.path().as_bytes(),
        req.query_string().as_bytes(),
    ] {
        hasher.update(part);
        hasher.update([0]);
    }
    hasher.update(&body);
    let fingerprint = hasher.finalize().to_vec();

    let started = tokio::time::Instant::now();
    loop {
        let now = state.now();
        let stored = match state
            .store
            .claim_idempotency_key(&owner, &key, &fingerprint, now)
            .await
        {
            Ok(stored) => stored,
            Err(e) => return Ok(req.into_response(error(e.into()))),
        };
        let Some(stored) = stored else {
            break; // this request is the first
        };
        match on_repeat(&stored, &fingerprint, now) {
            Repeat::Replay => {
                let Some((status, content_type, body)) = stored.answer else {
                    continue;
                };
                let mut answer = HttpResponse::build(
                    actix_web::http::StatusCode::from_u16(status)
                        .unwrap_or(actix_web::http::StatusCode::OK),
                );
                answer.insert_header((HeaderName::from_static(REPLAYED), "true"));
                if let Some(content_type) = content_type {
                    answer.insert_header((CONTENT_TYPE, content_type));
                }
                return Ok(req.into_response(answer.body(body)));
            }
            Repeat::Mismatch => {
                return Ok(req.into_response(error(ErrorCode::IdempotencyKeyReused.into())));
            }
            Repeat::Wait if started.elapsed() < WAIT => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Repeat::Wait => {
                return Ok(req.into_response(error(ErrorCode::IdempotencyKeyInUse.into())));
            }
            Repeat::Expired => {
                match state
                    .store
                    .retake_idempotency_key(&owner, &key, stored.created_at, &fingerprint, now)
                    .await
                {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(e) => return Ok(req.into_response(error(e.into()))),
                }
            }
        }
    }

    // The first request with this key: run it, keep its answer.
    req.set_payload(actix_web::dev::Payload::from(body));
    let response = next.call(req).await?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (req, res) = response.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("reading the answer"))?;
    let kept = if keeps_answer(status.as_u16()) {
        state
            .store
            .keep_answer(
                &owner,
                &key,
                status.as_u16(),
                content_type.as_deref(),
                &bytes,
            )
            .await
    } else {
        state.store.forget_idempotency_key(&owner, &key).await
    };
    if let Err(e) = kept {
        tracing::error!(error = %e, "idempotency: keeping the answer failed");
    }
    let mut answer = HttpResponse::build(status);
    for (name, value) in head.headers().iter() {
        answer.append_header((name.clone(), value.clone()));
    }
    answer.insert_header((
        HeaderName::from_static(REPLAYED),
        HeaderValue::from_static("false"),
    ));
    Ok(ServiceResponse::new(req, answer.body(bytes)))
}

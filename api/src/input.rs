//! Text with a NUL character (U+0000) is refused at the door, with the same 400 on every
//! database: PostgreSQL cannot store it (it answered 500), and SQLite would keep it where no
//! one can see it. Looked for in the path and the query of `/api` and `/oauth2` requests (as
//! `%00`) and in JSON bodies (as the escape `\u0000`; a raw NUL is already not JSON). Form
//! bodies (`/oauth2/token`, `/oauth2/introspect`) ignore parameters they do not know (RFC 6749
//! §3.2), so their handlers look at the values they use themselves.
//!
//! Every JSON request body of the API is an object: an array is refused here too (serde
//! would read it as a struct's fields in order, so `[null, null]` passed for
//! `{"name": null, "kvk_number": null}`).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use poort_shared::dto::OAuthErrorResponse;

use crate::error::ApiError;

pub use crate::error::NUL_REFUSED;

/// Whether percent-encoded text holds `%00` (or a raw NUL).
pub fn encoded_nul(text: &[u8]) -> bool {
    text.contains(&0)
        || text
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Whether a JSON text holds the escape `\u0000` (a backslash that is not itself escaped,
/// then `u0000`), or a raw NUL.
pub fn json_nul(text: &[u8]) -> bool {
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            0 => return true,
            b'\\' => {
                if text.get(i + 1..i + 6).is_some_and(|e| e == b"u0000") {
                    return true;
                }
                i += 2; // the escaped character, whatever it is
            }
            _ => i += 1,
        }
    }
    false
}

fn refused(req: ServiceRequest, oauth: bool) -> ServiceResponse<BoxBody> {
    let answer = if oauth {
        HttpResponse::BadRequest().json(OAuthErrorResponse {
            error: "invalid_request".into(),
            error_description: Some(NUL_REFUSED.into()),
        })
    } else {
        ApiError::invalid_request(NUL_REFUSED).error_response()
    };
    req.into_response(answer)
}

pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path();
    // The token endpoint answers as RFC 6749 says; the rest of `/oauth2` as the API does.
    let oauth = path == "/oauth2/token";
    if !(path.starts_with("/oauth2/") || path == "/api" || path.starts_with("/api/")) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let uri = req.uri();
    let raw_path = uri.path().as_bytes();
    let query = uri.query().unwrap_or("").as_bytes();
    if encoded_nul(raw_path) || encoded_nul(query) {
        return Ok(refused(req, oauth));
    }
    let kind = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if kind
        .as_deref()
        .is_some_and(|t| t == "application/json" || t.ends_with("+json"))
    {
        let body = req.extract::<web::Bytes>().await?;
        if json_nul(&body) {
            return Ok(refused(req, oauth));
        }
        // Other JSON values than arrays fail to read as a body anyway (and `null` is what
        // some clients send for no body at all).
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'[') {
            let answer = ApiError::invalid_request("the request body must be a JSON object");
            return Ok(req.into_response(answer.error_response()));
        }
        req.set_payload(Payload::from(body));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoded_nul_is_found() {
        assert!(encoded_nul(b"q=a%00b"));
        assert!(encoded_nul(b"a\0"));
        assert!(!encoded_nul(b"q=a%200b&x=%0A"));
        assert!(!encoded_nul(b""));
    }

    #[test]
    fn json_nul_escapes_are_found_and_escaped_backslashes_are_not() {
        assert!(json_nul(br#"{"email":"a\u0000@x.nl"}"#));
        assert!(
            json_nul(br#"{"a":"\\\u0000"}"#),
            "an escaped backslash, then NUL"
        );
        assert!(
            !json_nul(br#"{"a":"\\u0000"}"#),
            "a backslash, then the text u0000"
        );
        assert!(!json_nul(br#"{"a":"\u0001 \" \\"}"#));
    }
}

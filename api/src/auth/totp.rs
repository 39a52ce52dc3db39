//! Authenticator apps: TOTP per RFC 6238 (SHA-1, 6 digits, 30 seconds), one step of clock
//! drift either way. The secret is generated here and shown once as a QR code and as text.

use totp_rs::{Algorithm, Builder, Secret, Totp};

pub const DIGITS: u32 = 6;
pub const PERIOD_SECONDS: u32 = 30;

/// 160 random bits, as RFC 4226 recommends for SHA-1.
pub fn new_secret() -> anyhow::Result<Vec<u8>> {
    let mut bytes = vec![0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes)
}

fn totp(secret: &[u8]) -> anyhow::Result<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_step_duration(u64::from(PERIOD_SECONDS))
        .with_skew(1)
        .with_secret(secret.to_vec())
        .build()
        .map_err(|e| anyhow::anyhow!("TOTP: {e}"))
}

/// The base32 form users type into an app.
pub fn secret_base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// The `otpauth://` URI for the QR code.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let label = format!("{}:{}", encode(issuer), encode(account));
    format!(
        "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={PERIOD_SECONDS}",
        secret_base32(secret),
        encode(issuer)
    )
}

/// What the set-up screen shows for a new secret: the QR code's URI and the key as text.
pub fn setup_response(
    secret: &[u8],
    issuer: &str,
    account: &str,
) -> poort_shared::dto::AuthenticatorSetupResponse {
    poort_shared::dto::AuthenticatorSetupResponse {
        otpauth_uri: otpauth_uri(secret, issuer, account),
        secret: secret_base32(secret),
        issuer: issuer.to_string(),
        account_name: account.to_string(),
        digits: DIGITS,
        period_seconds: PERIOD_SECONDS,
    }
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The time step a code matches at `unix_seconds`, if any. The caller refuses a step it has
/// accepted before, so a code works once.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: u64) -> anyhow::Result<Option<u64>> {
    Ok(totp(secret)?.check(code, unix_seconds))
}

/// The code an app shows at `unix_seconds` (tests compute codes like an app would).
pub fn code_at(secret: &[u8], unix_seconds: u64) -> anyhow::Result<String> {
    Ok(totp(secret)?.generate(unix_seconds).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1, truncated to 6 digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).unwrap(), "287082");
        assert_eq!(code_at(secret, 1_111_111_109).unwrap(), "081804");
    }

    #[test]
    fn a_code_matches_its_step_and_one_step_either_side() {
        let secret = new_secret().unwrap();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&secret, &code, now).unwrap(), Some(now / 30));
        assert!(matching_step(&secret, &code, now + 30).unwrap().is_some());
        assert_eq!(matching_step(&secret, &code, now + 90).unwrap(), None);
    }

    #[test]
    fn the_uri_names_issuer_and_account() {
        let uri = otpauth_uri(
            b"12345678901234567890",
            "Voorbeeld Verzekeringen",
            "jan@kantoor.nl",
        );
        assert!(uri.starts_with("otpauth://totp/Voorbeeld%20Verzekeringen:jan@kantoor.nl?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        assert!(
            uri.contains("&issuer=Voorbeeld%20Verzekeringen&algorithm=SHA1&digits=6&period=30")
        );
    }
}

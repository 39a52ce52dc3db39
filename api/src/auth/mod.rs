//! Authentication: password hashing, authenticator codes, tokens and codes with their hashes,
//! who is asking ([`principal::Principal`], from the session cookie; [`bearer`], an API client
//! with an access token) and the recording of a
//! session's activity ([`activity`]), API clients' public keys ([`client_keys`]), and passkeys
//! (WebAuthn, [`passkeys`]).

pub mod activity;
pub mod bearer;
pub mod client_keys;
pub mod jwt;
pub mod oidc;
pub mod passkeys;
pub mod password;
pub mod principal;
pub mod secrets;
pub mod totp;

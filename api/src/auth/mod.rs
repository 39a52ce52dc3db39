//! Authentication: password hashing, authenticator codes, tokens and codes with their hashes,
//! and who is asking ([`principal::Principal`], from the session cookie).

pub mod jwt;
pub mod password;
pub mod principal;
pub mod secrets;
pub mod totp;

//! Demo data for development and benchmarks (`poort --dev seed-demo`): an office with three
//! portfolios and N active advisers (seven rights each, as an adviser of a real office might
//! have) who share a password and whose authenticator secrets are
//! derived from a seed, so a load generator can compute their codes; and API clients whose keys
//! come from the same seed, so it can sign their assertions. Dev mode only.

use base64::Engine as _;
use poort_shared::dto::{AccountStatus, ApiScope, Role};
use poort_shared::validate::{AgencyNumber, Email, KvkNumber, MobileNumber};
use sha2::{Digest, Sha256};

use crate::auth::secrets::Context;
use crate::domain::api_client::{KeyAlg, Owner};
use crate::domain::{Account, ApiClient, ApiClientKey, Office, Portfolio};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::new_id;

/// The Ed25519 private key (seed) of demo API client `i`.
pub fn demo_client_key(seed: &str, i: usize) -> [u8; 32] {
    Sha256::digest(format!("{seed}:api-client:{i}").as_bytes()).into()
}

/// The authenticator secret of demo adviser `i`.
pub fn demo_secret(seed: &str, i: usize) -> Vec<u8> {
    Sha256::digest(format!("{seed}:{i}").as_bytes())[..20].to_vec()
}

/// Creates the office, `count` advisers (the first also its administrator) and `clients` API
/// clients of the office (`pc_demo_<i>`, every office scope, an Ed25519 key `demo-<i>` from
/// [`demo_client_key`]); returns how many advisers were made.
pub async fn seed(
    state: &AppState,
    count: usize,
    clients: usize,
    password: String,
    seed: &str,
) -> Result<usize, ApiError> {
    let hash = state.hasher.hash(password).await?;
    let now = state.now();
    let office = Office {
        id: new_id(now),
        name: format!("Demo Kantoor {}", now.format("%Y%m%d%H%M%S")),
        kvk_number: KvkNumber::parse(&format!("{:08}", now.timestamp() % 100_000_000))?,
        created_at: now,
        updated_at: now,
    };
    let portfolios = ["Particulier", "Zakelijk", "Schade"]
        .iter()
        .enumerate()
        .map(|(n, name)| {
            Ok(Portfolio {
                id: new_id(now),
                office_id: office.id,
                agency_number: AgencyNumber::parse(&format!(
                    "DEMO-{}-{n}",
                    now.timestamp() % 1_000_000
                ))?,
                name: format!("Demo {name}"),
                created_at: now,
                updated_at: now,
            })
        })
        .collect::<Result<Vec<Portfolio>, ApiError>>()?;
    // All four rights on the first portfolio, two on the second, one on the third.
    let rights: Vec<(uuid::Uuid, String)> = [
        (0, "view_policies"),
        (0, "change_policies"),
        (0, "report_claims"),
        (0, "view_commission"),
        (1, "view_policies"),
        (1, "report_claims"),
        (2, "view_policies"),
    ]
    .iter()
    .map(|&(p, code)| (portfolios[p].id, code.to_string()))
    .collect();
    let mut tx = state.store.begin().await?;
    tx.insert_office(&office).await?;
    for portfolio in &portfolios {
        tx.insert_portfolio(portfolio).await?;
    }
    tx.commit().await?;
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let mut tx = state.store.begin().await?;
        for &i in chunk {
            let id = new_id(now);
            let account = Account {
                id,
                office_id: Some(office.id),
                role: if i == 0 {
                    Role::OfficeAdmin
                } else {
                    Role::Adviser
                },
                email: Email::parse(&format!("adviseur{i}@demo.example"))?,
                name: format!("Demo Adviseur {i}"),
                mobile: Some(MobileNumber::parse(&format!("+3161{i:07}"))?),
                status: AccountStatus::Active,
                password_hash: Some(hash.clone()),
                password_changed_at: Some(now),
                totp_secret: Some(
                    state
                        .secrets
                        .seal(Context::Authenticator(id), &demo_secret(seed, i))?,
                ),
                totp_last_step: None,
                pending_totp_secret: None,
                ehk_pseudonym: None,
                passkeys: 0,
                wrong_passwords: 0,
                wrong_codes: 0,
                deactivated_from: None,
                last_sign_in_at: None,
                created_at: now,
                updated_at: now,
            };
            tx.insert_account(&account).await?;
            tx.replace_rights(account.id, &rights, now).await?;
        }
        tx.commit().await?;
    }
    let mut tx = state.store.begin().await?;
    for i in 0..clients {
        let public = ed25519_dalek::SigningKey::from_bytes(&demo_client_key(seed, i))
            .verifying_key()
            .to_bytes();
        let client = ApiClient {
            id: new_id(now),
            client_id: format!("pc_demo_{i}"),
            name: format!("Demo koppeling {i}"),
            owner: Owner::Office(office.id),
            scopes: ApiScope::ALL
                .iter()
                .copied()
                .filter(|s| !crate::domain::api_client::insurer_only(*s))
                .collect(),
            portfolio_ids: None,
            revoked_at: None,
            created_by: None,
            created_at: now,
            updated_at: now,
            last_used_at: None,
            expires_at: None,
            secret_id: None,
            secret_created_at: None,
        };
        tx.insert_api_client(&client).await?;
        let kid = format!("demo-{i}");
        let jwk = serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid,
            "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public),
        });
        tx.insert_api_client_key(&ApiClientKey {
            id: new_id(now),
            client: client.id,
            kid,
            alg: KeyAlg::EdDsa,
            jwk: jwk.to_string(),
            created_at: now,
            last_used_at: None,
        })
        .await?;
    }
    tx.commit().await?;
    Ok(count)
}

//! Demo data for development and benchmarks (`poort --dev seed-demo`): an office with three
//! portfolios and N active advisers (seven rights each, as an adviser of a real office might
//! have) who share a password and whose authenticator secrets are
//! derived from a seed, so a load generator can compute their codes. Dev mode only.

use poort_shared::dto::{AccountStatus, Role};
use poort_shared::validate::{AgencyNumber, Email, KvkNumber, MobileNumber};
use sha2::{Digest, Sha256};

use crate::auth::secrets::Context;
use crate::domain::{Account, Office, Portfolio};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::new_id;

/// The authenticator secret of demo adviser `i`.
pub fn demo_secret(seed: &str, i: usize) -> Vec<u8> {
    Sha256::digest(format!("{seed}:{i}").as_bytes())[..20].to_vec()
}

/// Creates the office and `count` advisers; returns how many were made.
pub async fn seed(
    state: &AppState,
    count: usize,
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
    Ok(count)
}

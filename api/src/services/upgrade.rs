//! What an earlier version stored in a form this one no longer keeps, brought up to date once
//! at start-up (recorded in `maintenance`; several instances starting together do it safely):
//! authenticator secrets encrypted without being bound to their account are encrypted again,
//! bound; message bodies stored readable are sealed, and in production those of delivered and
//! dead messages erased.

use chrono::Utc;

use crate::auth::secrets::Context;
use crate::configuration::Mode;
use crate::state::AppState;

const BOUND_SECRETS: &str = "bound_secrets_v2";

pub async fn run(state: &AppState) -> anyhow::Result<()> {
    let store = &state.store;
    if store.maintenance_done(BOUND_SECRETS).await? {
        return Ok(());
    }
    let secrets = &state.secrets;
    // A value that opens bound to its account is done; one that opens the old way is
    // re-encrypted; one that opens neither way is left as it is (a wrong key: the sign-in
    // that needs it says so).
    let rebind = |account, stored: &Option<Vec<u8>>| -> anyhow::Result<Option<Vec<u8>>> {
        let Some(stored) = stored else {
            return Ok(None);
        };
        if secrets
            .open(Context::Authenticator(account), stored)
            .is_ok()
        {
            return Ok(Some(stored.clone()));
        }
        match secrets.open_unbound(stored) {
            Ok(plain) => Ok(Some(secrets.seal(Context::Authenticator(account), &plain)?)),
            Err(_) => Ok(Some(stored.clone())),
        }
    };
    let mut upgraded = 0;
    for before in store.account_secrets().await? {
        let after = (
            before.0,
            rebind(before.0, &before.1)?,
            rebind(before.0, &before.2)?,
        );
        if after != before {
            store.replace_account_secrets(&before, &after).await?;
            upgraded += 1;
        }
    }
    for (invitation, account, before) in store.invitation_secrets().await? {
        if let Some(after) = rebind(account, &Some(before.clone()))?
            && after != before
        {
            store
                .replace_invitation_secret(invitation, &before, &after)
                .await?;
            upgraded += 1;
        }
    }
    let bodies = store
        .seal_plain_bodies(state.settings.mode == Mode::Production)
        .await?;
    store
        .mark_maintenance_done(BOUND_SECRETS, Utc::now())
        .await?;
    if upgraded > 0 || bodies > 0 {
        tracing::info!(
            upgraded,
            bodies,
            "bound authenticator secrets to their accounts and sealed message bodies"
        );
    }
    Ok(())
}

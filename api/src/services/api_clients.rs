//! Managing API clients: an office's user administrators manage their office's clients, the
//! relations team the insurer's own. A client gets its settings (name, scopes, portfolios,
//! expiry), then credentials: public keys (two at most, for rotation) or a generated secret
//! (shown once, kept as a hash). Every change is in the audit trail. API clients cannot manage
//! clients themselves (the routes take a person's session).

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AddApiClientKeyRequest, ApiClientKeyResponse, ApiClientRequest, ApiClientResponse,
    ApiClientSecretResponse, ApiScopeResponse, AuditAccountRef, AuditAction,
};
use poort_shared::validate::parse_name;
use serde_json::json;
use uuid::Uuid;

use crate::auth::client_keys;
use crate::auth::principal::Actor;
use crate::auth::secrets::{new_token, token_hash};
use crate::domain::api_client::{self, Owner};
use crate::domain::{ApiClient, ApiClientKey};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{StoreError, Tx, new_id};

/// The scope catalogue; an office's administrators see the scopes their clients may have.
pub async fn scopes(state: &AppState, owner: Owner) -> Result<Vec<ApiScopeResponse>, ApiError> {
    let mut tx = state.store.read().await?;
    let rows = tx.api_scopes().await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, _, insurer_only)| owner == Owner::Insurer || !insurer_only)
        .map(
            |(code, label_nl, label_en, insurer_only)| ApiScopeResponse {
                code,
                label_nl,
                label_en,
                insurer_only,
            },
        )
        .collect())
}

fn key_response(key: ApiClientKey) -> Result<ApiClientKeyResponse, ApiError> {
    Ok(ApiClientKeyResponse {
        id: key.id,
        kid: key.kid,
        alg: key.alg.as_str().to_string(),
        jwk: serde_json::from_str(&key.jwk)
            .map_err(|e| StoreError::Corrupt(format!("api_client_keys.jwk of {}: {e}", key.id)))?,
        created_at: key.created_at,
        last_used_at: key.last_used_at,
    })
}

async fn describe(
    state: &AppState,
    tx: &mut dyn Tx,
    clients: Vec<ApiClient>,
) -> Result<Vec<ApiClientResponse>, ApiError> {
    let ids: Vec<Uuid> = clients.iter().map(|c| c.id).collect();
    let mut keys = tx.keys_of_api_clients(&ids).await?;
    let now = state.now();
    let mut out = Vec::with_capacity(clients.len());
    for client in clients {
        let (own, rest): (Vec<_>, Vec<_>) = keys.into_iter().partition(|k| k.client == client.id);
        keys = rest;
        let created_by = match client.created_by {
            Some(id) => Some(AuditAccountRef {
                id,
                name: tx.get_account(id).await?.map(|a| a.name),
                email: None,
            }),
            None => None,
        };
        out.push(ApiClientResponse {
            id: client.id,
            status: client.status(now),
            client_id: client.client_id,
            name: client.name,
            office_id: client.owner.office_id(),
            scopes: client.scopes,
            portfolio_ids: client.portfolio_ids,
            created_by,
            created_at: client.created_at,
            last_used_at: client.last_used_at,
            expires_at: client.expires_at,
            keys: own
                .into_iter()
                .map(key_response)
                .collect::<Result<_, _>>()?,
            has_secret: client.secret_id.is_some(),
            secret_created_at: client.secret_created_at,
        });
    }
    Ok(out)
}

async fn describe_one(
    state: &AppState,
    tx: &mut dyn Tx,
    client: ApiClient,
) -> Result<ApiClientResponse, ApiError> {
    describe(state, tx, vec![client])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("a described client went missing")))
}

/// Records a change in the owner's audit trail, commits, and answers with the client as it
/// is now.
async fn recorded(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    by: &Actor<'_>,
    owner: Owner,
    action: AuditAction,
    details: serde_json::Value,
    client: ApiClient,
) -> Result<ApiClientResponse, ApiError> {
    tx.audit(
        &by.audit(action, None, owner.office_id(), details),
        state.now(),
    )
    .await?;
    let out = describe_one(state, tx.as_mut(), client).await?;
    tx.commit().await?;
    Ok(out)
}

/// The owner's clients, newest first.
pub async fn list(state: &AppState, owner: Owner) -> Result<Vec<ApiClientResponse>, ApiError> {
    let mut tx = state.store.read().await?;
    let clients = tx.api_clients_of(owner).await?;
    let out = describe(state, tx.as_mut(), clients).await?;
    tx.commit().await?;
    Ok(out)
}

/// The owner's client `id` (404 for anyone else's), locked for a change.
async fn load(tx: &mut dyn Tx, owner: Owner, id: Uuid) -> Result<ApiClient, ApiError> {
    tx.get_api_client(id)
        .await?
        .filter(|c| c.owner == owner)
        .ok_or(ApiError::from(ErrorCode::NotFound))
}

pub async fn get(state: &AppState, owner: Owner, id: Uuid) -> Result<ApiClientResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let client = load(tx.as_mut(), owner, id).await?;
    let out = describe_one(state, tx.as_mut(), client).await?;
    tx.commit().await?;
    Ok(out)
}

/// The settings of a request, checked against the owner's rules.
async fn settings(
    tx: &mut dyn Tx,
    owner: Owner,
    request: &ApiClientRequest,
) -> Result<(String, Vec<poort_shared::dto::ApiScope>, Option<Vec<Uuid>>), ApiError> {
    let name = parse_name(&request.name)?;
    let mut scopes = request.scopes.clone();
    scopes.sort();
    scopes.dedup();
    api_client::check_scopes(owner, &scopes)?;
    let office_portfolios: Vec<Uuid> = match owner {
        Owner::Office(office) => tx
            .portfolios_of(office)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect(),
        Owner::Insurer => Vec::new(),
    };
    let portfolios =
        api_client::check_portfolios(owner, request.portfolio_ids.as_deref(), &office_portfolios)?;
    Ok((name, scopes, portfolios))
}

fn audit_details(client: &ApiClient) -> serde_json::Value {
    json!({
        "api_client_id": client.id,
        "name": client.name,
        "client_id": client.client_id,
        "scopes": api_client::scope_text(&client.scopes),
        "portfolio_ids": client.portfolio_ids,
        "expires_at": client.expires_at,
    })
}

/// A new client id: `pc_` and 22 random characters.
fn new_client_id() -> anyhow::Result<String> {
    Ok(format!("pc_{}", &new_token()?[..22]))
}

pub async fn create(
    state: &AppState,
    by: &Actor<'_>,
    owner: Owner,
    request: &ApiClientRequest,
) -> Result<ApiClientResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (name, scopes, portfolio_ids) = settings(tx.as_mut(), owner, request).await?;
    let client = ApiClient {
        id: new_id(now),
        client_id: new_client_id()?,
        name,
        owner,
        scopes,
        portfolio_ids,
        revoked_at: None,
        created_by: by.id,
        created_at: now,
        updated_at: now,
        last_used_at: None,
        expires_at: request.expires_at,
        secret_id: None,
        secret_created_at: None,
    };
    tx.insert_api_client(&client).await?;
    recorded(
        state,
        tx,
        by,
        owner,
        AuditAction::ApiClientCreated,
        audit_details(&client),
        client,
    )
    .await
}

pub async fn update(
    state: &AppState,
    by: &Actor<'_>,
    owner: Owner,
    id: Uuid,
    request: &ApiClientRequest,
) -> Result<ApiClientResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let before = load(tx.as_mut(), owner, id).await?;
    api_client::may_change(&before)?;
    let (name, scopes, portfolio_ids) = settings(tx.as_mut(), owner, request).await?;
    let client = ApiClient {
        name,
        scopes,
        portfolio_ids,
        expires_at: request.expires_at,
        updated_at: now,
        ..before
    };
    tx.update_api_client(&client).await?;
    recorded(
        state,
        tx,
        by,
        owner,
        AuditAction::ApiClientChanged,
        audit_details(&client),
        client,
    )
    .await
}

/// Revokes a client: its credentials are removed and its tokens stop working at once.
pub async fn revoke(
    state: &AppState,
    by: &Actor<'_>,
    owner: Owner,
    id: Uuid,
) -> Result<ApiClientResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let client = load(tx.as_mut(), owner, id).await?;
    if client.revoked_at.is_none() {
        tx.revoke_api_client(client.id, now).await?;
        tx.audit(
            &by.audit(
                AuditAction::ApiClientRevoked,
                None,
                owner.office_id(),
                audit_details(&client),
            ),
            now,
        )
        .await?;
    }
    let client = load(tx.as_mut(), owner, id).await?;
    let out = describe_one(state, tx.as_mut(), client).await?;
    tx.commit().await?;
    Ok(out)
}

pub async fn add_key(
    state: &AppState,
    by: &Actor<'_>,
    owner: Owner,
    id: Uuid,
    request: &AddApiClientKeyRequest,
) -> Result<ApiClientResponse, ApiError> {
    let parsed = client_keys::parse(&request.key)?;
    let kid = request
        .kid
        .clone()
        .or(parsed.given_kid.clone())
        .unwrap_or_else(|| parsed.thumbprint.clone());
    if !api_client::valid_kid(&kid) {
        return Err(ApiError::invalid_request(
            "kid: 1 to 100 of A-Z a-z 0-9 . _ -",
        ));
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let client = load(tx.as_mut(), owner, id).await?;
    api_client::may_change(&client)?;
    api_client::may_add_key(tx.keys_of_api_clients(&[client.id]).await?.len())?;
    let mut jwk = parsed.jwk;
    jwk["kid"] = json!(kid);
    let key = ApiClientKey {
        id: new_id(now),
        client: client.id,
        kid,
        alg: parsed.alg,
        jwk: jwk.to_string(),
        created_at: now,
        last_used_at: None,
    };
    tx.insert_api_client_key(&key).await.map_err(|e| match e {
        StoreError::Conflict => ApiError::from(ErrorCode::KidTaken),
        other => other.into(),
    })?;
    recorded(state, tx, by, owner, AuditAction::ApiClientKeyAdded, json!({ "api_client_id": client.id, "kid": key.kid, "alg": key.alg.as_str(), "thumbprint": parsed.thumbprint }), client).await
}

/// Removes a key: tokens issued for it stop working at once.
pub async fn remove_key(
    state: &AppState,
    by: &Actor<'_>,
    owner: Owner,
    id: Uuid,
    key: Uuid,
) -> Result<ApiClientResponse, ApiError> {
    let mut tx = state.store.begin().await?;
    let client = load(tx.as_mut(), owner, id).await?;
    if !tx.delete_api_client_key(client.id, key).await? {
        return Err(ErrorCode::NotFound.into());
    }
    recorded(
        state,
        tx,
        by,
        owner,
        AuditAction::ApiClientKeyRemoved,
        json!({ "api_client_id": client.id, "key_id": key }),
        client,
    )
    .await
}

/// A new client secret (256 random bits), shown once; it replaces the previous one, whose
/// tokens stop working at once.
pub async fn new_secret(
    state: &AppState,
    by: &Actor<'_>,
    owner: Owner,
    id: Uuid,
) -> Result<ApiClientSecretResponse, ApiError> {
    let now = state.now();
    let secret = new_token()?;
    let mut tx = state.store.begin().await?;
    let client = load(tx.as_mut(), owner, id).await?;
    api_client::may_change(&client)?;
    tx.set_api_client_secret(client.id, new_id(now), &token_hash(&secret), now)
        .await?;
    tx.audit(
        &by.audit(
            AuditAction::ApiClientSecretCreated,
            None,
            owner.office_id(),
            json!({ "api_client_id": client.id, "replaced": client.secret_id.is_some() }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ApiClientSecretResponse {
        client_id: client.client_id,
        client_secret: secret,
        created_at: now,
    })
}

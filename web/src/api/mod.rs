//! Every HTTP call of the SPA. Pages call these functions and never build URLs themselves;
//! each returns `Result<T, ApiError>` with the API's stable error code when there is one.

use gloo_net::http::{Request, RequestBuilder, Response};
use poort_shared::dto::*;
use poort_shared::{ErrorBody, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The API answered with an error body.
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
        details: Option<serde_json::Value>,
    },
    /// No answer at all (offline, server down).
    Network(String),
    /// An answer we could not read.
    UnexpectedAnswer(String),
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Api {
                status,
                code,
                message,
                ..
            } => write!(f, "{status} {code}: {message}"),
            ApiError::Network(e) => write!(f, "network: {e}"),
            ApiError::UnexpectedAnswer(e) => write!(f, "unexpected answer: {e}"),
        }
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;

/// The body of a successful answer (an empty one, 204 and friends, reads as JSON `null`), or
/// the API's error. Not generic: the waiting is made once in the wasm, only the reading of each
/// answer's type ([`parse`]) is made per type.
async fn answer(response: Response) -> ApiResult<String> {
    let status = response.status();
    if response.ok() {
        let text = response
            .text()
            .await
            .map_err(|e| ApiError::UnexpectedAnswer(e.to_string()))?;
        return Ok(if text.is_empty() {
            "null".to_string()
        } else {
            text
        });
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiError::Api {
            status,
            code: body.code,
            message: body.message,
            details: body.details,
        }),
        Err(_) => Err(ApiError::UnexpectedAnswer(format!("HTTP {status}"))),
    }
}

fn parse<T: DeserializeOwned>(text: &str) -> ApiResult<T> {
    serde_json::from_str(text).map_err(|e| ApiError::UnexpectedAnswer(e.to_string()))
}

/// Sends a request with an optional JSON body and waits for the answer's body.
async fn exchange(request: RequestBuilder, body: Option<String>) -> ApiResult<String> {
    let request = request.header("Accept", "application/json");
    let request = match body {
        Some(body) => request
            .header("Content-Type", "application/json")
            .body(body),
        None => request.build(),
    }
    .map_err(|e| ApiError::UnexpectedAnswer(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    answer(response).await
}

async fn send<T: DeserializeOwned>(request: RequestBuilder) -> ApiResult<T> {
    parse(&exchange(request, None).await?)
}

async fn send_json<B: Serialize, T: DeserializeOwned>(
    request: RequestBuilder,
    body: &B,
) -> ApiResult<T> {
    let body =
        serde_json::to_string(body).map_err(|e| ApiError::UnexpectedAnswer(e.to_string()))?;
    parse(&exchange(request, Some(body)).await?)
}

async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    send(Request::get(path)).await
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    send_json(Request::post(path), body).await
}

async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    send_json(Request::put(path), body).await
}

async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    send_json(Request::patch(path), body).await
}

async fn delete<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    send(Request::delete(path)).await
}

pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

fn empty() -> serde_json::Value {
    serde_json::json!({})
}

/// The common-password list (a static file beside the app, not part of its wasm).
pub async fn common_passwords() -> Result<String, ApiError> {
    let response = Request::get("/common-passwords.txt")
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if !response.ok() {
        return Err(ApiError::UnexpectedAnswer(format!(
            "status {}",
            response.status()
        )));
    }
    response
        .text()
        .await
        .map_err(|e| ApiError::UnexpectedAnswer(e.to_string()))
}

// --- service
pub async fn health() -> ApiResult<HealthResponse> {
    get("/api/health").await
}
pub async fn ready() -> ApiResult<ReadyResponse> {
    get("/api/ready").await
}
pub async fn public_config() -> ApiResult<PublicConfigResponse> {
    get("/api/config").await
}
pub async fn dev_outbox() -> ApiResult<OutboxListResponse> {
    get("/api/dev/outbox?limit=200").await
}

// --- session
pub async fn me() -> ApiResult<MeResponse> {
    get("/api/me").await
}
pub async fn logout() -> ApiResult<()> {
    post("/api/session/logout", &empty()).await
}
pub async fn rights_catalogue() -> ApiResult<RightsCatalogueResponse> {
    get("/api/rights").await
}

// --- sign-in and recovery
pub async fn sign_in(email: String, password: String) -> ApiResult<SignInResponse> {
    post("/api/sign-in", &SignInRequest { email, password }).await
}
pub async fn sign_in_authenticator(
    sign_in_token: String,
    code: String,
) -> ApiResult<SignInResponse> {
    post(
        "/api/sign-in/authenticator",
        &SignInCodeRequest {
            sign_in_token,
            code,
        },
    )
    .await
}
pub async fn sign_in_send_sms(sign_in_token: String) -> ApiResult<CodeSentResponse> {
    post("/api/sign-in/sms", &SignInTokenRequest { sign_in_token }).await
}
pub async fn sign_in_verify_sms(sign_in_token: String, code: String) -> ApiResult<SignInResponse> {
    post(
        "/api/sign-in/sms/verify",
        &SignInCodeRequest {
            sign_in_token,
            code,
        },
    )
    .await
}
pub async fn sign_in_passkey_options(sign_in_token: String) -> ApiResult<PasskeyChallengeResponse> {
    post(
        "/api/sign-in/passkey/options",
        &SignInTokenRequest { sign_in_token },
    )
    .await
}
pub async fn sign_in_passkey(
    sign_in_token: String,
    challenge_id: Uuid,
    credential: serde_json::Value,
) -> ApiResult<SignInResponse> {
    post(
        "/api/sign-in/passkey",
        &SignInPasskeyRequest {
            sign_in_token,
            challenge_id,
            credential,
        },
    )
    .await
}
pub async fn passwordless_options() -> ApiResult<PasskeyChallengeResponse> {
    post("/api/sign-in/passkey/discoverable/options", &empty()).await
}
pub async fn passwordless_sign_in(
    challenge_id: Uuid,
    credential: serde_json::Value,
) -> ApiResult<SignInResponse> {
    post(
        "/api/sign-in/passkey/discoverable",
        &PasskeySignInRequest {
            challenge_id,
            credential,
        },
    )
    .await
}
pub async fn sign_in_new_password(
    sign_in_token: String,
    password: String,
) -> ApiResult<SignInResponse> {
    post(
        "/api/sign-in/new-password",
        &SignInNewPasswordRequest {
            sign_in_token,
            password,
        },
    )
    .await
}
pub async fn request_password_reset(email: String) -> ApiResult<AcceptedResponse> {
    post("/api/password-reset", &PasswordResetRequest { email }).await
}
pub async fn open_password_reset(token: String) -> ApiResult<PasswordResetLinkResponse> {
    get(&format!("/api/password-reset/{}", encode(&token))).await
}
pub async fn password_reset_sms(token: String) -> ApiResult<CodeSentResponse> {
    post(
        &format!("/api/password-reset/{}/sms", encode(&token)),
        &empty(),
    )
    .await
}
pub async fn verify_password_reset(
    token: String,
    method: SecondFactor,
    code: String,
) -> ApiResult<PasswordResetLinkResponse> {
    post(
        &format!("/api/password-reset/{}/verify", encode(&token)),
        &ResetVerifyRequest { method, code },
    )
    .await
}
pub async fn complete_password_reset(token: String, password: String) -> ApiResult<MeResponse> {
    post(
        &format!("/api/password-reset/{}/password", encode(&token)),
        &NewPasswordRequest { password },
    )
    .await
}
pub async fn forgot_email(mobile: String) -> ApiResult<AcceptedResponse> {
    post("/api/forgot-email", &ForgotEmailRequest { mobile }).await
}

// --- invitation acceptance
pub async fn open_invitation(token: String) -> ApiResult<InvitationLinkResponse> {
    get(&format!("/api/invitations/{}", encode(&token))).await
}
pub async fn setup_password(token: String, password: String) -> ApiResult<SetupTokenResponse> {
    post(
        &format!("/api/invitations/{}/password", encode(&token)),
        &SetPasswordRequest { password },
    )
    .await
}
pub async fn setup_resume(token: String, password: String) -> ApiResult<SetupTokenResponse> {
    post(
        &format!("/api/invitations/{}/resume", encode(&token)),
        &ResumeSetupRequest { password },
    )
    .await
}
pub async fn setup_send_code(
    token: String,
    setup_token: String,
    mobile: String,
) -> ApiResult<CodeSentResponse> {
    post(
        &format!("/api/invitations/{}/mobile", encode(&token)),
        &SendMobileCodeRequest {
            setup_token,
            mobile,
        },
    )
    .await
}
pub async fn setup_verify_mobile(
    token: String,
    setup_token: String,
    code: String,
) -> ApiResult<SetupStepResponse> {
    post(
        &format!("/api/invitations/{}/mobile/verify", encode(&token)),
        &SetupCodeRequest { setup_token, code },
    )
    .await
}
pub async fn setup_authenticator(
    token: String,
    setup_token: String,
) -> ApiResult<AuthenticatorSetupResponse> {
    post(
        &format!("/api/invitations/{}/authenticator", encode(&token)),
        &SetupTokenRequest { setup_token },
    )
    .await
}
pub async fn setup_confirm_authenticator(
    token: String,
    setup_token: String,
    code: String,
) -> ApiResult<MeResponse> {
    post(
        &format!("/api/invitations/{}/authenticator/confirm", encode(&token)),
        &SetupCodeRequest { setup_token, code },
    )
    .await
}

pub async fn setup_passkey_options(
    token: String,
    setup_token: String,
) -> ApiResult<PasskeyChallengeResponse> {
    post(
        &format!("/api/invitations/{}/passkey/options", encode(&token)),
        &SetupTokenRequest { setup_token },
    )
    .await
}
pub async fn setup_passkey(token: String, request: SetupPasskeyRequest) -> ApiResult<MeResponse> {
    post(
        &format!("/api/invitations/{}/passkey", encode(&token)),
        &request,
    )
    .await
}

// --- the signed-in account
pub async fn profile() -> ApiResult<ProfileResponse> {
    get("/api/me/profile").await
}
pub async fn reauthenticate(password: String) -> ApiResult<ReauthenticatedResponse> {
    post(
        "/api/me/reauthenticate",
        &ReauthenticateRequest::Password(ReauthenticateWithPassword { password }),
    )
    .await
}
pub async fn reauthentication_options() -> ApiResult<PasskeyChallengeResponse> {
    post("/api/me/reauthenticate/passkey/options", &empty()).await
}
pub async fn reauthenticate_with_passkey(
    challenge_id: Uuid,
    credential: serde_json::Value,
) -> ApiResult<ReauthenticatedResponse> {
    post(
        "/api/me/reauthenticate/passkey",
        &PasskeyProofRequest {
            challenge_id,
            credential,
        },
    )
    .await
}
pub async fn change_mobile(mobile: String) -> ApiResult<CodeSentResponse> {
    post("/api/me/mobile", &ChangeMobileRequest { mobile }).await
}
pub async fn verify_mobile_change(code: String) -> ApiResult<Factors> {
    post("/api/me/mobile/verify", &CodeRequest { code }).await
}
pub async fn remove_mobile() -> ApiResult<MobileRemovedResponse> {
    delete("/api/me/mobile").await
}
pub async fn change_password(current_password: String, new_password: String) -> ApiResult<()> {
    post(
        "/api/me/password",
        &ChangePasswordRequest {
            current_password,
            new_password,
        },
    )
    .await
}
pub async fn new_authenticator() -> ApiResult<AuthenticatorSetupResponse> {
    post("/api/me/authenticator", &empty()).await
}
pub async fn confirm_new_authenticator(code: String) -> ApiResult<Factors> {
    post("/api/me/authenticator/confirm", &CodeRequest { code }).await
}
pub async fn passkeys() -> ApiResult<PasskeyListResponse> {
    get("/api/me/passkeys").await
}
pub async fn passkey_registration_options() -> ApiResult<PasskeyChallengeResponse> {
    post("/api/me/passkeys/options", &empty()).await
}
pub async fn add_passkey(
    challenge_id: Uuid,
    name: String,
    credential: serde_json::Value,
) -> ApiResult<PasskeyResponse> {
    post(
        "/api/me/passkeys",
        &PasskeyRegisterRequest {
            challenge_id,
            name,
            credential,
        },
    )
    .await
}
pub async fn rename_passkey(id: Uuid, name: String) -> ApiResult<PasskeyResponse> {
    patch(
        &format!("/api/me/passkeys/{id}"),
        &PasskeyRenameRequest { name },
    )
    .await
}
pub async fn remove_passkey(id: Uuid) -> ApiResult<()> {
    delete(&format!("/api/me/passkeys/{id}")).await
}
pub async fn sessions() -> ApiResult<SessionListResponse> {
    get("/api/me/sessions").await
}
pub async fn eherkenning_sign_in() -> ApiResult<EherkenningStartResponse> {
    post("/api/eherkenning/sign-in", &empty()).await
}
pub async fn eherkenning_start_link() -> ApiResult<EherkenningStartResponse> {
    post("/api/me/eherkenning", &empty()).await
}
pub async fn eherkenning_link() -> ApiResult<EherkenningLinkResponse> {
    get("/api/me/eherkenning").await
}
pub async fn eherkenning_unlink() -> ApiResult<()> {
    delete("/api/me/eherkenning").await
}
pub async fn end_session(id: Uuid) -> ApiResult<()> {
    delete(&format!("/api/me/sessions/{id}")).await
}
pub async fn my_events() -> ApiResult<AuditPageResponse> {
    get("/api/me/events").await
}
pub async fn portfolios() -> ApiResult<PortfolioContextResponse> {
    get("/api/me/portfolios").await
}
pub async fn select_portfolio(portfolio_id: Uuid) -> ApiResult<PortfolioContextResponse> {
    put(
        "/api/me/portfolio",
        &SelectPortfolioRequest { portfolio_id },
    )
    .await
}

// --- office user administrator
/// What an account list asks (the office's or the relations team's): kept in the page's
/// address too (see [`AccountFilter::address`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    pub q: String,
    pub status: Option<AccountStatus>,
    pub without_rights: bool,
    pub factor: Option<FactorFilter>,
    /// 1 for the first page of [`ACCOUNT_SCREEN_PAGE`].
    pub page: i64,
}

impl AccountFilter {
    /// Read from an address's query (unknown values are left out).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        AccountFilter {
            q: get("q").unwrap_or_default(),
            status: get("status").and_then(|s| AccountStatus::parse(&s)),
            without_rights: get("rights").as_deref() == Some("none"),
            factor: get("factor").and_then(|s| FactorFilter::parse(&s)),
            page: page_number(get("page").as_deref()),
        }
    }

    /// The filter's part of an address (`&q=…&status=…`), empty parts left out.
    pub fn address(&self) -> String {
        let mut out = String::new();
        if !self.q.is_empty() {
            out.push_str(&format!("&q={}", encode(&self.q)));
        }
        out.push_str(&self.narrowing("rights=none"));
        if self.page > 1 {
            out.push_str(&format!("&page={}", self.page));
        }
        out
    }

    /// The address of another page of the same list (`base` up to its `?…`).
    pub fn at_page(&self, base: &str, page: i64) -> String {
        let mut f = self.clone();
        f.page = page;
        format!("{base}{}", f.address())
    }

    /// Status, "without rights" (written `without`) and factor as query parameters.
    fn narrowing(&self, without: &str) -> String {
        let mut out = String::new();
        if let Some(s) = self.status {
            out.push_str(&format!("&status={}", s.as_str()));
        }
        if self.without_rights {
            out.push_str(&format!("&{without}"));
        }
        if let Some(f) = self.factor {
            out.push_str(&format!("&factor={}", f.as_str()));
        }
        out
    }

    /// The first row's offset.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * ACCOUNT_SCREEN_PAGE
    }

    fn api_query(&self) -> String {
        format!(
            "q={}&offset={}&limit={ACCOUNT_SCREEN_PAGE}{}",
            encode(&self.q),
            self.offset(),
            self.narrowing("without_rights=true")
        )
    }
}

/// A list's page number as an address gives it (from 1; 1 when absent or unreadable).
pub fn page_number(text: Option<&str>) -> i64 {
    text.and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

pub async fn office_accounts(filter: AccountFilter) -> ApiResult<AccountListResponse> {
    get(&format!("/api/office/accounts?{}", filter.api_query())).await
}
pub async fn office_set_rights(
    id: Uuid,
    portfolios: Vec<RightsGrant>,
) -> ApiResult<AccountResponse> {
    put(
        &format!("/api/office/accounts/{id}/rights"),
        &SetRightsRequest { portfolios },
    )
    .await
}
pub async fn office_set_active(id: Uuid, active: bool) -> ApiResult<AccountResponse> {
    let action = if active { "reactivate" } else { "deactivate" };
    post(&format!("/api/office/accounts/{id}/{action}"), &empty()).await
}
pub async fn office_set_admin(id: Uuid, admin: bool) -> ApiResult<AccountResponse> {
    let path = format!("/api/office/accounts/{id}/administrator");
    if admin {
        post(&path, &empty()).await
    } else {
        delete(&path).await
    }
}
/// A page of the office's invitations (the newest, or those older than `before`).
pub async fn office_invitations(before: Option<Uuid>) -> ApiResult<InvitationListResponse> {
    match before {
        Some(before) => get(&format!("/api/office/invitations?before={before}")).await,
        None => get("/api/office/invitations").await,
    }
}
pub async fn office_invite(request: InviteRequest) -> ApiResult<InvitationResponse> {
    post("/api/office/invitations", &request).await
}
pub async fn office_invitation_action(id: Uuid, resend: bool) -> ApiResult<InvitationResponse> {
    let action = if resend { "resend" } else { "withdraw" };
    post(&format!("/api/office/invitations/{id}/{action}"), &empty()).await
}
pub async fn office_portfolios() -> ApiResult<PortfolioListResponse> {
    get("/api/office/portfolios").await
}

// --- access requests
pub async fn my_access_requests() -> ApiResult<MyAccessRequestsResponse> {
    get("/api/me/access-requests").await
}
pub async fn request_access(request: CreateAccessRequest) -> ApiResult<AccessRequestResponse> {
    post("/api/me/access-requests", &request).await
}
pub async fn withdraw_access_request(id: Uuid) -> ApiResult<AccessRequestResponse> {
    post(&format!("/api/me/access-requests/{id}/withdraw"), &empty()).await
}
pub async fn office_access_requests(
    filter: AccessRequestFilter,
    offset: i64,
) -> ApiResult<AccessRequestListResponse> {
    get(&format!(
        "/api/office/access-requests?status={filter}&offset={offset}&limit=200"
    ))
    .await
}
pub async fn office_grant_access(
    id: Uuid,
    rights: Vec<RightsGrant>,
) -> ApiResult<AccessRequestResponse> {
    post(
        &format!("/api/office/access-requests/{id}/grant"),
        &GrantAccessRequest { rights },
    )
    .await
}
pub async fn office_decline_access(id: Uuid, reason: String) -> ApiResult<AccessRequestResponse> {
    post(
        &format!("/api/office/access-requests/{id}/decline"),
        &DeclineRequest { reason },
    )
    .await
}
pub async fn office_request_move(email: String) -> ApiResult<AcceptedResponse> {
    post(
        "/api/office/move-requests",
        &CreateMoveRequest { email, note: None },
    )
    .await
}
pub async fn office_access_review() -> ApiResult<AccessReviewResponse> {
    get("/api/office/access-review").await
}
pub async fn office_confirm_review(
    request: ConfirmReviewRequest,
) -> ApiResult<AccessReviewResponse> {
    post("/api/office/access-review/confirm", &request).await
}

// --- relations team
pub async fn operator_access_reviews() -> ApiResult<OfficeReviewListResponse> {
    get("/api/operator/access-reviews").await
}
pub async fn operator_office_review(id: Uuid) -> ApiResult<AccessReviewResponse> {
    get(&format!("/api/operator/offices/{id}/access-review")).await
}
pub async fn operator_move_account(id: Uuid, office_id: Uuid) -> ApiResult<AccountDetailResponse> {
    post(
        &format!("/api/operator/accounts/{id}/move"),
        &MoveAccountRequest { office_id },
    )
    .await
}
/// Moves an account to the office with this KvK number (found through the office search).
pub async fn operator_move_account_to_kvk(
    id: Uuid,
    kvk: String,
) -> ApiResult<AccountDetailResponse> {
    let wanted = poort_shared::validate::KvkNumber::parse(&kvk).map_err(|code| ApiError::Api {
        status: 400,
        code,
        message: code.describe().to_string(),
        details: None,
    })?;
    let found = operator_offices(
        wanted.as_str().to_string(),
        OfficeSort::Name,
        SortOrder::Asc,
        0,
    )
    .await?;
    let office = found
        .offices
        .into_iter()
        .find(|o| o.kvk_number == wanted.as_str())
        .ok_or(ApiError::Api {
            status: 404,
            code: ErrorCode::NotFound,
            message: ErrorCode::NotFound.describe().to_string(),
            details: None,
        })?;
    operator_move_account(id, office.id).await
}
pub async fn operator_move_requests() -> ApiResult<MoveRequestListResponse> {
    get("/api/operator/move-requests?limit=200").await
}
pub async fn operator_decline_move(id: Uuid, reason: String) -> ApiResult<MoveRequestResponse> {
    post(
        &format!("/api/operator/move-requests/{id}/decline"),
        &DeclineRequest { reason },
    )
    .await
}
/// One page of the office list, as the relations team's table asks it.
pub async fn operator_offices(
    query: String,
    sort: OfficeSort,
    order: SortOrder,
    offset: i64,
) -> ApiResult<OfficeListResponse> {
    get(&format!(
        "/api/operator/offices?q={}&sort={}&order={}&offset={offset}&limit={OFFICE_PAGE}",
        encode(&query),
        sort.as_str(),
        order.as_str()
    ))
    .await
}
pub async fn operator_office(id: Uuid) -> ApiResult<OfficeResponse> {
    get(&format!("/api/operator/offices/{id}")).await
}
pub async fn operator_create_office(name: String, kvk_number: String) -> ApiResult<OfficeResponse> {
    post(
        "/api/operator/offices",
        &CreateOfficeRequest { name, kvk_number },
    )
    .await
}
pub async fn operator_portfolios(office: Uuid) -> ApiResult<PortfolioListResponse> {
    get(&format!("/api/operator/offices/{office}/portfolios")).await
}
pub async fn operator_create_portfolio(
    office: Uuid,
    agency_number: String,
    name: String,
) -> ApiResult<PortfolioResponse> {
    post(
        &format!("/api/operator/offices/{office}/portfolios"),
        &CreatePortfolioRequest {
            agency_number,
            name,
        },
    )
    .await
}
pub async fn operator_invite(
    office: Uuid,
    request: InviteRequest,
) -> ApiResult<InvitationResponse> {
    post(
        &format!("/api/operator/offices/{office}/invitations"),
        &request,
    )
    .await
}
pub async fn operator_accounts(
    filter: AccountFilter,
    office: Option<Uuid>,
) -> ApiResult<AccountListResponse> {
    let office = office
        .map(|o| format!("&office_id={o}"))
        .unwrap_or_default();
    get(&format!(
        "/api/operator/accounts?{}{office}",
        filter.api_query()
    ))
    .await
}
pub async fn operator_overview() -> ApiResult<OverviewResponse> {
    get("/api/operator/overview").await
}
pub async fn operator_open_invitations(
    state: InvitationFilter,
    before: Option<Uuid>,
) -> ApiResult<InvitationListResponse> {
    let before = before.map(|b| format!("&before={b}")).unwrap_or_default();
    get(&format!(
        "/api/operator/invitations?state={}&limit=50{before}",
        state.as_str()
    ))
    .await
}
pub async fn operator_dead_letters(offset: i64) -> ApiResult<DeadLetterListResponse> {
    get(&format!(
        "/api/operator/dead-letters?offset={offset}&limit=50"
    ))
    .await
}
pub async fn operator_account(id: Uuid) -> ApiResult<AccountDetailResponse> {
    get(&format!("/api/operator/accounts/{id}")).await
}
pub async fn operator_delete_account(id: Uuid) -> ApiResult<()> {
    delete(&format!("/api/operator/accounts/{id}")).await
}
pub async fn operator_reset_sign_in(id: Uuid) -> ApiResult<AccountDetailResponse> {
    post(
        &format!("/api/operator/accounts/{id}/reset-sign-in"),
        &empty(),
    )
    .await
}
pub async fn operator_invitation_action(id: Uuid, resend: bool) -> ApiResult<InvitationResponse> {
    let action = if resend { "resend" } else { "withdraw" };
    post(
        &format!("/api/operator/invitations/{id}/{action}"),
        &empty(),
    )
    .await
}
/// What the relations team's audit trail shows: an action, a period (RFC 3339 moments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: String,
    pub since: Option<String>,
    pub until: Option<String>,
}

pub async fn operator_audit(
    filter: AuditFilter,
    office: Option<Uuid>,
    before: Option<Uuid>,
) -> ApiResult<AuditPageResponse> {
    let mut path = format!(
        "/api/operator/audit?limit=50&action={}",
        encode(&filter.action)
    );
    if let Some(office) = office {
        path.push_str(&format!("&office_id={office}"));
    }
    for (name, moment) in [("since", filter.since), ("until", filter.until)] {
        if let Some(moment) = moment {
            path.push_str(&format!("&{name}={}", encode(&moment)));
        }
    }
    if let Some(before) = before {
        path.push_str(&format!("&before={before}"));
    }
    get(&path).await
}
pub async fn operator_office_invitations(
    office: Uuid,
    before: Option<Uuid>,
) -> ApiResult<InvitationListResponse> {
    let mut path = format!("/api/operator/offices/{office}/invitations");
    if let Some(before) = before {
        path.push_str(&format!("?before={before}"));
    }
    get(&path).await
}

// --- API clients (an office's administrators for the office, the relations team for the
// insurer)

/// Whose API clients: the office's (its administrators) or the insurer's (the relations team).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientArea {
    Office,
    Operator,
}

impl ClientArea {
    fn base(self) -> &'static str {
        match self {
            ClientArea::Office => "/api/office",
            ClientArea::Operator => "/api/operator",
        }
    }
}

pub async fn api_scopes(area: ClientArea) -> ApiResult<ApiScopeCatalogueResponse> {
    get(&format!("{}/api-scopes", area.base())).await
}
pub async fn api_clients(area: ClientArea) -> ApiResult<ApiClientListResponse> {
    get(&format!("{}/api-clients", area.base())).await
}
pub async fn create_api_client(
    area: ClientArea,
    request: ApiClientRequest,
) -> ApiResult<ApiClientResponse> {
    post(&format!("{}/api-clients", area.base()), &request).await
}
pub async fn update_api_client(
    area: ClientArea,
    id: Uuid,
    request: ApiClientRequest,
) -> ApiResult<ApiClientResponse> {
    put(&format!("{}/api-clients/{id}", area.base()), &request).await
}
pub async fn revoke_api_client(area: ClientArea, id: Uuid) -> ApiResult<ApiClientResponse> {
    post(
        &format!("{}/api-clients/{id}/revoke", area.base()),
        &empty(),
    )
    .await
}
pub async fn add_api_client_key(
    area: ClientArea,
    id: Uuid,
    request: AddApiClientKeyRequest,
) -> ApiResult<ApiClientResponse> {
    post(&format!("{}/api-clients/{id}/keys", area.base()), &request).await
}
pub async fn remove_api_client_key(
    area: ClientArea,
    id: Uuid,
    key: Uuid,
) -> ApiResult<ApiClientResponse> {
    delete(&format!("{}/api-clients/{id}/keys/{key}", area.base())).await
}
pub async fn new_api_client_secret(
    area: ClientArea,
    id: Uuid,
) -> ApiResult<ApiClientSecretResponse> {
    post(
        &format!("{}/api-clients/{id}/secret", area.base()),
        &empty(),
    )
    .await
}

//! Property: every body the document describes survives the trip between the API and the SPA.
//! Both sides use the same `poort_shared` types, so the trip is the types' serde: JSON that the
//! document calls valid (generated from the schema: patterns, lengths, ranges, formats,
//! optional and nullable fields, `oneOf`) must be read by the type, and what the type writes
//! must read back to what it wrote. A schema the types disagree with fails here, and so does a
//! schema without a type (every component is listed below).

use std::collections::BTreeMap;

use poort_shared::dto::*;
use poort_shared::{ErrorBody, ErrorCode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value};

/// Reads `json` as `T`, writes it, reads that again: the second writing must equal the first.
fn trip<T: serde::de::DeserializeOwned + serde::Serialize>(json: &Value) -> Result<(), String> {
    let value: T = serde_json::from_value(json.clone())
        .map_err(|e| format!("a document-valid body is refused: {e}"))?;
    let written = serde_json::to_value(&value).map_err(|e| e.to_string())?;
    let again: T = serde_json::from_value(written.clone())
        .map_err(|e| format!("what the type writes it cannot read: {e}; {written}"))?;
    let rewritten = serde_json::to_value(&again).map_err(|e| e.to_string())?;
    if rewritten != written {
        return Err(format!("{written} came back as {rewritten}"));
    }
    Ok(())
}

macro_rules! trips {
    ($($t:ident),* $(,)?) => {
        fn trips() -> BTreeMap<&'static str, fn(&Value) -> Result<(), String>> {
            let mut map: BTreeMap<&'static str, fn(&Value) -> Result<(), String>> = BTreeMap::new();
            $(map.insert(stringify!($t), trip::<$t>);)*
            map
        }
    };
}

trips!(
    AcceptedResponse,
    AccessRequestFilter,
    AccessRequestListResponse,
    AccessRequestResponse,
    AccessRequestStatus,
    AccessReviewRecord,
    AccessReviewResponse,
    AccessReviewState,
    AccessTokenClaims,
    AccessTokenResponse,
    AccountDetailResponse,
    AccountListResponse,
    AccountResponse,
    AccountStatus,
    AddApiClientKeyRequest,
    ApiClientKeyResponse,
    ApiClientListResponse,
    ApiClientRequest,
    ApiClientResponse,
    ApiClientSecretResponse,
    ApiClientStatus,
    ApiScope,
    ApiScopeCatalogueResponse,
    ApiScopeResponse,
    AuditAccountRef,
    AuditClientRef,
    AuditEventResponse,
    CreateAccessRequest,
    ConfirmReviewRequest,
    CreateMoveRequest,
    MoveAccountRequest,
    MoveRequestListResponse,
    MoveRequestResponse,
    MoveRequestStatus,
    OfficeReviewListResponse,
    OfficeReviewResponse,
    ReviewAccount,
    ReviewPortfolio,
    DeclineRequest,
    GrantAccessRequest,
    MyAccessRequestsResponse,
    AuditPageResponse,
    AuthenticatorSetupResponse,
    ChangeMobileRequest,
    ChangePasswordRequest,
    Channel,
    CodeRequest,
    CodeSentResponse,
    CreateOfficeRequest,
    CreatePortfolioRequest,
    DeadLetterListResponse,
    DeadLetterResponse,
    DeliveryStatus,
    EherkenningInfo,
    EherkenningLinkResponse,
    EherkenningRefusal,
    EherkenningStartResponse,
    ErrorBody,
    ErrorCode,
    FactorFilter,
    Factors,
    ForgotEmailRequest,
    HealthResponse,
    IntrospectionRequest,
    IntrospectionResponse,
    InvitationEventKind,
    InvitationEventResponse,
    InvitationFilter,
    InvitationKind,
    InvitationLinkResponse,
    InvitationListResponse,
    InvitationResponse,
    InvitationStatus,
    InviteOperatorRequest,
    InviteRequest,
    MeResponse,
    MobileRemovedResponse,
    NewPasswordRequest,
    OAuthErrorResponse,
    OfficeListResponse,
    OfficeRef,
    OfficeResponse,
    OfficeSort,
    OutboxListResponse,
    OutboxMessageResponse,
    OverviewResponse,
    PasskeyChallengeResponse,
    PasskeyListResponse,
    PasskeyProofRequest,
    PasskeyRegisterRequest,
    PasskeyRenameRequest,
    PasskeyResponse,
    PasskeySignInRequest,
    PasswordResetLinkResponse,
    PasswordResetRequest,
    PortfolioClaim,
    PortfolioContextResponse,
    PortfolioListResponse,
    PortfolioResponse,
    PortfolioRightsResponse,
    ProfileResponse,
    PublicConfigResponse,
    ReadyResponse,
    ReauthenticateRequest,
    ReauthenticateWithCode,
    ReauthenticateWithPassword,
    ReauthenticatedResponse,
    ResetVerifyRequest,
    ResumeSetupRequest,
    RightResponse,
    RightsBatchRequest,
    RightsBatchResponse,
    RightsCatalogueResponse,
    RightsCheckItem,
    RightsCheckReason,
    RightsCheckResponse,
    RightsGrant,
    Role,
    RunMode,
    SecondFactor,
    SelectPortfolioRequest,
    SendMobileCodeRequest,
    SessionListResponse,
    SessionResponse,
    SetPasswordRequest,
    SetRightsRequest,
    SetupCodeRequest,
    SetupPasskeyRequest,
    SetupStep,
    SetupStepResponse,
    SetupTokenRequest,
    SetupTokenResponse,
    SignInCodeRequest,
    SignInNewPasswordRequest,
    SignInPasskeyRequest,
    SignInRequest,
    SignInResponse,
    SignInStep,
    SignInTokenRequest,
    SortOrder,
    TokenRequest,
    TokenResponse,
    UpdateOfficeRequest,
    UpdatePortfolioRequest,
    UserTokenClaims,
);

/// JSON the schema calls valid. `schemas` resolves `$ref`s.
fn valid(schema: &Value, schemas: &Map<String, Value>, depth: u32) -> BoxedStrategy<Value> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return valid(&schemas[name], schemas, depth + 1);
    }
    if let Some(choices) = schema["oneOf"].as_array() {
        let options: Vec<_> = choices
            .iter()
            .map(|c| valid(c, schemas, depth + 1))
            .collect();
        return proptest::strategy::Union::new(options).boxed();
    }
    if let Some(values) = schema["enum"].as_array() {
        return proptest::sample::select(values.clone()).boxed();
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec!["object"],
    };
    let options: Vec<_> = types
        .iter()
        .map(|t| one_type(t, schema, schemas, depth))
        .collect();
    proptest::strategy::Union::new(options).boxed()
}

fn one_type(
    kind: &str,
    schema: &Value,
    schemas: &Map<String, Value>,
    depth: u32,
) -> BoxedStrategy<Value> {
    match kind {
        "null" => Just(Value::Null).boxed(),
        "boolean" => any::<bool>().prop_map(Value::from).boxed(),
        "integer" => {
            let low = schema["minimum"]
                .as_i64()
                .unwrap_or(if schema["format"] == "int32" {
                    i64::from(i32::MIN)
                } else {
                    -(1 << 53)
                });
            let high = schema["maximum"]
                .as_i64()
                .unwrap_or(if schema["format"] == "int32" {
                    i64::from(i32::MAX)
                } else {
                    1 << 53
                });
            (low..=high).prop_map(Value::from).boxed()
        }
        "string" => string(schema),
        "array" => {
            let low = schema["minItems"].as_u64().unwrap_or(0) as usize;
            let high = (schema["maxItems"].as_u64().unwrap_or(4) as usize).min(low + 4);
            proptest::collection::vec(valid(&schema["items"], schemas, depth + 1), low..=high)
                .prop_map(Value::Array)
                .boxed()
        }
        _ => object(schema, schemas, depth),
    }
}

fn string(schema: &Value) -> BoxedStrategy<Value> {
    let min = schema["minLength"].as_u64().map(|n| n as usize);
    let max = schema["maxLength"].as_u64().map(|n| n as usize);
    let text: BoxedStrategy<String> = match (schema["format"].as_str(), schema["pattern"].as_str())
    {
        (Some("uuid"), _) => any::<u128>()
            .prop_map(|n| uuid::Uuid::from_u128(n).to_string())
            .boxed(),
        (Some("date-time"), _) => (0i64..4_102_444_800_000)
            .prop_map(|ms| {
                chrono::DateTime::from_timestamp_millis(ms)
                    .unwrap()
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            })
            .boxed(),
        (_, Some(pattern)) => {
            let inner = pattern.strip_prefix('^').unwrap_or(pattern);
            let inner = inner.strip_suffix('$').unwrap_or(inner);
            proptest::string::string_regex(inner)
                .unwrap_or_else(|e| panic!("pattern {pattern:?}: {e}"))
                .boxed()
        }
        (Some("email"), None) => "[a-z]{1,12}(\\.[a-z]{1,8})?@[a-z]{1,12}\\.(nl|com|eu)"
            .prop_map(|s| s)
            .boxed(),
        _ => ".{0,12}".prop_map(|s: String| s.replace('\0', "")).boxed(),
    };
    text.prop_filter("length", move |s| {
        let n = s.chars().count();
        min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
    })
    .prop_map(Value::String)
    .boxed()
}

fn object(schema: &Value, schemas: &Map<String, Value>, depth: u32) -> BoxedStrategy<Value> {
    let Some(properties) = schema["properties"].as_object() else {
        // Free-form (`details`): a few plain members.
        return proptest::collection::btree_map("[a-z_]{1,8}", "[a-z ]{0,8}", 0..3)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k, Value::from(v))).collect()))
            .boxed();
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let members: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
        .iter()
        .map(|(name, member)| {
            let name = name.clone();
            let value = valid(member, schemas, depth + 1);
            if required.contains(&name.as_str()) {
                value.prop_map(move |v| Some((name.clone(), v))).boxed()
            } else {
                proptest::option::of(value.prop_map(move |v| (name.clone(), v))).boxed()
            }
        })
        .collect();
    members
        .prop_map(|ms| Value::Object(ms.into_iter().flatten().collect()))
        .boxed()
}

#[test]
fn every_documented_body_survives_the_trip_between_api_and_spa() {
    let document = serde_json::to_value(super::document()).unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let trips = trips();
    let documented: Vec<&str> = schemas.keys().map(String::as_str).collect();
    let typed: Vec<&str> = trips.keys().copied().collect();
    assert_eq!(
        documented, typed,
        "every schema in the document has its type listed here, and only those"
    );
    let mut failures = Vec::new();
    for (name, schema) in schemas {
        let check = trips[name.as_str()];
        let mut runner = TestRunner::new(Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        });
        let outcome = runner.run(&valid(schema, schemas, 0), |json| {
            check(&json).map_err(|e| TestCaseError::fail(format!("{json}: {e}")))
        });
        if let Err(e) = outcome {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

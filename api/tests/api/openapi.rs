//! The OpenAPI document: committed, fresh, and covering exactly the routes the server has.

use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json")
}

#[test]
fn the_committed_document_is_up_to_date() {
    let generated = poort_api::openapi::document_json().unwrap();
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is stale: run `cargo xtask openapi` and commit the result"
    );
}

#[test]
fn every_registered_route_is_documented_and_every_documented_route_exists() {
    let registered = poort_api::openapi::registered_routes();
    let documented = poort_api::openapi::documented_routes();

    let undocumented: Vec<_> = registered
        .iter()
        .filter(|r| !documented.contains(r))
        .collect();
    let phantom: Vec<_> = documented
        .iter()
        .filter(|r| !registered.contains(r))
        .collect();

    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(
        phantom.is_empty(),
        "documented routes the server does not have: {phantom:?}"
    );
    assert!(registered.len() >= 4);
}

#[test]
fn every_operation_has_its_own_id() {
    let doc = serde_json::to_value(poort_api::openapi::document()).unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
                panic!("operationId {id:?} is used by {other} and {method} {path}");
            }
        }
    }
}

#[test]
fn every_error_answer_in_the_document_has_the_error_body() {
    let doc = serde_json::to_value(poort_api::openapi::document()).unwrap();
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    // The token endpoint answers as RFC 6749 §5.2 says, for OAuth libraries.
                    let wanted = if path == "/oauth2/token" {
                        "#/components/schemas/OAuthErrorResponse"
                    } else {
                        "#/components/schemas/ErrorBody"
                    };
                    if schema != wanted {
                        missing.push(format!("{method} {path} {status}"));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "error answers without ErrorBody: {missing:?}"
    );
}

/// Not a check: `cargo xtask openapi` runs this to write the committed document.
#[test]
#[ignore = "writes openapi/openapi.json; run through `cargo xtask openapi`"]
fn write_committed_document() {
    std::fs::write(
        committed_path(),
        poort_api::openapi::document_json().unwrap(),
    )
    .unwrap();
}

//! The OpenAPI document, built by a pure function. `cargo xtask openapi` writes it to
//! `openapi/openapi.json`; a test fails when that file is stale or a route is missing.

use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Poort API",
        license(name = "Proprietary"),
        description = "Sign-in, invitations and portfolio rights of the adviser extranet.\n\n\
            Every error answer has the body `{\"code\": \"…\", \"message\": \"…\"}`; `code` is stable \
            and documented per endpoint, `message` is for developers."
    ),
    paths(
        routes::health::health,
        routes::health::ready,
        routes::public_config::public_config,
        routes::outbox::dev_outbox,
    ),
    components(schemas(poort_shared::ErrorBody, poort_shared::ErrorCode)),
    tags(
        (name = "service", description = "Health, readiness and public configuration"),
        (name = "development", description = "Only in dev mode"),
    )
)]
struct ApiDoc;

/// The document as served at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_json() -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(&document())?;
    json.push('\n');
    Ok(json)
}

/// Every (method, path) the document describes, sorted; for the route-coverage test.
pub fn documented_routes() -> Vec<(String, String)> {
    let doc = document();
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("get", item.get.is_some()),
            ("post", item.post.is_some()),
            ("put", item.put.is_some()),
            ("patch", item.patch.is_some()),
            ("delete", item.delete.is_some()),
        ];
        for (method, present) in methods {
            if present {
                out.push((method.to_string(), path.clone()));
            }
        }
    }
    out.sort();
    out
}

/// Routes the server registers that belong in the document, as (method, path).
pub fn registered_routes() -> Vec<(String, String)> {
    routes::api(true)
        .routes()
        .into_iter()
        .map(|r| (r.method, r.path.to_string()))
        .collect()
}

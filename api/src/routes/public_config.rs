//! What any visitor may know before signing in: the insurer's name and how to reach
//! Team Relatiebeheer. The SPA shows these; they come from configuration, never from code.

use actix_web::web;
use poort_shared::dto::{EherkenningInfo, PublicConfigResponse};

use crate::state::AppState;

/// Branding and contact details for the SPA.
#[utoipa::path(
    get,
    path = "/api/config",
    tag = "service",
    responses((status = 200, description = "Public configuration", body = PublicConfigResponse))
)]
pub async fn public_config(state: web::Data<AppState>) -> web::Json<PublicConfigResponse> {
    let branding = &state.settings.branding;
    web::Json(PublicConfigResponse {
        insurer_name: branding.insurer_name.clone(),
        support_phone: branding.support_phone.clone(),
        support_email: branding.support_email.clone(),
        mode: state.run_mode(),
        eherkenning: state.eherkenning.as_ref().map(|_| EherkenningInfo {
            service_name: state.settings.eherkenning.service_name.clone(),
            minimum_level: state.settings.eherkenning.minimum_level.clone(),
        }),
        passkeys: state.passkeys.is_some(),
    })
}

//! Service status: liveness from `/api/health`, database readiness from `/api/ready`.

use leptos::prelude::*;
use poort_shared::dto::RunMode;

use crate::api;
use crate::components::error_fallback;
use crate::i18n::use_i18n;

#[component]
pub fn Status() -> impl IntoView {
    let i18n = use_i18n();
    let health = LocalResource::new(api::health);
    let ready = LocalResource::new(api::ready);
    let refresh = move |_| {
        health.refetch();
        ready.refetch();
    };
    view! {
        <section class="page" id="page-status">
            <h1>{move || i18n.tr("Status van de dienst", "Service status")}</h1>
            <p>{move || i18n.tr(
                "Deze pagina laat zien of de dienst en de database bereikbaar zijn.",
                "This page shows whether the service and its database can be reached.",
            )}</p>
            <Transition fallback=move || view! { <p class="loading">{move || i18n.tr("Bezig met laden…", "Loading…")}</p> }>
                <ErrorBoundary fallback=error_fallback>
                    {move || Suspend::new(async move {
                        let h = health.await?;
                        let r = ready.await?;
                        let mode = move || match h.mode {
                            RunMode::Dev => i18n.tr("ontwikkeling", "development"),
                            RunMode::Production => i18n.tr("productie", "production"),
                        };
                        Ok::<_, api::ApiError>(view! {
                            <p class="notice ok" id="status-ok">{move || i18n.tr("De dienst werkt.", "The service is working.")}</p>
                            <dl class="facts">
                                <dt>{move || i18n.tr("Versie", "Version")}</dt>
                                <dd id="status-version">{h.version.clone()}</dd>
                                <dt>{move || i18n.tr("Modus", "Mode")}</dt>
                                <dd>{mode}</dd>
                                <dt>{move || i18n.tr("Database", "Database")}</dt>
                                <dd id="status-database">
                                    {r.database.clone()} " — " {move || i18n.tr("bereikbaar", "reachable")}
                                </dd>
                                <dt>{move || i18n.tr("Berichten die nog verstuurd worden", "Messages waiting to be sent")}</dt>
                                <dd>{r.outbox_pending}</dd>
                            </dl>
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <button type="button" class="secondary" on:click=refresh>
                {move || i18n.tr("Opnieuw controleren", "Check again")}
            </button>
        </section>
    }
}

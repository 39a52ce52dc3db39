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
            <h1>{i18n.t("Status van de dienst", "Service status")}</h1>
            <p>{i18n.t(
                "Deze pagina laat zien of de dienst en de database bereikbaar zijn.",
                "This page shows whether the service and its database can be reached.",
            )}</p>
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                <ErrorBoundary fallback=error_fallback>
                    {move || Suspend::new(async move {
                        let h = health.await?;
                        let r = ready.await?;
                        let mode = move || match h.mode {
                            RunMode::Dev => i18n.tr("ontwikkeling", "development"),
                            RunMode::Production => i18n.tr("productie", "production"),
                        };
                        Ok::<_, api::ApiError>(view! {
                            <p class="notice ok" id="status-ok">{i18n.t("De dienst werkt.", "The service is working.")}</p>
                            <dl class="facts">
                                <dt>{i18n.t("Versie", "Version")}</dt>
                                <dd id="status-version">{h.version.clone()}</dd>
                                <dt>{i18n.t("Modus", "Mode")}</dt>
                                <dd>{mode}</dd>
                                <dt>{i18n.t("Database", "Database")}</dt>
                                <dd id="status-database">
                                    {r.database.clone()} " — " {i18n.t("bereikbaar", "reachable")}
                                </dd>
                                <dt>{i18n.t("Berichten die nog verstuurd worden", "Messages waiting to be sent")}</dt>
                                <dd>{r.outbox_pending}</dd>
                            </dl>
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <button type="button" class="secondary" on:click=refresh>
                {i18n.t("Opnieuw controleren", "Check again")}
            </button>
        </section>
    }
}

//! Service status: liveness from `/api/health`, database readiness from `/api/ready`.

use leptos::prelude::*;
use poort_shared::dto::RunMode;

use crate::api;
use crate::components::error_fallback;
use crate::i18n::{Key, use_i18n};

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
            <h1>{move || i18n.t(Key::StatusTitle)}</h1>
            <p>{move || i18n.t(Key::StatusIntro)}</p>
            <Transition fallback=move || view! { <p class="loading">{move || i18n.t(Key::Loading)}</p> }>
                <ErrorBoundary fallback=error_fallback>
                    {move || Suspend::new(async move {
                        let h = health.await?;
                        let r = ready.await?;
                        let mode = match h.mode {
                            RunMode::Dev => Key::ModeDev,
                            RunMode::Production => Key::ModeProduction,
                        };
                        Ok::<_, api::ApiError>(view! {
                            <p class="notice ok" id="status-ok">{move || i18n.t(Key::StatusWorking)}</p>
                            <dl class="facts">
                                <dt>{move || i18n.t(Key::StatusVersion)}</dt>
                                <dd id="status-version">{h.version.clone()}</dd>
                                <dt>{move || i18n.t(Key::StatusMode)}</dt>
                                <dd>{move || i18n.t(mode)}</dd>
                                <dt>{move || i18n.t(Key::StatusDatabase)}</dt>
                                <dd id="status-database">
                                    {r.database.clone()} " — " {move || i18n.t(Key::StatusDatabaseReady)}
                                </dd>
                                <dt>{move || i18n.t(Key::StatusOutboxPending)}</dt>
                                <dd>{r.outbox_pending}</dd>
                            </dl>
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <button type="button" class="secondary" on:click=refresh>
                {move || i18n.t(Key::StatusCheckAgain)}
            </button>
        </section>
    }
}

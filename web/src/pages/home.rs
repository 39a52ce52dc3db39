//! The start page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{Key, use_i18n};

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page" id="page-home">
            <h1>{move || i18n.t(Key::HomeTitle)}</h1>
            <p>{move || i18n.t(Key::HomeIntro)}</p>
            <p><A href="/status">{move || i18n.t(Key::HomeStatusLink)}</A></p>
        </section>
    }
}

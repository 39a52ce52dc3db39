//! Shown for every path the router does not know.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{Key, use_i18n};

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page" id="page-not-found">
            <h1>{move || i18n.t(Key::NotFoundTitle)}</h1>
            <p>{move || i18n.t(Key::NotFoundText)}</p>
            <p><A href="/">{move || i18n.t(Key::BackHome)}</A></p>
        </section>
    }
}

//! Shown for every path the router does not know.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::use_i18n;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page" id="page-not-found">
            <h1>{i18n.t("Pagina niet gevonden", "Page not found")}</h1>
            <p>{i18n.t(
                "De pagina die u zocht bestaat niet (meer). Controleer het adres of ga naar de startpagina.",
                "The page you were looking for does not exist. Check the address or go to the home page.",
            )}</p>
            <p><A href="/">{i18n.t("Naar de startpagina", "Go to the home page")}</A></p>
        </section>
    }
}

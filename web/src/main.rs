//! Poort's single-page app: the screens advisers, office user administrators and the
//! relations team use. Client-side rendered (Leptos CSR), built to wasm by Trunk, served by
//! `poort` itself. All HTTP goes through `api`, all text through `i18n`.

mod api;
mod app;
mod components;
mod i18n;
mod pages;
mod passkey;
mod session;
mod shell;

fn main() {
    console_error_panic_hook::set_once();
    shell::take_over();
    leptos::mount::mount_to_body(app::App);
}

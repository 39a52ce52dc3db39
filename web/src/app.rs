//! The router and the layout every page shares: header, main content, footer.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use poort_shared::dto::PublicConfigResponse;

use crate::api::{self, ApiError};
use crate::components::{Footer, Header};
use crate::i18n::provide_i18n;
use crate::pages::{Home, NotFound, Outbox, Status};

/// The public configuration (insurer's name, contact details), loaded once for every page.
#[derive(Clone, Copy)]
pub struct PublicConfig(pub LocalResource<Result<PublicConfigResponse, ApiError>>);

#[component]
pub fn App() -> impl IntoView {
    provide_i18n();
    let config = PublicConfig(LocalResource::new(api::public_config));
    provide_context(config);

    view! {
        <Router>
            <Header />
            <main id="inhoud" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/status") view=Status />
                    <Route path=path!("/dev/outbox") view=Outbox />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}

//! The router and the layout every page shares: header, main content, footer.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use poort_shared::dto::PublicConfigResponse;

use crate::api::{self, ApiError};
use crate::components::{Footer, Header};
use crate::i18n::provide_i18n;
use crate::pages::{
    AcceptInvitation, EherkenningRefused, ForgotEmail, ForgotPassword, MyAccount, NotFound,
    OfficeAdmin, OfficeApiClients, Operator, OperatorApiClients, OperatorNewOffice, OperatorOffice,
    Outbox, ResetPassword, SignIn, Start, Status,
};
use crate::session::provide_session;

/// The public configuration (insurer's name, contact details), loaded once for every page.
#[derive(Clone, Copy)]
pub struct PublicConfig(pub LocalResource<Result<PublicConfigResponse, ApiError>>);

#[component]
pub fn App() -> impl IntoView {
    provide_i18n();
    provide_session();
    let config = PublicConfig(LocalResource::new(api::public_config));
    provide_context(config);

    view! {
        <Router>
            <Header />
            <main id="inhoud" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=SignIn />
                    <Route path=path!("/inloggen") view=SignIn />
                    <Route path=path!("/wachtwoord-vergeten") view=ForgotPassword />
                    <Route path=path!("/wachtwoord-herstellen/:token") view=ResetPassword />
                    <Route path=path!("/e-mailadres-vergeten") view=ForgotEmail />
                    <Route path=path!("/uitnodiging/:token") view=AcceptInvitation />
                    <Route path=path!("/start") view=Start />
                    <Route path=path!("/mijn-account") view=MyAccount />
                    <Route path=path!("/beheer") view=OfficeAdmin />
                    <Route path=path!("/beheer/koppelingen") view=OfficeApiClients />
                    <Route path=path!("/relatiebeheer") view=Operator />
                    <Route path=path!("/relatiebeheer/koppelingen") view=OperatorApiClients />
                    <Route path=path!("/relatiebeheer/kantoren/nieuw") view=OperatorNewOffice />
                    <Route path=path!("/relatiebeheer/kantoren/:id") view=OperatorOffice />
                    <Route path=path!("/eherkenning/geweigerd") view=EherkenningRefused />
                    <Route path=path!("/status") view=Status />
                    <Route path=path!("/dev/outbox") view=Outbox />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}

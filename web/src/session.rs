//! Who is signed in: loaded once from `/api/me`, set after a sign-in or set-up, cleared on
//! sign-out or when the API says the session has ended.

use leptos::prelude::*;
use leptos::task::spawn_local;
use poort_shared::ErrorCode;
use poort_shared::dto::MeResponse;

use crate::api::{self, ApiError};

#[derive(Clone, Copy)]
pub struct Session {
    pub me: RwSignal<Option<MeResponse>>,
    /// Whether `/api/me` has answered yet (pages wait for it before redirecting).
    pub checked: RwSignal<bool>,
}

impl Session {
    pub fn signed_in(&self, me: MeResponse) {
        self.me.set(Some(me));
        self.checked.set(true);
    }

    /// Forget the account when an answer says the session is over.
    pub fn notice(&self, error: &ApiError) {
        if error.code() == Some(ErrorCode::Unauthenticated) {
            self.me.set(None);
        }
    }
}

pub fn provide_session() -> Session {
    let session = Session {
        me: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    spawn_local(async move {
        if let Ok(me) = api::me().await {
            session.me.set(Some(me));
        }
        session.checked.set(true);
    });
    provide_context(session);
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

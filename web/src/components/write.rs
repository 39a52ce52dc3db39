//! Writes: every change the SPA asks of the API is a Leptos [`Action`] made by [`write`]. A
//! button's busy state is the action's `pending()`, the error shown is the action's value, and a
//! list that shows what a write changed is a resource keyed on the write's
//! [`saved`](WriteExt::saved) (its `version()` at the last success: a failed write reloads
//! nothing, so what was typed and the error stay on screen).
//!
//! A write is made by the component that owns what it changes: the form's state, or the list
//! that reloads after it. When the list belongs to a parent, the parent makes the write and
//! hands it down, and the form tidies itself up in [`on_success`](WriteExt::on_success). A write
//! on one item of a list (an account's row, an invitation) is an [`ItemWrite`], which remembers
//! the item so that only that item shows the error.

use std::future::Future;

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::ApiError;
use crate::session::Session;

/// An action whose value is the API's answer.
pub type Write<I, T> = Action<I, Result<T, ApiError>>;

/// Makes a write that runs `call` (gloo-net's futures are not `Send`, hence a local action). A
/// failed answer is also shown to the session, which forgets the account when the answer says
/// the session is over.
pub fn write<I, T, Fut>(call: impl Fn(&I) -> Fut + 'static) -> Write<I, T>
where
    I: 'static,
    T: 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let session = use_context::<Session>();
    Action::new_local(move |input: &I| {
        let answer = call(input);
        async move {
            let answer = answer.await;
            if let (Err(e), Some(session)) = (&answer, session) {
                session.notice(e);
            }
            answer
        }
    })
}

/// What pages do with a [`Write`] besides `pending()` and `version()`.
pub trait WriteExt<I, T> {
    /// Dispatches `input`, unless the previous attempt is still running (a double click or a
    /// second change sends once).
    fn start(&self, input: I);
    /// The error of the last attempt; none while a new attempt runs.
    fn failure(&self) -> Signal<Option<ApiError>>;
    /// Moves each time the write succeeds: the key of a resource that reloads after it.
    fn saved(&self) -> Memo<usize>;
    /// Like [`saved`](WriteExt::saved), for the successful answers that `counts` only.
    fn saved_when(&self, counts: impl Fn(&T) -> bool + Send + Sync + 'static) -> Memo<usize>;
    /// Runs `then` with each successful answer from now on.
    fn on_success(&self, then: impl Fn(&T) + 'static);
}

impl<I, T> WriteExt<I, T> for Write<I, T>
where
    I: Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    fn start(&self, input: I) {
        if !self.pending().get_untracked() {
            self.dispatch(input);
        }
    }

    fn failure(&self) -> Signal<Option<ApiError>> {
        let pending = self.pending();
        let value = self.value();
        // A memo, so that an unchanged error is not shown (and focused) again.
        Memo::new(move |_| {
            if pending.get() {
                return None;
            }
            value.with(|answer| answer.as_ref().and_then(|a| a.as_ref().err().cloned()))
        })
        .into()
    }

    fn saved(&self) -> Memo<usize> {
        self.saved_when(|_| true)
    }

    fn saved_when(&self, counts: impl Fn(&T) -> bool + Send + Sync + 'static) -> Memo<usize> {
        let version = self.version();
        let value = self.value();
        Memo::new(move |last: Option<&usize>| {
            let version = version.get();
            let success = value.with(|answer| matches!(answer, Some(Ok(t)) if counts(t)));
            if success {
                version
            } else {
                last.copied().unwrap_or_default()
            }
        })
    }

    fn on_success(&self, then: impl Fn(&T) + 'static) {
        let saved = self.saved();
        let value = self.value();
        Effect::watch(
            move || saved.get(),
            move |_, _, _| {
                value.with_untracked(|answer| {
                    if let Some(Ok(t)) = answer {
                        then(t);
                    }
                });
            },
            false,
        );
    }
}

/// A write on one item of a list (an account in its row, an invitation, the office or account
/// shown in detail), made where the list is loaded so that the list reloads after it. While it
/// runs every item waits; the item it was last started for shows its error.
pub struct ItemWrite<I: 'static, T: 'static> {
    pub write: Write<(Uuid, I), T>,
    item: RwSignal<Option<Uuid>>,
}

impl<I, T> Clone for ItemWrite<I, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, T> Copy for ItemWrite<I, T> {}

impl<I, T> ItemWrite<I, T>
where
    I: Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    /// Makes the write: `call` gets the item's id and the input.
    pub fn new<Fut>(call: impl Fn(Uuid, &I) -> Fut + 'static) -> Self
    where
        Fut: Future<Output = Result<T, ApiError>> + 'static,
    {
        ItemWrite {
            write: write(move |(id, input): &(Uuid, I)| call(*id, input)),
            item: RwSignal::new(None),
        }
    }

    /// Starts the write for item `id`, unless a write on the list is still running.
    pub fn start(&self, id: Uuid, input: I) {
        if !self.write.pending().get_untracked() {
            self.item.set(Some(id));
            self.write.dispatch((id, input));
        }
    }

    pub fn pending(&self) -> Memo<bool> {
        self.write.pending()
    }

    /// The error of the last attempt, if it was for item `id`.
    pub fn failure_for(&self, id: Uuid) -> Signal<Option<ApiError>> {
        let failure = self.write.failure();
        let item = self.item;
        Memo::new(move |_| (item.get() == Some(id)).then(|| failure.get()).flatten()).into()
    }

    /// Runs `then` with each successful answer for item `id` from now on.
    pub fn on_success_for(&self, id: Uuid, then: impl Fn(&T) + 'static) {
        let item = self.item;
        self.write.on_success(move |answer| {
            if item.get_untracked() == Some(id) {
                then(answer);
            }
        });
    }
}

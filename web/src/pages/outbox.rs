//! The development outbox: e-mail and SMS that dev mode kept instead of sending, with the
//! links in them clickable, so a developer can follow an invitation or read an SMS code.

use leptos::prelude::*;
use poort_shared::dto::{Channel, DeliveryStatus, OutboxMessageResponse};

use crate::api;
use crate::components::error_fallback;
use crate::i18n::{I18n, Key, use_i18n};

#[component]
pub fn Outbox() -> impl IntoView {
    let i18n = use_i18n();
    let messages = LocalResource::new(api::dev_outbox);
    view! {
        <section class="page" id="page-outbox">
            <h1>{move || i18n.t(Key::OutboxTitle)}</h1>
            <p>{move || i18n.t(Key::OutboxIntro)}</p>
            <button type="button" class="secondary" on:click=move |_| messages.refetch()>
                {move || i18n.t(Key::OutboxRefresh)}
            </button>
            <Transition fallback=move || view! { <p class="loading">{move || i18n.t(Key::Loading)}</p> }>
                <ErrorBoundary fallback=error_fallback>
                    {move || Suspend::new(async move {
                        let list = messages.await?;
                        let view = if list.messages.is_empty() {
                            view! { <p id="outbox-empty">{move || i18n.t(Key::OutboxEmpty)}</p> }.into_any()
                        } else {
                            view! {
                                <ol class="outbox" id="outbox-list">
                                    {list.messages.into_iter().map(|m| message_view(i18n, m)).collect_view()}
                                </ol>
                            }
                            .into_any()
                        };
                        Ok::<_, api::ApiError>(view)
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

fn message_view(i18n: I18n, m: OutboxMessageResponse) -> impl IntoView {
    let channel = match m.channel {
        Channel::Email => Key::OutboxChannelEmail,
        Channel::Sms => Key::OutboxChannelSms,
    };
    let status = match m.status {
        DeliveryStatus::Pending => Key::OutboxStatusPending,
        DeliveryStatus::Sent => Key::OutboxStatusSent,
        DeliveryStatus::Dead => Key::OutboxStatusDead,
    };
    let created = m.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    view! {
        <li class="message" data-channel=m.channel.as_str()>
            <p class="meta">
                <span class="badge">{move || i18n.t(channel)}</span>
                " " {move || i18n.t(Key::OutboxTo)} ": " <strong class="recipient">{m.recipient.clone()}</strong>
                " · " {move || i18n.t(status)}
                " · " {move || i18n.t(Key::OutboxCreated)} " " {created}
            </p>
            {m.subject.clone().map(|s| view! {
                <p class="subject">{move || i18n.t(Key::OutboxSubject)} ": " {s}</p>
            })}
            <pre class="body">{linkify(&m.body)}</pre>
        </li>
    }
}

/// Splits text into plain parts and `http(s)://` links.
fn linkify(body: &str) -> Vec<AnyView> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        out.push(rest[..start].to_string().into_any());
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ')']);
        let href = url.to_string();
        let label = href.clone();
        out.push(view! { <a href=href class="outbox-link">{label}</a> }.into_any());
        rest = &tail[url.len()..];
    }
    out.push(rest.to_string().into_any());
    out
}

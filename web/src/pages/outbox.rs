//! The development outbox: e-mail and SMS that dev mode kept instead of sending, with the
//! links in them clickable, so a developer can follow an invitation or read an SMS code.

use leptos::prelude::*;
use poort_shared::dto::{Channel, DeliveryStatus, OutboxMessageResponse};

use crate::api;
use crate::components::error_fallback;
use crate::i18n::{I18n, use_i18n};

#[component]
pub fn Outbox() -> impl IntoView {
    let i18n = use_i18n();
    let messages = LocalResource::new(api::dev_outbox);
    view! {
        <section class="page" id="page-outbox">
            <h1>{i18n.t("Uitgaande berichten (ontwikkelmodus)", "Outgoing messages (development mode)")}</h1>
            <p>{i18n.t(
                "In de ontwikkelmodus worden e-mail en sms niet echt verstuurd, maar hier bewaard. Links in de berichten kunt u aanklikken.",
                "In development mode e-mail and SMS are not really sent but kept here. Links in the messages can be clicked.",
            )}</p>
            <button type="button" class="secondary" on:click=move |_| messages.refetch()>
                {i18n.t("Vernieuwen", "Refresh")}
            </button>
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                <ErrorBoundary fallback=error_fallback>
                    {move || Suspend::new(async move {
                        let list = messages.await?;
                        let view = if list.messages.is_empty() {
                            view! { <p id="outbox-empty">{i18n.t("Er zijn nog geen berichten.", "There are no messages yet.")}</p> }.into_any()
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
    let kind = m.channel;
    let channel = move || match kind {
        Channel::Email => i18n.tr("e-mail", "e-mail"),
        Channel::Sms => i18n.tr("sms", "SMS"),
    };
    let state = m.status;
    let status = move || match state {
        DeliveryStatus::Pending => i18n.tr("wacht op verzending", "waiting to be sent"),
        DeliveryStatus::Sent => i18n.tr("verstuurd", "sent"),
        DeliveryStatus::Dead => i18n.tr("niet af te leveren", "could not be delivered"),
    };
    let created = m.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    view! {
        <li class="message" data-channel=m.channel.as_str()>
            <p class="meta">
                <span class="badge">{channel}</span>
                " " {i18n.t("Aan", "To")} ": " <strong class="recipient">{m.recipient.clone()}</strong>
                " · " {status}
                " · " {i18n.t("Aangemaakt", "Created")} " " {created}
            </p>
            {m.subject.clone().map(|s| view! {
                <p class="subject">{i18n.t("Onderwerp", "Subject")} ": " {s}</p>
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

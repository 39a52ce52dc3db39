//! *Koppelingen* (API clients): an office's user administrator manages the office's clients at
//! `/beheer/koppelingen`, the relations team the insurer's at `/relatiebeheer/koppelingen`.
//! Make a client (name, scopes, optionally some portfolios and an end date), register its public
//! key (two at most, to rotate) or make a secret (shown once), see when it was last used,
//! remove a key, revoke the client. The list reloads after every write.

use leptos::prelude::*;
use poort_shared::dto::{
    AddApiClientKeyRequest, ApiClientRequest, ApiClientResponse, ApiClientSecretResponse,
    ApiClientStatus, ApiScope, ApiScopeResponse, PortfolioResponse,
};
use uuid::Uuid;

use crate::api::{self, ClientArea};
use crate::components::{
    ErrorNotice, Field, ItemWrite, MaybeError, RequireSignIn, Submit, Write, WriteExt, write,
};
use crate::i18n::{I18n, Lang, use_i18n};

/// The two screens of an area: its people, and its API clients.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AreaTab {
    People,
    Clients,
}

/// The tabs above `/beheer` and `/relatiebeheer` (links, so each tab has its own address).
#[component]
pub fn AreaTabs(area: ClientArea, current: AreaTab) -> impl IntoView {
    let i18n = use_i18n();
    let (people, clients) = match area {
        ClientArea::Office => ("/beheer", "/beheer/koppelingen"),
        ClientArea::Operator => ("/relatiebeheer", "/relatiebeheer/koppelingen"),
    };
    let tab = move |tab: AreaTab,
                    href: &'static str,
                    id: &'static str,
                    label: Signal<&'static str>| {
        let here = current == tab;
        view! {
            <a href=href id=id class=if here { "tab current" } else { "tab" } aria-current=here.then_some("page")>
                {move || label.get()}
            </a>
        }
    };
    view! {
        <nav class="tabs" aria-label=i18n.t("Onderdelen", "Sections")>
            {tab(AreaTab::People, people, "tab-people", Signal::derive(move || match area {
                ClientArea::Office => i18n.tr("Accounts en uitnodigingen", "Accounts and invitations"),
                ClientArea::Operator => i18n.tr("Kantoren en accounts", "Offices and accounts"),
            }))}
            {tab(AreaTab::Clients, clients, "tab-clients", i18n.s("Koppelingen", "API clients"))}
        </nav>
    }
}

#[component]
pub fn OfficeApiClients() -> impl IntoView {
    view! { <RequireSignIn><ApiClientsPage area=ClientArea::Office /></RequireSignIn> }
}

#[component]
pub fn OperatorApiClients() -> impl IntoView {
    view! { <RequireSignIn><ApiClientsPage area=ClientArea::Operator /></RequireSignIn> }
}

/// What is done to one client from its card.
#[derive(Clone)]
enum ClientChange {
    Update(ApiClientRequest),
    AddKey(AddApiClientKeyRequest),
    RemoveKey(Uuid),
    Revoke,
}

#[derive(Clone, Copy)]
struct ClientWrites {
    create: Write<ApiClientRequest, ApiClientResponse>,
    change: ItemWrite<ClientChange, ApiClientResponse>,
    secret: ItemWrite<(), ApiClientSecretResponse>,
    saved: Signal<usize>,
}

impl ClientWrites {
    fn new(area: ClientArea) -> Self {
        let create = write(move |r: &ApiClientRequest| api::create_api_client(area, r.clone()));
        let change = ItemWrite::new(move |id, change: &ClientChange| {
            let change = change.clone();
            async move {
                match change {
                    ClientChange::Update(request) => {
                        api::update_api_client(area, id, request).await
                    }
                    ClientChange::AddKey(request) => {
                        api::add_api_client_key(area, id, request).await
                    }
                    ClientChange::RemoveKey(key) => api::remove_api_client_key(area, id, key).await,
                    ClientChange::Revoke => api::revoke_api_client(area, id).await,
                }
            }
        });
        let secret = ItemWrite::new(move |id, _: &()| api::new_api_client_secret(area, id));
        let all = [create.saved(), change.write.saved(), secret.write.saved()];
        ClientWrites {
            create,
            change,
            secret,
            saved: Signal::derive(move || all.iter().map(|s| s.get()).sum()),
        }
    }
}

fn scope_label(i18n: I18n, catalogue: &[ApiScopeResponse], scope: ApiScope) -> String {
    catalogue
        .iter()
        .find(|s| s.code == scope)
        .map(|s| {
            if i18n.lang() == Lang::En {
                s.label_en.clone()
            } else {
                s.label_nl.clone()
            }
        })
        .unwrap_or_else(|| scope.as_str().to_string())
}

/// `hr:read` → `hr-read`, for element ids.
fn id_part(text: &str) -> String {
    text.replace([':', '.', '@'], "-")
}

#[component]
fn ApiClientsPage(area: ClientArea) -> impl IntoView {
    let i18n = use_i18n();
    let catalogue = LocalResource::new(move || async move {
        let scopes = api::api_scopes(area).await?.scopes;
        let portfolios = match area {
            ClientArea::Office => api::office_portfolios().await?.portfolios,
            ClientArea::Operator => Vec::new(),
        };
        Ok::<_, api::ApiError>((scopes, portfolios))
    });
    let writes = ClientWrites::new(area);
    view! {
        <section class="page wide" id="page-api-clients">
            <h1>{move || match area {
                ClientArea::Office => i18n.tr("Gebruikersbeheer", "User management"),
                ClientArea::Operator => i18n.tr("Team Relatiebeheer", "Relations team"),
            }}</h1>
            <AreaTabs area current=AreaTab::Clients />
            <p>{i18n.t(
                "Een koppeling laat software (bijvoorbeeld uw HR- of CRM-systeem) namens het kantoor met Poort werken: collega's uitnodigen, rechten zetten, het logboek lezen. De software vraagt met haar sleutel een token op bij /oauth2/token; de documentatie staat op /api/docs.",
                "An API client lets software (your HR or CRM system, say) work with Poort on the office's behalf: invite colleagues, set rights, read the audit trail. The software gets a token from /oauth2/token with its key; the documentation is at /api/docs.",
            )}</p>
            <Transition fallback=move || view! { <p class="loading">{i18n.t("Bezig met laden…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match catalogue.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok((scopes, portfolios)) => {
                            let scopes = StoredValue::new(scopes);
                            let portfolios = StoredValue::new(portfolios);
                            view! {
                                <NewClient area scopes portfolios create=writes.create />
                                <ClientList area scopes portfolios writes />
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// A client's settings as a form: name, scopes, portfolios (office clients), end date. Used to
/// make a client and to change one; `prefix` keeps the element ids apart.
#[derive(Clone, Copy)]
struct Settings {
    name: RwSignal<String>,
    chosen: RwSignal<Vec<ApiScope>>,
    limited: RwSignal<Vec<Uuid>>,
    until: RwSignal<String>,
}

impl Settings {
    fn new(client: Option<&ApiClientResponse>) -> Self {
        Settings {
            name: RwSignal::new(client.map(|c| c.name.clone()).unwrap_or_default()),
            chosen: RwSignal::new(client.map(|c| c.scopes.clone()).unwrap_or_default()),
            limited: RwSignal::new(
                client
                    .and_then(|c| c.portfolio_ids.clone())
                    .unwrap_or_default(),
            ),
            until: RwSignal::new(
                client
                    .and_then(|c| c.expires_at)
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ),
        }
    }

    fn clear(self) {
        self.name.set(String::new());
        self.chosen.set(Vec::new());
        self.limited.set(Vec::new());
        self.until.set(String::new());
    }

    fn request(self) -> ApiClientRequest {
        let limit = self.limited.get_untracked();
        // The end of the chosen day, in UTC.
        let expires_at = poort_shared::words::date_input(&self.until.get_untracked())
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .map(|t| t.and_utc());
        ApiClientRequest {
            name: self.name.get_untracked(),
            scopes: self.chosen.get_untracked(),
            portfolio_ids: (!limit.is_empty()).then_some(limit),
            expires_at,
        }
    }
}

#[component]
fn SettingsFields(
    area: ClientArea,
    prefix: String,
    settings: Settings,
    scopes: StoredValue<Vec<ApiScopeResponse>>,
    portfolios: StoredValue<Vec<PortfolioResponse>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let Settings {
        name,
        chosen,
        limited,
        until,
    } = settings;
    let scope_prefix = prefix.clone();
    let portfolio_prefix = prefix.clone();
    view! {
        <Field id=format!("{prefix}-name") label=i18n.s("Naam", "Name") value=name hint=i18n.s("Bijvoorbeeld de naam van het systeem.", "The system's name, for instance.") />
        <fieldset class="choices">
            <legend>{i18n.t("Wat mag de koppeling?", "What may the client do?")}</legend>
            {scopes.get_value().into_iter().map(|s| {
                let code = s.code;
                let id = format!("{scope_prefix}-scope-{}", id_part(code.as_str()));
                view! {
                    <div class="field checkbox">
                        <input type="checkbox" id=id.clone()
                            prop:checked=move || chosen.with(|c| c.contains(&code))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| { c.retain(|x| *x != code); if on { c.push(code); } });
                            } />
                        <label for=id>{move || if i18n.lang() == Lang::En { s.label_en.clone() } else { s.label_nl.clone() }}<code class="code">{format!(" {}", code.as_str())}</code></label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
        {(area == ClientArea::Office).then(|| view! {
            <fieldset class="choices">
                <legend>{i18n.t("Alleen voor deze portefeuilles (niets gekozen: alle)", "Only these portfolios (none chosen: all)")}</legend>
                {portfolios.get_value().into_iter().map(|p| {
                    let pid = p.id;
                    let id = format!("{portfolio_prefix}-portfolio-{}", id_part(&p.agency_number));
                    view! {
                        <div class="field checkbox">
                            <input type="checkbox" id=id.clone()
                                prop:checked=move || limited.with(|l| l.contains(&pid))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    limited.update(|l| { l.retain(|x| *x != pid); if on { l.push(pid); } });
                                } />
                            <label for=id>{format!("{} {}", p.agency_number, p.name)}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
        })}
        <Field id=format!("{prefix}-expires") kind="date" required=false label=i18n.s("Geldig tot en met (optioneel)", "Valid until (optional)") value=until />
    }
}

#[component]
fn NewClient(
    area: ClientArea,
    scopes: StoredValue<Vec<ApiScopeResponse>>,
    portfolios: StoredValue<Vec<PortfolioResponse>>,
    create: Write<ApiClientRequest, ApiClientResponse>,
) -> impl IntoView {
    let i18n = use_i18n();
    let settings = Settings::new(None);
    let made = RwSignal::new(None::<String>);
    let pending = create.pending();
    let error = create.failure();
    create.on_success(move |client| {
        made.set(Some(client.name.clone()));
        settings.clear();
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        made.set(None);
        create.start(settings.request());
    };
    view! {
        <div class="section" id="new-client-section">
            <h2>{i18n.t("Nieuwe koppeling", "New API client")}</h2>
            <MaybeError error />
            {move || made.get().map(|n| view! {
                <p class="notice ok" id="client-made">{i18n.t("Koppeling aangemaakt: ", "API client created: ")}{n.clone()}{i18n.t(". Voeg nu een sleutel toe.", ". Now add a key.")}</p>
            })}
            <form id="new-client-form" on:submit=on_submit>
                <SettingsFields area prefix="client".to_string() settings scopes portfolios />
                <Submit id="new-client-submit" label=i18n.s("Koppeling aanmaken", "Create API client") pending />
            </form>
        </div>
    }
}

#[component]
fn ClientList(
    area: ClientArea,
    scopes: StoredValue<Vec<ApiScopeResponse>>,
    portfolios: StoredValue<Vec<PortfolioResponse>>,
    writes: ClientWrites,
) -> impl IntoView {
    let i18n = use_i18n();
    let clients = LocalResource::new(move || {
        writes.saved.track();
        api::api_clients(area)
    });
    // A secret is shown once, right after it was made, on its client's card.
    let shown_secret = RwSignal::new(None::<(Uuid, String)>);
    view! {
        <div class="section" id="clients-section">
            <h2>{i18n.t("Koppelingen", "API clients")}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match clients.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) if list.clients.is_empty() => view! {
                            <p id="no-clients">{i18n.t("Er zijn nog geen koppelingen.", "There are no API clients yet.")}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="clients" id="clients">
                                {list.clients.into_iter().map(|c| view! { <ClientCard area client=c scopes portfolios writes shown_secret /> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

fn status_text(i18n: I18n, status: ApiClientStatus) -> &'static str {
    match status {
        ApiClientStatus::Active => i18n.tr("actief", "active"),
        ApiClientStatus::Expired => i18n.tr("verlopen", "expired"),
        ApiClientStatus::Revoked => i18n.tr("ingetrokken", "revoked"),
    }
}

#[component]
fn ClientCard(
    area: ClientArea,
    client: ApiClientResponse,
    scopes: StoredValue<Vec<ApiScopeResponse>>,
    portfolios: StoredValue<Vec<PortfolioResponse>>,
    writes: ClientWrites,
    shown_secret: RwSignal<Option<(Uuid, String)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = client.id;
    // Element ids per client, from its name (tests and anchors find a client by them).
    let slug = StoredValue::new(id_part(&client.name.to_lowercase().replace(' ', "-")));
    let ids = move |what: &str| format!("{what}-{}", slug.get_value());
    let change = writes.change;
    let pending = change.pending();
    let error = change.failure_for(id);
    let secret_error = writes.secret.failure_for(id);
    let secret_pending = writes.secret.pending();
    writes.secret.on_success_for(id, move |made| {
        shown_secret.set(Some((id, made.client_secret.clone())));
    });
    let key_text = RwSignal::new(String::new());
    let kid = RwSignal::new(String::new());
    change.on_success_for(id, move |_| {
        key_text.set(String::new());
        kid.set(String::new());
    });
    let confirm_revoke = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let settings = Settings::new(Some(&client));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change.start(id, ClientChange::Update(settings.request()));
    };
    let active = client.status == ApiClientStatus::Active;
    let revoked = client.status == ApiClientStatus::Revoked;
    let status = client.status;
    let scope_names = {
        let list = client.scopes.clone();
        move || {
            scopes.with_value(|c| {
                list.iter()
                    .map(|s| scope_label(i18n, c, *s))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        }
    };
    let limited_to = client.portfolio_ids.clone().map(|ids| {
        portfolios.with_value(|all| {
            ids.iter()
                .map(|pid| {
                    all.iter()
                        .find(|p| p.id == *pid)
                        .map_or_else(|| pid.to_string(), |p| p.agency_number.clone())
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
    });
    let add_key = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let given = kid.get_untracked();
        change.start(
            id,
            ClientChange::AddKey(AddApiClientKeyRequest {
                key: key_text.get_untracked(),
                kid: (!given.trim().is_empty()).then(|| given.trim().to_string()),
            }),
        );
    };
    let created = client.created_at;
    let last_used = client.last_used_at;
    let expires = client.expires_at;
    let creator = client.created_by.as_ref().and_then(|c| c.name.clone());
    let keys = client.keys.clone();
    let has_keys = !keys.is_empty();
    let has_secret = client.has_secret;
    let key_count = keys.len();
    view! {
        <li class="client" id=ids("client") data-status=status.as_str()>
            <h3>{client.name.clone()}<span class="badge status">{move || status_text(i18n, status)}</span></h3>
            <dl class="facts">
                <dt>{i18n.t("Client-id", "Client id")}</dt><dd><code id=ids("client-id")>{client.client_id.clone()}</code></dd>
                <dt>{i18n.t("Mag", "May")}</dt><dd>{scope_names}</dd>
                {limited_to.map(|l| view! { <dt>{i18n.t("Portefeuilles", "Portfolios")}</dt><dd>{l}</dd> })}
                <dt>{i18n.t("Aangemaakt", "Created")}</dt><dd>{move || i18n.time(created)}{creator.clone().map(|n| format!(" — {n}"))}</dd>
                <dt>{i18n.t("Laatst gebruikt", "Last used")}</dt><dd id=ids("client-last-used")>{move || last_used.map(|t| i18n.time(t)).unwrap_or_else(|| i18n.tr("nog niet", "not yet").to_string())}</dd>
                {expires.map(|t| view! { <dt>{i18n.t("Geldig tot", "Valid until")}</dt><dd>{move || i18n.time(t)}</dd> })}
            </dl>
            <MaybeError error />
            <MaybeError error=secret_error />
            {move || shown_secret.get().filter(|(c, _)| *c == id).map(|(_, secret)| view! {
                <div class="notice warn" id=ids("client-secret") role="status">
                    <p>{i18n.t("Het geheim (alleen nu te zien; Poort bewaart alleen een hash):", "The secret (shown only now; Poort keeps only a hash):")}</p>
                    <p><code class="secret">{secret.clone()}</code></p>
                </div>
            })}
            {revoked.then(|| view! {
                <p class="hint" id=ids("client-revoked")>{i18n.t("Ingetrokken: de koppeling krijgt geen tokens meer en haar tokens werken niet meer.", "Revoked: the client gets no tokens, and its tokens no longer work.")}</p>
            })}
            {(!revoked).then(|| view! { <h4>{i18n.t("Sleutels", "Keys")}</h4> })}
            {if revoked {
                ().into_any()
            } else if has_keys {
                view! {
                    <ul class="keys">
                        {keys.into_iter().map(|k| {
                            let key_id = k.id;
                            let kid_text = k.kid.clone();
                            let used = k.last_used_at;
                            let added = k.created_at;
                            view! {
                                <li id=format!("client-key-{}", id_part(&k.kid))>
                                    <code>{k.kid.clone()}</code>{format!(" ({})", k.alg)}
                                    " — "{i18n.t("toegevoegd ", "added ")}{move || i18n.time(added)}
                                    " — "{move || used.map(|t| format!("{} {}", i18n.tr("laatst gebruikt", "last used"), i18n.time(t))).unwrap_or_else(|| i18n.tr("nog niet gebruikt", "not used yet").to_string())}
                                    " "<button type="button" class="link" id=format!("remove-key-{}", id_part(&kid_text)) disabled=move || pending.get()
                                        on:click=move |_| change.start(id, ClientChange::RemoveKey(key_id))>{i18n.t("Verwijderen", "Remove")}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            } else {
                view! { <p class="hint">{i18n.t("Nog geen sleutel.", "No key yet.")}</p> }.into_any()
            }}
            {(!revoked).then(|| view! {
                {(key_count < 2).then(|| view! {
                    <form class="add-key" id=ids("add-key-form") on:submit=add_key>
                        <div class="field">
                            <label for=ids("key")>{i18n.t("Publieke sleutel (JWK of PEM)", "Public key (JWK or PEM)")}</label>
                            <textarea id=ids("key") rows="5" required=true bind:value=key_text></textarea>
                            <p class="hint">{i18n.t("Ed25519, P-256 of RSA (minstens 2048 bits). Nooit de privésleutel.", "Ed25519, P-256 or RSA (at least 2048 bits). Never the private key.")}</p>
                        </div>
                        <Field id=ids("kid") required=false label=i18n.s("Naam van de sleutel (kid, optioneel)", "Key name (kid, optional)") value=kid />
                        <Submit id=ids("add-key") label=i18n.s("Sleutel toevoegen", "Add key") pending />
                    </form>
                })}
                <p class="hint">{move || if has_secret {
                    i18n.tr("Er is een geheim ingesteld (HTTP Basic). Een nieuw geheim vervangt het oude.", "A secret is set (HTTP Basic). A new secret replaces the old one.")
                } else {
                    i18n.tr("Geen sleutel mogelijk? Maak dan een geheim (minder veilig dan een sleutel).", "Cannot use a key? Make a secret (less safe than a key).")
                }}</p>
                <Show when=move || editing.get()>
                    <form class="edit-client" id=ids("edit-form") on:submit=save>
                        <SettingsFields area prefix=ids("edit") settings scopes portfolios />
                        <Submit id=ids("edit-submit") label=i18n.s("Wijzigingen opslaan", "Save changes") pending />
                    </form>
                </Show>
                <div class="actions">
                    <button type="button" class="secondary" id=ids("edit") aria-expanded=move || editing.get().to_string()
                        on:click=move |_| editing.update(|e| *e = !*e)>{i18n.t("Wijzigen", "Change")}</button>
                    <button type="button" class="secondary" id=ids("new-secret") disabled=move || secret_pending.get()
                        on:click=move |_| writes.secret.start(id, ())>{i18n.t("Nieuw geheim maken", "Make a new secret")}</button>
                    <Show when=move || confirm_revoke.get() fallback=move || view! {
                        <button type="button" class="danger" id=ids("revoke") on:click=move |_| confirm_revoke.set(true)>{i18n.t("Intrekken", "Revoke")}</button>
                    }>
                        <span>{i18n.t("De koppeling werkt daarna nooit meer. Zeker weten?", "The client will never work again. Are you sure?")}</span>
                        " "<button type="button" class="danger" id=ids("revoke-confirm") disabled=move || pending.get()
                            on:click=move |_| change.start(id, ClientChange::Revoke)>{i18n.t("Ja, intrekken", "Yes, revoke")}</button>
                        " "<button type="button" class="secondary" on:click=move |_| confirm_revoke.set(false)>{i18n.t("Annuleren", "Cancel")}</button>
                    </Show>
                </div>
            })}
            {(!active && !revoked).then(|| view! { <p class="hint">{i18n.t("Verlopen: de koppeling krijgt geen tokens meer.", "Expired: the client gets no tokens any more.")}</p> })}
        </li>
    }
}

//! An insurer's numbers for development and benchmarks (`poort --dev seed-scale`): by default
//! 5,000 offices with two portfolios each, 100,000 accounts (the first office has 1,000, the
//! others about 20) with four rights each (400,000), an invitation with its history per
//! account, a completed access review per office (the current ones due over the coming
//! period), and 2,000,000 audit events spread over two years, made with multi-row inserts
//! ([`crate::store::bulk`]) in minutes. Names, e-mail addresses and mobile numbers are varied
//! as a real population is (so fragment searches find a realistic share), and reproducible.
//!
//! The first account of every office is its administrator. Every active account shares
//! `password` and has the authenticator secret [`super::demo::demo_secret`]`(seed, i)` for its
//! number `i` (its e-mail address is [`account_email`]), so a load generator can sign in as any of them;
//! one member of the relations team is `relatiebeheer@scale.example` with number
//! `accounts` (the number after the last account). Dev mode only.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::secrets::Context;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::bulk::{Rows, Value};
use crate::store::new_id;

/// How much to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub offices: usize,
    pub accounts: usize,
    pub audit_events: usize,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            offices: 5_000,
            accounts: 100_000,
            audit_events: 2_000_000,
        }
    }
}

/// What was made, and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Made {
    pub offices: usize,
    pub portfolios: usize,
    pub accounts: usize,
    pub rights: usize,
    pub invitations: usize,
    pub audit_events: usize,
    pub seconds: f64,
    /// The office with the most accounts.
    pub largest_office: Uuid,
}

const FIRST_NAMES: &[&str] = &[
    "Anna", "Bram", "Carmen", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ilse", "Jan", "Kees",
    "Lotte", "Mark", "Noor", "Olaf", "Pien", "Quinten", "Roos", "Sanne", "Thijs", "Umut", "Vera",
    "Willem", "Xander", "Yara", "Zoë", "Ahmed", "Bas", "Chantal", "Dirk", "Esra", "Femke", "Gert",
    "Hatice", "Ingrid", "Joost", "Karin", "Luuk", "Mila", "Niels", "Özlem", "Pieter", "Rik",
    "Sofie", "Tamara", "Ruud", "Wendy", "Youssef",
];

const SURNAMES: &[&str] = &[
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Jong",
    "Schouten",
    "van Beek",
    "Willems",
    "van Dijk",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "Prins",
    "Blom",
    "Huisman",
    "Peeters",
    "Kuipers",
    "Yılmaz",
    "El Amrani",
    "Öztürk",
    "Postma",
    "Veenstra",
    "Kramer",
    "van Wijk",
    "Scholten",
    "Groen",
];

const PLACES: &[&str] = &[
    "Amsterdam",
    "Rotterdam",
    "Utrecht",
    "Eindhoven",
    "Groningen",
    "Tilburg",
    "Almere",
    "Breda",
    "Nijmegen",
    "Apeldoorn",
    "Haarlem",
    "Arnhem",
    "Enschede",
    "Amersfoort",
    "Zwolle",
    "Leiden",
    "Maastricht",
    "Dordrecht",
    "Zoetermeer",
    "Deventer",
    "Delft",
    "Alkmaar",
    "Venlo",
    "Leeuwarden",
    "Heerlen",
    "Hilversum",
    "Assen",
    "Emmen",
    "Gouda",
    "Middelburg",
];

const KINDS: &[&str] = &[
    "Assurantiën",
    "Verzekeringen",
    "Financieel Advies",
    "Hypotheken & Verzekeringen",
    "Adviesgroep",
    "Risicobeheer",
];

/// The audit trail's usual mix: mostly sign-ins, then the office's own work.
const ACTIONS: &[(&str, u32)] = &[
    ("session.started", 40),
    ("sign_in.password_accepted", 40),
    ("session.ended", 20),
    ("session.portfolio_selected", 30),
    ("sign_in.failed", 4),
    ("sign_in.code_wrong", 2),
    ("password.changed", 2),
    ("account.rights_changed", 3),
    ("invitation.sent", 2),
    ("invitation.accepted", 2),
    ("invitation.resent", 1),
    ("account.deactivated", 1),
    ("account.blocked", 1),
    ("account.unblocked", 1),
];

/// Reproducible pseudo-random numbers (SplitMix64).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// The first name and surname of scale account `i`.
fn person(i: usize) -> (&'static str, &'static str) {
    let mut mix = Mix(i as u64);
    (mix.pick(FIRST_NAMES), mix.pick(SURNAMES))
}

/// The e-mail address of scale account `i` of a seed of `size` (its office's domain, then
/// the person).
pub fn account_email(i: usize, size: Size) -> String {
    let mut office = 0;
    let mut before = 0;
    for n in office_sizes(size.offices, size.accounts) {
        if i < before + n {
            break;
        }
        before += n;
        office += 1;
    }
    email_in(i, office)
}

fn email_in(i: usize, office: usize) -> String {
    let (first, surname) = person(i);
    let ascii = |s: &str| -> String {
        s.chars()
            .filter_map(|c| match c {
                'ë' => Some('e'),
                'ö' | 'Ö' => Some('o'),
                'ı' => Some('i'),
                ' ' => Some('.'),
                c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect()
    };
    format!(
        "{}.{}.{i}@kantoor{office}.scale.example",
        ascii(first),
        ascii(surname)
    )
}

/// A UUIDv7 for instant `at` (ids of the audit trail grow with time); `n` keeps ids of one
/// millisecond apart and in order.
fn id_at(at: DateTime<Utc>, n: u64) -> Uuid {
    crate::store::sql::id_v7(u64::try_from(at.timestamp_millis()).unwrap_or(0), n)
}

fn ms(t: DateTime<Utc>) -> Value {
    Value::Int(Some(t.timestamp_millis()))
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(Some(s.into()))
}

fn id(id: Uuid) -> Value {
    Value::Id(Some(id))
}

/// How many accounts office `o` of `offices` gets out of `accounts`: the first 1,000 (or a
/// tenth when there are fewer than 10,000), the others an equal share of the rest.
fn office_sizes(offices: usize, accounts: usize) -> Vec<usize> {
    let offices = offices.max(1);
    let first = if offices == 1 {
        accounts
    } else {
        (accounts / 10).clamp(1, 1_000)
    };
    let rest = accounts.saturating_sub(first);
    let others = offices - 1;
    let mut sizes = vec![first];
    for o in 0..others {
        sizes.push(rest / others + usize::from(o < rest % others));
    }
    sizes
}

/// Makes it all. A second run on the same database is refused by the offices' KvK numbers
/// before anything is written.
pub async fn seed(
    state: &AppState,
    size: Size,
    password: String,
    seed: &str,
) -> Result<Made, ApiError> {
    let started = std::time::Instant::now();
    let hash = state.hasher.hash(password).await?;
    let now = state.now();
    let store = &state.store;
    let mut mix = Mix(u64::from_be_bytes(
        Sha256::digest(seed.as_bytes())[..8]
            .try_into()
            .unwrap_or([0; 8]),
    ));
    let two_years = Duration::days(730);
    let start = now - two_years;
    let sizes = office_sizes(size.offices, size.accounts);

    // Offices and their portfolios.
    let mut offices = Vec::with_capacity(sizes.len());
    let mut office_rows = Vec::with_capacity(sizes.len());
    let mut portfolio_rows = Vec::with_capacity(sizes.len() * 2);
    let mut portfolios: Vec<[Uuid; 2]> = Vec::with_capacity(sizes.len());
    for o in 0..sizes.len() {
        let office = new_id(now);
        let created = start + Duration::hours(o as i64 % 8_000);
        let name = format!(
            "{} {} {}",
            mix.pick(SURNAMES),
            mix.pick(KINDS),
            mix.pick(PLACES)
        );
        office_rows.push(vec![
            id(office),
            text(name),
            text(format!("{:08}", 60_000_000 + o)),
            ms(created),
            ms(created),
        ]);
        let pair = [new_id(now), new_id(now)];
        for (n, (p, label)) in pair.iter().zip(["Particulier", "Zakelijk"]).enumerate() {
            portfolio_rows.push(vec![
                id(*p),
                id(office),
                text(format!("SC{o:05}-{n}")),
                text(label),
                ms(created),
                ms(created),
            ]);
        }
        offices.push(office);
        portfolios.push(pair);
    }
    store
        .insert_rows(&Rows {
            table: "offices",
            columns: &["id", "name", "kvk_number", "created_at", "updated_at"],
            rows: office_rows,
        })
        .await?;
    store
        .insert_rows(&Rows {
            table: "portfolios",
            columns: &[
                "id",
                "office_id",
                "agency_number",
                "name",
                "created_at",
                "updated_at",
            ],
            rows: portfolio_rows,
        })
        .await?;

    // Each office's last access review (written with the offices, before the review sweep can
    // find an office without one), so the current periods' due dates are spread over
    // the coming period as they are at an insurer that has run reviews for a while (about 5 %
    // overdue by up to ten days, about 8 % within the reminders' 14 days), not all overdue
    // at once because every office was made two years ago.
    let every = Duration::days(state.settings.policy.access_review_days.max(1));
    let spread_hours = every.num_hours().max(1);
    let review_rows = (0..sizes.len())
        .map(|o| {
            let due_now = now - Duration::days(10)
                + Duration::hours((o as i64).wrapping_mul(7_919).rem_euclid(spread_hours));
            let completed = due_now - every;
            let started = completed - every + Duration::days(3);
            vec![
                id(new_id(now)),
                id(offices[o]),
                ms(started),
                ms(started + every),
                ms(completed),
                Value::Id(None),
                Value::Int(Some((sizes[o] * 2) as i64)),
                Value::Int(Some(0)),
            ]
        })
        .collect();
    store
        .insert_rows(&Rows {
            table: "access_reviews",
            columns: &[
                "id",
                "office_id",
                "started_at",
                "due_at",
                "completed_at",
                "completed_by",
                "confirmed",
                "deactivated",
            ],
            rows: review_rows,
        })
        .await?;

    // Accounts (in batches, with their rights and invitations), then the relations team's.
    // Per office: its accounts' ids and its administrator, for the audit trail.
    let mut members: Vec<Vec<Uuid>> = sizes.iter().map(|n| Vec::with_capacity(*n)).collect();
    let mut owner_of: Vec<usize> = Vec::with_capacity(size.accounts);
    for (o, n) in sizes.iter().enumerate() {
        owner_of.extend(std::iter::repeat_n(o, *n));
    }
    let mut rights = 0;
    let mut invitations = 0;
    for (n, chunk) in (0..size.accounts)
        .collect::<Vec<_>>()
        .chunks(10_000)
        .enumerate()
    {
        // Plans for the tables as they grow (the first chunk starts from empty ones).
        if n < 3 {
            store.analyze().await?;
        }
        let mut accounts = Vec::with_capacity(chunk.len());
        let mut right_rows = Vec::with_capacity(chunk.len() * 4);
        let mut invitation_rows = Vec::with_capacity(chunk.len());
        let mut event_rows = Vec::with_capacity(chunk.len() * 2);
        let mut link_rows = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let o = owner_of[i];
            let account = new_id(now);
            let admin = members[o].first().copied();
            members[o].push(account);
            let (first, surname) = person(i);
            let created = start + Duration::minutes(mix.below(700 * 24 * 60) as i64);
            // Administrators are active; of the others 2 % invited, 2 % blocked, 4 % deactivated.
            let status = match (admin.is_none(), i % 50) {
                (true, _) => "active",
                (false, 0) => "invited",
                (false, 1) => "blocked",
                (false, 2 | 3) => "deactivated",
                _ => "active",
            };
            let invited = status == "invited";
            // Within the 90 days a password lasts.
            let password_changed = now - Duration::minutes(mix.below(60 * 24 * 60) as i64);
            let signed_in =
                (!invited).then(|| now - Duration::minutes(mix.below(90 * 24 * 60) as i64));
            let secret = if invited {
                None
            } else {
                Some(state.secrets.seal(
                    Context::Authenticator(account),
                    &super::demo::demo_secret(seed, i),
                )?)
            };
            let email = email_in(i, o);
            accounts.push(vec![
                id(account),
                id(offices[o]),
                text(if admin.is_none() {
                    "office_admin"
                } else {
                    "adviser"
                }),
                text(email.clone()),
                text(email),
                text(format!("{first} {surname}")),
                Value::Text((!invited).then(|| format!("+316{:08}", 10_000_000 + i))),
                text(status),
                Value::Text((!invited).then(|| hash.clone())),
                Value::Int(signed_in.map(|_| password_changed.timestamp_millis())),
                Value::Bytes(secret),
                Value::Int(signed_in.map(|t| t.timestamp_millis())),
                Value::Text((status == "deactivated").then(|| "active".to_string())),
                ms(created),
                ms(created),
            ]);
            let [p0, p1] = portfolios[o];
            for (p, right) in [
                (p0, "view_policies"),
                (p0, "report_claims"),
                (p1, "view_policies"),
                (p1, "view_commission"),
            ] {
                right_rows.push(vec![id(account), id(p), text(right), ms(created)]);
            }
            rights += 4;
            let invitation = new_id(now);
            let expires = if invited {
                now + Duration::days(7)
            } else {
                created + Duration::days(7)
            };
            let accepted = (!invited).then(|| created + Duration::hours(20));
            invitation_rows.push(vec![
                id(invitation),
                id(account),
                text("invitation"),
                text(if invited { "open" } else { "accepted" }),
                text(if invited { "password" } else { "done" }),
                Value::Id(admin),
                ms(if invited {
                    now - Duration::days(1)
                } else {
                    created
                }),
                ms(expires),
                Value::Int(accepted.map(|t| t.timestamp_millis())),
                id(offices[o]),
            ]);
            invitations += 1;
            event_rows.push(vec![
                id(new_id(now)),
                id(invitation),
                text("sent"),
                ms(created),
                Value::Id(admin),
            ]);
            if let Some(at) = accepted {
                event_rows.push(vec![
                    id(new_id(now)),
                    id(invitation),
                    text("accepted"),
                    ms(at),
                    Value::Id(None),
                ]);
            }
            let token: [u8; 32] = Sha256::digest(format!("{seed}:link:{i}").as_bytes()).into();
            link_rows.push(vec![
                Value::Bytes(Some(Sha256::digest(token).to_vec())),
                id(invitation),
                ms(created),
                ms(expires),
                Value::Int(None),
            ]);
        }
        store
            .insert_rows(&Rows {
                table: "accounts",
                columns: &[
                    "id",
                    "office_id",
                    "role",
                    "email",
                    "email_key",
                    "name",
                    "mobile",
                    "status",
                    "password_hash",
                    "password_changed_at",
                    "totp_secret",
                    "last_sign_in_at",
                    "deactivated_from",
                    "created_at",
                    "updated_at",
                ],
                rows: accounts,
            })
            .await?;
        store
            .insert_rights(&Rows {
                table: "account_rights",
                columns: &["account_id", "portfolio_id", "right_code", "granted_at"],
                rows: right_rows,
            })
            .await?;
        store
            .insert_rows(&Rows {
                table: "invitations",
                columns: &[
                    "id",
                    "account_id",
                    "kind",
                    "status",
                    "step",
                    "created_by",
                    "created_at",
                    "expires_at",
                    "accepted_at",
                    "office_id",
                ],
                rows: invitation_rows,
            })
            .await?;
        store
            .insert_rows(&Rows {
                table: "invitation_events",
                columns: &["id", "invitation_id", "kind", "at", "actor_id"],
                rows: event_rows,
            })
            .await?;
        store
            .insert_rows(&Rows {
                table: "invitation_links",
                columns: &[
                    "token_hash",
                    "invitation_id",
                    "created_at",
                    "expires_at",
                    "superseded_at",
                ],
                rows: link_rows,
            })
            .await?;
    }
    let operator = new_id(now);
    let i = size.accounts;
    store
        .insert_rows(&Rows {
            table: "accounts",
            columns: &[
                "id",
                "role",
                "email",
                "email_key",
                "name",
                "mobile",
                "status",
                "password_hash",
                "password_changed_at",
                "totp_secret",
                "created_at",
                "updated_at",
            ],
            rows: vec![vec![
                id(operator),
                text("operator"),
                text("relatiebeheer@scale.example"),
                text("relatiebeheer@scale.example"),
                text("Relatiebeheer Schaal"),
                text(format!("+316{:08}", 10_000_000 + i)),
                text("active"),
                text(hash.clone()),
                ms(now),
                Value::Bytes(Some(state.secrets.seal(
                    Context::Authenticator(operator),
                    &super::demo::demo_secret(seed, i),
                )?)),
                ms(now),
                ms(now),
            ]],
        })
        .await?;

    store.analyze().await?;
    // The audit trail: events in time order, each in the office of a random account (so an
    // office's share follows its size), by its administrator on that account.
    let total: usize = size.accounts.max(1);
    let weights: u32 = ACTIONS.iter().map(|(_, w)| w).sum();
    let step_ms = two_years.num_milliseconds() / size.audit_events.max(1) as i64;
    let mut made = 0;
    while made < size.audit_events {
        let n = (size.audit_events - made).min(20_000);
        let mut rows = Vec::with_capacity(n);
        for k in made..made + n {
            let at = start + Duration::milliseconds(k as i64 * step_ms);
            let who = mix.below(total);
            let o = owner_of.get(who).copied().unwrap_or(0);
            let target = members[o][mix.below(members[o].len())];
            let actor = members[o][0];
            let mut w = (mix.next() % u64::from(weights)) as u32;
            let action = ACTIONS
                .iter()
                .find(|(_, weight)| {
                    let hit = w < *weight;
                    w = w.saturating_sub(*weight);
                    hit
                })
                .map_or("session.started", |(a, _)| a);
            let by_self = action.starts_with("session.") || action.starts_with("sign_in.");
            rows.push(vec![
                id(id_at(at, k as u64)),
                ms(at),
                Value::Id(Some(if by_self { target } else { actor })),
                text(action),
                Value::Id(Some(target)),
                id(offices[o]),
                text(format!("192.0.2.{}", mix.below(250) + 1)),
                text("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0"),
                text("{}"),
            ]);
        }
        store
            .insert_rows(&Rows {
                table: "audit_events",
                columns: &[
                    "id",
                    "at",
                    "actor_id",
                    "action",
                    "target_account_id",
                    "office_id",
                    "client_ip",
                    "user_agent",
                    "details",
                ],
                rows,
            })
            .await?;
        made += n;
    }
    Ok(Made {
        offices: sizes.len(),
        portfolios: sizes.len() * 2,
        accounts: size.accounts + 1,
        rights,
        invitations,
        audit_events: made,
        seconds: started.elapsed().as_secs_f64(),
        largest_office: offices[0],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_office_is_the_largest_and_every_account_has_one() {
        let sizes = office_sizes(5_000, 100_000);
        assert_eq!(sizes.len(), 5_000);
        assert_eq!(sizes[0], 1_000);
        assert_eq!(sizes.iter().sum::<usize>(), 100_000);
        assert!(sizes[1..].iter().all(|n| (19..=20).contains(n)));
        assert_eq!(office_sizes(3, 10).iter().sum::<usize>(), 10);
    }

    #[test]
    fn addresses_are_plain_valid_and_in_their_office() {
        let size = Size::default();
        for i in [0, 1, 999, 1_000, 1_020, 99_999] {
            let email = account_email(i, size);
            assert!(
                poort_shared::validate::Email::parse(&email).is_ok(),
                "{email}"
            );
            assert!(email.contains(&format!(".{i}@")), "{email}");
        }
        assert!(account_email(999, size).ends_with("@kantoor0.scale.example"));
        assert!(account_email(1_000, size).ends_with("@kantoor1.scale.example"));
        assert!(account_email(99_999, size).ends_with("@kantoor4999.scale.example"));
    }

    #[test]
    fn audit_ids_follow_time() {
        let t = Utc::now();
        let a = id_at(t, 1);
        let b = id_at(t, 2);
        let c = id_at(t + Duration::milliseconds(1), 0);
        assert!(a < b && b < c);
    }
}

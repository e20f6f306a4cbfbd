//! The organisation (stores, associates, exchange rates) and the customers:
//! who they are, what they like, what they consented to, and a visit on
//! the timeline of some of them.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use clientele_kernel::random::SplitMix64;
use clientele_kernel::{Actor, Currency, LongText, Phone, TimeZone};
use clientele_orders::FxRate;
use clientele_profiles::{
    Associate, Birthday, Channel, Code, Consent, Consents, CountryCode, Customer, Email, Gender, ImportantDate,
    ImportantDateId, ImportantDateKind, Interaction, InteractionDetail, InteractionId, Location, NewAssociate,
    NewCustomer, NewStore, PersonName, Phones, Preferences, Profile, Relation, Relationship, Sizes, Store, StoreScope,
    Tag, TagKind, TagName, Tags,
};
use clientele_store::{AuditContext, PgConnection};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::catalogue::{
    ASSOCIATES, CATEGORIES, CN_GIVEN, CN_SURNAMES, COLOURS, FR_NAMES, HOBBIES, IT_NAMES, STORE_WEIGHTS, STORES, STYLES,
    TAGS,
};
use super::{HISTORY_DAYS, label, text};

/// A client book's usual size: a large demo has about one associate per
/// this many customers at each store (a small one, the named associates).
const CLIENTS_PER_ASSOCIATE: u64 = 2_000;

/// The stores and their associates: the named ones, and as many more at
/// each store as its share of `customers` needs for client books of about
/// [`CLIENTS_PER_ASSOCIATE`] (named after the named ones, numbered).
pub(super) fn organisation(
    conn: &mut PgConnection,
    ctx: &AuditContext,
    customers: u32,
) -> anyhow::Result<(Vec<Store>, Vec<Associate>)> {
    let mut stores = Vec::new();
    for (code, name, city, country, tz, currency) in STORES {
        stores.push(crate::org::create_store(
            conn,
            NewStore {
                code: Code::parse(code).map_err(anyhow::Error::msg)?,
                name: text(name)?,
                city: Some(text(city)?),
                country: CountryCode::parse(country).map_err(anyhow::Error::msg)?,
                time_zone: TimeZone::parse(tz).map_err(anyhow::Error::msg)?,
                currency: Currency::parse(currency).map_err(anyhow::Error::msg)?,
            },
            ctx,
        )?);
    }
    let chinese: Vec<&Store> = stores.iter().filter(|s| s.country.as_str() == "CN").collect();
    let mut named: Vec<(&Store, String)> = Vec::new();
    for (i, name) in ASSOCIATES.iter().enumerate() {
        // Chinese names to Chinese stores, two per store; the others to Milan and Paris.
        let store = if i < 14 {
            chinese[i % chinese.len()]
        } else {
            &stores[chinese.len() + (i - 14) % (stores.len() - chinese.len())]
        };
        named.push((store, (*name).to_owned()));
    }
    for (store, weight) in stores.iter().zip(STORE_WEIGHTS) {
        let wanted = (u64::from(customers) * weight).div_ceil(100 * CLIENTS_PER_ASSOCIATE) as usize;
        let own: Vec<String> = named.iter().filter(|(s, _)| s.id == store.id).map(|(_, n)| n.clone()).collect();
        for k in own.len()..wanted {
            let base = own.get(k % own.len().max(1)).map_or("Associate", String::as_str);
            named.push((store, format!("{base} {}", k + 1)));
        }
    }
    let mut associates = Vec::new();
    for (i, (store, name)) in named.into_iter().enumerate() {
        associates.push(crate::org::create_associate(
            conn,
            NewAssociate {
                store: store.id,
                code: Code::parse(&format!("{}-{:03}", store.code.as_str(), i + 1)).map_err(anyhow::Error::msg)?,
                name: PersonName::parse(&name).map_err(anyhow::Error::msg)?,
            },
            ctx,
        )?);
    }
    Ok((stores, associates))
}

/// EUR → CNY, one rate a month over the history (between 7.55 and 8.05).
pub(super) fn exchange_rates(
    conn: &mut PgConnection,
    ctx: &AuditContext,
    now: DateTime<Utc>,
    rng: &mut SplitMix64,
) -> anyhow::Result<()> {
    let eur = Currency::parse("EUR").map_err(anyhow::Error::msg)?;
    let cny = Currency::parse("CNY").map_err(anyhow::Error::msg)?;
    let start = now.date_naive() - Duration::days(HISTORY_DAYS + 400);
    let mut rates = Vec::new();
    let mut month = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).ok_or_else(|| anyhow::anyhow!("date"))?;
    while month <= now.date_naive() {
        let rate = Decimal::new(75_500 + rng.below(5_000) as i64, 4);
        rates.push(FxRate { from: eur.clone(), to: cny.clone(), valid_from: month, rate });
        month = month.checked_add_months(chrono::Months::new(1)).ok_or_else(|| anyhow::anyhow!("date"))?;
    }
    crate::orders::put_fx_rates(conn, &rates, ctx)?;
    Ok(())
}

/// A home store, drawn by the stores' weights.
fn home_store<'s>(rng: &mut SplitMix64, stores: &'s [Store]) -> &'s Store {
    let mut roll = rng.below(100);
    let mut store = &stores[0];
    for (s, w) in stores.iter().zip(STORE_WEIGHTS) {
        if roll < *w {
            store = s;
            break;
        }
        roll -= w;
    }
    store
}

/// A name, phone number and gender that fit the store's country; the
/// phone is unique by construction (the customer's number is part of it).
fn name_phone_gender(rng: &mut SplitMix64, store: &Store, n: u32) -> (String, String, Gender) {
    match store.country.as_str() {
        "IT" => (rng.pick(IT_NAMES).to_string(), format!("+39 347 {:07}", n % 10_000_000), Gender::Female),
        "FR" => (rng.pick(FR_NAMES).to_string(), format!("+33 6 {:08}", n % 100_000_000), Gender::Female),
        _ => (
            format!("{}{}", rng.pick(CN_SURNAMES), rng.pick(CN_GIVEN)),
            format!("1{}{}{:08}", 3 + rng.below(7), rng.below(10), n % 100_000_000),
            if rng.chance(80) { Gender::Female } else { Gender::Male },
        ),
    }
}

/// One style, colour, category and hobby.
fn preferences(rng: &mut SplitMix64) -> anyhow::Result<Preferences> {
    let mut preferences = Preferences::default();
    preferences.styles.insert(label(rng.pick(STYLES))?);
    preferences.colours.insert(label(rng.pick(COLOURS))?);
    preferences.categories.insert(label(rng.pick(CATEGORIES))?);
    preferences.hobbies.insert(label(rng.pick(HOBBIES))?);
    Ok(preferences)
}

/// A wedding anniversary, for 40 % of customers.
fn anniversary(rng: &mut SplitMix64) -> anyhow::Result<Option<ImportantDate>> {
    if !rng.chance(40) {
        return Ok(None);
    }
    Ok(Some(ImportantDate {
        id: ImportantDateId::from_uuid(Uuid::now_v7()),
        kind: ImportantDateKind::Anniversary,
        relation: Relation::Spouse,
        label: Some(text("wedding anniversary")?),
        date: NaiveDate::from_ymd_opt(2005 + rng.below(18) as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
            .ok_or_else(|| anyhow::anyhow!("bad demo date"))?,
        recurring: true,
    }))
}

/// A system tag, for 35 % of customers.
fn tags(rng: &mut SplitMix64, now: DateTime<Utc>) -> anyhow::Result<Tags> {
    let mut tags = Tags::new();
    if rng.chance(35) {
        tags.insert(Tag {
            name: TagName::parse(rng.pick(TAGS)).map_err(anyhow::Error::msg)?,
            kind: TagKind::System,
            set_by: Actor::system(),
            set_at: now,
        });
    }
    Ok(tags)
}

/// For each channel, 70 % of customers answered at sign-up (85 % of them yes).
fn consents(rng: &mut SplitMix64, store: &Store, now: DateTime<Utc>) -> anyhow::Result<Consents> {
    let mut consents = Consents::new();
    for channel in [Channel::Sms, Channel::Wechat, Channel::Email] {
        if rng.chance(70) {
            consents.record(Consent {
                channel,
                granted: rng.chance(85),
                at: now - Duration::days(rng.below(300) as i64),
                source: text(&format!("{} sign-up", store.name.as_str()))?,
            });
        }
    }
    Ok(consents)
}

/// The `n`-th customer of the run seeded with `seed`.
pub(super) fn new_customer(
    rng: &mut SplitMix64,
    stores: &[Store],
    associates: &[Associate],
    n: u32,
    seed: u64,
    now: DateTime<Utc>,
) -> anyhow::Result<NewCustomer> {
    let today = now.date_naive();
    let store = home_store(rng, stores);
    let store_associates: Vec<&Associate> = associates.iter().filter(|a| a.store == store.id).collect();
    let (name, phone, gender) = name_phone_gender(rng, store, n);
    let birthday_date =
        NaiveDate::from_ymd_opt(1965 + rng.below(40) as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
            .ok_or_else(|| anyhow::anyhow!("bad demo birthday"))?;
    let joined_on = today - Duration::days(30 + rng.below(HISTORY_DAYS as u64 + 600) as i64);
    let preferences = preferences(rng)?;
    let important_dates: Vec<ImportantDate> = anniversary(rng)?.into_iter().collect();
    let tags = tags(rng, now)?;
    let consents = consents(rng, store, now)?;
    let email = if rng.chance(60) {
        Some(Email::parse(&format!("client{n}.{seed}@example.com")).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    // Drawn in this order (clothing size, then associate), as always: the
    // same seed gives the same customers.
    let clothing = label(&format!("IT {}", 36 + 2 * rng.below(6)))?;
    let associate = store_associates.get(rng.below(store_associates.len() as u64) as usize).map(|a| a.id);
    Ok(NewCustomer {
        profile: Profile {
            name: Some(PersonName::parse(&name).map_err(anyhow::Error::msg)?),
            phones: Phones::new(vec![Phone::parse(&phone).map_err(anyhow::Error::msg)?]).map_err(anyhow::Error::msg)?,
            email,
            gender: Some(gender),
            birthday: Some(Birthday::parse(birthday_date, today).map_err(anyhow::Error::msg)?),
            location: Location {
                city: store.city.clone(),
                region: None,
                country: Some(store.country.clone()),
                address: None,
            },
            education: None,
            occupation: None,
            preferences,
            sizes: Sizes { clothing: Some(clothing), shoe: None, ring: None },
            important_dates,
        },
        relationship: Relationship { home_store: Some(store.id), associate, acquisition: None, joined_on },
        tags,
        consents,
        external_ids: Default::default(),
    })
}

/// A visit on the timeline of about half of the customers (small runs only).
pub(super) fn timeline(
    conn: &mut PgConnection,
    rng: &mut SplitMix64,
    created: &[Customer],
    now: DateTime<Utc>,
    ctx: &AuditContext,
) -> anyhow::Result<()> {
    let today = now.date_naive();
    for customer in created {
        if !rng.chance(50) {
            continue;
        }
        let interaction = Interaction {
            id: InteractionId::from_uuid(Uuid::now_v7()),
            at: now - Duration::days(rng.below(60) as i64),
            store: customer.relationship.home_store,
            associate: customer.relationship.associate,
            note: Some(
                LongText::parse(&format!(
                    "Visited; asked about the {} collection.",
                    if today.month() < 7 { "spring-summer" } else { "autumn-winter" }
                ))
                .map_err(anyhow::Error::msg)?,
            ),
            detail: InteractionDetail::Visit,
            recorded_by: Actor::system(),
        };
        crate::timeline::record_interaction(conn, customer.id, &StoreScope::All, interaction, ctx)?;
    }
    Ok(())
}

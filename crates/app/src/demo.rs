//! Demo data: stores in Chinese cities plus Milan and Paris (EUR, with
//! exchange rates), their associates, and deterministic customers (same
//! seed, same people and purchases) with profiles, consents, tags, a
//! timeline, orders with seasonality across ready-to-wear, leather goods,
//! jewelry, beauty and accessories, some returns and redemptions, and one
//! deliberate duplicate.
//!
//! Customers and orders are written in bulk (`create_customers_bulk`,
//! `ingest_orders_bulk`: a few statements per thousand rows) so the same
//! command loads the README's two dozen customers in a second and a
//! million customers with ten million orders in a sitting. Orders go
//! through the same rules as the API (`Order::new`, pricing at the day's
//! rate, the loyalty engine); returns and redemptions through the store's
//! own single-item functions.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone as _, Utc};
use clientele_kernel::random::SplitMix64;
use clientele_kernel::{Actor, Currency, CustomerId, Label, LineId, LongText, Phone, ShortText, TimeZone};
use clientele_orders::{
    CustomerRef, ExternalOrderId, FxRate, NewOrder, NewOrderLine, Order, OrderSource, PaymentMethod, ReturnLine,
    ReturnRequest, SalesChannel, Sku,
};
use clientele_profiles::{
    Associate, Birthday, Channel, Code, Consent, Consents, CountryCode, Customer, Email, Gender, ImportantDate,
    ImportantDateId, ImportantDateKind, Interaction, InteractionDetail, InteractionId, Location, NewAssociate,
    NewCustomer, NewStore, PersonName, Phones, Preferences, Profile, Relation, Relationship, Sizes, Store, StoreScope,
    Tag, TagKind, TagName, Tags,
};
use clientele_store::{AuditContext, BulkOrderOutcome, PgConnection};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use uuid::Uuid;

const STORES: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("SH-IFC", "Shanghai IFC Mall", "Shanghai", "CN", "Asia/Shanghai", "CNY"),
    ("BJ-SKP", "Beijing SKP", "Beijing", "CN", "Asia/Shanghai", "CNY"),
    ("CD-TKL", "Chengdu Taikoo Li", "Chengdu", "CN", "Asia/Shanghai", "CNY"),
    ("SZ-MXC", "Shenzhen MixC", "Shenzhen", "CN", "Asia/Shanghai", "CNY"),
    ("HZ-TWR", "Hangzhou Tower", "Hangzhou", "CN", "Asia/Shanghai", "CNY"),
    ("GZ-TKH", "Guangzhou Taikoo Hui", "Guangzhou", "CN", "Asia/Shanghai", "CNY"),
    ("NJ-DJP", "Nanjing Deji Plaza", "Nanjing", "CN", "Asia/Shanghai", "CNY"),
    ("MI-MNP", "Milano Montenapoleone", "Milan", "IT", "Europe/Rome", "EUR"),
    ("PA-SHN", "Paris Saint-Honoré", "Paris", "FR", "Europe/Paris", "EUR"),
];

/// Share of customers (in percent) whose home store this is, in STORES order.
const STORE_WEIGHTS: &[u64] = &[22, 20, 10, 12, 9, 11, 6, 5, 5];

const ASSOCIATES: &[&str] = &[
    "王芳",
    "李娜",
    "张伟",
    "刘洋",
    "陈静",
    "杨敏",
    "赵磊",
    "黄丽",
    "吴婷",
    "周杰",
    "徐颖",
    "孙浩",
    "马琳",
    "朱晨",
    "Giulia Bianchi",
    "Marco Conti",
    "Camille Dubois",
    "Julien Moreau",
];
const CN_SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "林"];
const CN_GIVEN: &[&str] =
    &["芳", "娜", "静", "敏", "丽", "婷", "雪", "颖", "琳", "晨", "欣怡", "梓涵", "诗琪", "子轩", "浩然", "雨桐"];
const IT_NAMES: &[&str] = &["Giulia Rossi", "Francesca Ferrari", "Chiara Romano", "Alessandro Greco", "Sofia Ricci"];
const FR_NAMES: &[&str] = &["Camille Martin", "Léa Bernard", "Chloé Petit", "Louis Durand", "Manon Leroy"];
const STYLES: &[&str] = &["minimalist", "classic", "avant-garde", "romantic", "streetwear"];
const COLOURS: &[&str] = &["black", "ivory", "camel", "burgundy", "navy", "emerald"];
const CATEGORIES: &[&str] = &["ready-to-wear", "leather goods", "jewelry", "beauty", "accessories"];
const HOBBIES: &[&str] = &["likes films", "gardening", "golf", "travel", "tea ceremony", "opera", "yoga"];
const TAGS: &[&str] = &["VIP", "bridal", "gift buyer", "collector", "new season early adopter"];

/// The catalogue: category, SKU prefix, share of lines (percent), price range in CNY, product names.
struct Category {
    name: &'static str,
    prefix: &'static str,
    share: u64,
    price: (u64, u64),
    products: &'static [&'static str],
}

const CATALOGUE: &[Category] = &[
    Category {
        name: "ready-to-wear",
        prefix: "RTW",
        share: 30,
        price: (3_800, 42_000),
        products: &["Cashmere Coat", "Silk Blouse", "Tweed Jacket", "Pleated Skirt", "Wool Trousers", "Knit Dress"],
    },
    Category {
        name: "leather goods",
        prefix: "LG",
        share: 25,
        price: (9_500, 68_000),
        products: &["Le Sac Tote", "Mini Bag", "Shoulder Bag", "Travel Duffle", "Wallet on Chain", "Card Holder"],
    },
    Category {
        name: "jewelry",
        prefix: "JW",
        share: 8,
        price: (6_800, 260_000),
        products: &["Gold Bracelet", "Diamond Ring", "Pearl Earrings", "Pendant Necklace", "Signet Ring"],
    },
    Category {
        name: "beauty",
        prefix: "BT",
        share: 20,
        price: (320, 2_600),
        products: &["Eau de Parfum", "Lipstick", "Face Cream", "Cushion Foundation", "Eye Palette"],
    },
    Category {
        name: "accessories",
        prefix: "AC",
        share: 17,
        price: (1_500, 12_000),
        products: &["Silk Scarf", "Sunglasses", "Leather Belt", "Cashmere Gloves", "Hair Clip", "Loafers"],
    },
];

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub customers: u32,
    pub seed: u64,
    /// Average orders per customer.
    pub orders_per_customer: u32,
    /// Show progress bars.
    pub progress: bool,
}

/// What was loaded.
#[derive(Debug)]
pub struct DemoSummary {
    pub stores: usize,
    pub associates: usize,
    pub customers: usize,
    pub orders: u64,
    pub returns: u64,
    pub redemptions: u64,
    pub skipped: bool,
    pub elapsed: std::time::Duration,
    /// How long the closing `ANALYZE` took.
    pub analyzed_in: std::time::Duration,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.skipped {
            write!(f, "demo data already present ({} stores); nothing loaded", self.stores)
        } else {
            write!(
                f,
                "demo data loaded: {} stores, {} associates, {} customers, {} orders, {} returns, {} redemptions in {:.1} s; statistics refreshed (ANALYZE) in {:.1} s",
                self.stores,
                self.associates,
                self.customers,
                self.orders,
                self.returns,
                self.redemptions,
                self.elapsed.as_secs_f64(),
                self.analyzed_in.as_secs_f64()
            )
        }
    }
}

fn text(s: &str) -> anyhow::Result<ShortText> {
    ShortText::parse(s).map_err(|e| anyhow::anyhow!("demo value {s:?}: {e}"))
}

fn label(s: &str) -> anyhow::Result<Label> {
    Label::parse(s).map_err(|e| anyhow::anyhow!("demo value {s:?}: {e}"))
}

/// Customers per transaction.
const CUSTOMERS_PER_BATCH: usize = 2_000;
/// Orders are generated for a chunk of customers and stored this many per transaction.
const ORDERS_PER_BATCH: usize = 5_000;
/// Per mille of orders with a return, and of members who redeem points.
const RETURNS_PER_MILLE: u64 = 8;
const REDEEMERS_PERCENT: u64 = 3;
/// How far back the order history goes.
const HISTORY_DAYS: i64 = 3 * 365;
/// Percent of members who lapse: they buy at their own pace until a day
/// drawn from their history (at least `LAPSE_AFTER_DAYS` after they start)
/// and never again, so recency, P(alive) and the At Risk, Hibernating and
/// Lost segments have something to find.
const LAPSED_PERCENT: u64 = 35;
const LAPSE_AFTER_DAYS: u64 = 60;

fn bar(show: bool, len: u64, what: &str) -> anyhow::Result<ProgressBar> {
    if !show {
        return Ok(ProgressBar::hidden());
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{what:>10} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} ({{per_sec}}, ETA {{eta}})"
        ))
        .map_err(|e| anyhow::anyhow!("progress template: {e}"))?,
    );
    Ok(bar)
}

/// Loads the demo data unless stores exist already.
pub fn load(conn: &mut PgConnection, options: &DemoOptions, now: DateTime<Utc>) -> anyhow::Result<DemoSummary> {
    let started = std::time::Instant::now();
    let existing = clientele_store::list_stores(conn)?;
    if !existing.is_empty() {
        return Ok(DemoSummary {
            stores: existing.len(),
            associates: 0,
            customers: 0,
            orders: 0,
            returns: 0,
            redemptions: 0,
            skipped: true,
            elapsed: started.elapsed(),
            analyzed_in: std::time::Duration::ZERO,
        });
    }
    let ctx = AuditContext { key_name: Some("demo".to_owned()), ..AuditContext::system(now) };
    let mut rng = SplitMix64::new(options.seed);
    let (stores, associates) = organisation(conn, &ctx)?;
    exchange_rates(conn, &ctx, now, &mut rng)?;

    let customers_bar = bar(options.progress, u64::from(options.customers), "customers")?;
    let orders_bar =
        bar(options.progress, u64::from(options.customers) * u64::from(options.orders_per_customer), "orders")?;
    let mut summary = DemoSummary {
        stores: stores.len(),
        associates: associates.len(),
        customers: 0,
        orders: 0,
        returns: 0,
        redemptions: 0,
        skipped: false,
        elapsed: std::time::Duration::ZERO,
        analyzed_in: std::time::Duration::ZERO,
    };
    let mut first_customer: Option<Customer> = None;
    let mut n: u32 = 0;
    while n < options.customers {
        let count = (options.customers - n).min(CUSTOMERS_PER_BATCH as u32);
        let mut batch = Vec::with_capacity(count as usize);
        for i in n..n + count {
            batch.push(new_customer(&mut rng, &stores, &associates, i, options.seed, now)?);
        }
        let created = clientele_store::create_customers_bulk(conn, batch, &ctx)?;
        customers_bar.inc(created.len() as u64);
        summary.customers += created.len();
        if first_customer.is_none() {
            first_customer = created.first().cloned();
        }
        if options.customers <= 1_000 {
            timeline(conn, &mut rng, &created, now, &ctx)?;
        }
        if options.orders_per_customer > 0 {
            orders_for(conn, &mut rng, options, &stores, &created, n, now, &ctx, &orders_bar, &mut summary)?;
        }
        n += count;
    }
    customers_bar.finish_and_clear();
    orders_bar.finish_and_clear();
    // One deliberate duplicate: the first customer registered again at another store.
    if let Some(first) = first_customer {
        let home = first.relationship.home_store;
        let other = stores.iter().map(|s| s.id).find(|s| Some(*s) != home);
        let duplicate = NewCustomer {
            profile: Profile {
                name: first.profile.name.clone(),
                phones: first.profile.phones.clone(),
                birthday: first.profile.birthday,
                ..Profile::default()
            },
            relationship: Relationship {
                home_store: other,
                associate: None,
                acquisition: None,
                joined_on: now.date_naive(),
            },
            tags: Tags::new(),
            consents: Consents::new(),
            external_ids: Default::default(),
        };
        clientele_store::create_customer(conn, duplicate, None, None, &StoreScope::All, &ctx)?;
        summary.customers += 1;
    }
    summary.analyzed_in = clientele_store::analyze(conn)?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn organisation(conn: &mut PgConnection, ctx: &AuditContext) -> anyhow::Result<(Vec<Store>, Vec<Associate>)> {
    let mut stores = Vec::new();
    for (code, name, city, country, tz, currency) in STORES {
        stores.push(clientele_store::create_store(
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
    let mut associates = Vec::new();
    for (i, name) in ASSOCIATES.iter().enumerate() {
        // Chinese names to Chinese stores, two per store; the others to Milan and Paris.
        let store = if i < 14 {
            chinese[i % chinese.len()]
        } else {
            &stores[chinese.len() + (i - 14) % (stores.len() - chinese.len())]
        };
        associates.push(clientele_store::create_associate(
            conn,
            NewAssociate {
                store: store.id,
                code: Code::parse(&format!("{}-{:03}", store.code.as_str(), i + 1)).map_err(anyhow::Error::msg)?,
                name: PersonName::parse(name).map_err(anyhow::Error::msg)?,
            },
            ctx,
        )?);
    }
    Ok((stores, associates))
}

/// EUR → CNY, one rate a month over the history (between 7.55 and 8.05).
fn exchange_rates(
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
    clientele_store::put_fx_rates(conn, &rates, ctx)?;
    Ok(())
}

fn new_customer(
    rng: &mut SplitMix64,
    stores: &[Store],
    associates: &[Associate],
    n: u32,
    seed: u64,
    now: DateTime<Utc>,
) -> anyhow::Result<NewCustomer> {
    let today = now.date_naive();
    let mut roll = rng.below(100);
    let mut store = &stores[0];
    for (s, w) in stores.iter().zip(STORE_WEIGHTS) {
        if roll < *w {
            store = s;
            break;
        }
        roll -= w;
    }
    let store_associates: Vec<&Associate> = associates.iter().filter(|a| a.store == store.id).collect();
    let (name, phone, gender) = match store.country.as_str() {
        // Unique by construction: the customer's number is part of the phone number.
        "IT" => (rng.pick(IT_NAMES).to_string(), format!("+39 347 {:07}", n % 10_000_000), Gender::Female),
        "FR" => (rng.pick(FR_NAMES).to_string(), format!("+33 6 {:08}", n % 100_000_000), Gender::Female),
        _ => (
            format!("{}{}", rng.pick(CN_SURNAMES), rng.pick(CN_GIVEN)),
            format!("1{}{}{:08}", 3 + rng.below(7), rng.below(10), n % 100_000_000),
            if rng.chance(80) { Gender::Female } else { Gender::Male },
        ),
    };
    let birthday_date =
        NaiveDate::from_ymd_opt(1965 + rng.below(40) as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
            .ok_or_else(|| anyhow::anyhow!("bad demo birthday"))?;
    let joined_on = today - Duration::days(30 + rng.below(HISTORY_DAYS as u64 + 600) as i64);
    let mut preferences = Preferences::default();
    preferences.styles.insert(label(rng.pick(STYLES))?);
    preferences.colours.insert(label(rng.pick(COLOURS))?);
    preferences.categories.insert(label(rng.pick(CATEGORIES))?);
    preferences.hobbies.insert(label(rng.pick(HOBBIES))?);
    let mut important_dates = Vec::new();
    if rng.chance(40) {
        important_dates.push(ImportantDate {
            id: ImportantDateId::from_uuid(Uuid::now_v7()),
            kind: ImportantDateKind::Anniversary,
            relation: Relation::Spouse,
            label: Some(text("wedding anniversary")?),
            date: NaiveDate::from_ymd_opt(
                2005 + rng.below(18) as i32,
                1 + rng.below(12) as u32,
                1 + rng.below(28) as u32,
            )
            .ok_or_else(|| anyhow::anyhow!("bad demo date"))?,
            recurring: true,
        });
    }
    let mut tags = Tags::new();
    if rng.chance(35) {
        tags.insert(Tag {
            name: TagName::parse(rng.pick(TAGS)).map_err(anyhow::Error::msg)?,
            kind: TagKind::System,
            set_by: Actor::system(),
            set_at: now,
        });
    }
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
    let email = if rng.chance(60) {
        Some(Email::parse(&format!("client{n}.{seed}@example.com")).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
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
            sizes: Sizes { clothing: Some(label(&format!("IT {}", 36 + 2 * rng.below(6)))?), shoe: None, ring: None },
            important_dates,
        },
        relationship: Relationship {
            home_store: Some(store.id),
            associate: store_associates.get(rng.below(store_associates.len() as u64) as usize).map(|a| a.id),
            acquisition: None,
            joined_on,
        },
        tags,
        consents,
        external_ids: Default::default(),
    })
}

/// A visit on the timeline of about half of the customers (small runs only).
fn timeline(
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
        clientele_store::record_interaction(conn, customer.id, &StoreScope::All, interaction, ctx)?;
    }
    Ok(())
}

/// How busy a day is, in percent of an ordinary day: Golden Week and
/// 11.11, December gifting, the weeks before Chinese New Year (late
/// January – early February), 618 and the summer sales.
fn seasonality(date: NaiveDate) -> u64 {
    match (date.month(), date.day()) {
        (11, 11) => 400,
        (11, _) => 170,
        (12, 20..=31) => 260,
        (12, _) => 190,
        (1, 10..=31) | (2, 1..=10) => 210,
        (6, 18) => 250,
        (6, _) | (7, _) => 140,
        (10, 1..=7) => 180,
        (2, _) | (3, _) => 70,
        _ => 100,
    }
}

/// The summer and winter sales: more and deeper discounts.
fn on_sale(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (7, _) | (1, 1..=20) | (6, 15..=30))
}

fn collection_of(date: NaiveDate) -> String {
    let yy = date.year() % 100;
    if (2..=7).contains(&date.month()) {
        format!("SS{yy:02}")
    } else if date.month() == 1 {
        format!("AW{:02}", yy - 1)
    } else {
        format!("AW{yy:02}")
    }
}

fn money(cny: u64, eur: bool) -> Decimal {
    // Luxury prices end in 00 (CNY) or 0 (EUR).
    if eur { Decimal::from((cny * 10 / 78).max(10) / 10 * 10) } else { Decimal::from((cny / 100).max(1) * 100) }
}

/// Orders of a chunk of new customers: a few per customer on average, over
/// their history since joining, with seasonality; then some returns and
/// redemptions.
#[allow(clippy::too_many_arguments)]
fn orders_for(
    conn: &mut PgConnection,
    rng: &mut SplitMix64,
    options: &DemoOptions,
    stores: &[Store],
    created: &[Customer],
    first_index: u32,
    now: DateTime<Utc>,
    ctx: &AuditContext,
    bar: &ProgressBar,
    summary: &mut DemoSummary,
) -> anyhow::Result<()> {
    let today = now.date_naive();
    let mut batch: Vec<Order> = Vec::with_capacity(ORDERS_PER_BATCH);
    let mut returns: Vec<(Uuid, Order)> = Vec::new();
    let mut redeemers: Vec<CustomerId> = Vec::new();
    let pos = OrderSource::parse("pos").map_err(anyhow::Error::msg)?;
    let eshop = OrderSource::parse("eshop").map_err(anyhow::Error::msg)?;
    for (offset, customer) in created.iter().enumerate() {
        let index = u64::from(first_index) + offset as u64;
        let mean = u64::from(options.orders_per_customer);
        let count = rng.below(2 * mean + 1);
        let since = customer.relationship.joined_on.max(today - Duration::days(HISTORY_DAYS));
        let span = (today - since).num_days().max(1) as u64;
        let active = if span > LAPSE_AFTER_DAYS && rng.chance(LAPSED_PERCENT) {
            LAPSE_AFTER_DAYS + rng.below(span - LAPSE_AFTER_DAYS)
        } else {
            span
        };
        let home =
            customer.relationship.home_store.and_then(|h| stores.iter().find(|s| s.id == h)).unwrap_or(&stores[0]);
        for k in 0..count {
            // Rejection sampling of the day by seasonality.
            let mut date = since;
            for _ in 0..8 {
                date = since + Duration::days(rng.below(active) as i64);
                if rng.below(400) < seasonality(date) {
                    break;
                }
            }
            let store = if rng.chance(85) { home } else { &stores[rng.below(stores.len() as u64) as usize] };
            let eur = store.currency.as_str() == "EUR";
            let hour = 10 + rng.below(11) as u32;
            let local = date
                .and_hms_opt(hour, rng.below(60) as u32, rng.below(60) as u32)
                .ok_or_else(|| anyhow::anyhow!("time"))?;
            let offset_hours = if eur { 1 } else { 8 };
            let ordered_at = Utc.from_utc_datetime(&(local - Duration::hours(offset_hours)));
            if ordered_at > now {
                continue;
            }
            let channel = match rng.below(100) {
                0..=74 => SalesChannel::Store,
                75..=86 => SalesChannel::Wechat,
                87..=96 => SalesChannel::Eshop,
                _ => SalesChannel::Remote,
            };
            let sale = on_sale(date);
            let mut lines = Vec::new();
            let line_count = match rng.below(100) {
                0..=64 => 1,
                65..=89 => 2,
                _ => 3,
            };
            for l in 0..line_count {
                let mut roll = rng.below(100);
                let mut category = &CATALOGUE[0];
                for c in CATALOGUE {
                    if roll < c.share {
                        category = c;
                        break;
                    }
                    roll -= c.share;
                }
                let product = rng.below(category.products.len() as u64) as usize;
                let variant = rng.below(8);
                let unit_price = money(rng.between(category.price.0, category.price.1), eur);
                let quantity: u32 = if category.name == "beauty" { 1 + rng.below(3) as u32 } else { 1 };
                let gross = unit_price * Decimal::from(quantity);
                let discount = if sale && rng.chance(60) || rng.chance(5) {
                    (gross * Decimal::new(10 + 10 * rng.below(3) as i64, 2)).round_dp(0)
                } else {
                    Decimal::ZERO
                };
                lines.push(NewOrderLine {
                    line_id: LineId::parse(&(l + 1).to_string()).map_err(anyhow::Error::msg)?,
                    sku: Sku::parse(&format!("{}-{:02}{}", category.prefix, product, variant))
                        .map_err(anyhow::Error::msg)?,
                    name: Some(text(category.products[product])?),
                    category: Some(label(category.name)?),
                    collection: Some(label(&collection_of(date))?),
                    quantity,
                    unit_price,
                    discount,
                });
            }
            let net: Decimal = lines.iter().filter_map(NewOrderLine::net).sum();
            // Now and then a coupon takes 5% off what is paid.
            let amount_paid = if rng.chance(4) { (net * Decimal::new(95, 2)).round_dp(2) } else { net };
            let payment_method = if eur {
                PaymentMethod::Card
            } else {
                *[PaymentMethod::WechatPay, PaymentMethod::Alipay, PaymentMethod::UnionPay, PaymentMethod::Card]
                    .get(rng.below(4) as usize)
                    .unwrap_or(&PaymentMethod::Card)
            };
            // A few walk-ins pay without giving their membership.
            let who = if rng.chance(3) { CustomerRef::Anonymous } else { CustomerRef::Id(customer.id) };
            let new = NewOrder {
                source: if channel == SalesChannel::Eshop { eshop.clone() } else { pos.clone() },
                external_id: ExternalOrderId::parse(&format!("D{}-{index}-{k}", options.seed))
                    .map_err(anyhow::Error::msg)?,
                store: (channel != SalesChannel::Eshop).then_some(store.id),
                channel,
                customer: who,
                ordered_at,
                currency: store.currency.clone(),
                lines,
                amount_paid,
                payment_method,
                coupons: Vec::new(),
                points_redeemed: 0,
            };
            let order = Order::new(new).map_err(|e| anyhow::anyhow!("demo order is invalid: {e:?}"))?;
            batch.push(order);
            if batch.len() >= ORDERS_PER_BATCH {
                store_orders(conn, rng, std::mem::take(&mut batch), ctx, bar, summary, &mut returns)?;
            }
        }
        if count > 0 && rng.below(100) < REDEEMERS_PERCENT {
            redeemers.push(customer.id);
        }
    }
    store_orders(conn, rng, batch, ctx, bar, summary, &mut returns)?;
    for (order_id, order) in returns {
        let Some(line) = order.lines().first() else { continue };
        let request = ReturnRequest {
            source: order.source().clone(),
            external_id: ExternalOrderId::parse(&format!("RET-{}", order.external_id())).map_err(anyhow::Error::msg)?,
            returned_at: (order.ordered_at() + Duration::days(1 + rng.below(14) as i64)).min(now),
            lines: vec![ReturnLine { line_id: line.line_id.clone(), quantity: 1 }],
        };
        crate::orders::record_return(conn, order_id, request, &StoreScope::All, ctx)?;
        summary.returns += 1;
    }
    for customer in redeemers {
        let balance = clientele_store::loyalty_summary(conn, customer, &StoreScope::All, now.date_naive())?.available;
        if balance < 1_000 {
            continue;
        }
        let points = clientele_loyalty::Points::new((balance / 2 / 100 * 100).max(100)).map_err(anyhow::Error::msg)?;
        let new = clientele_store::NewRedemption {
            customer,
            points,
            reason: clientele_loyalty::Reason::parse("demo: gift wrapping and a private styling session")
                .map_err(anyhow::Error::msg)?,
            hold_until: now + Duration::minutes(15),
            source: None,
            external_id: None,
        };
        let (reserved, _) = crate::loyalty::reserve(conn, new, &StoreScope::All, ctx)?;
        crate::loyalty::settle(
            conn,
            reserved.reservation.id().as_str(),
            clientele_store::RedemptionStep::Confirm,
            &StoreScope::All,
            ctx,
        )?;
        summary.redemptions += 1;
    }
    Ok(())
}

fn store_orders(
    conn: &mut PgConnection,
    rng: &mut SplitMix64,
    batch: Vec<Order>,
    ctx: &AuditContext,
    bar: &ProgressBar,
    summary: &mut DemoSummary,
    returns: &mut Vec<(Uuid, Order)>,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    // Only the orders picked for a return are kept.
    let kept: Vec<Option<Order>> =
        batch.iter().map(|o| (rng.below(1000) < RETURNS_PER_MILLE).then(|| o.clone())).collect();
    let report = clientele_store::ingest_orders_bulk(conn, batch, &StoreScope::All, ctx)?;
    for (outcome, order) in report.outcomes.into_iter().zip(kept) {
        match outcome {
            BulkOrderOutcome::Imported { order_id, .. } => {
                summary.orders += 1;
                if let Some(order) = order {
                    returns.push((order_id, order));
                }
            }
            BulkOrderOutcome::AlreadyPresent => {}
            BulkOrderOutcome::Refused(e) => anyhow::bail!("a demo order was refused: {e}"),
        }
    }
    bar.set_position(summary.orders);
    Ok(())
}

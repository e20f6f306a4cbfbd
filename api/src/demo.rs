//! Demo data: a few stores in Chinese cities plus Milan and Paris, their
//! associates, and deterministic customers (same seed, same people) with
//! profiles, consents, tags, a timeline, and one deliberate duplicate.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use clientele_profiles::{
    Actor, Birthday, Channel, Code, Consent, Consents, CountryCode, Currency, Email, Gender, ImportantDate,
    ImportantDateId, ImportantDateKind, Interaction, InteractionDetail, InteractionId, Label, Location, LongText,
    NewAssociate, NewCustomer, NewStore, PersonName, Phone, Phones, Preferences, Profile, Relation, Relationship,
    ShortText, Sizes, StoreId, StoreScope, Tag, TagKind, TagName, Tags, TimeZone,
};
use clientele_store::{AuditContext, Created, PgConnection};
use uuid::Uuid;

/// splitmix64: small, fast, and the same everywhere.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const STORES: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("SH-IFC", "Shanghai IFC Mall", "Shanghai", "CN", "Asia/Shanghai", "CNY"),
    ("BJ-SKP", "Beijing SKP", "Beijing", "CN", "Asia/Shanghai", "CNY"),
    ("CD-TKL", "Chengdu Taikoo Li", "Chengdu", "CN", "Asia/Shanghai", "CNY"),
    ("SZ-MXC", "Shenzhen MixC", "Shenzhen", "CN", "Asia/Shanghai", "CNY"),
    ("MI-MNP", "Milano Montenapoleone", "Milan", "IT", "Europe/Rome", "EUR"),
    ("PA-SHN", "Paris Saint-Honoré", "Paris", "FR", "Europe/Paris", "EUR"),
];

const ASSOCIATES: &[&str] = &[
    "王芳",
    "李娜",
    "张伟",
    "刘洋",
    "陈静",
    "杨敏",
    "赵磊",
    "黄丽",
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

/// What was loaded.
#[derive(Debug)]
pub struct DemoSummary {
    pub stores: usize,
    pub associates: usize,
    pub customers: usize,
    pub skipped: bool,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.skipped {
            write!(f, "demo data already present ({} stores); nothing loaded", self.stores)
        } else {
            write!(
                f,
                "demo data loaded: {} stores, {} associates, {} customers",
                self.stores, self.associates, self.customers
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

/// Loads the demo data unless stores exist already.
pub fn load(conn: &mut PgConnection, customers: u32, seed: u64, now: DateTime<Utc>) -> anyhow::Result<DemoSummary> {
    let existing = clientele_store::list_stores(conn)?;
    if !existing.is_empty() {
        return Ok(DemoSummary { stores: existing.len(), associates: 0, customers: 0, skipped: true });
    }
    let ctx = AuditContext::system(now);
    let mut rng = Rng(seed);
    let mut stores = Vec::new();
    for (code, name, city, country, tz, currency) in STORES {
        let store = clientele_store::create_store(
            conn,
            NewStore {
                code: Code::parse(code).map_err(anyhow::Error::msg)?,
                name: text(name)?,
                city: Some(text(city)?),
                country: CountryCode::parse(country).map_err(anyhow::Error::msg)?,
                time_zone: TimeZone::parse(tz).map_err(anyhow::Error::msg)?,
                currency: Currency::parse(currency).map_err(anyhow::Error::msg)?,
            },
            &ctx,
        )?;
        stores.push(store);
    }
    let mut associates = Vec::new();
    for (i, name) in ASSOCIATES.iter().enumerate() {
        let store = &stores[i % stores.len()];
        let associate = clientele_store::create_associate(
            conn,
            NewAssociate {
                store: store.id,
                code: Code::parse(&format!("{}-{:03}", store.code.as_str(), i + 1)).map_err(anyhow::Error::msg)?,
                name: PersonName::parse(name).map_err(anyhow::Error::msg)?,
            },
            &ctx,
        )?;
        associates.push(associate);
    }
    let actor = Actor::system();
    let today = now.date_naive();
    let mut created = Vec::new();
    for n in 0..customers {
        let store = stores[rng.below(stores.len() as u64) as usize].clone();
        let store_associates: Vec<_> = associates.iter().filter(|a| a.store == store.id).collect();
        let country = store.country.as_str().to_owned();
        let (name, phone, gender) = match country.as_str() {
            "IT" => (rng.pick(IT_NAMES).to_string(), format!("+39 347 {:07}", rng.below(10_000_000)), Gender::Female),
            "FR" => (rng.pick(FR_NAMES).to_string(), format!("+33 6 {:08}", rng.below(100_000_000)), Gender::Female),
            _ => (
                format!("{}{}", rng.pick(CN_SURNAMES), rng.pick(CN_GIVEN)),
                format!("1{}{:09}", 3 + rng.below(7), rng.below(1_000_000_000)),
                if rng.chance(80) { Gender::Female } else { Gender::Male },
            ),
        };
        let birthday_date =
            NaiveDate::from_ymd_opt(1965 + rng.below(40) as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
                .ok_or_else(|| anyhow::anyhow!("bad demo birthday"))?;
        let joined_on = today - Duration::days(30 + rng.below(2000) as i64);
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
                set_by: actor.clone(),
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
            Some(Email::parse(&format!("client{n}.{}@example.com", seed)).map_err(anyhow::Error::msg)?)
        } else {
            None
        };
        let new = NewCustomer {
            profile: Profile {
                name: Some(PersonName::parse(&name).map_err(anyhow::Error::msg)?),
                phones: Phones::new(vec![Phone::parse(&phone).map_err(anyhow::Error::msg)?])
                    .map_err(anyhow::Error::msg)?,
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
                sizes: Sizes {
                    clothing: Some(label(&format!("IT {}", 36 + 2 * rng.below(6)))?),
                    shoe: None,
                    ring: None,
                },
                important_dates,
            },
            relationship: Relationship {
                home_store: Some(store.id),
                associate: store_associates.first().map(|a| a.id),
                acquisition: None,
                joined_on,
            },
            tags,
            consents,
            external_ids: Default::default(),
        };
        let customer = match clientele_store::create_customer(conn, new, None, None, &ctx)? {
            Created::New(c) | Created::Replayed(c) => c,
        };
        if rng.chance(50) {
            let interaction = Interaction {
                id: InteractionId::from_uuid(Uuid::now_v7()),
                at: now - Duration::days(rng.below(60) as i64),
                store: Some(store.id),
                associate: customer.relationship.associate,
                note: Some(
                    LongText::parse(&format!(
                        "Visited; asked about the {} collection.",
                        if today.month() < 7 { "spring-summer" } else { "autumn-winter" }
                    ))
                    .map_err(anyhow::Error::msg)?,
                ),
                detail: InteractionDetail::Visit,
                recorded_by: actor.clone(),
            };
            clientele_store::record_interaction(conn, customer.id, &StoreScope::All, interaction, &ctx)?;
        }
        created.push((customer, store.id));
    }
    // One deliberate duplicate: the first customer registered again at another store.
    if let Some((first, home)) = created.first() {
        let other: Option<StoreId> = stores.iter().map(|s| s.id).find(|s| s != home);
        let duplicate = NewCustomer {
            profile: Profile {
                name: first.profile.name.clone(),
                phones: first.profile.phones.clone(),
                birthday: first.profile.birthday,
                ..Profile::default()
            },
            relationship: Relationship { home_store: other, associate: None, acquisition: None, joined_on: today },
            tags: Tags::new(),
            consents: Consents::new(),
            external_ids: Default::default(),
        };
        clientele_store::create_customer(conn, duplicate, None, None, &ctx)?;
    }
    Ok(DemoSummary {
        stores: stores.len(),
        associates: associates.len(),
        customers: created.len() + usize::from(!created.is_empty()),
        skipped: false,
    })
}

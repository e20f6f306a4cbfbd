//! `clientele import customers FILE.csv`: the members of the previous
//! system (docs/import.md), keyed by their member number, which they keep
//! (the POS goes on finding them by it). A member number already taken is
//! *already present* — a re-run after a kill at any point creates only
//! what is missing. Written in batches of 1,000 with a few multi-row
//! statements each and one audit entry per batch; no webhook per member
//! (history must not send one). A number in Clientele's own format moves
//! the sequence past it, so no new member ever gets it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clientele_kernel::{Actor, MemberNo, Phone, ShortText, StoreId};
use clientele_profiles::{
    Acquisition, AcquisitionChannel, AssociateId, Birthday, Channel, Consent, Consents, Email, Gender, NewCustomer,
    PersonName, Phones, Profile, Relationship, Tag, TagKind, TagName, Tags,
};
use clientele_store::{AuditContext, PgConnection};
use csv::StringRecord;

use super::{Counts, GoLiveOptions, Header, Outcome, Refusal, each_row, optional};

/// The columns read.
pub const COLUMNS: &[&str] = &[
    "member_no",
    "name",
    "phones",
    "email",
    "gender",
    "birthday",
    "home_store_code",
    "associate_code",
    "joined_on",
    "acquisition_channel",
    "consent_sms",
    "consent_email",
    "consent_wechat",
    "consent_phone",
    "consent_at",
    "consent_source",
    "tags",
];

/// Customers written per transaction.
const BATCH: usize = 1_000;

/// The stores and associates rows name, by code.
struct References {
    stores: HashMap<String, StoreId>,
    associates: HashMap<String, AssociateId>,
}

fn refusal(reason: &'static str, column: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::new(reason, Some(column), message)
}

fn date(value: &str, column: &'static str, reason: &'static str) -> Result<Option<NaiveDate>, Refusal> {
    optional(value, (column, reason), |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "must be YYYY-MM-DD"))
}

/// The consents of a row: each channel's column `yes`/`no` (or
/// `granted`/`withdrawn`, `true`/`false`, `1`/`0`), at `consent_at`
/// (default: the day joined) from `consent_source` (default `import`).
fn consents(header: &Header, row: &StringRecord, joined_on: NaiveDate) -> Result<Consents, Refusal> {
    let get = |c| header.get(row, c);
    let at = match get("consent_at") {
        "" => joined_on.and_time(NaiveTime::MIN).and_utc(),
        s => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN).and_utc()))
            .map_err(|_| refusal("consent_at_invalid", "consent_at", "must be an RFC 3339 time or YYYY-MM-DD"))?,
    };
    let source = match get("consent_source") {
        "" => "import",
        s => s,
    };
    let source =
        ShortText::parse(source).map_err(|e| refusal("consent_source_invalid", "consent_source", e.message))?;
    let mut all = Consents::new();
    for (column, channel) in [
        ("consent_sms", Channel::Sms),
        ("consent_email", Channel::Email),
        ("consent_wechat", Channel::Wechat),
        ("consent_phone", Channel::Phone),
    ] {
        let granted = match get(column).to_ascii_lowercase().as_str() {
            "" => continue,
            "yes" | "granted" | "true" | "1" | "y" => true,
            "no" | "withdrawn" | "false" | "0" | "n" => false,
            _ => return Err(refusal("consent_invalid", column, "must be yes or no (granted, withdrawn), or blank")),
        };
        all.record(Consent { channel, granted, at, source: source.clone() });
    }
    Ok(all)
}

/// One row read as a member to create, with their number.
fn read(
    header: &Header,
    row: &StringRecord,
    refs: &References,
    ctx: &AuditContext,
) -> Result<(NewCustomer, MemberNo), Refusal> {
    let get = |c| header.get(row, c);
    let today = ctx.at.date_naive();
    let member_no = optional(get("member_no"), ("member_no", "member_no_invalid"), MemberNo::parse)?
        .ok_or_else(|| refusal("member_no_missing", "member_no", "every member keeps their number: it is the key"))?;
    let name = optional(get("name"), ("name", "name_invalid"), PersonName::parse)?;
    let mut phones = Vec::new();
    for p in get("phones").split(';').map(str::trim).filter(|p| !p.is_empty()) {
        phones.push(Phone::parse(p).map_err(|e| refusal("phone_invalid", "phones", format!("{p}: {}", e.message)))?);
    }
    let phones = Phones::new(phones).map_err(|e| refusal("phone_invalid", "phones", e.message))?;
    let email = optional(get("email"), ("email", "email_invalid"), Email::parse)?;
    let gender = optional(get("gender"), ("gender", "gender_invalid"), |s| s.to_ascii_lowercase().parse::<Gender>())?;
    let birthday = match date(get("birthday"), "birthday", "birthday_invalid")? {
        Some(d) => Some(Birthday::parse(d, today).map_err(|e| refusal("birthday_invalid", "birthday", e.message))?),
        None => None,
    };
    let home_store = match get("home_store_code") {
        "" => None,
        s => Some(*refs.stores.get(s).ok_or_else(|| {
            refusal("store_unknown", "home_store_code", format!("no store {s}: import the stores first"))
        })?),
    };
    let associate = match get("associate_code") {
        "" => None,
        s => Some(*refs.associates.get(&s.to_ascii_uppercase()).ok_or_else(|| {
            refusal("associate_unknown", "associate_code", format!("no associate {s}: import the associates first"))
        })?),
    };
    let joined_on = date(get("joined_on"), "joined_on", "joined_on_invalid")?.ok_or_else(|| {
        refusal("joined_on_missing", "joined_on", "the day they joined: the previous system's, never the import's")
    })?;
    if joined_on > today {
        return Err(refusal("joined_on_invalid", "joined_on", "a member cannot join in the future"));
    }
    let acquisition = match optional(get("acquisition_channel"), ("acquisition_channel", "acquisition_invalid"), |s| {
        s.to_ascii_lowercase().parse::<AcquisitionChannel>()
    })? {
        Some(channel) => Some(
            Acquisition::new(channel, None, None)
                .map_err(|_| refusal("acquisition_invalid", "acquisition_channel", "not an acquisition"))?,
        ),
        None => None,
    };
    let actor = Actor::system();
    let mut tags = Vec::new();
    for t in get("tags").split(';').map(str::trim).filter(|t| !t.is_empty()) {
        let name = TagName::parse(t).map_err(|e| refusal("tag_invalid", "tags", format!("{t}: {}", e.message)))?;
        tags.push(Tag { name, kind: TagKind::System, set_by: actor.clone(), set_at: ctx.at });
    }
    let profile = Profile { name, phones, email, gender, birthday, ..Profile::default() };
    let new = NewCustomer {
        profile,
        relationship: Relationship { home_store, associate, acquisition, joined_on },
        tags: tags.into_iter().collect::<Tags>(),
        consents: consents(header, row, joined_on)?,
        external_ids: Default::default(),
    };
    Ok((new, member_no))
}

/// Imports (or with `check`, validates) the members of a CSV file (see the
/// [module documentation](self)).
pub fn import_customers(
    conn: &mut PgConnection,
    input: impl std::io::Read,
    options: &GoLiveOptions,
    ctx: &AuditContext,
) -> anyhow::Result<Counts> {
    let started = std::time::Instant::now();
    let refs = References {
        stores: clientele_store::list_stores(conn)?.into_iter().map(|s| (s.code.as_str().to_owned(), s.id)).collect(),
        associates: clientele_store::list_associates(conn, None)?
            .into_iter()
            .map(|a| (a.code.as_str().to_ascii_uppercase(), a.id))
            .collect(),
    };
    let mut taken: HashSet<String> = clientele_store::bulk::all_member_numbers(conn)?;
    let mut pending: Vec<(NewCustomer, Option<MemberNo>)> = Vec::with_capacity(BATCH);
    let mut counts = each_row(input, COLUMNS, options, |header, row| {
        let (new, member_no) = match read(header, row, &refs, ctx) {
            Ok(r) => r,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if !taken.insert(member_no.as_str().to_owned()) {
            return Ok(Ok(Outcome::Present));
        }
        if !options.check {
            pending.push((new, Some(member_no)));
            if pending.len() >= BATCH {
                crate::bulk::create_customers_numbered(conn, std::mem::take(&mut pending), ctx)?;
            }
        }
        Ok(Ok(Outcome::Created))
    })?;
    if !pending.is_empty() {
        crate::bulk::create_customers_numbered(conn, pending, ctx)?;
    }
    counts.seconds = started.elapsed().as_secs_f64();
    Ok(counts)
}

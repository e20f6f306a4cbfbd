//! An audience rule compiled to one SQL query over live customers.
//!
//! Every leaf becomes a predicate that is never NULL (`coalesce(…, false)`),
//! so `NOT` means what the pure evaluator's `!` means: a customer with no
//! snapshot is not "in At Risk", and is "not in At Risk". Text, dates and
//! lists are bind parameters; only numbers the rule's types have checked
//! (scores, days, points, decimals) are written into the text.
//!
//! The facts an evaluation sees, per customer: the latest segment snapshot
//! and the one before it (`segment_runs`), the account's tier (S1 without
//! an account) and points balance, tags, granted consents, the profile's
//! birthday, gender, home store and associate, important dates, lines kept
//! (quantity above what was returned) of orders up to today, the last
//! order's business date up to today, and the points left on lots with an
//! expiry date — exactly what [`super::audience_facts`] loads.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use clientele_campaigns::Reach;
use clientele_campaigns::audience::{Audience, Bounds, Dimension, Product, Rule, Season};
use clientele_profiles::{AgeBand, Channel, ImportantDateKind, StoreScope};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::batch::{Val, bind};
use crate::error::StoreError;

/// The query's bind values, and which joins its predicates need.
#[derive(Default)]
struct Sql {
    vals: Vec<Val>,
    /// The loyalty account (`a`).
    account: bool,
    /// The latest snapshot (`s`).
    latest: bool,
    /// The snapshot before it (`p`).
    previous: bool,
}

impl Sql {
    /// A placeholder for `v`.
    fn bind(&mut self, v: impl Into<Val>) -> String {
        self.vals.push(v.into());
        format!("${}", self.vals.len())
    }

    fn texts(&mut self, items: impl IntoIterator<Item = String>) -> String {
        let list: Vec<String> = items.into_iter().collect();
        format!("{}::text[]", self.bind(Val::TextArray(list)))
    }
}

const ACCOUNT: &str = " LEFT JOIN loyalty_accounts a ON a.customer_id = c.customer_id";
const LATEST: &str = " LEFT JOIN segment_snapshots s ON s.customer_id = c.customer_id \
    AND s.as_of = (SELECT max(as_of) FROM segment_runs)";
const PREVIOUS: &str = " LEFT JOIN segment_snapshots p ON p.customer_id = c.customer_id \
    AND p.as_of = (SELECT max(as_of) FROM segment_runs WHERE as_of < (SELECT max(as_of) FROM segment_runs))";

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The query of the customers of `scope` the audience takes on `today`.
fn query(audience: &Audience, today: NaiveDate, scope: &StoreScope, select: &str) -> (String, Vec<Val>) {
    query_with(Sql::default(), audience, today, scope, select)
}

/// [`query`] after the binds `select` already uses.
fn query_with(
    mut sql: Sql,
    audience: &Audience,
    today: NaiveDate,
    scope: &StoreScope,
    select: &str,
) -> (String, Vec<Val>) {
    let predicate = compile(audience.rule(), today, &mut sql);
    let scope = match scope {
        StoreScope::All => String::new(),
        StoreScope::Stores(stores) => {
            let ids = sql.texts(stores.iter().map(|s| s.as_uuid().to_string()));
            format!(" AND c.home_store_id = ANY({ids}::uuid[])")
        }
    };
    // Only the joins the rule needs: a broad audience of a million
    // customers need not read two snapshots.
    let joins: String = [(sql.account, ACCOUNT), (sql.latest, LATEST), (sql.previous, PREVIOUS)]
        .iter()
        .filter(|(used, _)| *used)
        .map(|(_, join)| *join)
        .collect();
    let from = format!("FROM customers c{joins} WHERE c.merged_into IS NULL AND c.erased_at IS NULL");
    (format!("SELECT {select} {from}{scope} AND ({predicate})"), sql.vals)
}

fn run(text: String, vals: Vec<Val>) -> crate::batch::Query {
    vals.into_iter().fold(diesel::sql_query(text).into_boxed(), bind)
}

/// The customers the rule selects on `today`, within the scope, by id.
pub fn select_audience(
    conn: &mut PgConnection,
    audience: &Audience,
    today: NaiveDate,
    scope: &StoreScope,
) -> Result<Vec<Uuid>, StoreError> {
    select_among(conn, audience, today, scope, None)
}

/// [`select_audience`] among these customers only (the tier-upgrade
/// trigger's: those whose tier went up).
pub fn select_audience_among(
    conn: &mut PgConnection,
    audience: &Audience,
    today: NaiveDate,
    scope: &StoreScope,
    among: &[Uuid],
) -> Result<Vec<Uuid>, StoreError> {
    select_among(conn, audience, today, scope, Some(among))
}

fn select_among(
    conn: &mut PgConnection,
    audience: &Audience,
    today: NaiveDate,
    scope: &StoreScope,
    among: Option<&[Uuid]>,
) -> Result<Vec<Uuid>, StoreError> {
    let mut sql = Sql::default();
    let among = among.map(|ids| sql.texts(ids.iter().map(Uuid::to_string)));
    let (mut text, vals) = query_with(sql, audience, today, scope, "c.customer_id");
    if let Some(ids) = among {
        text.push_str(&format!(" AND c.customer_id = ANY({ids}::uuid[])"));
    }
    // Each join is on a unique key: one row per customer.
    Ok(run(format!("{text} ORDER BY c.customer_id"), vals)
        .load::<Id>(conn)?
        .into_iter()
        .map(|r| r.customer_id)
        .collect())
}

#[derive(QueryableByName)]
struct MemberRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Text)]
    member_no: String,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

/// One customer of an audience, as a list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceMember {
    pub customer: Uuid,
    pub member_no: String,
    pub name: Option<String>,
}

/// A page of the audience: its customers after `after` (by id), at most
/// `limit`, in id order.
pub fn audience_page(
    conn: &mut PgConnection,
    audience: &Audience,
    today: NaiveDate,
    scope: &StoreScope,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<AudienceMember>, StoreError> {
    let mut sql = Sql::default();
    let after = sql.bind(after.unwrap_or(Uuid::nil()));
    let (text, vals) = query_with(sql, audience, today, scope, "c.customer_id, c.member_no, c.name");
    Ok(run(format!("{text} AND c.customer_id > {after} ORDER BY c.customer_id LIMIT {}", limit.max(0)), vals)
        .load::<MemberRow>(conn)?
        .into_iter()
        .map(|r| AudienceMember { customer: r.customer_id, member_no: r.member_no, name: r.name })
        .collect())
}

/// How many customers of `scope` are in the audience on `today`.
pub fn count_audience(
    conn: &mut PgConnection,
    audience: &Audience,
    today: NaiveDate,
    scope: &StoreScope,
) -> Result<u64, StoreError> {
    let (text, vals) = query(audience, today, scope, "count(*) AS n");
    let n = run(text, vals).get_result::<Count>(conn)?.n;
    Ok(u64::try_from(n).unwrap_or(0))
}

#[derive(QueryableByName)]
struct ReachRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Bool)]
    consented: bool,
    #[diesel(sql_type = BigInt)]
    recent: i64,
}

/// The customers of `scope` in the audience on `today`, each with whether
/// they consented to marketing on `channel` and how many campaign messages
/// they were sent on it after `since` (the frequency cap's window): what a
/// dry run counts.
pub fn audience_reach(
    conn: &mut PgConnection,
    audience: &Audience,
    today: NaiveDate,
    scope: &StoreScope,
    channel: Channel,
    since: DateTime<Utc>,
) -> Result<Vec<Reach>, StoreError> {
    let mut sql = Sql::default();
    let ch = sql.bind(channel.as_str().to_owned());
    let since = sql.bind(since);
    let select = format!(
        "c.customer_id, \
         EXISTS (SELECT 1 FROM customer_consents k WHERE k.customer_id = c.customer_id AND k.channel = {ch} \
                 AND k.granted) AS consented, \
         (SELECT count(*) FROM campaign_contacts x WHERE x.customer_id = c.customer_id AND x.channel = {ch} \
          AND x.outcome IN ('scheduled', 'sent') AND x.at > {since}) AS recent"
    );
    let (text, vals) = query_with(sql, audience, today, scope, &select);
    Ok(run(text, vals)
        .load::<ReachRow>(conn)?
        .into_iter()
        .map(|r| Reach {
            customer: r.customer_id,
            consented: r.consented,
            recent: u32::try_from(r.recent).unwrap_or(u32::MAX),
        })
        .collect())
}

fn days_after(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX)
}

fn days_before(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MIN)
}

fn range<T: Copy>(column: &str, b: &Bounds<T>, literal: impl Fn(T) -> String) -> String {
    let mut parts = Vec::new();
    if let Some(min) = b.min {
        parts.push(format!("{column} >= {}", literal(min)));
    }
    if let Some(max) = b.max {
        parts.push(format!("{column} <= {}", literal(max)));
    }
    parts.join(" AND ")
}

/// The predicate of one node; never NULL.
fn compile(rule: &Rule, today: NaiveDate, sql: &mut Sql) -> String {
    let leaf = match rule {
        Rule::All(rules) => return join(rules, " AND ", today, sql),
        Rule::Any(rules) => return join(rules, " OR ", today, sql),
        Rule::Not(rule) => return format!("NOT ({})", compile(rule, today, sql)),
        Rule::Tier(list) => {
            sql.account = true;
            format!("coalesce(a.tier, 'S1') = ANY({})", sql.texts(list.iter().map(|t| t.as_str().to_owned())))
        }
        Rule::Tag(tag) => format!(
            "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.customer_id AND t.name = {})",
            sql.bind(tag.as_str().to_owned())
        ),
        Rule::Segment(_) | Rule::SegmentMove { .. } | Rule::Score(..) | Rule::Clv(_) | Rule::PAlive(_) => {
            snapshot_leaf(rule, sql)
        }
        Rule::DaysSinceLastPurchase(b) => {
            let today = sql.bind(today);
            let last = format!(
                "(SELECT max(o.business_date) FROM orders o WHERE o.customer_id = c.customer_id \
                 AND o.business_date <= {today})"
            );
            range(&format!("({today}::date - {last})"), b, |d| d.to_string())
        }
        Rule::Bought { product, within_days } => {
            let (column, name) = match product {
                Product::Category(n) => ("l.category", n),
                Product::Collection(n) => ("l.collection", n),
                Product::Sku(n) => ("l.sku", n),
            };
            let filter = format!("{column} = {}", sql.bind(name.clone()));
            kept_lines_between(sql, days_before(today, *within_days), today, &filter)
        }
        Rule::SeasonalLapse(season) => seasonal_lapse(season, today, sql),
        Rule::ImportantDate { kinds, within_days } => important_date(kinds, *within_days, today, sql),
        Rule::HomeStore(list) => {
            format!("c.home_store_id = ANY({}::uuid[])", sql.texts(list.iter().map(|s| s.as_uuid().to_string())))
        }
        Rule::Associate(list) => {
            format!("c.associate_id = ANY({}::uuid[])", sql.texts(list.iter().map(|a| a.as_uuid().to_string())))
        }
        Rule::Gender(list) => format!("c.gender = ANY({})", sql.texts(list.iter().map(|g| g.as_str().to_owned()))),
        Rule::AgeBand(list) => age_bands(list, today, sql),
        Rule::PointsBalance(b) => {
            sql.account = true;
            range("coalesce(a.points_balance, 0)", b, |p| p.to_string())
        }
        Rule::PointsExpiring { within_days, min_points } => format!(
            "coalesce((SELECT sum(l.remaining) FROM points_lots l WHERE l.customer_id = c.customer_id \
             AND l.remaining > 0 AND l.expires_on >= {} AND l.expires_on <= {}), 0) >= {min_points}",
            sql.bind(today),
            sql.bind(days_after(today, *within_days))
        ),
        Rule::Consent(channel) => format!(
            "EXISTS (SELECT 1 FROM customer_consents k WHERE k.customer_id = c.customer_id \
             AND k.channel = {} AND k.granted)",
            sql.bind(channel.as_str().to_owned())
        ),
    };
    format!("coalesce(({leaf}), false)")
}

/// A leaf over the latest snapshot (`s`) or the one before it (`p`); called
/// by [`compile`] for those leaves only.
fn snapshot_leaf(rule: &Rule, sql: &mut Sql) -> String {
    sql.latest = true;
    match rule {
        Rule::Segment(list) => {
            format!("s.segment = ANY({})", sql.texts(list.iter().map(|s| s.code().to_owned())))
        }
        Rule::SegmentMove { from, to } => {
            sql.previous = true;
            format!(
                "p.segment = ANY({}) AND s.segment = ANY({})",
                sql.texts(from.iter().map(|s| s.code().to_owned())),
                sql.texts(to.iter().map(|s| s.code().to_owned()))
            )
        }
        Rule::Score(d, b) => {
            let column = match d {
                Dimension::R => "s.r",
                Dimension::F => "s.f",
                Dimension::M => "s.m",
            };
            range(column, b, |s| s.get().to_string())
        }
        Rule::Clv(b) => range("s.clv", b, |d| format!("{d}::numeric")),
        Rule::PAlive(b) => range("s.p_alive", b, |d| format!("{d}::numeric")),
        _ => "false".to_owned(),
    }
}

fn join(rules: &[Rule], with: &str, today: NaiveDate, sql: &mut Sql) -> String {
    let parts: Vec<String> = rules.iter().map(|r| format!("({})", compile(r, today, sql))).collect();
    parts.join(with)
}

/// A kept line (quantity above what was returned) of an order of this
/// customer with a business date in `from..=to`, matching `filter`.
fn kept_lines_between(sql: &mut Sql, from: NaiveDate, to: NaiveDate, filter: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM order_lines l JOIN orders o ON o.customer_id = l.customer_id \
         AND o.order_id = l.order_id WHERE l.customer_id = c.customer_id AND l.quantity > l.returned_quantity \
         AND o.business_date >= {} AND o.business_date <= {} AND {filter})",
        sql.bind(from),
        sql.bind(to)
    )
}

fn seasonal_lapse(season: &Season, today: NaiveDate, sql: &mut Sql) -> String {
    let Some(((this_start, this_end), (last_start, last_end))) = season.this_and_last(today) else {
        return "false".to_owned();
    };
    let last = kept_lines_between(sql, last_start, last_end, "true");
    let this = kept_lines_between(sql, this_start, this_end, "true");
    format!("{last} AND NOT {this}")
}

/// The month-days ("MM-DD") that occur from `today` to `until`; a 28
/// February of a year that is not a leap year also stands for 29 February
/// (the day such anniversaries fall on).
fn month_days(today: NaiveDate, until: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let mut day = today;
    while day <= until && out.len() < 367 {
        out.push(day.format("%m-%d").to_string());
        if day.month() == 2 && day.day() == 28 && day.with_day(29).is_none() {
            out.push("02-29".to_owned());
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// A date of one of `kinds` in the `within` days from `today`: recurring
/// dates by their anniversary (the date itself while it is still to come),
/// one-off dates by the date; the profile's birthday counts as a birthday.
fn important_date(kinds: &[ImportantDateKind], within: u32, today: NaiveDate, sql: &mut Sql) -> String {
    let until = days_after(today, within);
    let (t, u) = (sql.bind(today), sql.bind(until));
    let md = sql.texts(month_days(today, until));
    let next_within = |column: &str| {
        format!(
            "CASE WHEN {column} >= {t} THEN {column} <= {u} \
             ELSE to_char({column}, 'MM-DD') = ANY({md}) END"
        )
    };
    let dates = format!(
        "EXISTS (SELECT 1 FROM important_dates d WHERE d.customer_id = c.customer_id AND d.kind = ANY({}) \
         AND CASE WHEN d.recurring THEN {} ELSE d.date >= {t} AND d.date <= {u} END)",
        sql.texts(kinds.iter().map(|k| k.as_str().to_owned())),
        next_within("d.date")
    );
    if kinds.contains(&ImportantDateKind::Birthday) {
        format!("({}) OR {dates}", next_within("c.birthday"))
    } else {
        dates
    }
}

fn age_bands(list: &[AgeBand], today: NaiveDate, sql: &mut Sql) -> String {
    let parts: Vec<String> = list
        .iter()
        .map(|band| match band.birthdays_on(today) {
            None => "c.birthday IS NULL".to_owned(),
            Some(r) => {
                let mut cond = vec!["c.birthday IS NOT NULL".to_owned()];
                if let Some(from) = r.born_on_or_after {
                    cond.push(format!("c.birthday >= {}", sql.bind(from)));
                }
                if let Some(before) = r.born_before {
                    cond.push(format!("c.birthday < {}", sql.bind(before)));
                }
                format!("({})", cond.join(" AND "))
            }
        })
        .collect();
    parts.join(" OR ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn month_days_cross_the_years_end_and_stand_28_february_for_the_29th() {
        assert_eq!(month_days(day(2026, 12, 30), day(2027, 1, 1)), ["12-30", "12-31", "01-01"]);
        assert_eq!(month_days(day(2027, 2, 27), day(2027, 3, 1)), ["02-27", "02-28", "02-29", "03-01"]);
        assert_eq!(month_days(day(2028, 2, 28), day(2028, 2, 29)), ["02-28", "02-29"]);
        assert_eq!(month_days(day(2028, 3, 1), day(2028, 2, 29)), Vec::<String>::new());
    }
}

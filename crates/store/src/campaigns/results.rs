//! What a campaign's results are computed from (issue #14): each group's
//! customers and, for those who bought in their window, what they spent
//! net of returns and whether they bought the promoted products; and what
//! the campaign cost. Read from the contacts, the orders and the offers'
//! redemptions, so anyone can recompute it; the figures are the
//! experiments crate's.
//!
//! A customer's group is the campaign's decision: held out (the control
//! group) or not (the treated group: messaged or tasked, and also those
//! the campaign could not reach — no consent, capped, over budget — since
//! the control group holds the same kinds of customers). The window opens
//! at the customer's first contact (for the control group, when it would
//! have been made) and lasts `window_days`.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Integer, Nullable, Numeric, Text, Timestamptz, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::StoreError;

/// What the results are cut by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The customer's home store today.
    Store,
    /// The customer's tier today (S1 without an account).
    Tier,
    /// The customer's segment in the snapshot of that date (the last one
    /// before the campaign's first contact); none without a snapshot.
    Segment(Option<NaiveDate>),
}

/// The products a campaign promotes (categories and collections in lower
/// case). All empty: none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromotedProducts {
    pub categories: Vec<String>,
    pub collections: Vec<String>,
    pub skus: Vec<String>,
}

/// Which of a campaign's customers to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsQuery {
    pub campaign: Uuid,
    pub window_days: i32,
    pub promoted: PromotedProducts,
    pub cut: Option<Cut>,
    /// Only customers first contacted in [from, to) (a month of an
    /// always-on trigger); None: all.
    pub first_contact: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Each customer has one contact row (a one-off campaign's single
    /// occurrence): the groups are counted without grouping by customer.
    pub single_occurrence: bool,
}

/// One group (of one cut's value): its customers, how many the campaign
/// reached (sent or tasked), and its first and last contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCount {
    pub control: bool,
    pub key: Option<String>,
    pub customers: i64,
    pub reached: i64,
    pub first_contact: DateTime<Utc>,
    pub last_contact: DateTime<Utc>,
}

/// A customer who ordered in their window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    pub control: bool,
    pub key: Option<String>,
    /// The orders' amounts paid, base currency, less what was returned of
    /// them before the window closed.
    pub revenue: Decimal,
    pub bought_promoted: bool,
}

/// The groups' counts and the buyers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResultsData {
    pub groups: Vec<GroupCount>,
    pub buyers: Vec<Buyer>,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Bool)]
    is_group: bool,
    #[diesel(sql_type = Bool)]
    control: bool,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = BigInt)]
    customers: i64,
    #[diesel(sql_type = BigInt)]
    reached: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    first_contact: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_contact: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Numeric>)]
    revenue: Option<Decimal>,
    #[diesel(sql_type = Bool)]
    promoted: bool,
}

/// The cut's value of a customer `a` (its join and its expression).
fn cut_sql(cut: Option<Cut>) -> (&'static str, &'static str) {
    match cut {
        None => ("", "NULL::text"),
        Some(Cut::Store) => ("LEFT JOIN customers cu ON cu.customer_id = a.customer_id", "cu.home_store_id::text"),
        Some(Cut::Tier) => {
            ("LEFT JOIN loyalty_accounts la ON la.customer_id = a.customer_id", "coalesce(la.tier, 'S1')")
        }
        Some(Cut::Segment(_)) => {
            ("LEFT JOIN segment_snapshots sn ON sn.customer_id = a.customer_id AND sn.as_of = $8", "sn.segment")
        }
    }
}

/// The query of [`results_data`]: the groups, then the buyers.
fn results_sql(q: &ResultsQuery) -> String {
    let (join, key) = cut_sql(q.cut);
    // Two passes that never join a million rows to a million: the groups
    // are counted over the campaign's contacts alone; the buyers start from
    // the orders of the days the windows can cover (an index-only range,
    // `orders_day_window_idx`), sorted by customer so that looking each
    // one's contacts up by key walks the key in order.
    let assigned = if q.single_occurrence {
        "SELECT customer_id, at, outcome = 'held_out' AS control, outcome IN ('sent', 'task') AS reached \
         FROM campaign_contacts WHERE campaign_id = $1 \
           AND ($2::timestamptz IS NULL OR (at >= $2 AND at < $3))"
    } else {
        "SELECT customer_id, min(at) AS at, bool_and(outcome = 'held_out') AS control, \
                bool_or(outcome IN ('sent', 'task')) AS reached \
         FROM campaign_contacts WHERE campaign_id = $1 GROUP BY customer_id \
         HAVING $2::timestamptz IS NULL OR (min(at) >= $2 AND min(at) < $3)"
    };
    format!(
        "WITH span AS (SELECT min(at) AS first, max(at) AS last FROM campaign_contacts WHERE campaign_id = $1), \
         assigned AS ({assigned}), \
         groups AS ( \
           SELECT a.control, {key} AS key, count(*) AS customers, count(*) FILTER (WHERE a.reached) AS reached, \
                  min(a.at) AS first_contact, max(a.at) AS last_contact \
           FROM assigned a {join} GROUP BY 1, 2), \
         window_orders AS MATERIALIZED ( \
           SELECT o.customer_id, o.order_id, o.ordered_at, o.amount_paid_base FROM orders o \
           WHERE o.business_date >= (SELECT first FROM span)::date - 1 \
             AND o.business_date <= (SELECT last FROM span)::date + $4 + 1 \
           ORDER BY o.customer_id), \
         bought AS ( \
           SELECT o.customer_id, c.at, c.control, \
             sum(o.amount_paid_base) - coalesce(sum((SELECT sum(r.amount_base) FROM order_returns r \
                 WHERE r.customer_id = o.customer_id AND r.order_id = o.order_id \
                   AND r.returned_at < c.at + make_interval(days => $4))), 0) AS revenue, \
             bool_or($5 AND EXISTS (SELECT 1 FROM order_lines l \
                 WHERE l.customer_id = o.customer_id AND l.order_id = o.order_id \
                   AND (lower(l.category) = ANY($6) OR lower(l.collection) = ANY($7) OR l.sku = ANY($9)))) AS promoted \
           FROM window_orders o \
           CROSS JOIN LATERAL ( \
             SELECT min(x.at) AS at, bool_and(x.outcome = 'held_out') AS control FROM campaign_contacts x \
             WHERE x.campaign_id = $1 AND x.customer_id = o.customer_id \
             HAVING count(*) > 0 AND ($2::timestamptz IS NULL OR (min(x.at) >= $2 AND min(x.at) < $3))) c \
           WHERE o.ordered_at >= c.at AND o.ordered_at < c.at + make_interval(days => $4) \
           GROUP BY o.customer_id, c.at, c.control) \
         SELECT true AS is_group, control, key, customers, reached, first_contact, last_contact, \
                NULL::numeric AS revenue, false AS promoted \
         FROM groups \
         UNION ALL \
         SELECT false, a.control, {key}, 1, 0, NULL, NULL, a.revenue, a.promoted \
         FROM bought a {join}"
    )
}

/// Reads the groups and buyers of a campaign (see the [module
/// documentation](self)).
pub fn results_data(conn: &mut PgConnection, q: &ResultsQuery) -> Result<ResultsData, StoreError> {
    let sql = results_sql(q);
    let segment_day = match q.cut {
        Some(Cut::Segment(day)) => day,
        _ => None,
    };
    let (from, to) = q.first_contact.map_or((None, None), |(f, t)| (Some(f), Some(t)));
    let p = &q.promoted;
    let any_promoted = !(p.categories.is_empty() && p.collections.is_empty() && p.skus.is_empty());
    let rows: Vec<Row> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(q.campaign)
        .bind::<Nullable<Timestamptz>, _>(from)
        .bind::<Nullable<Timestamptz>, _>(to)
        .bind::<Integer, _>(q.window_days)
        .bind::<Bool, _>(any_promoted)
        .bind::<Array<Text>, _>(&p.categories)
        .bind::<Array<Text>, _>(&p.collections)
        .bind::<Nullable<Date>, _>(segment_day)
        .bind::<Array<Text>, _>(&p.skus)
        .load(conn)?;
    let mut data = ResultsData::default();
    for r in rows {
        if r.is_group {
            let (Some(first_contact), Some(last_contact)) = (r.first_contact, r.last_contact) else {
                return Err(StoreError::Corrupt("a campaign group without contacts".into()));
            };
            data.groups.push(GroupCount {
                control: r.control,
                key: r.key,
                customers: r.customers,
                reached: r.reached,
                first_contact,
                last_contact,
            });
        } else {
            data.buyers.push(Buyer {
                control: r.control,
                key: r.key,
                revenue: r.revenue.unwrap_or_default(),
                bought_promoted: r.promoted,
            });
        }
    }
    Ok(data)
}

/// What a campaign cost so far, base currency: its messages (sent), and
/// what its offers gave the campaign's customers — the discounts of its
/// coupons (uses not given back), its gifts with purchase at unit cost, and
/// the points of its points offers (a count: the caller prices them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CampaignCost {
    pub messages: Decimal,
    pub coupons: Decimal,
    pub gifts: Decimal,
    pub offer_points: i64,
}

#[derive(QueryableByName)]
struct CostRow {
    #[diesel(sql_type = Numeric)]
    messages: Decimal,
    #[diesel(sql_type = Numeric)]
    coupons: Decimal,
    #[diesel(sql_type = Numeric)]
    gifts: Decimal,
    #[diesel(sql_type = BigInt)]
    offer_points: i64,
}

/// [`CampaignCost`] of campaign `id`; with `during`, only what it cost
/// then: messages sent, coupon uses, gifts given and points earned in
/// [from, to).
pub fn campaign_cost(
    conn: &mut PgConnection,
    id: Uuid,
    during: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<CampaignCost, StoreError> {
    let (from, to) = during.map_or((None, None), |(f, t)| (Some(f), Some(t)));
    let row: CostRow = diesel::sql_query(
        "SELECT \
           (SELECT coalesce(sum(cost), 0) FROM campaign_contacts WHERE campaign_id = $1 AND outcome = 'sent' \
              AND ($2::timestamptz IS NULL OR (at >= $2 AND at < $3))) AS messages, \
           (SELECT coalesce(sum(u.discount), 0) FROM coupons k JOIN coupon_codes c ON c.coupon_id = k.id \
              JOIN coupon_uses u ON u.code = c.code WHERE k.campaign_id = $1 AND u.released_at IS NULL \
              AND ($2::timestamptz IS NULL OR (u.used_at >= $2 AND u.used_at < $3)) \
              AND u.customer_id IN (SELECT customer_id FROM campaign_contacts WHERE campaign_id = $1)) AS coupons, \
           (SELECT coalesce(sum(g.unit_cost * g.quantity), 0) FROM gift_offers f \
              JOIN order_gifts g ON g.gift_offer_id = f.id WHERE f.campaign_id = $1 \
              AND ($2::timestamptz IS NULL OR (g.given_at >= $2 AND g.given_at < $3)) \
              AND g.customer_id IN (SELECT customer_id FROM campaign_contacts WHERE campaign_id = $1)) AS gifts, \
           CASE WHEN EXISTS (SELECT 1 FROM points_offers WHERE campaign_id = $1) THEN \
             (SELECT coalesce(sum(e.points), 0)::int8 FROM ledger e \
               WHERE e.kind = 'earn_activity' AND e.source_kind = 'activity' AND e.source ->> 'id' = 'campaign ' || $1::text \
                 AND ($2::timestamptz IS NULL OR (e.at >= $2 AND e.at < $3)) \
                 AND e.customer_id IN (SELECT customer_id FROM campaign_contacts WHERE campaign_id = $1)) \
           ELSE 0 END AS offer_points",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Nullable<Timestamptz>, _>(from)
    .bind::<Nullable<Timestamptz>, _>(to)
    .get_result(conn)?;
    Ok(CampaignCost { messages: row.messages, coupons: row.coupons, gifts: row.gifts, offer_points: row.offer_points })
}

/// The campaigns that made (or held out) a contact in [from, to), oldest
/// launch first.
pub fn campaigns_contacting(
    conn: &mut PgConnection,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<Uuid>, StoreError> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT k.id FROM campaigns k WHERE k.launched_at IS NOT NULL AND k.launched_at < $2 \
           AND EXISTS (SELECT 1 FROM campaign_contacts x WHERE x.campaign_id = k.id AND x.at >= $1 AND x.at < $2) \
         ORDER BY k.launched_at, k.id",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// One customer of a campaign: held out or not, reached (messaged or
/// tasked) or not, and their first contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub customer: Uuid,
    pub held_out: bool,
    pub reached: bool,
    pub first_contact: DateTime<Utc>,
}

/// Every customer of campaign `id`, by customer id.
pub fn assignments(conn: &mut PgConnection, id: Uuid) -> Result<Vec<Assignment>, StoreError> {
    #[derive(QueryableByName)]
    struct A {
        #[diesel(sql_type = SqlUuid)]
        customer_id: Uuid,
        #[diesel(sql_type = Bool)]
        held_out: bool,
        #[diesel(sql_type = Bool)]
        reached: bool,
        #[diesel(sql_type = Timestamptz)]
        at: DateTime<Utc>,
    }
    let rows: Vec<A> = diesel::sql_query(
        "SELECT customer_id, bool_and(outcome = 'held_out') AS held_out, \
                bool_or(outcome IN ('sent', 'task')) AS reached, min(at) AS at \
         FROM campaign_contacts WHERE campaign_id = $1 GROUP BY customer_id ORDER BY customer_id",
    )
    .bind::<SqlUuid, _>(id)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|a| Assignment { customer: a.customer_id, held_out: a.held_out, reached: a.reached, first_contact: a.at })
        .collect())
}

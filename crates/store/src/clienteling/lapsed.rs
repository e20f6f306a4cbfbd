//! The lapsed list: the customers who bought at a store in a comparison
//! period (by default the same dates a year before) and have not bought
//! there in the period — the list a store manager answers for, client by
//! client.
//!
//! What counts: an order of a live customer (not anonymous, not merged
//! away, not erased) dated in the period by its business day (the store's
//! local day) that was not wholly returned. What it was worth is what was
//! paid less what was refunded, in the base currency.

use chrono::NaiveDate;
use clientele_clienteling::Period;
use clientele_kernel::StoreId;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::StoreError;

/// One client of the lapsed list.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct LapsedClient {
    #[diesel(sql_type = SqlUuid)]
    pub customer_id: Uuid,
    #[diesel(sql_type = Text)]
    pub member_no: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub associate_id: Option<Uuid>,
    /// Orders at the store in the comparison period.
    #[diesel(sql_type = BigInt)]
    pub orders_before: i64,
    /// Net of refunds, base currency, at the store in the comparison period.
    #[diesel(sql_type = Numeric)]
    pub spent_before: Decimal,
    /// The last purchase at this store.
    #[diesel(sql_type = Date)]
    pub last_purchase_here: NaiveDate,
    /// The last purchase anywhere (maybe at another store since).
    #[diesel(sql_type = Date)]
    pub last_purchase: NaiveDate,
    /// Lifetime value in the latest snapshot.
    #[diesel(sql_type = Nullable<Numeric>)]
    pub clv: Option<Decimal>,
}

/// Orders that count, with what they were worth (see the module's
/// documentation), of the store `$1`; the caller adds the days. Only an
/// order with a return has its lines read (returns are few).
const KEPT: &str = "SELECT o.customer_id, o.business_date, \
       o.amount_paid_base - coalesce((SELECT sum(r.amount_base) FROM order_returns r \
            WHERE r.customer_id = o.customer_id AND r.order_id = o.order_id), 0) AS net \
     FROM orders o WHERE o.store_id = $1 AND o.customer_id <> '00000000-0000-0000-0000-000000000000' \
       AND (NOT EXISTS (SELECT 1 FROM order_returns r WHERE r.customer_id = o.customer_id AND r.order_id = o.order_id) \
            OR EXISTS (SELECT 1 FROM order_lines l WHERE l.customer_id = o.customer_id AND l.order_id = o.order_id \
                       AND l.quantity > l.returned_quantity))";

/// A page of the store's lapsed list, by what they spent in the comparison
/// period (most first), then customer id; after `after` (that spend and id).
pub fn lapsed_clients(
    conn: &mut PgConnection,
    store: StoreId,
    period: &Period,
    compare: &Period,
    after: Option<(Decimal, Uuid)>,
    limit: i64,
) -> Result<Vec<LapsedClient>, StoreError> {
    let (after_spent, after_id) = after.map_or((None, None), |(s, id)| (Some(s), Some(id)));
    let sql = format!(
        "WITH kept AS ({KEPT} AND (o.business_date BETWEEN $2 AND $3 OR o.business_date BETWEEN $4 AND $5)), \
         before AS (SELECT customer_id, count(*) AS orders_before, sum(net) AS spent_before \
                    FROM kept WHERE business_date BETWEEN $4 AND $5 GROUP BY customer_id) \
         SELECT b.customer_id, c.member_no, c.name, c.associate_id, b.orders_before, b.spent_before, \
                (SELECT max(x.business_date) FROM orders x WHERE x.customer_id = b.customer_id AND x.store_id = $1) \
                  AS last_purchase_here, \
                (SELECT max(x.business_date) FROM orders x WHERE x.customer_id = b.customer_id) AS last_purchase, \
                (SELECT s.clv FROM segment_snapshots s WHERE s.customer_id = b.customer_id \
                   AND s.as_of = (SELECT max(as_of) FROM segment_runs)) AS clv \
         FROM before b JOIN customers c ON c.customer_id = b.customer_id \
         WHERE c.merged_into IS NULL AND c.erased_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM kept k WHERE k.customer_id = b.customer_id AND k.business_date BETWEEN $2 AND $3) \
           AND ($6::numeric IS NULL OR (b.spent_before, b.customer_id) < ($6, $7)) \
         ORDER BY b.spent_before DESC, b.customer_id DESC LIMIT $8"
    );
    Ok(diesel::sql_query(sql)
        .bind::<SqlUuid, _>(store.as_uuid())
        .bind::<Date, _>(period.from())
        .bind::<Date, _>(period.to())
        .bind::<Date, _>(compare.from())
        .bind::<Date, _>(compare.to())
        .bind::<Nullable<Numeric>, _>(after_spent)
        .bind::<Nullable<SqlUuid>, _>(after_id)
        .bind::<BigInt, _>(limit)
        .load(conn)?)
}

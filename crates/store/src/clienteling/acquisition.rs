//! Acquisition channels (docs/kpis.md): the customers whose home store is
//! one of the stores and who joined in the period or the same dates a year
//! before, grouped by store, channel and what their cost is known in
//! (each group's rate into the base currency: that of the day they joined);
//! `clientele_clienteling::channel_figures` adds the groups up. Merged-away
//! records are left out (their person counts under the record they were
//! merged into); erased customers stay in (their channel and cost are not
//! personal data, and they were acquired all the same).

use std::str::FromStr;

use chrono::NaiveDate;
use clientele_clienteling::{AcquisitionGroup, GroupCost, Period};
use clientele_kernel::{Currency, StoreId};
use clientele_profiles::AcquisitionChannel;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};

/// A group of one store's customers acquired in the period
/// (`year_before` false) or in the same dates a year before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquisitionRow {
    pub store: StoreId,
    pub year_before: bool,
    pub group: AcquisitionGroup,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    store_id: Uuid,
    #[diesel(sql_type = Integer)]
    period: i32,
    #[diesel(sql_type = Nullable<Text>)]
    channel: Option<String>,
    /// `none` (no cost recorded), `no_rate`, or `known`.
    #[diesel(sql_type = Text)]
    cost_state: String,
    #[diesel(sql_type = Nullable<Numeric>)]
    rate: Option<Decimal>,
    #[diesel(sql_type = BigInt)]
    customers: i64,
    #[diesel(sql_type = Nullable<Numeric>)]
    cost: Option<Decimal>,
    #[diesel(sql_type = BigInt)]
    with_clv: i64,
    #[diesel(sql_type = Nullable<Numeric>)]
    clv: Option<Decimal>,
}

/// The groups of the customers of `stores` (by home store) who joined in
/// `period` or the same dates a year before; costs in another currency
/// than `base` carry the rate valid on the day the customer joined (none:
/// `GroupCost::NoRate`); lifetime values are those of the latest segment
/// snapshot (none before the first).
pub fn acquisition_groups(
    conn: &mut PgConnection,
    stores: &[StoreId],
    period: &Period,
    base: &Currency,
) -> Result<Vec<AcquisitionRow>, StoreError> {
    let latest: Option<NaiveDate> =
        diesel::select(diesel::dsl::sql::<Nullable<Date>>("(SELECT max(as_of) FROM segment_runs)")).get_result(conn)?;
    let joined = |from: &str, to: &str, n: u8| {
        format!(
            "SELECT {n} AS period, customer_id, home_store_id, joined_on, acquisition_channel, acquisition_cost, \
                    acquisition_currency \
             FROM customers \
             WHERE home_store_id = ANY($1) AND joined_on BETWEEN {from} AND {to} AND merged_into IS NULL"
        )
    };
    let sql = format!(
        "SELECT c.home_store_id AS store_id, c.period, c.acquisition_channel AS channel, \
                CASE WHEN c.acquisition_cost IS NULL THEN 'none' WHEN c.rate IS NULL THEN 'no_rate' ELSE 'known' END \
                  AS cost_state, \
                c.rate, count(*) AS customers, sum(c.acquisition_cost) AS cost, \
                count(s.clv) AS with_clv, sum(s.clv) AS clv \
         FROM (SELECT j.*, \
                 CASE WHEN j.acquisition_cost IS NULL THEN NULL WHEN j.acquisition_currency = $6 THEN 1::numeric \
                      ELSE (SELECT x.rate FROM fx_rates x WHERE x.currency = j.acquisition_currency \
                              AND x.base_currency = $6 AND x.valid_from <= j.joined_on \
                            ORDER BY x.valid_from DESC LIMIT 1) END AS rate \
               FROM ({p} UNION ALL {b}) j) c \
         LEFT JOIN segment_snapshots s ON s.customer_id = c.customer_id AND s.as_of = $7 \
         GROUP BY 1, 2, 3, 4, 5",
        p = joined("$2", "$3", 0),
        b = joined("$4", "$5", 1),
    );
    let before = period.year_before();
    let ids: Vec<Uuid> = stores.iter().map(|s| s.as_uuid()).collect();
    let query = diesel::sql_query(sql)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Date, _>(period.from())
        .bind::<Date, _>(period.to())
        .bind::<Date, _>(before.from())
        .bind::<Date, _>(before.to())
        .bind::<Text, _>(base.as_str().to_owned())
        .bind::<Nullable<Date>, _>(latest);
    // JIT compilation costs more than this query, and the planner would look
    // each customer's snapshot up one by one: for every store, three times
    // what reading the snapshot once costs (docs/benchmarks.md).
    let rows: Vec<Row> = conn.transaction(|conn| {
        conn.batch_execute("SET LOCAL jit = off; SET LOCAL enable_nestloop = off")?;
        query.load(conn)
    })?;
    rows.into_iter().map(Row::into_domain).collect()
}

impl Row {
    fn into_domain(self) -> Result<AcquisitionRow, StoreError> {
        let channel = self
            .channel
            .as_deref()
            .map(AcquisitionChannel::from_str)
            .transpose()
            .map_err(corrupt("customers.acquisition_channel"))?;
        let cost = match (self.cost_state.as_str(), self.cost, self.rate) {
            ("known", Some(amount), Some(rate)) => GroupCost::Known { amount, rate },
            ("no_rate", _, _) => GroupCost::NoRate,
            _ => GroupCost::NotRecorded,
        };
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(AcquisitionRow {
            store: StoreId::from_uuid(self.store_id),
            year_before: self.period == 1,
            group: AcquisitionGroup {
                channel,
                customers: count(self.customers),
                cost,
                with_clv: count(self.with_clv),
                clv: self.clv.unwrap_or_default(),
            },
        })
    }
}

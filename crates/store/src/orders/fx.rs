//! Exchange rates into the programme's base currency.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::Currency;
use clientele_orders::FxRate;
use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::error::{StoreError, corrupt};
use crate::schema::fx_rates;

/// A stored rate, with who set it.
#[derive(Debug, Clone)]
pub struct StoredFxRate {
    pub rate: FxRate,
    pub set_at: DateTime<Utc>,
    pub set_by: Option<String>,
}

type RateRow = (String, String, NaiveDate, Decimal, DateTime<Utc>, Option<String>);

fn from_row((currency, base, valid_from, rate, set_at, set_by): RateRow) -> Result<StoredFxRate, StoreError> {
    Ok(StoredFxRate {
        rate: FxRate {
            from: Currency::parse(&currency).map_err(corrupt("fx_rates.currency"))?,
            to: Currency::parse(&base).map_err(corrupt("fx_rates.base_currency"))?,
            valid_from,
            rate,
        },
        set_at,
        set_by,
    })
}

/// Writes rates (a rate for the same pair and day is replaced), with when
/// and by whom they were set. Call inside a transaction: all or none.
pub fn write_fx_rates(
    conn: &mut PgConnection,
    rates: &[FxRate],
    set_at: DateTime<Utc>,
    set_by: Option<&str>,
) -> Result<(), StoreError> {
    for r in rates {
        diesel::insert_into(fx_rates::table)
            .values((
                fx_rates::currency.eq(r.from.as_str()),
                fx_rates::base_currency.eq(r.to.as_str()),
                fx_rates::valid_from.eq(r.valid_from),
                fx_rates::rate.eq(r.rate),
                fx_rates::set_at.eq(set_at),
                fx_rates::set_by.eq(set_by),
            ))
            .on_conflict((fx_rates::currency, fx_rates::base_currency, fx_rates::valid_from))
            .do_update()
            .set((fx_rates::rate.eq(r.rate), fx_rates::set_at.eq(set_at), fx_rates::set_by.eq(set_by)))
            .execute(conn)?;
    }
    Ok(())
}

/// The columns of a [`RateRow`], in its order.
const RATE_COLUMNS: (
    fx_rates::currency,
    fx_rates::base_currency,
    fx_rates::valid_from,
    fx_rates::rate,
    fx_rates::set_at,
    fx_rates::set_by,
) = (
    fx_rates::currency,
    fx_rates::base_currency,
    fx_rates::valid_from,
    fx_rates::rate,
    fx_rates::set_at,
    fx_rates::set_by,
);

/// Rates, newest first, optionally of one currency.
pub fn list_fx_rates(conn: &mut PgConnection, currency: Option<&Currency>) -> Result<Vec<StoredFxRate>, StoreError> {
    let mut query = fx_rates::table
        .select(RATE_COLUMNS)
        .order((fx_rates::currency.asc(), fx_rates::valid_from.desc()))
        .into_boxed();
    if let Some(c) = currency {
        query = query.filter(fx_rates::currency.eq(c.as_str().to_owned()));
    }
    query.load::<RateRow>(conn)?.into_iter().map(from_row).collect()
}

/// The rate valid on `date`: the latest one set from that day or before.
pub fn rate_on(
    conn: &mut PgConnection,
    from: &Currency,
    to: &Currency,
    date: NaiveDate,
) -> Result<Option<FxRate>, StoreError> {
    let row: Option<RateRow> = fx_rates::table
        .filter(fx_rates::currency.eq(from.as_str()))
        .filter(fx_rates::base_currency.eq(to.as_str()))
        .filter(fx_rates::valid_from.le(date))
        .order(fx_rates::valid_from.desc())
        .select(RATE_COLUMNS)
        .first(conn)
        .optional()?;
    row.map(from_row).transpose().map(|r| r.map(|s| s.rate))
}

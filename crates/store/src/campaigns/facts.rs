//! The facts an audience rule is evaluated on, per customer: what
//! [`super::select_audience`] reads in SQL, loaded as values for the pure
//! evaluator (the property test's other side, and the dry run's
//! explanation of one customer).

use std::collections::HashMap;

use chrono::NaiveDate;
use clientele_campaigns::audience::{AudienceFacts, BoughtItem, ExpiringPoints};
use clientele_kernel::StoreId;
use clientele_profiles::{AssociateId, Birthday, ImportantDate, ImportantDateId, TagName};
use clientele_rfm::{RfmScore, Score, Segment};
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::{
    customer_consents, customer_tags, customers, important_dates, loyalty_accounts, order_lines, orders, points_lots,
    segment_runs, segment_snapshots,
};

type SnapshotRow = (Uuid, String, i16, i16, i16, Option<Decimal>, Option<Decimal>);

fn score(v: i16) -> Result<Score, StoreError> {
    u8::try_from(v).ok().and_then(|v| Score::new(v).ok()).ok_or_else(|| StoreError::Corrupt(format!("score {v}")))
}

fn parse<T: std::str::FromStr>(column: &'static str, s: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| StoreError::Corrupt(format!("{column}: {e}")))
}

/// The latest snapshot date and the one before it.
fn snapshot_dates(conn: &mut PgConnection) -> Result<(Option<NaiveDate>, Option<NaiveDate>), StoreError> {
    let dates: Vec<NaiveDate> =
        segment_runs::table.select(segment_runs::as_of).order(segment_runs::as_of.desc()).limit(2).load(conn)?;
    Ok((dates.first().copied(), dates.get(1).copied()))
}

/// The facts of these customers on `today`, in the order given (a customer
/// not found, merged away or erased is left out).
pub fn audience_facts(
    conn: &mut PgConnection,
    ids: &[Uuid],
    today: NaiveDate,
) -> Result<Vec<(Uuid, AudienceFacts)>, StoreError> {
    let mut facts = profiles(conn, ids)?;
    accounts(conn, ids, &mut facts)?;
    snapshots(conn, ids, &mut facts)?;
    satellites(conn, ids, &mut facts)?;
    purchases(conn, ids, today, &mut facts)?;
    Ok(ids.iter().filter_map(|id| facts.remove(id).map(|f| (*id, f))).collect())
}

type ProfileRow = (Uuid, Option<String>, Option<NaiveDate>, Option<Uuid>, Option<Uuid>);

fn profiles(conn: &mut PgConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, AudienceFacts>, StoreError> {
    let rows: Vec<ProfileRow> = customers::table
        .filter(customers::customer_id.eq_any(ids))
        .filter(customers::merged_into.is_null())
        .filter(customers::erased_at.is_null())
        .select((
            customers::customer_id,
            customers::gender,
            customers::birthday,
            customers::home_store_id,
            customers::associate_id,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, gender, birthday, home, associate)| {
            let facts = AudienceFacts {
                gender: gender.as_deref().map(|g| parse("customers.gender", g)).transpose()?,
                birthday: birthday.map(Birthday::try_from).transpose().map_err(corrupt("customers.birthday"))?,
                home_store: home.map(StoreId::from_uuid),
                associate: associate.map(AssociateId::from_uuid),
                tier: Some(clientele_loyalty::Tier::S1),
                ..AudienceFacts::default()
            };
            Ok((id, facts))
        })
        .collect()
}

fn accounts(conn: &mut PgConnection, ids: &[Uuid], facts: &mut HashMap<Uuid, AudienceFacts>) -> Result<(), StoreError> {
    let rows: Vec<(Uuid, String, i64)> = loyalty_accounts::table
        .filter(loyalty_accounts::customer_id.eq_any(ids))
        .select((loyalty_accounts::customer_id, loyalty_accounts::tier, loyalty_accounts::points_balance))
        .load(conn)?;
    for (id, tier, points) in rows {
        if let Some(f) = facts.get_mut(&id) {
            f.tier = Some(parse("loyalty_accounts.tier", &tier)?);
            f.points = points;
        }
    }
    Ok(())
}

fn snapshots(
    conn: &mut PgConnection,
    ids: &[Uuid],
    facts: &mut HashMap<Uuid, AudienceFacts>,
) -> Result<(), StoreError> {
    let (latest, previous) = snapshot_dates(conn)?;
    for (date, is_latest) in [(latest, true), (previous, false)] {
        let Some(date) = date else { continue };
        let rows: Vec<SnapshotRow> = segment_snapshots::table
            .filter(segment_snapshots::as_of.eq(date))
            .filter(segment_snapshots::customer_id.eq_any(ids))
            .select((
                segment_snapshots::customer_id,
                segment_snapshots::segment,
                segment_snapshots::r,
                segment_snapshots::f,
                segment_snapshots::m,
                segment_snapshots::clv,
                segment_snapshots::p_alive,
            ))
            .load(conn)?;
        for (id, segment, r, fs, m, clv, p_alive) in rows {
            let Some(f) = facts.get_mut(&id) else { continue };
            let segment: Segment = parse("segment_snapshots.segment", &segment)?;
            if is_latest {
                f.segment = Some(segment);
                f.rfm = Some(RfmScore::new(score(r)?, score(fs)?, score(m)?));
                f.clv = clv;
                f.p_alive = p_alive;
            } else {
                f.previous_segment = Some(segment);
            }
        }
    }
    Ok(())
}

type DateRow = (Uuid, Uuid, String, String, Option<String>, NaiveDate, bool);

fn satellites(
    conn: &mut PgConnection,
    ids: &[Uuid],
    facts: &mut HashMap<Uuid, AudienceFacts>,
) -> Result<(), StoreError> {
    let tags: Vec<(Uuid, String)> = customer_tags::table
        .filter(customer_tags::customer_id.eq_any(ids))
        .select((customer_tags::customer_id, customer_tags::name))
        .load(conn)?;
    for (id, name) in tags {
        if let Some(f) = facts.get_mut(&id) {
            f.tags.insert(TagName::parse(&name).map_err(corrupt("customer_tags.name"))?);
        }
    }
    let consents: Vec<(Uuid, String)> = customer_consents::table
        .filter(customer_consents::customer_id.eq_any(ids))
        .filter(customer_consents::granted)
        .select((customer_consents::customer_id, customer_consents::channel))
        .load(conn)?;
    for (id, channel) in consents {
        if let Some(f) = facts.get_mut(&id) {
            f.consents.insert(parse("customer_consents.channel", &channel)?);
        }
    }
    for (id, date) in important_dates_of(conn, ids)? {
        if let Some(f) = facts.get_mut(&id) {
            f.important_dates.push(date);
        }
    }
    Ok(())
}

/// The important dates of these customers, each with its customer.
pub(crate) fn important_dates_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, ImportantDate)>, StoreError> {
    let rows: Vec<DateRow> = important_dates::table
        .filter(important_dates::customer_id.eq_any(ids))
        .select((
            important_dates::customer_id,
            important_dates::id,
            important_dates::kind,
            important_dates::relation,
            important_dates::label,
            important_dates::date,
            important_dates::recurring,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(customer, id, kind, relation, label, date, recurring)| {
            let date = ImportantDate {
                id: ImportantDateId::from_uuid(id),
                kind: parse("important_dates.kind", &kind)?,
                relation: parse("important_dates.relation", &relation)?,
                label: label.map(|l| parse("important_dates.label", &l)).transpose()?,
                date,
                recurring,
            };
            Ok((customer, date))
        })
        .collect()
}

type LineRow = (Uuid, NaiveDate, String, Option<String>, Option<String>);

fn purchases(
    conn: &mut PgConnection,
    ids: &[Uuid],
    today: NaiveDate,
    facts: &mut HashMap<Uuid, AudienceFacts>,
) -> Result<(), StoreError> {
    let last: Vec<(Uuid, Option<NaiveDate>)> = orders::table
        .filter(orders::customer_id.eq_any(ids))
        .filter(orders::business_date.le(today))
        .group_by(orders::customer_id)
        .select((orders::customer_id, diesel::dsl::max(orders::business_date)))
        .load(conn)?;
    for (id, day) in last {
        if let Some(f) = facts.get_mut(&id) {
            f.last_purchase = day;
        }
    }
    let lines: Vec<LineRow> = order_lines::table
        .inner_join(
            orders::table
                .on(orders::customer_id.eq(order_lines::customer_id).and(orders::order_id.eq(order_lines::order_id))),
        )
        .filter(order_lines::customer_id.eq_any(ids))
        .filter(order_lines::quantity.gt(order_lines::returned_quantity))
        .filter(orders::business_date.le(today))
        .select((
            order_lines::customer_id,
            orders::business_date,
            order_lines::sku,
            order_lines::category,
            order_lines::collection,
        ))
        .load(conn)?;
    for (id, on, sku, category, collection) in lines {
        if let Some(f) = facts.get_mut(&id) {
            f.bought.push(BoughtItem { on, sku, category, collection });
        }
    }
    let lots: Vec<(Uuid, Option<NaiveDate>, i64)> = points_lots::table
        .filter(points_lots::customer_id.eq_any(ids))
        .filter(points_lots::remaining.gt(0))
        .filter(points_lots::expires_on.is_not_null())
        .select((points_lots::customer_id, points_lots::expires_on, points_lots::remaining))
        .load(conn)?;
    for (id, on, points) in lots {
        if let (Some(f), Some(on)) = (facts.get_mut(&id), on) {
            f.expiring.push(ExpiringPoints { on, points });
        }
    }
    Ok(())
}

//! Coupons in PostgreSQL (issue #13): the definitions, their codes (in the
//! canonical form the till's typing is compared in) and each use of a code
//! by an order. The rules — what a coupon takes off, whether a code may be
//! used — are `clientele_offers`'; this module keeps the facts they read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clientele_kernel::CustomerId;
use clientele_offers::{CouponCode, CouponDefinition, CouponState, normalize};
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::{coupon_codes, coupon_uses, coupons};

mod entitlements;
mod gifts;
pub(crate) use gifts::gift_offers_from_json;
pub use gifts::{
    OrderGift, StoredGiftOffer, gift_offer, gift_offers, gift_offers_of_campaign, gift_offers_open_at,
    insert_gift_offer, insert_order_gifts, order_gifts,
};
mod points;
pub use entitlements::{EntitlementUse, entitlement_use_by_key, entitlement_uses, insert_entitlement_use};
mod rewards;
mod uses;
pub(crate) use points::points_offers_from_json;
pub use points::{
    StoredPointsOffer, held_out_pairs, insert_points_offer, points_offer, points_offers, points_offers_between,
    points_offers_of_campaign,
};
pub use rewards::{
    RewardRedemption, StoredReward, give_back_stock, insert_reward, insert_reward_redemption, member_reward_counts,
    redeemed_by_member, reward, reward_redemption, rewards, set_reward_redemption_state, take_stock,
};
pub use uses::{CodeUse, OrderCouponUse, give_back_use, lock_codes, order_uses, record_use, uses_to_give_back};

/// The programme's offer settings are the `offers` row.
impl crate::settings::ProgrammeSettings for clientele_offers::OffersSettings {
    const AREA: &'static str = "offers";
}

/// A coupon to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCoupon {
    pub id: Uuid,
    pub name: String,
    pub campaign: Option<Uuid>,
    pub definition: CouponDefinition,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// A coupon as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCoupon {
    pub id: Uuid,
    pub name: String,
    pub campaign: Option<Uuid>,
    pub definition: CouponDefinition,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

type CouponRow = (Uuid, String, Option<Uuid>, serde_json::Value, DateTime<Utc>, String);

fn coupon_from(row: CouponRow) -> Result<StoredCoupon, StoreError> {
    let (id, name, campaign, definition, created_at, created_by) = row;
    let definition = serde_json::from_value(definition).map_err(corrupt("coupons.definition"))?;
    Ok(StoredCoupon { id, name, campaign, definition, created_at, created_by })
}

const COUPON_COLUMNS: (
    coupons::id,
    coupons::name,
    coupons::campaign_id,
    coupons::definition,
    coupons::created_at,
    coupons::created_by,
) = (coupons::id, coupons::name, coupons::campaign_id, coupons::definition, coupons::created_at, coupons::created_by);

/// Keeps a coupon.
pub fn insert_coupon(conn: &mut PgConnection, new: &NewCoupon) -> Result<StoredCoupon, StoreError> {
    let definition = serde_json::to_value(&new.definition).map_err(corrupt("coupons.definition"))?;
    let row: CouponRow = diesel::insert_into(coupons::table)
        .values((
            coupons::id.eq(new.id),
            coupons::name.eq(&new.name),
            coupons::campaign_id.eq(new.campaign),
            coupons::definition.eq(definition),
            coupons::created_at.eq(new.at),
            coupons::created_by.eq(&new.by),
        ))
        .returning(COUPON_COLUMNS)
        .get_result(conn)?;
    coupon_from(row)
}

/// The coupons of a campaign.
pub fn coupons_of_campaign(conn: &mut PgConnection, campaign: Uuid) -> Result<Vec<StoredCoupon>, StoreError> {
    let rows: Vec<CouponRow> = coupons::table
        .filter(coupons::campaign_id.eq(campaign))
        .order((coupons::created_at, coupons::id))
        .select(COUPON_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(coupon_from).collect()
}

/// A coupon by id.
pub fn coupon(conn: &mut PgConnection, id: Uuid) -> Result<Option<StoredCoupon>, StoreError> {
    let row: Option<CouponRow> = coupons::table.find(id).select(COUPON_COLUMNS).first(conn).optional()?;
    row.map(coupon_from).transpose()
}

/// A code to issue: canonical, as it is shown, and its owner (None: a
/// shared code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    pub code: CouponCode,
    pub shown_as: String,
    pub customer: Option<CustomerId>,
}

/// A code as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub code: CouponCode,
    pub coupon: Uuid,
    pub shown_as: String,
    pub customer: Option<CustomerId>,
    pub state: CouponState,
    pub uses: u32,
    pub issued_at: DateTime<Utc>,
}

type CodeRow = (String, Uuid, String, Option<Uuid>, String, i32, DateTime<Utc>);

const CODE_COLUMNS: (
    coupon_codes::code,
    coupon_codes::coupon_id,
    coupon_codes::shown_as,
    coupon_codes::customer_id,
    coupon_codes::state,
    coupon_codes::uses,
    coupon_codes::issued_at,
) = (
    coupon_codes::code,
    coupon_codes::coupon_id,
    coupon_codes::shown_as,
    coupon_codes::customer_id,
    coupon_codes::state,
    coupon_codes::uses,
    coupon_codes::issued_at,
);

fn code_from(row: CodeRow) -> Result<StoredCode, StoreError> {
    let (code, coupon, shown_as, customer, state, uses, issued_at) = row;
    Ok(StoredCode {
        code: normalize(&code).map_err(corrupt("coupon_codes.code"))?,
        coupon,
        shown_as,
        customer: customer.map(CustomerId::from_uuid),
        state: state.parse().map_err(corrupt("coupon_codes.state"))?,
        uses: u32::try_from(uses).map_err(corrupt("coupon_codes.uses"))?,
        issued_at,
    })
}

/// Issues codes of a coupon; a code already taken (by any coupon), or a
/// customer who already has a code of this coupon, is skipped. Returns the
/// codes issued.
pub fn insert_codes(
    conn: &mut PgConnection,
    coupon: Uuid,
    codes: &[NewCode],
    at: DateTime<Utc>,
) -> Result<Vec<StoredCode>, StoreError> {
    let rows: Vec<_> = codes
        .iter()
        .map(|c| {
            (
                coupon_codes::code.eq(c.code.as_str()),
                coupon_codes::coupon_id.eq(coupon),
                coupon_codes::shown_as.eq(&c.shown_as),
                coupon_codes::customer_id.eq(c.customer.map(|id| id.as_uuid())),
                coupon_codes::state.eq(CouponState::Issued.as_str()),
                coupon_codes::issued_at.eq(at),
                coupon_codes::changed_at.eq(at),
            )
        })
        .collect();
    let mut issued = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(5_000) {
        let got: Vec<CodeRow> = diesel::insert_into(coupon_codes::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .returning(CODE_COLUMNS)
            .get_results(conn)?;
        for row in got {
            issued.push(code_from(row)?);
        }
    }
    Ok(issued)
}

/// The personal codes of a coupon these customers hold.
pub fn codes_of_customers(
    conn: &mut PgConnection,
    coupon: Uuid,
    customers: &[Uuid],
) -> Result<Vec<StoredCode>, StoreError> {
    let rows: Vec<CodeRow> = coupon_codes::table
        .filter(coupon_codes::coupon_id.eq(coupon))
        .filter(coupon_codes::customer_id.eq_any(customers))
        .select(CODE_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(code_from).collect()
}

/// A page of a coupon's codes, in code order, after `after`.
pub fn codes_of_coupon(
    conn: &mut PgConnection,
    coupon: Uuid,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<StoredCode>, StoreError> {
    let mut query = coupon_codes::table.filter(coupon_codes::coupon_id.eq(coupon)).into_boxed();
    if let Some(after) = after {
        query = query.filter(coupon_codes::code.gt(after.to_owned()));
    }
    let rows: Vec<CodeRow> = query.order(coupon_codes::code).limit(limit).select(CODE_COLUMNS).load(conn)?;
    rows.into_iter().map(code_from).collect()
}

/// What the till presents: each known code with its coupon.
pub fn presented(
    conn: &mut PgConnection,
    codes: &[CouponCode],
) -> Result<HashMap<CouponCode, (StoredCode, StoredCoupon)>, StoreError> {
    let texts: Vec<&str> = codes.iter().map(CouponCode::as_str).collect();
    let rows: Vec<(CodeRow, CouponRow)> = coupon_codes::table
        .inner_join(coupons::table)
        .filter(coupon_codes::code.eq_any(texts))
        .select((CODE_COLUMNS, COUPON_COLUMNS))
        .load(conn)?;
    let mut found = HashMap::with_capacity(rows.len());
    for (code, coupon) in rows {
        let code = code_from(code)?;
        found.insert(code.code.clone(), (code, coupon_from(coupon)?));
    }
    Ok(found)
}

/// How many times this customer used each of these codes (uses not given
/// back by a return).
pub fn uses_by(
    conn: &mut PgConnection,
    customer: CustomerId,
    codes: &[CouponCode],
) -> Result<HashMap<CouponCode, u32>, StoreError> {
    let texts: Vec<&str> = codes.iter().map(CouponCode::as_str).collect();
    let rows: Vec<(String, i64)> = coupon_uses::table
        .filter(coupon_uses::customer_id.eq(customer.as_uuid()))
        .filter(coupon_uses::code.eq_any(texts))
        .filter(coupon_uses::released_at.is_null())
        .group_by(coupon_uses::code)
        .select((coupon_uses::code, diesel::dsl::count_star()))
        .load(conn)?;
    let mut uses = HashMap::with_capacity(rows.len());
    for (code, n) in rows {
        uses.insert(
            normalize(&code).map_err(corrupt("coupon_uses.code"))?,
            u32::try_from(n).map_err(corrupt("coupon_uses"))?,
        );
    }
    Ok(uses)
}

/// A member's tier (None: not a member yet).
pub fn member_tier(
    conn: &mut PgConnection,
    customer: CustomerId,
) -> Result<Option<clientele_loyalty::Tier>, StoreError> {
    use crate::schema::loyalty_accounts;
    let tier: Option<String> = loyalty_accounts::table
        .filter(loyalty_accounts::customer_id.eq(customer.as_uuid()))
        .select(loyalty_accounts::tier)
        .first(conn)
        .optional()?;
    tier.map(|t| t.parse().map_err(corrupt("loyalty_accounts.tier"))).transpose()
}

/// A customer's personal codes with their coupons, newest first.
pub fn customer_codes(
    conn: &mut PgConnection,
    customer: CustomerId,
) -> Result<Vec<(StoredCode, StoredCoupon)>, StoreError> {
    let rows: Vec<(CodeRow, CouponRow)> = coupon_codes::table
        .inner_join(coupons::table)
        .filter(coupon_codes::customer_id.eq(customer.as_uuid()))
        .order((coupon_codes::issued_at.desc(), coupon_codes::code))
        .select((CODE_COLUMNS, COUPON_COLUMNS))
        .load(conn)?;
    rows.into_iter().map(|(code, coupon)| Ok((code_from(code)?, coupon_from(coupon)?))).collect()
}

/// The `n` live members with the most growth value (ties by id): whom a
/// brand gives its personal coupons first.
pub fn top_members(conn: &mut PgConnection, n: i64) -> Result<Vec<CustomerId>, StoreError> {
    use crate::schema::{customers, loyalty_accounts};
    let ids: Vec<Uuid> = loyalty_accounts::table
        .inner_join(customers::table.on(customers::customer_id.eq(loyalty_accounts::customer_id)))
        .filter(customers::merged_into.is_null())
        .filter(customers::erased_at.is_null())
        .order((loyalty_accounts::growth_value.desc(), loyalty_accounts::customer_id))
        .select(loyalty_accounts::customer_id)
        .limit(n)
        .load(conn)?;
    Ok(ids.into_iter().map(CustomerId::from_uuid).collect())
}

/// Moves a code from `from` to `to`; false when it was no longer `from`
/// (another request changed it first).
pub fn change_code_state(
    conn: &mut PgConnection,
    code: &CouponCode,
    (from, to): (CouponState, CouponState),
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        coupon_codes::table.filter(coupon_codes::code.eq(code.as_str())).filter(coupon_codes::state.eq(from.as_str())),
    )
    .set((coupon_codes::state.eq(to.as_str()), coupon_codes::changed_at.eq(at)))
    .execute(conn)?;
    Ok(changed == 1)
}

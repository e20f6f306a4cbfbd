//! The demo's rewards catalogue: a silk scarf (a gift, 50 in stock), a
//! jewelry cleaning (a service, for S3 and above, twice a year per member)
//! and seats at a private viewing (20, for S5 and S6). Ten of the members
//! with the most growth value take one each through the till's path —
//! points held, then confirmed — and the first three collect theirs.
//! The tier benefits are counted: a birthday gift once per member year
//! from S2, jewelry cleanings each calendar year (one for S4, two for S5,
//! four for S6); five top members have had a cleaning.

use chrono::{DateTime, Duration, Utc};
use clientele_loyalty::Tier;
use clientele_offers::{Reward, RewardKind, RewardParts};
use clientele_profiles::StoreScope;
use clientele_store::{AuditContext, PgConnection, RedemptionStep};

use crate::rewards::{RewardRequest, collect, create_reward, redeem_reward};

/// What the demo's catalogue came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoRewards {
    pub rewards: usize,
    pub redeemed: usize,
    pub collected: usize,
}

fn reward(
    (kind, name, points_cost, unit_cost): (RewardKind, &str, i64, i64),
    (stock, tiers, per_member_limit): (Option<u32>, Vec<Tier>, Option<u32>),
    now: DateTime<Utc>,
) -> anyhow::Result<Reward> {
    Reward::new(RewardParts {
        kind,
        name: name.to_owned(),
        points_cost,
        unit_cost: unit_cost.into(),
        stock,
        tiers,
        per_member_limit,
        valid_from: now - Duration::days(1),
        valid_to: now + Duration::days(365),
    })
    .map_err(|e| anyhow::anyhow!("demo reward: {e}"))
}

/// Counts the tier benefits (the programme's offer settings) and draws a
/// jewelry cleaning for five top members. Returns how many were drawn.
pub fn entitlements(conn: &mut PgConnection, ctx: &AuditContext) -> anyhow::Result<usize> {
    use std::collections::BTreeMap;

    use Tier::{S2, S3, S4, S5, S6};
    use clientele_offers::{Amount, BenefitKey, Entitlement, EntitlementPeriod, OffersSettings};
    let key = |k: &str| BenefitKey::parse(k).map_err(|e| anyhow::anyhow!("{}", e.message));
    let money = |v: i64| Amount::new(v.into()).map_err(|e| anyhow::anyhow!("{}", e.message));
    let (mut settings, _) = clientele_store::settings::settings::<OffersSettings>(conn)?;
    settings.entitlements = vec![
        Entitlement {
            benefit: key("birthday_gift")?,
            period: EntitlementPeriod::MemberYear,
            per_tier: [S2, S3, S4, S5, S6].into_iter().map(|t| (t, 1)).collect(),
            unit_cost: money(300)?,
        },
        Entitlement {
            benefit: key("jewelry_cleaning")?,
            period: EntitlementPeriod::CalendarYear,
            per_tier: BTreeMap::from([(S4, 1), (S5, 2), (S6, 4)]),
            unit_cost: money(120)?,
        },
    ];
    crate::settings::save(conn, &settings, ctx)?;
    let mut drawn = 0;
    for (i, member) in clientele_store::offers::top_members(conn, 5)?.into_iter().enumerate() {
        let draw = crate::entitlements::Draw {
            customer: member,
            benefit: "jewelry_cleaning".to_owned(),
            store: clientele_store::get_customer(conn, member, &StoreScope::All)?.relationship.home_store,
            source: Some("demo".to_owned()),
            external_id: Some(format!("CLEANING-{i}")),
        };
        // A member whose tier has no cleaning is simply skipped.
        if crate::entitlements::draw_entitlement(conn, draw, &StoreScope::All, ctx).is_ok() {
            drawn += 1;
        }
    }
    Ok(drawn)
}

/// Creates the catalogue and lets ten top members take a reward.
pub fn rewards(conn: &mut PgConnection, ctx: &AuditContext, now: DateTime<Utc>) -> anyhow::Result<DemoRewards> {
    use Tier::{S3, S4, S5, S6};
    let scarf = reward((RewardKind::Gift, "Silk scarf 90", 8_000, 950), (Some(50), vec![], Some(1)), now)?;
    let cleaning = reward(
        (RewardKind::Service, "Jewelry cleaning and polishing", 3_000, 120),
        (None, vec![S3, S4, S5, S6], Some(2)),
        now,
    )?;
    let viewing = reward(
        (RewardKind::EventSeat, "Private viewing of the new collection", 20_000, 600),
        (Some(20), vec![S5, S6], Some(1)),
        now,
    )?;
    let catalogue: Vec<_> =
        [scarf, cleaning, viewing].into_iter().map(|r| create_reward(conn, r, ctx)).collect::<Result<_, _>>()?;
    let (mut redeemed, mut collected) = (0, 0);
    for (i, member) in clientele_store::offers::top_members(conn, 10)?.into_iter().enumerate() {
        let home = clientele_store::get_customer(conn, member, &StoreScope::All)?.relationship.home_store;
        let request = RewardRequest {
            reward: catalogue[i % catalogue.len()].id,
            customer: member,
            store: home,
            hold_until: now + Duration::minutes(15),
            source: Some("demo".to_owned()),
            external_id: Some(format!("REWARD-{i}")),
        };
        // A member the reward is not for (tier, points) is simply skipped.
        let Ok(taken) = redeem_reward(conn, request, &StoreScope::All, ctx) else {
            continue;
        };
        let id = taken.reward.redemption_id;
        crate::loyalty::settle(conn, &id, RedemptionStep::Confirm, &StoreScope::All, ctx)?;
        redeemed += 1;
        if collected < 3 {
            collect(conn, &id, &StoreScope::All, ctx)?;
            collected += 1;
        }
    }
    Ok(DemoRewards { rewards: catalogue.len(), redeemed, collected })
}

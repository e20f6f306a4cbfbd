//! The demo's coupons, so the till has codes to check from the first
//! start: 10 % off leather goods from 3,000 for the 200 members with the
//! most growth value (a personal code each), and 200 off beauty from 1,000
//! with the shared code `BEAUTY200` (10,000 uses in all). Both run from the
//! day before the load for 90 days. Codes are drawn from a seeded
//! generator: the same at every load.

use chrono::{DateTime, Duration, Utc};
use clientele_offers::{CouponDefinition, CouponDefinitionParts, CouponKindParts, Eligibility};
use clientele_profiles::StoreScope;
use clientele_store::{AuditContext, PgConnection};
use rand::SeedableRng;

use crate::offers::{Issue, create_coupon, issue_codes_drawn};

/// What the demo's coupons came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCoupons {
    pub coupons: usize,
    pub codes: usize,
}

fn definition(
    kind: CouponKindParts,
    (min_spend, category): (i64, &str),
    max_uses: Option<u32>,
    now: DateTime<Utc>,
) -> anyhow::Result<CouponDefinition> {
    let category = clientele_kernel::Label::parse(category).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    CouponDefinition::new(CouponDefinitionParts {
        kind,
        min_spend: Some(min_spend.into()),
        eligibility: Eligibility { categories: vec![category], ..Eligibility::default() },
        valid_from: now - Duration::days(1),
        valid_to: now + Duration::days(90),
        stackable: false,
        max_discount: None,
        uses_per_customer: 1,
        max_uses,
    })
    .map_err(|e| anyhow::anyhow!("demo coupon: {e}"))
}

/// Creates the two coupons and issues their codes.
pub fn coupons(conn: &mut PgConnection, ctx: &AuditContext, now: DateTime<Utc>) -> anyhow::Result<DemoCoupons> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_205);
    let leather = definition(CouponKindParts::Percent(10.into()), (3_000, "leather goods"), None, now)?;
    let top = create_coupon(conn, ("Top clients: 10 % off leather goods".to_owned(), None), leather, ctx)?;
    let members = clientele_store::offers::top_members(conn, 200)?;
    let mut codes = 0;
    if !members.is_empty() {
        let issue = Issue::Personal(members);
        codes += issue_codes_drawn(conn, (top.id, &issue), &StoreScope::All, ctx, &mut rng)?.len();
    }
    let beauty = definition(CouponKindParts::FixedAmount(200.into()), (1_000, "beauty"), Some(10_000), now)?;
    let shared = create_coupon(conn, ("Beauty: 200 off from 1,000".to_owned(), None), beauty, ctx)?;
    let issue = Issue::Shared(Some("BEAUTY200".to_owned()));
    codes += issue_codes_drawn(conn, (shared.id, &issue), &StoreScope::All, ctx, &mut rng)?.len();
    Ok(DemoCoupons { coupons: 2, codes })
}

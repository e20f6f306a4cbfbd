//! Tier re-evaluation after a programme change: every member under the
//! tier table in force, by `clientele_loyalty`'s rule, and the record of the
//! programme version it last finished under so an unfinished one is retried.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::CustomerId;
use diesel::prelude::*;

use crate::batch::Batch;
use crate::error::StoreError;
use crate::loyalty::{lock_account, program, qualifying_growth, save_account_into, tier_changed_into};
use crate::schema::{loyalty_accounts, loyalty_program};

/// Re-evaluates every member's tier under the programme in force (after
/// its tier table changed). Returns how many members changed tier.
pub fn reevaluate_tiers(conn: &mut PgConnection, today: NaiveDate, at: DateTime<Utc>) -> Result<usize, StoreError> {
    let mut changed = 0;
    let mut after = uuid::Uuid::nil();
    loop {
        let batch: Vec<uuid::Uuid> = loyalty_accounts::table
            .filter(loyalty_accounts::customer_id.gt(after))
            .order(loyalty_accounts::customer_id.asc())
            .limit(500)
            .select(loyalty_accounts::customer_id)
            .load(conn)?;
        let Some(last) = batch.last().copied() else { break };
        after = last;
        for customer in batch {
            conn.transaction(|conn| {
                let (config, _) = program(conn)?;
                let customer = CustomerId::from_uuid(customer);
                let mut account = lock_account(conn, customer, at)?;
                let qualifying = qualifying_growth(conn, &config, customer, account.wallet.growth(), today)?;
                let update = clientele_loyalty::tier_under_new_table(&config, &account.tier, qualifying, today);
                let mut writes = Batch::new();
                if update.state != account.tier {
                    account.tier = update.state;
                    save_account_into(&mut writes, &account, today, at)?;
                }
                if let Some(c) = &update.change {
                    changed += 1;
                    tier_changed_into(&mut writes, customer, c, at)?;
                }
                writes.execute(conn)
            })?;
        }
    }
    Ok(changed)
}

/// Re-evaluates every member's tier if the programme was saved since the
/// last complete re-evaluation, and records the version it finished under.
/// Run after a save and by the loyalty job, so one that failed or was cut
/// short is retried. Returns how many members changed tier, None when
/// nothing was pending.
pub fn reevaluate_tiers_if_pending(
    conn: &mut PgConnection,
    today: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Option<usize>, StoreError> {
    let pending: Option<(i32, i32)> = loyalty_program::table
        .find(1i16)
        .select((loyalty_program::version, loyalty_program::tiers_evaluated_version))
        .first(conn)
        .optional()?;
    let Some((version, evaluated)) = pending.filter(|(version, evaluated)| evaluated < version) else {
        return Ok(None);
    };
    tracing::info!(version, evaluated, "re-evaluating tiers under the programme");
    let changed = reevaluate_tiers(conn, today, at)?;
    diesel::update(loyalty_program::table.find(1i16).filter(loyalty_program::tiers_evaluated_version.lt(version)))
        .set(loyalty_program::tiers_evaluated_version.eq(version))
        .execute(conn)?;
    Ok(Some(changed))
}

//! Data in bulk: many orders (history at go-live, demo data) or many new
//! customers in one transaction each.
//!
//! [`ingest_orders_bulk`] applies the rules of [`crate::orders::ingest_order`]
//! to a batch of checked orders in ONE unit of work: the same customer
//! resolution, business date in the store's time zone, pricing in the base
//! currency at the rate valid on that date (no rate → that order is
//! refused), limits, idempotency on (source, external id), and the same
//! loyalty functions (`calculate_order_earning`, `post_order_earning`, the
//! tier following growth) applied to each member's wallet in time order
//! under one account lock per member per batch. What differs is only how
//! rows are written — a handful of statements per batch, by
//! `clientele_store::bulk` — and two deliberate differences documented in
//! `docs/import.md`: a batch writes one audit entry (not one per order), and
//! it emits no `order.ingested` / `points.changed` / `tier.changed` events —
//! importing years of history must not fire a webhook per historical order.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, MemberNo, Moment};
use clientele_loyalty::{LotId, LoyaltyError, ProgramConfig, calculate_order_earning, post_order_earning};
use clientele_orders::{FxRate, Order, PricedOrder, business_date, price_in_base};
use clientele_profiles::{Customer, NewCustomer, StoreScope};
use clientele_store::bulk::{self, BulkOrder, Earned, PendingWrites, PricingData, Resolver};
use clientele_store::{
    AuditContext, NewAuditEntry, PgConnection, StoreError, Tx, corrupt, program, write_wallet_change,
};
use serde_json::json;
use uuid::Uuid;

use crate::orders::{order_limits, order_to_earn};

/// What became of one order of a batch.
#[derive(Debug)]
pub enum BulkOrderOutcome {
    /// Stored now, with what it earned (0 for an anonymous order).
    Imported { order_id: Uuid, points: i64 },
    /// Its (source, external id) was stored before (or earlier in the same batch).
    AlreadyPresent,
    /// Refused, nothing written for it: unknown store or customer, no exchange rate, …
    Refused(StoreError),
}

/// The outcome of a batch: one entry per order, in the order given.
#[derive(Debug, Default)]
pub struct BulkReport {
    pub outcomes: Vec<BulkOrderOutcome>,
}

impl BulkReport {
    /// How many orders were stored now.
    pub fn imported(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o, BulkOrderOutcome::Imported { .. })).count()
    }
    /// How many were there already.
    pub fn already_present(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o, BulkOrderOutcome::AlreadyPresent)).count()
    }
    /// How many were refused.
    pub fn refused(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o, BulkOrderOutcome::Refused(_))).count()
    }
}

/// Stores a batch of checked orders in one transaction; see the module
/// documentation. Orders refused for a reason of their own (unknown store
/// or customer, no rate) are reported and do not stop the others; a
/// database failure rolls the whole batch back.
pub fn ingest_orders_bulk(
    conn: &mut PgConnection,
    batch: Vec<Order>,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<BulkReport, StoreError> {
    clientele_store::transaction(conn, |tx| {
        // 1. Keys stored before, and repeats within the batch.
        let mut outcomes = already_present(tx, &batch)?;
        // 2. What the checks need, read once.
        let checks = Checks::load(tx.conn()?)?;
        let undecided = batch.iter().zip(&outcomes).filter(|(_, o)| o.is_none()).map(|(order, _)| order.customer());
        let resolver = Resolver::load(tx.conn()?, undecided)?;
        // 3. Check each new order as `ingest_order` does, in the same order of checks.
        let mut candidates: Vec<BulkOrder> = Vec::new();
        for (index, order) in batch.into_iter().enumerate() {
            if outcomes[index].is_some() {
                continue;
            }
            match checks.check(order, &resolver, scope, ctx.at) {
                Ok((priced, customer, date, associate)) => candidates.push(BulkOrder {
                    index,
                    priced,
                    customer,
                    date,
                    order_id: Uuid::now_v7(),
                    earned: None,
                    associate,
                }),
                Err(e) => outcomes[index] = Some(BulkOrderOutcome::Refused(e)),
            }
        }
        // 4. Claim the keys; one taken meanwhile by another writer is already present.
        let mut claimed = claim_keys(tx, candidates, &mut outcomes)?;
        if !claimed.is_empty() {
            checks.base_currency_unchanged(tx.conn()?)?;
        }
        // 5. Earn, member by member, orders in time order, under one lock per member.
        earn_all(tx, &checks.data.config, &mut claimed, ctx)?;
        // 6. Orders, lines, products.
        bulk::write_orders(tx.conn()?, &claimed, ctx.at)?;
        for c in &claimed {
            let points = c.earned.as_ref().map(|e| e.points).unwrap_or(0);
            outcomes[c.index] = Some(BulkOrderOutcome::Imported { order_id: c.order_id, points });
        }
        let outcomes: Vec<BulkOrderOutcome> = outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| BulkOrderOutcome::Refused(StoreError::Corrupt("order left unhandled".into()))))
            .collect();
        let report = BulkReport { outcomes };
        audit_batch(tx, &report, &claimed, ctx);
        Ok(report)
    })
}

/// One slot per order of the batch: already present (its key was stored
/// before, or it repeats an earlier order of the batch), or not decided yet.
fn already_present(tx: &mut Tx<'_>, batch: &[Order]) -> Result<Vec<Option<BulkOrderOutcome>>, StoreError> {
    let stored = bulk::keys_stored(tx.conn()?, batch)?;
    let mut seen = HashSet::new();
    Ok(batch
        .iter()
        .map(|order| {
            let key = bulk::order_key(order);
            (stored.contains(&key) || !seen.insert(key)).then_some(BulkOrderOutcome::AlreadyPresent)
        })
        .collect())
}

/// What checking an order needs, read once per batch: the programme and
/// its limits, the stores' time zones, the rates into the base currency.
struct Checks {
    data: PricingData,
    limits: clientele_orders::OrderLimits,
    /// Every associate, by id and by code.
    sellers: clientele_store::Sellers,
}

/// What a checked order of the batch is: priced, its customer, its business
/// date and the associate credited.
type Checked = (PricedOrder, Option<CustomerId>, NaiveDate, Option<Uuid>);

impl Checks {
    fn load(conn: &mut PgConnection) -> Result<Checks, StoreError> {
        let data = bulk::pricing_data(conn)?;
        let limits = order_limits(&data.config);
        let sellers = clientele_store::sellers(conn)?;
        Ok(Checks { data, limits, sellers })
    }

    /// The order priced, its customer and business date — or why not.
    fn check(
        &self,
        order: Order,
        resolver: &Resolver,
        scope: &StoreScope,
        at: DateTime<Utc>,
    ) -> Result<Checked, StoreError> {
        if !order.coupon_codes().is_empty() {
            return Err(StoreError::invalid(
                "coupon_codes",
                "not_allowed",
                "an order with coupon codes is sent on its own (POST /v1/orders): its codes are used with it",
            ));
        }
        if !scope.covers(order.store()) {
            return Err(StoreError::invalid(
                "store_id",
                "not_allowed",
                "this key may only send orders of its own stores",
            ));
        }
        let customer = resolver.resolve(order.customer(), scope)?;
        let zone = match order.store() {
            None => None,
            Some(store) => Some(*self.data.zones.get(&store.as_uuid()).ok_or_else(|| {
                StoreError::invalid("store_id", "unknown_reference", format!("no store with id {store}"))
            })?),
        };
        let associate = match order.sold_by() {
            None => None,
            Some(sold_by) => {
                let store = order.store().map(|s| s.as_uuid());
                Some(sold_by.check(self.sellers.find(sold_by), store).map_err(StoreError::Invalid)?)
            }
        };
        let date = business_date(order.ordered_at(), zone);
        let base = self.data.config.base_currency();
        let rate = if order.currency() == base {
            None
        } else {
            self.data.rates.get(order.currency().as_str()).and_then(|list| {
                list.iter().rev().find(|(from, _)| *from <= date).map(|(valid_from, rate)| FxRate {
                    from: order.currency().clone(),
                    to: base.clone(),
                    valid_from: *valid_from,
                    rate: *rate,
                })
            })
        };
        let priced = price_in_base(order, base, rate.as_ref()).map_err(StoreError::Invalid)?;
        self.limits.check(&priced, at).map_err(StoreError::Invalid)?;
        Ok((priced, customer, date, associate))
    }

    /// The programme was read before the keys were claimed: a change of
    /// base currency committed in between (possible only while no order
    /// exists) would price this batch in the old one. Claimed keys hold off
    /// any later change, so one look after claiming is enough.
    fn base_currency_unchanged(&self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let (now_in_force, _) = program(conn)?;
        if now_in_force.base_currency() != self.data.config.base_currency() {
            return Err(StoreError::Loyalty(LoyaltyError::BaseCurrencyLocked {
                current: now_in_force.base_currency().clone(),
                requested: self.data.config.base_currency().clone(),
            }));
        }
        Ok(())
    }
}

/// Claims the candidates' keys; those taken meanwhile by another writer
/// are already present. Returns the claimed orders.
fn claim_keys(
    tx: &mut Tx<'_>,
    candidates: Vec<BulkOrder>,
    outcomes: &mut [Option<BulkOrderOutcome>],
) -> Result<Vec<BulkOrder>, StoreError> {
    let claimed_keys = bulk::claim_keys(tx.conn()?, &candidates)?;
    let mut claimed: Vec<BulkOrder> = Vec::with_capacity(candidates.len());
    for c in candidates {
        if claimed_keys.contains(&bulk::order_key(&c.priced.order)) {
            claimed.push(c);
        } else {
            outcomes[c.index] = Some(BulkOrderOutcome::AlreadyPresent);
        }
    }
    Ok(claimed)
}

/// Earns every member's orders of the batch, in time order per member.
fn earn_all(
    tx: &mut Tx<'_>,
    config: &ProgramConfig,
    claimed: &mut [BulkOrder],
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    let mut by_member: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    for (i, c) in claimed.iter().enumerate() {
        if let Some(customer) = c.customer {
            by_member.entry(customer.as_uuid()).or_default().push(i);
        }
    }
    if by_member.is_empty() {
        return Ok(());
    }
    let members: Vec<Uuid> = by_member.keys().copied().collect();
    // Wallets for earning: the totals of each member's lots, not the lots.
    let mut accounts = bulk::lock_accounts(tx.conn()?, &members, ctx.at)?;
    let times = claimed.iter().map(|c| c.priced.order.ordered_at());
    let offers = match (times.clone().min(), times.max()) {
        (Some(first), Some(last)) => clientele_store::offers::points_offers_between(tx.conn()?, (first, last))?,
        _ => Vec::new(),
    };
    // A campaign's control group gets none of its offers (as through the API).
    let campaigns: Vec<Uuid> = offers.iter().filter_map(|o| o.campaign).collect();
    let held = clientele_store::offers::held_out_pairs(tx.conn()?, &campaigns, &members)?;
    // Under a re-qualification window the tier depends on the ledger's dated
    // sums: write each change as the API does.
    let windowed = config.upgrade_window(ctx.at.date_naive()).is_some();
    let mut pending = PendingWrites::default();
    for (member, mut indexes) in by_member {
        let account = accounts.get_mut(&member).ok_or_else(|| StoreError::Corrupt("account not locked".into()))?;
        let offers = crate::offers::open_to(&offers, |o| o.campaign, |c| held.contains(&(c, member)));
        indexes.sort_by_key(|&i| (claimed[i].priced.order.ordered_at(), claimed[i].index));
        for i in indexes {
            let c = &mut claimed[i];
            if !clientele_loyalty::order_earns(account.opened_as_of, c.priced.order.ordered_at()) {
                continue; // history counted in the opening balance
            }
            let to_earn = order_to_earn(&c.priced, c.order_id)?;
            let moment = Moment::new(c.priced.order.ordered_at(), c.date).map_err(corrupt("moment"))?;
            let tier = account.tier.effective_on(c.date);
            let earning = calculate_order_earning(config, tier, &to_earn).map_err(StoreError::loyalty_rule)?;
            let earning = crate::points_offers::add_offer_points(earning, &c.priced, &offers, tier)?;
            let lot = LotId::parse(&c.order_id.to_string()).map_err(corrupt("lot id"))?;
            let change = post_order_earning(config, &account.wallet, &earning, &lot, moment)
                .map_err(StoreError::loyalty_rule)?;
            if windowed {
                write_wallet_change(tx, account, &change, config, ctx.key_name.as_deref(), ctx.at)?;
            } else {
                pending.apply(config, account, &change, ctx.at)?;
            }
            c.earned = Some(Earned {
                points: earning.points().get(),
                growth: earning.growth().get(),
                earning: serde_json::to_value(&earning)?,
                tier: tier.as_str().to_owned(),
                lines: earning
                    .lines()
                    .iter()
                    .map(|l| (l.line.as_str().to_owned(), (l.points.get(), l.growth.get())))
                    .collect(),
            });
        }
    }
    bulk::flush(tx.conn()?, &pending, &accounts, ctx)
}

/// One audit entry for a batch that imported anything.
fn audit_batch(tx: &mut Tx<'_>, report: &BulkReport, claimed: &[BulkOrder], ctx: &AuditContext) {
    if report.imported() == 0 {
        return;
    }
    tx.audit(
        ctx,
        NewAuditEntry {
            action: "import",
            entity: "orders",
            entity_id: "batch".into(),
            customer: None,
            changes: json!({
                "imported": report.imported(),
                "already_present": report.already_present(),
                "refused": report.refused(),
                "first": claimed.first().map(|c| c.priced.order.external_id().as_str().to_owned()),
                "last": claimed.last().map(|c| c.priced.order.external_id().as_str().to_owned()),
            }),
        },
    );
}

/// Creates many customers in one transaction (demo data, a migration from a
/// legacy CRM): member numbers from the sequence, rows, satellites and
/// lookup keys written with a few multi-row statements, and one audit entry
/// for the batch. References (home store, associate) are checked by the
/// database's foreign keys: one bad reference fails the whole batch.
pub fn create_customers_bulk(
    conn: &mut PgConnection,
    batch: Vec<NewCustomer>,
    ctx: &AuditContext,
) -> Result<Vec<Customer>, StoreError> {
    create_customers_numbered(conn, batch.into_iter().map(|c| (c, None)).collect(), ctx)
}

/// [`create_customers_bulk`] keeping the member numbers given (a legacy
/// system's), the others from the sequence; the sequence is moved past any
/// number given in its own format.
pub fn create_customers_numbered(
    conn: &mut PgConnection,
    batch: Vec<(NewCustomer, Option<MemberNo>)>,
    ctx: &AuditContext,
) -> Result<Vec<Customer>, StoreError> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    clientele_store::transaction(conn, |tx| {
        let wanted = batch.iter().filter(|(_, no)| no.is_none()).count();
        let mut numbers = bulk::next_member_numbers(tx.conn()?, wanted)?.into_iter();
        let mut created = Vec::with_capacity(batch.len());
        for (new, given) in batch {
            let no = match given {
                Some(no) => no,
                None => {
                    MemberNo::from_sequence(numbers.next().ok_or_else(|| StoreError::Corrupt("member numbers".into()))?)
                }
            };
            created.push(new.into_customer(CustomerId::from_uuid(Uuid::now_v7()), no, ctx.at));
        }
        if let Some(highest) = created.iter().filter_map(|c| c.member_no.sequence_number()).max() {
            bulk::advance_member_sequence(tx.conn()?, highest)?;
        }
        bulk::write_customers(tx.conn()?, &created)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "import",
                entity: "customers",
                entity_id: "batch".into(),
                customer: None,
                changes: json!({
                    "created": created.len(),
                    "first_member_no": created.first().map(|c| c.member_no.as_str().to_owned()),
                    "last_member_no": created.last().map(|c| c.member_no.as_str().to_owned()),
                }),
            },
        );
        Ok(created)
    })
}

//! Demo data: stores in Chinese cities plus Milan and Paris (EUR, with
//! exchange rates), their associates, and deterministic customers (same
//! seed, same people and purchases) with profiles, consents, tags, a
//! timeline, orders with seasonality across ready-to-wear, leather goods,
//! jewelry, beauty and accessories, some returns and redemptions, and one
//! deliberate duplicate. A double points week around the last 11.11 is
//! defined first, so the orders of that week earn it.
//!
//! Customers and orders are written in bulk (`create_customers_bulk`,
//! `ingest_orders_bulk`: a few statements per thousand rows) so the same
//! command loads the README's two dozen customers in a second and a
//! million customers with ten million orders in a sitting. Orders go
//! through the same rules as the API (`Order::new`, pricing at the day's
//! rate, the loyalty engine); returns and redemptions through the store's
//! own single-item functions.
//!
//! Everything is drawn from one stream of `clientele_kernel`'s seeded
//! generator, in a fixed order, so a seed always gives the same data. The
//! parts: `catalogue` (stores, names, products and the calendar),
//! `customers` (the organisation, the customers and their timeline) and
//! `orders` (orders, returns and redemptions).

use chrono::{DateTime, Utc};
use clientele_kernel::random::SplitMix64;
use clientele_kernel::{Label, ShortText};
use clientele_profiles::{Associate, Consents, Customer, NewCustomer, Profile, Relationship, Store, StoreScope, Tags};
use clientele_store::{AuditContext, PgConnection};
use indicatif::{ProgressBar, ProgressStyle};

mod campaigns;
mod catalogue;
mod coupons;
mod customers;
mod experiment;
mod orders;
mod rewards;

pub use campaigns::{campaigns, thank_you_calls};
pub use coupons::{DemoCoupons, coupons};
pub use experiment::{DAYS_AGO, DemoExperiment, SERUM, WINDOW_DAYS, experiment};
pub use rewards::{DemoRewards, entitlements, rewards};

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub customers: u32,
    pub seed: u64,
    /// Average orders per customer.
    pub orders_per_customer: u32,
    /// Show progress bars.
    pub progress: bool,
}

/// What was loaded.
#[derive(Debug, Default)]
pub struct DemoSummary {
    pub stores: usize,
    pub associates: usize,
    pub customers: usize,
    pub orders: u64,
    pub returns: u64,
    pub redemptions: u64,
    pub skipped: bool,
    pub elapsed: std::time::Duration,
    /// How long the closing `ANALYZE` took.
    pub analyzed_in: std::time::Duration,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.skipped {
            write!(f, "demo data already present ({} stores); nothing loaded", self.stores)
        } else {
            write!(
                f,
                "demo data loaded: {} stores, {} associates, {} customers, {} orders, {} returns, {} redemptions in {:.1} s; statistics refreshed (ANALYZE) in {:.1} s",
                self.stores,
                self.associates,
                self.customers,
                self.orders,
                self.returns,
                self.redemptions,
                self.elapsed.as_secs_f64(),
                self.analyzed_in.as_secs_f64()
            )
        }
    }
}

fn text(s: &str) -> anyhow::Result<ShortText> {
    ShortText::parse(s).map_err(|e| anyhow::anyhow!("demo value {s:?}: {e}"))
}

fn label(s: &str) -> anyhow::Result<Label> {
    Label::parse(s).map_err(|e| anyhow::anyhow!("demo value {s:?}: {e}"))
}

/// Customers per transaction.
const CUSTOMERS_PER_BATCH: usize = 2_000;
/// How far back the order history goes.
const HISTORY_DAYS: i64 = 3 * 365;

fn bar(show: bool, len: u64, what: &str) -> anyhow::Result<ProgressBar> {
    if !show {
        return Ok(ProgressBar::hidden());
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{what:>10} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} ({{per_sec}}, ETA {{eta}})"
        ))
        .map_err(|e| anyhow::anyhow!("progress template: {e}"))?,
    );
    Ok(bar)
}

/// What the steps of one load share: the connection, the generator (one
/// stream for the whole run: same seed, same data), the options, the audit
/// context, the time the run is as of, the stores, the orders' progress bar
/// and the summary so far.
struct Loader<'a> {
    conn: &'a mut PgConnection,
    rng: SplitMix64,
    options: &'a DemoOptions,
    ctx: &'a AuditContext,
    now: DateTime<Utc>,
    stores: &'a [Store],
    orders_bar: ProgressBar,
    summary: DemoSummary,
}

impl Loader<'_> {
    /// The customers, in batches, each batch followed by its timeline
    /// (small runs only) and its orders; the first customer created.
    fn customers(&mut self, associates: &[Associate], bar: &ProgressBar) -> anyhow::Result<Option<Customer>> {
        let (total, seed, now) = (self.options.customers, self.options.seed, self.now);
        let mut first_customer: Option<Customer> = None;
        let mut n: u32 = 0;
        while n < total {
            let count = (total - n).min(CUSTOMERS_PER_BATCH as u32);
            let mut batch = Vec::with_capacity(count as usize);
            for i in n..n + count {
                batch.push(customers::new_customer(&mut self.rng, self.stores, associates, i, seed, now)?);
            }
            let created = crate::bulk::create_customers_bulk(self.conn, batch, self.ctx)?;
            bar.inc(created.len() as u64);
            self.summary.customers += created.len();
            if first_customer.is_none() {
                first_customer = created.first().cloned();
            }
            if total <= 1_000 {
                customers::timeline(self.conn, &mut self.rng, &created, now, self.ctx)?;
            }
            if self.options.orders_per_customer > 0 {
                self.orders_for(&created, n)?;
            }
            n += count;
        }
        Ok(first_customer)
    }
}

/// The deliberate duplicate: `first` registered again at another store,
/// with the same name, phones and birthday.
fn duplicate_of(first: &Customer, stores: &[Store], now: DateTime<Utc>) -> NewCustomer {
    let home = first.relationship.home_store;
    let other = stores.iter().map(|s| s.id).find(|s| Some(*s) != home);
    NewCustomer {
        profile: Profile {
            name: first.profile.name.clone(),
            phones: first.profile.phones.clone(),
            birthday: first.profile.birthday,
            ..Profile::default()
        },
        relationship: Relationship {
            home_store: other,
            associate: None,
            acquisition: None,
            joined_on: now.date_naive(),
        },
        tags: Tags::new(),
        consents: Consents::new(),
        external_ids: Default::default(),
    }
}

/// Loads the demo data unless stores exist already.
pub fn load(conn: &mut PgConnection, options: &DemoOptions, now: DateTime<Utc>) -> anyhow::Result<DemoSummary> {
    let started = std::time::Instant::now();
    let existing = clientele_store::list_stores(conn)?;
    if !existing.is_empty() {
        return Ok(DemoSummary {
            stores: existing.len(),
            skipped: true,
            elapsed: started.elapsed(),
            ..DemoSummary::default()
        });
    }
    let ctx = AuditContext { key_name: Some("demo".to_owned()), ..AuditContext::system(now) };
    let mut rng = SplitMix64::new(options.seed);
    let (stores, associates) = customers::organisation(conn, &ctx, options.customers)?;
    customers::exchange_rates(conn, &ctx, now, &mut rng)?;
    coupons::points_week(conn, &ctx, now)?;

    let customers_bar = bar(options.progress, u64::from(options.customers), "customers")?;
    let orders_bar =
        bar(options.progress, u64::from(options.customers) * u64::from(options.orders_per_customer), "orders")?;
    let summary = DemoSummary { stores: stores.len(), associates: associates.len(), ..DemoSummary::default() };
    let mut loader = Loader { conn, rng, options, ctx: &ctx, now, stores: &stores, orders_bar, summary };
    let first_customer = loader.customers(&associates, &customers_bar)?;
    let Loader { conn, orders_bar, mut summary, .. } = loader;
    customers_bar.finish_and_clear();
    orders_bar.finish_and_clear();
    // One deliberate duplicate: the first customer registered again at another store.
    if let Some(first) = first_customer {
        crate::customers::create_customer(
            conn,
            duplicate_of(&first, &stores, now),
            None,
            None,
            &StoreScope::All,
            &ctx,
        )?;
        summary.customers += 1;
    }
    summary.analyzed_in = clientele_store::analyze(conn)?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

//! The `clientele` command.

use std::collections::BTreeSet;

use anyhow::Context;
use clap::{Parser, Subcommand};
use clientele_api::{Application, Config, keygen, telemetry};
use clientele_app::dispatcher::Dispatcher;
use clientele_app::{clock, demo, import, jobs};
use clientele_kernel::StoreId;
use clientele_profiles::{KeyGrant, Role, StoreScope};
use clientele_store::{AuditContext, Db, NewApiKey};

/// Clientele: customer-relationship and loyalty engine for luxury retail.
///
/// Configuration comes from the environment: DATABASE_URL (default
/// postgres://clientele:clientele@127.0.0.1:5432/clientele), CLIENTELE_BIND
/// (default 127.0.0.1:8080), CLIENTELE_DB_POOL, CLIENTELE_WORKERS,
/// CLIENTELE_DISPATCH_INTERVAL_MS, CLIENTELE_WEBHOOK_RETRY_BASE_MS,
/// CLIENTELE_WEBHOOK_MAX_ATTEMPTS, RUST_LOG, CLIENTELE_LOG_FORMAT=json.
#[derive(Debug, Parser)]
#[command(name = "clientele", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Applies migrations and serves the REST API, with the scheduled jobs
    /// and the webhook sender running beside it.
    Serve,
    /// Runs the loyalty jobs once, by hand: releases lapsed redemptions and
    /// expires the points whose last usable day is before DATE.
    ExpirePoints {
        /// The business date to expire as of (default: today, UTC).
        #[arg(long = "as-of")]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Computes every customer's RFM segment and lifetime value as of DATE
    /// and writes that date's snapshot (replacing an earlier one of the same
    /// date). The service also does this once a day on its own.
    RefreshSegments {
        /// The date to compute as of (default: today, UTC).
        #[arg(long = "as-of")]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Runs the campaign job once, by hand: a round over the running
    /// campaigns (one-off campaigns whose time has come, triggers due
    /// today), then delivers the messages whose send time has passed.
    /// The service does this on every jobs round.
    RunCampaigns,
    /// Counts co-purchase affinity over the last year (next-best-product)
    /// and builds every associate's worklist for their store's day, by hand.
    /// The service does this after each daily segment refresh.
    RunClienteling,
    /// Applies pending migrations and exits.
    Migrate,
    /// Creates an API key and prints its token (shown once).
    CreateKey {
        /// admin, crm_manager, store_manager, associate, pos or analyst.
        #[arg(long)]
        role: String,
        /// Limit the key to a store (repeat for several). Required for store_manager and associate.
        #[arg(long = "store")]
        stores: Vec<uuid::Uuid>,
        /// A name for the key, shown in the audit log.
        #[arg(long, default_value = "cli")]
        name: String,
        /// For an associate's own key: the associate (of one of its stores)
        /// whose worklist and KPIs alone it reads.
        #[arg(long)]
        associate: Option<uuid::Uuid>,
    },
    /// Loads demo stores, associates and customers (does nothing if stores exist).
    Demo {
        /// How many demo customers to create.
        #[arg(long, default_value_t = 24)]
        customers: u32,
        /// Seed of the generator (same seed, same data).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Average orders per customer (0 for none).
        #[arg(long, default_value_t = 3)]
        orders_per_customer: u32,
    },
    /// Imports data in bulk (see docs/import.md).
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Order history from a CSV file, one row per order line; idempotent when re-run.
    Orders {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Orders per transaction.
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        /// An order may name a member who is not there yet: create a
        /// minimal member from its member number and phone.
        #[arg(long)]
        create_customers: bool,
        #[command(flatten)]
        go_live: GoLiveArgs,
    },
    /// A brand's own coupon codes from a CSV file (`code`, and `member_no`
    /// or `customer_id` for a personal code) as codes of one coupon;
    /// idempotent when re-run.
    Coupons {
        /// The CSV file.
        file: std::path::PathBuf,
        /// The coupon the codes are of (`POST /v1/coupons` made it).
        #[arg(long)]
        coupon: uuid::Uuid,
    },
    /// The brand's stores from a CSV file (`code`, `name`, `city`,
    /// `country`, `time_zone`, `currency`); idempotent and resumable.
    Stores {
        /// The CSV file.
        file: std::path::PathBuf,
        /// The time zone of stores whose row has none (IANA, e.g.
        /// Asia/Shanghai). Without it such a row is refused: the time zone
        /// decides every business date.
        #[arg(long)]
        default_time_zone: Option<String>,
        /// The country of stores whose row has none (ISO 3166, e.g. CN).
        #[arg(long)]
        default_country: Option<String>,
        #[command(flatten)]
        go_live: GoLiveArgs,
    },
    /// The members from a CSV file, keeping their member numbers (see
    /// docs/import.md for the columns); idempotent and resumable.
    Customers {
        /// The CSV file.
        file: std::path::PathBuf,
        #[command(flatten)]
        go_live: GoLiveArgs,
    },
    /// Each member's opening balance from the previous system, one row per
    /// lot (`member_no`, `points`, `earned_on`, `expires_on`,
    /// `growth_value`, `tier`, `tier_floor`, `tier_floor_until`; see
    /// docs/import.md); idempotent and resumable.
    Balances {
        /// The CSV file.
        file: std::path::PathBuf,
        /// When the previous system took the balances (RFC 3339; default:
        /// now). Orders placed before it earn nothing here: their points
        /// are in the balance.
        #[arg(long)]
        as_of: Option<chrono::DateTime<chrono::FixedOffset>>,
        #[command(flatten)]
        go_live: GoLiveArgs,
    },
    /// The sales associates from a CSV file (`code`, `name`, `store_code`);
    /// idempotent and resumable.
    Associates {
        /// The CSV file.
        file: std::path::PathBuf,
        #[command(flatten)]
        go_live: GoLiveArgs,
    },
}

/// What every go-live import takes (docs/import.md).
#[derive(Debug, clap::Args)]
struct GoLiveArgs {
    /// Write each refused row here as it is refused: the row, its line, a
    /// reason code, the column and a message.
    #[arg(long)]
    rejects: Option<std::path::PathBuf>,
    /// Stop once more than this many rows were refused.
    #[arg(long)]
    max_rejects: Option<u64>,
    /// Validate the whole file and write the reject file; write nothing else.
    #[arg(long)]
    check: bool,
}

impl GoLiveArgs {
    fn options(self) -> clientele_app::go_live::GoLiveOptions {
        clientele_app::go_live::GoLiveOptions {
            rejects: self.rejects,
            max_rejects: self.max_rejects,
            check: self.check,
        }
    }
}

fn open_db(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.db())?;
    db.migrate().with_context(|| format!("could not migrate the database at {}", redact(&config.database_url)))?;
    Ok(db)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn main() -> anyhow::Result<()> {
    telemetry::init();
    telemetry::install_panic_hook();
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command {
        Command::Serve => serve(&config),
        Command::ExpirePoints { as_of } => {
            let db = open_db(&config)?;
            let mut conn = db.conn()?;
            let now = clock::now();
            let report = jobs::run_once(&mut conn, as_of.unwrap_or_else(|| now.date_naive()), now)?;
            println!("{report}");
            Ok(())
        }
        Command::RefreshSegments { as_of } => refresh_segments(&config, as_of),
        Command::RunCampaigns => {
            let db = open_db(&config)?;
            let mut conn = db.conn()?;
            let report = clientele_app::campaigns::run_campaigns(&mut conn, clock::now())?;
            println!("{report}");
            Ok(())
        }
        Command::RunClienteling => {
            let db = open_db(&config)?;
            let mut conn = db.conn()?;
            run_clienteling(&mut conn, clock::now())
        }
        Command::Migrate => {
            let db = Db::connect(&config.db())?;
            let applied = db.migrate()?;
            println!(
                "migrations applied: {}",
                if applied.is_empty() { "none pending".to_owned() } else { applied.join(", ") }
            );
            Ok(())
        }
        Command::CreateKey { role, stores, name, associate } => create_key(&config, (&role, stores, associate), &name),
        Command::Demo { customers, seed, orders_per_customer } => run_demo(
            &config,
            demo::DemoOptions {
                customers,
                seed,
                orders_per_customer,
                progress: import::ImportOptions::progress_wanted(),
            },
        ),
        Command::Import { what: ImportCommand::Orders { file, batch, create_customers, go_live } } => {
            let options = import::ImportOptions {
                batch,
                progress: import::ImportOptions::progress_wanted(),
                go_live: go_live.options(),
                create_customers,
            };
            import_orders(&config, &file, options)
        }
        Command::Import { what: ImportCommand::Coupons { file, coupon } } => import_coupons(&config, &file, coupon),
        Command::Import { what: ImportCommand::Stores { file, default_time_zone, default_country, go_live } } => {
            let defaults = clientele_app::go_live::stores::StoreDefaults {
                country: default_country,
                time_zone: default_time_zone,
            };
            import_stores(&config, &file, &defaults, &go_live.options())
        }
        Command::Import { what: ImportCommand::Associates { file, go_live } } => {
            import_associates(&config, &file, &go_live.options())
        }
        Command::Import { what: ImportCommand::Customers { file, go_live } } => {
            import_customers(&config, &file, &go_live.options())
        }
        Command::Import { what: ImportCommand::Balances { file, as_of, go_live } } => {
            import_balances(&config, &file, as_of.map(|t| t.with_timezone(&chrono::Utc)), go_live.options())
        }
    }
}

/// `clientele demo`: the demo data, then (on a first load) the seed's
/// experiment, the campaigns, offers and worklists, each saying what it did.
fn run_demo(config: &Config, options: demo::DemoOptions) -> anyhow::Result<()> {
    let db = open_db(config)?;
    let mut conn = db.conn()?;
    let now = clock::now();
    let summary = demo::load(&mut conn, &options, now)?;
    println!("{summary}");
    if summary.skipped {
        return Ok(());
    }
    let ctx = AuditContext { key_name: Some("demo".to_owned()), ..AuditContext::system(now) };
    let sampled = demo::experiment(&mut conn, &ctx, now, options.seed)?;
    println!(
        "demo experiment: serum samples for beauty buyers {} days ago, {} treated, {} held out, {} serum orders since; see GET /v1/campaigns/{}/results?window_days={}&metric=promoted",
        demo::DAYS_AGO,
        sampled.treated,
        sampled.held_out,
        sampled.orders,
        sampled.campaign,
        demo::WINDOW_DAYS
    );
    let report = demo::campaigns(&mut conn, &ctx, now)?;
    println!(
        "demo campaigns: a birthday programme, a win-back with a 20 % control group, a beauty replenishment trigger and a birthday call of top clients; {report}"
    );
    let calls = demo::thank_you_calls(&mut conn, &ctx, now)?;
    println!("demo thank-you calls: {calls} follow-up(s) for purchases of 8,000 or more");
    let made = demo::coupons(&mut conn, &ctx, now)?;
    println!(
        "demo coupons: 10 % off leather goods for the top members (personal codes), 200 off beauty with the shared code BEAUTY200, two serum samples with 1,000 of beauty; {} coupons, {} codes, {} orders that used one",
        made.coupons, made.codes, made.orders
    );
    let catalogue = demo::rewards(&mut conn, &ctx, now)?;
    println!(
        "demo rewards: a silk scarf, a jewelry cleaning and a private viewing; {} rewards, {} taken by top members, {} collected",
        catalogue.rewards, catalogue.redeemed, catalogue.collected
    );
    let cleanings = demo::entitlements(&mut conn, &ctx)?;
    println!(
        "demo tier benefits: a birthday gift once per member year from S2, jewelry cleanings each year from S4; {cleanings} cleaning(s) given"
    );
    run_clienteling(&mut conn, now)
}

/// Counts co-purchase affinity and builds every associate's worklist,
/// saying what was found.
fn run_clienteling(conn: &mut clientele_store::PgConnection, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    let threads = clientele_app::machine_threads().get();
    let counted = clientele_app::suggestions::refresh_affinity(conn, now.date_naive(), now, threads)?;
    println!(
        "affinity: {} lines, {} orders, {} customers, {} rules in {} ms (reading the lines {} ms)",
        counted.lines, counted.orders, counted.customers, counted.rules, counted.duration_ms, counted.read_ms
    );
    let started = std::time::Instant::now();
    let built = clientele_app::worklist::build_all(conn, now)?;
    println!(
        "worklists: {} clients looked at, {} put forward in {:.1} s",
        built.clients,
        built.entries,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The HTTP service, the scheduled jobs and the webhook sender, side by
/// side: when the server stops (SIGINT or SIGTERM, after its graceful
/// shutdown), the jobs' loop and the sender are dropped with it.
fn serve(config: &Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let app = Application::build(config).await?;
        let dispatcher = Dispatcher::new(app.db().clone(), config.dispatcher())?;
        tracing::info!(port = app.port(), bind = %config.bind, "serving; API viewer at /docs");
        let db = app.db().clone();
        let jobs = async move {
            match config.job_interval {
                Some(interval) => jobs::run_until_stopped(db, interval).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            served = app.run_until_stopped() => served?,
            () = jobs => {}
            () = dispatcher.run_until_stopped() => {}
        }
        anyhow::Ok(())
    })
}

fn refresh_segments(config: &Config, as_of: Option<chrono::NaiveDate>) -> anyhow::Result<()> {
    let db = open_db(config)?;
    let mut conn = db.conn()?;
    let mut readers = jobs::refresh_readers(&db)?;
    let mut readers: Vec<&mut clientele_store::PgConnection> = readers.iter_mut().map(|c| &mut **c).collect();
    let now = clock::now();
    let as_of = as_of.unwrap_or_else(|| now.date_naive());
    let report = jobs::refresh_segments(&mut conn, &mut readers, as_of, now, import::ImportOptions::progress_wanted())?;
    println!("{report}");
    Ok(())
}

fn create_key(
    config: &Config,
    (role, stores, associate): (&str, Vec<uuid::Uuid>, Option<uuid::Uuid>),
    name: &str,
) -> anyhow::Result<()> {
    let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    let scope = if stores.is_empty() {
        StoreScope::All
    } else {
        StoreScope::Stores(stores.into_iter().map(StoreId::from_uuid).collect::<BTreeSet<_>>())
    };
    let mut grant = KeyGrant::new(role, scope).map_err(|e| anyhow::anyhow!("--store: {e}"))?;
    if let Some(associate) = associate {
        grant = grant
            .for_associate(clientele_profiles::AssociateId::from_uuid(associate))
            .map_err(|e| anyhow::anyhow!("--associate: {e}"))?;
    }
    let name = clientele_kernel::Actor::parse(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?.to_string();
    let db = open_db(config)?;
    let generated = keygen::generate();
    let mut conn = db.conn()?;
    let key = clientele_app::keys::create_api_key(
        &mut conn,
        NewApiKey { name, grant, digest: generated.digest, prefix: generated.prefix },
        &AuditContext::system(clock::now()),
    )?;
    eprintln!("created {} key {} ({})", key.role.as_str(), key.id, key.name);
    println!("{}", generated.token);
    Ok(())
}

fn import_coupons(config: &Config, file: &std::path::Path, coupon: uuid::Uuid) -> anyhow::Result<()> {
    let db = open_db(config)?;
    let mut conn = db.conn()?;
    let input = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = input.metadata().ok().map(|m| m.len());
    let ctx = AuditContext { key_name: Some("import".to_owned()), ..AuditContext::system(clock::now()) };
    let progress = import::ImportOptions::progress_wanted();
    let done = clientele_app::coupon_import::import_coupon_codes(
        &mut conn,
        coupon,
        (std::io::BufReader::new(input), size),
        progress,
        &ctx,
    )?;
    for error in &done.errors {
        eprintln!("{error}");
    }
    println!("{done}");
    if !done.errors.is_empty() {
        anyhow::bail!("{} row(s) refused", done.errors.len());
    }
    Ok(())
}

/// What a go-live import reads with: the database (migrated), the file,
/// and who does it (`import`, now).
struct GoLiveRun {
    _db: Db,
    conn: clientele_store::Conn,
    /// The file, with a progress bar on a terminal (not with `CI=true`).
    input: indicatif::ProgressBarIter<std::io::BufReader<std::fs::File>>,
    ctx: AuditContext,
}

fn go_live_run(config: &Config, file: &std::path::Path) -> anyhow::Result<GoLiveRun> {
    let db = open_db(config)?;
    let conn = db.conn()?;
    let input = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = input.metadata().ok().map(|m| m.len());
    let bar = import::progress_bar(import::ImportOptions::progress_wanted(), size)?;
    let ctx = AuditContext { key_name: Some("import".to_owned()), ..AuditContext::system(clock::now()) };
    Ok(GoLiveRun { _db: db, conn, input: bar.wrap_read(std::io::BufReader::new(input)), ctx })
}

fn import_stores(
    config: &Config,
    file: &std::path::Path,
    defaults: &clientele_app::go_live::stores::StoreDefaults,
    options: &clientele_app::go_live::GoLiveOptions,
) -> anyhow::Result<()> {
    let GoLiveRun { mut conn, input, ctx, .. } = go_live_run(config, file)?;
    let summary = clientele_app::go_live::stores::import_stores(&mut conn, input, defaults, options, &ctx)?;
    finish_go_live((&summary.counts.ignored_columns, summary.counts.refused), &summary.to_string(), options)
}

fn import_associates(
    config: &Config,
    file: &std::path::Path,
    options: &clientele_app::go_live::GoLiveOptions,
) -> anyhow::Result<()> {
    let GoLiveRun { mut conn, input, ctx, .. } = go_live_run(config, file)?;
    let counts = clientele_app::go_live::associates::import_associates(&mut conn, input, options, &ctx)?;
    finish_go_live((&counts.ignored_columns, counts.refused), &counts.line("associates"), options)
}

fn import_customers(
    config: &Config,
    file: &std::path::Path,
    options: &clientele_app::go_live::GoLiveOptions,
) -> anyhow::Result<()> {
    let GoLiveRun { mut conn, input, ctx, .. } = go_live_run(config, file)?;
    let counts = clientele_app::go_live::customers::import_customers(&mut conn, input, options, &ctx)?;
    finish_go_live((&counts.ignored_columns, counts.refused), &counts.line("members"), options)
}

fn import_balances(
    config: &Config,
    file: &std::path::Path,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    go_live: clientele_app::go_live::GoLiveOptions,
) -> anyhow::Result<()> {
    use clientele_app::go_live::balances;
    let GoLiveRun { mut conn, input, ctx, .. } = go_live_run(config, file)?;
    let options = balances::BalancesOptions { as_of: as_of.unwrap_or(ctx.at), go_live };
    let summary = balances::import_balances(&mut conn, input, &options, &ctx)?;
    finish_go_live((&summary.ignored_columns, summary.refused), &summary.to_string(), &options.go_live)
}

/// The ignored columns' warning, the summary, and a failure when a row was
/// refused.
fn finish_go_live(
    (ignored_columns, refused): (&[String], u64),
    summary: &str,
    options: &clientele_app::go_live::GoLiveOptions,
) -> anyhow::Result<()> {
    if !ignored_columns.is_empty() {
        eprintln!("warning: columns ignored: {}", ignored_columns.join(", "));
    }
    println!("{summary}");
    if refused > 0 {
        anyhow::bail!("{refused} row(s) refused{}", reject_hint(options));
    }
    Ok(())
}

/// Where the refused rows are, for the closing message.
fn reject_hint(options: &clientele_app::go_live::GoLiveOptions) -> String {
    match &options.rejects {
        Some(path) => format!(": see {}", path.display()),
        None => ": give --rejects FILE to keep them".to_owned(),
    }
}

fn import_orders(config: &Config, file: &std::path::Path, options: import::ImportOptions) -> anyhow::Result<()> {
    let db = open_db(config)?;
    let mut conn = db.conn()?;
    let input = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = input.metadata().ok().map(|m| m.len());
    let summary = import::import_orders(&mut conn, std::io::BufReader::new(input), size, &options, clock::now())?;
    if !summary.ignored_columns.is_empty() {
        eprintln!("warning: columns ignored: {}", summary.ignored_columns.join(", "));
    }
    const SHOWN: usize = 20;
    for error in summary.errors.iter().take(SHOWN) {
        eprintln!("{error}");
    }
    if summary.errors.len() > SHOWN {
        eprintln!("… and {} more{}", summary.errors.len() - SHOWN, reject_hint(&options.go_live));
    }
    println!("{summary}");
    if !summary.errors.is_empty() {
        anyhow::bail!(
            "{} rows refused ({} orders); the other orders were {}{}",
            summary.errors.len(),
            summary.refused_orders,
            if summary.checked { "checked" } else { "imported" },
            reject_hint(&options.go_live)
        );
    }
    Ok(())
}

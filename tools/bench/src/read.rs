//! `bench_read`: per-member reads over HTTP beside pgbench (issue #16, item 3).
//!
//! Not a test: it prints what it measured. It drives the real `clientele`
//! binary (release build) against a database it creates and drops:
//! `clientele migrate`, `clientele demo --customers N --orders-per-customer 3
//! --seed 1` (which ends with ANALYZE), `clientele refresh-segments` (so that
//! `/value` has a snapshot to show), an admin key, then, for each read,
//! `clientele serve` with a pool of C connections and its scheduled jobs off
//! (stopped before pgbench runs, so that the two fit in max_connections).
//!
//! It samples up to 100,000 members (ids and phones, each phone of exactly
//! one member) into a table `bench_members(n, customer_id, phone)` of the
//! bench database. Then, for each read, C concurrent keep-alive clients ask
//! for random sampled members for T seconds after a warm-up — every answer
//! must be `200`, anything else fails the run — and in the same run pgbench
//! (`-M prepared -c C -j 2 -T T`) reads the equivalent rows by key with
//! `\set n random(1, :count)` over `bench_members`. It prints requests/s,
//! p50, p99, pgbench's tps and the ratio of the two, then a Markdown table.
//!
//! Usage: `bench_read [--members 1000000] [--clients 50] [--seconds 20]
//! [--only customer|loyalty|orders|timeline|value|lookup] [--bin
//! target/release/clientele] [--database NAME] [--keep] [--tiny]`.
//! DATABASE_URL names a database of a role with CREATEDB (the tests' one).
//! `--keep` leaves the loaded database in place (its name is printed) and
//! `--database NAME` runs on such a database without loading it again —
//! a million members take ~12 minutes to load, a profile of the reads
//! seconds.
//!
//! `--tiny` (CI, `.ci/run`): 200 members, 2 clients, 2 s, a 1 s warm-up —
//! proves every step still runs against today's schema and API. No figure is
//! asserted; a step that fails is an error (non-zero exit).

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clientele_bench::{BenchDatabase, Clientele, LoopInput, Request, admin_url, closed_loop, pgbench, psql};
use clientele_kernel::random::SplitMix64;

/// At most this many members are sampled (random over all of them).
const SAMPLE: u32 = 100_000;

#[derive(Debug, Clone)]
struct Args {
    members: u32,
    clients: usize,
    seconds: u64,
    warm_up_seconds: u64,
    only: Option<String>,
    bin: String,
    database: Option<String>,
    keep: bool,
    admin_url: String,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        members: 1_000_000,
        clients: 50,
        seconds: 20,
        warm_up_seconds: 3,
        only: None,
        bin: "target/release/clientele".to_owned(),
        database: None,
        keep: false,
        admin_url: admin_url(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            // Later flags still override these.
            "--tiny" => (a.members, a.clients, a.seconds, a.warm_up_seconds) = (200, 2, 2, 1),
            "--keep" => a.keep = true,
            _ => {
                let value = it.next().with_context(|| format!("{flag} needs a value"))?;
                match flag.as_str() {
                    "--members" => a.members = value.parse()?,
                    "--clients" => a.clients = value.parse()?,
                    "--seconds" => a.seconds = value.parse()?,
                    "--only" => a.only = Some(value),
                    "--bin" => a.bin = value,
                    "--database" => a.database = Some(value),
                    other => bail!("unknown flag {other}"),
                }
            }
        }
    }
    if let Some(only) = &a.only
        && !READS.iter().any(|r| r.name == *only)
    {
        bail!("--only {only}: one of {}", READS.iter().map(|r| r.name).collect::<Vec<_>>().join(", "));
    }
    Ok(a)
}

/// A sampled member.
#[derive(Debug)]
struct Member {
    customer_id: String,
    phone: String,
}

/// One read: its HTTP request for a member, and pgbench's equivalent.
#[derive(Debug)]
struct Read {
    name: &'static str,
    /// The path for a member (query string included).
    path: fn(&Member) -> String,
    /// pgbench's script: the same rows by key, one statement per table the
    /// answer is built from.
    pgbench: &'static str,
}

/// The member of row `:n` of `bench_members`, in pgbench's scripts.
macro_rules! member {
    () => {
        "(SELECT customer_id FROM bench_members WHERE n = :n)"
    };
}

/// The customer's profile by the member's key: what `GET /v1/customers/{id}`
/// and the lookup answer with (row, tags, consents, important dates).
macro_rules! profile {
    ($member:expr) => {
        concat!(
            "SELECT * FROM customers WHERE customer_id = ",
            $member,
            ";\n",
            "SELECT * FROM customer_tags WHERE customer_id = ",
            $member,
            ";\n",
            "SELECT * FROM customer_consents WHERE customer_id = ",
            $member,
            ";\n",
            "SELECT * FROM important_dates WHERE customer_id = ",
            $member,
            ";\n"
        )
    };
}

/// pgbench reads the rows each answer is built from — not the service's
/// own overhead (the pool's `SELECT 1` on checkout, the visibility check,
/// BEGIN/COMMIT), which is what the ratio is there to show.
const READS: &[Read] = &[
    Read {
        name: "customer",
        path: |m| format!("/v1/customers/{}", m.customer_id),
        pgbench: concat!("\\set n random(1, :count)\n", profile!(member!())),
    },
    Read {
        name: "loyalty",
        path: |m| format!("/v1/customers/{}/loyalty", m.customer_id),
        pgbench: concat!(
            "\\set n random(1, :count)\n",
            "SELECT config, version FROM loyalty_program;\n",
            "SELECT * FROM loyalty_accounts WHERE customer_id = ",
            member!(),
            ";\n",
            "SELECT * FROM points_lots WHERE customer_id = ",
            member!(),
            " AND remaining > 0 ORDER BY expires_on;\n"
        ),
    },
    Read {
        name: "orders",
        path: |m| format!("/v1/customers/{}/orders?limit=20", m.customer_id),
        pgbench: concat!(
            "\\set n random(1, :count)\n",
            "SELECT * FROM orders WHERE customer_id = ",
            member!(),
            " ORDER BY ordered_at DESC, order_id DESC LIMIT 21;\n",
            "SELECT l.* FROM order_lines l WHERE l.customer_id = ",
            member!(),
            " AND l.order_id IN (SELECT order_id FROM orders WHERE customer_id = ",
            member!(),
            " ORDER BY ordered_at DESC, order_id DESC LIMIT 20);\n",
            "SELECT * FROM order_returns WHERE customer_id = ",
            member!(),
            ";\n"
        ),
    },
    Read {
        name: "timeline",
        path: |m| format!("/v1/customers/{}/timeline?limit=20", m.customer_id),
        pgbench: concat!(
            "\\set n random(1, :count)\n",
            "SELECT * FROM interactions WHERE customer_id = ",
            member!(),
            " ORDER BY at DESC, id DESC LIMIT 21;\n"
        ),
    },
    Read {
        name: "value",
        path: |m| format!("/v1/customers/{}/value", m.customer_id),
        pgbench: concat!(
            "\\set n random(1, :count)\n",
            "SELECT * FROM segment_runs ORDER BY as_of DESC LIMIT 1;\n",
            "SELECT * FROM segment_snapshots WHERE customer_id = ",
            member!(),
            " ORDER BY as_of;\n"
        ),
    },
    Read {
        name: "lookup",
        // E.164: the + must be encoded, or the query string reads it as a space.
        path: |m| format!("/v1/customers/lookup?phone={}", m.phone.replace('+', "%2B")),
        pgbench: concat!(
            "\\set n random(1, :count)\n",
            profile!(
                "(SELECT customer_id FROM phone_index WHERE phone = (SELECT phone FROM bench_members WHERE n = :n))"
            )
        ),
    },
];

/// Client `c`'s `n`-th member: the `n`-th draw of the generator seeded with
/// `c` (a jump, not `n` draws), so the clients need no shared state.
fn pick(c: usize, n: u64, len: usize) -> usize {
    let mut rng = SplitMix64::new(c as u64);
    rng.advance(n);
    rng.below(len as u64) as usize
}

/// Loads the members, the segments and the key: the database a new brand
/// has after `demo` (timed, as the issue measures it).
fn load(clientele: &Clientele, url: &str, members: u32) -> anyhow::Result<()> {
    clientele.load_demo(url, members, 3)?;
    let t = Instant::now();
    let refresh = clientele.run(url, &["refresh-segments"])?;
    println!("setup: {refresh} (refresh-segments took {:.1} s)", t.elapsed().as_secs_f64());
    Ok(())
}

/// Up to SAMPLE random members, each with a phone no one else has, into
/// `bench_members` (for pgbench) and into memory (for the HTTP clients).
fn sample(url: &str) -> anyhow::Result<Vec<Member>> {
    let rows = psql(
        url,
        &format!(
            "DROP TABLE IF EXISTS bench_members; \
             CREATE TABLE bench_members AS SELECT row_number() OVER () AS n, customer_id, phone FROM ( \
               SELECT c.customer_id, c.phones[1] AS phone FROM customers c \
               WHERE c.merged_into IS NULL AND c.erased_at IS NULL AND cardinality(c.phones) > 0 \
                 AND (SELECT count(*) FROM phone_index p WHERE p.phone = c.phones[1]) = 1 \
               ORDER BY random() LIMIT {SAMPLE}) s; \
             CREATE UNIQUE INDEX ON bench_members (n); ANALYZE bench_members; \
             SELECT customer_id || ' ' || phone FROM bench_members ORDER BY n"
        ),
    )?;
    let members: Vec<Member> = rows
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(id, phone)| Member { customer_id: id.to_owned(), phone: phone.to_owned() })
        .collect();
    if members.is_empty() {
        bail!("no member with a phone of their own to read");
    }
    Ok(members)
}

/// The figures of one read.
#[derive(Debug)]
struct Figures {
    name: &'static str,
    per_second: f64,
    p50: f64,
    p99: f64,
    pgbench_tps: f64,
}

async fn bench(args: &Args, url: &str, token: &str, members: Arc<Vec<Member>>) -> anyhow::Result<Vec<Figures>> {
    let clientele = Clientele::new(&args.bin);
    let mut figures = Vec::new();
    for read in READS.iter().filter(|r| args.only.as_deref().is_none_or(|o| o == r.name)) {
        // A service per read, stopped before pgbench: its pool's C
        // connections and pgbench's C would not fit together in
        // PostgreSQL's default max_connections (100) at C = 50.
        let server = clientele.serve(url, args.clients).await?;
        let (sampled, path) = (members.clone(), read.path);
        let next = Arc::new(move |c: usize, n: u64| Request {
            method: "GET",
            path: path(&sampled[pick(c, n, sampled.len())]),
            body: None,
        });
        let input = LoopInput { addr: server.addr(), token, clients: args.clients, expected: 200 };
        let warm_up = closed_loop(input, args.warm_up_seconds, 1 << 40, next.clone()).await?;
        warm_up.check(read.name, 200)?;
        let load = closed_loop(input, args.seconds, 0, next).await?;
        println!(
            "{:<9} HTTP GET, {} clients, {} s: {} requests, {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms, errors {}",
            read.name,
            args.clients,
            args.seconds,
            load.latencies.len(),
            load.per_second(),
            load.p50(),
            load.p99(),
            load.errors
        );
        drop(server);
        load.check(read.name, 200)?;
        let extra = ["-M".to_owned(), "prepared".to_owned(), "-D".to_owned(), format!("count={}", members.len())];
        let pg = pgbench(url, args.clients, args.seconds, &extra, read.pgbench)?;
        println!(
            "{:<9} pgbench -M prepared, {} clients, {} s: {:.0} tps ({}); ratio HTTP / pgbench = {:.2}",
            read.name,
            args.clients,
            args.seconds,
            pg.tps,
            pg.latency,
            load.per_second() / pg.tps
        );
        figures.push(Figures {
            name: read.name,
            per_second: load.per_second(),
            p50: load.p50(),
            p99: load.p99(),
            pgbench_tps: pg.tps,
        });
    }
    Ok(figures)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    println!(
        "bench_read: members {}, clients {}, seconds {}, bin {}",
        args.members, args.clients, args.seconds, args.bin
    );
    let clientele = Clientele::new(&args.bin);
    let mut db = match &args.database {
        Some(name) => BenchDatabase::existing(&args.admin_url, name),
        None => {
            let db = BenchDatabase::fresh(&args.admin_url, "clientele_bench_read")?;
            load(&clientele, db.url(), args.members)?;
            db
        }
    };
    if args.keep {
        db.keep();
        println!("setup: the database {} is kept (--database {} runs on it again)", db.name(), db.name());
    }
    let token = clientele.run(db.url(), &["create-key", "--role", "admin", "--name", "bench-read"])?;
    let members = Arc::new(sample(db.url())?);
    println!("setup: {} members sampled into bench_members", members.len());
    let figures = bench(&args, db.url(), &token, members).await?;
    println!("\n| read | requests/s | p50 | p99 | pgbench tps | ratio |\n|---|---|---|---|---|---|");
    for f in &figures {
        println!(
            "| {} | {:.0} | {:.1} ms | {:.1} ms | {:.0} | {:.2} |",
            f.name,
            f.per_second,
            f.p50,
            f.p99,
            f.pgbench_tps,
            f.per_second / f.pgbench_tps
        );
    }
    drop(db);
    Ok(())
}

//! `bench_clienteling`: the associate's worklist and next-best-product at
//! scale (issue #12: "worklist p99 ≤ 50 ms for an associate with 2,000
//! clients at 16 concurrent clients; affinity in the daily job ≤ 10 s").
//!
//! Not a test: it prints what it measured. It drives the real `clientele`
//! binary against a database it creates and drops — `clientele migrate`,
//! `clientele demo --customers N --orders-per-customer M --seed 1` (about
//! one associate per 2,000 clients at a large size), a second segment
//! snapshot a quarter before (so top clients' moves between segments show)
//! — or against `--database NAME`, loaded before. Then:
//! 1. `clientele run-clienteling`, timed: the affinity count (its own time
//!    as printed, and the rules) and every associate's worklist built;
//! 2. `clientele serve`, and the first read of a day not built yet for the
//!    associate with the most clients (the build at its first read), timed;
//! 3. `--clients` keep-alive clients reading that associate's worklist
//!    (20 items) in a closed loop for `--seconds` (after a warm-up): p50,
//!    p99, requests per second;
//! 4. the same load over the suggestions of sampled customers.
//!
//! Usage: `bench_clienteling [--members 1000000] [--orders-per-customer 10]
//! [--clients 16] [--seconds 20] [--bin target/release/clientele]
//! [--database NAME] [--keep] [--reads-only] [--tiny]`. `--reads-only`
//! skips step 1 (a database whose day was built). DATABASE_URL names a database of a
//! role with CREATEDB. `--tiny` (CI): 300 members, 2 clients, 2 s — proves
//! the steps still run; no figure is asserted, a failed step is an error.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clientele_bench::{BenchDatabase, Clientele, Http, Load, LoopInput, Request, admin_url, closed_loop, psql};

#[derive(Debug)]
struct Args {
    members: u32,
    orders: u32,
    clients: usize,
    seconds: u64,
    bin: String,
    database: Option<String>,
    keep: bool,
    reads_only: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        members: 1_000_000,
        orders: 10,
        clients: 16,
        seconds: 20,
        bin: "target/release/clientele".into(),
        database: None,
        keep: false,
        reads_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--members" => a.members = value()?.parse()?,
            "--orders-per-customer" => a.orders = value()?.parse()?,
            "--clients" => a.clients = value()?.parse()?,
            "--seconds" => a.seconds = value()?.parse()?,
            "--bin" => a.bin = value()?,
            "--database" => a.database = Some(value()?),
            "--keep" => a.keep = true,
            "--reads-only" => a.reads_only = true,
            "--tiny" => (a.members, a.orders, a.clients, a.seconds) = (300, 3, 2, 2),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

fn report(what: &str, clients: usize, load: &Load) {
    println!(
        "{what}, {clients} clients, {:.0} s: {} requests, {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms, errors {}",
        load.seconds,
        load.latencies.len(),
        load.per_second(),
        load.p50(),
        load.p99(),
        load.errors
    );
}

/// A warm-up, then the measured closed loop over `paths` (client `c`'s
/// `n`-th request takes a path in turn).
async fn measure(input: LoopInput<'_>, seconds: u64, paths: Vec<String>, what: &str) -> anyhow::Result<()> {
    let paths = Arc::new(paths);
    let next = Arc::new(move |c: usize, n: u64| Request {
        method: "GET",
        path: paths[(c as u64 * 7_919 + n) as usize % paths.len()].clone(),
        body: None,
    });
    closed_loop(input, 2, 1 << 40, next.clone()).await?.check(what, 200)?;
    let load = closed_loop(input, seconds, 0, next).await?;
    report(what, input.clients, &load);
    load.check(what, 200)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    println!("bench_clienteling: members {}, orders per customer {}, bin {}", a.members, a.orders, a.bin);
    let clientele = Clientele::new(&a.bin);
    let mut db = match &a.database {
        Some(name) => BenchDatabase::existing(&admin_url(), name),
        None => {
            let db = BenchDatabase::fresh(&admin_url(), "clientele_bench_clienteling")?;
            clientele.load_demo(db.url(), a.members, a.orders)?;
            // As scripts/demo.sh: a snapshot a quarter before yesterday's.
            for days in [92, 1] {
                let day = psql(db.url(), &format!("SELECT current_date - {days}"))?;
                clientele.run(db.url(), &["refresh-segments", "--as-of", day.trim()])?;
            }
            db
        }
    };
    if a.keep {
        db.keep();
        println!("setup: the database {} is kept", db.name());
    }
    if !a.reads_only {
        let t = Instant::now();
        let out = clientele.run(db.url(), &["run-clienteling"])?;
        println!("run-clienteling in {:.1} s:\n  {}", t.elapsed().as_secs_f64(), out.replace('\n', "\n  "));
    }
    let busiest = psql(
        db.url(),
        "SELECT associate_id || ' ' || count(*) FROM customers WHERE associate_id IS NOT NULL \
         AND merged_into IS NULL AND erased_at IS NULL GROUP BY associate_id ORDER BY count(*) DESC LIMIT 1",
    )?;
    let (associate, clients) = busiest.trim().split_once(' ').context("an associate with clients")?;
    let sample =
        psql(db.url(), "SELECT customer_id FROM customers WHERE merged_into IS NULL ORDER BY random() LIMIT 5000")?;
    let customers: Vec<String> = sample.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    anyhow::ensure!(!customers.is_empty(), "no customer sampled");
    let token = clientele.run(db.url(), &["create-key", "--role", "admin", "--name", "bench-clienteling"])?;
    let server = clientele.serve(db.url(), 16).await?;
    let mut http = Http::connect(server.addr()).await?;
    let tomorrow = psql(db.url(), "SELECT current_date + 1")?;
    // A kept database may have that day built by an earlier run: forget it.
    psql(
        db.url(),
        &format!(
            "DELETE FROM worklist_entries WHERE associate_id = '{associate}' AND as_of = current_date + 1; \
             DELETE FROM worklist_builds WHERE associate_id = '{associate}' AND as_of = current_date + 1"
        ),
    )?;
    let t = Instant::now();
    let path = format!("/v1/associates/{associate}/worklist?date={}", tomorrow.trim());
    let (status, _) = http.request("GET", &path, Some(&token), None).await?;
    anyhow::ensure!(status == 200, "first read of a day not built: {status}");
    println!(
        "worklist of an associate with {clients} clients, first read of a day not built: {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let input = LoopInput { addr: server.addr(), token: &token, clients: a.clients, expected: 200 };
    let worklist = format!("/v1/associates/{associate}/worklist");
    measure(input, a.seconds, vec![worklist], &format!("worklist of an associate with {clients} clients")).await?;
    let suggestions = customers.iter().map(|c| format!("/v1/customers/{c}/suggestions")).collect();
    measure(input, a.seconds, suggestions, "suggestions of sampled customers").await?;
    drop(server);
    drop(db);
    Ok(())
}

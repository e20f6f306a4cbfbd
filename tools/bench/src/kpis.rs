//! `bench_kpis`: the store KPIs at scale (issue #12: "a store's KPIs for a
//! quarter ≤ 1 s; all stores ≤ 5 s" at 1,000,000 customers and 10,000,000
//! orders).
//!
//! Not a test: it prints what it measured. It drives the real `clientele`
//! binary against a database it creates and drops — `clientele migrate`,
//! then `clientele demo --customers N --orders-per-customer M --seed 1`
//! (which ends by vacuuming the KPI tables and ANALYZE) — or against
//! `--database NAME`, loaded before (then it writes one admin key there,
//! nothing else; `serve` applies pending migrations). It starts
//! `clientele serve` with its jobs off and, over HTTP, times `--runs` times
//! each (after one untimed run): `GET /v1/analytics/stores/kpis` (every
//! store and the total), then `GET /v1/analytics/stores/{id}/kpis` for the
//! busiest store of the quarter (most orders) and for the middling one, and
//! `GET /v1/analytics/associates/{id}/kpis` for the first associate (by
//! code) of the busiest store. Each answer is the period and the same
//! dates a year before. The quarter is the last whole calendar quarter
//! before today, or `--from`/`--to`. It prints the orders and customers of
//! each and the fastest, median and slowest answer.
//!
//! Usage: `bench_kpis [--members 1000000] [--orders-per-customer 10]
//! [--runs 5] [--from YYYY-MM-DD --to YYYY-MM-DD] [--bin
//! target/release/clientele] [--database NAME] [--keep] [--tiny]`.
//! DATABASE_URL names a database of a role with CREATEDB. `--tiny` (CI):
//! 300 members, 3 orders each, one timed run — proves the steps still run;
//! no figure is asserted, a failed step (an answer other than 200) is an
//! error.

use std::time::Instant;

use anyhow::{Context, bail};
use clientele_bench::{BenchDatabase, Clientele, Http, admin_url, psql};
use serde_json::Value;

#[derive(Debug)]
struct Args {
    members: u32,
    orders_per_customer: u32,
    runs: usize,
    period: Option<(String, String)>,
    bin: String,
    database: Option<String>,
    keep: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        members: 1_000_000,
        orders_per_customer: 10,
        runs: 5,
        period: None,
        bin: "target/release/clientele".into(),
        database: None,
        keep: false,
    };
    let (mut from, mut to) = (None, None);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--members" => a.members = value()?.parse()?,
            "--orders-per-customer" => a.orders_per_customer = value()?.parse()?,
            "--runs" => a.runs = value()?.parse()?,
            "--from" => from = Some(value()?),
            "--to" => to = Some(value()?),
            "--bin" => a.bin = value()?,
            "--database" => a.database = Some(value()?),
            "--keep" => a.keep = true,
            "--tiny" => (a.members, a.orders_per_customer, a.runs) = (300, 3, 1),
            other => bail!("unknown argument {other}"),
        }
    }
    a.period = match (from, to) {
        (Some(f), Some(t)) => Some((f, t)),
        (None, None) => None,
        _ => bail!("give both --from and --to, or neither"),
    };
    anyhow::ensure!(a.runs > 0, "--runs must be at least 1");
    Ok(a)
}

/// A GET answered 200, as JSON.
async fn get(http: &mut Http, path: &str, token: &str) -> anyhow::Result<Value> {
    let (status, bytes) = http.request("GET", path, Some(token), None).await?;
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status != 200 {
        bail!("GET {path}: {status} {answer}");
    }
    Ok(answer)
}

/// One untimed request, then `runs` timed ones: the first answer and the
/// times, sorted (seconds).
async fn timed(http: &mut Http, path: &str, token: &str, runs: usize) -> anyhow::Result<(Value, Vec<f64>)> {
    let first = get(http, path, token).await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        get(http, path, token).await?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok((first, times))
}

fn row(what: &str, figures: &Value, times: &[f64]) {
    println!(
        "| {what} | {} | {} | {:.2} s | {:.2} s | {:.2} s |",
        figures["orders"],
        figures["customers"],
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
}

/// The stores of the all-stores answer by orders in the period, most first.
fn by_orders(all: &Value) -> anyhow::Result<Vec<&Value>> {
    let mut stores: Vec<&Value> = all["stores"].as_array().context("stores")?.iter().collect();
    anyhow::ensure!(!stores.is_empty(), "no store");
    stores.sort_by_key(|s| std::cmp::Reverse(s["period"]["orders"].as_u64().unwrap_or(0)));
    Ok(stores)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    println!(
        "bench_kpis: members {}, orders per member {}, runs {}, bin {}",
        a.members, a.orders_per_customer, a.runs, a.bin
    );
    let clientele = Clientele::new(&a.bin);
    let admin = admin_url();
    let mut db = match &a.database {
        Some(name) => BenchDatabase::existing(&admin, name),
        None => {
            let db = BenchDatabase::fresh(&admin, "clientele_bench_kpis")?;
            clientele.load_demo(db.url(), a.members, a.orders_per_customer)?;
            db
        }
    };
    if a.keep {
        db.keep();
        println!("setup: the database {} is kept", db.name());
    }
    let size = psql(
        db.url(),
        "SELECT (SELECT count(*) FROM customers) || ' customers, ' || (SELECT count(*) FROM orders) || ' orders'",
    )?;
    let (from, to) = match &a.period {
        Some(p) => p.clone(),
        None => {
            let q = psql(
                db.url(),
                "SELECT (date_trunc('quarter', current_date) - interval '3 months')::date || ' ' || \
                        (date_trunc('quarter', current_date) - interval '1 day')::date",
            )?;
            let (f, t) = q.split_once(' ').context("quarter")?;
            (f.to_owned(), t.to_owned())
        }
    };
    println!("setup: {size}; the quarter {from} to {to}, beside the same dates a year before");
    let token = clientele.run(db.url(), &["create-key", "--role", "admin", "--name", "bench-kpis"])?;
    let server = clientele.serve(db.url(), 4).await?;
    let mut http = Http::connect(server.addr()).await?;
    let query = format!("?from={from}&to={to}");

    println!("\n| KPIs of | orders | customers | fastest | median | slowest |\n|---|---|---|---|---|---|");
    let (all, times) = timed(&mut http, &format!("/v1/analytics/stores/kpis{query}"), &token, a.runs).await?;
    let stores = by_orders(&all)?;
    row(&format!("all {} stores (total)", stores.len()), &all["total"]["period"], &times);
    let busiest = stores[0];
    let middling = stores[stores.len() / 2];
    for (label, store) in [("the busiest store", busiest), ("a middling store", middling)] {
        let id = store["id"].as_str().context("store id")?;
        let (one, times) = timed(&mut http, &format!("/v1/analytics/stores/{id}/kpis{query}"), &token, a.runs).await?;
        row(&format!("{label} ({})", store["code"].as_str().unwrap_or("?")), &one["period"], &times);
    }
    let associates = get(&mut http, "/v1/associates", &token).await?;
    let theirs = associates.as_array().context("associates")?.iter().find(|x| x["store_id"] == busiest["id"]);
    if let Some(associate) = theirs {
        let id = associate["id"].as_str().context("associate id")?;
        let (one, times) =
            timed(&mut http, &format!("/v1/analytics/associates/{id}/kpis{query}"), &token, a.runs).await?;
        row(
            &format!("an associate of the busiest store ({})", associate["code"].as_str().unwrap_or("?")),
            &one["period"],
            &times,
        );
    }
    drop(server);
    drop(db);
    Ok(())
}

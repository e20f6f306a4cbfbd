//! `bench_campaigns`: the campaign dry run at scale (issue #11: "at
//! 1,000,000 customers a dry run answers in ≤ 5 s").
//!
//! Not a test: it prints what it measured. It drives the real `clientele`
//! binary against a database it creates and drops — `clientele migrate`,
//! `clientele demo --customers N --orders-per-customer 3 --seed 1`, then
//! `clientele refresh-segments` (as of today), so segment rules have a
//! snapshot — or against `--database NAME`, loaded before. It starts
//! `clientele serve`, defines three campaigns through the API (a win-back
//! of lapsing valuable clients, a broad tier-and-consent audience, a
//! birthday-within-14-days audience of customers who did not buy lately),
//! and times `POST /v1/campaigns/{id}/dry-run` `--runs` times each (after
//! one untimed run), printing the audience, the contacts and the fastest,
//! median and slowest answer. Then it launches the win-back and the broad
//! campaign, one after the other, with quiet hours of one second (so every
//! message goes at once), and times each launch until the campaign job has
//! reached its audience (`reached_at`) and until its messages went
//! (`finished`): the round, the contacts written, the `campaign.message`
//! events and timeline entries. Last, the results (issue #14: "the
//! results endpoint for a campaign over 1,000,000 customers answers in
//! ≤ 2 s"): a campaign to every customer (every tier), 20 % held out, is
//! launched and finished, its contacts moved 60 days back (so the demo's
//! orders fall in their 30-day windows), and `GET
//! /v1/campaigns/{id}/results` is timed `--runs` times, plain and cut by
//! tier.
//!
//! Usage: `bench_campaigns [--members 1000000] [--runs 5] [--bin
//! target/release/clientele] [--database NAME] [--keep] [--tiny]`.
//! DATABASE_URL names a database of a role with CREATEDB. `--tiny` (CI):
//! 300 members, one timed run — proves the steps still run; no figure is
//! asserted, a failed step is an error.

use std::time::Instant;

use anyhow::{Context, bail};
use clientele_bench::{BenchDatabase, Clientele, Http, admin_url, psql};
use serde_json::{Value, json};

#[derive(Debug)]
struct Args {
    members: u32,
    runs: usize,
    bin: String,
    database: Option<String>,
    keep: bool,
    results_only: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        members: 1_000_000,
        runs: 5,
        bin: "target/release/clientele".into(),
        database: None,
        keep: false,
        results_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--members" => a.members = value()?.parse()?,
            "--runs" => a.runs = value()?.parse()?,
            "--bin" => a.bin = value()?,
            "--database" => a.database = Some(value()?),
            "--keep" => a.keep = true,
            "--results-only" => a.results_only = true,
            "--tiny" => (a.members, a.runs) = (300, 1),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// The campaigns timed: (label, definition).
fn campaigns() -> Vec<(&'static str, Value)> {
    let base = |name: &str, audience: Value| {
        json!({
            "name": name, "audience": audience, "schedule": {"once": {"at": null}}, "channel": "wechat",
            "action": {"message": {"template": "bench"}}, "holdout_percent": 20, "cost_per_message": "0.30",
        })
    };
    vec![
        (
            "win-back: at risk / can't lose / hibernating, CLV ≥ 500",
            base(
                "win-back",
                json!({"all": [{"segment": ["at_risk", "cant_lose_them", "hibernating"]}, {"clv": {"min": "500"}}]}),
            ),
        ),
        (
            "broad: tier S2+ with WeChat consent",
            base("broad", json!({"all": [{"tier": ["S2", "S3", "S4", "S5", "S6"]}, {"consent": "wechat"}]})),
        ),
        (
            "birthday in 14 days, no purchase in 90 days",
            base(
                "birthday",
                json!({"all": [{"important_date": {"kinds": ["birthday"], "within_days": 14}},
                               {"not": {"days_since_last_purchase": {"max": 90}}}]}),
            ),
        ),
    ]
}

/// One request; a null body is sent as none (a GET with a body it does not
/// read makes the server close the connection).
async fn call(http: &mut Http, method: &str, path: &str, token: &str, body: &Value) -> anyhow::Result<Value> {
    let text = (!body.is_null()).then(|| body.to_string());
    let (status, bytes) = http.request(method, path, Some(token), text.as_deref()).await?;
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        bail!("{method} {path}: {status} {answer}");
    }
    Ok(answer)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    println!("bench_campaigns: members {}, runs {}, bin {}", a.members, a.runs, a.bin);
    let clientele = Clientele::new(&a.bin);
    let admin = admin_url();
    let mut db = match &a.database {
        Some(name) => BenchDatabase::existing(&admin, name),
        None => {
            let db = BenchDatabase::fresh(&admin, "clientele_bench_campaigns")?;
            clientele.load_demo(db.url(), a.members, 3)?;
            let t = Instant::now();
            clientele.run(db.url(), &["refresh-segments"])?;
            println!("setup: segments refreshed in {:.1} s", t.elapsed().as_secs_f64());
            db
        }
    };
    if a.keep {
        db.keep();
        println!("setup: the database {} is kept", db.name());
    }
    let token = clientele.run(db.url(), &["create-key", "--role", "admin", "--name", "bench-campaigns"])?;
    let server = clientele.serve(db.url(), 4).await?;
    let mut http = Http::connect(server.addr()).await?;
    if a.results_only {
        results(&mut http, (&token, server.addr()), db.url(), a.runs).await?;
        return Ok(());
    }
    println!(
        "\n| campaign | audience | held out | to contact | fastest | median | slowest |\n|---|---|---|---|---|---|---|"
    );
    for (label, definition) in campaigns() {
        let created = call(&mut http, "POST", "/v1/campaigns", &token, &definition).await?;
        let id = created["id"].as_str().context("campaign id")?.to_owned();
        let path = format!("/v1/campaigns/{id}/dry-run");
        let first = call(&mut http, "POST", &path, &token, &json!({})).await?;
        let mut times = Vec::with_capacity(a.runs);
        for _ in 0..a.runs {
            let t = Instant::now();
            call(&mut http, "POST", &path, &token, &json!({})).await?;
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {label} | {} | {} | {} | {:.2} s | {:.2} s | {:.2} s |",
            first["audience"],
            first["held_out"],
            first["to_contact"],
            times[0],
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    launches(&mut http, &token).await?;
    results(&mut http, (&token, server.addr()), db.url(), a.runs).await?;
    drop(server);
    drop(db);
    Ok(())
}

/// Launches the first two campaigns and times each until reached and
/// finished (see the module's documentation).
async fn launches(http: &mut Http, token: &str) -> anyhow::Result<()> {
    let quiet =
        json!({"cap": {"max_messages": 2, "window_days": 7}, "quiet_hours": {"start": "12:00:00", "end": "12:00:01"}});
    call(http, "PUT", "/v1/campaigns/settings", token, &quiet).await?;
    println!("\n| launch | audience | reached | finished |\n|---|---|---|---|");
    for (label, definition) in campaigns().into_iter().take(2) {
        let created = call(http, "POST", "/v1/campaigns", token, &definition).await?;
        let id = created["id"].as_str().context("campaign id")?.to_owned();
        let t = Instant::now();
        call(http, "POST", &format!("/v1/campaigns/{id}/launch"), token, &json!({})).await?;
        let mut reached = None;
        let finished = loop {
            let c = call(http, "GET", &format!("/v1/campaigns/{id}"), token, &Value::Null).await?;
            if reached.is_none() && !c["reached_at"].is_null() {
                reached = Some(t.elapsed().as_secs_f64());
            }
            if c["status"] != "running" {
                break t.elapsed().as_secs_f64();
            }
            if t.elapsed().as_secs() > 3_600 {
                bail!("{label}: not finished after an hour");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        let first = call(http, "GET", &format!("/v1/campaigns/{id}/messages?limit=1"), token, &Value::Null).await?;
        anyhow::ensure!(first["items"].as_array().is_some_and(|i| !i.is_empty()), "{label}: no contact recorded");
        let audience = call(http, "POST", &format!("/v1/campaigns/{id}/dry-run"), token, &json!({})).await?;
        let reached = reached.unwrap_or(finished);
        println!("| {label} | {} | {reached:.1} s | {finished:.1} s |", audience["audience"]);
    }
    Ok(())
}

/// Launches a campaign to every customer, moves its contacts 60 days back
/// and times its results (see the module's documentation).
async fn results(http: &mut Http, (token, addr): (&str, &str), url: &str, runs: usize) -> anyhow::Result<()> {
    let everyone = json!({
        "name": "everyone", "audience": {"tier": ["S1", "S2", "S3", "S4", "S5", "S6"]},
        "schedule": {"once": {"at": null}}, "channel": "wechat", "action": {"message": {"template": "bench"}},
        "holdout_percent": 20, "cost_per_message": "0.30", "promoted": {"categories": ["bags"]},
    });
    // A database kept from an earlier run has it already (moved back).
    let kept = psql(url, "SELECT id FROM campaigns WHERE name = 'everyone' AND status = 'finished' LIMIT 1")?;
    if !kept.is_empty() {
        println!("\nresults: the campaign to everyone of an earlier run");
        return time_results(http, token, &kept, runs).await;
    }
    let created = call(http, "POST", "/v1/campaigns", token, &everyone).await?;
    let id = created["id"].as_str().context("campaign id")?.to_owned();
    let t = Instant::now();
    call(http, "POST", &format!("/v1/campaigns/{id}/launch"), token, &json!({})).await?;
    loop {
        let c = call(http, "GET", &format!("/v1/campaigns/{id}"), token, &Value::Null).await?;
        if c["status"] != "running" {
            break;
        }
        if t.elapsed().as_secs() > 7_200 {
            bail!("everyone: not finished after two hours");
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    println!("\nresults: the campaign to everyone launched and finished in {:.1} s", t.elapsed().as_secs_f64());
    psql(url, &format!("UPDATE campaign_contacts SET at = at - interval '60 days' WHERE campaign_id = '{id}'"))?;
    psql(url, "ANALYZE campaign_contacts")?;
    // The server closed the connection while it was idle (keep-alive).
    *http = Http::connect(addr).await?;
    time_results(http, token, &id, runs).await
}

/// Times the results of campaign `id`, plain, by tier and promoted.
async fn time_results(http: &mut Http, token: &str, id: &str, runs: usize) -> anyhow::Result<()> {
    println!("\n| results | treated | control | treated buyers | control buyers | fastest | median | slowest |");
    println!("|---|---|---|---|---|---|---|---|");
    for query in ["window_days=30", "window_days=30&by=tier", "window_days=30&metric=promoted"] {
        let path = format!("/v1/campaigns/{id}/results?{query}");
        let first = call(http, "GET", &path, token, &Value::Null).await?;
        anyhow::ensure!(first["control_group"] == true, "{query}: no control group: {first}");
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            call(http, "GET", &path, token, &Value::Null).await?;
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {query} | {} | {} | {} | {} | {:.2} s | {:.2} s | {:.2} s |",
            first["treated"]["customers"],
            first["control"]["customers"],
            first["treated"]["buyers"],
            first["control"]["buyers"],
            times[0],
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    Ok(())
}

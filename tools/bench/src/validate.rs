//! (c) of `bench_ingest`: coupon validation at the till (issue #13:
//! "validation p99 ≤ 20 ms at 16 clients"). A coupon of 10 % off, a
//! personal code for each of up to 1,000 members (issued over the API), then
//! C clients asking `POST /v1/coupons/validate` for a member's code (typed
//! in lower case with spaces, as a person types it) against a two-line
//! basket, in a closed loop.

use std::sync::Arc;

use anyhow::{Context, bail};
use clientele_bench::{Clientele, Http, LoopInput, Request, closed_loop, psql};

/// What the run needs of bench_ingest's arguments.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub url: &'a str,
    pub clients: usize,
    pub seconds: u64,
    pub warm_up_seconds: u64,
}

async fn post(http: &mut Http, token: &str, path: &str, body: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let (status, answer) = http.request("POST", path, Some(token), Some(&body.to_string())).await?;
    if status != 201 {
        bail!("POST {path}: {status} {}", String::from_utf8_lossy(&answer));
    }
    Ok(serde_json::from_slice(&answer)?)
}

/// The (customer, code) pairs issued.
async fn issue_codes(http: &mut Http, token: &str, url: &str) -> anyhow::Result<Vec<(String, String)>> {
    let coupon = serde_json::json!({
        "name": "bench: 10 % off", "kind": { "percent": "10" }, "min_spend": "500",
        "valid_from": "2020-01-01T00:00:00Z", "valid_to": "2100-01-01T00:00:00Z",
    });
    let made = post(http, token, "/v1/coupons", &coupon).await?;
    let id = made["id"].as_str().context("a coupon id")?.to_owned();
    let customers: Vec<String> = psql(
        url,
        "SELECT customer_id FROM customers WHERE merged_into IS NULL AND erased_at IS NULL ORDER BY customer_id LIMIT 1000",
    )?
    .lines()
    .map(str::to_owned)
    .collect();
    let issued =
        post(http, token, &format!("/v1/coupons/{id}/codes"), &serde_json::json!({ "customers": customers })).await?;
    let pairs: Vec<(String, String)> = issued["items"]
        .as_array()
        .context("codes")?
        .iter()
        .filter_map(|c| Some((c["customer_id"].as_str()?.to_owned(), c["code"].as_str()?.to_owned())))
        .collect();
    if pairs.is_empty() {
        bail!("no code issued");
    }
    Ok(pairs)
}

fn validate_body(customer: &str, code: &str, n: u64) -> String {
    let price = 1_000 + (n * 7919) % 60_000;
    serde_json::json!({
        "codes": [code.to_lowercase().replace('-', " ")],
        "customer_id": customer,
        "lines": [
            { "line_id": "1", "sku": format!("LG-{:03}", n % 50), "category": "leather goods", "collection": "AW26",
              "quantity": 1, "unit_price": price.to_string() },
            { "line_id": "2", "sku": format!("BT-{:03}", n % 20), "category": "beauty", "quantity": 2, "unit_price": "420" }
        ]
    })
    .to_string()
}

/// Issues the codes and measures the validations; prints the figures.
pub async fn validate_bench(clientele: &Clientele, run: Run<'_>) -> anyhow::Result<()> {
    let crm = clientele.run(run.url, &["create-key", "--role", "crm_manager", "--name", "bench-offers"])?;
    let pos = clientele.run(run.url, &["create-key", "--role", "pos", "--name", "bench-till"])?;
    let server = clientele.serve(run.url, run.clients).await?;
    let mut http = Http::connect(server.addr()).await?;
    let pairs = Arc::new(issue_codes(&mut http, &crm, run.url).await?);
    println!("setup: {} personal codes issued", pairs.len());
    let next = Arc::new(move |c: usize, n: u64| {
        let (customer, code) = &pairs[((n as usize) * 31 + c * 997) % pairs.len()];
        Request {
            method: "POST",
            path: "/v1/coupons/validate".to_owned(),
            body: Some(validate_body(customer, code, n)),
        }
    });
    let input = LoopInput { addr: server.addr(), token: &pos, clients: run.clients, expected: 200 };
    closed_loop(input, run.warm_up_seconds, 1_000_000_000, next.clone()).await?;
    let load = closed_loop(input, run.seconds, 0, next).await?;
    println!(
        "(c) HTTP POST /v1/coupons/validate, {} clients, {} s: {} validations, {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, errors {} (p99 target <= 20 ms)",
        run.clients,
        run.seconds,
        load.latencies.len(),
        load.per_second(),
        load.p50(),
        load.p99(),
        load.errors
    );
    load.check("HTTP POST /v1/coupons/validate", 200)
}

//! (c) of `bench_ingest`: coupon validation at the till (issue #13:
//! "validation p99 ≤ 20 ms at 16 clients"). A coupon of 10 % off, a
//! personal code for each of up to 1,000 members (issued over the API), then
//! C clients asking `POST /v1/coupons/validate` for a member's code (typed
//! in lower case with spaces, as a person types it) against a two-line
//! basket, in a closed loop. Then (d): orders that carry a code, sent to
//! `POST /v1/orders` — with the members' personal codes (each order locks
//! its own code), and with one shared code (every order waits for the
//! same code's row: the worst case of a code published to everyone).

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
    // Uses enough for the orders of (d) to use the codes again and again.
    let coupon = serde_json::json!({
        "name": "bench: 10 % off", "kind": { "percent": "10" }, "min_spend": "500",
        "valid_from": "2020-01-01T00:00:00Z", "valid_to": "2100-01-01T00:00:00Z",
        "uses_per_customer": 1_000_000_000,
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

/// An order of the same two lines carrying `code`, paid 85 % of the gross
/// (at most what the lines come to after a 10 % coupon).
fn order_body(store: &str, customer: Option<&str>, code: &str, (c, n): (usize, u64)) -> String {
    let price = 1_000 + (n * 7919) % 60_000;
    let paid = (price + 840) * 85 / 100;
    serde_json::json!({
        "source": "bench", "external_id": format!("CPN-{c}-{n}"), "store_id": store,
        "customer": customer.map(|c| serde_json::json!({ "id": c })),
        "currency": "CNY", "payment_method": "card", "amount_paid": paid.to_string(),
        "coupon_codes": [code],
        "lines": [
            { "line_id": "1", "sku": format!("LG-{:03}", n % 50), "category": "leather goods", "quantity": 1, "unit_price": price.to_string() },
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
    let codes = pairs.clone();
    let next = Arc::new(move |c: usize, n: u64| {
        let (customer, code) = &codes[((n as usize) * 31 + c * 997) % codes.len()];
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
    load.check("HTTP POST /v1/coupons/validate", 200)?;
    orders_with_codes(&server_input(&server, &pos, run.clients), run, &pairs, &crm).await
}

fn server_input<'a>(server: &'a clientele_bench::Server, token: &'a str, clients: usize) -> LoopInput<'a> {
    LoopInput { addr: server.addr(), token, clients, expected: 201 }
}

/// (d): orders carrying the members' personal codes, then one shared code.
async fn orders_with_codes(
    input: &LoopInput<'_>,
    run: Run<'_>,
    pairs: &Arc<Vec<(String, String)>>,
    crm: &str,
) -> anyhow::Result<()> {
    let store = psql(run.url, "SELECT id FROM stores WHERE currency = 'CNY' ORDER BY code LIMIT 1")?.trim().to_owned();
    let customer_stores: std::collections::HashMap<String, String> = psql(
        run.url,
        "SELECT customer_id || ' ' || home_store_id FROM customers WHERE home_store_id IS NOT NULL AND merged_into IS NULL",
    )?
    .lines()
    .filter_map(|l| l.split_once(' ').map(|(c, s)| (c.to_owned(), s.to_owned())))
    .collect();
    let personal = Arc::new(pairs.clone());
    let homes = Arc::new(customer_stores);
    let fallback = store.clone();
    let next = Arc::new(move |c: usize, n: u64| {
        let (customer, code) = &personal[((n as usize) * 31 + c * 997) % personal.len()];
        let home = homes.get(customer).cloned().unwrap_or_else(|| fallback.clone());
        Request {
            method: "POST",
            path: "/v1/orders".to_owned(),
            body: Some(order_body(&home, Some(customer), code, (c, n))),
        }
    });
    closed_loop(*input, run.warm_up_seconds, 1_000_000_000, next.clone()).await?;
    let load = closed_loop(*input, run.seconds, 0, next).await?;
    report("personal codes", run, &load);
    load.check("HTTP POST /v1/orders with a personal code", 201)?;

    let shared = serde_json::json!({
        "name": "bench: 100 off, shared", "kind": { "fixed_amount": "100" },
        "valid_from": "2020-01-01T00:00:00Z", "valid_to": "2100-01-01T00:00:00Z",
    });
    // A new connection: the first one has been idle through the runs.
    let http = &mut Http::connect(input.addr).await?;
    let made = post(http, crm, "/v1/coupons", &shared).await?;
    let id = made["id"].as_str().context("a coupon id")?.to_owned();
    let code = serde_json::json!({ "shared": { "code": "BENCH-SHARED" } });
    post(http, crm, &format!("/v1/coupons/{id}/codes"), &code).await?;
    let next = Arc::new(move |c: usize, n: u64| Request {
        method: "POST",
        path: "/v1/orders".to_owned(),
        body: Some(order_body(&store, None, "BENCH-SHARED", (c, 2_000_000_000 + n))),
    });
    closed_loop(*input, run.warm_up_seconds, 1_000_000_000, next.clone()).await?;
    let load = closed_loop(*input, run.seconds, 0, next).await?;
    report("one shared code", run, &load);
    load.check("HTTP POST /v1/orders with a shared code", 201)
}

fn report(what: &str, run: Run<'_>, load: &clientele_bench::Load) {
    println!(
        "(d) HTTP POST /v1/orders carrying {what}, {} clients, {} s: {} orders, {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, errors {}",
        run.clients,
        run.seconds,
        load.latencies.len(),
        load.per_second(),
        load.p50(),
        load.p99(),
        load.errors
    );
}

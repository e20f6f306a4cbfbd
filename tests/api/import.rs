//! `clientele import orders`: order history in bulk gives exactly what the
//! API gives for the same orders, is idempotent, and reports bad rows with
//! their line numbers (issue #3, part 6).

use clientele_app::import::{ImportOptions, ImportSummary, import_orders};
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{DiesAfter, person, rows};

const HEADER: &str = "source,external_id,ordered_at,store_code,channel,customer_member_no,customer_phone,currency,amount_paid,payment_method,line_id,sku,product_name,category,collection,quantity,unit_price,discount";

/// One order of the shared history: (external id, time, store, member_no or
/// phone, currency, paid, lines (sku, category, quantity, unit price, discount)).
struct HistoryOrder {
    external_id: String,
    ordered_at: String,
    store: &'static str,
    member_no: Option<String>,
    phone: Option<String>,
    currency: &'static str,
    paid: String,
    lines: Vec<(&'static str, &'static str, u32, &'static str, &'static str)>,
}

impl HistoryOrder {
    fn csv_rows(&self) -> Vec<String> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, (sku, category, quantity, price, discount))| {
                format!(
                    "pos,{},{},{},store,{},{},{},{},card,{},{},Product {},{},AW25,{},{},{}",
                    self.external_id,
                    self.ordered_at,
                    self.store,
                    self.member_no.clone().unwrap_or_default(),
                    self.phone.clone().unwrap_or_default(),
                    self.currency,
                    self.paid,
                    i + 1,
                    sku,
                    sku,
                    category,
                    quantity,
                    price,
                    discount
                )
            })
            .collect()
    }

    fn api_body(&self, store_ids: &[(&str, String)]) -> Value {
        let store = store_ids.iter().find(|(c, _)| *c == self.store).map(|(_, id)| id.clone());
        let customer = match (&self.member_no, &self.phone) {
            (Some(m), _) => json!({ "member_no": m }),
            (None, Some(p)) => json!({ "phone": p }),
            _ => Value::Null,
        };
        let lines: Vec<Value> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, (sku, category, quantity, price, discount))| {
                json!({ "line_id": (i + 1).to_string(), "sku": sku, "name": format!("Product {sku}"), "category": category,
                        "collection": "AW25", "quantity": quantity, "unit_price": price, "discount": discount })
            })
            .collect();
        json!({
            "source": "pos", "external_id": self.external_id, "store_id": store, "channel": "store",
            "customer": customer, "ordered_at": self.ordered_at, "currency": self.currency, "lines": lines,
            "amount_paid": self.paid, "payment_method": "card",
        })
    }
}

/// Two stores (CNY, EUR with a rate) and three members, created the same
/// way in each app so member numbers match.
async fn setup(app: &TestApp) -> (Vec<(&'static str, String)>, Vec<String>) {
    let sh = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let mi = app.store("MI-MNP", "IT", "Europe/Rome", "EUR").await;
    let rates = json!({ "rates": [
        { "currency": "EUR", "valid_from": "2024-01-01", "rate": "7.8512" },
        { "currency": "EUR", "valid_from": "2025-06-01", "rate": "7.7031" },
    ] });
    app.admin("PUT", "/v1/fx-rates", Some(&rates)).await.expect(200);
    let mut member_nos = Vec::new();
    for (name, phone) in [("Wang Fang", "13812345678"), ("Li Na", "13900001111"), ("Giulia Rossi", "+39 347 1234567")] {
        let c = app.customer(person(name, phone)).await;
        member_nos.push(c["member_no"].as_str().expect("member_no").to_owned());
    }
    (vec![("SH-IFC", sh), ("MI-MNP", mi)], member_nos)
}

/// About forty orders over two years: members by number and by phone,
/// anonymous walk-ins, EUR orders at two different rates, discounts,
/// several lines, and enough spending to cross tiers S2 and S3.
fn history(member_nos: &[String]) -> Vec<HistoryOrder> {
    let mut out = Vec::new();
    let skus: [(&str, &str, &str); 5] = [
        ("LG-001", "leather goods", "23800"),
        ("RTW-002", "ready-to-wear", "12500.50"),
        ("JW-003", "jewelry", "68000"),
        ("BT-004", "beauty", "680"),
        ("AC-005", "accessories", "3450"),
    ];
    for k in 0..40u32 {
        let month = 1 + (k * 7) % 12;
        let year = if k < 20 { 2024 } else { 2025 };
        let day = 1 + (k * 11) % 27;
        let eur = k % 6 == 5;
        let (sku_a, cat_a, price_a) = skus[(k % 5) as usize];
        let (sku_b, cat_b, price_b) = skus[((k + 2) % 5) as usize];
        let two_lines = k % 3 == 0;
        let (price_a, price_b) = if eur { ("2450", "399.90") } else { (price_a, price_b) };
        let discount_a = if k % 4 == 1 { "100" } else { "0" };
        let mut lines = vec![(sku_a, cat_a, 1 + k % 2, price_a, discount_a)];
        if two_lines {
            lines.push((sku_b, cat_b, 1, price_b, "0"));
        }
        // Every eighth order keeps a free gift box at quantity 0.
        if k % 8 == 3 {
            lines.push(("GW-000", "packaging", 0, "50", "0"));
        }
        let net: rust_like::Dec = lines.iter().map(|(_, _, q, p, d)| rust_like::net(*q, p, d)).sum();
        // Every fifth order pays a little less than the net total (a coupon).
        let mut paid = if k % 5 == 2 { net.minus_cents(1234) } else { net }.to_string();
        // Every ninth: three for 1.00 sent at a unit price rounded to 0.33,
        // so the amount paid is a cent above the lines.
        if k % 9 == 4 {
            lines = vec![("BT-004", "beauty", 3, "0.33", "0")];
            paid = "1.00".to_owned();
        }
        let (member_no, phone) = match k % 7 {
            0 | 3 => (Some(member_nos[0].clone()), None),
            1 | 4 => (None, Some("139 0000 1111".to_owned())),
            2 | 5 => (Some(member_nos[2].clone()), None),
            _ => (None, None),
        };
        out.push(HistoryOrder {
            external_id: format!("H-{k:03}"),
            ordered_at: format!("{year}-{month:02}-{day:02}T{:02}:15:00+08:00", 10 + k % 10),
            store: if eur { "MI-MNP" } else { "SH-IFC" },
            member_no,
            phone,
            currency: if eur { "EUR" } else { "CNY" },
            paid,
            lines,
        });
    }
    out
}

/// Cents arithmetic for building the file (the test must not depend on the code under test).
mod rust_like {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Dec(pub i64);
    impl std::iter::Sum for Dec {
        fn sum<I: Iterator<Item = Dec>>(iter: I) -> Dec {
            Dec(iter.map(|d| d.0).sum())
        }
    }
    impl Dec {
        pub fn minus_cents(self, c: i64) -> Dec {
            Dec(self.0 - c)
        }
    }
    impl std::fmt::Display for Dec {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
        }
    }
    fn cents(s: &str) -> i64 {
        let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
        let frac = format!("{frac:0<2}");
        whole.parse::<i64>().expect("whole") * 100 + frac[..2].parse::<i64>().expect("cents")
    }
    pub fn net(q: u32, price: &str, discount: &str) -> Dec {
        Dec(i64::from(q) * cents(price) - cents(discount))
    }
}

fn csv_of(orders: &[HistoryOrder]) -> String {
    let mut csv = String::from(HEADER);
    csv.push('\n');
    for o in orders {
        for row in o.csv_rows() {
            csv.push_str(&row);
            csv.push('\n');
        }
    }
    csv
}

fn import(app: &TestApp, csv: &str, batch: usize) -> ImportSummary {
    let mut conn = app.db.connect();
    let options = ImportOptions { batch, progress: false, go_live: Default::default(), create_customers: false };
    import_orders(&mut conn, csv.as_bytes(), Some(csv.len() as u64), &options, chrono::Utc::now()).expect("import runs")
}

/// What the loyalty engine wrote, keyed by member number and external id.
fn loyalty_facts(app: &TestApp) -> Vec<Value> {
    let mut facts = rows(
        app,
        "SELECT m.member_no, a.points_balance, a.points_owed, a.growth_value, a.tier, \
                (SELECT sum(points) FROM ledger l WHERE l.customer_id = a.customer_id)::bigint AS ledger_points, \
                (SELECT sum(growth) FROM ledger l WHERE l.customer_id = a.customer_id)::bigint AS ledger_growth, \
                (SELECT count(*) FROM ledger l WHERE l.customer_id = a.customer_id) AS ledger_rows, \
                (SELECT sum(original) FROM points_lots p WHERE p.customer_id = a.customer_id)::bigint AS lots \
         FROM loyalty_accounts a JOIN member_numbers m ON m.customer_id = a.customer_id ORDER BY m.member_no",
    );
    facts.extend(rows(
        app,
        "SELECT o.external_id, m.member_no, o.amount_paid_base, o.fx_rate, o.points_earned, o.growth_earned, \
                o.tier_at_order, l.line_id, l.sku, l.paid, l.paid_base, l.points, l.growth \
         FROM orders o JOIN order_lines l ON l.customer_id = o.customer_id AND l.order_id = o.order_id \
         LEFT JOIN member_numbers m ON m.customer_id = o.customer_id \
         ORDER BY o.external_id, l.line_id",
    ));
    facts.extend(rows(app, "SELECT sku, name, category, collection FROM products ORDER BY sku"));
    // Every lot and every ledger entry, an order's lot named by the order's
    // external id (lot ids are the orders' own ids, which differ).
    facts.extend(rows(
        app,
        "SELECT m.member_no, coalesce(o.external_id, p.lot_id) AS lot, p.earned_on, p.expires_on, p.original, \
                p.remaining, p.held \
         FROM points_lots p JOIN member_numbers m ON m.customer_id = p.customer_id \
         LEFT JOIN orders o ON o.customer_id = p.customer_id AND o.order_id::text = p.lot_id \
         ORDER BY m.member_no, p.earned_at, lot",
    ));
    facts.extend(rows(
        app,
        "SELECT m.member_no, l.kind, l.points, l.growth, l.points_not_taken, l.business_date, l.source_kind, \
                coalesce(o.external_id, l.lot_id) AS lot \
         FROM ledger l JOIN member_numbers m ON m.customer_id = l.customer_id \
         LEFT JOIN orders o ON o.customer_id = l.customer_id AND o.order_id::text = l.lot_id \
         ORDER BY m.member_no, l.entry_no",
    ));
    facts
}

/// The same opening balance for the first member in both apps, taken on
/// 2024-07-01: their orders before it earn nothing, through the API as
/// through the import.
fn open_balance(app: &TestApp, member_no: &str) {
    let file = format!(
        "member_no,lot_id,points,earned_on,expires_on,growth_value,tier\n\
         {member_no},A1,5000,2024-03-01,2030-03-01,90000,S3\n"
    );
    let as_of = chrono::DateTime::parse_from_rfc3339("2024-07-01T00:00:00+08:00").expect("as of").to_utc();
    let options = clientele_app::go_live::balances::BalancesOptions { go_live: Default::default(), as_of };
    let ctx = clientele_store::AuditContext::system(chrono::Utc::now());
    let opened =
        clientele_app::go_live::balances::import_balances(&mut app.db.connect(), file.as_bytes(), &options, &ctx)
            .expect("balances");
    assert_eq!((opened.opened, opened.refused), (1, 0), "{opened}");
}

#[tokio::test]
async fn an_imported_history_earns_exactly_what_the_api_would() {
    let api = TestApp::spawn().await;
    let bulk = TestApp::spawn().await;
    let (stores, members) = setup(&api).await;
    let (_, bulk_members) = setup(&bulk).await;
    assert_eq!(members, bulk_members, "both databases number members alike");
    open_balance(&api, &members[0]);
    open_balance(&bulk, &members[0]);
    let orders = history(&members);
    // The API gets them as a till would, in time order; the file is not
    // sorted, and the import applies each member's orders in time order.
    let mut in_time_order: Vec<&HistoryOrder> = orders.iter().collect();
    in_time_order.sort_by(|a, b| a.ordered_at.cmp(&b.ordered_at));
    for o in in_time_order {
        api.admin("POST", "/v1/orders", Some(&o.api_body(&stores))).await.expect(201);
    }
    // The file is in time order across batches of 7 orders (as docs/import.md
    // asks) but reversed within each batch: the import sorts each member's
    // orders of a batch by time. Small batches, so a member's orders span
    // several transactions.
    let mut file: Vec<HistoryOrder> = orders;
    file.sort_by(|a, b| a.ordered_at.cmp(&b.ordered_at));
    for chunk in file.chunks_mut(7) {
        chunk.reverse();
    }
    let summary = import(&bulk, &csv_of(&file), 7);
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    assert_eq!(summary.imported, file.len() as u64);

    let (expected, got) = (loyalty_facts(&api), loyalty_facts(&bulk));
    assert!(expected.len() > 40, "the comparison covers accounts, lines and products: {expected:?}");
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e, "import (left) and API (right) differ");
    }
    assert_eq!(got.len(), expected.len());
    let kinds: Vec<&Value> = expected.iter().filter_map(|f| f.get("kind")).collect();
    assert!(kinds.iter().any(|k| *k == "migration") && kinds.iter().any(|k| *k == "earn_order"), "{kinds:?}");
    let history_before_opening = rows(
        &bulk,
        &format!(
            "SELECT count(*) AS n FROM orders o JOIN member_numbers m USING (customer_id) \
             WHERE m.member_no = '{}' AND o.ordered_at < '2024-07-01T00:00:00+08:00' AND o.points_earned = 0",
            members[0]
        ),
    );
    assert!(history_before_opening[0]["n"].as_i64() > Some(0), "orders before the opening earned nothing");
    let zero_lines =
        rows(&bulk, "SELECT count(*) AS n FROM order_lines WHERE quantity = 0 AND paid = 0 AND points = 0");
    assert!(zero_lines[0]["n"].as_i64() > Some(0), "zero lines are kept");
    let tiers: Vec<&Value> = expected.iter().filter_map(|f| f.get("tier")).collect();
    assert!(tiers.iter().any(|t| *t != "S1" && *t != "S2"), "the history crosses at least two tiers: {tiers:?}");
}

#[tokio::test]
async fn importing_the_same_file_again_imports_nothing() {
    let app = TestApp::spawn().await;
    let (_, members) = setup(&app).await;
    let csv = csv_of(&history(&members));
    let first = import(&app, &csv, 1000);
    assert_eq!((first.imported, first.already_present), (40, 0));
    let ledger_rows = app.count("ledger");
    let second = import(&app, &csv, 1000);
    assert_eq!((second.orders, second.imported, second.already_present), (40, 0, 40));
    assert!(second.errors.is_empty());
    assert_eq!(app.count("orders"), 40);
    assert_eq!(app.count("ledger"), ledger_rows, "nothing earned twice");
}

#[tokio::test]
async fn bad_rows_are_reported_with_their_line_and_the_others_imported() {
    let app = TestApp::spawn().await;
    let (_, members) = setup(&app).await;
    let m = &members[0];
    let csv = format!(
        "{HEADER}\n\
         pos,OK-1,2025-03-01T10:00:00+08:00,SH-IFC,store,{m},,CNY,1000,card,1,LG-001,,,,1,1000,0\n\
         pos,BAD-QTY,2025-03-01T10:00:00+08:00,SH-IFC,store,{m},,CNY,1000,card,1,LG-001,,,,1,1000,0\n\
         pos,BAD-QTY,2025-03-01T10:00:00+08:00,SH-IFC,store,{m},,CNY,1000,card,2,LG-002,,,,zero,1000,0\n\
         pos,NO-RATE,2023-03-01T10:00:00+01:00,MI-MNP,store,{m},,EUR,500,card,1,LG-003,,,,1,500,0\n\
         pos,NO-MEMBER,2025-03-01T10:00:00+08:00,SH-IFC,store,M999999999X,,CNY,10,card,1,LG-004,,,,1,10,0\n\
         pos,NO-STORE,2025-03-01T10:00:00+08:00,XX-000,store,,,CNY,10,card,1,LG-005,,,,1,10,0\n\
         pos,TOO-MUCH,2025-03-01T10:00:00+08:00,SH-IFC,store,,,CNY,99999,card,1,LG-006,,,,1,10,0\n\
         pos,OK-2,2025-03-02T10:00:00+08:00,SH-IFC,store,,,CNY,10,card,1,LG-007,,,,1,10,0\n"
    );
    let summary = import(&app, &csv, 1000);
    assert_eq!(summary.imported, 2, "{:?}", summary.errors);
    assert_eq!(summary.refused_orders, 5);
    let errors: Vec<(u64, String)> = summary.errors.iter().map(|e| (e.line, e.field.clone())).collect();
    assert_eq!(
        errors,
        vec![
            (4, "quantity".to_owned()),
            (5, "currency".to_owned()),
            (6, "customer_member_no".to_owned()),
            (7, "store_code".to_owned()),
            (8, "amount_paid".to_owned()),
        ],
        "{:?}",
        summary.errors
    );
    assert_eq!(app.count("orders"), 2);
    // Re-running reports the same refusals and imports nothing new.
    let again = import(&app, &csv, 1000);
    assert_eq!((again.imported, again.already_present, again.refused_orders), (0, 2, 5));
}

#[tokio::test]
async fn an_import_credits_each_order_to_the_associate_its_file_names() {
    let app = TestApp::spawn().await;
    let (stores, members) = setup(&app).await;
    let m = &members[0];
    let lin = crate::helpers::new_associate(&app, &stores[0].1, "LIN").await;
    crate::helpers::new_associate(&app, &stores[1].1, "GIU").await;
    let header = "source,external_id,ordered_at,store_code,associate_code,customer_member_no,currency,amount_paid,payment_method,line_id,sku,quantity,unit_price";
    let csv = format!(
        "{header}\n\
         pos,A-1,2025-03-01T10:00:00+08:00,SH-IFC,lin,{m},CNY,1000,card,1,LG-001,1,600\n\
         pos,A-1,2025-03-01T10:00:00+08:00,SH-IFC,lin,{m},CNY,1000,card,2,LG-002,1,400\n\
         pos,A-2,2025-03-01T11:00:00+08:00,SH-IFC,GIU,{m},CNY,10,card,1,LG-003,1,10\n\
         pos,A-3,2025-03-01T12:00:00+08:00,SH-IFC,NOBODY,,CNY,10,card,1,LG-004,1,10\n\
         pos,A-4,2025-03-01T13:00:00+08:00,SH-IFC,LIN,,CNY,10,card,1,LG-005,1,10\n\
         pos,A-4,2025-03-01T13:00:00+08:00,SH-IFC,,,CNY,10,card,2,LG-006,1,0\n\
         pos,A-5,2025-03-01T14:00:00+08:00,SH-IFC,,,CNY,10,card,1,LG-007,1,10\n"
    );
    let summary = import(&app, &csv, 1000);
    let errors: Vec<(u64, String)> = summary.errors.iter().map(|e| (e.line, e.field.clone())).collect();
    assert_eq!(
        errors,
        vec![(4, "associate_code".to_owned()), (5, "associate_code".to_owned()), (7, "associate_code".to_owned())],
        "{:?}",
        summary.errors
    );
    assert_eq!(summary.imported, 2);
    assert_eq!(app.count(&format!("orders WHERE external_id = 'A-1' AND associate_id = '{lin}'")), 1);
    assert_eq!(app.count("orders WHERE external_id = 'A-5' AND associate_id IS NULL"), 1);
}

/// The go-live rules (issue #15): each refused order's rows go to the reject
/// file as they are refused, with a stable reason; `--check` validates the
/// whole file against the database and writes nothing else; unknown
/// columns are ignored; a blank payment method is `unknown`.
#[tokio::test]
async fn refused_rows_go_to_the_reject_file_and_a_check_writes_nothing_else() {
    let app = TestApp::spawn().await;
    let (_, members) = setup(&app).await;
    let m = &members[0];
    let csv = format!(
        "{HEADER},department\n\
         pos,OK-1,2025-03-01T10:00:00+08:00,SH-IFC,store,{m},,CNY,1000,,1,LG-001,,,,1,1000,0,bags\n\
         pos,BAD-QTY,2025-03-01T10:00:00+08:00,SH-IFC,store,{m},,CNY,1000,card,1,LG-001,,,,1,1000,0,bags\n\
         pos,BAD-QTY,2025-03-01T10:00:00+08:00,SH-IFC,store,{m},,CNY,1000,card,2,LG-002,,,,zero,1000,0,bags\n\
         pos,NO-MEMBER,2025-03-01T10:00:00+08:00,SH-IFC,store,M999999999X,,CNY,10,card,1,LG-004,,,,1,10,0,\n"
    );
    let dir = std::env::temp_dir().join(format!("clientele-import-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("rejects.csv");
    let run = |check: bool| {
        let go_live = clientele_app::go_live::GoLiveOptions { rejects: Some(path.clone()), max_rejects: None, check };
        let options = ImportOptions { batch: 1000, progress: false, go_live, create_customers: false };
        import_orders(&mut app.db.connect(), csv.as_bytes(), None, &options, chrono::Utc::now()).expect("import runs")
    };
    let checked = run(true);
    assert_eq!((checked.imported, checked.refused_orders), (1, 2), "{:?}", checked.errors);
    assert!(checked.checked && checked.to_string().contains("1 would be imported"), "{checked}");
    assert_eq!(checked.ignored_columns, ["department"]);
    assert_eq!((app.count("orders"), app.count("ledger")), (0, 0), "a check writes nothing");
    let rejects = std::fs::read_to_string(&path).expect("rejects");
    let lines: Vec<&str> = rejects.lines().collect();
    assert!(lines[0].ends_with(",department,line,reason,column,message"), "{rejects}");
    assert!(lines[1].starts_with("pos,BAD-QTY,") && lines[1].contains(",3,order_refused,,"), "{rejects}");
    assert!(lines[2].contains(",4,invalid_format,quantity,"), "{rejects}");
    assert!(
        lines[3].starts_with("pos,NO-MEMBER,") && lines[3].contains(",5,unknown_reference,customer_member_no,"),
        "{rejects}"
    );
    assert_eq!(lines.len(), 4);

    let done = run(false);
    assert_eq!((done.imported, done.refused_orders), (1, 2));
    assert_eq!(app.count("orders WHERE payment_method = 'unknown'"), 1);
    assert_eq!(std::fs::read_to_string(&path).expect("rejects").lines().count(), 4, "the same refusals");
}

/// `--create-customers` (issue #15): an order naming a member who is not
/// there yet creates a minimal member from the number and the phone,
/// joined on the day of their first order; without it the order is
/// refused. A re-run creates nobody twice.
#[tokio::test]
async fn orders_may_create_their_members_when_asked() {
    let app = TestApp::spawn().await;
    let (_, members) = setup(&app).await;
    let m = &members[0];
    let csv = format!(
        "{HEADER}\n\
         pos,NEW-1,2025-03-02T10:00:00+08:00,SH-IFC,store,VIP-77,13812340077,CNY,1000,card,1,LG-001,,,,1,1000,0\n\
         pos,NEW-2,2025-03-01T10:00:00+08:00,SH-IFC,store,VIP-77,13812340077,CNY,500,card,1,LG-002,,,,1,500,0\n\
         pos,OLD-1,2025-03-01T10:00:00+08:00,SH-IFC,store,{m},,CNY,10,card,1,LG-003,,,,1,10,0\n\
         pos,BAD-PHONE,2025-03-01T10:00:00+08:00,SH-IFC,store,VIP-78,not-a-phone,CNY,10,card,1,LG-004,,,,1,10,0\n"
    );
    let run = |create_customers: bool| {
        let options = ImportOptions { batch: 1000, progress: false, go_live: Default::default(), create_customers };
        import_orders(&mut app.db.connect(), csv.as_bytes(), None, &options, chrono::Utc::now()).expect("import runs")
    };
    let refused = run(false);
    assert_eq!(
        (refused.imported, refused.refused_orders, refused.created_customers),
        (1, 3, 0),
        "{:?}",
        refused.errors
    );
    let created = run(true);
    assert_eq!(
        (created.imported, created.already_present, created.created_customers),
        (2, 1, 1),
        "{:?}",
        created.errors
    );
    assert_eq!(created.refused_orders, 1, "a bad phone is the order's error: {:?}", created.errors);
    let vip = rows(
        &app,
        "SELECT c.joined_on::text AS joined, p.phone, a.points_balance FROM customers c \
         JOIN member_numbers m USING (customer_id) JOIN phone_index p USING (customer_id) \
         JOIN loyalty_accounts a USING (customer_id) WHERE m.member_no = 'VIP-77'",
    );
    assert_eq!(vip.len(), 1, "{vip:?}");
    assert_eq!(vip[0]["joined"], "2025-03-01", "joined on their first order's day");
    assert_eq!(vip[0]["phone"], "+8613812340077");
    assert_eq!(vip[0]["points_balance"], 1500);
    let again = run(true);
    assert_eq!((again.imported, again.created_customers), (0, 0));
    assert_eq!(app.count("member_numbers WHERE member_no LIKE 'VIP-%'"), 1);
}

/// Kill and resume (issue #15): an import stopped at any point and run
/// again ends with exactly what one uninterrupted run gives — every
/// balance, lot, ledger entry, tier and line — and nothing twice.
#[tokio::test]
async fn an_import_stopped_anywhere_and_run_again_ends_as_one_run() {
    let whole = TestApp::spawn().await;
    let (_, members) = setup(&whole).await;
    let csv = csv_of(&history(&members));
    let clean = import(&whole, &csv, 5);
    assert_eq!(clean.imported, 40);
    let expected = loyalty_facts(&whole);
    for stop in [csv.len() / 7, csv.len() / 3, csv.len() * 5 / 6] {
        let app = TestApp::spawn().await;
        let (_, again) = setup(&app).await;
        assert_eq!(again, members);
        let options = ImportOptions { batch: 5, progress: false, go_live: Default::default(), create_customers: false };
        let killed = import_orders(
            &mut app.db.connect(),
            DiesAfter { data: csv.as_bytes(), left: stop },
            None,
            &options,
            chrono::Utc::now(),
        );
        assert!(killed.is_err(), "the run stopped at byte {stop}");
        let part = app.count("orders");
        assert!(part < 40, "stopped at byte {stop} with {part} orders");
        let resumed = import(&app, &csv, 5);
        assert_eq!(resumed.imported + resumed.already_present, 40, "byte {stop}");
        assert_eq!(resumed.already_present as i64, part, "byte {stop}: what was committed is kept");
        assert_eq!(loyalty_facts(&app), expected, "stopped at byte {stop}, then resumed");
    }
}

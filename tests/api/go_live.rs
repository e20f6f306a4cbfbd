//! Go-live imports (issue #15): the stores, with a reject file written as
//! rows are refused, `--check` writing nothing else, and a re-run creating
//! only what is missing.

use clientele_app::go_live::GoLiveOptions;
use clientele_app::go_live::stores::{StoreDefaults, import_stores};
use clientele_app::import::{ImportOptions, import_orders};
use clientele_store::AuditContext;
use clientele_tests::TestApp;

use crate::helpers::{DiesAfter, rows};

const STORES: &str = "\
code,name,city,country,time_zone,currency,region
SH-NEW,Shanghai New World,Shanghai,CN,Asia/Shanghai,CNY,East
CD-IFS,,Chengdu,CN,,,West
PA-RDP,Rue de la Paix,Paris,FR,Europe/Paris,EUR,Europe
XX-BAD,Bad zone,,CN,Mars/Olympus,CNY,
,No code,,CN,Asia/Shanghai,,
SH-NEW,Shanghai New World,Shanghai,CN,Asia/Shanghai,CNY,East
SH-NEW,Shanghai Other,Shanghai,CN,Asia/Shanghai,CNY,East
";

fn run(
    app: &TestApp,
    defaults: &StoreDefaults,
    check: bool,
) -> (clientele_app::go_live::stores::StoresSummary, String) {
    let dir = std::env::temp_dir().join(format!("clientele-go-live-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("rejects.csv");
    let options = GoLiveOptions { rejects: Some(path.clone()), max_rejects: None, check };
    let ctx = AuditContext::system(chrono::Utc::now());
    let summary = import_stores(&mut app.db.connect(), STORES.as_bytes(), defaults, &options, &ctx).expect("import");
    (summary, std::fs::read_to_string(path).expect("rejects"))
}

#[tokio::test]
async fn stores_come_in_once_with_every_refusal_in_the_reject_file() {
    let app = TestApp::spawn().await;
    let before = app.count("stores");
    // A check writes nothing but the reject file.
    let (checked, rejects) = run(&app, &StoreDefaults::default(), true);
    assert_eq!(
        (checked.counts.created, checked.counts.already_present, checked.counts.refused),
        (2, 1, 4),
        "{checked}"
    );
    assert_eq!(app.count("stores"), before);
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines[0], "code,name,city,country,time_zone,currency,region,line,reason,column,message");
    assert!(lines[1].starts_with("CD-IFS,,Chengdu,CN,,,West,3,time_zone_missing,time_zone,"), "{rejects}");
    assert!(lines[2].contains(",5,time_zone_invalid,time_zone,"), "{rejects}");
    assert!(lines[3].contains(",6,code_missing,code,"), "{rejects}");
    assert!(lines[4].contains(",8,store_differs,name,"), "{rejects}");
    assert_eq!(checked.counts.ignored_columns, ["region"]);

    // With a default time zone the Chengdu store comes in, named by its
    // code, in the programme's currency.
    let defaults = StoreDefaults { country: None, time_zone: Some("Asia/Shanghai".to_owned()) };
    let (done, _) = run(&app, &defaults, false);
    assert_eq!((done.counts.created, done.counts.already_present, done.counts.refused), (3, 1, 3), "{done}");
    assert!(done.to_string().contains("business dates: each order's date is its store's local date"), "{done}");
    let chengdu = rows(&app, "SELECT name, time_zone, currency FROM stores WHERE code = 'CD-IFS'");
    assert_eq!(chengdu[0]["name"], "CD-IFS");
    assert_eq!(chengdu[0]["time_zone"], "Asia/Shanghai");
    assert_eq!(app.count("stores"), before + 3);
    assert_eq!(app.count("audit_log WHERE entity = 'store' AND action = 'create'"), 3);

    // Again: nothing new, nothing overwritten.
    let (again, _) = run(&app, &defaults, false);
    assert_eq!((again.counts.created, again.counts.already_present, again.counts.refused), (0, 4, 3), "{again}");
    assert_eq!(app.count("stores"), before + 3);
    let shanghai = rows(&app, "SELECT name FROM stores WHERE code = 'SH-NEW'");
    assert_eq!(shanghai[0]["name"], "Shanghai New World");
}

#[tokio::test]
async fn associates_come_in_at_stores_imported_before() {
    let app = TestApp::spawn().await;
    let defaults = StoreDefaults { country: None, time_zone: Some("Asia/Shanghai".to_owned()) };
    run(&app, &defaults, false);
    let file = "\
code,name,store_code,phone
LIN,Lin Yue,SH-NEW,138
WEI,Wei Chen,PA-RDP,
ZHOU,Zhou Min,NOPE,
,No Code,SH-NEW,
LIN,Lin Yue,SH-NEW,
LIN,Lin Yue,PA-RDP,
";
    let options = GoLiveOptions::default();
    let ctx = AuditContext::system(chrono::Utc::now());
    let import = |o: &GoLiveOptions| {
        clientele_app::go_live::associates::import_associates(&mut app.db.connect(), file.as_bytes(), o, &ctx)
            .expect("import")
    };
    let checked = import(&GoLiveOptions { check: true, ..GoLiveOptions::default() });
    assert_eq!((checked.created, checked.already_present, checked.refused), (2, 1, 3), "{checked:?}");
    assert_eq!(app.count("associates"), 0);
    assert!(checked.refusals.contains("store_unknown 1") && checked.refusals.contains("associate_differs 1"));
    let done = import(&options);
    assert_eq!((done.created, done.already_present, done.refused), (2, 1, 3), "{done:?}");
    let again = import(&options);
    assert_eq!((again.created, again.already_present, again.refused), (0, 3, 3), "{again:?}");
    assert_eq!(app.count("associates"), 2);
    assert_eq!(
        app.count("associates a JOIN stores s ON s.id = a.store_id WHERE a.code = 'LIN' AND s.code = 'SH-NEW'"),
        1
    );
    // Over the limit of refusals, the run stops.
    let strict = GoLiveOptions { max_rejects: Some(2), ..GoLiveOptions::default() };
    let stopped =
        clientele_app::go_live::associates::import_associates(&mut app.db.connect(), file.as_bytes(), &strict, &ctx);
    assert!(stopped.expect_err("stopped").to_string().contains("--max-rejects"));
}

#[tokio::test]
async fn members_keep_their_numbers_dates_and_consents_and_a_rerun_adds_only_what_is_missing() {
    let app = TestApp::spawn().await;
    let defaults = StoreDefaults { country: None, time_zone: Some("Asia/Shanghai".to_owned()) };
    run(&app, &defaults, false);
    let ctx = AuditContext::system(chrono::Utc::now());
    let associates = "code,name,store_code\nLIN,Lin Yue,SH-NEW\n";
    clientele_app::go_live::associates::import_associates(
        &mut app.db.connect(),
        associates.as_bytes(),
        &GoLiveOptions::default(),
        &ctx,
    )
    .expect("associates");
    let own = clientele_kernel::MemberNo::from_sequence(5_000);
    let file = format!("\
member_no,name,phones,email,gender,birthday,home_store_code,associate_code,joined_on,acquisition_channel,consent_sms,consent_wechat,consent_at,consent_source,tags,loyalty_card
VIP-0001,Wang Fang,13812345678;+8613998765432,wang@example.com,female,1988-03-14,SH-NEW,lin,2019-05-02,referral,yes,no,2019-05-02T10:00:00+08:00,paper form,vip;silk,X1
{own},Chen Jie,13700000001,,male,,PA-RDP,,2021-11-11,,,,,,,X2
VIP-0003,,,,,,SH-NEW,,,,,,,,,
VIP-0004,Zhou Min,notaphone,,,,,,2020-01-01,,,,,,,
VIP-0005,Li Na,,,,,NOPE,,2020-01-01,,,,,,,
VIP-0006,Sun Li,,,,,,,2020-01-01,,maybe,,,,,
VIP-0001,Wang Fang,,,,,,,2019-05-02,,,,,,,
");
    let import = |o: &GoLiveOptions| {
        clientele_app::go_live::customers::import_customers(&mut app.db.connect(), file.as_bytes(), o, &ctx)
            .expect("import")
    };
    let checked = import(&GoLiveOptions { check: true, ..GoLiveOptions::default() });
    assert_eq!((checked.created, checked.already_present, checked.refused), (2, 1, 4), "{checked:?}");
    assert_eq!(app.count("customers"), 0);
    for reason in ["joined_on_missing 1", "phone_invalid 1", "store_unknown 1", "consent_invalid 1"] {
        assert!(checked.refusals.contains(reason), "{reason}: {}", checked.refusals);
    }
    assert_eq!(checked.ignored_columns, ["loyalty_card"]);

    let done = import(&GoLiveOptions::default());
    assert_eq!((done.created, done.already_present, done.refused), (2, 1, 4), "{done:?}");
    let wang = &rows(
        &app,
        "SELECT c.customer_id::text AS id, c.joined_on::text AS joined, m.member_no FROM customers c JOIN member_numbers m USING (customer_id) WHERE m.member_no = 'VIP-0001'",
    )[0];
    assert_eq!(wang["joined"], "2019-05-02", "the day they joined, not the import's");
    let id = wang["id"].as_str().expect("id");
    assert_eq!(app.count(&format!("customer_consents WHERE customer_id = '{id}' AND channel = 'sms' AND granted AND source = 'paper form' AND at = '2019-05-02T02:00:00Z'")), 1);
    assert_eq!(
        app.count(&format!("customer_consents WHERE customer_id = '{id}' AND channel = 'wechat' AND NOT granted")),
        1
    );
    assert_eq!(app.count(&format!("customer_tags WHERE customer_id = '{id}'")), 2);
    assert_eq!(app.count(&format!("phone_index WHERE customer_id = '{id}'")), 2);
    assert_eq!(app.count("audit_log WHERE entity = 'customers' AND action = 'import'"), 1);
    assert_eq!(app.count("outbox WHERE event_type = 'customer.created'"), 0, "no webhook per historical member");

    // Again (as after a kill): nothing twice.
    let again = import(&GoLiveOptions::default());
    assert_eq!((again.created, again.already_present, again.refused), (0, 3, 4), "{again:?}");
    assert_eq!(app.count("customers"), 2);
    // M0000050006 is in Clientele's own format: the next new member gets a later number.
    let next: i64 = rows(&app, "SELECT last_value FROM member_no_seq")[0]["last_value"].as_i64().expect("seq");
    assert!(next >= 5_000, "the sequence moved past the imported number: {next}");
}

/// Kill and resume: 2,500 members, the import stopped after the first
/// batch of 1,000 was committed; run again, every member is there once.
#[tokio::test]
async fn a_members_import_stopped_midway_and_run_again_creates_each_member_once() {
    let app = TestApp::spawn().await;
    let mut file = String::from("member_no,name,phones,joined_on,consent_sms\n");
    for i in 0..2_500 {
        file.push_str(&format!("VIP-{i:05},Member {i},+86139{i:08},2020-01-{:02},yes\n", 1 + i % 28));
    }
    let ctx = AuditContext::system(chrono::Utc::now());
    let options = GoLiveOptions::default();
    let stop = file.len() * 3 / 5;
    let killed = clientele_app::go_live::customers::import_customers(
        &mut app.db.connect(),
        DiesAfter { data: file.as_bytes(), left: stop },
        &options,
        &ctx,
    );
    assert!(killed.is_err());
    assert_eq!(app.count("customers"), 1_000, "the first batch was committed, the one in flight was not");
    let resumed =
        clientele_app::go_live::customers::import_customers(&mut app.db.connect(), file.as_bytes(), &options, &ctx)
            .expect("resume");
    assert_eq!((resumed.created, resumed.already_present, resumed.refused), (1_500, 1_000, 0));
    assert_eq!(app.count("customers"), 2_500);
    assert_eq!(app.count("customer_consents WHERE channel = 'sms' AND granted"), 2_500);
    assert_eq!(app.count("(SELECT phone FROM phone_index GROUP BY phone HAVING count(*) > 1) d"), 0);
}

/// Stores, an associate and members, as the balances tests need them.
fn members(app: &TestApp, numbers: &[&str]) {
    let defaults = StoreDefaults { country: None, time_zone: Some("Asia/Shanghai".to_owned()) };
    run(app, &defaults, false);
    let mut file = String::from("member_no,joined_on\n");
    for n in numbers {
        file.push_str(&format!("{n},2020-01-01\n"));
    }
    let ctx = AuditContext::system(chrono::Utc::now());
    let made = clientele_app::go_live::customers::import_customers(
        &mut app.db.connect(),
        file.as_bytes(),
        &GoLiveOptions::default(),
        &ctx,
    )
    .expect("members");
    assert_eq!(made.created, numbers.len() as u64);
}

fn balances(
    app: &TestApp,
    input: impl std::io::Read,
    go_live: GoLiveOptions,
) -> anyhow::Result<clientele_app::go_live::balances::BalancesSummary> {
    let as_of = chrono::Utc::now();
    let options = clientele_app::go_live::balances::BalancesOptions { go_live, as_of };
    let ctx = AuditContext::system(as_of);
    clientele_app::go_live::balances::import_balances(&mut app.db.connect(), input, &options, &ctx)
}

/// Opening balances: lots keep their dates, the ledger equals the balance,
/// a tier above the growth's needs its last day, refusals go to the reject
/// file whole-member, `--check` writes nothing, a re-run opens nothing twice.
#[tokio::test]
async fn opening_balances_enter_the_ledger_and_come_in_once() {
    let app = TestApp::spawn().await;
    members(&app, &["VIP-0001", "VIP-0002", "VIP-0003", "VIP-0004", "VIP-0005"]);
    let file = "\
member_no,lot_id,points,earned_on,expires_on,growth_value,tier,tier_floor,tier_floor_until,segment
VIP-0001,A,1200,2025-01-10,2030-01-10,25000,S4,,2030-06-30,gold
VIP-0001,B,300,2025-09-01,,25000,,,,gold
VIP-0002,C,500,2024-01-01,2025-01-01,1000,,,,
VIP-0002,D,500,2025-01-01,2030-01-01,1000,,,,
VIP-0003,,,,,20000,S5,,,
VIP-0004,E,90,2025-02-02,2030-02-02,800,,S6,2030-12-31,
VIP-0004,F,10,2025-02-03,2030-02-03,999,,,,
NOBODY,G,1,2025-01-01,,,,,,
VIP-0005,,0,,,0,S1,,,
";
    let dir = std::env::temp_dir().join(format!("clientele-balances-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("dir");
    let rejects = dir.join("rejects.csv");
    let with_rejects = |check| GoLiveOptions { rejects: Some(rejects.clone()), max_rejects: None, check };
    let checked = balances(&app, file.as_bytes(), with_rejects(true)).expect("check");
    assert_eq!((checked.opened, checked.refused, checked.empty), (1, 6, 1), "{checked}");
    assert_eq!(app.count("ledger"), 0, "a check writes nothing");
    assert_eq!(app.count("points_lots"), 0);

    let done = balances(&app, file.as_bytes(), with_rejects(false)).expect("import");
    assert_eq!((done.opened, done.refused, done.empty, done.points, done.lots), (1, 6, 1, 1_500, 2), "{done}");
    assert_eq!(done.ignored_columns, ["segment"]);
    let refused = std::fs::read_to_string(&rejects).expect("rejects");
    for expected in [
        ",4,lot_expired,expires_on,",
        ",5,member_refused,,",
        ",6,tier_needs_floor_end,tier_floor_until,",
        ",7,member_refused,,",
        ",8,differs,growth_value,",
        ",9,member_unknown,member_no,",
    ] {
        assert!(refused.contains(expected), "{expected} in {refused}");
    }
    let one = &rows(
        &app,
        "SELECT a.points_balance, a.growth_value, a.tier, a.tier_state->'floor'->>'tier' AS floor, \
                (SELECT sum(points) FROM ledger l WHERE l.customer_id = a.customer_id)::bigint AS ledger, \
                (SELECT sum(growth) FROM ledger l WHERE l.customer_id = a.customer_id)::bigint AS ledger_growth, \
                (SELECT count(*) FROM ledger l WHERE l.customer_id = a.customer_id AND kind = 'migration' \
                   AND source_kind = 'migration') AS migration \
         FROM loyalty_accounts a JOIN member_numbers m USING (customer_id) WHERE m.member_no = 'VIP-0001'",
    )[0];
    assert_eq!((one["points_balance"].as_i64(), one["ledger"].as_i64()), (Some(1_500), Some(1_500)));
    assert_eq!((one["growth_value"].as_i64(), one["ledger_growth"].as_i64()), (Some(25_000), Some(25_000)));
    assert_eq!((one["tier"].as_str(), one["floor"].as_str()), (Some("S4"), Some("S4")), "{one}");
    assert_eq!(one["migration"].as_i64(), Some(4), "two lots, the growth, the floor");
    let lot =
        &rows(&app, "SELECT earned_on::text AS e, expires_on::text AS x FROM points_lots WHERE lot_id = 'migration-A'")
            [0];
    assert_eq!((lot["e"].as_str(), lot["x"].as_str()), (Some("2025-01-10"), Some("2030-01-10")));
    assert_eq!(app.count("outbox WHERE event_type IN ('points.changed', 'tier.changed')"), 0, "no webhook per member");

    let ahead = clientele_app::go_live::balances::BalancesOptions {
        go_live: GoLiveOptions::default(),
        as_of: chrono::Utc::now() + chrono::TimeDelta::days(1),
    };
    let ctx = AuditContext::system(chrono::Utc::now());
    let refused =
        clientele_app::go_live::balances::import_balances(&mut app.db.connect(), file.as_bytes(), &ahead, &ctx);
    assert!(refused.expect_err("a date ahead").to_string().contains("in the future"));
    let again = balances(&app, file.as_bytes(), GoLiveOptions::default()).expect("again");
    assert_eq!((again.opened, again.already_present, again.refused), (0, 1, 6), "{again}");
    assert_eq!(app.count("ledger"), 4);
}

/// Kill and resume: 1,200 members' balances, stopped after the first batch
/// of 500 was committed; run again, each member is opened once.
#[tokio::test]
async fn a_balances_import_stopped_midway_and_run_again_opens_each_member_once() {
    let app = TestApp::spawn().await;
    let numbers: Vec<String> = (0..1_200).map(|i| format!("VIP-{i:05}")).collect();
    members(&app, &numbers.iter().map(String::as_str).collect::<Vec<_>>());
    let mut file = String::from("member_no,lot_id,points,earned_on,growth_value\n");
    for n in &numbers {
        file.push_str(&format!("{n},1,100,2026-01-01,1000\n{n},2,50,2026-02-01,1000\n"));
    }
    let killed = balances(&app, DiesAfter { data: file.as_bytes(), left: file.len() / 2 }, GoLiveOptions::default());
    assert!(killed.is_err());
    assert_eq!(app.count("loyalty_accounts WHERE opened_as_of IS NOT NULL"), 500, "the first batch only");
    let resumed = balances(&app, file.as_bytes(), GoLiveOptions::default()).expect("resume");
    assert_eq!((resumed.opened, resumed.already_present, resumed.refused), (700, 500, 0), "{resumed}");
    assert_eq!(app.count("points_lots"), 2_400);
    assert_eq!(app.count("loyalty_accounts WHERE points_balance = 150 AND growth_value = 1000"), 1_200);
}

/// The README's go-live: the sample files of examples/go-live, in four
/// imports, refuse nothing; the history before the
/// balances' date earns nothing, the orders after it do.
#[tokio::test]
async fn the_sample_go_live_in_the_repository_comes_in_whole() {
    let app = TestApp::spawn().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/go-live");
    let file = |name: &str| std::fs::File::open(dir.join(name)).expect("sample file");
    let ctx = AuditContext::system(chrono::Utc::now());
    let none = GoLiveOptions::default();
    let mut conn = app.db.connect();
    let stores = import_stores(&mut conn, file("stores.csv"), &StoreDefaults::default(), &none, &ctx).expect("stores");
    assert_eq!((stores.counts.created, stores.counts.refused), (3, 0), "{stores}");
    let people = clientele_app::go_live::customers::import_customers(&mut conn, file("customers.csv"), &none, &ctx);
    assert_eq!(people.expect("customers").created, 5);
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00+08:00").expect("as of").to_utc();
    let options = clientele_app::go_live::balances::BalancesOptions { go_live: none.clone(), as_of };
    let opened = clientele_app::go_live::balances::import_balances(&mut conn, file("balances.csv"), &options, &ctx);
    let opened = opened.expect("balances");
    assert_eq!((opened.opened, opened.refused), (4, 0), "{opened}");
    let options = ImportOptions { batch: 1000, progress: false, go_live: none, create_customers: false };
    let orders = import_orders(&mut conn, file("orders.csv"), None, &options, chrono::Utc::now()).expect("orders");
    assert!(orders.errors.is_empty(), "{:?}", orders.errors);
    assert_eq!(orders.imported, 4);
    let earned = rows(&app, "SELECT external_id, points_earned FROM orders ORDER BY external_id");
    let points: Vec<(String, i64)> = earned
        .iter()
        .map(|r| (r["external_id"].as_str().unwrap_or("").to_owned(), r["points_earned"].as_i64().unwrap_or(-1)))
        .collect();
    assert_eq!(
        points,
        [
            ("BJ-2026-000207".to_owned(), 0),
            ("BJ-2026-000215".to_owned(), 2),
            ("SH-2026-000101".to_owned(), 0),
            ("SH-2026-000188".to_owned(), 12_600)
        ]
    );
    assert_eq!(app.count("ledger l WHERE (SELECT sum(points) FROM ledger k WHERE k.customer_id = l.customer_id) <> (SELECT points_balance FROM loyalty_accounts a WHERE a.customer_id = l.customer_id)"), 0);
}

//! Go-live imports (issue #15): the stores, with a reject file written as
//! rows are refused, `--check` writing nothing else, and a re-run creating
//! only what is missing.

use clientele_app::go_live::GoLiveOptions;
use clientele_app::go_live::stores::{StoreDefaults, import_stores};
use clientele_store::AuditContext;
use clientele_tests::TestApp;

use crate::helpers::rows;

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

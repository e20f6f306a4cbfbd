//! GET /v1/customers/duplicates and POST /v1/customers/{id}/merge, end to end.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{OTHER_PHONE, PHONE, PHONE_NATIONAL, enc, id_of, key, new_customer};

/// Two records of one person: same phone, each with its own tag, date,
/// phone and interaction. Returns (survivor, absorbed).
async fn twins(app: &TestApp) -> (Value, Value) {
    let survivor = app
        .customer(json!({
            "name": "Wang Fang",
            "phones": [PHONE],
            "tags": ["vip"],
            "joined_on": "2021-05-01",
            "important_dates": [{ "kind": "anniversary", "date": "2015-06-20" }]
        }))
        .await;
    let absorbed = app
        .customer(json!({
            "name": "Fang Wang",
            "phones": [PHONE_NATIONAL, OTHER_PHONE],
            "email": "fang@example.com",
            "tags": ["golf"],
            "joined_on": "2019-02-03",
            "important_dates": [{ "kind": "child_birthday", "relation": "child", "date": "2018-09-09", "label": "Lily" }]
        }))
        .await;
    for (c, at, kind) in [(&survivor, "2025-01-01T10:00:00Z", "visit"), (&absorbed, "2025-01-02T10:00:00Z", "note")] {
        app.admin(
            "POST",
            &format!("/v1/customers/{}/interactions", id_of(c)),
            Some(&json!({ "type": kind, "at": at, "note": "seen" })),
        )
        .await
        .expect(201);
    }
    (survivor, absorbed)
}

async fn merge(app: &TestApp, survivor: &str, absorbed: &str) -> clientele_tests::Answer {
    app.admin("POST", &format!("/v1/customers/{survivor}/merge"), Some(&json!({ "absorb": absorbed }))).await
}

#[tokio::test]
async fn duplicates_lists_two_customers_with_the_same_phone() {
    let app = TestApp::spawn().await;
    let (s, x) = twins(&app).await;
    new_customer(&app, json!({ "name": "Someone Else" })).await;
    let a = app.admin("GET", "/v1/customers/duplicates", None).await.expect(200);
    let items = a.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", a.text);
    let pair = &items[0];
    let mut ids = [pair["a"]["id"].as_str().expect("a").to_owned(), pair["b"]["id"].as_str().expect("b").to_owned()];
    ids.sort();
    let mut expected = [id_of(&s), id_of(&x)];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(pair["reasons"].as_array().expect("reasons").contains(&json!("same_phone")), "{pair}");
    assert_eq!(a.body["truncated"], false);
}

#[tokio::test]
async fn merge_moves_tags_dates_phones_and_timeline_to_the_survivor() {
    let app = TestApp::spawn().await;
    let (s, x) = twins(&app).await;
    let (sid, xid) = (id_of(&s), id_of(&x));
    let merged = merge(&app, &sid, &xid).await.expect(200);
    let m = &merged.body;
    assert_eq!(m["id"], sid.as_str());
    assert_eq!(m["member_no"], s["member_no"], "survivor keeps its number");
    assert_eq!(m["name"], "Wang Fang", "survivor's own value wins");
    assert_eq!(m["email"], "fang@example.com", "gap filled from absorbed");
    assert_eq!(m["phones"], json!([PHONE, OTHER_PHONE]));
    assert_eq!(m["joined_on"], "2019-02-03", "the earlier date joined");
    let mut tags: Vec<&str> = m["tags"].as_array().expect("tags").iter().filter_map(|t| t["name"].as_str()).collect();
    tags.sort_unstable();
    assert_eq!(tags, ["golf", "vip"]);
    let kinds: Vec<&str> =
        m["important_dates"].as_array().expect("dates").iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds, ["anniversary", "child_birthday"]);

    let read = app.admin("GET", &format!("/v1/customers/{sid}"), None).await.expect(200);
    assert_eq!(read.body["tags"], m["tags"]);
    let timeline = app.admin("GET", &format!("/v1/customers/{sid}/timeline"), None).await.expect(200);
    let kinds: Vec<&str> =
        timeline.body["items"].as_array().expect("items").iter().filter_map(|i| i["type"].as_str()).collect();
    assert_eq!(kinds, ["note", "visit"]);
    assert_eq!(app.count("customers"), 2, "the absorbed record stays as a tombstone");
}

#[tokio::test]
async fn the_absorbed_customer_answers_410_customer_merged_with_merged_into() {
    let app = TestApp::spawn().await;
    let (s, x) = twins(&app).await;
    let (sid, xid) = (id_of(&s), id_of(&x));
    merge(&app, &sid, &xid).await.expect(200);
    let gone = app.admin("GET", &format!("/v1/customers/{xid}"), None).await.expect_problem(410, "customer_merged");
    assert_eq!(gone.body["merged_into"], sid.as_str());
    app.admin("GET", &format!("/v1/customers/{xid}/timeline"), None).await.expect_problem(410, "customer_merged");
    app.admin("PATCH", &format!("/v1/customers/{xid}"), Some(&json!({ "name": "Ghost" })))
        .await
        .expect_problem(410, "customer_merged");
}

#[tokio::test]
async fn lookup_by_the_absorbed_member_no_finds_the_survivor() {
    let app = TestApp::spawn().await;
    let (s, x) = twins(&app).await;
    merge(&app, &id_of(&s), &id_of(&x)).await.expect(200);
    let old_no = x["member_no"].as_str().expect("member_no");
    let found = app.admin("GET", &format!("/v1/customers/lookup?member_no={old_no}"), None).await.expect(200);
    assert_eq!(found.body["id"], s["id"]);
    let by_phone =
        app.admin("GET", &format!("/v1/customers/lookup?phone={}", enc(OTHER_PHONE)), None).await.expect(200);
    assert_eq!(by_phone.body["id"], s["id"], "absorbed phone leads to the survivor");
    let searched = app.admin("GET", &format!("/v1/customers?member_no={old_no}"), None).await.expect(200);
    assert_eq!(searched.body["items"][0]["id"], s["id"]);
    assert_eq!(searched.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn after_a_merge_the_pair_is_no_longer_a_duplicate() {
    let app = TestApp::spawn().await;
    let (s, x) = twins(&app).await;
    merge(&app, &id_of(&s), &id_of(&x)).await.expect(200);
    let a = app.admin("GET", "/v1/customers/duplicates", None).await.expect(200);
    assert_eq!(a.body["items"], json!([]), "{}", a.text);
    let phone = app.admin("GET", &format!("/v1/customers/lookup?phone={}", enc(PHONE)), None).await.expect(200);
    assert_eq!(phone.body["id"], s["id"], "the shared phone is no longer ambiguous");
}

#[tokio::test]
async fn the_merge_is_audited_on_both_records() {
    let app = TestApp::spawn().await;
    let (s, x) = twins(&app).await;
    let (sid, xid) = (id_of(&s), id_of(&x));
    merge(&app, &sid, &xid).await.expect(200);
    let survivor_audit = crate::helpers::audit_of(&app, &sid);
    let entry = survivor_audit.last().expect("an entry");
    assert_eq!(entry["action"], "merge");
    assert_eq!(entry["changes"]["absorbed"]["customer_id"], xid.as_str());
    let absorbed_audit = crate::helpers::audit_of(&app, &xid);
    assert_eq!(absorbed_audit.last().expect("an entry")["action"], "merged_into");
}

#[tokio::test]
async fn merging_a_customer_into_itself_is_422_merge_with_self() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    merge(&app, &id, &id).await.expect_problem(422, "merge_with_self");
    app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
}

#[tokio::test]
async fn merging_an_unknown_customer_is_404_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "tags": ["vip"] })).await;
    let audits = app.count("audit_log");
    merge(&app, &id, &uuid::Uuid::new_v4().to_string()).await.expect_problem(404, "not_found");
    assert_eq!(app.count("audit_log"), audits);
    assert_eq!(app.count("customer_merges"), 0);
}

#[tokio::test]
async fn merging_an_already_absorbed_customer_again_is_410() {
    let app = TestApp::spawn().await;
    let (s, x) = twins(&app).await;
    let (sid, xid) = (id_of(&s), id_of(&x));
    merge(&app, &sid, &xid).await.expect(200);
    let other = new_customer(&app, json!({ "name": "Third" })).await;
    merge(&app, &other, &xid).await.expect_problem(410, "customer_merged");
    assert_eq!(app.count("customer_merges"), 1);
}

#[tokio::test]
async fn crm_manager_may_merge_but_store_manager_may_not() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let s = new_customer(&app, json!({ "name": "Wang Fang", "home_store_id": store })).await;
    let x = new_customer(&app, json!({ "name": "Wang Fang", "home_store_id": store })).await;
    let manager = key(&app, Role::StoreManager, &[&store]);
    app.call("POST", &format!("/v1/customers/{s}/merge"), Some(&manager), Some(&json!({ "absorb": x })))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(app.count("customer_merges"), 0);
    let crm = key(&app, Role::CrmManager, &[]);
    app.call("POST", &format!("/v1/customers/{s}/merge"), Some(&crm), Some(&json!({ "absorb": x }))).await.expect(200);
    assert_eq!(app.count("customer_merges"), 1);
}

#[tokio::test]
async fn opposite_merges_at_once_leave_exactly_one_survivor() {
    let app = TestApp::spawn().await;
    let (s, x) = twins(&app).await;
    let (sid, xid) = (id_of(&s), id_of(&x));
    let (one, two) = tokio::join!(merge(&app, &sid, &xid), merge(&app, &xid, &sid));
    let mut statuses = [one.status, two.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 410], "{} / {}", one.text, two.text);
    assert_eq!(app.count("customer_merges"), 1);
    let live = crate::helpers::rows(&app, "SELECT customer_id FROM customers WHERE merged_into IS NULL");
    assert_eq!(live.len(), 1);
}

#[tokio::test]
async fn the_absorbed_records_follow_ups_and_coupon_codes_go_to_the_survivor() {
    let app = TestApp::spawn().await;
    let (s, x) = twins(&app).await;
    let (survivor, absorbed) = (id_of(&s), id_of(&x));
    let due = json!({ "due_on": "2030-01-10", "reason": "Her ring is resized" });
    app.admin("POST", &format!("/v1/customers/{absorbed}/follow-ups"), Some(&due)).await.expect(201);
    let crm = key(&app, Role::CrmManager, &[]);
    let coupon = |name: &str| {
        json!({ "name": name, "kind": { "percent": "10" },
                "valid_from": "2020-01-01T00:00:00Z", "valid_to": "2100-01-01T00:00:00Z" })
    };
    let mut ids = Vec::new();
    for name in ["Both hold one", "Only the absorbed"] {
        let made = app.call("POST", "/v1/coupons", Some(&crm), Some(&coupon(name))).await.expect(201).body;
        ids.push(id_of(&made));
    }
    let issue = |coupon: &str, customers: Vec<&str>| {
        let body = json!({ "customers": customers });
        let (app, crm, path) = (&app, &crm, format!("/v1/coupons/{coupon}/codes"));
        async move { app.call("POST", &path, Some(crm), Some(&body)).await.expect(201).body }
    };
    let theirs = issue(&ids[0], vec![&survivor, &absorbed]).await;
    let kept = theirs["items"][0]["code"].as_str().expect("the survivor's code").to_owned();
    issue(&ids[1], vec![&absorbed]).await;

    merge(&app, &survivor, &absorbed).await.expect(200);

    let list = app.admin("GET", &format!("/v1/customers/{survivor}/follow-ups"), None).await.expect(200).body;
    let reasons: Vec<&str> =
        list["items"].as_array().expect("items").iter().filter_map(|f| f["reason"].as_str()).collect();
    assert_eq!(reasons, ["Her ring is resized"], "{list}");
    let offers = app.admin("GET", &format!("/v1/customers/{survivor}/offers"), None).await.expect(200).body;
    let mut held: Vec<(&str, &str)> = offers["coupons"]
        .as_array()
        .expect("coupons")
        .iter()
        .filter_map(|c| Some((c["name"].as_str()?, c["code"].as_str()?)))
        .collect();
    held.sort();
    assert_eq!(held.len(), 2, "{offers}");
    // Of a coupon both held a code of, the survivor keeps their own.
    assert_eq!(held[0], ("Both hold one", kept.as_str()));
    assert_eq!(held[1].0, "Only the absorbed");
}

//! Campaign audiences (issue #11): the store's SQL selection of a rule is
//! exactly the customers the pure evaluator accepts on the facts the store
//! loads — on demo customers (tags, consents, important dates, orders with
//! categories and returns, points lots, two segment snapshots), for random
//! rule trees and several dates, 29 February and the year's end included.

use chrono::{NaiveDate, TimeZone, Utc};
use clientele_app::demo::DemoOptions;
use clientele_app::segments::RefreshRun;
use clientele_campaigns::audience::Audience;
use clientele_campaigns::testing::{self, Vocabulary};
use clientele_kernel::StoreId;
use clientele_kernel::random::SplitMix64;
use clientele_profiles::StoreScope;
use clientele_segments::RefreshConfig;
use clientele_store::PgConnection;
use clientele_tests::TestApp;
use diesel::prelude::*;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use uuid::Uuid;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

#[derive(QueryableByName)]
struct Word {
    #[diesel(sql_type = Text)]
    word: String,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

fn words(conn: &mut PgConnection, sql: &str) -> Vec<String> {
    diesel::sql_query(sql).load::<Word>(conn).expect("words").into_iter().map(|w| w.word).collect()
}

fn ids(conn: &mut PgConnection, sql: &str) -> Vec<Uuid> {
    diesel::sql_query(sql).load::<Id>(conn).expect("ids").into_iter().map(|w| w.id).collect()
}

/// Demo customers as of 2026-12-01, snapshots of 1 October and 1 December,
/// some born on 29 February and some with a child's birthday.
fn population(app: &TestApp) -> PgConnection {
    let mut conn = app.db.connect();
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).single().expect("time");
    let options = DemoOptions { customers: 160, seed: 11, orders_per_customer: 4, progress: false };
    clientele_app::demo::load(&mut conn, &options, now).expect("demo");
    let config = RefreshConfig::default();
    for as_of in [day(2026, 10, 1), day(2026, 12, 1)] {
        let run = RefreshRun { as_of, config: &config, now, threads: clientele_app::machine_threads() };
        clientele_app::segments::refresh_segments(&mut conn, &mut [], &run, &mut |_| {}).expect("refresh");
    }
    diesel::sql_query(
        "UPDATE customers SET birthday = DATE '1992-02-29' \
         WHERE customer_id IN (SELECT customer_id FROM customers ORDER BY customer_id LIMIT 12)",
    )
    .execute(&mut conn)
    .expect("leap-day birthdays");
    diesel::sql_query(
        "INSERT INTO important_dates (customer_id, id, kind, relation, label, date, recurring) \
         SELECT customer_id, gen_random_uuid(), 'child_birthday', 'child', NULL, \
                DATE '2016-01-01' + (abs(hashtext(customer_id::text)) % 366), true \
         FROM customers ORDER BY customer_id DESC LIMIT 40",
    )
    .execute(&mut conn)
    .expect("children's birthdays");
    conn
}

#[tokio::test]
async fn the_sql_selection_of_a_rule_is_what_the_evaluator_accepts() {
    let app = TestApp::spawn().await;
    let mut conn = population(&app);
    let vocabulary = Vocabulary {
        tags: words(&mut conn, "SELECT DISTINCT name AS word FROM customer_tags ORDER BY 1"),
        categories: words(
            &mut conn,
            "SELECT DISTINCT category AS word FROM order_lines WHERE category IS NOT NULL ORDER BY 1",
        ),
        stores: ids(&mut conn, "SELECT id FROM stores ORDER BY id"),
        associates: ids(&mut conn, "SELECT id FROM associates ORDER BY id"),
    };
    assert!(!vocabulary.tags.is_empty() && !vocabulary.categories.is_empty(), "{vocabulary:?}");
    let everyone = ids(
        &mut conn,
        "SELECT customer_id AS id FROM customers WHERE merged_into IS NULL AND erased_at IS NULL ORDER BY 1",
    );
    let todays = [day(2026, 12, 1), day(2026, 12, 28), day(2027, 2, 25), day(2028, 2, 28), day(2026, 6, 15)];
    let mut rng = SplitMix64::new(20_261_204);
    let (mut matched, mut empty) = (0, 0);
    for case in 0..150 {
        let rule = testing::rule(&mut rng, 3, &vocabulary);
        let audience = Audience::from_json(&rule).unwrap_or_else(|e| panic!("{rule}: {e:?}"));
        let today = todays[case % todays.len()];
        let selected = clientele_store::campaigns::select_audience(&mut conn, &audience, today, &StoreScope::All)
            .unwrap_or_else(|e| panic!("{rule}: {e}"));
        let facts = clientele_store::campaigns::audience_facts(&mut conn, &everyone, today).expect("facts");
        let accepted: Vec<Uuid> = facts.iter().filter(|(_, f)| audience.matches(f, today)).map(|(id, _)| *id).collect();
        assert_eq!(selected, accepted, "rule {rule} on {today}");
        let count =
            clientele_store::campaigns::count_audience(&mut conn, &audience, today, &StoreScope::All).expect("count");
        assert_eq!(count, selected.len() as u64);
        if selected.is_empty() {
            empty += 1;
        } else if selected.len() < everyone.len() {
            matched += 1;
        }
    }
    // The rules must tell customers apart, or the comparison says little.
    assert!(matched >= 60, "only {matched} of 150 rules selected some but not all customers ({empty} none)");

    // A store's scope: only its home customers.
    let store = vocabulary.stores[0];
    let all = Audience::from_json(&serde_json::json!({"points_balance": {"min": -1000000}})).expect("rule");
    let scoped = clientele_store::campaigns::select_audience(
        &mut conn,
        &all,
        day(2026, 12, 1),
        &StoreScope::Stores([StoreId::from_uuid(store)].into()),
    )
    .expect("scoped");
    let homes = ids(
        &mut conn,
        &format!(
            "SELECT customer_id AS id FROM customers WHERE home_store_id = '{store}' \
             AND merged_into IS NULL AND erased_at IS NULL ORDER BY 1"
        ),
    );
    assert_eq!(scoped, homes);
}

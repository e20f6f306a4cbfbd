//! Per-member reads do not depend on fresh statistics: on a database just
//! loaded in bulk and never analysed, one member's open lots are read by
//! the member's key, not by scanning every member's lots (issue #16).

use clientele_kernel::CustomerId;
use clientele_tests::TestDatabase;
use diesel::connection::SimpleConnection;

#[test]
fn a_members_open_lots_are_read_by_the_members_key_without_statistics() {
    let db = TestDatabase::create();
    let mut conn = db.connect();
    // 150,000 members with two lots each, one open, loaded the way a bulk
    // load fills the table, and never analysed (autovacuum held off).
    conn.batch_execute(
        "ALTER TABLE points_lots SET (autovacuum_enabled = false);
         INSERT INTO points_lots (customer_id, lot_id, origin, earned_at, earned_on, expires_on, original, remaining, held)
         SELECT lpad(to_hex(g / 2), 32, '0')::uuid, g::text, '{}'::jsonb, now(), current_date,
                current_date + (g % 900), 100, CASE WHEN g % 2 = 0 THEN 100 ELSE 0 END, 0
         FROM generate_series(1, 300000) g;",
    )
    .expect("load lots");
    let analysed: i64 = diesel::RunQueryDsl::get_result(
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM pg_stats WHERE tablename = 'points_lots')",
        )),
        &mut conn,
    )
    .expect("pg_stats");
    assert_eq!(analysed, 0, "the table must not have statistics for this test");
    let member = CustomerId::from_uuid("00000000-0000-0000-0000-000000001234".parse().expect("uuid"));
    let plan = clientele_store::explain_open_lots(&mut conn, member).expect("explain");
    assert!(plan.contains("points_lots_member_open_idx"), "not read by the member's open lots index:\n{plan}");
    assert!(!plan.contains("BitmapAnd") && !plan.contains("Seq Scan"), "a scan of every member's lots:\n{plan}");
    assert!(plan.contains("customer_id = "), "not by the member's key:\n{plan}");
}

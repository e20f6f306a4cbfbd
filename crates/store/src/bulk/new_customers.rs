//! New customers in bulk: member numbers and the rows.

use crate::customers::rows::{ConsentRow, CustomerRow, DateRow, TagRow};
use crate::error::StoreError;
use crate::schema::{
    customer_consents, customer_tags, customers, email_index, important_dates, member_numbers, phone_index,
};
use clientele_profiles::Customer;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::ROWS_PER_INSERT;

#[derive(QueryableByName)]
struct NextNo {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The next `n` member numbers from the sequence, in order.
pub fn next_member_numbers(conn: &mut PgConnection, n: usize) -> Result<Vec<u64>, StoreError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let numbers: Vec<NextNo> = diesel::sql_query("SELECT nextval('member_no_seq') AS n FROM generate_series(1, $1)")
        .bind::<BigInt, _>(i64::try_from(n).unwrap_or(i64::MAX))
        .load(conn)?;
    Ok(numbers.into_iter().map(|no| no.n.unsigned_abs()).collect())
}

/// Writes new customers: their rows, member numbers, lookup keys and
/// satellites, a few multi-row statements each. References (home store,
/// associate) are checked by the database's foreign keys: one bad reference
/// fails the whole batch.
pub fn write_customers(conn: &mut PgConnection, created: &[Customer]) -> Result<(), StoreError> {
    let rows: Vec<CustomerRow> = created.iter().map(CustomerRow::from_domain).collect::<Result<_, _>>()?;
    for chunk in rows.chunks(500) {
        diesel::insert_into(customers::table).values(chunk).execute(conn)?;
    }
    let numbers: Vec<_> = created
        .iter()
        .map(|c| (member_numbers::member_no.eq(c.member_no.as_str()), member_numbers::customer_id.eq(c.id.as_uuid())))
        .collect();
    for chunk in numbers.chunks(ROWS_PER_INSERT) {
        diesel::insert_into(member_numbers::table).values(chunk).execute(conn)?;
    }
    let phones: Vec<_> = created
        .iter()
        .flat_map(|c| {
            c.profile.phones.iter().map(move |p| {
                (phone_index::phone.eq(p.as_str().to_owned()), phone_index::customer_id.eq(c.id.as_uuid()))
            })
        })
        .collect();
    for chunk in phones.chunks(ROWS_PER_INSERT) {
        diesel::insert_into(phone_index::table).values(chunk).on_conflict_do_nothing().execute(conn)?;
    }
    let emails: Vec<_> = created
        .iter()
        .filter_map(|c| {
            c.profile
                .email
                .as_ref()
                .map(|e| (email_index::email.eq(e.as_str().to_owned()), email_index::customer_id.eq(c.id.as_uuid())))
        })
        .collect();
    for chunk in emails.chunks(ROWS_PER_INSERT) {
        diesel::insert_into(email_index::table).values(chunk).on_conflict_do_nothing().execute(conn)?;
    }
    let tags: Vec<TagRow> =
        created.iter().flat_map(|c| c.tags.iter().map(move |t| TagRow::from_domain(c.id, t))).collect();
    for chunk in tags.chunks(ROWS_PER_INSERT) {
        diesel::insert_into(customer_tags::table).values(chunk).execute(conn)?;
    }
    let consents: Vec<ConsentRow> =
        created.iter().flat_map(|c| c.consents.iter().map(move |k| ConsentRow::from_domain(c.id, k))).collect();
    for chunk in consents.chunks(ROWS_PER_INSERT) {
        diesel::insert_into(customer_consents::table).values(chunk).execute(conn)?;
    }
    let dates: Vec<DateRow> = created
        .iter()
        .flat_map(|c| c.profile.important_dates.iter().map(move |d| DateRow::from_domain(c.id, d)))
        .collect();
    for chunk in dates.chunks(ROWS_PER_INSERT) {
        diesel::insert_into(important_dates::table).values(chunk).execute(conn)?;
    }
    Ok(())
}

/// Which of these member numbers are taken (by any customer, absorbed
/// numbers included).
pub fn taken_member_numbers(
    conn: &mut PgConnection,
    numbers: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    Ok(member_numbers::table
        .filter(member_numbers::member_no.eq_any(numbers))
        .select(member_numbers::member_no)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Moves the member-number sequence past `n` (never back), so that a
/// number the sequence makes never meets one imported in its format.
pub fn advance_member_sequence(conn: &mut PgConnection, n: u64) -> Result<(), StoreError> {
    diesel::sql_query("SELECT setval('member_no_seq', greatest((SELECT last_value FROM member_no_seq), $1))")
        .bind::<BigInt, _>(i64::try_from(n).unwrap_or(i64::MAX))
        .execute(conn)?;
    Ok(())
}

/// Every member number taken (absorbed numbers included).
pub fn all_member_numbers(conn: &mut PgConnection) -> Result<std::collections::HashSet<String>, StoreError> {
    Ok(member_numbers::table.select(member_numbers::member_no).load::<String>(conn)?.into_iter().collect())
}

//! What an associate sees of a client on the worklist beside the reasons:
//! who they are, what they like and wear, and where they may be reached;
//! and what clients bought and kept.

use std::collections::HashMap;

use chrono::NaiveDate;
use clientele_profiles::{Channel, Preferences, Sizes};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Int4, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::{customer_consents, customers, loyalty_accounts};

/// One line a client bought and kept (some of its quantity not returned).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct KeptLine {
    #[diesel(sql_type = SqlUuid)]
    pub customer_id: Uuid,
    /// The business day of the order.
    #[diesel(sql_type = Date)]
    pub on: NaiveDate,
    #[diesel(sql_type = Text)]
    pub sku: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub category: Option<String>,
    /// Quantity kept.
    #[diesel(sql_type = Int4)]
    pub quantity: i32,
    /// What the kept quantity was paid, base currency.
    #[diesel(sql_type = Numeric)]
    pub paid_base: Decimal,
}

/// A client as the worklist shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientCard {
    pub member_no: String,
    pub name: Option<String>,
    pub tier: Option<String>,
    pub preferences: Preferences,
    pub sizes: Sizes,
    /// Channels with a marketing consent granted.
    pub consented: Vec<Channel>,
}

type CardRow = (Uuid, String, Option<String>, serde_json::Value, serde_json::Value, Option<String>);

/// The cards of these clients (live ones only).
pub fn client_cards(conn: &mut PgConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, ClientCard>, StoreError> {
    let rows: Vec<CardRow> = customers::table
        .left_join(loyalty_accounts::table.on(loyalty_accounts::customer_id.eq(customers::customer_id)))
        .filter(customers::customer_id.eq_any(ids))
        .filter(customers::merged_into.is_null())
        .filter(customers::erased_at.is_null())
        .select((
            customers::customer_id,
            customers::member_no,
            customers::name,
            customers::preferences,
            customers::sizes,
            loyalty_accounts::tier.nullable(),
        ))
        .load(conn)?;
    let mut cards = HashMap::with_capacity(rows.len());
    for (id, member_no, name, preferences, sizes, tier) in rows {
        let card = ClientCard {
            member_no,
            name,
            tier,
            preferences: serde_json::from_value(preferences).map_err(corrupt("customers.preferences"))?,
            sizes: serde_json::from_value(sizes).map_err(corrupt("customers.sizes"))?,
            consented: Vec::new(),
        };
        cards.insert(id, card);
    }
    let consents: Vec<(Uuid, String)> = customer_consents::table
        .filter(customer_consents::customer_id.eq_any(ids))
        .filter(customer_consents::granted)
        .select((customer_consents::customer_id, customer_consents::channel))
        .order((customer_consents::customer_id, customer_consents::channel))
        .load(conn)?;
    for (id, channel) in consents {
        if let Some(card) = cards.get_mut(&id) {
            card.consented.push(channel.parse().map_err(corrupt("customer_consents.channel"))?);
        }
    }
    Ok(cards)
}

/// Every line these clients bought and kept, newest first: the quantity
/// not returned, and that share of what was paid.
pub fn kept_lines(conn: &mut PgConnection, ids: &[Uuid]) -> Result<Vec<KeptLine>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT l.customer_id, o.business_date AS on, l.sku, l.name, l.category, \
                l.quantity - l.returned_quantity AS quantity, \
                round(l.paid_base * (l.quantity - l.returned_quantity) / l.quantity, 2) AS paid_base \
         FROM order_lines l JOIN orders o ON o.customer_id = l.customer_id AND o.order_id = l.order_id \
         WHERE l.customer_id = ANY($1) AND l.quantity > l.returned_quantity \
         ORDER BY l.customer_id, o.business_date DESC, o.ordered_at DESC, l.line_id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .load(conn)?)
}

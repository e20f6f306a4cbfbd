//! The events Clientele tells subscribers about: one [`Event`] variant per
//! event type, each with its own data type, which is the `data` of a
//! delivery's body exactly as docs/webhooks.md ("Event types") documents it.
//!
//! The data types are the wire format, not the domain: they hold ids,
//! numbers, decimals, dates and names as receivers read them, and the store
//! fills them from its domain values where it writes the event to the outbox.
//! So the domain types can change without changing what receivers get, and a
//! change of what they get is a change here.
//!
//! The names of the event types are declared once, with their variants
//! (`events!`): [`Event::name`], [`EventType::ALL`] and [`EventType::NAMES`]
//! all come from that one list.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

/// Declares [`Event`] (one variant per event type, holding its data) and
/// [`EventType`] (the same variants without data), with the name of each.
macro_rules! events {
    ($(
        $(#[$meta:meta])*
        $variant:ident($data:ident) => $name:literal,
    )+) => {
        /// An event, with its data. Serialises as its data alone (the `data`
        /// of a delivery's body); its type is [`Event::name`].
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(untagged)]
        pub enum Event {
            $( $(#[$meta])* $variant($data), )+
        }

        /// The type of an event, as subscriptions name it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum EventType {
            $( $(#[$meta])* $variant, )+
        }

        impl EventType {
            /// Every event type, in the order the API lists them (the OpenAPI
            /// document, the answer to an unknown type).
            pub const ALL: [EventType; [$($name),+].len()] = [$(EventType::$variant),+];

            /// The name of every event type, in the same order.
            pub const NAMES: [&'static str; [$($name),+].len()] = [$($name),+];

            /// The name: `area.past_tense_verb`, as in a delivery's `type`
            /// and `Clientele-Event` header.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( EventType::$variant => $name, )+
                }
            }
        }

        impl Event {
            /// The type of this event.
            pub const fn event_type(&self) -> EventType {
                match self {
                    $( Event::$variant(_) => EventType::$variant, )+
                }
            }
        }

        $(
            impl From<$data> for Event {
                fn from(data: $data) -> Event {
                    Event::$variant(data)
                }
            }
        )+
    };
}

events! {
    /// A customer was enrolled (API or demo; not by bulk import of history).
    CustomerCreated(CustomerCreated) => "customer.created",
    /// An order was stored (not on a retried send of the same order).
    OrderIngested(OrderIngested) => "order.ingested",
    /// A return was recorded.
    OrderReturned(OrderReturned) => "order.returned",
    /// A member's points balance or growth value changed.
    PointsChanged(PointsChanged) => "points.changed",
    /// Points will expire soon (once per member and expiry date).
    PointsExpiring(PointsExpiring) => "points.expiring",
    /// A member's effective tier changed.
    TierChanged(TierChanged) => "tier.changed",
    /// A duplicate was merged into another record.
    CustomerMerged(CustomerMerged) => "customer.merged",
    /// A campaign's message is due: the receiver sends it on its channel
    /// (the engine never talks to a carrier).
    CampaignMessage(CampaignMessage) => "campaign.message",
}

impl EventType {
    /// The event type of this name, if there is one.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Event {
    /// The name of its type (`order.ingested`, …).
    pub const fn name(&self) -> &'static str {
        self.event_type().as_str()
    }

    /// The member the event is about, kept with it in the outbox: None for
    /// an anonymous sale; the survivor of a merge.
    pub fn customer_id(&self) -> Option<Uuid> {
        match self {
            Event::CustomerCreated(d) => Some(d.customer_id),
            Event::OrderIngested(d) => d.customer_id,
            Event::OrderReturned(d) => d.customer_id,
            Event::PointsChanged(d) => Some(d.customer_id),
            Event::PointsExpiring(d) => Some(d.customer_id),
            Event::TierChanged(d) => Some(d.customer_id),
            Event::CustomerMerged(d) => Some(d.survivor_id),
            Event::CampaignMessage(d) => Some(d.customer_id),
        }
    }
}

/// The data of `customer.created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerCreated {
    pub customer_id: Uuid,
    pub member_no: String,
    pub home_store_id: Option<Uuid>,
}

/// The data of `order.ingested`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderIngested {
    pub order_id: Uuid,
    /// None for an anonymous sale.
    pub customer_id: Option<Uuid>,
    pub source: String,
    pub external_id: String,
    /// In the base currency; a decimal string on the wire.
    pub amount_paid_base: Decimal,
    pub points_earned: i64,
}

/// The data of `order.returned`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderReturned {
    /// The member whose order it is (None for an anonymous sale): kept with
    /// the event in the outbox, but not part of its data, which has never
    /// carried it.
    #[serde(skip)]
    pub customer_id: Option<Uuid>,
    pub order_id: Uuid,
    pub return_id: Uuid,
    /// Points taken back, owed ones included.
    pub points_taken: i64,
    pub points_owed: i64,
    pub points_not_taken: i64,
    pub growth_taken: i64,
    /// Only when the programme deducts redeemed points from the refund.
    pub refund_deduction: Option<RefundDeductionData>,
}

/// The redeemed points a return deducts from the refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefundDeductionData {
    pub points: i64,
    /// Their value in the base currency, when the programme sets one.
    pub value: Option<Decimal>,
}

/// The data of `points.changed`: the change and the account after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PointsChanged {
    pub customer_id: Uuid,
    pub points_delta: i64,
    pub growth_delta: i64,
    /// Negative while points are owed after a return.
    pub balance: i64,
    pub points_owed: i64,
    pub growth_value: i64,
}

/// The data of `points.expiring`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PointsExpiring {
    pub customer_id: Uuid,
    pub points: i64,
    pub expires_on: NaiveDate,
}

/// The data of `tier.changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierChanged {
    pub customer_id: Uuid,
    pub change: TierChangeData,
}

/// A change of effective tier, by the names receivers read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierChangeData {
    /// `S1` … `S6`.
    pub from: String,
    pub to: String,
    /// `growth_earned`, `growth_taken_back`, `review`, `floor_set`, …
    pub reason: String,
    /// The business date it took effect.
    pub on: NaiveDate,
}

/// The data of `customer.merged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerMerged {
    pub survivor_id: Uuid,
    pub absorbed_id: Uuid,
    /// Now leads to the survivor.
    pub absorbed_member_no: String,
}

/// The data of `campaign.message`: everything the sender needs, so it
/// need not call back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignMessage {
    pub campaign_id: Uuid,
    /// The campaign's name.
    pub campaign: String,
    /// What the campaign fired for: `once`, `birthday:2027-01-03`, …
    pub occurrence: String,
    pub customer_id: Uuid,
    pub member_no: String,
    /// `sms`, `email`, `wechat` or `phone`.
    pub channel: String,
    /// The template id the sender fills in.
    pub template: String,
    /// The customer's address on the channel: the first phone number (sms,
    /// phone), the e-mail, the WeChat openid; None when the profile has none.
    pub contact: Option<String>,
    /// What the template may use.
    pub variables: MessageVariables,
    /// When it was meant to go (after the quiet hours of the client's store).
    pub send_at: DateTime<Utc>,
}

/// The variables of a campaign message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageVariables {
    pub name: Option<String>,
    /// `S1` … `S6`.
    pub tier: String,
    /// Points available.
    pub points: i64,
    /// The offer's code, once campaigns carry offers.
    pub offer_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()
    }

    fn data(event: impl Into<Event>) -> Value {
        serde_json::to_value(event.into()).unwrap()
    }

    #[test]
    fn each_event_serialises_as_docs_webhooks_md_documents_its_data() {
        let (a, b) = (id(1), id(2));
        let created = CustomerCreated { customer_id: a, member_no: "M0001".into(), home_store_id: None };
        assert_eq!(data(created), json!({ "customer_id": a.to_string(), "member_no": "M0001", "home_store_id": null }));
        let ingested = OrderIngested {
            order_id: b,
            customer_id: Some(a),
            source: "pos".into(),
            external_id: "R-1".into(),
            amount_paid_base: Decimal::new(123_4550, 2),
            points_earned: 12345,
        };
        assert_eq!(
            data(ingested),
            json!({ "order_id": b.to_string(), "customer_id": a.to_string(), "source": "pos", "external_id": "R-1",
                    "amount_paid_base": "12345.50", "points_earned": 12345 })
        );
        let returned = OrderReturned {
            customer_id: Some(a),
            order_id: b,
            return_id: id(3),
            points_taken: 400,
            points_owed: 0,
            points_not_taken: 600,
            growth_taken: 1000,
            refund_deduction: Some(RefundDeductionData { points: 600, value: Some(Decimal::new(30, 0)) }),
        };
        assert_eq!(
            data(returned),
            json!({ "order_id": b.to_string(), "return_id": id(3).to_string(), "points_taken": 400, "points_owed": 0,
                    "points_not_taken": 600, "growth_taken": 1000, "refund_deduction": { "points": 600, "value": "30" } }),
            "the member is not in the data"
        );
        let changed = PointsChanged {
            customer_id: a,
            points_delta: -600,
            growth_delta: 0,
            balance: -600,
            points_owed: 600,
            growth_value: 1000,
        };
        assert_eq!(
            data(changed),
            json!({ "customer_id": a.to_string(), "points_delta": -600, "growth_delta": 0, "balance": -600,
                    "points_owed": 600, "growth_value": 1000 })
        );
        let expiring = PointsExpiring { customer_id: a, points: 400, expires_on: day() };
        assert_eq!(data(expiring), json!({ "customer_id": a.to_string(), "points": 400, "expires_on": "2026-03-05" }));
        let change = TierChangeData { from: "S1".into(), to: "S2".into(), reason: "growth_earned".into(), on: day() };
        assert_eq!(
            data(TierChanged { customer_id: a, change }),
            json!({ "customer_id": a.to_string(),
                    "change": { "from": "S1", "to": "S2", "reason": "growth_earned", "on": "2026-03-05" } })
        );
        let merged = CustomerMerged { survivor_id: a, absorbed_id: b, absorbed_member_no: "M0002".into() };
        assert_eq!(
            data(merged),
            json!({ "survivor_id": a.to_string(), "absorbed_id": b.to_string(), "absorbed_member_no": "M0002" })
        );
    }

    #[test]
    fn an_event_is_about_its_member_or_none_for_an_anonymous_sale() {
        let merged = CustomerMerged { survivor_id: id(1), absorbed_id: id(2), absorbed_member_no: "M2".into() };
        assert_eq!(Event::from(merged).customer_id(), Some(id(1)), "the survivor");
        let anonymous = OrderReturned {
            customer_id: None,
            order_id: id(3),
            return_id: id(4),
            points_taken: 0,
            points_owed: 0,
            points_not_taken: 0,
            growth_taken: 0,
            refund_deduction: None,
        };
        assert_eq!(Event::from(anonymous).customer_id(), None);
    }

    #[test]
    fn names_are_listed_in_the_order_the_api_has_always_listed_them() {
        assert_eq!(
            EventType::NAMES,
            [
                "customer.created",
                "order.ingested",
                "order.returned",
                "points.changed",
                "points.expiring",
                "tier.changed",
                "customer.merged",
                "campaign.message"
            ]
        );
        let expiring = PointsExpiring { customer_id: id(1), points: 1, expires_on: day() };
        assert_eq!(Event::from(expiring).name(), "points.expiring");
    }
}

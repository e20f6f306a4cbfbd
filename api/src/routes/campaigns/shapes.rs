//! The campaigns area's request and response shapes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use clientele_campaigns::DryRun;
use clientele_store::campaigns::StoredCampaign;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;
use crate::routes::shared::bad_cursor;

/// A campaign: its definition as it was given (normalised) and its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: Uuid,
    pub name: String,
    /// `draft`, `running`, `paused`, `finished` or `budget_exhausted`.
    pub status: String,
    /// The definition: `audience`, `schedule`, `channel`, `action`,
    /// `holdout_percent`, `priority`, `cost_per_message`, `budget`,
    /// `per_customer_limit`, `promoted` (see docs/campaigns.md).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// The stores whose customers it may reach (null: every store): a store
    /// manager's campaigns are limited to their stores.
    pub stores: Option<Vec<Uuid>>,
    /// Spent so far, base currency.
    #[schema(value_type = String, example = "0")]
    pub spent: rust_decimal::Decimal,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub launched_at: Option<DateTime<Utc>>,
    /// A one-off campaign: when the campaign job reached its whole audience
    /// (it is `finished` once its last scheduled message went).
    pub reached_at: Option<DateTime<Utc>>,
}

impl CampaignView {
    pub fn new(c: &StoredCampaign) -> Self {
        CampaignView {
            id: c.id,
            name: c.spec.name.clone(),
            status: c.status.as_str().to_owned(),
            definition: c.spec.to_json(),
            stores: c.stores.as_ref().map(|s| s.iter().map(|s| s.as_uuid()).collect()),
            spent: c.spent,
            created_by: c.created_by.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            launched_at: c.launched_at,
            reached_at: c.reached_at,
        }
    }
}

/// A page of campaigns, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignList {
    pub items: Vec<CampaignView>,
    /// Pass back as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// Paging of the campaign list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignQuery {
    /// 1–200, default 50.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The cursor after a campaign.
pub fn cursor(c: &StoredCampaign) -> String {
    URL_SAFE_NO_PAD.encode(format!("c:{}|{}", c.created_at.to_rfc3339(), c.id))
}

/// Reads a cursor.
pub fn parse_cursor(raw: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?).map_err(|_| bad_cursor())?;
    let (at, id) = text.strip_prefix("c:").and_then(|t| t.split_once('|')).ok_or_else(bad_cursor)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| bad_cursor())?.with_timezone(&Utc);
    Ok((at, id.parse().map_err(|_| bad_cursor())?))
}

/// What the dry run assumes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DryRunRequest {
    /// The response rate expected without the campaign (0–1, default
    /// 0.05), for the minimum detectable uplift.
    pub base_rate: Option<f64>,
    /// The share of contacts expected to redeem each of the campaign's
    /// offers (0–1, default 0.1), for their expected cost.
    pub redemption_rate: Option<f64>,
    /// An uplift in response rate the campaign should be able to show
    /// (absolute, e.g. 0.01 for one point): the answer says how many
    /// customers it would take (`audience_needed`).
    pub target_uplift: Option<f64>,
}

/// The customers a campaign needs to detect a target uplift at 95 %
/// confidence and 80 % power, split as this campaign would split them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceNeededView {
    pub target_uplift: f64,
    /// Contacts needed.
    pub treated: u64,
    /// Held out needed.
    pub control: u64,
    /// Whether this launch would have as many of each.
    pub enough: bool,
}

/// What launching the campaign now would do; nothing was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct DryRunView {
    /// Customers the audience rule takes (within the campaign's stores).
    pub audience: u64,
    /// Of them, the control group: recorded, never contacted.
    pub held_out: u64,
    /// Of the rest, without consent for the channel.
    pub without_consent: u64,
    /// Of the rest, at the frequency cap already.
    pub capped: u64,
    /// Of the rest, beyond what the budget pays for.
    pub over_budget: u64,
    /// Contacts a launch would make now.
    pub to_contact: u64,
    /// Messages per channel (one channel per campaign).
    #[schema(value_type = Object)]
    pub messages_per_channel: serde_json::Value,
    /// to_contact × cost per message, base currency.
    #[schema(value_type = String)]
    pub expected_cost: rust_decimal::Decimal,
    pub base_rate: f64,
    /// The smallest absolute uplift in response rate the control group
    /// detects at 95 % confidence and 80 % power; null without a control
    /// group or contacts.
    pub minimum_detectable_uplift: Option<f64>,
    /// What the campaign's offers (coupons, points offers, gifts with purchase) are expected to cost.
    pub offer_cost: OfferCostView,
    /// With `target_uplift`: the customers needed to show it (null without
    /// a target, a control group or contacts).
    pub audience_needed: Option<AudienceNeededView>,
}

/// The expected cost of a campaign's offers, with its assumptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferCostView {
    pub offers: Vec<OfferCostLine>,
    /// The sum of the offers' expected costs, base currency.
    #[schema(value_type = String)]
    pub total: rust_decimal::Decimal,
    pub redemption_rate: f64,
    /// The average spend per order coupons are costed on: the population mean of the latest customer-value fit (null: no fit yet, 0 used).
    #[schema(value_type = Option<String>)]
    pub average_spend: Option<rust_decimal::Decimal>,
    /// What a point costs: the programme's value per point (null: not set, points offers costed at 0).
    #[schema(value_type = Option<String>)]
    pub cost_per_point: Option<rust_decimal::Decimal>,
}

/// One offer of the campaign, costed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferCostLine {
    /// `coupon`, `points_offer`, `gift_offer`.
    pub kind: String,
    pub id: uuid::Uuid,
    pub name: String,
    /// What one redemption costs.
    #[schema(value_type = String)]
    pub unit_cost: rust_decimal::Decimal,
    /// `to_contact` × `redemption_rate`, rounded down.
    pub expected_redemptions: u32,
    #[schema(value_type = String)]
    pub expected_cost: rust_decimal::Decimal,
}

impl OfferCostView {
    pub fn new(c: &clientele_app::campaigns::offer_cost::OfferCosts) -> Self {
        OfferCostView {
            offers: c
                .offers
                .iter()
                .map(|o| OfferCostLine {
                    kind: o.kind.to_owned(),
                    id: o.id,
                    name: o.name.clone(),
                    unit_cost: o.unit_cost.normalize(),
                    expected_redemptions: o.expected_redemptions,
                    expected_cost: o.expected_cost.normalize(),
                })
                .collect(),
            total: c.total.normalize(),
            redemption_rate: c.redemption_rate,
            average_spend: c.average_spend,
            cost_per_point: c.cost_per_point,
        }
    }
}

impl DryRunView {
    pub fn new(d: &DryRun, offers: &clientele_app::campaigns::offer_cost::OfferCosts) -> Self {
        DryRunView {
            audience: d.audience,
            held_out: d.held_out,
            without_consent: d.without_consent,
            capped: d.capped,
            over_budget: d.over_budget,
            to_contact: d.to_contact,
            messages_per_channel: serde_json::json!({ d.channel.as_str(): d.to_contact }),
            expected_cost: d.expected_cost,
            base_rate: d.base_rate,
            minimum_detectable_uplift: d.minimum_detectable_uplift,
            offer_cost: OfferCostView::new(offers),
            audience_needed: None,
        }
    }
}

/// The programme's campaign settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignSettingsView {
    /// 0 until first saved (the defaults).
    pub version: i32,
    /// `{"cap": {"max_messages": 2, "window_days": 7}, "quiet_hours": {"start": "21:00:00", "end": "09:00:00"}}`,
    /// and `"margin_rate": "0.65"` once set (the gross margin a campaign's
    /// results value its incremental revenue at).
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

impl CampaignSettingsView {
    pub fn new(settings: &clientele_campaigns::CampaignSettings, version: i32) -> Self {
        CampaignSettingsView { version, config: serde_json::to_value(settings).unwrap_or(serde_json::Value::Null) }
    }
}

/// Paging of a campaign's audience.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AudienceQuery {
    /// 1–200, default 50.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A contact the campaign made or decided against.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    /// The occurrence it belongs to (`once`, `birthday:2027-01-03`, …).
    pub occurrence: String,
    /// `scheduled` (to go at `at`), `sent`, `task`, `held_out`,
    /// `no_consent`, `capped`, `over_budget`.
    pub outcome: String,
    pub channel: String,
    /// When it was made, or (held out) would have been.
    pub at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub cost: rust_decimal::Decimal,
}

impl From<clientele_store::campaigns::ContactRecord> for ContactView {
    fn from(c: clientele_store::campaigns::ContactRecord) -> ContactView {
        ContactView { occurrence: c.occurrence, outcome: c.outcome, channel: c.channel, at: c.at, cost: c.cost }
    }
}

/// One customer of the audience.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceEntryView {
    pub customer_id: Uuid,
    pub member_no: String,
    pub name: Option<String>,
    /// In the control group: never contacted, recorded for measurement.
    pub held_out: bool,
    /// What the campaign did with them so far (empty before a launch).
    pub contacts: Vec<ContactView>,
}

/// A page of a campaign's audience, as its rule selects it today, by
/// customer id.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudiencePage {
    pub items: Vec<AudienceEntryView>,
    pub next_cursor: Option<String>,
}

impl AudiencePage {
    pub fn new(entries: Vec<clientele_app::campaigns::AudienceEntry>, limit: usize) -> Self {
        let more = entries.len() > limit;
        let items: Vec<AudienceEntryView> = entries
            .into_iter()
            .take(limit)
            .map(|e| AudienceEntryView {
                customer_id: e.member.customer,
                member_no: e.member.member_no,
                name: e.member.name,
                held_out: e.held_out,
                contacts: e.contacts.into_iter().map(ContactView::from).collect(),
            })
            .collect();
        let next_cursor =
            if more { items.last().map(|i| URL_SAFE_NO_PAD.encode(format!("a:{}", i.customer_id))) } else { None };
        AudiencePage { items, next_cursor }
    }
}

/// Reads an audience cursor.
pub fn parse_audience_cursor(raw: &str) -> Result<Uuid, ApiError> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?).map_err(|_| bad_cursor())?;
    text.strip_prefix("a:").and_then(|id| id.parse().ok()).ok_or_else(bad_cursor)
}

/// Which of a campaign's contacts to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    /// Only this outcome: `scheduled`, `sent`, `task`, `held_out`,
    /// `no_consent`, `capped`, `over_budget`.
    pub outcome: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The outcomes a contact may have.
pub const OUTCOMES: [&str; 7] = ["scheduled", "sent", "task", "held_out", "no_consent", "capped", "over_budget"];

/// One of a campaign's contacts, or decisions not to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub customer_id: Uuid,
    pub member_no: String,
    #[serde(flatten)]
    pub contact: ContactView,
}

/// A page of a campaign's contacts, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    pub items: Vec<MessageView>,
    pub next_cursor: Option<String>,
}

impl MessagePage {
    pub fn new(records: Vec<clientele_store::campaigns::MessageRecord>, limit: usize) -> Self {
        let more = records.len() > limit;
        let records: Vec<_> = records.into_iter().take(limit).collect();
        let next_cursor = if more {
            records.last().map(|m| {
                let c = &m.contact;
                URL_SAFE_NO_PAD.encode(format!("m:{}|{}|{}", c.at.to_rfc3339(), c.customer, c.occurrence))
            })
        } else {
            None
        };
        let items = records
            .into_iter()
            .map(|m| MessageView { customer_id: m.contact.customer, member_no: m.member_no, contact: m.contact.into() })
            .collect();
        MessagePage { items, next_cursor }
    }
}

/// Reads a messages cursor.
pub fn parse_messages_cursor(raw: &str) -> Result<(DateTime<Utc>, Uuid, String), ApiError> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?).map_err(|_| bad_cursor())?;
    let mut parts = text.strip_prefix("m:").ok_or_else(bad_cursor)?.splitn(3, '|');
    let at = parts.next().and_then(|a| DateTime::parse_from_rfc3339(a).ok()).ok_or_else(bad_cursor)?;
    let customer = parts.next().and_then(|c| c.parse().ok()).ok_or_else(bad_cursor)?;
    let occurrence = parts.next().ok_or_else(bad_cursor)?.to_owned();
    Ok((at.with_timezone(&Utc), customer, occurrence))
}

//! Campaigns in PostgreSQL: the campaign records ([`records`]), an
//! audience rule compiled to SQL ([`select_audience`], and with what a dry
//! run counts, [`audience_reach`]), and the facts the pure evaluator reads
//! ([`audience_facts`]) — two independent readings of the same rule that a
//! property test holds equal.

mod audience;
pub mod delivery;
mod facts;
pub mod records;
pub mod results;

pub use audience::{
    AudienceMember, audience_page, audience_reach, count_audience, select_audience, select_audience_among,
};
pub use delivery::{
    DueMessage, NewContact, NewFollowUp, TargetInfo, TierChange, cap_history, due_messages, main_time_zone,
    mark_delivered, record_contacts, record_follow_ups, target_info, tier_changes_since,
};
pub use facts::audience_facts;
pub(crate) use facts::important_dates_of;
pub use records::{
    CampaignStatus, ContactRecord, MessageRecord, StoredCampaign, campaign_messages, contacts_of,
    finish_reached_campaigns, get_campaign, insert_campaign, list_campaigns, mark_reached, running_campaigns,
    set_campaign_status, update_campaign_spec,
};

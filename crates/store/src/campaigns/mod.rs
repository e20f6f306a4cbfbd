//! Campaigns in PostgreSQL: the campaign records ([`records`]), an
//! audience rule compiled to SQL ([`select_audience`], and with what a dry
//! run counts, [`audience_reach`]), and the facts the pure evaluator reads
//! ([`audience_facts`]) — two independent readings of the same rule that a
//! property test holds equal.

mod audience;
mod facts;
pub mod records;

pub use audience::{AudienceMember, audience_page, audience_reach, count_audience, select_audience};
pub use facts::audience_facts;
pub use records::{
    CampaignStatus, ContactRecord, StoredCampaign, contacts_of, get_campaign, insert_campaign, list_campaigns,
    update_campaign_spec,
};

ALTER TABLE campaigns DROP COLUMN reached_at;
DROP TABLE follow_ups;
DROP INDEX outbox_tier_changed_idx;
DROP INDEX campaign_contacts_campaign_at_idx;
DROP INDEX campaign_contacts_due_idx;
DROP INDEX campaign_contacts_cap_idx;
DELETE FROM campaign_contacts WHERE outcome = 'scheduled';
ALTER TABLE campaign_contacts DROP CONSTRAINT campaign_contacts_outcome_check;
ALTER TABLE campaign_contacts ADD CONSTRAINT campaign_contacts_outcome_check
    CHECK (outcome IN ('sent', 'task', 'held_out', 'no_consent', 'capped', 'over_budget'));
CREATE INDEX campaign_contacts_cap_idx ON campaign_contacts (customer_id, channel, at) WHERE outcome = 'sent';

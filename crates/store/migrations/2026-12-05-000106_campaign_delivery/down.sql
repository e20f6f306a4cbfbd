DROP INDEX orders_business_date_idx;
DROP INDEX follow_ups_rule_occurrence_idx;
DELETE FROM programme_settings WHERE name = 'clienteling';
ALTER TABLE programme_settings DROP CONSTRAINT programme_settings_name_check;
ALTER TABLE programme_settings ADD CONSTRAINT programme_settings_name_check CHECK (name IN ('rfm', 'campaigns'));
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

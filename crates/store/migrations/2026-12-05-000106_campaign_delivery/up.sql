-- Campaign delivery (issue #11). A message is planned as `scheduled` — at
-- its send time, after the quiet hours of the customer's home store — and
-- becomes `sent` when the delivery step writes its `campaign.message` event
-- (or `no_consent` if the consent was withdrawn meanwhile). Scheduled and
-- sent messages both count against the frequency cap.
ALTER TABLE campaign_contacts DROP CONSTRAINT campaign_contacts_outcome_check;
ALTER TABLE campaign_contacts ADD CONSTRAINT campaign_contacts_outcome_check
    CHECK (outcome IN ('scheduled', 'sent', 'task', 'held_out', 'no_consent', 'capped', 'over_budget'));
DROP INDEX campaign_contacts_cap_idx;
CREATE INDEX campaign_contacts_cap_idx ON campaign_contacts (customer_id, channel, at)
    WHERE outcome IN ('scheduled', 'sent');
-- When a one-off campaign's round reached its whole audience: later rounds
-- skip it, and it is finished once its last scheduled message went.
ALTER TABLE campaigns ADD COLUMN reached_at timestamptz;

-- The delivery step: scheduled messages whose time has come.
CREATE INDEX campaign_contacts_due_idx ON campaign_contacts (at) WHERE outcome = 'scheduled';
-- A campaign's messages, newest first.
CREATE INDEX campaign_contacts_campaign_at_idx ON campaign_contacts (campaign_id, at DESC, customer_id);

-- The tier-upgrade trigger reads the recent `tier.changed` events.
CREATE INDEX outbox_tier_changed_idx ON outbox (created_at) WHERE event_type = 'tier.changed';

-- Follow-ups for a client's associate: written by campaign steps now; the
-- clienteling issue (#12) adds them by hand and shows them on the worklist.
CREATE TABLE follow_ups (
    id            uuid PRIMARY KEY,
    customer_id   uuid NOT NULL REFERENCES customers (customer_id),
    associate_id  uuid REFERENCES associates (id),
    store_id      uuid REFERENCES stores (id),
    due_on        date NOT NULL,
    reason        text NOT NULL,
    campaign_id   uuid REFERENCES campaigns (id),
    occurrence    text,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    outcome       text,
    channel       text,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    done_at       timestamptz,
    UNIQUE (campaign_id, customer_id, occurrence)
);
CREATE INDEX follow_ups_associate_idx ON follow_ups (associate_id, due_on) WHERE status = 'open';
CREATE INDEX follow_ups_customer_idx ON follow_ups (customer_id);
-- Follow-ups made by a rule rather than a campaign (the thank-you call after
-- a purchase): once per customer and occurrence.
CREATE UNIQUE INDEX follow_ups_rule_occurrence_idx ON follow_ups (customer_id, occurrence)
    WHERE campaign_id IS NULL AND occurrence IS NOT NULL;

-- The clienteling settings (the thank-you rule) are a programme area too.
ALTER TABLE programme_settings DROP CONSTRAINT programme_settings_name_check;
ALTER TABLE programme_settings ADD CONSTRAINT programme_settings_name_check
    CHECK (name IN ('rfm', 'campaigns', 'clienteling'));

-- The thank-you rule (and the store KPIs to come) read a range of business
-- days across all customers.
CREATE INDEX orders_business_date_idx ON orders (business_date);

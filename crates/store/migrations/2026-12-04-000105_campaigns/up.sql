-- Campaigns (issue #11): the definition as the campaigns crate reads and
-- writes it (`spec`), its state, and — for a store manager's campaign —
-- the stores whose customers it may reach (NULL: every store).
CREATE TABLE campaigns (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    spec        jsonb NOT NULL,
    status      text NOT NULL CHECK (status IN ('draft', 'running', 'paused', 'finished', 'budget_exhausted')),
    store_scope uuid[],
    spent       numeric NOT NULL DEFAULT 0,
    created_by  text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    launched_at timestamptz
);
CREATE INDEX campaigns_created_idx ON campaigns (created_at DESC, id DESC);

-- Every contact a campaign made or decided against, once per (campaign,
-- customer, occurrence): a message sent or a task created, or why not
-- (held out for the control group, no consent, capped, over budget), at
-- the time it was (or would have been) made.
CREATE TABLE campaign_contacts (
    campaign_id uuid NOT NULL REFERENCES campaigns (id),
    customer_id uuid NOT NULL REFERENCES customers (customer_id),
    occurrence  text NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('sent', 'task', 'held_out', 'no_consent', 'capped', 'over_budget')),
    channel     text NOT NULL,
    at          timestamptz NOT NULL,
    cost        numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, customer_id, occurrence)
);
-- The frequency cap: a customer's messages on a channel since a time.
CREATE INDEX campaign_contacts_cap_idx ON campaign_contacts (customer_id, channel, at) WHERE outcome = 'sent';

-- Redemptions (reserve -> confirm | cancel | expire) and webhook delivery.

CREATE TABLE redemptions (
    customer_id    uuid NOT NULL,
    redemption_id  text NOT NULL,
    state          text NOT NULL,
    points         bigint NOT NULL CHECK (points > 0),
    reason         text NOT NULL,
    reserved_at    timestamptz NOT NULL,
    hold_until     timestamptz NOT NULL,
    closed_at      timestamptz,
    -- The loyalty crate's Reservation, whole (draws per lot included).
    reservation    jsonb NOT NULL,
    source         text,
    external_id    text,
    created_by     text,
    PRIMARY KEY (customer_id, redemption_id)
);
CREATE INDEX redemptions_held_idx ON redemptions (hold_until) WHERE state = 'held';

-- redemption id -> customer (confirm and cancel name only the redemption).
CREATE TABLE redemption_index (
    redemption_id  text PRIMARY KEY,
    customer_id    uuid NOT NULL
);

-- (source, external id) -> redemption: a retried reservation is made once.
CREATE TABLE redemption_keys (
    source         text NOT NULL,
    external_id    text NOT NULL,
    customer_id    uuid NOT NULL,
    redemption_id  text NOT NULL,
    PRIMARY KEY (source, external_id)
);

CREATE TABLE webhook_subscriptions (
    id           uuid PRIMARY KEY,
    url          text NOT NULL,
    secret       text NOT NULL,
    event_types  text[] NOT NULL,
    active       boolean NOT NULL DEFAULT true,
    description  text,
    created_at   timestamptz NOT NULL,
    created_by   text
);

-- One row per (subscription, event): its attempts and outcome.
CREATE TABLE webhook_deliveries (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id   uuid NOT NULL REFERENCES webhook_subscriptions (id),
    outbox_id         bigint NOT NULL REFERENCES outbox (id),
    event_type        text NOT NULL,
    status            text NOT NULL DEFAULT 'pending',
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,
    last_status_code  integer,
    last_error        text,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL,
    UNIQUE (subscription_id, outbox_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

-- Events not yet fanned out to subscriptions.
ALTER TABLE outbox ADD COLUMN fanned_out_at timestamptz;
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE fanned_out_at IS NULL;

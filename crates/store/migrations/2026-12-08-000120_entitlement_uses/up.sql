-- Tier benefits drawn down at the till (issue #13, docs/offers.md): each
-- use of a member's entitlement (a birthday gift, a jewelry cleaning), on
-- the business day it counts in. The counts per tier and period are the
-- programme's offer settings.
CREATE TABLE entitlement_uses (
    id          uuid PRIMARY KEY,
    customer_id uuid NOT NULL,
    benefit     text NOT NULL,
    used_on     date NOT NULL,
    used_at     timestamptz NOT NULL,
    store_id    uuid REFERENCES stores (id),
    -- With external_id: a retried draw is made once.
    source      text,
    external_id text,
    created_by  text NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX entitlement_uses_member_idx ON entitlement_uses (customer_id, benefit, used_on);

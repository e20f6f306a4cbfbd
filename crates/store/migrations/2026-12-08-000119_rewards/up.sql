-- The rewards catalogue (issue #13, docs/offers.md): what a member may take
-- for points — a gift, a service, an event seat, a partner's voucher — and
-- each redemption of one, from the points held to the reward collected.
CREATE TABLE rewards (
    id          uuid PRIMARY KEY,
    -- clientele_offers::Reward as it serialises (its parts).
    definition  jsonb NOT NULL,
    -- Units left (null: unlimited). Taken when points are held, given back
    -- when the redemption is cancelled or its hold lapses; never below 0.
    stock_left  integer CHECK (stock_left >= 0),
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL
);

-- A redemption of a reward: the loyalty redemption holding (then spending)
-- its points, where the member collects it, and where it stands.
CREATE TABLE reward_redemptions (
    redemption_id text PRIMARY KEY,
    reward_id     uuid NOT NULL REFERENCES rewards (id),
    customer_id   uuid NOT NULL,
    store_id      uuid REFERENCES stores (id),
    state         text NOT NULL CHECK (state IN ('held', 'to_collect', 'collected', 'cancelled')),
    points        bigint NOT NULL CHECK (points > 0),
    unit_cost     numeric(20, 2) NOT NULL CHECK (unit_cost >= 0),
    created_at    timestamptz NOT NULL,
    changed_at    timestamptz NOT NULL
);
CREATE INDEX reward_redemptions_member_idx ON reward_redemptions (customer_id, reward_id) WHERE state <> 'cancelled';
CREATE INDEX reward_redemptions_store_idx ON reward_redemptions (store_id, state) WHERE state = 'to_collect';

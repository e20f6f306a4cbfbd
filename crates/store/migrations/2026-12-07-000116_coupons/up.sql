-- Coupons at the till (issue #13, docs/offers.md). A coupon is the offer's
-- definition: what it takes off, on which lines, for which tiers, when,
-- stackable or not, uses per customer and in all. Its codes are what a
-- person types at the till: personal (one customer's) or shared.
CREATE TABLE coupons (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    -- The campaign that offers it, if any.
    campaign_id uuid REFERENCES campaigns (id),
    -- clientele_offers::CouponDefinition as it serialises (its parts).
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL
);
CREATE INDEX coupons_campaign_idx ON coupons (campaign_id) WHERE campaign_id IS NOT NULL;

-- A code in canonical form (clientele_offers::normalize: what the till's
-- typing is compared in), with the text it was issued or imported as.
-- `uses` counts the orders that used it and were not given it back.
CREATE TABLE coupon_codes (
    code        text PRIMARY KEY,
    coupon_id   uuid NOT NULL REFERENCES coupons (id),
    shown_as    text NOT NULL,
    customer_id uuid,
    state       text NOT NULL CHECK (state IN ('issued', 'reserved', 'redeemed', 'expired', 'void')),
    uses        integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
    issued_at   timestamptz NOT NULL,
    changed_at  timestamptz NOT NULL,
    -- One code per coupon and customer for personal codes.
    UNIQUE (coupon_id, customer_id)
);
CREATE INDEX coupon_codes_customer_idx ON coupon_codes (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX coupon_codes_coupon_idx ON coupon_codes (coupon_id, code);

-- Each use of a code by an order: who, which order, what it took off.
-- `released_at` set when a return gave it back.
CREATE TABLE coupon_uses (
    code        text NOT NULL REFERENCES coupon_codes (code),
    customer_id uuid NOT NULL,
    order_id    uuid NOT NULL,
    discount    numeric(20, 2) NOT NULL CHECK (discount >= 0),
    used_at     timestamptz NOT NULL,
    released_at timestamptz,
    PRIMARY KEY (code, customer_id, order_id)
);
CREATE INDEX coupon_uses_customer_idx ON coupon_uses (customer_id, code) WHERE released_at IS NULL;

-- The offer settings (discount ceiling, coupon back on a full return) are
-- the `offers` row of the programme settings.
ALTER TABLE programme_settings DROP CONSTRAINT programme_settings_name_check;
ALTER TABLE programme_settings ADD CONSTRAINT programme_settings_name_check
    CHECK (name IN ('rfm', 'campaigns', 'clienteling', 'offers'));

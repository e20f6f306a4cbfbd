-- Gifts with purchase (issue #13, docs/offers.md): a gift or sample given
-- when an order qualifies, and each gift an order was given (what the
-- associate hands over, and what it cost the brand).
CREATE TABLE gift_offers (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    campaign_id uuid REFERENCES campaigns (id),
    -- clientele_offers::GiftOffer as it serialises (its parts).
    definition  jsonb NOT NULL,
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz NOT NULL CHECK (valid_to > valid_from),
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL
);
CREATE INDEX gift_offers_window_idx ON gift_offers (valid_to, valid_from);

CREATE TABLE order_gifts (
    order_id      uuid NOT NULL,
    gift_offer_id uuid NOT NULL REFERENCES gift_offers (id),
    customer_id   uuid NOT NULL,
    sku           text NOT NULL,
    name          text NOT NULL,
    quantity      integer NOT NULL CHECK (quantity > 0),
    unit_cost     numeric(20, 2) NOT NULL CHECK (unit_cost >= 0),
    given_at      timestamptz NOT NULL,
    PRIMARY KEY (order_id, gift_offer_id)
);
CREATE INDEX order_gifts_offer_idx ON order_gifts (gift_offer_id);

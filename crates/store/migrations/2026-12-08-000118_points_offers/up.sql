-- Points offers (issue #13, docs/offers.md): bonus points or a multiplier
-- on qualifying orders within a window. Applied when an order earns; the
-- points go into the order's lot on their own ledger entry, with the
-- offer's campaign (or the offer) as source.
CREATE TABLE points_offers (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    campaign_id uuid REFERENCES campaigns (id),
    -- clientele_offers::PointsOffer as it serialises (its parts).
    definition  jsonb NOT NULL,
    -- The window, from the definition: what an order's earning looks up.
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz NOT NULL CHECK (valid_to > valid_from),
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL
);
CREATE INDEX points_offers_window_idx ON points_offers (valid_to, valid_from);

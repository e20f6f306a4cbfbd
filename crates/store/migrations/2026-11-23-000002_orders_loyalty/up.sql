-- Orders, exchange rates, products, and the loyalty ledger.
-- Same scale-out rules as the first migration: per-customer tables carry
-- customer_id in their primary key; lookup keys (source + external id,
-- order id, redemption id) live in tables of their own.

-- One unit of `currency` is `rate` units of `base_currency`, from
-- `valid_from` until the next rate of the same pair.
CREATE TABLE fx_rates (
    currency       text NOT NULL,
    base_currency  text NOT NULL,
    valid_from     date NOT NULL,
    rate           numeric(20, 10) NOT NULL CHECK (rate > 0),
    set_at         timestamptz NOT NULL,
    set_by         text,
    PRIMARY KEY (currency, base_currency, valid_from)
);

-- Products as order lines name them (SKU -> name, category, collection).
CREATE TABLE products (
    sku            text PRIMARY KEY,
    name           text,
    category       text,
    collection     text,
    first_seen_at  timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL
);

-- (source, external id) -> order: what makes ingestion idempotent.
CREATE TABLE order_keys (
    source       text NOT NULL,
    external_id  text NOT NULL,
    customer_id  uuid NOT NULL,
    order_id     uuid NOT NULL,
    PRIMARY KEY (source, external_id)
);

CREATE TABLE order_index (
    order_id     uuid PRIMARY KEY,
    customer_id  uuid NOT NULL
);

-- Anonymous orders carry the nil UUID as customer_id.
CREATE TABLE orders (
    customer_id       uuid NOT NULL,
    order_id          uuid NOT NULL,
    source            text NOT NULL,
    external_id       text NOT NULL,
    store_id          uuid REFERENCES stores (id),
    channel           text NOT NULL,
    ordered_at        timestamptz NOT NULL,
    currency          text NOT NULL,
    amount_paid       numeric(16, 2) NOT NULL,
    base_currency     text NOT NULL,
    fx_rate           numeric(20, 10) NOT NULL,
    amount_paid_base  numeric(16, 2) NOT NULL,
    payment_method    text NOT NULL,
    coupons           text[] NOT NULL DEFAULT '{}',
    points_redeemed   bigint NOT NULL DEFAULT 0,
    tier_at_order     text,
    points_earned     bigint NOT NULL DEFAULT 0,
    growth_earned     bigint NOT NULL DEFAULT 0,
    -- The loyalty engine's per-line earning, kept whole so a return takes
    -- back exactly what its lines earned.
    earning           jsonb,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (customer_id, order_id)
);
CREATE INDEX orders_customer_time_idx ON orders (customer_id, ordered_at DESC, order_id DESC);
CREATE INDEX orders_store_time_idx ON orders (store_id, ordered_at);

CREATE TABLE order_lines (
    customer_id        uuid NOT NULL,
    order_id           uuid NOT NULL,
    line_id            text NOT NULL,
    sku                text NOT NULL,
    name               text,
    category           text,
    collection         text,
    quantity           integer NOT NULL CHECK (quantity > 0),
    unit_price         numeric(16, 4) NOT NULL,
    discount           numeric(16, 4) NOT NULL,
    paid               numeric(16, 2) NOT NULL,
    paid_base          numeric(16, 2) NOT NULL,
    points             bigint NOT NULL DEFAULT 0,
    growth             bigint NOT NULL DEFAULT 0,
    returned_quantity  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (customer_id, order_id, line_id)
);

CREATE TABLE return_keys (
    source       text NOT NULL,
    external_id  text NOT NULL,
    customer_id  uuid NOT NULL,
    return_id    uuid NOT NULL,
    PRIMARY KEY (source, external_id)
);

CREATE TABLE order_returns (
    customer_id       uuid NOT NULL,
    return_id         uuid NOT NULL,
    order_id          uuid NOT NULL,
    source            text NOT NULL,
    external_id       text NOT NULL,
    returned_at       timestamptz NOT NULL,
    lines             jsonb NOT NULL,
    amount_base       numeric(16, 2) NOT NULL,
    points_taken      bigint NOT NULL,
    points_not_taken  bigint NOT NULL,
    growth_taken      bigint NOT NULL,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (customer_id, return_id)
);

-- The programme (one row): tiers, earn rate, expiry policy, ...
CREATE TABLE loyalty_program (
    id          smallint PRIMARY KEY CHECK (id = 1),
    config      jsonb NOT NULL,
    version     integer NOT NULL,
    updated_at  timestamptz NOT NULL,
    updated_by  text
);

-- A member's balances, kept equal to the sums of the ledger in the same
-- transaction as every ledger row.
CREATE TABLE loyalty_accounts (
    customer_id     uuid PRIMARY KEY,
    points_balance  bigint NOT NULL DEFAULT 0,
    points_held     bigint NOT NULL DEFAULT 0,
    points_owed     bigint NOT NULL DEFAULT 0,
    growth_value    bigint NOT NULL DEFAULT 0,
    tier            text NOT NULL DEFAULT 'S1',
    tier_state      jsonb NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX loyalty_accounts_tier_idx ON loyalty_accounts (tier);

CREATE TABLE points_lots (
    customer_id  uuid NOT NULL,
    lot_id       text NOT NULL,
    origin       jsonb NOT NULL,
    earned_at    timestamptz NOT NULL,
    earned_on    date NOT NULL,
    expires_on   date,
    original     bigint NOT NULL CHECK (original > 0),
    remaining    bigint NOT NULL CHECK (remaining >= 0 AND remaining <= original),
    held         bigint NOT NULL CHECK (held >= 0 AND held <= remaining),
    PRIMARY KEY (customer_id, lot_id)
);
CREATE INDEX points_lots_expiry_idx ON points_lots (expires_on) WHERE remaining > 0;

-- Append-only.
CREATE TABLE ledger (
    customer_id       uuid NOT NULL,
    entry_no          bigint GENERATED ALWAYS AS IDENTITY,
    at                timestamptz NOT NULL,
    business_date     date NOT NULL,
    kind              text NOT NULL,
    points            bigint NOT NULL,
    growth            bigint NOT NULL,
    points_not_taken  bigint NOT NULL DEFAULT 0,
    lot_id            text,
    source_kind       text NOT NULL,
    source            jsonb NOT NULL,
    reason            text NOT NULL,
    actor             text,
    PRIMARY KEY (customer_id, entry_no)
);
CREATE INDEX ledger_customer_date_idx ON ledger (customer_id, business_date);

-- Events to send, written in the transaction of the change they describe.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_type   text NOT NULL,
    customer_id  uuid,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL
);

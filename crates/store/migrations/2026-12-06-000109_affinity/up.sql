-- Next-best-product (issue #12): the co-purchase rules the daily job
-- counts (clientele-affinity), replaced whole at each run. `level` is
-- `product` (SKUs) or `category`; `basis` is `order` (each order a basket)
-- or `customer` (each customer's purchases in the window one basket).
CREATE TABLE affinity_rules (
    level text NOT NULL CHECK (level IN ('product', 'category')),
    basis text NOT NULL CHECK (basis IN ('order', 'customer')),
    antecedent text NOT NULL,
    consequent text NOT NULL,
    shared integer NOT NULL,
    antecedent_count integer NOT NULL,
    consequent_count integer NOT NULL,
    baskets integer NOT NULL,
    PRIMARY KEY (level, basis, antecedent, consequent)
);

-- One row per run: the window counted and what it found.
CREATE TABLE affinity_runs (
    as_of date PRIMARY KEY,
    window_from date NOT NULL,
    window_to date NOT NULL,
    min_shared integer NOT NULL,
    rules integer NOT NULL,
    duration_ms bigint NOT NULL,
    created_at timestamptz NOT NULL
);

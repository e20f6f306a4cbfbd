-- RFM segments and customer value, as of a date (issue #4).
--
-- A refresh (`clientele refresh-segments`, or the scheduled job) computes
-- every live customer's RFM facts and value-model summary with one
-- aggregate query, scores and fits in Rust, and writes one snapshot per
-- date: a `segment_runs` row and one `segment_snapshots` row per customer
-- who has bought. Refreshing a date again replaces its snapshot.
--
-- Scale-out rules as before: `segment_snapshots` belongs to customers, so
-- its primary key starts with customer_id (the distribution column);
-- `segment_runs` is one small row per date.

CREATE TABLE segment_runs (
    as_of            date PRIMARY KEY,
    -- The RFM window, scoring method, segment map and CLV settings used.
    config           jsonb NOT NULL,
    -- Fitted BG/NBD and Gamma-Gamma parameters; NULL for a model that could
    -- not be fitted (see model_error).
    bgnbd            jsonb,
    gamma_gamma      jsonb,
    -- Why a model could not be fitted (code and message); NULL when both were.
    model_error      jsonb,
    customers        bigint NOT NULL CHECK (customers >= 0),
    created_at       timestamptz NOT NULL,
    duration_ms      bigint NOT NULL CHECK (duration_ms >= 0)
);

CREATE TABLE segment_snapshots (
    customer_id          uuid NOT NULL,
    as_of                date NOT NULL,
    -- RFM facts: days since the last purchase, orders and net paid (base
    -- currency, net of returns) in the window ending on as_of.
    recency_days         integer NOT NULL CHECK (recency_days >= 0),
    frequency            integer NOT NULL CHECK (frequency >= 0),
    monetary             numeric(16, 2) NOT NULL,
    r                    smallint NOT NULL CHECK (r BETWEEN 1 AND 5),
    f                    smallint NOT NULL CHECK (f BETWEEN 1 AND 5),
    m                    smallint NOT NULL CHECK (m BETWEEN 1 AND 5),
    segment              text NOT NULL,
    -- Value-model summary over the whole history up to as_of (purchase
    -- days, as `lifetimes` counts them): first and last purchase day,
    -- repeat purchase days, average spend of the repeat days.
    first_purchase       date NOT NULL,
    last_purchase        date NOT NULL,
    repeat_purchases     integer NOT NULL CHECK (repeat_purchases >= 0),
    average_repeat_spend numeric(16, 2) NOT NULL,
    -- Predictions over the run's horizon; NULL when the model could not be
    -- fitted or the customer first bought on as_of (no history to judge).
    expected_purchases   numeric(12, 4),
    p_alive              numeric(6, 5),
    expected_spend       numeric(16, 2),
    clv                  numeric(16, 2),
    PRIMARY KEY (customer_id, as_of)
);
-- A date's rows, a segment's customers by value (CLV unknown sorts last).
-- One secondary index only: the refresh writes a million rows through it.
CREATE INDEX segment_snapshots_segment_clv_idx
    ON segment_snapshots (as_of, segment, (coalesce(clv, -1)) DESC, customer_id);

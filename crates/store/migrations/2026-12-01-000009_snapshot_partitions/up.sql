-- One partition of segment_snapshots per snapshot date (issue #4). A
-- refresh loads the date's million rows into a table of their own, builds
-- its two indexes by sorting (a third of the cost of inserting every row
-- into them, docs/benchmarks.md) and attaches it; replacing a date drops
-- its partition instead of deleting its rows. Reads are unchanged: they
-- name the date, so they touch one partition.
--
-- Scale-out rules as before: the primary key starts with customer_id (the
-- distribution column); partitioned tables can be distributed as they are.
ALTER TABLE segment_snapshots RENAME TO segment_snapshots_unpartitioned;
ALTER TABLE segment_snapshots_unpartitioned RENAME CONSTRAINT segment_snapshots_pkey TO segment_snapshots_unpartitioned_pkey;
ALTER INDEX segment_snapshots_segment_clv_idx RENAME TO segment_snapshots_unpartitioned_segment_clv_idx;

CREATE TABLE segment_snapshots (
    customer_id          uuid NOT NULL,
    as_of                date NOT NULL,
    recency_days         integer NOT NULL CHECK (recency_days >= 0),
    frequency            integer NOT NULL CHECK (frequency >= 0),
    monetary             numeric(16, 2) NOT NULL,
    r                    smallint NOT NULL CHECK (r BETWEEN 1 AND 5),
    f                    smallint NOT NULL CHECK (f BETWEEN 1 AND 5),
    m                    smallint NOT NULL CHECK (m BETWEEN 1 AND 5),
    segment              text NOT NULL,
    first_purchase       date NOT NULL,
    last_purchase        date NOT NULL,
    repeat_purchases     integer NOT NULL CHECK (repeat_purchases >= 0),
    average_repeat_spend numeric(16, 2) NOT NULL,
    expected_purchases   numeric(12, 4),
    p_alive              numeric(6, 5),
    expected_spend       numeric(16, 2),
    clv                  numeric(16, 2),
    PRIMARY KEY (customer_id, as_of)
) PARTITION BY LIST (as_of);
CREATE INDEX segment_snapshots_segment_clv_idx
    ON segment_snapshots (as_of, segment, (coalesce(clv, -1)) DESC, customer_id);

-- The snapshots taken so far, one partition per date.
DO $$
DECLARE day date;
BEGIN
    FOR day IN SELECT DISTINCT as_of FROM segment_snapshots_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF segment_snapshots FOR VALUES IN (%L)',
                       'segment_snapshots_d' || to_char(day, 'YYYYMMDD'), day);
    END LOOP;
END
$$;
INSERT INTO segment_snapshots SELECT * FROM segment_snapshots_unpartitioned;
DROP TABLE segment_snapshots_unpartitioned;

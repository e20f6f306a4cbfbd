-- A campaign's results (issue #14) read the orders of the days its
-- windows can cover — the customer, the order, its time and what was paid.
-- With these in the index of the day, that is an index-only range (72 ms
-- for 163,561 orders at a million customers, against 0.46–0.65 s of
-- bitmap heap scan over the whole table: docs/benchmarks.md). It replaces
-- the index of the day's keys, whose readers (the affinity count, every
-- range of days) read it as before.
SET LOCAL maintenance_work_mem = '512MB';
CREATE INDEX orders_day_window_idx ON orders (business_date) INCLUDE (customer_id, order_id, ordered_at, amount_paid_base);
DROP INDEX orders_day_keys_idx;

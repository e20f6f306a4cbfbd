-- Each order keeps its business date: the day it was made at its store (the
-- store's time zone; UTC without a store), as ingestion already works it
-- out for pricing and points. The segment refresh groups every order by
-- (customer, business date); reading the date from an index instead of
-- converting ten million timestamps in their stores' zones on every refresh
-- is what makes that grouping a single ordered pass (docs/benchmarks.md,
-- issue #4). Existing orders get the date by the same rule, computed here.
ALTER TABLE orders ADD COLUMN business_date date;
UPDATE orders o
SET business_date = (o.ordered_at AT TIME ZONE coalesce((SELECT s.time_zone FROM stores s WHERE s.id = o.store_id), 'UTC'))::date;
ALTER TABLE orders ALTER COLUMN business_date SET NOT NULL;

-- What the refresh reads of every order, in the order it groups them.
-- Replaces orders_customer_facts_idx (one index entry per order either
-- way, and a narrower one).
DROP INDEX orders_customer_facts_idx;
CREATE INDEX orders_customer_day_idx ON orders (customer_id, business_date) INCLUDE (amount_paid_base);

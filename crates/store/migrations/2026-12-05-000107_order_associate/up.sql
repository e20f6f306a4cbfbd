-- The associate who sold an order (issue #12), named by the POS or the
-- import file and checked against the order's store; returns follow their
-- order. The associate KPIs read an associate's orders over a period.
ALTER TABLE orders ADD COLUMN associate_id uuid REFERENCES associates (id);
CREATE INDEX orders_associate_day_idx ON orders (associate_id, business_date) WHERE associate_id IS NOT NULL;

-- A store's orders over a range of its days: the store KPIs and the lapsed
-- list (with the amount paid, so the sums read the index alone).
CREATE INDEX orders_store_day_idx ON orders (store_id, business_date) INCLUDE (amount_paid_base);

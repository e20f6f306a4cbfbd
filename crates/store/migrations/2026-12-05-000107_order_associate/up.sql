-- The associate who sold an order (issue #12), named by the POS or the
-- import file and checked against the order's store; returns follow their
-- order. The associate KPIs read an associate's orders over a period.
ALTER TABLE orders ADD COLUMN associate_id uuid REFERENCES associates (id);
CREATE INDEX orders_associate_day_idx ON orders (associate_id, business_date) WHERE associate_id IS NOT NULL;

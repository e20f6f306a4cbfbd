DROP INDEX orders_customer_day_idx;
CREATE INDEX orders_customer_facts_idx
    ON orders (customer_id, order_id) INCLUDE (ordered_at, store_id, amount_paid_base);
ALTER TABLE orders DROP COLUMN business_date;

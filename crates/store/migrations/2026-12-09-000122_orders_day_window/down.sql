CREATE INDEX orders_day_keys_idx ON orders (business_date) INCLUDE (customer_id, order_id);
DROP INDEX orders_day_window_idx;

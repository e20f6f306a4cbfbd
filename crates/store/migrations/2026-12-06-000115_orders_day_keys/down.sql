CREATE INDEX orders_business_date_idx ON orders (business_date);
DROP INDEX orders_day_keys_idx;

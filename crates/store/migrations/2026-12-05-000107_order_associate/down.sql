DROP INDEX orders_store_day_idx;
DROP INDEX orders_associate_day_idx;
ALTER TABLE orders DROP COLUMN associate_id;

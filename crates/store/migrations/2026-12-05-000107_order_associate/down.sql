DROP INDEX orders_associate_day_idx;
ALTER TABLE orders DROP COLUMN associate_id;

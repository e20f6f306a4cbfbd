DROP INDEX customers_home_store_joined_idx;
DROP INDEX customer_first_orders_day_idx;
DROP TABLE customer_first_orders;
DROP TABLE sales_days;

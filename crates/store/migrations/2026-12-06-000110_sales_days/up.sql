-- What a store's KPIs read (issue #12, docs/kpis.md), kept as orders and
-- returns are written instead of worked out from every order each time.
--
-- sales_days: per store, business day, customer (the nil UUID for an
-- anonymous sale) and associate (the nil UUID for none), the orders made
-- that day, how many of them are not wholly returned, what was paid for
-- them (base currency), their units, and what returns dated that day (the
-- store's local day of `returned_at`) refunded of the store's orders of
-- that customer and associate, whenever those orders were made. Orders
-- without a store (the e-shop) are not in it. Written with the order or
-- the return, in the same transaction.
--
-- The key starts with the store and the day: a store's period is one range
-- of the key, and everything a figure reads is in the index (an index-only
-- scan once the table is vacuumed). It includes customer_id (the
-- distribution column).
CREATE TABLE sales_days (
    store_id       uuid NOT NULL,
    business_date  date NOT NULL,
    customer_id    uuid NOT NULL,
    associate_id   uuid NOT NULL,
    orders         integer NOT NULL DEFAULT 0,
    kept_orders    integer NOT NULL DEFAULT 0,
    gross          numeric(20, 2) NOT NULL DEFAULT 0,
    units          bigint NOT NULL DEFAULT 0,
    refunds        numeric(20, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, business_date, customer_id, associate_id)
        INCLUDE (orders, kept_orders, gross, units, refunds)
);

-- A customer's first two order days, at any store and returned or not:
-- what tells a new customer from a returning one and a new customer who
-- came back (clientele_clienteling::FirstOrders). Orders are never taken
-- away, so the days only move earlier.
CREATE TABLE customer_first_orders (
    customer_id  uuid PRIMARY KEY,
    first_day    date NOT NULL,
    second_day   date,
    CHECK (second_day >= first_day)
);

-- The backfill from the orders and returns stored so far, written in key
-- order (a store's days then sit together in the table as in the index).
SET LOCAL work_mem = '256MB';

INSERT INTO sales_days
SELECT store_id, business_date, customer_id, associate_id,
       sum(orders), sum(kept_orders), sum(gross), sum(units), sum(refunds)
FROM (
    SELECT o.store_id, o.business_date, o.customer_id,
           coalesce(o.associate_id, '00000000-0000-0000-0000-000000000000') AS associate_id,
           1 AS orders, CASE WHEN coalesce(l.kept, true) THEN 1 ELSE 0 END AS kept_orders,
           o.amount_paid_base AS gross, coalesce(l.units, 0) AS units, 0 AS refunds
    FROM orders o
    LEFT JOIN (SELECT customer_id, order_id, sum(quantity) AS units, bool_or(quantity > returned_quantity) AS kept
          FROM order_lines GROUP BY customer_id, order_id) l
      ON l.customer_id = o.customer_id AND l.order_id = o.order_id
    WHERE o.store_id IS NOT NULL
    UNION ALL
    SELECT o.store_id, (r.returned_at AT TIME ZONE s.time_zone)::date, o.customer_id,
           coalesce(o.associate_id, '00000000-0000-0000-0000-000000000000'),
           0, 0, 0, 0, r.amount_base
    FROM order_returns r
    JOIN orders o ON o.customer_id = r.customer_id AND o.order_id = r.order_id
    JOIN stores s ON s.id = o.store_id
) facts
GROUP BY store_id, business_date, customer_id, associate_id
ORDER BY store_id, business_date, customer_id, associate_id;

INSERT INTO customer_first_orders
SELECT customer_id, min(business_date), min(business_date) FILTER (WHERE n = 2)
FROM (SELECT customer_id, business_date,
             row_number() OVER (PARTITION BY customer_id ORDER BY business_date) AS n
      FROM orders WHERE customer_id <> '00000000-0000-0000-0000-000000000000') firsts
WHERE n <= 2
GROUP BY customer_id;

-- The customers whose first order falls in a period (the new customers of
-- the KPIs), read from the index alone.
CREATE INDEX customer_first_orders_day_idx ON customer_first_orders (first_day) INCLUDE (customer_id, second_day);

-- The customers who joined in a period, by home store, with what the
-- acquisition channels' figures read of them.
CREATE INDEX customers_home_store_joined_idx ON customers (home_store_id, joined_on)
    INCLUDE (customer_id, acquisition_channel, acquisition_cost, acquisition_currency, merged_into);

-- What the segment refresh reads of every order, in (customer, order)
-- order: an index-only scan of this (about a sixth of the table's size) lets
-- the refresh merge-join the returns and group per customer without
-- sorting ten million rows on disk (docs/benchmarks.md, issue #4). One more
-- index entry per order written.
CREATE INDEX orders_customer_facts_idx
    ON orders (customer_id, order_id) INCLUDE (ordered_at, store_id, amount_paid_base);

DROP INDEX orders_customer_facts_idx;

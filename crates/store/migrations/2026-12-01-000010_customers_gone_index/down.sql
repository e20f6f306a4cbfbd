DROP INDEX customers_gone_idx;

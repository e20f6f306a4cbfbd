DROP INDEX coupon_uses_order_idx;
ALTER TABLE order_lines DROP COLUMN coupon_discount;

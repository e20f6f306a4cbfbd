-- Orders carry Clientele coupon codes (issue #13, docs/offers.md): what the
-- coupons took off each line is part of the line's `discount` and kept
-- apart here, so the order as sent (its own discount) can still be told
-- from a resend, and a return knows what the coupon gave.
-- A constant default: no rewrite and no scan of the lines kept so far.
ALTER TABLE order_lines ADD COLUMN coupon_discount numeric(16, 4) NOT NULL DEFAULT 0;

-- The uses of an order's codes: what a full return gives back.
CREATE INDEX coupon_uses_order_idx ON coupon_uses (order_id);

-- What a return did with points the member had already redeemed (the
-- programme's return_shortfall): points left owed (negative_balance), and
-- the deduction reported for the refund (deduct_from_refund) in points and,
-- when the programme values points, in base currency. Additive: the old
-- code does not read them, and rows written before read as "nothing".
ALTER TABLE order_returns
    ADD COLUMN points_owed bigint NOT NULL DEFAULT 0,
    ADD COLUMN refund_deduction_points bigint NOT NULL DEFAULT 0,
    ADD COLUMN refund_deduction_value numeric;

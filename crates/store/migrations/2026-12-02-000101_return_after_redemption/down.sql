ALTER TABLE order_returns
    DROP COLUMN refund_deduction_value,
    DROP COLUMN refund_deduction_points,
    DROP COLUMN points_owed;

ALTER TABLE order_lines DROP CONSTRAINT order_lines_quantity_check;
ALTER TABLE order_lines ADD CONSTRAINT order_lines_quantity_check CHECK (quantity > 0) NOT VALID;
ALTER TABLE loyalty_accounts DROP COLUMN opened_as_of;

-- Opening balances brought from a previous system at go-live (issue #15):
-- the moment the member's balance was taken there. Orders placed before it
-- are history — their points are already in the opening balance — and earn
-- nothing when they are imported or sent later; NULL: no opening balance.
ALTER TABLE loyalty_accounts ADD COLUMN opened_as_of timestamptz;

-- A line of quantity 0 (a free item, a correction the till kept) is stored
-- as a zero line that is paid nothing and earns nothing, instead of
-- refusing its order. Relaxing the check: every stored row already meets
-- it, so it is added NOT VALID and validated without blocking writes.
ALTER TABLE order_lines DROP CONSTRAINT order_lines_quantity_check;
ALTER TABLE order_lines ADD CONSTRAINT order_lines_quantity_check CHECK (quantity >= 0) NOT VALID;
ALTER TABLE order_lines VALIDATE CONSTRAINT order_lines_quantity_check;

-- A member's open lots, read on every order, return, redemption and
-- loyalty read (`WHERE customer_id = $1 AND remaining > 0`), by an index
-- shaped for exactly that read. Without it, a planner with no statistics
-- (a database just loaded in bulk) combined the primary key with the
-- expiry index and scanned every member's open lots to find one member's:
-- 120-155 ms a read at a million members instead of 0.4 ms.
CREATE INDEX points_lots_member_open_idx ON points_lots (customer_id, expires_on) WHERE remaining > 0;

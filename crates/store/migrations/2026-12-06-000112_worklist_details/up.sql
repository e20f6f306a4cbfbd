-- What the worklist shows of each client put forward (favourite
-- categories, last purchases, next-best product), worked out by the build
-- so that a read does not count them again.
ALTER TABLE worklist_entries ADD COLUMN details jsonb;

-- The build also keeps what the list shows of the clients with an open
-- follow-up and no reason of their own (put_forward false): a read of a
-- list full of follow-ups then works nothing out again.
ALTER TABLE worklist_entries ADD COLUMN put_forward boolean NOT NULL DEFAULT true;
